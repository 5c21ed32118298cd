/**
 * Issue 2, "must show": every task type of docs/api.md, through its typed path and through
 * POST /v2/solver/task with `type`, with its optional fields, solved end to end over real HTTP
 * by two `twocaptcha` providers (2captcha, solvecaptcha) configured in a providers file and
 * pointing at one sandbox started here. The sandbox's records prove what went upstream
 * (2Captcha's documented in.php parameters, json=1) and when (first result request only after the
 * schedule's first wait; never more than 20 result requests per captcha).
 */
import { firstWaitSeconds, generateApiKey, type TaskType } from "@solver-router/core";
import { startTwocaptchaSandbox, type TwocaptchaSandbox, type TwocaptchaSandboxKind } from "@solver-router/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTeam,
  fakeImage,
  inPhpRequests,
  micro,
  startStack,
  twocaptchaProviderEntry,
  waitForEnd,
  writeProvidersFile,
  type Client,
  type LocalStack,
  type TaskPriceEntry,
} from "./support.ts";

/**
 * The first result request's wait per sandbox kind, from the router's schedule (schedule.ts):
 * 5 s for image kinds, 15-20 s for token kinds (docs/providers.md; checked below).
 */
/** The first wait before a result request, per kind (docs/providers.md "Waits and limits"), written out. */
const FIRST_WAIT_SECONDS: Record<TwocaptchaSandboxKind, number> = {
  normal: 5,
  text: 5,
  coordinates: 5,
  recaptcha_v2: 20,
  recaptcha_v3: 20,
  turnstile: 15,
};
/** The sandbox timestamps with Date.now(); the router's SQS delay is whole seconds. Slack only this way. */
const CLOCK_SLACK_MS = 50;
const MAX_RESULT_REQUESTS = 20;

const ALL_TYPES: TaskType[] = [
  "HcaptchaImageTask",
  "RecaptchaV2Task",
  "RecaptchaV3Task",
  "TurnstileTask",
  "ImageToTextTask",
  "TextCaptchaTask",
  "CoordinatesTask",
];
const TYPED_PATH: Record<TaskType, string> = {
  HcaptchaImageTask: "/v2/solver/hcaptcha/image",
  RecaptchaV2Task: "/v2/solver/recaptcha/v2",
  RecaptchaV3Task: "/v2/solver/recaptcha/v3",
  TurnstileTask: "/v2/solver/turnstile",
  ImageToTextTask: "/v2/solver/image",
  TextCaptchaTask: "/v2/solver/text",
  CoordinatesTask: "/v2/solver/coordinates",
};

/**
 * Prices chosen so routing is predictable: 2captcha is cheap and slow (balanced picks it),
 * solvecaptcha dear and fast (speed picks it). Odd micro-credit amounts check exact charging.
 */
const PRICES: Record<"2captcha" | "solvecaptcha", Record<TaskType, TaskPriceEntry>> = {
  "2captcha": Object.fromEntries(
    ALL_TYPES.map((type, i) => [type, { price: `0.1${i}0007`, solve_seconds: 30, accuracy: 0.9 }]),
  ) as Record<TaskType, TaskPriceEntry>,
  solvecaptcha: Object.fromEntries(
    ALL_TYPES.map((type, i) => [type, { price: `0.3${i}1234`, solve_seconds: 4, accuracy: 0.9 }]),
  ) as Record<TaskType, TaskPriceEntry>,
};

type Via = "typed" | "unified";

interface Case {
  type: TaskType;
  via: Via;
  /** Unique per case: how the case's in.php request is found among the sandbox's records. */
  marker: string;
  body: Record<string, unknown>;
  /** What in.php must have received (besides key and json=1). */
  upstream: Record<string, string>;
  /** Parameters in.php must not have received. */
  notUpstream?: string[];
  kind: TwocaptchaSandboxKind;
  /** How the case's in.php request is found. */
  markerParam: string;
}

const image = fakeImage(400);

