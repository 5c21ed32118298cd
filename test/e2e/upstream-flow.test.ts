/**
 * Flow control towards a 2Captcha-protocol upstream that enforces its documented limits
 * (docs/architecture.md "Flow control"), end to end over HTTP against the sandbox:
 *  - pingback first: the router registers its address once, each attempt gets its own pingback
 *    URL, the answer arrives without a single result request, and a forged, misdirected or
 *    replayed pingback changes nothing; a lost pingback still ends the task (safety-net check);
 *  - without pingback (registration refused) the result checks of one account go out batched
 *    (`res.php?action=get&ids=`);
 *  - a burst of submits keeps the account's pace (never more than 60 in.php in 3 s), and
 *    MAX_USER_TURN from a stricter account pauses it and reschedules: no task fails.
 */
import { generateApiKey } from "@solver-router/core";
import type { LocalStack } from "@solver-router/local";
import { startTwocaptchaSandbox, type TwocaptchaSandbox, type TwocaptchaSandboxOptions } from "@solver-router/sandbox";
import { afterEach, describe, expect, it } from "vitest";
import { client, createTeam, fakeImage, micro, startStack, twocaptchaProviderEntry, waitForEnd, writeProvidersFile } from "./support.ts";

const PRICES = {
  ImageToTextTask: { price: 0.1, solve_seconds: 1, accuracy: 0.9 },
  RecaptchaV2Task: { price: 0.3, solve_seconds: 2, accuracy: 0.9 },
};

let stack: LocalStack | undefined;
let sandbox: TwocaptchaSandbox | undefined;

afterEach(async () => {
  await stack?.stop();
  await sandbox?.close();
  stack = undefined;
  sandbox = undefined;
});

/** One 2Captcha-protocol account (the sandbox, with its options) as the stack's only provider. */
async function start(options: Omit<TwocaptchaSandboxOptions, "port" | "apiKey" | "name">, providerExtra: Record<string, unknown> = {}) {
  const key = generateApiKey();
  sandbox = await startTwocaptchaSandbox({ port: 0, apiKey: key, name: "flow", ...options });
  const providersFile = await writeProvidersFile([{ ...twocaptchaProviderEntry("2captcha", sandbox.url, key, PRICES), ...providerExtra }]);
  stack = await startStack({ providersFile });
  return { stack, sandbox };
}

const image = (marker: string) => ({ image: fakeImage(), instructions: marker });
const resultRequests = (s: TwocaptchaSandbox) => s.requests.filter((r) => r.path.endsWith("/res.php") && r.params.action === "get");

