/**
 * Issue 4: usage rollups written with each task's settlement, reported per team (JSON and
 * CSV), the admin's all-teams report, and monthly budgets that parallel submits cannot overshoot.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, createTeam, fakeImage, startStack, waitForEnd, type LocalStack } from "./support.ts";

const micro = (credits: number) => Math.round(credits * 1_000_000);
const today = () => new Date().toISOString().slice(0, 10);

describe("usage reports and monthly budgets", () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack?.stop());

  it("reports equal the tasks' credits_used, per team, in JSON and CSV; the admin report holds both teams", async () => {
    const a = await createTeam(stack, "team-a", 50);
    const b = await createTeam(stack, "team-b", 50);
    const submitted = await Promise.all([
      a.api.request("POST", "/v2/solver/image", { body: { image: fakeImage() } }),
      a.api.request("POST", "/v2/solver/image", { body: { image: fakeImage() } }),
      a.api.request("POST", "/v2/solver/coordinates", { body: { image: fakeImage(), instructions: "click the cat" } }),
      a.api.request("POST", "/v2/solver/hcaptcha/image", { body: { images: [fakeImage()], question: "bus", priority: "speed" } }),
      b.api.request("POST", "/v2/solver/image", { body: { image: fakeImage() } }),
    ]);
    for (const s of submitted) expect(s.status).toBe(200);
    const results = await Promise.all(submitted.map((s, i) => waitForEnd(i < 4 ? a.api : b.api, s.body.task_id)));
    const aCharged = results.slice(0, 4).reduce((sum, r) => sum + micro(r.credits_used ?? 0), 0);
    const bCharged = micro(results[4].credits_used ?? 0);

    const report = await a.api.request("GET", `/v2/usage?from=${today()}&to=${today()}&group_by=day,task_type,provider`);
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ team_id: a.teamId, from: today(), to: today(), group_by: ["day", "task_type", "provider"] });
    expect(report.body.totals.tasks).toBe(4);
    expect(micro(report.body.totals.credits_used)).toBe(aCharged);
    expect(report.body.rows.reduce((sum: number, r: { credits_used: number }) => sum + micro(r.credits_used), 0)).toBe(aCharged);
    expect(new Set(report.body.rows.map((r: { task_type: string }) => r.task_type))).toEqual(new Set(["ImageToTextTask", "CoordinatesTask", "HcaptchaImageTask"]));
    const account = await a.api.request("GET", "/v2/account");
    expect(micro(account.body.balance) + aCharged).toBe(micro(50));
    // the ledger holds the starting credits and one charge per completed task, to the micro-credit
    const ledger = (await a.api.request("GET", "/v2/ledger")).body;
    expect(ledger.entries.filter((e: { kind: string }) => e.kind === "credit").map((e: { amount: number }) => e.amount)).toEqual([50]);
    const charges = ledger.entries.filter((e: { kind: string }) => e.kind === "charge");
    expect(charges.reduce((sum: number, e: { amount: number }) => sum - micro(e.amount), 0)).toBe(aCharged);
    expect(micro(ledger.totals.charges)).toBe(aCharged);
    expect(new Set(charges.map((e: { task_id: string }) => e.task_id))).toEqual(new Set(results.slice(0, 4).filter((r) => r.credits_used).map((r) => r.task_id)));

    const csv = await a.api.request("GET", `/v2/usage?group_by=task_type&format=csv`);
    expect(csv.headers.get("content-type")).toMatch(/text\/csv/);
    const lines = String(csv.body).trim().split("\n");
    expect(lines[0]).toBe("task_type,tasks,completed,failed,credits_used,avg_solve_seconds,median_solve_seconds");
    const csvCredits = lines.slice(1).reduce((sum, line) => sum + micro(Number(line.split(",")[4])), 0);
    expect(csvCredits).toBe(aCharged);
    const viaAccept = await a.api.request("GET", `/v2/usage?group_by=task_type`, { headers: { accept: "text/csv" } });
    expect(viaAccept.body).toBe(csv.body);

    const bReport = await b.api.request("GET", "/v2/usage?group_by=provider");
    expect(bReport.body.totals.tasks).toBe(1);
    expect(micro(bReport.body.totals.credits_used)).toBe(bCharged);

    const admin = client(stack, stack.adminKey);
    const all = await admin.request("GET", "/v2/admin/usage?group_by=team");
    expect(all.status).toBe(200);
    const byTeam = Object.fromEntries(all.body.rows.map((r: { team_id: string; credits_used: number }) => [r.team_id, micro(r.credits_used)]));
    expect(byTeam[a.teamId]).toBe(aCharged);
    expect(byTeam[b.teamId]).toBe(bCharged);
    const onlyB = await admin.request("GET", `/v2/admin/usage?team_id=${b.teamId}&group_by=team`);
    expect(onlyB.body.rows.map((r: { team_id: string }) => r.team_id)).toEqual([b.teamId]);
  });

  it("a reportbad the upstream records refunds the charge: balance, credits_used, the usage report and the month agree", async () => {
    const t = await createTeam(stack, "refunded", 5);
    const submitted = await t.api.request("POST", "/v2/solver/image", { body: { image: fakeImage() } });
    const result = await waitForEnd(t.api, submitted.body.task_id);
    expect(result.status).toBe("completed");
    const charged = micro(result.credits_used);
    expect(charged).toBeGreaterThan(0);
    const report = await t.api.request("POST", `/v2/solver/task/${result.task_id}/report`, { body: { correct: false } });
    expect(report.body).toMatchObject({ upstream: "recorded", refunded: result.credits_used });
    expect((await t.api.request("GET", `/v2/solver/result/${result.task_id}`)).body).toMatchObject({ credits_used: 0, refunded: result.credits_used, report: "bad" });
    const account = (await t.api.request("GET", "/v2/account")).body;
    expect(account).toMatchObject({ balance: 5, reserved: 0, budget_used: 0 });
    const usage = (await t.api.request("GET", "/v2/usage")).body;
    expect(usage.totals).toMatchObject({ tasks: 1, completed: 1, credits_used: 0 });
    expect((await t.api.request("POST", `/v2/solver/task/${result.task_id}/report`, { body: { correct: false } })).status).toBe(409);
    const ledger = (await t.api.request("GET", "/v2/ledger")).body;
    expect(ledger.entries.map((e: { kind: string; amount: number }) => [e.kind, micro(e.amount)])).toEqual([
      ["credit", micro(5)],
      ["charge", -charged],
      ["refund", charged],
    ]);
    const admin = client(stack, stack.adminKey);
    expect((await admin.request("GET", `/v2/admin/teams/${t.teamId}/ledger`)).body.entries).toEqual(ledger.entries);
  });

  it("rejects bad dates and groups with a 400 naming the problem", async () => {
    const a = await createTeam(stack, "team-c", 1);
    for (const [query, fragment] of [
      ["from=2026-13-01", "from"],
      ["to=yesterday", "to"],
      ["from=2026-02-10&to=2026-02-01", "after"],
      ["group_by=day,colour", "group_by"],
      ["group_by=team", "group_by"],
      ["format=xml", "format"],
    ] as const) {
      const response = await a.api.request("GET", `/v2/usage?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.detail, query).toContain(fragment);
    }
  });

  it("20 parallel submits against a monthly budget that covers exactly 5 are accepted exactly 5 times", async () => {
    const t = await createTeam(stack, "budgeted", 100);
    const admin = client(stack, stack.adminKey);
    const price = (await t.api.request("GET", "/v2/solver/pricing")).body.pricing.find((p: { task_type: string }) => p.task_type === "ImageToTextTask").balanced;
    const set = await admin.request("PUT", `/v2/admin/teams/${t.teamId}/budget`, { body: { monthly_budget: (micro(price) * 5) / 1e6 } });
    expect(set.status).toBe(200);
    expect(set.body.monthly_budget).toBe((micro(price) * 5) / 1e6);
    const answers = await Promise.all(Array.from({ length: 20 }, () => t.api.request("POST", "/v2/solver/image", { body: { image: fakeImage() } })));
    // Racing submits conflict in DynamoDB; a conflict is retried, so none is refused while the
    // budget still has room, and none gets past it.
    const accepted = answers.filter((a) => a.status === 200);
    expect(accepted).toHaveLength(5);
    const refused = answers.filter((a) => a.status !== 200);
    expect(refused.map((r) => r.status)).toEqual(Array(15).fill(402));
    for (const r of refused) expect(r.body.detail).toMatch(/^Monthly budget exceeded\. Need [\d.]+, 0 of [\d.]+ left this month/);
    const account = (await t.api.request("GET", "/v2/account")).body;
    expect(micro(account.budget_used)).toBe(micro(price) * 5);
    expect(account.budget_remaining).toBe(0);
    expect(account.budget_resets_at).toMatch(/^\d{4}-\d{2}-01T00:00:00.000Z$/);
    await Promise.all(accepted.map((a) => waitForEnd(t.api, a.body.task_id)));
    const removed = await admin.request("PUT", `/v2/admin/teams/${t.teamId}/budget`, { body: { monthly_budget: null } });
    expect(removed.body.monthly_budget).toBeNull();
    expect((await t.api.request("POST", "/v2/solver/image", { body: { image: fakeImage() } })).status).toBe(200);
  });
});
