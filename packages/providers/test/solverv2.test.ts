import type { PollOutcome, Provider, SubmitOutcome, TaskType, UnifiedTask } from "@solver-router/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FetchFn } from "../src/http/upstream-client.ts";
import { createSolverv2Adapter, fetchSolverv2Pricing, solverv2Adapter } from "../src/solverv2/adapter.ts";
import {
  SOLVERV2_SANDBOX_COORDINATES,
  solverv2SandboxToken,
  startSolverv2Sandbox,
  type Solverv2Sandbox,
} from "@solver-router/sandbox";
import { cannedFetch, errorChecks, IMAGE, providerFactory } from "./support.ts";

const KEY = "sv2-0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f";
// Long enough that a poll right after the submit is surely early, even on a slow machine.
const SOLVE_AFTER_MS = 400;

const provider = providerFactory("solverv2-test", "solverv2", KEY);

const hcaptcha = (fields: Partial<UnifiedTask<"HcaptchaImageTask">["fields"]> = {}): UnifiedTask => ({
  type: "HcaptchaImageTask",
  fields: { images: [IMAGE], question: "Please click each image containing a bus", ...fields },
});
const recaptcha = (fields: Partial<UnifiedTask<"RecaptchaV2Task">["fields"]> = {}): UnifiedTask => ({
  type: "RecaptchaV2Task",
  fields: { site_key: "6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-", page_url: "https://example.com/login", ...fields },
});

const { expectError, errorsSeen } = errorChecks(KEY);

function upstreamId(outcome: SubmitOutcome): string {
  expect(outcome.kind).toBe("submitted");
  return (outcome as { upstreamId: string }).upstreamId;
}

const jsonOf = async <T>(res: Response): Promise<T> => (await res.json()) as T;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until the outcome is not `not_ready` (bounded). */
async function pollUntilDone(p: Provider, id: string, type: TaskType): Promise<PollOutcome> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const outcome = await solverv2Adapter.poll(p, id, type);
    if (outcome.kind !== "not_ready") return outcome;
    await sleep(25);
  }
  throw new Error("the sandbox never finished the task");
}

let sandbox: Solverv2Sandbox;
let p: Provider;

beforeAll(async () => {
  sandbox = await startSolverv2Sandbox({ apiKey: KEY, solveAfterMs: SOLVE_AFTER_MS });
  p = provider(sandbox.url);
});
afterAll(async () => {
  await sandbox.close();
  for (const error of errorsSeen) expect(error.message).not.toContain(KEY);
});
beforeEach(() => {
  sandbox.setFault(null);
  sandbox.setCredits(1000);
  sandbox.requests.length = 0;
});

