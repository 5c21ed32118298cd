import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, createTeam, fakeImage, startStack, waitForEnd, type LocalStack } from "./support.ts";

describe("reports: one per task, completed tasks only, bad reports capped per team", () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack?.stop());

  const reportbadsUpstream = () =>
    [stack.sandboxes.twocaptcha!, stack.sandboxes.solvecaptcha!].flatMap((s) => s.requests).filter((r) => r.path === "/res.php" && r.params.action === "reportbad");

  it("forwards and refunds at most max(5, 20%) of 30 solved tasks reported bad; the rest are kept but neither forwarded nor refunded", async () => {
    const { api } = await createTeam(stack, "reporter", 50);
    const before = reportbadsUpstream().length;
    const ids = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const submitted = await api.request("POST", "/v2/solver/image", { body: { image: fakeImage() } });
        expect(submitted.status).toBe(200);
        return submitted.body.task_id as string;
      }),
    );
    const results = await Promise.all(ids.map((id) => waitForEnd(api, id)));
    expect(results.every((r) => r.status === "completed")).toBe(true);
    const charged = results.reduce((sum, r) => sum + Math.round(r.credits_used * 1e6), 0);

    const answers = [];
    for (const id of ids) {
      const report = await api.request("POST", `/v2/solver/task/${id}/report`, { body: { correct: false } });
      expect(report.status).toBe(200);
      answers.push(report.body);
    }
    const forwarded = answers.filter((a) => a.forwarded);
    const capped = answers.filter((a) => a.capped);
    expect(forwarded).toHaveLength(6); // max(5, 20% of 30)
    expect(capped).toHaveLength(24);
    expect(capped.every((a) => a.upstream === "not_forwarded" && a.refunded === 0 && /cap/.test(a.message))).toBe(true);
    expect(forwarded.every((a) => a.upstream === "recorded" && a.refunded > 0)).toBe(true);
    expect(reportbadsUpstream().length - before).toBe(6);

    // Money: only the forwarded reports were refunded; every task still shows the report.
    const account = (await api.request("GET", "/v2/account")).body;
    const refunded = forwarded.reduce((sum, a) => sum + Math.round(a.refunded * 1e6), 0);
    expect(Math.round(account.balance * 1e6)).toBe(50_000_000 - charged + refunded);
    const shown = await api.request("GET", `/v2/solver/result/${capped[0].task_id}`);
    expect(shown.body).toMatchObject({ report: "bad", refunded: null });
    expect(shown.body.credits_used).toBeGreaterThan(0);

    // Only recorded reports move the provider's accuracy figures: 6 bad reports in all.
    const admin = (await client(stack, stack.adminKey).request("GET", "/v2/admin/providers")).body;
    const badSeen = admin.providers.reduce((sum: number, p: { tasks: Record<string, { observed: { reports_bad: number } }> }) => sum + (p.tasks.ImageToTextTask?.observed.reports_bad ?? 0), 0);
    expect(badSeen).toBe(6);
  });

  it("answers 409 to a second report of a task and to a report of an unfinished task", async () => {
    const { api } = await createTeam(stack, "twice", 5);
    const done = await api.request("POST", "/v2/solver/image", { body: { image: fakeImage() } });
    await waitForEnd(api, done.body.task_id);
    expect((await api.request("POST", `/v2/solver/task/${done.body.task_id}/report`, { body: { correct: true } })).status).toBe(200);
    const second = await api.request("POST", `/v2/solver/task/${done.body.task_id}/report`, { body: { correct: false } });
    expect(second.status).toBe(409);
    expect(second.body.detail).toMatch(/already reported/);

    const open = await api.request("POST", "/v2/solver/recaptcha/v2", { body: { site_key: "6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-", page_url: "https://example.com/" } });
    const early = await api.request("POST", `/v2/solver/task/${open.body.task_id}/report`, { body: { correct: false } });
    expect(early.status).toBe(409);
    expect(early.body.detail).toMatch(/only completed tasks can be reported/);
  });
});