function caseFor(type: TaskType, via: Via): Case {
  const marker = `${type}-${via}`;
  const url = `https://example.com/${marker}`;
  // The typed submits use the default priority (balanced → 2captcha); the unified ones ask for speed (→ solvecaptcha).
  const priority = via === "unified" ? { priority: "speed" } : {};
  switch (type) {
    case "HcaptchaImageTask":
      return {
        type, via, marker, kind: "coordinates", markerParam: "textinstructions",
        body: { images: [image, fakeImage(300)], question: `Please click each image containing a bus ${marker}`, ...priority },
        upstream: { method: "base64", coordinatescaptcha: "1", textinstructions: `Please click each image containing a bus ${marker}` },
      };
    case "RecaptchaV2Task":
      return {
        type, via, marker, kind: "recaptcha_v2", markerParam: "pageurl",
        body: {
          site_key: "6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-",
          page_url: url,
          data_s: `data-s-${via}`,
          invisible: true,
          enterprise: via === "unified",
          proxy: "user:secret@10.0.0.1:8080",
          proxy_type: "http",
          ...priority,
        },
        upstream: {
          method: "userrecaptcha",
          googlekey: "6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-",
          pageurl: url,
          "data-s": `data-s-${via}`,
          invisible: "1",
          proxy: "user:secret@10.0.0.1:8080",
          proxytype: "HTTP",
          ...(via === "unified" ? { enterprise: "1" } : {}),
        },
        notUpstream: via === "typed" ? ["enterprise", "version"] : ["version"],
      };
    case "RecaptchaV3Task":
      return {
        type, via, marker, kind: "recaptcha_v3", markerParam: "pageurl",
        body: { site_key: "6LfB5_IbAAAAAMCtsjEHEHKqcB9iQocwwxTiihJu", page_url: url, action: "login", min_score: 0.7, enterprise: false, ...priority },
        upstream: {
          method: "userrecaptcha",
          version: "v3",
          googlekey: "6LfB5_IbAAAAAMCtsjEHEHKqcB9iQocwwxTiihJu",
          pageurl: url,
          action: "login",
          min_score: "0.7",
        },
        notUpstream: ["enterprise"],
      };
    case "TurnstileTask":
      return {
        type, via, marker, kind: "turnstile", markerParam: "pageurl",
        body: {
          site_key: "0x4AAAAAAAC3DHQFLr1GavRN",
          page_url: url,
          action: "managed",
          data: `cdata-${via}`,
          pagedata: `chl-page-data-${via}`,
          proxy: "10.0.0.2:1080",
          proxy_type: "SOCKS5",
          ...priority,
        },
        upstream: {
          method: "turnstile",
          sitekey: "0x4AAAAAAAC3DHQFLr1GavRN",
          pageurl: url,
          action: "managed",
          data: `cdata-${via}`,
          pagedata: `chl-page-data-${via}`,
          proxy: "10.0.0.2:1080",
          proxytype: "SOCKS5",
        },
      };
    case "ImageToTextTask":
      return {
        type, via, marker, kind: "normal", markerParam: "textinstructions",
        body: { image, numeric: 1, min_len: 4, max_len: 8, case_sensitive: true, language: 2, instructions: `type the digits ${marker}`, ...priority },
        upstream: {
          method: "base64",
          numeric: "1",
          min_len: "4",
          max_len: "8",
          regsense: "1",
          language: "2",
          textinstructions: `type the digits ${marker}`,
        },
        notUpstream: ["coordinatescaptcha", "phrase", "calc"],
      };
    case "TextCaptchaTask":
      // 0-2 goes as `language`, a language code as `lang` (2Captcha's documentation "Text Captcha").
      return {
        type, via, marker, kind: "text", markerParam: "textcaptcha",
        body: { question: `If tomorrow is Saturday, what day is today? ${marker}`, language: via === "typed" ? 2 : "en", ...priority },
        upstream: {
          textcaptcha: `If tomorrow is Saturday, what day is today? ${marker}`,
          ...(via === "typed" ? { language: "2" } : { lang: "en" }),
        },
        notUpstream: ["method"],
      };
    case "CoordinatesTask":
      return {
        type, via, marker, kind: "coordinates", markerParam: "textinstructions",
        body: { image, instructions: `click the cats ${marker}`, ...priority },
        upstream: { method: "base64", coordinatescaptcha: "1", textinstructions: `click the cats ${marker}` },
      };
  }
}

const CASES: Case[] = ALL_TYPES.flatMap((type) => [caseFor(type, "typed"), caseFor(type, "unified")]);

