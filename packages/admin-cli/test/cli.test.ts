import { describe, expect, it } from "vitest";
import { runCli } from "../src/commands.ts";
import { renderTable } from "../src/format.ts";

const ADMIN_KEY = "admin-secret-0123456789";

/** runCli against a scripted fetch; records the requests. */
async function cli(argv: string[], answer: (req: { method: string; url: URL; body: unknown; auth: string | null }) => Response | Promise<Response>, env: Record<string, string> = {}) {
  const requests: { method: string; url: URL; body: unknown; auth: string | null }[] = [];
  let stdout = "";
  let stderr = "";
  const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    const req = { method: init?.method ?? "GET", url: new URL(String(input)), body: init?.body ? JSON.parse(String(init.body)) : undefined, auth: headers.get("authorization") };
    requests.push(req);
    return answer(req);
  }) as typeof fetch;
  const code = await runCli(
    argv,
    { ROUTER_URL: "http://router.test", ROUTER_ADMIN_KEY: ADMIN_KEY, ...env },
    { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
    { fetch: fakeFetch },
  );
  return { code, stdout, stderr, requests };
}

const ok = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
const fail = (status: number, detail: string) => new Response(JSON.stringify({ detail }), { status, headers: { "content-type": "application/json" } });

describe("renderTable", () => {
  it("pads columns, right-aligns numbers and puts the footer under a rule", () => {
    const text = renderTable(
      [{ header: "NAME" }, { header: "CREDITS", align: "right" }],
      [
        ["a", 1.5],
        ["longer name", null],
      ],
      { footer: [["TOTAL", 1.5]] },
    );
    expect(text.split("\n")).toEqual(["NAME         CREDITS", "a                1.5", "longer name        -", "-----------  -------", "TOTAL            1.5"]);
  });
});

describe("runCli", () => {
  it("sends the admin key as a bearer token and encodes path segments", async () => {
    const r = await cli(["top-up", "team/1", "--amount", "2.5"], () => ok({ team_id: "team/1", balance: 12.5, reserved: 0 }));
    expect(r.code).toBe(0);
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]!.auth).toBe(`Bearer ${ADMIN_KEY}`);
    expect(r.requests[0]!.url.pathname).toBe("/v2/admin/teams/team%2F1/credits");
    expect(r.requests[0]!.body).toEqual({ amount: "2.5" });
    expect(r.stdout).toMatch(/^balance:\s+12\.5$/m);
  });

  it("prints the API's detail with exit 1 and masks the admin key even if a server echoes it", async () => {
    const r = await cli(["teams"], () => fail(401, `Invalid admin key ${ADMIN_KEY}`));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Invalid admin key");
    expect(r.stdout + r.stderr).not.toContain(ADMIN_KEY);
  });

  it("masks a key given with --admin-key= even in parse errors", async () => {
    const r = await cli(["teams", `--admin-key=${ADMIN_KEY}x`, `${ADMIN_KEY}x`], () => ok({ teams: [] }), { ROUTER_ADMIN_KEY: "" });
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).not.toContain(ADMIN_KEY);
  });

  it("reports an unreachable router with exit 1", async () => {
    const r = await cli(["teams"], () => {
      throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Cannot reach the router at http:\/\/router\.test: ECONNREFUSED/);
  });

  it("dlq-redrive posts to the redrive route with --max as max_messages and says what moved", async () => {
    const r = await cli(["dlq-redrive", "--max", "250"], () => ok({ moved: 12, remaining: 3 }));
    expect(r.code).toBe(0);
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]!.method).toBe("POST");
    expect(r.requests[0]!.url.pathname).toBe("/v2/admin/dlq/redrive");
    expect(r.requests[0]!.url.searchParams.get("max_messages")).toBe("250");
    expect(r.stdout.trim()).toBe("Moved 12 message(s) back to the work queue; 3 left in the dead-letter queue.");
    const plain = await cli(["dlq-redrive"], () => ok({ moved: 0, remaining: 0 }));
    expect(plain.requests[0]!.url.search).toBe("");
  });

  it("dlq-redrive refuses a --max that is not a whole number, before any request", async () => {
    const r = await cli(["dlq-redrive", "--max", "ten"], () => ok({ moved: 0, remaining: 0 }));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--max must be a whole number");
    expect(r.requests).toHaveLength(0);
  });

  it("rotate-key prints the new key even when revoking the old one fails", async () => {
    const r = await cli(["rotate-key", "t1", "--revoke", "deadbeef"], (req) =>
      req.method === "POST" ? ok({ team_id: "t1", api_key: "0123456789abcdef0123456789abcdef", key_prefix: "01234567" }) : fail(404, "No key starting with deadbeef for team t1"),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^api_key:\s+0123456789abcdef0123456789abcdef$/m);
    expect(r.stdout).toMatch(/^revoked:\s+no$/m);
    expect(r.stderr).toContain("No key starting with deadbeef");
    expect(r.requests.map((q) => `${q.method} ${q.url.pathname}`)).toEqual(["POST /v2/admin/teams/t1/keys", "DELETE /v2/admin/teams/t1/keys/deadbeef"]);
  });

  it("rejects a malformed --revoke before issuing a key", async () => {
    const r = await cli(["rotate-key", "t1", "--revoke", "nothex!!"], () => ok({}));
    expect(r.code).toBe(2);
    expect(r.requests).toHaveLength(0);
  });

  it("sends set-budget as a number or null", async () => {
    const a = await cli(["set-budget", "t1", "--monthly", "12.5"], () => ok({ team_id: "t1", monthly_budget: 12.5 }));
    const b = await cli(["set-budget", "t1", "--none"], () => ok({ team_id: "t1", monthly_budget: null }));
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(a.requests[0]!.body).toEqual({ monthly_budget: 12.5 });
    expect(b.requests[0]!.body).toEqual({ monthly_budget: null });
    expect(b.stdout).toMatch(/^monthly_budget:\s+none$/m);
  });

  it("usage passes its filters as query parameters", async () => {
    const r = await cli(["usage", "--from", "2025-01-01", "--to", "2025-01-31", "--group-by", "team, provider", "--team", "t1"], () =>
      ok({
        from: "2025-01-01",
        to: "2025-01-31",
        group_by: ["team", "provider"],
        rows: [{ team_id: "t1", provider: "2captcha", tasks: 2, completed: 1, failed: 1, credits_used: 0.299, avg_solve_seconds: 20.22 }],
        totals: { tasks: 2, completed: 1, failed: 1, credits_used: 0.299, avg_solve_seconds: 20.22 },
      }),
    );
    expect(r.code).toBe(0);
    expect(Object.fromEntries(r.requests[0]!.url.searchParams)).toEqual({ from: "2025-01-01", to: "2025-01-31", group_by: "team,provider", team_id: "t1", format: "json" });
    expect(r.stdout.split("\n").slice(1, 5)).toEqual([
      "TEAM_ID  PROVIDER  TASKS  COMPLETED  FAILED  CREDITS  AVG_SOLVE_S",
      "t1       2captcha      2          1       1    0.299         20.2",
      "-------  --------  -----  ---------  ------  -------  -----------",
      "TOTAL                  2          1       1    0.299         20.2",
    ]);
  });
});
