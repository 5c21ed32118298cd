// A task's life through the API side (task-service.ts) and the worker (task-processor.ts),
// driven message by message the way SQS would, with the team's money checked at every write.
import { describe, expect, it } from "vitest";
import {
  addCredits,
  createTeam,
  deleteTask,
  DomainError,
  getResult,
  listTasks,
  MoneyFormatError,
  reportTask,
  usageReport,
  resultView,
  type TaskType,
} from "../src/index.ts";
import { createWorld, credits, provider, solutionFor, upstreamError, type World } from "./fakes.ts";

const alpha = provider("alpha", "twocaptcha", {
  ImageToTextTask: { price: "0.1", seconds: 3, accuracy: 0.9 },
  RecaptchaV2Task: { price: "0.299", seconds: 20, accuracy: 0.95 },
  TextCaptchaTask: { price: "0.15", seconds: 5, accuracy: 0.9 },
});
const beta = provider("beta", "solverv2", { ImageToTextTask: { price: "0.15", seconds: 3, accuracy: 0.9 } });
const ace = provider("ace", "acedata", { HcaptchaImageTask: { price: "0.08", seconds: 2, accuracy: 0.85 } });

function world() {
  return createWorld({ providers: [alpha, beta, ace] });
}

async function expectDomainError(promise: Promise<unknown>, status: number, detail: string | RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).status).toBe(status);
  if (typeof detail === "string") expect((error as DomainError).message).toBe(detail);
  else expect((error as DomainError).message).toMatch(detail);
}

function expectSettled(w: World, teamId: string, expected: { balance: string; charged: string }) {
  const team = w.teams.peek(teamId);
  expect(team.reservedMicro).toBe(0);
  expect(team.chargedMicro).toBe(credits(expected.charged));
  expect(team.balanceMicro).toBe(credits(expected.balance));
  expect(w.violations).toEqual([]);
}

describe("a task completes", () => {
  it("reserves the price at submit, charges the provider's price at the end, keeps the books balanced throughout", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    const answer = await w.submit(team.teamId, "ImageToTextTask");
    expect(answer).toEqual({ task_id: "task-0001-team-1", status: "pending", estimated_time: 10, message: "Task submitted successfully" });

    const held = w.teams.peek(team.teamId);
    expect(held).toMatchObject({ balanceMicro: credits("0.9"), reservedMicro: credits("0.1"), chargedMicro: 0 });
    expect(w.queue.sent).toEqual([
      { message: { kind: "task", task_id: "task-0001-team-1", step: 0 }, delaySeconds: 0, at: w.clock.now(), dropped: false },
    ]);
    const pending = await getResult(w.ctx, team.teamId, answer.task_id);
    expect(pending).toMatchObject({ status: "pending", solution: null, credits_used: null, completed_at: null });

    w.adapters.twocaptcha.onPoll("alpha", { kind: "not_ready" }, { kind: "solved", solution: { kind: "text", text: "w68hp" } });
    await w.runner.runUntilFinished(answer.task_id);

    const result = await getResult(w.ctx, team.teamId, answer.task_id);
    expect(result).toMatchObject({
      task_id: "task-0001-team-1",
      status: "completed",
      captcha_type: "ImageToTextTask",
      solution: { text: "w68hp" },
      coordinates: null,
      verify: null,
      credits_used: 0.1,
      error: null,
      provider: "alpha",
      // first check on the 5-s grid ≥ 5 s + 1 s after the submit (10 s), not ready; the next 5 s later
      processing_time: 15,
      attempts: [{ provider: "alpha", state: "solved", result_requests: 2, error: null }],
    });
    expect(result.completed_at).toBe(new Date(w.clock.now()).toISOString());
    expectSettled(w, team.teamId, { balance: "0.9", charged: "0.1" });
    expect(w.adapters.twocaptcha.callsOf("submit")).toHaveLength(1);
    expect(w.tasks.usage).toEqual([
      { kind: "ended", teamId: team.teamId, day: "2025-01-15", type: "ImageToTextTask", providerId: "alpha", completed: true, chargedMicro: credits("0.1"), solveSeconds: 15 },
    ]);
    expect(w.providerStates.states.get("alpha")?.observed.ImageToTextTask).toMatchObject({ attempts: 1, solved: 1 });
  });

  it("a synchronous provider (acedata) answers at submit: completed without a single result request", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "HcaptchaImageTask");
    await w.runner.runUntilFinished(task_id);
    const result = await getResult(w.ctx, team.teamId, task_id);
    expect(result).toMatchObject({ status: "completed", provider: "ace", solution: { coordinates: [{ x: 1, y: 2 }] }, credits_used: 0.08 });
    expect(result.coordinates).toEqual([{ x: 1, y: 2 }]);
    expect(w.adapters.acedata.callsOf("poll")).toHaveLength(0);
    expect(w.clock.elapsed()).toBe(0);
    expectSettled(w, team.teamId, { balance: "0.92", charged: "0.08" });
  });

  it("token answers carry verify and user_agent", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    w.adapters.twocaptcha.onPoll("alpha", { kind: "solved", solution: { kind: "token", token: "03AG", userAgent: "UA/1" } });
    const { task_id } = await w.submit(team.teamId, "RecaptchaV2Task");
    await w.runner.runUntilFinished(task_id);
    expect(await getResult(w.ctx, team.teamId, task_id)).toMatchObject({ solution: { token: "03AG", user_agent: "UA/1" }, verify: "03AG", credits_used: 0.299 });
  });

  it("many tasks of one team run side by side and every credit is accounted for", async () => {
    const w = world();
    const team = w.teams.seed(credits("10"));
    const types: TaskType[] = ["ImageToTextTask", "RecaptchaV2Task", "TextCaptchaTask", "HcaptchaImageTask", "ImageToTextTask"];
    const ids = [];
    for (const type of types) ids.push((await w.submit(team.teamId, type)).task_id);
    w.adapters.twocaptcha.onPoll("alpha", { kind: "not_ready" }, upstreamError("unsolvable", "ERROR_CAPTCHA_UNSOLVABLE"));
    await w.runner.runUntilFinished(ids);
    const results = await Promise.all(ids.map((id) => getResult(w.ctx, team.teamId, id)));
    const charged = results.reduce((sum, r) => sum + credits(String(r.credits_used ?? 0)), 0);
    expect(w.teams.peek(team.teamId).chargedMicro).toBe(charged);
    expect(w.teams.peek(team.teamId).reservedMicro).toBe(0);
    expect(w.violations).toEqual([]);
  });
});