describe("solverv2 adapter against the sandbox", () => {
  it("declares a polling protocol for hCaptcha images and reCAPTCHA v2 (not v3)", () => {
    expect(solverv2Adapter.protocol).toBe("solverv2");
    expect(typeof solverv2Adapter.poll).toBe("function");
    expect("report" in solverv2Adapter).toBe(false); // the API documents no reports
    expect([...solverv2Adapter.taskTypes].sort()).toEqual(["HcaptchaImageTask", "RecaptchaV2Task"]);
    expect(sandbox.url).toMatch(/\/v2$/);
  });

  it("submits an hCaptcha image task with its priority, then polls it to coordinates", async () => {
    const id = upstreamId(await solverv2Adapter.submit(p, hcaptcha(), { priority: "speed" }));
    const submitted = sandbox.requests[0]!;
    expect(submitted).toMatchObject({ method: "POST", path: "/v2/solver/hcaptcha/image", authorization: `Bearer ${KEY}`, priority: "speed" });
    expect(submitted.body).toMatchObject({ question: "Please click each image containing a bus", priority: "speed" });
    expect((submitted.body as { images: string[] }).images).toHaveLength(1);
    expect(sandbox.credits()).toBeCloseTo(1000 - 0.1, 6);

    expect(await solverv2Adapter.poll(p, id, "HcaptchaImageTask")).toEqual({ kind: "not_ready" });
    expect(sandbox.requests.at(-1)).toMatchObject({ method: "GET", path: `/v2/solver/result/${id}`, authorization: `Bearer ${KEY}` });
    expect(await pollUntilDone(p, id, "HcaptchaImageTask")).toEqual({
      kind: "solved",
      solution: { kind: "coordinates", coordinates: SOLVERV2_SANDBOX_COORDINATES.map((c) => ({ ...c })) },
    });
  });

  it("sends balanced when no priority is given, and charges each tier's price", async () => {
    await solverv2Adapter.submit(p, hcaptcha());
    expect(sandbox.requests[0]!.priority).toBe("balanced");
    expect(sandbox.credits()).toBeCloseTo(1000 - 0.15, 6);
    await solverv2Adapter.submit(p, hcaptcha({ question: undefined }), { priority: "accuracy" });
    expect(sandbox.requests[1]!.priority).toBe("accuracy");
    expect(sandbox.requests[1]!.body).not.toHaveProperty("question");
    expect(sandbox.credits()).toBeCloseTo(1000 - 0.4, 6);
  });

  it("submits a reCAPTCHA v2 task with site_key, page_url and data_s, then reads the verify token", async () => {
    const task = recaptcha({ data_s: "data-s-token", invisible: true, proxy: "user:pass@1.2.3.4:8080", proxy_type: "HTTP" });
    const id = upstreamId(await solverv2Adapter.submit(p, task, { priority: "accuracy" }));
    const submitted = sandbox.requests[0]!;
    expect(submitted.path).toBe("/v2/solver/recaptcha/v2");
    expect(submitted.body).toEqual({
      site_key: "6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-",
      page_url: "https://example.com/login",
      data_s: "data-s-token",
      priority: "accuracy",
    });
    const solved = await pollUntilDone(p, id, "RecaptchaV2Task");
    expect(solved).toEqual({
      kind: "solved",
      solution: { kind: "token", token: solverv2SandboxToken("6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-", "https://example.com/login", "data-s-token") },
    });
    expect(sandbox.credits()).toBeCloseTo(1000 - 0.4, 6);
  });

  it("a task the upstream fails is unsolvable, with its error text (and the sandbox refunds it)", async () => {
    sandbox.setFault("unsolvable");
    const id = upstreamId(await solverv2Adapter.submit(p, recaptcha()));
    sandbox.setFault(null);
    const error = expectError(await pollUntilDone(p, id, "RecaptchaV2Task"), "unsolvable", "TASK_FAILED");
    expect(error.detail).toContain("Captcha could not be solved");
    expect(error.message).not.toContain("Captcha could not be solved");
    expect(sandbox.credits()).toBe(1000);
  });

  it("402 insufficient credits cools the provider down for 300 s and says what was short", async () => {
    sandbox.setCredits(0.05);
    const error = expectError(await solverv2Adapter.submit(p, hcaptcha()), "cooldown", "INSUFFICIENT_CREDITS");
    expect(error.waitSeconds).toBe(300);
    expect(error.detail).toContain("Insufficient credits. Need 0.15, have 0.05");
    expect(error.message).not.toContain("0.05");
    // Enough for the speed tier (0.10)? No: 0.05 < 0.10. With 0.10 it is.
    sandbox.setCredits(0.1);
    upstreamId(await solverv2Adapter.submit(p, hcaptcha(), { priority: "speed" }));
    expect(sandbox.credits()).toBe(0);
    sandbox.setCredits(1000);
    sandbox.setFault("insufficient_credits");
    expectError(await solverv2Adapter.submit(p, recaptcha()), "cooldown", "INSUFFICIENT_CREDITS");
  });

  it("401 cools the provider down for 600 s (a wrong key, or the unauthorized fault)", async () => {
    expect(expectError(await solverv2Adapter.submit(provider(sandbox.url, "wrong"), hcaptcha()), "cooldown", "HTTP_401").waitSeconds).toBe(600);
    sandbox.setFault("unauthorized");
    expect(expectError(await solverv2Adapter.submit(p, hcaptcha()), "cooldown", "HTTP_401").waitSeconds).toBe(600);
    expect(expectError(await solverv2Adapter.poll(p, "any", "HcaptchaImageTask"), "cooldown", "HTTP_401").waitSeconds).toBe(600);
  });

  it("400 is a bad request; the upstream's words go to detail (admins and logs), not the message", async () => {
    const error = expectError(await solverv2Adapter.submit(p, hcaptcha({ images: [] })), "bad_request", "HTTP_400");
    expect(error.detail).toContain("Field 'images' is required");
    const noSite = expectError(await solverv2Adapter.submit(p, recaptcha({ site_key: "" })), "bad_request");
    expect(noSite.detail).toContain("site_key");
  });

  it("an unknown task on poll (404) is unsolvable: the upstream lost it", async () => {
    expectError(await solverv2Adapter.poll(p, "00000000-0000-0000-0000-000000000000", "HcaptchaImageTask"), "unsolvable", "TASK_NOT_FOUND");
  });

  it("500 pages are retried on submit and on poll", async () => {
    const id = upstreamId(await solverv2Adapter.submit(p, hcaptcha()));
    sandbox.setFault("http_500");
    expect(expectError(await solverv2Adapter.submit(p, hcaptcha()), "retry", "HTTP_500").waitSeconds).toBe(5);
    expectError(await solverv2Adapter.poll(p, id, "HcaptchaImageTask"), "retry", "HTTP_500");
  });

  it("a wrong base URL (404 on submit) cools the provider down", async () => {
    const wrong = provider(sandbox.url.replace(/\/v2$/, "/v3"));
    const error = expectError(await solverv2Adapter.submit(wrong, hcaptcha()), "cooldown", "HTTP_404");
    expect(error.message).toContain("base URL");
  });

  it("a network error and a timeout are retried", async () => {
    const closed = await startSolverv2Sandbox({ apiKey: KEY });
    await closed.close();
    const network = expectError(await solverv2Adapter.submit(provider(closed.url), hcaptcha()), "retry", "NETWORK_ERROR");
    expect(network.message).toContain("ECONNREFUSED");

    const hanging: FetchFn = (_url, init) =>
      new Promise((_resolve, reject) => init.signal!.addEventListener("abort", () => reject(init.signal!.reason)));
    const adapter = createSolverv2Adapter({ fetch: hanging, timeoutMs: 50 });
    const timeout = expectError(await adapter.poll(p, "x", "HcaptchaImageTask"), "retry", "TIMEOUT");
    expect(timeout.message).toContain("50 ms");
  });


  it("types it does not serve, and reCAPTCHA Enterprise, are unsolvable without a call", async () => {
    const v3 = { type: "RecaptchaV3Task", fields: { site_key: "k", page_url: "https://example.com" } } as UnifiedTask;
    expectError(await solverv2Adapter.submit(p, v3), "unsolvable", "UNSUPPORTED_TASK_TYPE");
    expectError(await solverv2Adapter.submit(p, recaptcha({ enterprise: true })), "unsolvable", "UNSUPPORTED_OPTION");
    expect(sandbox.requests).toHaveLength(0);
  });

  it("reads the pricing table without a key", async () => {
    const rows = await fetchSolverv2Pricing(p);
    expect(rows).toEqual([
      { task_type: "HcaptchaImageTask", speed: 0.1, balanced: 0.15, accuracy: 0.25 },
      { task_type: "RecaptchaV2Task", speed: 0.2, balanced: 0.3, accuracy: 0.4 },
      { task_type: "RecaptchaV3Task", speed: 0.25, balanced: 0.35, accuracy: 0.5 },
    ]);
    expect(sandbox.requests[0]).toMatchObject({ method: "GET", path: "/v2/solver/pricing", authorization: null });
    sandbox.setFault("http_500");
    await expect(fetchSolverv2Pricing(p)).rejects.toThrow(/HTTP 500/);
    await expect(fetchSolverv2Pricing(p, { fetch: cannedFetch(200, { pricing: "none" }).fn })).rejects.toThrow(/not a price table/);
  });
});

