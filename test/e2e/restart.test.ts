/**
 * Local data survives a restart: the stack on a data directory is stopped with tasks in flight
 * and started again on the same directory. Teams, keys, balances, finished tasks, reports and the
 * admin key are all still there; every task that was in flight ends (the SQS stand-in and the
 * sandbox upstreams restart empty, so the stack re-queues the tasks and the forgotten captchas
 * fail over); and for every team, balance + charged = credited, to the micro-credit.
 */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { client, createTeam, fakeImage, micro, startStack, waitForEnd, type Client, type LocalStack } from "./support.ts";

const RECAPTCHA = { site_key: "6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-", page_url: "https://example.com/login" };

interface TeamFixture {
  teamId: string;
  apiKey: string;
  credited: number;
  taskIds: string[];
}

const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

/** What the admin and a team can see, for comparing before and after the restart. */
async function snapshot(stack: LocalStack, teams: TeamFixture[]) {
  const admin = client(stack, stack.adminKey);
  const teamList = await admin.request("GET", "/v2/admin/teams");
  expect(teamList.status).toBe(200);
  const perTeam = [];
  for (const team of teams) {
    const api = client(stack, team.apiKey);
    const keys = await admin.request("GET", `/v2/admin/teams/${team.teamId}/keys`);
    const account = await api.request("GET", "/v2/account");
    const tasks = await api.request("GET", "/v2/solver/tasks?limit=100");
    expect([keys.status, account.status, tasks.status]).toEqual([200, 200, 200]);
    perTeam.push({ keys: keys.body, account: account.body, tasks: tasks.body.tasks as { task_id: string; status: string }[] });
  }
  const byId = (a: { team_id: string }, b: { team_id: string }) => a.team_id.localeCompare(b.team_id);
  return { teams: [...(teamList.body.teams as { team_id: string }[])].sort(byId), perTeam };
}

