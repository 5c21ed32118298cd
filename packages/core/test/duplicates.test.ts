// At-least-once delivery, dying workers and lost messages: whatever SQS and Lambda do, every
// task ends, one upstream submit per attempt, charged once, nothing lost.
import { describe, expect, it } from "vitest";
import { getResult, handleTaskMessage, isFinished, type TaskRecord, type TaskType } from "../src/index.ts";
import { createWorld, credits, NOT_READY, provider, upstreamError, type World } from "./fakes.ts";

const alpha = provider("alpha", "twocaptcha", {
  ImageToTextTask: { price: "0.1", seconds: 3, accuracy: 0.9 },
  RecaptchaV2Task: { price: "0.299", seconds: 20, accuracy: 0.95 },
});
const beta = provider("beta", "solverv2", {
  ImageToTextTask: { price: "0.12", seconds: 3, accuracy: 0.9 },
  RecaptchaV2Task: { price: "0.3", seconds: 20, accuracy: 0.95 },
});
const ace = provider("ace", "acedata", { HcaptchaImageTask: { price: "0.08", seconds: 2, accuracy: 0.85 } });

function world() {
  return createWorld({ providers: [alpha, beta, ace] });
}

/** What a user relies on, whatever happened on the way. */
function expectOneHonestEnd(w: World, task: TaskRecord) {
  expect(isFinished(task.status)).toBe(true);
  expect(task.reservedMicro).toBe(0);
  const team = w.teams.peek(task.teamId);
  expect(team.reservedMicro).toBe(0);
  expect(team.chargedMicro).toBe(task.chargedMicro ?? 0);
  expect(w.tasks.usage.filter((u) => u.teamId === task.teamId)).toHaveLength(1);
  expect(w.violations).toEqual([]);
  expect(w.runner.deadLetters).toEqual([]);
  if (task.status === "completed") expect(task.chargedMicro).toBe(task.attempts.find((a) => a.state === "solved")!.priceMicro);
}

/** Result requests made per upstream captcha, compared with what the task counted. */
function expectPollsCountedOnce(w: World, task: TaskRecord) {
  const calls = w.upstreamCalls();
  for (const attempt of task.attempts.filter((a) => a.upstreamId)) {
    const made = calls.filter((c) => c.op === "poll" && c.upstreamId === attempt.upstreamId).length;
    expect(made).toBe(attempt.polls);
  }
}

const submitsOf = (w: World) => w.upstreamCalls().filter((c) => c.op === "submit");

describe("every message delivered twice", () => {
  it.each([
    ["in the same batch (concurrently)", 0],
    ["a little later", 2],
  ])("%s: one upstream submit per attempt, result requests counted once, charged once", async (_, lag) => {
    const w = world();
    w.queue.duplicateEverything = true;
    w.queue.duplicateDelaySeconds = lag;
    const team = w.teams.seed(credits("1"));
    w.adapters.twocaptcha.onPoll("alpha", NOT_READY, upstreamError("unsolvable", "ERROR_CAPTCHA_UNSOLVABLE", "Unsolvable."));
    w.adapters.solverv2.onPoll("beta", NOT_READY, NOT_READY, NOT_READY);
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    await w.runner.runUntilFinished(task_id);

    const task = w.tasks.peek(task_id);
    expect(task.status).toBe("completed");
    expect(task.attempts.map((a) => [a.providerId, a.state])).toEqual([
      ["alpha", "failed"],
      ["beta", "solved"],
    ]);
    expect(submitsOf(w).map((c) => c.providerId)).toEqual(["alpha", "beta"]);
    expect(task.attempts.map((a) => a.polls)).toEqual([2, 4]);
    expectPollsCountedOnce(w, task);
    expect(task.chargedMicro).toBe(credits("0.12"));
    expectOneHonestEnd(w, task);
    expect(w.providerStates.states.get("beta")?.observed.ImageToTextTask).toMatchObject({ attempts: 1, solved: 1 });
    expect(w.providerStates.states.get("alpha")?.observed.ImageToTextTask).toMatchObject({ attempts: 1, unsolvable: 1 });
  });

  it.each<TaskType>(["HcaptchaImageTask", "RecaptchaV2Task"])("%s with duplicates and several tasks at once", async (type) => {
    const w = world();
    w.queue.duplicateEverything = true;
    const team = w.teams.seed(credits("5"));
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await w.submit(team.teamId, type)).task_id);
    await w.runner.runUntilFinished(ids);
    for (const id of ids) {
      const task = w.tasks.peek(id);
      expect(task.status).toBe("completed");
      expect(task.attempts).toHaveLength(1);
      expectPollsCountedOnce(w, task);
    }
    expect(submitsOf(w)).toHaveLength(4);
    expect(w.teams.peek(team.teamId).reservedMicro).toBe(0);
    expect(w.tasks.usage).toHaveLength(4);
    expect(w.violations).toEqual([]);
  });

  it("a duplicate arriving long after the task ended does nothing", async () => {
    const w = world();
    w.queue.duplicateEverything = true;
    w.queue.duplicateDelaySeconds = 600;
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    await w.runner.run();
    const task = w.tasks.peek(task_id);
    expect(task.status).toBe("completed");
    expect(w.upstreamCalls().map((c) => c.op)).toEqual(["submit", "poll"]);
    expectOneHonestEnd(w, task);
  });
});