describe("solverv2 adapter: answers the sandbox does not give", () => {
  const withFetch = (fetchFn: FetchFn) => createSolverv2Adapter({ fetch: fetchFn });
  const base = provider("https://api.smartcaptcha.com/v2");

  it("calls the seed's URLs", async () => {
    const canned = cannedFetch(200, { task_id: "a1b2", status: "processing", estimated_time: 15.0, message: "Task submitted successfully" });
    expect(await withFetch(canned.fn).submit(base, hcaptcha(), { priority: "speed" })).toEqual({ kind: "submitted", upstreamId: "a1b2" });
    expect(canned.calls[0]!.url).toBe("https://api.smartcaptcha.com/v2/solver/hcaptcha/image");
    await withFetch(canned.fn).poll(base, "a/b", "HcaptchaImageTask");
    expect(canned.calls[1]!.url).toBe("https://api.smartcaptcha.com/v2/solver/result/a%2Fb");
    expect(canned.calls[1]!.init.method).toBe("GET");
  });

  it.each(["pending", "processing"])("status %s is not ready", async (status) => {
    expect(await withFetch(cannedFetch(200, { task_id: "t", status }).fn).poll(base, "t", "HcaptchaImageTask")).toEqual({ kind: "not_ready" });
  });

  it("reads the token from `token` or `solution.token` when `verify` is absent", async () => {
    const a = await withFetch(cannedFetch(200, { status: "completed", verify: null, token: "tok-1" }).fn).poll(base, "t", "RecaptchaV2Task");
    expect(a).toEqual({ kind: "solved", solution: { kind: "token", token: "tok-1" } });
    const b = await withFetch(cannedFetch(200, { status: "completed", solution: { token: "tok-2", user_agent: "UA" } }).fn).poll(base, "t", "RecaptchaV2Task");
    expect(b).toEqual({ kind: "solved", solution: { kind: "token", token: "tok-2", userAgent: "UA" } });
  });

  it("reads the seed's example hCaptcha result, and string coordinates", async () => {
    const seedExample = {
      task_id: "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
      status: "completed",
      captcha_type: "HcaptchaImageTask",
      coordinates: [{ x: 120, y: 85 }, { x: "340", y: "210" }],
      verify: "P1_eyJ0...",
      bounding_box: null,
      processing_time: null,
      credits_used: 0.15,
      error: null,
    };
    expect(await withFetch(cannedFetch(200, seedExample).fn).poll(base, "t", "HcaptchaImageTask")).toEqual({
      kind: "solved",
      solution: { kind: "coordinates", coordinates: [{ x: 120, y: 85 }, { x: 340, y: 210 }] },
    });
  });

  it("a completed task without a usable answer is unsolvable", async () => {
    expectError(await withFetch(cannedFetch(200, { status: "completed", coordinates: null }).fn).poll(base, "t", "HcaptchaImageTask"), "unsolvable", "NO_SOLUTION");
    expectError(await withFetch(cannedFetch(200, { status: "completed", verify: "" }).fn).poll(base, "t", "RecaptchaV2Task"), "unsolvable", "NO_SOLUTION");
  });

  it("a task failed for the provider's credits (the seed's own failed example) cools the provider down", async () => {
    const failed = { status: "failed", error: "Insufficient credits. Need 0.15, have 0.05" };
    const error = expectError(await withFetch(cannedFetch(200, failed).fn).poll(base, "t", "HcaptchaImageTask"), "cooldown", "INSUFFICIENT_CREDITS");
    expect(error.waitSeconds).toBe(300);
  });

  it("429 pauses the account for Retry-After, or 5 s without it", async () => {
    const limited = cannedFetch(429, { detail: "Too many requests" }, { "retry-after": "12" });
    expect(expectError(await withFetch(limited.fn).submit(base, hcaptcha()), "rate_limited", "HTTP_429").waitSeconds).toBe(12);
    expect(expectError(await withFetch(cannedFetch(429, { detail: "slow" }).fn).poll(base, "t", "HcaptchaImageTask"), "rate_limited").waitSeconds).toBe(5);
  });

  it("HTML and unreadable answers are retried", async () => {
    expectError(await withFetch(cannedFetch(502, "<html>Bad Gateway</html>").fn).submit(base, hcaptcha()), "retry", "HTTP_502");
    expectError(await withFetch(cannedFetch(200, "<html>hi</html>").fn).poll(base, "t", "HcaptchaImageTask"), "retry", "UNPARSEABLE");
    expectError(await withFetch(cannedFetch(200, { status: "weird" }).fn).poll(base, "t", "HcaptchaImageTask"), "retry", "UNEXPECTED_STATUS");
    expectError(await withFetch(cannedFetch(200, { message: "ok" }).fn).submit(base, hcaptcha()), "retry", "NO_TASK_ID");
  });

  it("a FastAPI validation list (422) is a bad request naming the field", async () => {
    const detail = { detail: [{ loc: ["body", "page_url"], msg: "field required", type: "value_error.missing" }] };
    const error = expectError(await withFetch(cannedFetch(422, detail).fn).submit(base, recaptcha()), "bad_request", "HTTP_422");
    expect(error.detail).toContain("page_url: field required");
  });

  it("403 cools down; 400 on a poll means the task id was refused (unsolvable)", async () => {
    expectError(await withFetch(cannedFetch(403, { detail: "Forbidden" }).fn).submit(base, hcaptcha()), "cooldown", "HTTP_403");
    expectError(await withFetch(cannedFetch(400, { detail: "bad id" }).fn).poll(base, "t", "HcaptchaImageTask"), "unsolvable", "HTTP_400");
  });

  it("never repeats the key, whether the upstream echoes it or fetch throws with it", async () => {
    const echoed = expectError(await withFetch(cannedFetch(401, { detail: `Invalid API key ${KEY}` }).fn).submit(base, hcaptcha()), "cooldown");
    expect(echoed.detail).toContain("[redacted]");
    expect(echoed.detail).not.toContain(KEY);
    const throwing: FetchFn = async () => {
      throw new Error(`Authorization: Bearer ${KEY}`);
    };
    expectError(await withFetch(throwing).submit(base, hcaptcha()), "retry", "NETWORK_ERROR");
  });
});

