// A small-seed run of the routing benchmark (`pnpm bench:routing`), which drives the real worker
// against simulated upstreams. At this size the router has too little time to learn for its cost
// acceptance (that takes the full 10,000-task run); what must hold at any size is checked here:
// the exit status follows the verdict, no run breaks the money rules, and on every provider's
// task types the router answers at least as often as that provider alone (failover works).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function bench(...args: string[]) {
  const run = spawnSync(process.execPath, ["--import", "tsx", "bench/routing/routing-benchmark.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 170_000 });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

describe("routing benchmark, small seed", () => {
  it("exits 0 exactly when its acceptance is met; keeps the money rules; the router answers at least as often as each provider alone", { timeout: 180_000 }, () => {
    const { status, out } = bench("--seed", "7", "--tasks", "600");
    const verdicts = [...out.matchAll(/^ {2}(\S+): router .* answered ([\d.]+)% vs ([\d.]+)% → (PASS|FAIL)$/gm)];
    expect(verdicts.map((v) => v[1])).toEqual(["2captcha", "solvecaptcha", "acedata", "solverv2"]);
    const met = verdicts.every((v) => v[4] === "PASS");
    expect(out).toContain(met ? "The acceptance bar (cheaper per right answer than every provider alone at an equal or better answered rate) is met" : "is NOT met");
    expect(status).toBe(met ? 0 : 1);
    expect(out).not.toContain("Money rules broken");
    for (const [, provider, router, alone] of verdicts) expect(Number(router), provider).toBeGreaterThanOrEqual(Number(alone));
  });

  it("refuses an unknown argument with exit status 2", () => {
    const { status, out } = bench("--colour", "blue");
    expect(status).toBe(2);
    expect(out).toContain("unknown argument --colour");
  });
});
