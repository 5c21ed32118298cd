// Seeded random runs: several teams' tasks against upstreams answering anything the fault
// classes allow, with duplicate deliveries, dying workers and lost messages mixed in. Whatever
// happens, the money rules (moneyViolations in ./fakes.ts) hold and every task ends.
import { describe, expect, it } from "vitest";
import { isFinished, mulberry32 as prng, type PollOutcome, type SubmitOutcome, type TaskType } from "../src/index.ts";
import { createWorld, credits, NOT_READY, provider, solutionFor, upstreamError } from "./fakes.ts";

function pick<T>(random: () => number, table: [number, T][]): T {
  let x = random() * table.reduce((s, [w]) => s + w, 0);
  for (const [w, v] of table) if ((x -= w) < 0) return v;
  return table[table.length - 1]![1];
}

const TYPES: TaskType[] = ["ImageToTextTask", "RecaptchaV2Task", "TurnstileTask", "HcaptchaImageTask"];

function scenario(seed: number, chaos: { duplicates: boolean; crashes: boolean; drops: boolean }) {
  const random = prng(seed);
  const all = (price: string, seconds: number) =>
    Object.fromEntries(TYPES.map((t) => [t, { price, seconds, accuracy: 0.9 }])) as Parameters<typeof provider>[2];
  const w = createWorld({
    providers: [
      provider("alpha", "twocaptcha", all("0.1", 10)),
      provider("beta", "twocaptcha", all("0.12", 8)),
      provider("gamma", "solverv2", all("0.2", 5)),
      provider("ace", "acedata", { HcaptchaImageTask: { price: "0.09", seconds: 3, accuracy: 0.85 } }),
    ],
    explorationShare: 0.1,
    random,
  });
  const submitAnswer = (): SubmitOutcome =>
    pick<SubmitOutcome>(random, [
      [70, { kind: "submitted", upstreamId: `u${Math.floor(random() * 1e9)}` }],
      [8, upstreamError("retry", "ERROR_NO_SLOT_AVAILABLE", "No slot.", 5)],
      [4, upstreamError("retry", "HTTP_502", "Bad gateway.")],
      [6, upstreamError("unsolvable", "ERROR_CAPTCHA_UNSOLVABLE", "Unsolvable.")],
      [4, upstreamError("cooldown", "ERROR_ZERO_BALANCE", "No balance.", 60)],
      [3, upstreamError("bad_request", "ERROR_PAGEURL", "Bad page URL.")],
    ]);
  const pollAnswer = (type: TaskType) => (): PollOutcome =>
    pick<PollOutcome>(random, [
      [55, NOT_READY],
      [30, { kind: "solved", solution: solutionFor(type) }],
      [6, upstreamError("unsolvable", "ERROR_CAPTCHA_UNSOLVABLE", "Unsolvable.")],
      [6, upstreamError("retry", "HTTP_503", "Unavailable.")],
      [3, upstreamError("cooldown", "ERROR_IP_BANNED", "Banned.", 120)],
    ]);
  for (const id of ["alpha", "beta"]) w.adapters.twocaptcha.byDefault(id, { submit: submitAnswer, poll: () => pollAnswer("ImageToTextTask")() });
  w.adapters.solverv2.byDefault("gamma", { submit: submitAnswer, poll: () => pollAnswer("ImageToTextTask")() });
  w.adapters.acedata.byDefault("ace", {
    submit: (task) =>
      pick<SubmitOutcome>(random, [
        [80, { kind: "solved", solution: solutionFor(task.type) }],
        [10, upstreamError("retry", "TIMEOUT", "Timed out.", 5)],
        [10, upstreamError("unsolvable", "NO_ANSWER", "No answer.")],
      ]),
  });
  w.queue.duplicateEverything = chaos.duplicates;
  w.queue.duplicateDelaySeconds = Math.floor(random() * 3);
  if (chaos.crashes) for (let i = 0; i < 3; i++) w.tasks.crashOnWrite(1 + Math.floor(random() * 25), random() < 0.5 ? "before" : "after");
  // Lost task-step messages are recovered by the sweeper. A callback message is queued before the
  // task's final write (so no crash loses it) but nothing re-sends one SQS lost after accepting it:
  // callbacks are at-least-once as far as SQS keeps what it accepted, so only task steps are dropped.
  if (chaos.drops) for (let i = 0; i < 2; i++) w.queue.dropNext((message) => message.kind === "task" && random() < 0.08);
  return { w, random };
}

