/**
 * Issue 3, routing and failover end to end: four upstreams started here (two `twocaptcha`
 * sandboxes as "2captcha" and "solvecaptcha", one acedata, one solverv2) configured through a
 * providers file (docs/api.md's format, with solverv2's per-priority `prices`), the whole local
 * stack, real HTTP.
 *
 *  - routing: balanced takes the cheapest of equal accuracy, speed the fastest, accuracy the
 *    most accurate (the result's `provider` and `routing` say so); max_price is never exceeded,
 *    not even when failing over, and a task nothing can serve within it is a 400 that says why;
 *    GET /v2/solver/pricing shows each priority's price, cooldowns included.
 *  - faults on the cheapest twocaptcha sandbox (solvecaptcha), one after the other:
 *    unsolvable (not charged, next provider, no cooldown), zero_balance (on submit: cooldown),
 *    http_500 (while a task is being polled there: cooldown). Every task ends on another
 *    provider within its deadline, charged exactly that provider's price (failed attempts cost
 *    nothing; the team's balance is exact to the micro-credit); the faulty provider shows its
 *    cooldown in GET /v2/admin/providers and gets no new task while it lasts.
 * Prices have odd micro-credit digits so exact charging shows.
 */
import { generateApiKey, taskDeadlineSeconds, type TaskType } from "@solver-router/core";
import {
  startAcedataSandbox,
  startSolverv2Sandbox,
  startTwocaptchaSandbox,
  type AcedataSandbox,
  type Solverv2Sandbox,
  type TwocaptchaSandbox,
} from "@solver-router/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  client,
  createTeam,
  fakeImage,
  inPhpRequests,
  micro,
  sleep,
  startStack,
  twocaptchaProviderEntry,
  waitForEnd,
  writeProvidersFile,
  type Client,
  type LocalStack,
} from "./support.ts";

const TEAM_CREDITS = 20;
/** A failover is a queue message without delay: the next attempt starts within seconds. */
const FAILOVER_SECONDS = 10;

/** The providers file's figures. Hcaptcha: solvecaptcha cheapest at equal accuracy, acedata fastest, solverv2 most accurate. */
const TABLE = {
  "2captcha": {
    ImageToTextTask: { price: "0.100001", solve_seconds: 2, accuracy: 0.9 },
    TextCaptchaTask: { price: "0.100003", solve_seconds: 5, accuracy: 0.9 },
    CoordinatesTask: { price: "0.120011", solve_seconds: 10, accuracy: 0.9 },
    HcaptchaImageTask: { price: "0.120011", solve_seconds: 10, accuracy: 0.85 },
  },
  solvecaptcha: {
    ImageToTextTask: { price: "0.075003", solve_seconds: 3, accuracy: 0.9 },
    TextCaptchaTask: { price: "0.080007", solve_seconds: 5, accuracy: 0.9 },
    CoordinatesTask: { price: "0.100013", solve_seconds: 10, accuracy: 0.9 },
    HcaptchaImageTask: { price: "0.100013", solve_seconds: 12, accuracy: 0.85 },
  },
  acedata: { HcaptchaImageTask: { price: "0.100019", solve_seconds: 2, accuracy: 0.8 } },
  solverv2: {
    HcaptchaImageTask: {
      price: "0.150017",
      prices: { speed: "0.100021", balanced: "0.150017", accuracy: "0.250023" },
      solve_seconds: 15,
      accuracy: 0.95,
    },
  },
} as const;

const price = (provider: keyof typeof TABLE, type: TaskType, priority: "speed" | "balanced" | "accuracy" = "balanced"): number => {
  const row = (TABLE[provider] as Record<string, { price: string; prices?: Record<string, string> }>)[type]!;
  return Number(row.prices?.[priority] ?? row.price);
};

const image = fakeImage(400);
const BODY = {
  ImageToTextTask: () => ({ path: "/v2/solver/image", body: { image } }),
  TextCaptchaTask: () => ({ path: "/v2/solver/text", body: { question: "If tomorrow is Saturday, what day is today?" } }),
  CoordinatesTask: () => ({ path: "/v2/solver/coordinates", body: { image, instructions: "click the cat" } }),
  HcaptchaImageTask: () => ({ path: "/v2/solver/hcaptcha/image", body: { images: [image], question: "Please click each image containing a bus" } }),
} as const;
type RoutedType = keyof typeof BODY;

