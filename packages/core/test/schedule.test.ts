// When the router asks upstreams for results (schedule.ts), checked both as a pure schedule
// and on the upstream calls a task really makes.
import { describe, expect, it } from "vitest";
import {
  attemptWindowSeconds,
  firstWaitSeconds,
  getResult,
  isTokenTask,
  MAX_DELAY_SECONDS,
  MAX_RESULT_REQUESTS,
  nextPollDelaySeconds,
  POLL_INTERVAL_SECONDS,
  TASK_TYPES,
  taskDeadlineSeconds,
  type TaskType,
} from "../src/index.ts";
import { createWorld, credits, NOT_READY, provider, type UpstreamCall } from "./fakes.ts";

/** The least first wait the upstream documents allow (docs/providers.md): 5 s for images, 15-20 s for tokens. */
const MIN_FIRST_WAIT: Record<TaskType, number> = {
  HcaptchaImageTask: 5,
  ImageToTextTask: 5,
  TextCaptchaTask: 5,
  CoordinatesTask: 5,
  RecaptchaV2Task: 20,
  RecaptchaV3Task: 15,
  TurnstileTask: 15,
};
const MAX_FIRST_WAIT = (type: TaskType) => (isTokenTask(type) ? 20 : 5);
/** The first waits the router uses (docs/providers.md "Waits and limits"), written out. */
const FIRST_WAIT: Record<TaskType, number> = {
  HcaptchaImageTask: 5,
  ImageToTextTask: 5,
  TextCaptchaTask: 5,
  CoordinatesTask: 5,
  RecaptchaV2Task: 20,
  RecaptchaV3Task: 20,
  TurnstileTask: 15,
};

const everyType = Object.fromEntries(TASK_TYPES.map((t) => [t, { price: "0.1", seconds: 5, accuracy: 0.9 }]));

/** Result requests grouped by the upstream captcha they ask about. */
function pollsByCaptcha(calls: UpstreamCall[]) {
  const groups = new Map<string, number[]>();
  for (const c of calls.filter((c) => c.op === "poll")) groups.set(c.upstreamId!, [...(groups.get(c.upstreamId!) ?? []), c.at]);
  return groups;
}