describe("exploration", () => {
  it("with a share > 0 and a deterministic draw, a balanced task goes to a close other provider and reserves its price", async () => {
    // close costs 5% more than alpha: within the exploration band (beta, 50% more, is not).
    const close = provider("close", "solverv2", { ImageToTextTask: { price: "0.105", seconds: 10, accuracy: 0.9 } });
    const draws = [0.01, 0.9];
    const w = createWorld({ providers: [alpha, close], explorationShare: 0.05, random: () => draws.shift()! });
    const team = w.teams.seed(credits("1"));
    const explored = await w.submit(team.teamId, "ImageToTextTask");
    const plain = await w.submit(team.teamId, "ImageToTextTask");
    expect(w.tasks.peek(explored.task_id).routing).toEqual({ providerId: "close", reason: "exploration: close has 0 observed attempts" });
    expect(w.tasks.peek(plain.task_id).routing.providerId).toBe("alpha");
    expect(w.teams.peek(team.teamId).reservedMicro).toBe(credits("0.205"));
    await w.runner.runUntilFinished([explored.task_id, plain.task_id]);
    expect((await getResult(w.ctx, team.teamId, explored.task_id)).provider).toBe("close");
    expectSettled(w, team.teamId, { balance: "0.795", charged: "0.205" });
  });

  it("never explores a provider scoring more than 10% worse", async () => {
    const w = createWorld({ providers: [alpha, beta], explorationShare: 1, random: () => 0 });
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    expect(w.tasks.peek(task_id).routing.providerId).toBe("alpha");
  });
});

