#!/usr/bin/env -S node --import tsx
/**
 * solver-router-admin: administration of a solver-router over its admin HTTP API.
 * `pnpm admin <command> ...` in the repository; `pnpm admin help` lists the commands.
 */
import { runCli } from "./commands.ts";

const code = await runCli(process.argv.slice(2), process.env, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
// exitCode (not exit()) lets piped output drain first.
process.exitCode = code;