describe("routing by priority, max_price, and failover when the cheapest provider fails", () => {
  let twocaptcha: TwocaptchaSandbox;
  let solvecaptcha: TwocaptchaSandbox;
  let acedata: AcedataSandbox;
  let solverv2: Solverv2Sandbox;
  let stack: LocalStack;
  let api: Client;
  let admin: Client;
  /** Every credits_used of a completed task, in micro-credits: the balance must be exactly what is left. */
  const charged: number[] = [];

  beforeAll(async () => {
    const key = generateApiKey();
    [twocaptcha, solvecaptcha, acedata, solverv2] = await Promise.all([
      startTwocaptchaSandbox({ apiKey: key, name: "2captcha", solveAfterMs: 300 }),
      // Text captchas take a minute here: one stays in polling while the faults change.
      startTwocaptchaSandbox({ apiKey: key, name: "solvecaptcha", solveAfterMs: { normal: 300, coordinates: 300, text: 60_000 } }),
      startAcedataSandbox({ name: "acedata" }),
      startSolverv2Sandbox({ name: "solverv2", solveAfterMs: 300 }),
    ]);
    const providersFile = await writeProvidersFile([
      twocaptchaProviderEntry("2captcha", twocaptcha.url, key, TABLE["2captcha"]),
      twocaptchaProviderEntry("solvecaptcha", solvecaptcha.url, key, TABLE.solvecaptcha),
      { id: "acedata", protocol: "acedata", base_url: acedata.url, api_key: acedata.apiKey, enabled: true, tasks: TABLE.acedata },
      { id: "solverv2", protocol: "solverv2", base_url: solverv2.url, api_key: solverv2.apiKey, enabled: true, tasks: TABLE.solverv2 },
    ]);
    // Pingback off: this file checks failover on result-request faults (upstream-flow.test.ts covers pingback).
    stack = await startStack({ providersFile, publicUrl: false });
    ({ api } = await createTeam(stack, "routing", TEAM_CREDITS));
    admin = client(stack, stack.adminKey);
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([twocaptcha?.close(), solvecaptcha?.close(), acedata?.close(), solverv2?.close()]);
  });

  async function submit(type: RoutedType, options: { priority?: string; max_price?: number } = {}) {
    const { path, body } = BODY[type]();
    return api.request("POST", path, { body: { ...body, ...options } });
  }

  /** Submits, waits for the end, and checks what every ended task must satisfy. */
  async function solve(type: RoutedType, options: { priority?: string; max_price?: number } = {}) {
    const submitted = await submit(type, options);
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
    const result = await waitForEnd(api, submitted.body.task_id, 150_000);
    if (result.status === "completed") {
      charged.push(micro(result.credits_used));
      expect(result.processing_time).toBeLessThan(taskDeadlineSeconds(type));
      if (options.max_price !== undefined) expect(micro(result.credits_used)).toBeLessThanOrEqual(micro(options.max_price));
    }
    return result;
  }

  async function providerView(id: string) {
    const { status, body } = await admin.request("GET", "/v2/admin/providers");
    expect(status).toBe(200);
    return body.providers.find((p: { id: string }) => p.id === id);
  }

  async function pricing(): Promise<Record<string, { speed: number | null; balanced: number | null; accuracy: number | null }>> {
    const { status, body } = await api.request("GET", "/v2/solver/pricing", { key: null });
    expect(status).toBe(200);
    return Object.fromEntries(body.pricing.map((row: { task_type: string }) => [row.task_type, row]));
  }

  it("GET /v2/solver/pricing shows the price of the provider each priority would take", async () => {
    const rows = await pricing();
    expect(Object.keys(rows).sort()).toEqual(["CoordinatesTask", "HcaptchaImageTask", "ImageToTextTask", "TextCaptchaTask"]);
    expect(rows.HcaptchaImageTask).toMatchObject({
      speed: price("acedata", "HcaptchaImageTask"),
      balanced: price("solvecaptcha", "HcaptchaImageTask"),
      accuracy: price("solverv2", "HcaptchaImageTask", "accuracy"),
    });
    expect(rows.ImageToTextTask).toMatchObject({
      speed: price("2captcha", "ImageToTextTask"),
      balanced: price("solvecaptcha", "ImageToTextTask"),
      accuracy: price("solvecaptcha", "ImageToTextTask"), // equal accuracy: the cheaper
    });
  });

  it("balanced → cheapest of equal accuracy, speed → fastest, accuracy → most accurate; max_price is a hard limit", async () => {
    const [hBalanced, hSpeed, hAccuracy, iSpeed, iBalanced, capped, tooCheap, tooCheapSpeed] = await Promise.all([
      solve("HcaptchaImageTask", { priority: "balanced" }),
      solve("HcaptchaImageTask", { priority: "speed" }),
      solve("HcaptchaImageTask", { priority: "accuracy" }),
      solve("ImageToTextTask", { priority: "speed" }),
      solve("ImageToTextTask"), // default priority: balanced
      solve("HcaptchaImageTask", { priority: "accuracy", max_price: 0.2 }),
      submit("ImageToTextTask", { max_price: 0.05 }),
      submit("HcaptchaImageTask", { priority: "speed", max_price: 0.1 }),
    ]);
    const expectRouted = (result: Record<string, unknown>, provider: keyof typeof TABLE, priority: "speed" | "balanced" | "accuracy", type: TaskType) => {
      expect(result).toMatchObject({ status: "completed", provider, priority, credits_used: price(provider, type, priority) });
      expect(result.routing).toMatch(new RegExp(`^${priority}: `));
      expect(result.attempts).toHaveLength(1);
    };
    expectRouted(hBalanced, "solvecaptcha", "balanced", "HcaptchaImageTask"); // 0.100013 at 0.85, not 2captcha's 0.120011 at 0.85
    expectRouted(hSpeed, "acedata", "speed", "HcaptchaImageTask"); // 2 s
    expectRouted(hAccuracy, "solverv2", "accuracy", "HcaptchaImageTask"); // 0.95, at its accuracy-tier price
    expectRouted(iSpeed, "2captcha", "speed", "ImageToTextTask");
    expectRouted(iBalanced, "solvecaptcha", "balanced", "ImageToTextTask");
    // The most accurate within 0.2: solverv2's accuracy tier (0.250023) is out; 2captcha and solvecaptcha tie, the cheaper wins.
    expectRouted(capped, "solvecaptcha", "accuracy", "HcaptchaImageTask");
    expect(solverv2.requests.filter((r) => r.method === "POST" && r.priority === "accuracy")).toHaveLength(1);

    expect(tooCheap.status).toBe(400);
    expect(tooCheap.body.detail).toBe("No provider serves ImageToTextTask within max_price 0.05; the cheapest costs 0.075003.");
    expect(tooCheapSpeed.status).toBe(400);
    expect(tooCheapSpeed.body.detail).toBe("No provider serves HcaptchaImageTask within max_price 0.1; the cheapest costs 0.100013.");
  });

  it("faults on the cheapest twocaptcha sandbox: every task ends on another provider, charged only there; cooldowns show and hold traffic off", async () => {
    const solvecaptchaSubmits = () => inPhpRequests(solvecaptcha, () => true).length;

    // ── unsolvable: not charged, the next provider answers; no cooldown (it is this captcha, not the provider) ──
    solvecaptcha.setFault("unsolvable");
    const [unsolvable, cappedUnsolvable] = await Promise.all([
      solve("ImageToTextTask"),
      solve("ImageToTextTask", { max_price: 0.075003 }), // 2captcha costs more than this: no failover there
    ]);
    expect(unsolvable).toMatchObject({ status: "completed", provider: "2captcha", credits_used: price("2captcha", "ImageToTextTask") });
    expect(unsolvable.attempts).toMatchObject([
      { provider: "solvecaptcha", state: "failed", error: expect.stringMatching(/^ERROR_CAPTCHA_UNSOLVABLE/) },
      { provider: "2captcha", state: "solved" },
    ]);
    expect(unsolvable.routing).toMatch(/^failover after ERROR_CAPTCHA_UNSOLVABLE/);
    expect(failoverSeconds(unsolvable), "seconds from the failed attempt to the next").toBeLessThan(FAILOVER_SECONDS);
    expect(cappedUnsolvable).toMatchObject({ status: "failed", credits_used: null, provider: "solvecaptcha" });
    expect(cappedUnsolvable.error).toMatch(/No provider could solve the task/);
    expect(cappedUnsolvable.attempts).toHaveLength(1);
    const afterUnsolvable = await providerView("solvecaptcha");
    expect(afterUnsolvable).toMatchObject({ cooldown_until: null, cooldown_reason: null });
    expect(afterUnsolvable.tasks.ImageToTextTask.observed).toMatchObject({ unsolvable: 2 });
    solvecaptcha.setFault(null);

    // A text captcha that solvecaptcha takes a minute to solve: it stays in polling there.
    const slow = await submit("TextCaptchaTask");
    expect(slow.status).toBe(200);
    await expectEventually(async () => (await api.request("GET", `/v2/solver/result/${slow.body.task_id}`)).body.status === "processing");

    // ── zero_balance on submit: the provider cools down and the task moves on at once ──
    solvecaptcha.setFault("zero_balance");
    const before = Date.now();
    const zeroBalance = await solve("ImageToTextTask");
    expect(zeroBalance).toMatchObject({ status: "completed", provider: "2captcha", credits_used: price("2captcha", "ImageToTextTask") });
    expect(zeroBalance.attempts).toMatchObject([
      { provider: "solvecaptcha", state: "failed", error: "PROVIDER_UNAVAILABLE: The provider could not take tasks at the moment." }, // the router's balance there is not the team's business
      { provider: "2captcha", state: "solved" },
    ]);
    expect(failoverSeconds(zeroBalance), "seconds from the failed attempt to the next").toBeLessThan(FAILOVER_SECONDS);
    const cooling = await providerView("solvecaptcha");
    expect(cooling.cooldown_reason).toMatch(/^ERROR_ZERO_BALANCE/);
    expect(cooling.cooldown_until).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const until = Date.parse(cooling.cooldown_until);
    expect(until).toBeGreaterThan(Date.now());
    // ERROR_ZERO_BALANCE cools a provider down for 60 s from the failed submit.
    expect(until).toBeGreaterThanOrEqual(before + 60_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 60_000);
    for (const id of ["2captcha", "acedata", "solverv2"]) expect((await providerView(id)).cooldown_until).toBeNull();

    // While it cools down: priced and routed around, no new submit reaches it.
    const coolingPrices = await pricing();
    expect(coolingPrices.ImageToTextTask!.balanced).toBe(price("2captcha", "ImageToTextTask"));
    expect(coolingPrices.HcaptchaImageTask!.balanced).toBe(price("acedata", "HcaptchaImageTask"));
    const submitsBefore = solvecaptchaSubmits();
    const during = await Promise.all([solve("ImageToTextTask"), solve("HcaptchaImageTask"), solve("CoordinatesTask"), solve("TextCaptchaTask")]);
    expect(during.map((r) => [r.status, r.provider, r.attempts.length])).toEqual([
      ["completed", "2captcha", 1],
      ["completed", "acedata", 1],
      ["completed", "2captcha", 1],
      ["completed", "2captcha", 1],
    ]);
    expect(during.map((r) => r.credits_used)).toEqual([
      price("2captcha", "ImageToTextTask"),
      price("acedata", "HcaptchaImageTask"),
      price("2captcha", "CoordinatesTask"),
      price("2captcha", "TextCaptchaTask"),
    ]);
    expect(solvecaptchaSubmits()).toBe(submitsBefore);
    expect(Date.now()).toBeLessThan(until); // all of that happened inside the cooldown

    // ── http_500: the captcha still polling there gets HTML 500 pages; after the third the provider
    //    cools down again (a longer cooldown replaces the shorter one) and the task moves on ──
    solvecaptcha.setFault("http_500");
    const failedOver = await waitForEnd(api, slow.body.task_id, 150_000);
    charged.push(micro(failedOver.credits_used));
    expect(failedOver).toMatchObject({ status: "completed", provider: "2captcha", credits_used: price("2captcha", "TextCaptchaTask") });
    expect(failedOver.processing_time).toBeLessThan(taskDeadlineSeconds("TextCaptchaTask"));
    expect(failedOver.attempts).toMatchObject([
      { provider: "solvecaptcha", state: "failed", error: expect.stringMatching(/^HTTP_500/) },
      { provider: "2captcha", state: "solved" },
    ]);
    expect(failoverSeconds(failedOver), "seconds from the failed attempt to the next").toBeLessThan(FAILOVER_SECONDS);
    const coolingAgain = await providerView("solvecaptcha");
    expect(coolingAgain.cooldown_reason).toMatch(/^HTTP_500/);
    expect(Date.parse(coolingAgain.cooldown_until)).toBeGreaterThan(until);
    expect(coolingAgain.tasks.TextCaptchaTask.observed).toMatchObject({ errors: 1 });
    expect(solvecaptchaSubmits()).toBe(submitsBefore);

    // ── money: only solving attempts were charged, to the micro-credit ──
    const account = await api.request("GET", "/v2/account");
    expect(account.body.reserved).toBe(0);
    expect(micro(account.body.balance)).toBe(micro(TEAM_CREDITS) - charged.reduce((a, b) => a + b, 0));
    solvecaptcha.setFault(null);
  });
});

/**
 * Seconds between a failed attempt's end and the next attempt's start: a failover is one queue
 * message with no delay, so it takes well under a few seconds.
 */
function failoverSeconds(result: { attempts: { started_at: string; ended_at: string | null }[] }): number {
  const [failed, next] = result.attempts;
  return (Date.parse(next!.started_at) - Date.parse(failed!.ended_at!)) / 1000;
}

async function expectEventually(check: () => Promise<boolean>, timeoutMs = 10_000) {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error("condition not met in time");
    await sleep(200);
  }
}
