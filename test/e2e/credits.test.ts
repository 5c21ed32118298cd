/**
 * Issue 2, "must show": credits over real HTTP. A short balance is refused with docs/api.md's exact
 * 402 and changes nothing; parallel submits cannot overshoot a balance; Idempotency-Key charges
 * once; failed tasks (unsolvable on the only provider, or a bad request) release everything.
 * Money is compared as integer micro-credits.
 */
import { generateApiKey } from "@solver-router/core";
import { startTwocaptchaSandbox, type TwocaptchaSandbox } from "@solver-router/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTeam,
  fakeImage,
  inPhpRequests,
  micro,
  startStack,
  teamState,
  twocaptchaProviderEntry,
  waitForEnd,
  writeProvidersFile,
  type LocalStack,
} from "./support.ts";

const IMAGE_PRICE = 0.15;
const TEXT_PRICE = 0.123457;
const COORDINATES_PRICE = 0.1;

describe("credits: reservations, refusals, idempotency and refunds", () => {
  let stack: LocalStack;
  let sandbox: TwocaptchaSandbox;

  beforeAll(async () => {
    const key = generateApiKey();
    sandbox = await startTwocaptchaSandbox({ port: 0, apiKey: key, name: "e2e-credits", solveAfterMs: 200 });
    const providersFile = await writeProvidersFile([
      twocaptchaProviderEntry("2captcha", sandbox.url, key, {
        ImageToTextTask: { price: IMAGE_PRICE, solve_seconds: 5, accuracy: 0.9 },
        TextCaptchaTask: { price: TEXT_PRICE, solve_seconds: 5, accuracy: 0.9 },
        CoordinatesTask: { price: COORDINATES_PRICE, solve_seconds: 5, accuracy: 0.9 },
      }),
    ]);
    stack = await startStack({ providersFile });
  });

  afterAll(async () => {
    await stack?.stop();
    await sandbox?.close();
  });

  it('refuses a 0.15 task on a 0.05 balance with exactly 402 {"detail": "Insufficient credits. Need 0.15, have 0.05"} and changes nothing', async () => {
    const { api } = await createTeam(stack, "poor", 0.05);
    const before = await teamState(api);
    expect(before.account).toMatchObject({ balance: 0.05, reserved: 0 });
    const submitsBefore = inPhpRequests(sandbox, () => true).length;

    const typed = await api.request("POST", "/v2/solver/image", { body: { image: fakeImage() } });
    expect(typed.status).toBe(402);
    expect(typed.body).toEqual({ detail: "Insufficient credits. Need 0.15, have 0.05" });
    const unified = await api.request("POST", "/v2/solver/task", { body: { type: "ImageToTextTask", image: fakeImage() } });
    expect(unified.status).toBe(402);
    expect(unified.body).toEqual({ detail: "Insufficient credits. Need 0.15, have 0.05" });

    const after = await teamState(api);
    expect(after).toEqual(before);
    expect(after.tasks).toEqual({ total: 0, limit: 100, offset: 0, next_cursor: null, tasks: [] });
    expect(inPhpRequests(sandbox, () => true).length).toBe(submitsBefore);
  });

  it("30 parallel submits on a balance covering 7: exactly 7 accepted, 23 refused with 402, balance never below zero, balance + Σ credits_used == starting credits", async () => {
    const start = 7 * TEXT_PRICE + 0.1; // 0.964199: 7 tasks fit, an 8th does not
    const { api } = await createTeam(stack, "burst", start.toFixed(6));
    expect(micro((await api.request("GET", "/v2/account")).body.balance)).toBe(micro(start));

    // Watch the account while the burst runs.
    const samples: { balance: number; reserved: number }[] = [];
    let bursting = true;
    const watcher = (async () => {
      while (bursting) {
        const { body } = await api.request("GET", "/v2/account");
        samples.push({ balance: body.balance, reserved: body.reserved });
      }
    })();
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => api.request("POST", "/v2/solver/text", { body: { question: `burst question ${i}: what is ${i}+1?` } })),
    );
    bursting = false;
    await watcher;

    const accepted = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 402);
    expect(answers.map((a) => a.status).filter((s) => s !== 200 && s !== 402), JSON.stringify(answers.map((a) => a.body))).toEqual([]);
    expect(accepted).toHaveLength(7);
    expect(refused).toHaveLength(23);
    for (const r of refused) expect(r.body).toEqual({ detail: "Insufficient credits. Need 0.123457, have 0.1" });
    expect(samples.length).toBeGreaterThan(0);
    for (const s of samples) {
      expect(s.balance).toBeGreaterThanOrEqual(0);
      expect(s.reserved).toBeGreaterThanOrEqual(0);
      expect(micro(s.balance) + micro(s.reserved)).toBeLessThanOrEqual(micro(start));
    }

    const results = await Promise.all(accepted.map((a) => waitForEnd(api, a.body.task_id)));
    for (const r of results) expect(r).toMatchObject({ status: "completed", credits_used: TEXT_PRICE });
    const { account, tasks } = await teamState(api);
    const charged = results.reduce((sum, r) => sum + micro(r.credits_used), 0);
    expect(micro(account.balance) + charged).toBe(micro(start));
    expect(micro(account.balance)).toBe(micro(0.1));
    expect(account.reserved).toBe(0);
    expect(tasks.total).toBe(7);
    // Only the accepted tasks reached the upstream, once each.
    expect(inPhpRequests(sandbox, (p) => p.textcaptcha?.startsWith("burst question") ?? false)).toHaveLength(7);
  });

  it("Idempotency-Key: the same submit twice (in sequence, and twice at once) returns the same task_id and charges once; another team's same key is its own", async () => {
    const { api } = await createTeam(stack, "idempotent", 1);
    const body = { image: fakeImage(), instructions: "idempotent-sequential" };
    const first = await api.request("POST", "/v2/solver/image", { body, headers: { "idempotency-key": "retry-me-1" } });
    const second = await api.request("POST", "/v2/solver/image", { body, headers: { "idempotency-key": "retry-me-1" } });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body.task_id).toBe(first.body.task_id);

    const concurrentBody = { image: fakeImage(), instructions: "idempotent-concurrent" };
    const pair = await Promise.all(
      [0, 1].map(() => api.request("POST", "/v2/solver/image", { body: concurrentBody, headers: { "idempotency-key": "retry-me-2" } })),
    );
    expect(pair.map((p) => p.status), JSON.stringify(pair.map((p) => p.body))).toEqual([200, 200]);
    expect(pair[1]!.body.task_id).toBe(pair[0]!.body.task_id);
    expect(pair[0]!.body.task_id).not.toBe(first.body.task_id);

    // Keys belong to a team: another team's identical key is another task.
    const other = await createTeam(stack, "idempotent-other", 1);
    const theirs = await other.api.request("POST", "/v2/solver/image", { body, headers: { "idempotency-key": "retry-me-1" } });
    expect(theirs.status).toBe(200);
    expect(theirs.body.task_id).not.toBe(first.body.task_id);

    const results = await Promise.all([first.body.task_id, pair[0]!.body.task_id].map((id) => waitForEnd(api, id)));
    for (const r of results) expect(r).toMatchObject({ status: "completed", credits_used: IMAGE_PRICE });
    await waitForEnd(other.api, theirs.body.task_id);
    const { account, tasks } = await teamState(api);
    expect(micro(account.balance)).toBe(micro(1) - 2 * micro(IMAGE_PRICE));
    expect(account.reserved).toBe(0);
    expect(tasks.total).toBe(2);
    expect(inPhpRequests(sandbox, (p) => p.textinstructions === "idempotent-sequential")).toHaveLength(2); // ours + the other team's
    expect(inPhpRequests(sandbox, (p) => p.textinstructions === "idempotent-concurrent")).toHaveLength(1);
    // A retry after the task ended still answers with the same task, and still charges nothing more.
    const late = await api.request("POST", "/v2/solver/image", { body, headers: { "idempotency-key": "retry-me-1" } });
    expect(late.status).toBe(200);
    expect(late.body.task_id).toBe(first.body.task_id);
    expect(micro((await api.request("GET", "/v2/account")).body.balance)).toBe(micro(1) - 2 * micro(IMAGE_PRICE));
  });

  it("a task its only provider cannot solve (sandbox fault ERROR_CAPTCHA_UNSOLVABLE) fails and releases everything: credits_used null, balance back, nothing reserved", async () => {
    const { api } = await createTeam(stack, "unsolvable", 1);
    const before = await teamState(api);
    sandbox.setFault("unsolvable");
    try {
      const submitted = await api.request("POST", "/v2/solver/coordinates", { body: { image: fakeImage(), instructions: "unsolvable-fault" } });
      expect(submitted.status).toBe(200);
      const during = await api.request("GET", "/v2/account");
      expect(micro(during.body.balance)).toBe(micro(1) - micro(COORDINATES_PRICE));
      expect(micro(during.body.reserved)).toBe(micro(COORDINATES_PRICE));

      const result = await waitForEnd(api, submitted.body.task_id);
      expect(result).toMatchObject({ status: "failed", credits_used: null, solution: null, provider: "2captcha" });
      expect(result.error).toEqual(expect.any(String));
      expect(result.completed_at).toEqual(expect.any(String));
    } finally {
      sandbox.setFault(null);
    }
    const after = await teamState(api);
    expect(after.account).toEqual(before.account);
    expect(after.tasks.tasks).toEqual([expect.objectContaining({ status: "failed", credits_used: null, captcha_type: "CoordinatesTask" })]);
  });

  it("a bad request upstream (image under 100 bytes → ERROR_ZERO_CAPTCHA_FILESIZE) fails with a clear error and releases everything", async () => {
    const { api } = await createTeam(stack, "tiny-image", 1);
    const before = await teamState(api);
    const submitted = await api.request("POST", "/v2/solver/image", { body: { image: fakeImage(60), instructions: "tiny-image" } });
    expect(submitted.status).toBe(200);
    const result = await waitForEnd(api, submitted.body.task_id);
    expect(result).toMatchObject({ status: "failed", credits_used: null, solution: null });
    expect(result.error).toMatch(/100 bytes/);
    expect(inPhpRequests(sandbox, (p) => p.textinstructions === "tiny-image")).toHaveLength(1); // failed, not retried elsewhere
    const after = await teamState(api);
    expect(after.account).toEqual(before.account);
    expect(after.tasks.tasks).toEqual([expect.objectContaining({ status: "failed", credits_used: null })]);
  });
});