describe("upstream flow control", () => {
  it("pingback first: registered once, answers arrive with no result request, forged / misdirected / replayed pingbacks are 404 and change nothing", async () => {
    // Images are solved after 300 ms; a reCAPTCHA is held (10 minutes) until the test answers it.
    const { stack, sandbox } = await start({ solveAfterMs: { normal: 300, recaptcha_v2: 600_000 }, requirePingbackRegistration: true });
    const { api } = await createTeam(stack, "pingback", 10);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { status, body } = await api.request("POST", "/v2/solver/image", { body: image(`pb-${i}`) });
      expect(status).toBe(200);
      ids.push(body.task_id);
    }
    const results = await Promise.all(ids.map((id) => waitForEnd(api, id, 30_000)));
    for (const r of results) expect(r).toMatchObject({ status: "completed", credits_used: 0.1 });
    // The answers came by pingback: no res.php result request at all, one registration.
    expect(resultRequests(sandbox)).toEqual([]);
    expect(sandbox.requests.filter((r) => r.params.action === "add_pingback")).toHaveLength(1);
    const captchas = Object.values(sandbox.stats());
    expect(captchas.map((c) => [c.pingback?.status, c.pingback && "httpStatus" in c.pingback ? c.pingback.httpStatus : null])).toEqual(ids.map(() => ["sent", 200]));
    // Each attempt had its own URL under the router's public address.
    const urls = captchas.map((c) => c.pingbackUrl!);
    expect(new Set(urls).size).toBe(urls.length);
    for (const url of urls) expect(url.startsWith(`${stack.apiUrl}/v2/upstream/pingback/`)).toBe(true);
    const providers = (await client(stack, stack.adminKey).request("GET", "/v2/admin/providers")).body.providers;
    expect(providers[0]).toMatchObject({ id: "2captcha", pace: { submits_per_second: 12 }, pingback: { address: "127.0.0.1", registered: true } });

    // A task still waiting for its answer: forged and misdirected pingbacks change nothing.
    sandbox.requests.length = 0;
    const slow = await startSlowTask(api);
    const captcha = Object.values(sandbox.stats()).find((c) => c.kind === "recaptcha_v2")!;
    const before = (await api.request("GET", `/v2/solver/result/${slow}`)).body;
    const post = (url: string, body: string) =>
      fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body }).then((r) => r.status);
    const token = captcha.pingbackUrl!.split("/").pop()!;
    const [taskPart, secret] = token.split(".");
    const flipped = secret!.replace(/^./, (c) => (c === "a" ? "b" : "a"));
    expect(await post(`${stack.apiUrl}/v2/upstream/pingback/${taskPart}.${flipped}`, `id=${captcha.id}&code=FORGED`)).toBe(404); // wrong token
    expect(await post(captcha.pingbackUrl!, `id=${Number(captcha.id) + 1}&code=FORGED`)).toBe(404); // wrong captcha id
    expect(await post(captcha.pingbackUrl!, "garbage")).toBe(400);
    expect(await post(`${stack.apiUrl}/v2/upstream/pingback/not-a-token`, `id=${captcha.id}&code=FORGED`)).toBe(404);
    expect(await post(urls[0]!, `id=${captchas[0]!.id}&code=REPLAYED`)).toBe(404); // a replay of an earlier, ended one
    expect((await api.request("GET", `/v2/solver/result/${slow}`)).body).toEqual(before);
    expect((await api.request("GET", `/v2/solver/result/${ids[0]}`)).body.solution).toEqual(results[0].solution);
    // The genuine one, from the router's own URL and captcha id, completes it at once.
    expect(await post(captcha.pingbackUrl!, `id=${captcha.id}&code=GENUINE`)).toBe(200);
    expect((await api.request("GET", `/v2/solver/result/${slow}`)).body).toMatchObject({ status: "completed", solution: { token: "GENUINE" }, credits_used: 0.3 });
    const account = (await api.request("GET", "/v2/account")).body;
    expect(micro(account.balance)).toBe(micro(10) - 4 * micro(0.1) - micro(0.3));
    expect(account.reserved).toBe(0);
  });

  it("a lost pingback costs seconds, never the task: the safety-net check ends it", async () => {
    const { stack, sandbox } = await start({ solveAfterMs: 300, requirePingbackRegistration: true, dropPingbackShare: 1 });
    const { api } = await createTeam(stack, "lost-pingback", 10);
    const { body } = await api.request("POST", "/v2/solver/image", { body: image("lost") });
    const result = await waitForEnd(api, body.task_id, 60_000);
    expect(result).toMatchObject({ status: "completed", credits_used: 0.1 });
    expect(Object.values(sandbox.stats())[0]!.pingback?.status).toBe("dropped");
    // One safety-net check, not a check every 5 s.
    expect(resultRequests(sandbox)).toHaveLength(1);
  });

  it("without pingback (registration refused) the checks of one account go out batched with ids=, ≤ 20 per captcha", async () => {
    const { stack, sandbox } = await start({ solveAfterMs: 7_000, refusePingbackRegistration: true });
    const { api } = await createTeam(stack, "batched", 10);
    const submitted = await Promise.all(
      Array.from({ length: 8 }, (_, i) => api.request("POST", "/v2/solver/image", { body: image(`batch-${i}`) }).then((r) => r.body.task_id as string)),
    );
    const results = await Promise.all(submitted.map((id) => waitForEnd(api, id, 60_000)));
    for (const r of results) expect(r.status).toBe("completed");
    const gets = resultRequests(sandbox);
    const batched = gets.filter((r) => (r.params.ids ?? "").includes(","));
    expect(batched.length).toBeGreaterThan(0);
    // Far fewer result requests than captchas × checks: well under 1.5 per solved task.
    expect(gets.length / submitted.length).toBeLessThanOrEqual(1.5);
    for (const captcha of Object.values(sandbox.stats())) expect(captcha.resultRequests.length).toBeLessThanOrEqual(20);
  });

  it("a burst keeps the account's pace: every task completes and the upstream never sees more than 60 in.php in 3 s", async () => {
    const { stack, sandbox } = await start({ solveAfterMs: 500, enforceLimits: true, requirePingbackRegistration: true });
    const teams = await Promise.all([0, 1, 2].map((i) => createTeam(stack, `burst-${i}`, 100)));
    const submitted = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        teams[i % 3]!.api.request("POST", "/v2/solver/image", { body: image(`burst-${i}`) }).then((r) => ({ api: teams[i % 3]!.api, id: r.body.task_id as string, status: r.status })),
      ),
    );
    expect(submitted.every((s) => s.status === 200)).toBe(true);
    const results = await Promise.all(submitted.map((s) => waitForEnd(s.api, s.id, 120_000)));
    expect(results.filter((r) => r.status !== "completed")).toEqual([]);
    expect(sandbox.limits().maxInPhpPerWindow).toBeLessThanOrEqual(60);
    expect(sandbox.limits().blocks).toEqual([]);
  });

  it("MAX_USER_TURN from a stricter account pauses it for the documented 10 s and reschedules: nothing fails, nothing counts against it", async () => {
    // This account allows 5 in.php per 3 s; the router's default pace (12/s) overruns it once.
    const { stack, sandbox } = await start({ solveAfterMs: 300, enforceLimits: { inPhpMaxPerWindow: 5 } });
    const { api } = await createTeam(stack, "strict", 10);
    const submitted = await Promise.all(
      Array.from({ length: 12 }, (_, i) => api.request("POST", "/v2/solver/image", { body: image(`strict-${i}`) }).then((r) => r.body.task_id as string)),
    );
    const admin = client(stack, stack.adminKey);
    let paused: { paused_until: string | null; pause_reason: string | null } | undefined;
    for (let i = 0; i < 100 && !paused?.paused_until; i++) {
      paused = (await admin.request("GET", "/v2/admin/providers")).body.providers[0];
      if (!paused?.paused_until) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(paused?.pause_reason).toMatch(/^MAX_USER_TURN/);
    const results = await Promise.all(submitted.map((id) => waitForEnd(api, id, 120_000)));
    expect(results.filter((r) => r.status !== "completed")).toEqual([]);
    const provider = (await admin.request("GET", "/v2/admin/providers")).body.providers[0];
    expect(provider.cooldown_until).toBeNull();
    expect(provider.tasks.ImageToTextTask.observed).toMatchObject({ errors: 0, unsolvable: 0 });
    expect(sandbox.limits().inPhpRequests).toBeGreaterThan(12);
  });
});