describe("credits at submit", () => {
  it("402 with the exact detail when the balance cannot cover the price; nothing is written or queued", async () => {
    const w = world();
    const team = w.teams.seed(credits("0.05"));
    await expectDomainError(w.submit(team.teamId, "TextCaptchaTask"), 402, "Insufficient credits. Need 0.15, have 0.05");
    expect(w.tasks.tasks.size).toBe(0);
    expect(w.queue.sent).toEqual([]);
    expect(w.teams.peek(team.teamId)).toMatchObject({ balanceMicro: credits("0.05"), reservedMicro: 0 });
  });

  it("402 once reservations of unfinished tasks have taken the balance", async () => {
    const w = world();
    const team = w.teams.seed(credits("0.25"));
    await w.submit(team.teamId, "ImageToTextTask");
    await w.submit(team.teamId, "ImageToTextTask");
    await expectDomainError(w.submit(team.teamId, "ImageToTextTask"), 402, "Insufficient credits. Need 0.1, have 0.05");
    expect(w.teams.peek(team.teamId)).toMatchObject({ balanceMicro: credits("0.05"), reservedMicro: credits("0.2") });
  });

  it("parallel submits can never overdraw the balance", async () => {
    const w = world();
    const team = w.teams.seed(credits("0.35"));
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => w.submit(team.teamId, "ImageToTextTask")));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(3);
    expect(w.teams.peek(team.teamId)).toMatchObject({ balanceMicro: credits("0.05"), reservedMicro: credits("0.3") });
    expect(w.violations).toEqual([]);
  });

  it("an unknown team is refused", async () => {
    const w = world();
    await expectDomainError(w.submit("nobody", "ImageToTextTask"), 401, "Invalid API key");
  });

  it("the same Idempotency-Key returns the same task and reserves once", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    const first = await w.submit(team.teamId, "ImageToTextTask", { idempotencyKey: "order-42" });
    const again = await w.submit(team.teamId, "ImageToTextTask", { idempotencyKey: "order-42" });
    expect(again.task_id).toBe(first.task_id);
    expect(again.message).toBe("Task already submitted with this Idempotency-Key");
    expect(w.teams.peek(team.teamId).reservedMicro).toBe(credits("0.1"));
    expect(w.queue.sent).toHaveLength(1);

    await w.runner.runUntilFinished(first.task_id);
    const late = await w.submit(team.teamId, "ImageToTextTask", { idempotencyKey: "order-42" });
    expect(late).toMatchObject({ task_id: first.task_id, status: "completed" });
    expectSettled(w, team.teamId, { balance: "0.9", charged: "0.1" });

    const other = w.teams.seed(credits("1"));
    expect((await w.submit(other.teamId, "ImageToTextTask", { idempotencyKey: "order-42" })).task_id).not.toBe(first.task_id);
  });

  it("parallel retries with one Idempotency-Key make one task", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    const answers = await Promise.all(Array.from({ length: 4 }, () => w.submit(team.teamId, "ImageToTextTask", { idempotencyKey: "k" })));
    expect(new Set(answers.map((a) => a.task_id)).size).toBe(1);
    expect(w.tasks.tasks.size).toBe(1);
    expect(w.teams.peek(team.teamId).reservedMicro).toBe(credits("0.1"));
  });

  it("max_price: never a provider above it, with a clear 400 when none fits", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    await expectDomainError(
      w.submit(team.teamId, "ImageToTextTask", { maxPrice: "0.05" }),
      400,
      "No provider serves ImageToTextTask within max_price 0.05; the cheapest costs 0.1.",
    );
    await expect(w.submit(team.teamId, "ImageToTextTask", { maxPrice: "0.1234567" })).rejects.toThrow(MoneyFormatError);
    await expectDomainError(w.submit(team.teamId, "CoordinatesTask"), 400, "No enabled provider serves CoordinatesTask.");
    expect(w.teams.peek(team.teamId).reservedMicro).toBe(0);
  });

  it("the queue being down answers 503 and gives the reservation back; a passing hiccup is retried", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    w.queue.failNextSends(3);
    await expectDomainError(w.submit(team.teamId, "ImageToTextTask"), 503, /nothing was charged/);
    expect(w.teams.peek(team.teamId)).toMatchObject({ balanceMicro: credits("1"), reservedMicro: 0, chargedMicro: 0 });
    // The task never existed for the caller: it is removed, freeing its Idempotency-Key.
    expect(() => w.tasks.peek("task-0001-team-1")).toThrow(/no task/);

    w.queue.failNextSends(2);
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    await w.runner.runUntilFinished(task_id);
    expectSettled(w, team.teamId, { balance: "0.9", charged: "0.1" });
  });
});