describe("solverv2 sandbox (SmartCaptcha's documentation)", () => {
  const call = (path: string, init: RequestInit = {}, key: string | null = KEY) =>
    fetch(`${sandbox.url}${path}`, {
      ...init,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), "content-type": "application/json", ...(init.headers ?? {}) },
    });

  it("serves the pricing table exactly as the seed's example, without a key", async () => {
    const res = await call("/solver/pricing", {}, null);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      pricing: [
        { task_type: "HcaptchaImageTask", speed: 0.1, balanced: 0.15, accuracy: 0.25 },
        { task_type: "RecaptchaV2Task", speed: 0.2, balanced: 0.3, accuracy: 0.4 },
        { task_type: "RecaptchaV3Task", speed: 0.25, balanced: 0.35, accuracy: 0.5 },
      ],
      note: "Prices in credits per task. 1 credit = $0.01 USD",
    });
  });

  it("answers 401 with a detail without a key, and 400 naming a missing field or a bad priority", async () => {
    const noKey = await call("/solver/tasks", {}, null);
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toEqual({ detail: expect.any(String) });
    const noPage = await call("/solver/recaptcha/v2", { method: "POST", body: JSON.stringify({ site_key: "k" }) });
    expect(noPage.status).toBe(400);
    expect((await jsonOf<{ detail: string }>(noPage)).detail).toContain("page_url");
    const badPriority = await call("/solver/hcaptcha/image", { method: "POST", body: JSON.stringify({ images: [IMAGE], priority: "fast" }) });
    expect(badPriority.status).toBe(400);
    expect((await jsonOf<{ detail: string }>(badPriority)).detail).toContain("priority");
  });

  it("submits, lists newest first with a status filter, and deletes only finished tasks", async () => {
    const submit = async (body: object, path = "/solver/hcaptcha/image") =>
      jsonOf<{ task_id: string; status: string; estimated_time: number; message: string }>(await call(path, { method: "POST", body: JSON.stringify(body) }));
    const first = await submit({ images: [IMAGE] });
    expect(first).toMatchObject({ status: "processing", estimated_time: 15, message: "Task submitted successfully" });
    const second = await submit({ site_key: "k", page_url: "https://example.com" }, "/solver/recaptcha/v2");
    expect(second).toMatchObject({ estimated_time: 20, message: "ReCaptcha V2 task submitted" });

    const early = await call(`/solver/task/${first.task_id}`, { method: "DELETE" });
    expect(early.status).toBe(409);

    const listed = await jsonOf<{ total: number }>(await call("/solver/tasks?limit=1&offset=0"));
    expect(listed).toMatchObject({ limit: 1, offset: 0, tasks: [{ task_id: second.task_id, status: "processing", captcha_type: "RecaptchaV2Task" }] });
    expect(listed.total).toBeGreaterThanOrEqual(2);
    expect((await call("/solver/tasks?limit=0")).status).toBe(400);

    // Until the sandbox has solved it (bounded), not a fixed wait past its solve time.
    let result = await jsonOf<{ status: string; verify: string }>(await call(`/solver/result/${first.task_id}`));
    for (const deadline = Date.now() + 5000; result.status === "processing" && Date.now() < deadline; ) {
      await sleep(25);
      result = await jsonOf<{ status: string; verify: string }>(await call(`/solver/result/${first.task_id}`));
    }
    expect(result).toMatchObject({ task_id: first.task_id, status: "completed", captcha_type: "HcaptchaImageTask", credits_used: 0.15, error: null, bounding_box: null });
    expect(result.verify).toMatch(/^P1_/);
    const completed = await jsonOf<{ tasks: { task_id: string }[] }>(await call("/solver/tasks?status=completed&limit=100"));
    expect(completed.tasks.map((t) => t.task_id)).toContain(first.task_id);
    expect(completed.tasks[0]).toEqual({ task_id: expect.any(String), status: "completed", captcha_type: expect.any(String), credits_used: expect.any(Number), created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) });

    const deleted = await call(`/solver/task/${first.task_id}`, { method: "DELETE" });
    expect(await deleted.json()).toEqual({ message: "Task deleted successfully", task_id: first.task_id });
    expect((await call(`/solver/result/${first.task_id}`)).status).toBe(404);
  });

  it("keeps tasks and balances per key: another key's task does not exist", async () => {
    sandbox.setCredits(1, "other-key");
    const { task_id } = await jsonOf<{ task_id: string }>(
      await call("/solver/hcaptcha/image", { method: "POST", body: JSON.stringify({ images: [IMAGE], priority: "speed" }) }, "other-key"),
    );
    expect(sandbox.credits("other-key")).toBeCloseTo(0.9, 6);
    expect((await call(`/solver/result/${task_id}`)).status).toBe(404);
    expect((await call(`/solver/result/${task_id}`, {}, "other-key")).status).toBe(200);
  });
});