describe("the books after answers of several types from one account", () => {
  it("solved attempts of two task types, ended in one stream batch, both reach the provider's figures and the usage report", async () => {
    // One aggregator batch then holds two types of one provider in one observation bucket: they
    // must go into one update of that item (a transaction refuses two operations on one item).
    const { stack } = await start({ solveAfterMs: 300, requirePingbackRegistration: true });
    const { api } = await createTeam(stack, "two-types", 10);
    const ids = await Promise.all([
      api.request("POST", "/v2/solver/image", { body: image("types-1") }).then((r) => r.body.task_id as string),
      api
        .request("POST", "/v2/solver/recaptcha/v2", { body: { site_key: "6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-", page_url: "https://example.com/" } })
        .then((r) => r.body.task_id as string),
    ]);
    const results = await Promise.all(ids.map((id) => waitForEnd(api, id, 30_000)));
    expect(results.map((r) => r.status)).toEqual(["completed", "completed"]);
    const usage = (await api.request("GET", "/v2/usage?group_by=task_type")).body;
    expect(usage.totals).toMatchObject({ tasks: 2, completed: 2 });
    const admin = client(stack, stack.adminKey);
    let observed: Record<string, { solved: number }> = {};
    for (let i = 0; i < 50; i++) {
      const tasks = (await admin.request("GET", "/v2/admin/providers")).body.providers[0].tasks;
      observed = { image: tasks.ImageToTextTask.observed, token: tasks.RecaptchaV2Task.observed };
      if (observed.image!.solved === 1 && observed.token!.solved === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(observed).toMatchObject({ image: { solved: 1 }, token: { solved: 1 } });
  });
});

/** Submits a reCAPTCHA the sandbox holds (no pingback until the test sends one); waits until the upstream has it. */
async function startSlowTask(api: ReturnType<typeof client>): Promise<string> {
  const { body } = await api.request("POST", "/v2/solver/recaptcha/v2", { body: { site_key: "6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-", page_url: "https://example.com/login" } });
  for (let i = 0; i < 100; i++) {
    const result = (await api.request("GET", `/v2/solver/result/${body.task_id}`)).body;
    if (result.status === "processing") return body.task_id as string;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the slow task never reached the upstream");
}