describe("monthly budget at submit", () => {
  it("parallel submits cannot overshoot it; a refunded task gives its share back", async () => {
    const w = world();
    const team = w.teams.seed(credits("10"));
    const monthlyBudgetMicro = credits("0.25");
    const outcomes = await Promise.allSettled(Array.from({ length: 4 }, () => w.submit(team.teamId, "ImageToTextTask", { monthlyBudgetMicro })));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(2);
    const refused = outcomes.find((o) => o.status === "rejected")!.reason as DomainError;
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused.status).toBe(402);
    expect(refused.message).toMatch(/^Monthly budget exceeded\. Need 0\.1, 0\.05 of 0\.25 left this month/);
    expect(await w.teams.monthUsed(team.teamId, "2025-01")).toBe(credits("0.2"));

    w.adapters.twocaptcha.onSubmit("alpha", upstreamError("bad_request", "ERROR_PAGEURL", "Bad page URL."));
    await w.runner.run();
    expect(await w.teams.monthUsed(team.teamId, "2025-01")).toBe(credits("0.1")); // one charged, one refunded
    expect((await w.submit(team.teamId, "ImageToTextTask", { monthlyBudgetMicro })).status).toBe("pending");
    expect(w.violations).toEqual([]);
  });
});

describe("tasks of a team", () => {
  it("other teams' tasks do not exist (404), lists are newest first and filter by status", async () => {
    const w = world();
    const a = w.teams.seed(credits("1"));
    const b = w.teams.seed(credits("1"));
    const first = await w.submit(a.teamId, "ImageToTextTask");
    w.clock.advance(1);
    const second = await w.submit(a.teamId, "HcaptchaImageTask");
    await w.runner.runUntilFinished(second.task_id, { sweep: false, maxSeconds: 0 });
    await expectDomainError(getResult(w.ctx, b.teamId, first.task_id), 404, `Task ${first.task_id} not found`);

    const all = await listTasks(w.ctx, a.teamId, { limit: 50, offset: 0 });
    expect(all.total).toBe(2);
    expect(all.tasks.map((t) => t.task_id)).toEqual([second.task_id, first.task_id]);
    expect(all.tasks[0]).toEqual({ task_id: second.task_id, status: "completed", captcha_type: "HcaptchaImageTask", credits_used: 0.08, created_at: expect.any(String) });
    const completed = await listTasks(w.ctx, a.teamId, { limit: 50, offset: 0, status: "completed" });
    expect(completed.tasks.map((t) => t.task_id)).toEqual([second.task_id]);
    expect((await listTasks(w.ctx, a.teamId, { limit: 1, offset: 1 })).tasks.map((t) => t.task_id)).toEqual([first.task_id]);
    expect((await listTasks(w.ctx, b.teamId, { limit: 50, offset: 0 })).total).toBe(0);
  });

  it("only finished tasks can be deleted; then they are gone", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    await expectDomainError(deleteTask(w.ctx, team.teamId, task_id), 409, `Task ${task_id} is still pending; only completed or failed tasks can be deleted`);
    await w.runner.runUntilFinished(task_id);
    expect(await deleteTask(w.ctx, team.teamId, task_id)).toEqual({ message: "Task deleted successfully", task_id });
    await expectDomainError(getResult(w.ctx, team.teamId, task_id), 404, `Task ${task_id} not found`);
    await expectDomainError(deleteTask(w.ctx, team.teamId, task_id), 404, `Task ${task_id} not found`);
    expect(w.teams.peek(team.teamId).chargedMicro).toBe(credits("0.1")); // deleting never refunds
  });

  it("a report goes upstream once, feeds the provider's accuracy, and cannot be repeated", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    await expectDomainError(reportTask(w.ctx, team.teamId, task_id, false), 409, `Task ${task_id} is pending; only completed tasks can be reported`);
    await w.runner.runUntilFinished(task_id);
    const upstreamId = w.adapters.twocaptcha.callsOf("poll")[0]!.upstreamId;

    expect(await reportTask(w.ctx, team.teamId, task_id, false)).toEqual({ message: "Report recorded", task_id, correct: false, upstream: "recorded", refunded: 0.1, forwarded: true, capped: false });
    expect(w.adapters.twocaptcha.callsOf("report")).toMatchObject([{ providerId: "alpha", upstreamId, correct: false }]);
    expect(w.providerStates.states.get("alpha")?.observed.ImageToTextTask).toMatchObject({ reportsBad: 1, reportsGood: 0 });
    expect((await getResult(w.ctx, team.teamId, task_id)).report).toBe("bad");
    await expectDomainError(reportTask(w.ctx, team.teamId, task_id, true), 409, `Task ${task_id} was already reported as bad`);
    expect(w.adapters.twocaptcha.callsOf("report")).toHaveLength(1);
    // The upstream accepted the reportbad (and refunds it): the team gets the charge back, once.
    expect(w.teams.peek(team.teamId)).toMatchObject({ balanceMicro: credits("1"), chargedMicro: 0, reservedMicro: 0 });
    expect(await getResult(w.ctx, team.teamId, task_id)).toMatchObject({ credits_used: 0, refunded: 0.1 });
    const usage = await usageReport(w.ctx, {}, { teamId: team.teamId });
    expect(usage.totals).toMatchObject({ tasks: 1, completed: 1, credits_used: 0 });
    expect(w.violations).toEqual([]);
    await expectDomainError(reportTask(w.ctx, "someone-else", task_id, true), 404, `Task ${task_id} not found`);
  });

  it("a reportgood, or a reportbad the upstream did not record, refunds nothing", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    const good = await w.submit(team.teamId, "ImageToTextTask");
    const bad = await w.submit(team.teamId, "ImageToTextTask");
    await w.runner.runUntilFinished(good.task_id);
    await w.runner.runUntilFinished(bad.task_id);
    expect((await reportTask(w.ctx, team.teamId, good.task_id, true)).refunded).toBe(0);
    w.adapters.twocaptcha.onReport("alpha", upstreamError("bad_request", "ERROR_REPORT_NOT_RECORDED"));
    expect(await reportTask(w.ctx, team.teamId, bad.task_id, false)).toMatchObject({ upstream: "failed", refunded: 0 });
    expect(w.teams.peek(team.teamId)).toMatchObject({ balanceMicro: credits("0.8"), chargedMicro: credits("0.2") });
  });

  it("a protocol without reports (no adapter.report) answers not_supported, refunds nothing, and still records the report here", async () => {
    const w = createWorld({ providers: [ace] });
    const team = w.teams.seed(credits("1"));
    const good = await w.submit(team.teamId, "HcaptchaImageTask");
    const bad = await w.submit(team.teamId, "HcaptchaImageTask");
    await w.runner.runUntilFinished(good.task_id);
    await w.runner.runUntilFinished(bad.task_id);
    expect((await reportTask(w.ctx, team.teamId, good.task_id, true)).upstream).toBe("not_supported");
    expect(await reportTask(w.ctx, team.teamId, bad.task_id, false)).toMatchObject({ upstream: "not_supported", refunded: 0 });
    expect(w.adapters.acedata.calls.filter((call) => call.op === "report")).toEqual([]);
    // Only reports an upstream recorded move its accuracy figures.
    expect(w.providerStates.states.get("ace")?.observed.HcaptchaImageTask?.reportsGood ?? 0).toBe(0);
    expect(w.providerStates.states.get("ace")?.observed.HcaptchaImageTask?.reportsBad ?? 0).toBe(0);
    expect(w.teams.peek(team.teamId)).toMatchObject({ balanceMicro: credits("0.84"), chargedMicro: credits("0.16") });
  });

  it("an upstream error on a report answers failed, never not_supported", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    w.adapters.twocaptcha.onReport("alpha", upstreamError("bad_request", "REPORT_NOT_SUPPORTED"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    await w.runner.runUntilFinished(task_id);
    expect((await reportTask(w.ctx, team.teamId, task_id, true)).upstream).toBe("failed");
    expect((await getResult(w.ctx, team.teamId, task_id)).report).toBe("good");
    expect(w.providerStates.states.get("alpha")?.observed.ImageToTextTask?.reportsGood ?? 0).toBe(0);
  });

  it("bad reports are forwarded and refunded up to max(5, 20% of solved tasks in 24 h); the rest are kept, unforwarded and unrefunded", async () => {
    const w = world();
    const team = w.teams.seed(credits("10"));
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await w.submit(team.teamId, "ImageToTextTask")).task_id);
    for (const id of ids) await w.runner.runUntilFinished(id);
    const answers = [];
    for (const id of ids) answers.push(await reportTask(w.ctx, team.teamId, id, false));
    expect(answers.map((a) => a.forwarded)).toEqual([true, true, true, true, true, false, false, false, false, false]);
    expect(answers.slice(5).every((a) => a.capped && a.upstream === "not_forwarded" && a.refunded === 0)).toBe(true);
    expect(w.adapters.twocaptcha.callsOf("report")).toHaveLength(5);
    expect(w.providerStates.states.get("alpha")?.observed.ImageToTextTask).toMatchObject({ reportsBad: 5 });
    expect(w.teams.peek(team.teamId)).toMatchObject({ chargedMicro: credits("0.5") });
    expect((await getResult(w.ctx, team.teamId, ids[9]!)).report).toBe("bad");
    expect(w.violations).toEqual([]);
  });

  it("two reports of one task at once: one is taken and forwarded, the other is a 409", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    await w.runner.runUntilFinished(task_id);
    const both = await Promise.allSettled([reportTask(w.ctx, team.teamId, task_id, false), reportTask(w.ctx, team.teamId, task_id, false)]);
    expect(both.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = both.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((rejected.reason as DomainError).status).toBe(409);
    expect(w.adapters.twocaptcha.callsOf("report")).toHaveLength(1);
    expect(w.teams.peek(team.teamId)).toMatchObject({ balanceMicro: credits("1"), chargedMicro: 0 });
    expect(w.violations).toEqual([]);
  });

  it("a report comes within the provider's report window (15 minutes by default) or gets a 409", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    await w.runner.runUntilFinished(task_id);
    w.clock.advance(16 * 60);
    await expectDomainError(reportTask(w.ctx, team.teamId, task_id, false), 409, /can no longer be reported: reports are taken up to 15 minutes/);
    expect(w.adapters.twocaptcha.callsOf("report")).toHaveLength(0);
    expect((await getResult(w.ctx, team.teamId, task_id)).report).toBeNull();
  });
});