describe("a worker dies mid-step", () => {
  it("after the claim, before the upstream call: the task still ends, charged once", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    w.tasks.crashOnWrite(1, "after"); // the claim lands, then the worker dies
    await w.runner.runUntilFinished(task_id);
    const task = w.tasks.peek(task_id);
    expect(w.runner.deliveries.filter((d) => d.outcome === "threw")).toHaveLength(1);
    expect(task.status).toBe("completed");
    expect(submitsOf(w)).toHaveLength(1);
    expect(task.chargedMicro).toBe(credits("0.1"));
    expectOneHonestEnd(w, task);
  });

  it("after the upstream took the captcha, before recording it: submitted again, charged once", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    w.tasks.crashOnWrite(2, "before"); // the claim lands; the write recording the upstream id never does
    await w.runner.runUntilFinished(task_id);
    const task = w.tasks.peek(task_id);
    expect(task.status).toBe("completed");
    expect(submitsOf(w).map((c) => c.providerId)).toEqual(["alpha", "alpha"]);
    expect(task.attempts.map((a) => a.state)).toEqual(["failed", "solved"]);
    expect(task.attempts[0]!.error).toBe("retry: submit interrupted");
    expect(task.chargedMicro).toBe(credits("0.1"));
    expectOneHonestEnd(w, task);
  });

  it("a synchronous provider answered but the worker died before recording: asked again later, charged once", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "HcaptchaImageTask");
    w.tasks.crashOnWrite(2, "before");
    await w.runner.runUntilFinished(task_id);
    const task = w.tasks.peek(task_id);
    expect(task.status).toBe("completed");
    expect(w.adapters.acedata.callsOf("submit")).toHaveLength(2);
    expect(task.completedAt! - task.createdAt).toBeLessThanOrEqual(task.deadlineAt - task.createdAt);
    expectOneHonestEnd(w, task);
  });

  it("between queuing the next step and claiming it: the task still ends, charged once", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    w.tasks.crashOnWrite(1, "before"); // the next step is queued, the claim never lands
    await w.runner.runUntilFinished(task_id);
    const task = w.tasks.peek(task_id);
    expect(task.status).toBe("completed");
    expect(submitsOf(w)).toHaveLength(1);
    expect(task.completedAt!).toBeLessThanOrEqual(task.deadlineAt);
    expectOneHonestEnd(w, task);
  });

  it("the same, with no sweeper: SQS's redelivery alone brings the task to an end", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "RecaptchaV2Task");
    w.tasks.crashOnWrite(1, "before");
    await w.runner.runUntilFinished(task_id, { sweep: false });
    const task = w.tasks.peek(task_id);
    expect(isFinished(task.status)).toBe(true);
    expectOneHonestEnd(w, task);
  });

  const polling = (prev: TaskRecord) => prev.status === "processing" && prev.attempts[0]!.polls >= 1;
  it.each([
    ["while claiming a result request", "before", polling],
    ["after claiming a result request", "after", polling],
    ["while recording the answer", "before", (_: TaskRecord, next: TaskRecord) => next.status === "completed"],
  ] as const)("%s: a later result request carries on with the same upstream captcha, charged once", async (_, mode, match) => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    w.adapters.twocaptcha.onPoll("alpha", NOT_READY); // then solved
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    w.tasks.crashOnWrite(1, mode, match);
    await w.runner.runUntilFinished(task_id);
    const task = w.tasks.peek(task_id);
    expect(w.tasks.pendingCrashes()).toBe(0);
    expect(task.status).toBe("completed");
    expect(submitsOf(w)).toHaveLength(1);
    expect(task.attempts).toMatchObject([{ providerId: "alpha", state: "solved" }]);
    expect(task.completedAt!).toBeLessThanOrEqual(task.deadlineAt);
    expectOneHonestEnd(w, task);
  });

  it("recovery that comes after the attempt's window still asks the upstream once before moving on", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    w.adapters.twocaptcha.onPoll("alpha", NOT_READY);
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    w.tasks.crashOnWrite(1, "before", polling); // the next step is only re-queued by the sweeper, after the window
    await w.runner.runUntilFinished(task_id);
    const task = w.tasks.peek(task_id);
    const polls = w.adapters.twocaptcha.callsOf("poll");
    expect(polls.at(-1)!.at - task.attempts[0]!.startedAt).toBeGreaterThan(105_000); // the attempt's window is over
    expect(task.attempts).toMatchObject([{ providerId: "alpha", state: "solved", polls: 2 }]);
    expect(submitsOf(w)).toHaveLength(1); // the answer alpha already had was collected, not paid for twice
    expectOneHonestEnd(w, task);
  });

  it("when settling the task: the charge and the task's end land together or not at all", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    w.tasks.crashOnWrite(1, "before", (_, next) => next.status === "completed");
    await w.runner.runUntilFinished(task_id);
    const task = w.tasks.peek(task_id);
    expect(task.status).toBe("completed");
    expect(w.adapters.twocaptcha.callsOf("poll").length).toBeGreaterThanOrEqual(2); // asked again after the crash
    expectOneHonestEnd(w, task);
  });

  it("a crash at every write of a task in turn: always one honest end", async () => {
    for (let n = 1; n <= 8; n++) {
      for (const mode of ["before", "after"] as const) {
        const w = world();
        const team = w.teams.seed(credits("1"));
        w.adapters.twocaptcha.onPoll("alpha", NOT_READY, upstreamError("unsolvable", "ERROR_CAPTCHA_UNSOLVABLE", "Unsolvable."));
        w.adapters.solverv2.onPoll("beta", upstreamError("retry", "HTTP_502", "Bad gateway."), NOT_READY);
        const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
        w.tasks.crashOnWrite(n, mode);
        await w.runner.runUntilFinished(task_id);
        const task = w.tasks.peek(task_id);
        expect(isFinished(task.status), `crash ${mode} write ${n}`).toBe(true);
        expect(task.completedAt!, `crash ${mode} write ${n}`).toBeLessThanOrEqual(task.deadlineAt);
        expectOneHonestEnd(w, task);
      }
    }
  });
});