describe("the schedule", () => {
  it.each(TASK_TYPES)("%s: first wait as the upstream documents ask", (type) => {
    expect(firstWaitSeconds(type)).toBe(FIRST_WAIT[type]);
    expect(FIRST_WAIT[type]).toBeGreaterThanOrEqual(MIN_FIRST_WAIT[type]);
    expect(FIRST_WAIT[type]).toBeLessThanOrEqual(MAX_FIRST_WAIT(type));
  });

  it.each(TASK_TYPES)("%s: at most 20 requests, ≥ 5 s apart, within the attempt window, and time for a failover", (type) => {
    const start = 1_000_000;
    let at = start + firstWaitSeconds(type) * 1000;
    const requests: number[] = [];
    const windowEnd = start + attemptWindowSeconds(type) * 1000;
    while (at < windowEnd && requests.length < MAX_RESULT_REQUESTS) {
      requests.push(at);
      const delay = nextPollDelaySeconds(type, requests.length, start, at);
      expect(Number.isInteger(delay)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(POLL_INTERVAL_SECONDS);
      expect(delay).toBeLessThanOrEqual(MAX_DELAY_SECONDS);
      at += delay * 1000;
    }
    expect(requests.length).toBeLessThanOrEqual(MAX_RESULT_REQUESTS);
    expect(requests.length).toBeGreaterThanOrEqual(15); // the window is used, not skipped
    // unsolvable after 90 s (300 s for reCAPTCHA v2): requests keep coming until then
    const unsolvableAfter = type === "RecaptchaV2Task" ? 300 : 90;
    expect((requests[requests.length - 1]! - start) / 1000).toBeGreaterThanOrEqual(unsolvableAfter - POLL_INTERVAL_SECONDS);
    expect(taskDeadlineSeconds(type)).toBeGreaterThanOrEqual(2 * attemptWindowSeconds(type));
  });

  it("the first dozen requests come every 5 s, later ones are spread over the rest of the window", () => {
    const start = 0;
    expect(nextPollDelaySeconds("ImageToTextTask", 1, start, 5_000)).toBe(5);
    expect(nextPollDelaySeconds("ImageToTextTask", 11, start, 55_000)).toBe(5);
    expect(nextPollDelaySeconds("RecaptchaV2Task", 12, start, 75_000)).toBe(Math.ceil((330 - 75) / 8));
    expect(nextPollDelaySeconds("RecaptchaV2Task", 20, start, 300_000)).toBe(5);
  });
});

describe("result requests a task really makes", () => {
  it.each(TASK_TYPES)("%s: the first result request is not before the first wait, the rest ≥ 5 s apart", async (type) => {
    const w = createWorld({ providers: [provider("alpha", "twocaptcha", everyType)] });
    const team = w.teams.seed(credits("1"));
    w.adapters.twocaptcha.onPoll("alpha", NOT_READY, NOT_READY, NOT_READY);
    const { task_id } = await w.submit(team.teamId, type);
    await w.runner.runUntilFinished(task_id);

    const submit = w.adapters.twocaptcha.callsOf("submit")[0]!;
    const polls = w.adapters.twocaptcha.callsOf("poll").map((c) => c.at);
    expect(polls).toHaveLength(4);
    // The first check is the first tick of the shared 5-s grid at least the document's wait (plus a
    // second for the upstream's answer) after the submit: never earlier, at most one grid step later.
    expect((polls[0]! - submit.at) / 1000).toBeGreaterThanOrEqual(FIRST_WAIT[type] + 1);
    expect((polls[0]! - submit.at) / 1000).toBeLessThanOrEqual(FIRST_WAIT[type] + 1 + 5);
    expect(polls[0]! % 5000).toBe(0);
    expect((polls[0]! - submit.at) / 1000).toBeGreaterThanOrEqual(MIN_FIRST_WAIT[type]);
    for (let i = 1; i < polls.length; i++) expect(polls[i]! - polls[i - 1]!).toBeGreaterThanOrEqual(5000);
    expect((await getResult(w.ctx, team.teamId, task_id)).status).toBe("completed");
  });

  it("a captcha that never comes back: ≤ 20 result requests, then the next provider, then a refunded failure before the deadline", async () => {
    const w = createWorld({
      providers: [
        provider("alpha", "twocaptcha", { RecaptchaV2Task: { price: "0.25", seconds: 20, accuracy: 0.95 } }),
        provider("beta", "solverv2", { RecaptchaV2Task: { price: "0.3", seconds: 20, accuracy: 0.95 } }),
      ],
    });
    w.adapters.twocaptcha.byDefault("alpha", { poll: NOT_READY });
    w.adapters.solverv2.byDefault("beta", { poll: NOT_READY });
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "RecaptchaV2Task");
    await w.runner.runUntilFinished(task_id);

    const calls = w.upstreamCalls();
    const byCaptcha = pollsByCaptcha(calls);
    expect(byCaptcha.size).toBe(2);
    for (const [upstreamId, times] of byCaptcha) {
      const submittedAt = calls.find((c) => c.op === "submit" && c.upstreamId === upstreamId)!.at;
      expect(times.length).toBeLessThanOrEqual(MAX_RESULT_REQUESTS);
      expect(times.length).toBeGreaterThanOrEqual(15);
      expect(times[0]! - submittedAt).toBeGreaterThanOrEqual(21_000);
      expect(times[0]! - submittedAt).toBeLessThanOrEqual(26_000);
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(5000);
    }
    const [alphaId, betaId] = [...byCaptcha.keys()];
    expect(alphaId).toMatch(/^alpha-/);
    expect(betaId).toMatch(/^beta-/);

    const task = w.tasks.peek(task_id);
    expect(task.status).toBe("failed");
    expect(task.completedAt!).toBeLessThanOrEqual(task.deadlineAt);
    expect(task.error).toMatch(/^No provider could solve the task \(last error: NO_ANSWER: No answer after \d+ result requests\)$/);
    expect(task.attempts.map((a) => [a.providerId, a.state])).toEqual([
      ["alpha", "failed"],
      ["beta", "failed"],
    ]);
    // every request counted on the task matches a request really made
    expect(task.attempts.map((a) => a.polls)).toEqual([byCaptcha.get(alphaId!)!.length, byCaptcha.get(betaId!)!.length]);
    expect(w.teams.peek(team.teamId)).toMatchObject({ balanceMicro: credits("1"), reservedMicro: 0, chargedMicro: 0 });
    expect(w.violations).toEqual([]);
    // never more than 20 requests per captcha, across the whole task either (the ban rule)
    expect(calls.filter((c) => c.op === "poll").length).toBeLessThanOrEqual(2 * MAX_RESULT_REQUESTS);
  });
});