describe("admin money", () => {
  it("top-ups and new teams refuse zero or negative amounts, and keep the books balanced", async () => {
    const w = world();
    const created = await createTeam(w.ctx, { name: "growth", credits: "2.5" });
    expect(created).toMatchObject({ name: "growth", balance: 2.5 });
    expect(created.api_key).toMatch(/^[0-9a-f]{32}$/);
    await expectDomainError(createTeam(w.ctx, { name: "x", credits: "-1" }), 400, "credits: must not be negative");
    await expectDomainError(addCredits(w.ctx, created.team_id, 0), 400, "amount: must not be 0");
    expect(await addCredits(w.ctx, created.team_id, "0.1")).toMatchObject({ balance: 2.6, reserved: 0 });
    expect(await addCredits(w.ctx, created.team_id, 0.2)).toMatchObject({ balance: 2.8 });
    expect(w.teams.peek(created.team_id)).toMatchObject({ balanceMicro: 2_800_000, creditedMicro: 2_800_000 });
    await expectDomainError(addCredits(w.ctx, "nobody", 1), 404, "Team nobody not found");
  });

  it("a negative amount takes credits back from the balance, never from what unfinished tasks reserved", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    await w.submit(team.teamId, "ImageToTextTask"); // reserves 0.1, stays pending (not run)
    expect(await addCredits(w.ctx, team.teamId, "-0.5")).toMatchObject({ balance: 0.4, reserved: 0.1 });
    await expectDomainError(addCredits(w.ctx, team.teamId, "-0.41"), 400, /^amount: cannot take back 0\.41; the balance is 0\.4/);
    expect(w.teams.peek(team.teamId)).toMatchObject({ balanceMicro: credits("0.4"), reservedMicro: credits("0.1"), creditedMicro: credits("0.5") });
    expect(await addCredits(w.ctx, team.teamId, "-0.4")).toMatchObject({ balance: 0, reserved: 0.1 });
    await expectDomainError(addCredits(w.ctx, "nobody", -1), 404, "Team nobody not found");
    expect(w.violations).toEqual([]);
  });
});

describe("result view", () => {
  it("shows every attempt with its provider, result requests and error", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    w.adapters.twocaptcha.onPoll("alpha", upstreamError("unsolvable", "ERROR_CAPTCHA_UNSOLVABLE", "The captcha could not be solved."));
    w.adapters.solverv2.onPoll("beta", { kind: "solved", solution: solutionFor("ImageToTextTask", 7) });
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    await w.runner.runUntilFinished(task_id);
    const view = resultView(w.tasks.peek(task_id));
    expect(view).toMatchObject({
      status: "completed",
      provider: "beta",
      solution: { text: "text-7" },
      credits_used: 0.15,
      attempts: [
        { provider: "alpha", state: "failed", result_requests: 1, error: "ERROR_CAPTCHA_UNSOLVABLE: The captcha could not be solved." },
        { provider: "beta", state: "solved", result_requests: 1, error: null },
      ],
    });
    expect(view.routing).toMatch(/^failover after ERROR_CAPTCHA_UNSOLVABLE/);
  });
});
