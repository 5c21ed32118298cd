// callback_url: the result object is POSTed once the task ends; failures are retried through
// queue delays a bounded number of times and never change the task.
import { describe, expect, it } from "vitest";
import { CALLBACK_DELAYS_SECONDS, CALLBACK_FIRST_DELAY_SECONDS, getResult } from "../src/index.ts";
import { createWorld, credits, provider, START_MS, upstreamError } from "./fakes.ts";

const URL = "https://team.example/hooks/captcha";

function world() {
  return createWorld({
    providers: [
      provider("alpha", "twocaptcha", { ImageToTextTask: { price: "0.1", seconds: 3, accuracy: 0.9 } }),
      provider("ace", "acedata", { HcaptchaImageTask: { price: "0.08", seconds: 2, accuracy: 0.85 } }),
    ],
  });
}

const iso = (secondsAfterStart: number) => new Date(START_MS + secondsAfterStart * 1000).toISOString();

/**
 * The result object of an image task submitted at the start and answered by alpha at its first
 * result request (10 s later: the first tick of the 5-s check grid at least 5 s + 1 s after the
 * submit), written out field by field as docs/api.md describes it.
 */
const solvedAtFirstRequest = (task_id: string) => ({
  task_id,
  status: "completed",
  captcha_type: "ImageToTextTask",
  solution: { text: "text-1" },
  coordinates: null,
  verify: null,
  bounding_box: null,
  processing_time: 10,
  credits_used: 0.1,
  error: null,
  refunded: null,
  provider: "alpha",
  routing: expect.stringMatching(/^balanced: lowest expected cost per solved task .*only candidate\)$/),
  priority: "balanced",
  attempts: [{ provider: "alpha", state: "solved", started_at: iso(0), ended_at: iso(10), result_requests: 1, error: null }],
  created_at: iso(0),
  completed_at: iso(10),
  report: null,
});

describe("callbacks", () => {
  it("POSTs the result object once the task completes", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask", { callbackUrl: URL });
    await w.runner.run();
    // POSTed as soon as the answer is in (at 10 s), with the same object GET /v2/solver/result shows
    expect(w.callbacks.posts).toEqual([{ url: URL, body: solvedAtFirstRequest(task_id), at: START_MS + 10_000 }]);
    expect(await getResult(w.ctx, team.teamId, task_id)).toEqual(solvedAtFirstRequest(task_id));
  });

  it("POSTs a failed task too, with its error", async () => {
    const w = world();
    w.adapters.twocaptcha.onSubmit("alpha", upstreamError("bad_request", "ERROR_ZERO_CAPTCHA_FILESIZE", "The image is empty."));
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask", { callbackUrl: URL });
    await w.runner.run();
    expect(w.callbacks.posts).toHaveLength(1);
    expect(w.callbacks.posts[0]!.body).toEqual(await getResult(w.ctx, team.teamId, task_id));
    expect(w.callbacks.posts[0]!.body).toMatchObject({ status: "failed", error: "The image is empty.", credits_used: null });
  });

  it("nothing is POSTed without a callback_url", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    await w.submit(team.teamId, "ImageToTextTask");
    await w.runner.run();
    expect(w.callbacks.posts).toEqual([]);
    expect(w.queue.sent.filter((s) => s.message.kind === "callback")).toEqual([]);
  });

  it("a failing callback is retried after 5, 15, 60, 180 and 600 s, then given up; the task never changes", async () => {
    const w = world();
    w.callbacks.defaultAnswer = { ok: false, status: 500 };
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "HcaptchaImageTask", { callbackUrl: URL });
    await w.runner.runUntilFinished(task_id);
    const ended = w.tasks.peek(task_id);
    await w.runner.run({ maxSeconds: 24 * 3600 });

    const times = w.callbacks.posts.map((p) => (p.at - ended.completedAt!) / 1000);
    const expected = [CALLBACK_FIRST_DELAY_SECONDS];
    for (const d of CALLBACK_DELAYS_SECONDS) expected.push(expected[expected.length - 1]! + d);
    expect(CALLBACK_DELAYS_SECONDS).toEqual([5, 15, 60, 180, 600]);
    expect(times).toEqual(expected);
    expect(new Set(w.callbacks.posts.map((p) => JSON.stringify(p.body))).size).toBe(1);
    expect(w.tasks.peek(task_id)).toEqual(ended);
    expect(w.teams.peek(team.teamId)).toMatchObject({ chargedMicro: credits("0.08"), reservedMicro: 0 });
    expect(w.queue.waiting).toEqual([]);
  });

  it("retries stop at the first success", async () => {
    const w = world();
    w.callbacks.answer({ ok: false, error: "ECONNREFUSED" }, { ok: false, status: 503 });
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "HcaptchaImageTask", { callbackUrl: URL });
    await w.runner.run({ maxSeconds: 24 * 3600 });
    expect(w.callbacks.posts.map((p) => (p.at - w.tasks.peek(task_id).completedAt!) / 1000)).toEqual([0, 5, 20]);
  });

  it("a callback message for an unfinished or deleted task does nothing", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask", { callbackUrl: URL });
    await w.queue.send({ kind: "callback", task_id, attempt: 1 }, 0);
    await w.queue.send({ kind: "callback", task_id: "no-such-task", attempt: 1 }, 0);
    await w.runner.run({ until: () => w.runner.deliveries.length >= 3 });
    expect(w.callbacks.posts).toEqual([]);
  });

  it.each([
    ["after the task's final write landed", "after"],
    ["before the task's final write landed", "before"],
  ] as const)("a worker dying %s still leads to the POST", async (_, mode) => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask", { callbackUrl: URL });
    w.tasks.crashOnWrite(1, mode, (_, next) => next.status === "completed");
    await w.runner.run();
    const task = w.tasks.peek(task_id);
    expect(task.status).toBe("completed");
    expect(w.callbacks.posts.length).toBeGreaterThanOrEqual(1);
    // every POST (a crash may lead to a second one) carries the finished task as GET shows it
    const shown = await getResult(w.ctx, team.teamId, task_id);
    expect(shown).toMatchObject({ task_id, status: "completed", solution: { text: "text-1" }, credits_used: 0.1, provider: "alpha", error: null });
    for (const post of w.callbacks.posts) expect(post.body).toEqual(shown);
    expect(w.teams.peek(team.teamId)).toMatchObject({ chargedMicro: credits("0.1"), reservedMicro: 0 });
  });
});
