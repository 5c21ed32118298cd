/**
 * `pnpm build`: the Lambda bundles SST deploys, built the way SST's Node runtime builds them
 * for a deploy (sst 3.18, its Go CLI's esbuild settings): bundled, platform node, ESM (`.mjs`)
 * with SST's createRequire/__filename/__dirname banner, `module` before `main`, names kept, no
 * minifying and no source map (SST's defaults for a deploy), `sharp` and `pg-native` and each
 * handler's `install` packages left external and installed beside the bundle. The target is
 * node22, the Lambda runtime infra/functions.ts deploys. `sst` is bundled like any dependency, so
 * `Resource` reads the links from the SST_RESOURCE_* environment, as in Lambda.
 *
 * Output: dist/<handler>/<handler>.mjs (+ node_modules/ for installed packages), one folder per
 * handler of infra/handlers.ts.
 */
import { cp, mkdir, realpath, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { HANDLERS, HANDLERS_DIR, type HandlerBuild, type HandlerName } from "../infra/handlers.ts";

export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const DEFAULT_OUT_DIR = join(REPO_ROOT, "dist");
/** Always external in SST's build (native modules). */
const FORCE_EXTERNAL = ["sharp", "pg-native"];

const BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  `const require = topLevelCreateRequire(import.meta.url);`,
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  `const __filename = topLevelFileUrlToPath(import.meta.url)`,
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
].join("\n");

export interface BuiltHandler {
  name: HandlerName;
  /** The bundle; Lambda's handler setting is `<name>.handler` in its folder. */
  file: string;
  bytes: number;
}

export async function buildHandlers(outDir = DEFAULT_OUT_DIR): Promise<BuiltHandler[]> {
  await rm(outDir, { recursive: true, force: true });
  const names = Object.keys(HANDLERS) as HandlerName[];
  return Promise.all(names.map((name) => buildHandler(name, outDir)));
}

async function buildHandler(name: HandlerName, outDir: string): Promise<BuiltHandler> {
  const install = [...((HANDLERS[name] as HandlerBuild).install ?? [])];
  const entry = join(REPO_ROOT, HANDLERS_DIR, `${name}.ts`);
  const folder = join(outDir, name);
  const file = join(folder, `${name}.mjs`);
  const result = await build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    mainFields: ["module", "main"],
    keepNames: true,
    external: [...FORCE_EXTERNAL, ...install],
    banner: { js: BANNER },
    sourcemap: false,
    minify: false,
    logLevel: "warning",
  });
  if (result.errors.length) throw new Error(`${name}: esbuild failed`);
  if (install.length) await installBeside(folder, install);
  return { name, file, bytes: (await stat(file)).size };
}

/**
 * What SST's `nodejs.install` does (a package.json beside the bundle, then `npm install`), done
 * from the workspace's own installed copy: the same version, no network.
 */
async function installBeside(folder: string, packages: string[]): Promise<void> {
  const fromFunctions = createRequire(join(REPO_ROOT, "packages/functions/package.json"));
  const dependencies: Record<string, string> = {};
  for (const name of packages) {
    const manifest = fromFunctions.resolve(`${name}/package.json`);
    const source = await realpath(dirname(manifest));
    dependencies[name] = (fromFunctions(`${name}/package.json`) as { version: string }).version;
    const target = join(folder, "node_modules", name);
    await mkdir(dirname(target), { recursive: true });
    await cp(source, target, { recursive: true, dereference: true });
  }
  await writeFile(join(folder, "package.json"), JSON.stringify({ dependencies }, null, 2) + "\n");
}

if (process.argv[1] && (await realpath(process.argv[1])) === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2] ?? DEFAULT_OUT_DIR;
  const built = await buildHandlers(outDir);
  for (const { file, bytes } of built) console.log(`${relative(process.cwd(), file)}  ${(bytes / 1024).toFixed(0)} KiB`);
}
