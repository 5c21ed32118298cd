// Upstream errors by fault class (adapter.ts `Fault`), failover between providers, and what
// the team pays when a task moves.
import { describe, expect, it } from "vitest";
import { getResult, type Provider } from "../src/index.ts";
import { createWorld, credits, NOT_READY, provider, upstreamError, type World } from "./fakes.ts";

const image = (price: string, accuracy = 0.9, seconds = 5) => ({ ImageToTextTask: { price, seconds, accuracy } });

// alpha is the planned provider; beta the next one (same protocol, another account); gamma a third.
const alpha = provider("alpha", "twocaptcha", image("0.1"));
const beta = provider("beta", "twocaptcha", image("0.12"));
const gamma = provider("gamma", "solverv2", image("0.15"));

function world(providers: Provider[] = [alpha, beta, gamma]) {
  return createWorld({ providers });
}

async function run(w: World, credit = "1", extra: Parameters<World["submit"]>[2] = {}) {
  const team = w.teams.seed(credits(credit));
  const { task_id } = await w.submit(team.teamId, "ImageToTextTask", extra);
  await w.runner.runUntilFinished(task_id);
  return { team, task: w.tasks.peek(task_id), result: await getResult(w.ctx, team.teamId, task_id) };
}

const submits = (w: World) => w.upstreamCalls().filter((c) => c.op === "submit");

