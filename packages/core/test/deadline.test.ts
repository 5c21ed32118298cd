// Every accepted task reaches completed or failed before its deadline, with every credit it
// reserved released (packages/core/src/schedule.ts taskDeadlineSeconds).
import { describe, expect, it } from "vitest";
import { attemptWindowSeconds, DomainError, getResult, taskDeadlineSeconds, type Provider, type TaskType } from "../src/index.ts";
import { createWorld, credits, NOT_READY, provider, upstreamError, type World } from "./fakes.ts";

const three = (type: TaskType): Provider[] =>
  ["alpha", "beta", "gamma"].map((id, i) => provider(id, i === 2 ? "solverv2" : "twocaptcha", { [type]: { price: `0.1${i}`, seconds: 5, accuracy: 0.9 } }));

async function expectEndsByDeadlineRefunded(w: World, teamId: string, taskId: string) {
  await w.runner.runUntilFinished(taskId, { maxSeconds: 7200 });
  const task = w.tasks.peek(taskId);
  expect(task.status).toBe("failed");
  expect(task.completedAt! - task.createdAt).toBeLessThanOrEqual(task.deadlineAt - task.createdAt);
  expect(w.teams.peek(teamId)).toMatchObject({ reservedMicro: 0, chargedMicro: 0, balanceMicro: credits("1") });
  expect(w.violations).toEqual([]);
  return { task, result: await getResult(w.ctx, teamId, taskId) };
}

describe("providers that never answer", () => {
  it.each<TaskType>(["ImageToTextTask", "RecaptchaV2Task", "TurnstileTask"])(
    "%s: three silent providers, the task fails by its deadline with everything released",
    async (type) => {
      const w = createWorld({ providers: three(type) });
      for (const id of ["alpha", "beta"]) w.adapters.twocaptcha.byDefault(id, { poll: NOT_READY });
      w.adapters.solverv2.byDefault("gamma", { poll: NOT_READY });
      const team = w.teams.seed(credits("1"));
      const { task_id } = await w.submit(team.teamId, type);
      const { task, result } = await expectEndsByDeadlineRefunded(w, team.teamId, task_id);
      expect(task.deadlineAt - task.createdAt).toBe(taskDeadlineSeconds(type) * 1000);
      expect(result.error).toMatch(/^(Deadline exceeded: no provider answered within \d+ s|No provider could solve the task) \(last error: NO_ANSWER: No answer after \d+ result requests\)$/);
      for (const a of task.attempts) expect(a.polls).toBeLessThanOrEqual(20);
    },
  );

  it("an upstream that keeps asking for long waits cannot keep a task past its deadline", async () => {
    const w = createWorld({ providers: three("ImageToTextTask").slice(0, 1) });
    w.adapters.twocaptcha.byDefault("alpha", { submit: upstreamError("retry", "ERROR_NO_SLOT_AVAILABLE", "No slot available.", 100) });
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    const { result } = await expectEndsByDeadlineRefunded(w, team.teamId, task_id);
    expect(result.error).toMatch(/ERROR_NO_SLOT_AVAILABLE/);
  });

  it("an upstream hanging on submit forever (never recorded) is given up by the deadline", async () => {
    const w = createWorld({ providers: three("HcaptchaImageTask").slice(0, 1).map((p) => ({ ...p, protocol: "acedata" as const })) });
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "HcaptchaImageTask");
    w.tasks.crashOnWrite(2, "before", (prev) => prev.attempts.length > 0);
    w.tasks.crashOnWrite(2, "before", (prev) => prev.attempts.length > 0);
    w.tasks.crashOnWrite(2, "before", (prev) => prev.attempts.length > 0);
    await w.runner.runUntilFinished(task_id, { maxSeconds: 7200 });
    const task = w.tasks.peek(task_id);
    expect(["completed", "failed"]).toContain(task.status);
    expect(task.completedAt!).toBeLessThanOrEqual(task.deadlineAt);
    expect(w.violations).toEqual([]);
  });

  it("a worker fleet far behind: the task fails on its deadline, refunded, without calling upstream", async () => {
    const w = createWorld({ providers: three("ImageToTextTask") });
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    w.clock.advance(taskDeadlineSeconds("ImageToTextTask"));
    await w.runner.runUntilFinished(task_id);
    const task = w.tasks.peek(task_id);
    expect(task).toMatchObject({ status: "failed", error: "Deadline exceeded: no provider answered within 240 s", reservedMicro: 0 });
    expect(w.upstreamCalls()).toEqual([]);
    expect(w.teams.peek(team.teamId)).toMatchObject({ reservedMicro: 0, chargedMicro: 0, balanceMicro: credits("1") });
  });
});

describe("every provider cooling down", () => {
  it("for longer than a task could wait: refused at once (503), nothing reserved", async () => {
    const w = createWorld({ providers: three("ImageToTextTask") });
    for (const id of ["alpha", "beta", "gamma"]) w.providerStates.cool(id, w.clock.now() + 3600_000, "ERROR_ZERO_BALANCE");
    const team = w.teams.seed(credits("1"));
    const error = await w.submit(team.teamId, "ImageToTextTask").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      status: 503,
      message: "Every provider for ImageToTextTask is cooling down until 2025-01-15T13:00:00.000Z; nothing was charged. Retry later.",
    });
    expect(w.tasks.tasks.size).toBe(0);
    expect(w.teams.peek(team.teamId)).toMatchObject({ reservedMicro: 0, chargedMicro: 0, balanceMicro: credits("1") });
  });

  it("for a while: accepted, submitted when the first provider is back, ended by the deadline", async () => {
    const w = createWorld({ providers: three("ImageToTextTask") });
    const back = (taskDeadlineSeconds("ImageToTextTask") - attemptWindowSeconds("ImageToTextTask")) * 1000 - 1000;
    for (const id of ["alpha", "beta", "gamma"]) w.providerStates.cool(id, w.clock.now() + back);
    w.adapters.twocaptcha.byDefault("alpha", { poll: NOT_READY });
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    expect(w.queue.sent[0]!.delaySeconds).toBe(back / 1000);
    await expectEndsByDeadlineRefunded(w, team.teamId, task_id);
    expect(w.upstreamCalls()[0]!.at - w.tasks.peek(task_id).createdAt).toBe(back);
  });

  it("a provider cooling down mid-task past the deadline: the task fails with the reason, refunded", async () => {
    const w = createWorld({ providers: three("ImageToTextTask").slice(0, 2) });
    w.adapters.twocaptcha.onSubmit("alpha", upstreamError("cooldown", "ERROR_ZERO_BALANCE", "No balance.", 3600));
    w.providerStates.cool("beta", w.clock.now() + 3600_000);
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    const { result } = await expectEndsByDeadlineRefunded(w, team.teamId, task_id);
    // The zero balance is about the router's own account: the team sees neither it nor its code.
    expect(result.error).toBe("No provider could solve the task (last error: PROVIDER_UNAVAILABLE: The provider could not take tasks at the moment.)");
    expect(w.tasks.peek(task_id).completedAt).toBe(w.tasks.peek(task_id).createdAt); // at once, not at the deadline
  });
});