describe("local data survives a restart", () => {
  let dataDir: string;
  let stack: LocalStack | undefined;

  afterAll(async () => {
    await stack?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps teams, keys, balances, finished tasks, reports and the admin key; in-flight tasks end; every team's money adds up", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "solver-router-restart-"));
    stack = await startStack({ dataDir });
    const firstAdminKey = stack.adminKey;
    expect(stack.demo).toBeDefined();
    expect(stack.data?.adminKeyFile).toBe(join(dataDir, "admin-key"));
    expect(await modeOf(stack.data!.adminKeyFile!)).toBe(0o600);
    expect(await modeOf(join(dataDir, "dynamodb-credentials.json"))).toBe(0o600);
    expect(await modeOf(stack.data!.demoKeyFile)).toBe(0o600);
    const demoKey = stack.demo!.apiKey;
    expect((await readFile(stack.data!.demoKeyFile, "utf8")).trim()).toBe(demoKey);
    expect(await modeOf(join(dataDir, "dynamodb"))).toBe(0o700);

    const teams: TeamFixture[] = [];
    for (const [name, credits] of [
      ["alpha", 25],
      ["beta", 17.654321],
    ] as const) {
      const created = await createTeam(stack, name, credits);
      teams.push({ teamId: created.teamId, apiKey: created.apiKey, credited: micro(credits), taskIds: [] });
    }
    const submit = async (team: TeamFixture, path: string, body: unknown) => {
      const answer = await client(stack!, team.apiKey).request("POST", path, { body });
      expect(answer.status).toBe(200);
      team.taskIds.push(answer.body.task_id as string);
      return answer.body.task_id as string;
    };

    // Finished before the restart: image tasks (solved within seconds), one of them reported.
    const finished: string[] = [];
    for (const team of teams) finished.push(await submit(team, "/v2/solver/image", { image: fakeImage() }));
    const finishedResults = await Promise.all(finished.map((id, i) => waitForEnd(client(stack!, teams[i]!.apiKey), id)));
    expect(finishedResults.map((r) => r.status)).toEqual(["completed", "completed"]);
    const report = await client(stack, teams[0]!.apiKey).request("POST", `/v2/solver/task/${finished[0]}/report`, { body: { correct: true } });
    expect(report.status).toBe(200);
    finishedResults[0] = (await client(stack, teams[0]!.apiKey).request("GET", `/v2/solver/result/${finished[0]}`)).body;
    expect(finishedResults[0].report).toBe("good");

    // In flight at the restart: token tasks (the first result request comes 15-20 s after submit).
    for (const team of teams) {
      for (let i = 0; i < 3; i++) await submit(team, "/v2/solver/recaptcha/v2", RECAPTCHA);
      await submit(team, "/v2/solver/turnstile", RECAPTCHA);
    }
    // Stop once an upstream holds some of them: those captchas are lost with the sandbox.
    const upstreamHolds = async () => {
      const lists = await Promise.all(teams.map((team) => client(stack!, team.apiKey).request("GET", "/v2/solver/tasks?status=processing")));
      return lists.flatMap((list) => list.body.tasks as unknown[]).length;
    };
    for (const started = Date.now(); (await upstreamHolds()) < 2; ) {
      if (Date.now() - started > 15_000) throw new Error("no task reached an upstream within 15 s");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const before = await snapshot(stack, teams);
    const openBefore = before.perTeam.flatMap((t) => t.tasks).filter((t) => t.status !== "completed" && t.status !== "failed");
    expect(openBefore.length).toBeGreaterThanOrEqual(6);
    const heldUpstream = new Set(before.perTeam.flatMap((t) => t.tasks).filter((t) => t.status === "processing").map((t) => t.task_id));
    expect(heldUpstream.size).toBeGreaterThanOrEqual(2);
    await stack.stop();
    stack = undefined;

    stack = await startStack({ dataDir });
    expect(stack.adminKey).toBe(firstAdminKey);
    expect(stack.demo).toBeUndefined(); // created on the first start only
    expect((await readFile(stack.data!.demoKeyFile, "utf8")).trim()).toBe(demoKey);
    expect((await client(stack, demoKey).request("GET", "/v2/account")).status).toBe(200);
    const after = await snapshot(stack, teams);
    expect(after.teams).toEqual(before.teams); // every team (the demo team too), with its balance and reservations
    for (const [i, team] of teams.entries()) {
      expect(after.perTeam[i]!.keys).toEqual(before.perTeam[i]!.keys);
      expect(after.perTeam[i]!.account).toEqual(before.perTeam[i]!.account);
      expect(after.perTeam[i]!.tasks.map((t) => t.task_id).sort()).toEqual([...team.taskIds].sort());
    }
    // Finished tasks read back exactly as before, the report included.
    for (const [i, id] of finished.entries()) {
      expect((await client(stack, teams[i]!.apiKey).request("GET", `/v2/solver/result/${id}`)).body).toEqual(finishedResults[i]);
    }

    // Every task that was in flight ends, and the money adds up for every team.
    for (const team of teams) {
      const api: Client = client(stack, team.apiKey);
      const results = await Promise.all(team.taskIds.map((id) => waitForEnd(api, id, 240_000)));
      // A captcha the restarted upstream forgot fails that attempt; the task fails over and is solved.
      expect(results.map((r) => r.status)).toEqual(team.taskIds.map(() => "completed"));
      for (const result of results.filter((r) => heldUpstream.has(r.task_id))) {
        // The restarted upstream no longer knew the captcha: that attempt failed and another solved it.
        expect(result.attempts.length, result.task_id).toBeGreaterThanOrEqual(2);
        expect(result.attempts[0].state).toBe("failed");
      }
      const account = (await api.request("GET", "/v2/account")).body;
      expect(account.reserved).toBe(0);
      const charged = results.reduce((sum, r) => sum + micro(r.credits_used ?? 0), 0);
      expect(micro(account.balance) + charged).toBe(team.credited);

      const ledger = (await api.request("GET", "/v2/ledger")).body.entries as { kind: string; amount: number }[];
      const sum = (kind: string) => ledger.filter((e) => e.kind === kind).reduce((total, e) => total + micro(e.amount), 0);
      expect(sum("credit")).toBe(team.credited);
      expect(-sum("charge") - sum("refund")).toBe(charged);

      const usage = (await api.request("GET", "/v2/usage")).body;
      expect(usage.totals.tasks).toBe(team.taskIds.length);
      expect(micro(usage.totals.credits_used)).toBe(charged);
    }
  }, 420_000);
});
