/**
 * The admin CLI (packages/admin-cli) as an operator runs it: a child process talking HTTP to
 * the local stack, settings from ROUTER_URL / ROUTER_ADMIN_KEY. A team's whole life — create,
 * top up, budget, a task submitted with curl under the printed key, the task in the usage
 * report, key rotation and revocation — and the error paths (exit codes, no key leaked).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeImage, startStack, type LocalStack } from "./support.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MAIN = "packages/admin-cli/src/main.ts";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: ROOT, env, timeout: 60_000, maxBuffer: 10 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") return reject(error);
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

/** curl with an API key; resolves to the HTTP status and the parsed body. */
async function curl(method: string, url: string, key: string, body?: unknown) {
  const args = ["-s", "-X", method, url, "-H", `Authorization: Bearer ${key}`, "-w", "\n%{http_code}"];
  if (body !== undefined) args.push("-H", "Content-Type: application/json", "--data-binary", JSON.stringify(body));
  const { code, stdout, stderr } = await run("curl", args);
  if (code !== 0) throw new Error(`curl ${method} ${url}: exit ${code} ${stderr}`);
  const cut = stdout.lastIndexOf("\n");
  return { status: Number(stdout.slice(cut + 1)), body: JSON.parse(stdout.slice(0, cut)) as Record<string, unknown> };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the admin CLI against the local stack", () => {
  let stack: LocalStack;
  let env: NodeJS.ProcessEnv;
  /** The CLI with the stack's URL and admin key in the environment. */
  const admin = (...args: string[]) => run(process.execPath, ["--import", "tsx", MAIN, ...args], env);

  beforeAll(async () => {
    stack = await startStack();
    env = { ...process.env, ROUTER_URL: stack.apiUrl, ROUTER_ADMIN_KEY: stack.adminKey, NO_COLOR: "1" };
  });
  afterAll(async () => stack?.stop());

  it("runs a team's whole cycle: create, top up, budget, a task, usage, key rotation, revocation", async () => {
    // create-team prints the team id and the key (once), as text …
    const created = await admin("create-team", "--name", "cli-e2e", "--credits", "10");
    expect(created.code, created.stderr).toBe(0);
    const teamId = /^team_id:\s+(\S+)$/m.exec(created.stdout)?.[1];
    const apiKey = /^api_key:\s+([0-9a-f]{32})$/m.exec(created.stdout)?.[1];
    expect(teamId).toBeTruthy();
    expect(apiKey).toMatch(/^[0-9a-f]{32}$/);
    expect(created.stdout).toMatch(/^balance:\s+10$/m);
    expect(created.stdout).toContain("shown only this once");
    expect(created.stdout + created.stderr).not.toContain(stack.adminKey);

    // … and the key works for the team API.
    expect(await curl("GET", `${stack.apiUrl}/v2/account`, apiKey!)).toMatchObject({ status: 200, body: { team_id: teamId, balance: 10 } });

    const topUp = await admin("top-up", teamId!, "--amount", "5.5");
    expect(topUp.code, topUp.stderr).toBe(0);
    expect(topUp.stdout).toMatch(/^balance:\s+15\.5$/m);

    const budget = await admin("set-budget", teamId!, "--monthly", "50");
    expect(budget.code, budget.stderr).toBe(0);
    expect(budget.stdout).toMatch(/^monthly_budget:\s+50$/m);

    // The teams table shows the team on one aligned line, under the header's columns.
    const teams = await admin("teams");
    expect(teams.code, teams.stderr).toBe(0);
    const lines = teams.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^TEAM_ID\s+NAME\s+BALANCE\s+RESERVED\s+BUDGET\s+USED\s+REMAINING\s+RESETS_AT$/);
    const row = lines.find((l) => l.startsWith(teamId!))!;
    expect(row.split(/\s{2,}/).slice(1, 7)).toEqual(["cli-e2e", "15.5", "0", "50", "0", "50"]);
    // right-aligned numbers end where their header ends
    expect(row.indexOf("15.5") + "15.5".length).toBe(lines[0]!.indexOf("BALANCE") + "BALANCE".length);

    // A task submitted with curl under the printed key, polled until it ends.
    const submitted = await curl("POST", `${stack.apiUrl}/v2/solver/image`, apiKey!, { image: fakeImage() });
    expect(submitted.status).toBe(200);
    const taskId = String(submitted.body.task_id);
    let result: Record<string, unknown> = {};
    for (const started = Date.now(); Date.now() - started < 120_000; await sleep(500)) {
      result = (await curl("GET", `${stack.apiUrl}/v2/solver/result/${taskId}`, apiKey!)).body;
      if (result.status === "completed" || result.status === "failed") break;
    }
    expect(result.status).toBe("completed");
    const creditsUsed = result.credits_used as number;
    expect(creditsUsed).toBeGreaterThan(0);

    // usage --json: the team's one task with exactly the task's credits.
    let report: { rows?: unknown[]; totals?: { tasks: number } } = {};
    for (const started = Date.now(); Date.now() - started < 30_000; await sleep(500)) {
      const usage = await admin("usage", "--group-by", "team,task_type", "--team", teamId!, "--json");
      expect(usage.code, usage.stderr).toBe(0);
      report = JSON.parse(usage.stdout);
      if (report.totals?.tasks === 1) break;
    }
    expect(report.rows).toEqual([
      expect.objectContaining({ team_id: teamId, task_type: "ImageToTextTask", tasks: 1, completed: 1, failed: 0, credits_used: creditsUsed }),
    ]);
    expect(report.totals).toMatchObject({ tasks: 1, credits_used: creditsUsed });

    // usage as a table: group columns, figures, a TOTAL line under a rule.
    const table = await admin("usage", "--group-by", "team,task_type", "--team", teamId!);
    expect(table.code, table.stderr).toBe(0);
    const tableLines = table.stdout.trimEnd().split("\n");
    expect(tableLines[1]).toMatch(/^TEAM_ID\s+TASK_TYPE\s+TASKS\s+COMPLETED\s+FAILED\s+CREDITS\s+AVG_SOLVE_S$/);
    const cells = (line: string) => line.trim().split(/\s+/);
    const dataLine = tableLines.find((l) => l.startsWith(teamId!))!;
    expect(cells(dataLine).slice(0, 6)).toEqual([teamId, "ImageToTextTask", "1", "1", "0", String(creditsUsed)]);
    expect(tableLines.at(-2)).toMatch(/^-+(\s+-+)+$/);
    expect(cells(tableLines.at(-1)!).slice(0, 5)).toEqual(["TOTAL", "1", "1", "0", String(creditsUsed)]);
    // columns line up: the row's credits end where the header's CREDITS ends
    expect(dataLine.indexOf(` ${creditsUsed}`) + 1 + String(creditsUsed).length).toBe(tableLines[1]!.indexOf("CREDITS") + "CREDITS".length);

    // usage --csv: the server's CSV as it is, header plus one line per row.
    const csv = await admin("usage", "--group-by", "team,task_type", "--team", teamId!, "--csv");
    expect(csv.code, csv.stderr).toBe(0);
    const csvLines = csv.stdout.trimEnd().split("\n");
    expect(csvLines[0]).toBe("team_id,task_type,tasks,completed,failed,credits_used,avg_solve_seconds,median_solve_seconds");
    expect(csvLines).toHaveLength(2);
    expect(csvLines[1]!.split(",").slice(0, 6)).toEqual([teamId, "ImageToTextTask", "1", "1", "0", String(creditsUsed)]);

    // The budget counts the task.
    const teamsJson = JSON.parse((await admin("teams", "--json")).stdout) as { teams: Record<string, unknown>[] };
    expect(teamsJson.teams.find((t) => t.team_id === teamId)).toMatchObject({ monthly_budget: 50, budget_used: creditsUsed });
    // … and --none removes it.
    const noBudget = await admin("set-budget", teamId!, "--none", "--json");
    expect(noBudget.code, noBudget.stderr).toBe(0);
    expect(JSON.parse(noBudget.stdout)).toMatchObject({ team_id: teamId, monthly_budget: null });

    // rotate-key --revoke: a new key that works, the old one now 401.
    const oldPrefix = apiKey!.slice(0, 8);
    const rotated = await admin("rotate-key", teamId!, "--revoke", oldPrefix);
    expect(rotated.code, rotated.stderr).toBe(0);
    const newKey = /^api_key:\s+([0-9a-f]{32})$/m.exec(rotated.stdout)?.[1];
    expect(newKey).toMatch(/^[0-9a-f]{32}$/);
    expect(newKey).not.toBe(apiKey);
    expect(rotated.stdout).toMatch(new RegExp(`^revoked:\\s+${oldPrefix}$`, "m"));
    expect((await curl("GET", `${stack.apiUrl}/v2/account`, apiKey!)).status).toBe(401);
    expect(await curl("GET", `${stack.apiUrl}/v2/account`, newKey!)).toMatchObject({ status: 200, body: { team_id: teamId } });

    // revoke-key: the new key stops working too; revoking it again is an API error (exit 1).
    const revoked = await admin("revoke-key", teamId!, newKey!.slice(0, 8));
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(newKey!.slice(0, 8));
    expect((await curl("GET", `${stack.apiUrl}/v2/account`, newKey!)).status).toBe(401);
    const again = await admin("revoke-key", teamId!, newKey!.slice(0, 8));
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/No key starting with/);
  });

  it("lists the providers with their cooldowns", async () => {
    // A provider in cooldown, as the worker puts one after e.g. a zero balance upstream.
    const cooling = stack.providers.at(-1)!.id;
    const until = stack.ctx.clock.now() + 10 * 60_000;
    await stack.ctx.providerStates.setCooldown(cooling, until, "ERROR_ZERO_BALANCE");
    // The stack reads the twocaptcha balances once at start: wait for that read.
    for (const started = Date.now(); ; ) {
      const listed = (await (await fetch(`${stack.apiUrl}/v2/admin/providers`, { headers: { authorization: `Bearer ${stack.adminKey}` } })).json()) as {
        providers: { id: string; balance_read_at: string | null }[];
      };
      if (listed.providers.find((p) => p.id === "2captcha")?.balance_read_at) break;
      if (Date.now() - started > 20_000) throw new Error("the 2captcha balance was never read");
      await sleep(200);
    }
    const providers = await admin("providers");
    expect(providers.code, providers.stderr).toBe(0);
    expect(providers.stdout).toMatch(/^PROVIDER\s+PROTOCOL\s+ENABLED\s+COOLDOWN_UNTIL\s+COOLDOWN_REASON\s+BALANCE\s+TASK_TYPES$/m);
    // the router's balance at each twocaptcha upstream (the sandboxes hold 100 USD); none elsewhere
    expect(providers.stdout).toMatch(/^2captcha\s+twocaptcha\s+yes\s+-\s+-\s+100 USD\s+\d+$/m);
    for (const p of stack.providers) expect(providers.stdout).toMatch(new RegExp(`^${p.id}\\s+${p.protocol}\\s+(yes|no)\\s`, "m"));
    const untilText = new Date(until).toISOString().replace(/\.\d+Z$/, "Z");
    expect(providers.stdout).toMatch(new RegExp(`^${cooling}\\s+\\S+\\s+yes\\s+${untilText}\\s+ERROR_ZERO_BALANCE\\s+(?:-|\\d+ USD)\\s+\\d+$`, "m"));
    // the others are not cooling down
    const others = providers.stdout.split("\n").filter((l) => stack.providers.some((p) => p.id !== cooling && l.startsWith(`${p.id} `)) && /(yes|no)\s+-\s+-\s+(?:-|\d+ USD)\s+\d+$/.test(l));
    expect(others.length).toBe(stack.providers.length - 1);
    const asJson = JSON.parse((await admin("providers", "--json")).stdout) as { providers: { id: string; cooldown_until: unknown }[] };
    expect(asJson.providers.map((p) => p.id).sort()).toEqual(stack.providers.map((p) => p.id).sort());
    for (const p of asJson.providers) expect(p.cooldown_until === null).toBe(p.id !== cooling);
  });

  it("fails with exit 1 and the API's detail on a wrong admin key, and never prints a key", async () => {
    const wrong = "wrong-admin-key-0123456789abcdef";
    // from the environment …
    const fromEnv = await run(process.execPath, ["--import", "tsx", MAIN, "teams"], { ...env, ROUTER_ADMIN_KEY: wrong });
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.stderr).toContain("Invalid admin key");
    expect(fromEnv.stdout).toBe("");
    // … and from the flag, also with --json (a machine-readable error on stderr)
    const fromFlag = await admin("create-team", "--name", "nope", "--admin-key", wrong, "--json");
    expect(fromFlag.code).toBe(1);
    expect(JSON.parse(fromFlag.stderr)).toEqual({ detail: "Invalid admin key", status: 401 });
    for (const r of [fromEnv, fromFlag]) {
      expect(r.stdout + r.stderr).not.toContain(wrong);
      expect(r.stdout + r.stderr).not.toContain(stack.adminKey);
    }
    // no team was created
    const teams = JSON.parse((await admin("teams", "--json")).stdout) as { teams: { name: string }[] };
    expect(teams.teams.map((t) => t.name)).not.toContain("nope");

    // other API errors carry their detail too: an unknown team (404), a bad date (400)
    const unknownTeam = await admin("top-up", "no-such-team", "--amount", "1");
    expect(unknownTeam.code).toBe(1);
    expect(unknownTeam.stderr).toMatch(/no-such-team.*not found/i);
    const badDate = await admin("usage", "--from", "2025-02-30");
    expect(badDate.code).toBe(1);
    expect(badDate.stderr).toMatch(/from: .* is not a date/);
  });

  it("exits 2 with the usage on a wrong command line", async () => {
    const unknown = await admin("frobnicate");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    expect(unknown.stderr).toContain("Usage: solver-router-admin");
    expect(unknown.stdout).toBe("");

    for (const args of [
      [],
      ["create-team"], // no --name
      ["top-up", "team-x"], // no --amount
      ["top-up", "team-x", "--amount", "lots"],
      ["set-budget", "team-x"], // neither --monthly nor --none
      ["set-budget", "team-x", "--monthly", "5", "--none"],
      ["revoke-key", "team-x"], // no prefix
      ["revoke-key", "team-x", "XYZ"],
      ["teams", "--bogus"],
      ["teams", "extra"],
      ["usage", "--group-by", "week"],
      ["usage", "--csv", "--json"],
    ]) {
      const r = await admin(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(/^error: .+\n\nUsage: /);
      expect(r.stdout + r.stderr).not.toContain(stack.adminKey);
    }

    const noKey = await run(process.execPath, ["--import", "tsx", MAIN, "teams"], { ...env, ROUTER_ADMIN_KEY: "" });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain("ROUTER_ADMIN_KEY");

    const help = await admin("help");
    expect(help.code).toBe(0);
    for (const name of ["teams", "create-team", "top-up", "set-budget", "rotate-key", "revoke-key", "usage", "providers"]) {
      expect(help.stdout).toContain(`  ${name}`);
    }
  });
});