describe.each([
  ["upstream chaos only", { duplicates: false, crashes: false, drops: false }],
  ["plus every message twice", { duplicates: true, crashes: false, drops: false }],
  ["plus dying workers and lost messages", { duplicates: true, crashes: true, drops: true }],
])("%s", (_, chaos) => {
  it.each(Array.from({ length: 12 }, (_, i) => i + 1))("seed %i: every task ends once, honestly", async (seed) => {
    const { w, random } = scenario(seed * 7919, chaos);
    const teams = [w.teams.seed(credits("2")), w.teams.seed(credits("0.5"))];
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const team = teams[i % 2]!;
      const type = TYPES[Math.floor(random() * TYPES.length)]!;
      const priority = pick(random, [[1, "speed"], [2, "balanced"], [1, "accuracy"]] as const);
      try {
        ids.push((await w.submit(team.teamId, type, { priority, callbackUrl: "https://t.example/cb" })).task_id);
      } catch {
        // refused (402 or all providers cooling): nothing may be held for it
      }
      w.clock.advance(Math.floor(random() * 20));
    }
    await w.runner.run({ maxSeconds: 4 * 3600 });

    expect(w.violations).toEqual([]);
    expect(w.runner.deadLetters).toEqual([]);
    for (const team of teams) expect(w.teams.peek(team.teamId).reservedMicro).toBe(0);
    const calls = w.upstreamCalls();
    for (const id of ids) {
      const task = w.tasks.peek(id);
      expect(isFinished(task.status), `${id} ${task.status}`).toBe(true);
      // late only when a message was lost or a worker died (the sweeper's grace and cadence)
      const slack = chaos.crashes || chaos.drops ? 130_000 : 0;
      expect(task.completedAt! - task.deadlineAt, `${id} ended after its deadline`).toBeLessThanOrEqual(slack);
      expect(w.tasks.usage.filter((u) => u.teamId === task.teamId && u.type === task.type).length).toBeGreaterThanOrEqual(1);
      const solved = task.attempts.filter((a) => a.state === "solved");
      if (task.status === "completed") {
        expect(solved).toHaveLength(1);
        expect(task.chargedMicro).toBe(solved[0]!.priceMicro);
        expect(task.solution).toBeDefined();
      } else {
        expect(solved).toHaveLength(0);
        expect(task.chargedMicro ?? 0).toBe(0);
        expect(task.error).toBeTruthy();
      }
      for (const a of task.attempts) {
        if (!a.upstreamId) continue;
        expect(calls.filter((c) => c.op === "poll" && c.upstreamId === a.upstreamId).length).toBeLessThanOrEqual(20);
      }
    }
    // one usage event per ended task, charged what the tasks were charged
    expect(w.tasks.usage).toHaveLength(ids.length);
    for (const team of teams) {
      const charged = ids.map((id) => w.tasks.peek(id)).filter((t) => t.teamId === team.teamId).reduce((s, t) => s + (t.chargedMicro ?? 0), 0);
      expect(w.teams.peek(team.teamId).chargedMicro).toBe(charged);
    }
    // every task's callback was POSTed at least once, with its final result
    for (const id of ids) {
      expect(w.callbacks.posts.some((p) => (p.body as { task_id: string }).task_id === id), `callback of ${id}`).toBe(true);
    }
  });
});