describe("every task type, typed path and POST /v2/solver/task, through two twocaptcha providers", () => {
  let stack: LocalStack;
  let sandbox: TwocaptchaSandbox;
  let api: Client;
  let sandboxKey: string;
  const outcomes = new Map<
    string,
    { submitted: Awaited<ReturnType<Client["request"]>>; result: Awaited<ReturnType<typeof waitForEnd>> | undefined; upstreamId: string }
  >();

  beforeAll(async () => {
    sandboxKey = generateApiKey();
    sandbox = await startTwocaptchaSandbox({ port: 0, apiKey: sandboxKey, name: "e2e-twocaptcha", solveAfterMs: 200 });
    const providersFile = await writeProvidersFile([
      twocaptchaProviderEntry("2captcha", sandbox.url, sandboxKey, PRICES["2captcha"]),
      twocaptchaProviderEntry("solvecaptcha", sandbox.url, sandboxKey, PRICES.solvecaptcha),
    ]);
    // Pingback off: this file checks the polling rules (test/e2e/upstream-flow.test.ts covers pingback).
    stack = await startStack({ providersFile, publicUrl: false });
    ({ api } = await createTeam(stack, "task-types", 100));

    // All fourteen at once: the slowest (reCAPTCHA v2) needs its 20 s first wait.
    await Promise.all(
      CASES.map(async (c) => {
        const submitted =
          c.via === "typed"
            ? await api.request("POST", TYPED_PATH[c.type], { body: c.body })
            : await api.request("POST", "/v2/solver/task", { body: { type: c.type, ...c.body } });
        if (submitted.status !== 200) {
          outcomes.set(c.marker, { submitted, result: undefined, upstreamId: "" });
          return;
        }
        const result = await waitForEnd(api, submitted.body.task_id, 90_000);
        const record = await stack.ctx.tasks.get(submitted.body.task_id);
        const upstreamId = record?.attempts.find((a) => a.state === "solved")?.upstreamId ?? "";
        outcomes.set(c.marker, { submitted, result, upstreamId });
      }),
    );
  }, 150_000);

  afterAll(async () => {
    await stack?.stop();
    await sandbox?.close();
  });

  describe.each(CASES.map((c) => [`${c.type} via ${c.via === "typed" ? TYPED_PATH[c.type] : "POST /v2/solver/task"}`, c] as const))(
    "%s",
    (_name, c) => {
      const expectedProvider = c.via === "typed" ? "2captcha" : "solvecaptcha";

      it("is accepted with docs/api.md's submit answer", () => {
        const { submitted } = outcomes.get(c.marker)!;
        expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
        expect(submitted.body).toEqual({
          task_id: expect.any(String),
          status: "pending",
          estimated_time: expect.any(Number),
          message: "Task submitted successfully",
        });
      });

      it(`completes with the ${c.kind} solution shape, provider (${expectedProvider} by priority), attempts, credits_used and times`, () => {
        const { result, upstreamId } = outcomes.get(c.marker)!;
        expect(result).toMatchObject({
          task_id: outcomes.get(c.marker)!.submitted.body.task_id,
          status: "completed",
          captcha_type: c.type,
          error: null,
          provider: expectedProvider,
          bounding_box: null,
        });
        // Charged the routed provider's price for the type, to the micro-credit.
        expect(micro(result.credits_used)).toBe(micro(Number(PRICES[expectedProvider][c.type].price)));
        expect(result.attempts).toEqual([
          expect.objectContaining({ provider: expectedProvider, state: "solved", result_requests: expect.any(Number) }),
        ]);
        expect(result.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
        expect(result.completed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
        const tookMs = Date.parse(result.completed_at) - Date.parse(result.created_at);
        expect(tookMs).toBeGreaterThanOrEqual(FIRST_WAIT_SECONDS[c.kind] * 1000 - CLOCK_SLACK_MS);
        expect(result.processing_time).toEqual(expect.any(Number));

        const solution = result.solution;
        if (c.kind === "recaptcha_v2" || c.kind === "recaptcha_v3") {
          expect(solution).toEqual({ token: expect.stringMatching(/^03AGdBq2/) });
          expect(result.verify).toBe(solution.token);
          expect(result.coordinates).toBeNull();
        } else if (c.kind === "turnstile") {
          expect(solution).toEqual({ token: expect.stringMatching(/^0\./), user_agent: expect.stringContaining("Mozilla/5.0") });
          expect(result.verify).toBe(solution.token);
          expect(result.coordinates).toBeNull();
        } else if (c.kind === "coordinates") {
          expect(solution).toEqual({ coordinates: expect.any(Array) });
          expect(solution.coordinates.length).toBeGreaterThan(0);
          for (const point of solution.coordinates) expect(point).toEqual({ x: expect.any(Number), y: expect.any(Number) });
          expect(result.coordinates).toEqual(solution.coordinates);
          expect(result.verify).toBeNull();
        } else {
          // The sandbox answers normal and text captchas with "sandbox-<captcha id>".
          expect(solution).toEqual({ text: `sandbox-${upstreamId}` });
          expect(result.verify).toBeNull();
          expect(result.coordinates).toBeNull();
        }
      });

      it("sent the documented in.php parameters with json=1 and polled res.php by the rules", () => {
        const { upstreamId } = outcomes.get(c.marker)!;
        const submits = inPhpRequests(sandbox, (p) => p[c.markerParam] === c.upstream[c.markerParam]);
        expect(submits).toHaveLength(1); // exactly one upstream submit for the task
        const params = submits[0]!.params;
        expect(params).toMatchObject({ ...c.upstream, json: "1", key: `${sandboxKey.slice(0, 4)}…(32)` });
        for (const absent of c.notUpstream ?? []) expect(params, `in.php got ${absent}`).not.toHaveProperty(absent);
        if (c.kind === "normal" || c.kind === "coordinates") expect(params.body).toBe(`${image.slice(0, 24)}…(${image.length} chars)`);

        const stats = sandbox.stats()[upstreamId];
        expect(stats, `sandbox captcha ${upstreamId}`).toBeDefined();
        expect(stats!.kind).toBe(c.kind);
        expect(stats!.submittedAt).toBe(submits[0]!.at);
        expect(stats!.resultRequests.length).toBeGreaterThanOrEqual(1);
        expect(stats!.resultRequests.length).toBeLessThanOrEqual(MAX_RESULT_REQUESTS);
        const firstWaitMs = stats!.resultRequests[0]! - stats!.submittedAt;
        expect(firstWaitMs, `first result request ${firstWaitMs} ms after submit`).toBeGreaterThanOrEqual(
          FIRST_WAIT_SECONDS[c.kind] * 1000 - CLOCK_SLACK_MS,
        );
        // One captcha's check (id=, JSON) or a batch of one account's checks (ids=, plain text as documented).
        const polls = sandbox.requests.filter(
          (r) => r.path === "/res.php" && (r.params.id === upstreamId || (r.params.ids ?? "").split(",").includes(upstreamId)),
        );
        expect(polls.length).toBe(stats!.resultRequests.length);
        for (const poll of polls) {
          expect(poll.params.action).toBe("get");
          if (poll.params.ids === undefined) expect(poll.params.json).toBe("1");
        }
      });
    },
  );

  it("the schedule's first waits are those of docs/providers.md: 5 s for image tasks, 15-20 s for token tasks", () => {
    for (const type of ["HcaptchaImageTask", "ImageToTextTask", "TextCaptchaTask", "CoordinatesTask"] as const) expect(firstWaitSeconds(type)).toBe(5);
    for (const type of ["RecaptchaV2Task", "RecaptchaV3Task", "TurnstileTask"] as const) {
      expect(firstWaitSeconds(type)).toBeGreaterThanOrEqual(15);
      expect(firstWaitSeconds(type)).toBeLessThanOrEqual(20);
    }
    expect(firstWaitSeconds("RecaptchaV2Task")).toBe(20);
  });

  it("no captcha in the sandbox got more than 20 result requests, or one before its first wait", () => {
    const all = Object.values(sandbox.stats());
    expect(all).toHaveLength(CASES.length);
    for (const captcha of all) {
      expect(captcha.resultRequests.length).toBeLessThanOrEqual(MAX_RESULT_REQUESTS);
      for (const at of captcha.resultRequests) {
        expect(at - captcha.submittedAt).toBeGreaterThanOrEqual(FIRST_WAIT_SECONDS[captcha.kind] * 1000 - CLOCK_SLACK_MS);
      }
    }
    // Every in.php and res.php request asked for JSON, but the batched checks (ids=), whose
    // documented answer is plain text joined with "|".
    for (const request of sandbox.requests) {
      if (request.params.ids === undefined) expect(request.params.json, `${request.path}`).toBe("1");
    }
    // The checks that fell due together went out batched.
    expect(sandbox.requests.some((r) => (r.params.ids ?? "").includes(","))).toBe(true);
  });

  it("the team's balance + what the tasks were charged == its starting credits, nothing reserved", async () => {
    const account = await api.request("GET", "/v2/account");
    const charged = [...outcomes.values()].reduce((sum, o) => sum + micro(o.result?.credits_used ?? 0), 0);
    expect(micro(account.body.balance) + charged).toBe(micro(100));
    expect(account.body.reserved).toBe(0);
  });
});
