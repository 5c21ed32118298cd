// The observation window (observations.ts): the routing figures are what the router observed
// in the last hour, so a provider that degrades after a long good run loses its traffic within
// the window instead of living on its history; observations older than the window stop counting.
import { describe, expect, it } from "vitest";
import {
  OBSERVATION_WINDOW,
  bucketStartOf,
  route,
  windowStartOf,
  type AttemptResult,
  type Priority,
  type ProviderStateStore,
  type RouteResult,
} from "../src/index.ts";
import { createWorld, FakeClock, FakeProviderStateStore, provider, START_MS } from "./fakes.ts";

const MINUTE = 60_000;
const at = (minutes: number) => START_MS + minutes * MINUTE;

function routedTo(result: RouteResult): string {
  if (result.kind !== "routed") throw new Error(`expected a provider, got ${JSON.stringify(result)}`);
  return result.provider.id;
}

describe("buckets", () => {
  it("10-minute buckets, six of them counted: the current one and the five before it", () => {
    expect(OBSERVATION_WINDOW).toEqual({ bucketMs: 10 * MINUTE, buckets: 6 });
    expect(bucketStartOf(at(0))).toBe(at(0)); // START_MS is 12:00:00
    expect(bucketStartOf(at(9.99))).toBe(at(0));
    expect(bucketStartOf(at(10))).toBe(at(10));
    expect(windowStartOf(at(59.99))).toBe(at(0));
    expect(windowStartOf(at(60))).toBe(at(10));
    expect(windowStartOf(at(7), { bucketMs: 5 * MINUTE, buckets: 2 })).toBe(at(0));
  });
});

describe("old buckets stop counting", () => {
  const solved: AttemptResult = { kind: "solved", solveSeconds: 3 };

  it("an observation counts for 50 to 60 minutes, until its bucket leaves the window; cooldowns are not windowed", async () => {
    const clock = new FakeClock();
    const store = new FakeProviderStateStore(clock);
    await store.recordAttempt("alpha", "ImageToTextTask", solved); // 12:00, first bucket
    clock.set(at(9.5));
    await store.recordAttempt("alpha", "ImageToTextTask", { kind: "unsolvable" }); // 12:09:30, same bucket
    await store.recordReport("alpha", "ImageToTextTask", false);
    clock.set(at(10));
    await store.recordAttempt("alpha", "ImageToTextTask", solved); // 12:10, second bucket
    await store.recordAttempt("alpha", "TextCaptchaTask", { kind: "error" });
    await store.setCooldown("alpha", at(70), "ERROR_ZERO_BALANCE");

    const observed = async () => (await store.list()).find((s) => s.providerId === "alpha")?.observed;
    clock.set(at(59.99));
    expect(await observed()).toEqual({
      ImageToTextTask: { attempts: 3, solved: 2, unsolvable: 1, errors: 0, solveSecondsTotal: 6, reportsGood: 0, reportsBad: 1 },
      TextCaptchaTask: { attempts: 1, solved: 0, unsolvable: 0, errors: 1, solveSecondsTotal: 0, reportsGood: 0, reportsBad: 0 },
    });
    clock.set(at(60)); // the 12:00 bucket leaves
    expect((await observed())?.ImageToTextTask).toEqual({ attempts: 1, solved: 1, unsolvable: 0, errors: 0, solveSecondsTotal: 3, reportsGood: 0, reportsBad: 0 });
    clock.set(at(70)); // and the 12:10 one
    expect(await store.list()).toEqual([{ providerId: "alpha", cooldownUntil: at(70), cooldownReason: "ERROR_ZERO_BALANCE", observed: {} }]);
  });

  it("the worker's observations go to the bucket of the world's clock and are gone an hour later", async () => {
    const alpha = provider("alpha", "twocaptcha", { ImageToTextTask: { price: "0.1", seconds: 3, accuracy: 0.9 } });
    const w = createWorld({ providers: [alpha] });
    const team = w.teams.seed(1_000_000);
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    await w.runner.runUntilFinished(task_id);
    expect(w.providerStates.states.get("alpha")?.observed.ImageToTextTask).toMatchObject({ attempts: 1, solved: 1 });
    w.clock.advance(60 * 60);
    expect(w.providerStates.states.get("alpha")?.observed.ImageToTextTask).toBeUndefined();
  });
});

describe("a provider that degrades after a long good run", () => {
  // Same table speed and accuracy; cheap is cheaper, usual a little slower.
  const cheap = provider("cheap", "twocaptcha", { ImageToTextTask: { price: "0.075", seconds: 3, accuracy: 0.9 } });
  const usual = provider("usual", "twocaptcha", { ImageToTextTask: { price: "0.1", seconds: 4, accuracy: 0.9 } });
  const providers = [cheap, usual];

  /**
   * Ten good hours (cheap: 10 attempts a minute, 29 in 30 solved in 3 s; usual: 2 a minute
   * solved in 4 s), then cheap answers 1 captcha in 10, in 9 s. Returns, per priority, the
   * first minute after the degradation from which every later minute (up to `after`) routes
   * away from cheap, or undefined if cheap still has the traffic at the end.
   */
  async function minutesToLeave(store: ProviderStateStore, clock: FakeClock, after: number) {
    let n = 0;
    for (let minute = 0; minute < 600; minute++) {
      clock.set(at(minute));
      for (let i = 0; i < 10; i++) await store.recordAttempt("cheap", "ImageToTextTask", ++n % 30 === 0 ? { kind: "unsolvable" } : { kind: "solved", solveSeconds: 3 });
      for (let i = 0; i < 2; i++) await store.recordAttempt("usual", "ImageToTextTask", { kind: "solved", solveSeconds: 4 });
    }
    const left: Partial<Record<Priority, number>> = {};
    const chose: Partial<Record<Priority, boolean>> = {};
    for (let minute = 600; minute <= 600 + after; minute++) {
      clock.set(at(minute));
      const states = await store.list();
      for (const priority of ["speed", "balanced"] as const) {
        const to = routedTo(route({ type: "ImageToTextTask", priority }, providers, states, { nowMs: clock.now() }));
        if (to === "cheap") {
          delete left[priority];
          chose[priority] = true;
        } else left[priority] ??= minute - 600;
      }
      for (let i = 0; i < 10; i++) await store.recordAttempt("cheap", "ImageToTextTask", i === 0 ? { kind: "solved", solveSeconds: 9 } : { kind: "unsolvable" });
      for (let i = 0; i < 2; i++) await store.recordAttempt("usual", "ImageToTextTask", { kind: "solved", solveSeconds: 4 });
    }
    return { left, choseCheap: chose };
  }

  it("loses speed traffic within minutes and balanced traffic within the window", async () => {
    const clock = new FakeClock();
    const { left, choseCheap } = await minutesToLeave(new FakeProviderStateStore(clock), clock, 120);
    expect(choseCheap).toEqual({ speed: true, balanced: true }); // it was the choice before
    expect(left.speed).toBeLessThanOrEqual(20);
    expect(left.balanced).toBeLessThanOrEqual(60);
  });

  it("with counters since the start (the window as long as the history), it would keep both for hours", async () => {
    const clock = new FakeClock();
    const lifetime = new FakeProviderStateStore(clock, { bucketMs: 24 * 60 * MINUTE, buckets: 1_000 });
    const { left } = await minutesToLeave(lifetime, clock, 120);
    expect(left).toEqual({});
  });
});