describe("a lost message", () => {
  it.each([
    ["the first message of a new task", 0],
    ["a result request", 2],
    ["the step after a failed attempt", 4],
  ])("%s: the sweeper re-queues it once overdue and the task ends", async (_, sendIndex) => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    w.adapters.twocaptcha.onPoll("alpha", NOT_READY, upstreamError("unsolvable", "ERROR_CAPTCHA_UNSOLVABLE", "Unsolvable."));
    let sends = 0;
    w.queue.dropNext(() => sends++ === sendIndex);
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    await w.runner.runUntilFinished(task_id);
    const task = w.tasks.peek(task_id);
    expect(w.queue.sent.filter((s) => s.dropped)).toHaveLength(1);
    expect(w.runner.sweeps.some((s) => s.requeued > 0)).toBe(true);
    expect(task.status).toBe("completed");
    expect(task.completedAt!).toBeLessThanOrEqual(task.deadlineAt);
    expect(submitsOf(w).map((c) => c.providerId)).toEqual(["alpha", "beta"]);
    expectOneHonestEnd(w, task);
  });

  it("the sweeper leaves tasks on time alone", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    w.adapters.twocaptcha.byDefault("alpha", { poll: NOT_READY });
    const { task_id } = await w.submit(team.teamId, "RecaptchaV2Task");
    await w.runner.runUntilFinished(task_id);
    expect(w.runner.sweeps.length).toBeGreaterThanOrEqual(5);
    expect(w.runner.sweeps.every((s) => s.requeued === 0)).toBe(true);
  });

  it("a re-queued step that was only late is a harmless duplicate", async () => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    // the worker fleet is 10 minutes behind: every message is late, the sweeper re-queues too
    w.clock.advance(600);
    await w.runner.runUntilFinished(task_id);
    const task = w.tasks.peek(task_id);
    expect(isFinished(task.status)).toBe(true);
    expect(submitsOf(w).length).toBeLessThanOrEqual(1);
    expectOneHonestEnd(w, task);
    expect((await getResult(w.ctx, team.teamId, task_id)).status).toBe(task.status);
  });
});

describe("a slow upstream", () => {
  it.each([8, 40])("a submit answering after %i s, while the next step's message is handled elsewhere: still one upstream submit", async (seconds) => {
    const w = world();
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    w.adapters.twocaptcha.onSubmit("alpha", async () => {
      w.clock.advance(seconds); // the upstream takes its time...
      for (const m of w.queue.take(w.clock.now())) {
        // ...meanwhile another worker receives the first result request's message
        if (m.message.kind === "task") await handleTaskMessage(w.ctx, m.message.task_id, m.message.step);
      }
      return { kind: "submitted", upstreamId: "slow-1" };
    });
    await w.runner.runUntilFinished(task_id);
    const task = w.tasks.peek(task_id);
    expect(task.status).toBe("completed");
    expect(submitsOf(w)).toHaveLength(1);
    expect(task.attempts).toMatchObject([{ providerId: "alpha", state: "solved", upstreamId: "slow-1" }]);
    expectPollsCountedOnce(w, task);
    expectOneHonestEnd(w, task);
  });
});