describe("retry: ask the same provider again after the wait", () => {
  it("a rate-limit answer (ERROR_NO_SLOT_AVAILABLE): the account pauses, the task waits for it (the others are pricier), then solved and charged once", async () => {
    const w = world();
    w.adapters.twocaptcha.onSubmit(
      "alpha",
      upstreamError("rate_limited", "ERROR_NO_SLOT_AVAILABLE", "No slot available.", 5),
      upstreamError("rate_limited", "MAX_USER_TURN", "Too many submits.", 10),
    );
    const { team, task, result } = await run(w);
    const calls = submits(w);
    expect(calls.map((c) => c.providerId)).toEqual(["alpha", "alpha", "alpha"]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(5000);
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(10_000);
    expect(task.status).toBe("completed");
    expect(result).toMatchObject({ provider: "alpha", credits_used: 0.1 });
    // A pause, not a cooldown, and nothing counted against alpha.
    expect(w.providerStates.cooldowns).toEqual([]);
    expect(w.providerStates.states.get("alpha")).toMatchObject({ pauseReason: "MAX_USER_TURN: Too many submits." });
    expect(w.providerStates.states.get("alpha")!.observed.ImageToTextTask).toMatchObject({ attempts: 1, solved: 1, errors: 0, unsolvable: 0 });
    expect(w.teams.peek(team.teamId)).toMatchObject({ balanceMicro: credits("0.9"), chargedMicro: credits("0.1"), reservedMicro: 0 });
    expect(w.violations).toEqual([]);
  });

  it("a free provider that is cheaper takes the task at once instead of waiting for the pause", async () => {
    const w = world([provider("alpha", "twocaptcha", image("0.1")), provider("cheap", "solverv2", image("0.08"))]);
    w.adapters.twocaptcha.onSubmit("alpha", upstreamError("rate_limited", "MAX_USER_TURN", "Too many submits.", 10));
    const team = w.teams.seed(credits("1"));
    // Routed to alpha when accepted (cheap cooling then), rate-limited there, moved to cheap at once.
    w.providerStates.cool("cheap", w.clock.now() + 1000);
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    w.clock.advance(2);
    await w.runner.runUntilFinished(task_id);
    const calls = submits(w);
    expect(calls.map((c) => c.providerId)).toEqual(["alpha", "cheap"]);
    expect(calls[1]!.at - calls[0]!.at).toBeLessThan(10_000);
    expect(await getResult(w.ctx, team.teamId, task_id)).toMatchObject({ status: "completed", provider: "cheap", credits_used: 0.08 });
  });

  it("rate-limited for too long: the task moves on while its deadline still allows another attempt", async () => {
    const w = world();
    w.adapters.twocaptcha.byDefault("alpha", { submit: upstreamError("rate_limited", "ERROR_NO_SLOT_AVAILABLE", "No slot available.", 5) });
    const { task, result } = await run(w);
    const alphaSubmits = submits(w).filter((c) => c.providerId === "alpha");
    expect(alphaSubmits.length).toBeGreaterThan(1);
    for (let i = 1; i < alphaSubmits.length; i++) expect(alphaSubmits[i]!.at - alphaSubmits[i - 1]!.at).toBeGreaterThanOrEqual(5000);
    expect(task.status).toBe("completed");
    expect(result.provider).toBe("beta");
    expect(result.credits_used).toBe(0.12);
    expect(w.violations).toEqual([]);
  });

  it("a 5xx page twice in a row cools the provider down for a minute and the task moves on", async () => {
    const w = world();
    w.adapters.twocaptcha.onSubmit("alpha", upstreamError("retry", "HTTP_502", "Bad gateway."), upstreamError("retry", "HTTP_502", "Bad gateway."));
    const { result } = await run(w);
    expect(submits(w).map((c) => c.providerId)).toEqual(["alpha", "alpha", "beta"]);
    expect(w.providerStates.cooldowns).toMatchObject([{ providerId: "alpha", reason: "HTTP_502: Bad gateway." }]);
    expect(w.providerStates.cooldowns[0]!.untilMs - submits(w)[1]!.at).toBe(60_000);
    expect(result).toMatchObject({ status: "completed", provider: "beta", credits_used: 0.12 });
  });

  it("transient errors while polling are tolerated twice, then the provider cools down and the task moves on", async () => {
    const w = world();
    const hiccup = upstreamError("retry", "HTTP_503", "Service unavailable.");
    w.adapters.twocaptcha.onPoll("alpha", hiccup, NOT_READY, hiccup, hiccup, { kind: "solved", solution: { kind: "text", text: "ok" } });
    const first = await run(w);
    expect(first.result).toMatchObject({ status: "completed", provider: "alpha", solution: { text: "ok" } });
    expect(w.providerStates.cooldowns).toEqual([]);

    const w2 = world();
    w2.adapters.twocaptcha.onPoll("alpha", hiccup, hiccup, hiccup);
    const second = await run(w2);
    expect(second.result).toMatchObject({ status: "completed", provider: "beta" });
    expect(w2.providerStates.cooldowns).toMatchObject([{ providerId: "alpha" }]);
    expect(second.task.attempts[0]).toMatchObject({ providerId: "alpha", state: "failed", polls: 3 });
  });
});

describe("cooldown: the provider cannot serve anyone now", () => {
  it("ERROR_ZERO_BALANCE: cooled down for every task, next provider used, failed attempt not charged", async () => {
    const w = world();
    w.adapters.twocaptcha.onSubmit("alpha", upstreamError("cooldown", "ERROR_ZERO_BALANCE", "The provider account has no balance.", 300));
    const { team, task, result } = await run(w);
    const failedAt = submits(w)[0]!.at;
    expect(w.providerStates.cooldowns).toEqual([
      { providerId: "alpha", untilMs: failedAt + 300_000, reason: "ERROR_ZERO_BALANCE: The provider account has no balance." },
    ]);
    expect(submits(w).map((c) => c.providerId)).toEqual(["alpha", "beta"]);
    expect(task.attempts.map((a) => [a.providerId, a.state])).toEqual([
      ["alpha", "failed"],
      ["beta", "solved"],
    ]);
    expect(result.credits_used).toBe(0.12);
    expect(w.teams.peek(team.teamId)).toMatchObject({ chargedMicro: credits("0.12"), balanceMicro: credits("0.88"), reservedMicro: 0 });
    expect(w.violations).toEqual([]);

    // while alpha cools down, new tasks are routed to beta from the start
    const next = await w.submit(team.teamId, "ImageToTextTask");
    expect(w.tasks.peek(next.task_id).routing.providerId).toBe("beta");
    expect(w.teams.peek(team.teamId).reservedMicro).toBe(credits("0.12"));
  });

  it("a cooldown without a stated length lasts 5 minutes", async () => {
    const w = world();
    w.adapters.twocaptcha.onSubmit("alpha", upstreamError("cooldown", "ERROR_WRONG_USER_KEY", "The key is wrong."));
    await run(w);
    expect(w.providerStates.cooldowns[0]!.untilMs - submits(w)[0]!.at).toBe(300_000);
  });
});

describe("unsolvable: this provider could not solve this captcha", () => {
  it("ERROR_CAPTCHA_UNSOLVABLE: not charged, the next provider solves it; the cheaper price is charged and the rest released", async () => {
    // speed priority reserves gamma's 0.15 (fastest); gamma fails; alpha (0.1) solves it
    const fastGamma = provider("gamma", "solverv2", image("0.15", 0.9, 1));
    const w2 = world([alpha, fastGamma]);
    w2.adapters.solverv2.onPoll("gamma", upstreamError("unsolvable", "ERROR_CAPTCHA_UNSOLVABLE", "Unsolvable."));
    const { team, task, result } = await run(w2, "1", { priority: "speed" });
    expect(task.attempts.map((a) => [a.providerId, a.state, a.priceMicro])).toEqual([
      ["gamma", "failed", credits("0.15")],
      ["alpha", "solved", credits("0.1")],
    ]);
    expect(result.credits_used).toBe(0.1);
    expect(w2.teams.peek(team.teamId)).toMatchObject({ balanceMicro: credits("0.9"), chargedMicro: credits("0.1"), reservedMicro: 0 });
    expect(w2.providerStates.cooldowns).toEqual([]);
    expect(w2.providerStates.states.get("gamma")?.observed.ImageToTextTask).toMatchObject({ attempts: 1, unsolvable: 1 });
    expect(w2.violations).toEqual([]);
  });

  it("a provider that answers unsolvable to almost everything cools down and stops getting first attempts", async () => {
    const w = world();
    w.adapters.twocaptcha.byDefault("alpha", { poll: () => upstreamError("unsolvable", "ERROR_CAPTCHA_UNSOLVABLE", "Unsolvable.") });
    const team = w.teams.seed(credits("5"));
    const firstTries: string[] = [];
    for (let i = 0; i < 8; i++) {
      const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
      await w.runner.runUntilFinished(task_id);
      const task = w.tasks.peek(task_id);
      expect(task.status).toBe("completed");
      firstTries.push(task.attempts[0]!.providerId);
    }
    // balanced tries the cheap provider first (failover is free) until five unsolvables in a row
    expect(firstTries.slice(0, 5)).toEqual(["alpha", "alpha", "alpha", "alpha", "alpha"]);
    expect(firstTries.slice(5)).toEqual(["beta", "beta", "beta"]);
    expect(w.providerStates.cooldowns).toMatchObject([{ providerId: "alpha", reason: expect.stringMatching(/^MOSTLY_UNSOLVABLE: 5 of the last 5 ImageToTextTask attempts/) }]);
    expect(w.violations).toEqual([]);
  });

  it("failover to a pricier provider reserves the difference and charges its price", async () => {
    const w = world();
    w.adapters.twocaptcha.onPoll("alpha", upstreamError("unsolvable", "ERROR_CAPTCHA_UNSOLVABLE", "Unsolvable."));
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    w.adapters.twocaptcha.onPoll("beta", () => {
      // while beta holds the captcha the task holds beta's price
      expect(w.teams.peek(team.teamId)).toMatchObject({ reservedMicro: credits("0.12"), balanceMicro: credits("0.88") });
      return NOT_READY;
    });
    await w.runner.runUntilFinished(task_id);
    expect(await getResult(w.ctx, team.teamId, task_id)).toMatchObject({ status: "completed", provider: "beta", credits_used: 0.12 });
    expect(w.teams.peek(team.teamId)).toMatchObject({ balanceMicro: credits("0.88"), chargedMicro: credits("0.12"), reservedMicro: 0 });
    expect(w.violations).toEqual([]);
  });

  it("if the balance cannot cover a pricier provider, only providers within the reservation are tried", async () => {
    const cheapToo = provider("delta", "solverv2", image("0.1", 0.6)); // same price as alpha, much less accurate
    const w = world([alpha, beta, cheapToo]);
    w.adapters.twocaptcha.onPoll("alpha", upstreamError("unsolvable", "ERROR_CAPTCHA_UNSOLVABLE", "Unsolvable."));
    const { team, result } = await run(w, "0.1");
    expect(submits(w).map((c) => c.providerId)).toEqual(["alpha", "delta"]);
    expect(result).toMatchObject({ status: "completed", provider: "delta", credits_used: 0.1 });
    expect(w.teams.peek(team.teamId)).toMatchObject({ balanceMicro: 0, chargedMicro: credits("0.1"), reservedMicro: 0 });
    expect(w.violations).toEqual([]);
  });

  it("if no provider fits the reservation, the task fails with a clear error and a full refund", async () => {
    const w = world([alpha, beta]);
    w.adapters.twocaptcha.onPoll("alpha", upstreamError("unsolvable", "ERROR_CAPTCHA_UNSOLVABLE", "Unsolvable."));
    const { team, result } = await run(w, "0.11");
    expect(submits(w).map((c) => c.providerId)).toEqual(["alpha"]);
    expect(result).toMatchObject({ status: "failed", credits_used: null, error: "Insufficient credits to move the task to another provider" });
    expect(w.teams.peek(team.teamId)).toMatchObject({ balanceMicro: credits("0.11"), chargedMicro: 0, reservedMicro: 0 });
    expect(w.violations).toEqual([]);
  });

  it("a failover never takes the team past its monthly budget: the task fails with a full refund when nothing fits", async () => {
    const w = world([alpha, beta]);
    w.adapters.twocaptcha.onPoll("alpha", upstreamError("unsolvable", "ERROR_CAPTCHA_UNSOLVABLE", "Unsolvable."));
    const team = w.teams.seed(credits("5"));
    await w.teams.setMonthlyBudget(team.teamId, credits("0.1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask", { monthlyBudgetMicro: credits("0.1") });
    await w.runner.runUntilFinished(task_id);
    expect(submits(w).map((c) => c.providerId)).toEqual(["alpha"]);
    expect(await getResult(w.ctx, team.teamId, task_id)).toMatchObject({ status: "failed", credits_used: null, error: expect.stringMatching(/^Monthly budget exceeded/) });
    expect(w.teams.peek(team.teamId)).toMatchObject({ balanceMicro: credits("5"), chargedMicro: 0, reservedMicro: 0 });
    expect(await w.teams.monthUsed(team.teamId, "2025-01")).toBe(0);
    expect(w.violations).toEqual([]);
  });

  it("under a monthly budget, a failover stays with providers within what the task reserved", async () => {
    const cheapToo = provider("delta", "solverv2", image("0.1", 0.6));
    const w = world([alpha, beta, cheapToo]);
    w.adapters.twocaptcha.onPoll("alpha", upstreamError("unsolvable", "ERROR_CAPTCHA_UNSOLVABLE", "Unsolvable."));
    const team = w.teams.seed(credits("5"));
    await w.teams.setMonthlyBudget(team.teamId, credits("0.1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask", { monthlyBudgetMicro: credits("0.1") });
    await w.runner.runUntilFinished(task_id);
    expect(submits(w).map((c) => c.providerId)).toEqual(["alpha", "delta"]);
    expect(await getResult(w.ctx, team.teamId, task_id)).toMatchObject({ status: "completed", provider: "delta", credits_used: 0.1 });
    expect(await w.teams.monthUsed(team.teamId, "2025-01")).toBe(credits("0.1"));
    expect(w.violations).toEqual([]);
  });

  it("max_price holds on failover too", async () => {
    const w = world();
    w.adapters.twocaptcha.onPoll("alpha", upstreamError("unsolvable", "ERROR_CAPTCHA_UNSOLVABLE", "Unsolvable."));
    const { team, result } = await run(w, "1", { maxPrice: "0.1" });
    expect(submits(w).map((c) => c.providerId)).toEqual(["alpha"]);
    expect(result.status).toBe("failed");
    expect(result.error).toBe("No provider could solve the task (last error: ERROR_CAPTCHA_UNSOLVABLE: Unsolvable.)");
    expect(w.teams.peek(team.teamId)).toMatchObject({ balanceMicro: credits("1"), chargedMicro: 0, reservedMicro: 0 });
  });

  it("a provider that failed the task is never tried again for it; when all failed, a refunded failure", async () => {
    const w = world();
    for (const id of ["alpha", "beta"]) w.adapters.twocaptcha.byDefault(id, { poll: upstreamError("unsolvable", "ERROR_CAPTCHA_UNSOLVABLE", "Unsolvable.") });
    w.adapters.solverv2.byDefault("gamma", { submit: upstreamError("unsolvable", "ERROR_CAPTCHA_UNSOLVABLE", "Unsolvable.") });
    const { team, task, result } = await run(w);
    expect(submits(w).map((c) => c.providerId)).toEqual(["alpha", "beta", "gamma"]);
    expect(result.status).toBe("failed");
    expect(task.completedAt!).toBeLessThanOrEqual(task.deadlineAt);
    expect(w.teams.peek(team.teamId)).toMatchObject({ balanceMicro: credits("1"), chargedMicro: 0, reservedMicro: 0 });
    expect(w.violations).toEqual([]);
  });
});

describe("bad_request: the task itself is wrong", () => {
  it("fails at once with the upstream's sentence, a full refund, and no other provider tried", async () => {
    const w = world();
    w.adapters.twocaptcha.onSubmit("alpha", upstreamError("bad_request", "ERROR_IMAGE_TYPE_NOT_SUPPORTED", "The image type is not supported; send a JPG, GIF or PNG image."));
    const { team, task, result } = await run(w);
    expect(result).toMatchObject({
      status: "failed",
      error: "The image type is not supported; send a JPG, GIF or PNG image.",
      credits_used: null,
      attempts: [{ provider: "alpha", state: "failed", error: "ERROR_IMAGE_TYPE_NOT_SUPPORTED: The image type is not supported; send a JPG, GIF or PNG image." }],
    });
    expect(submits(w)).toHaveLength(1);
    expect(task.completedAt).toBe(submits(w)[0]!.at);
    expect(w.teams.peek(team.teamId)).toMatchObject({ balanceMicro: credits("1"), chargedMicro: 0, reservedMicro: 0 });
    expect(w.providerStates.cooldowns).toEqual([]);
    expect(w.tasks.usage).toMatchObject([{ completed: false, chargedMicro: 0, providerId: "alpha" }]);
  });

  it("does not count against the provider's figures: one team's malformed tasks must not steer everyone's routing", async () => {
    const w = world();
    w.adapters.twocaptcha.onSubmit("alpha", upstreamError("bad_request", "ERROR_ZERO_CAPTCHA_FILESIZE", "The image is smaller than 100 bytes."));
    await run(w);
    expect(w.providerStates.states.get("alpha")?.observed.ImageToTextTask).toBeUndefined();
  });

  it("a bad request found while polling also fails at once", async () => {
    const w = world();
    w.adapters.twocaptcha.onPoll("alpha", upstreamError("bad_request", "ERROR_BAD_PARAMETERS", "The page URL is invalid."));
    const { result } = await run(w);
    expect(result).toMatchObject({ status: "failed", error: "The page URL is invalid." });
    expect(submits(w)).toHaveLength(1);
  });
});

describe("when every provider is cooling down", () => {
  it("a new task waits for the first provider back instead of failing", async () => {
    const w = world();
    w.providerStates.cool("alpha", w.clock.now() + 30_000);
    w.providerStates.cool("beta", w.clock.now() + 60_000);
    w.providerStates.cool("gamma", w.clock.now() + 90_000);
    const { result } = await run(w);
    expect(submits(w)[0]).toMatchObject({ providerId: "alpha" });
    expect(submits(w)[0]!.at - w.tasks.peek(result.task_id).createdAt).toBe(30_000);
    expect(result.status).toBe("completed");
  });

  it("a task already under way waits for a cooled provider rather than fail, if its deadline allows", async () => {
    const w = world([alpha, beta]);
    w.adapters.twocaptcha.onSubmit("alpha", upstreamError("cooldown", "ERROR_ZERO_BALANCE", "No balance.", 300));
    w.providerStates.cool("beta", w.clock.now() + 20_000);
    const { result } = await run(w);
    expect(result).toMatchObject({ status: "completed", provider: "beta" });
    expect(submits(w)[1]!.at - submits(w)[0]!.at).toBeGreaterThanOrEqual(20_000);
  });
});

describe("an account's pace queue outgrowing the wait", () => {
  // alpha is paced to 1 submit/s; gamma is dearer but free.
  const paced = { ...alpha, limits: { submitsPerSecond: 1 } };
  const nearly = provider("nearly", "solverv2", image("0.101"));

  it("a task planned for an account whose submits got booked a minute ahead meanwhile goes to a free provider at once, the difference reserved", async () => {
    const w = world([paced, nearly]);
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    expect(w.tasks.peek(task_id).routing.providerId).toBe("alpha");
    // Other instances book alpha's next 60 s before this task's submit step runs.
    for (let i = 0; i < 60; i++) await w.providerStates.reserveSubmitSlot("alpha", 1000, w.clock.now());
    const startedAt = w.clock.now();
    await w.runner.runUntilFinished(task_id);
    expect(submits(w).map((c) => [c.providerId, c.at - startedAt])).toEqual([["nearly", 0]]);
    const task = w.tasks.peek(task_id);
    expect(task).toMatchObject({ status: "completed", chargedMicro: credits("0.101") });
    expect(w.teams.peek(team.teamId)).toMatchObject({ balanceMicro: credits("0.899"), reservedMicro: 0 });
  });

  it("a short queue (within the resend wait) keeps the planned account: the submit waits for its slot", async () => {
    const w = world([paced, nearly]);
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    for (let i = 0; i < 5; i++) await w.providerStates.reserveSubmitSlot("alpha", 1000, w.clock.now());
    const startedAt = w.clock.now();
    await w.runner.runUntilFinished(task_id);
    const [call] = submits(w);
    expect(call?.providerId).toBe("alpha");
    expect(call!.at - startedAt).toBeGreaterThanOrEqual(5000);
    expect(w.tasks.peek(task_id)).toMatchObject({ status: "completed", chargedMicro: credits("0.1") });
  });
});
