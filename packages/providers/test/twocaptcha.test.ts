// The real twocaptcha adapter against the twocaptcha sandbox (and a few scripted servers),
// over HTTP on 127.0.0.1.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PollOutcome, Provider, TaskType, UnifiedTask, UpstreamError } from "@solver-router/core";
import { createTwocaptchaAdapter, twocaptchaAdapter } from "../src/twocaptcha/adapter.ts";
import { startTwocaptchaSandbox, type TwocaptchaSandbox } from "@solver-router/sandbox";
import { providerFactory } from "./support.ts";

const KEY = "0123456789abcdef0123456789abcdef";
const IMAGE_MS = 250;
const TOKEN_MS = 400;
const IMAGE = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 1)]).toString("base64");
const IMAGE_2 = Buffer.alloc(300, 2).toString("base64");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every error any test saw: none may contain the key. */
const seenErrors: UpstreamError[] = [];
function note<T extends { kind: string; error?: UpstreamError }>(outcome: T): T {
  if (outcome.kind === "error" && outcome.error) seenErrors.push(outcome.error);
  return outcome;
}

const provider = providerFactory("2captcha-sandbox", "twocaptcha", KEY);

let sandbox: TwocaptchaSandbox;
let upstream: Provider;
const adapter = twocaptchaAdapter;

beforeAll(async () => {
  sandbox = await startTwocaptchaSandbox({
    port: 0,
    solveAfterMs: { normal: IMAGE_MS, text: IMAGE_MS, coordinates: IMAGE_MS, recaptcha_v2: TOKEN_MS, recaptcha_v3: TOKEN_MS, turnstile: TOKEN_MS },
    name: "test-2captcha",
  });
  upstream = provider(sandbox.url);
});

afterAll(async () => {
  await sandbox.close();
  for (const error of seenErrors) {
    expect(error.message).not.toContain(KEY);
    expect(error.code).not.toContain(KEY);
  }
});

/** Submits, checks the immediate poll is not ready, then polls until solved; returns id, params and the solution. */
async function solve(task: UnifiedTask, solveMs: number) {
  const submitted = note(await adapter.submit(upstream, task));
  expect(submitted.kind).toBe("submitted");
  const upstreamId = (submitted as { upstreamId: string }).upstreamId;
  expect(upstreamId).toMatch(/^\d+$/);
  const params = sandbox.requests.filter((r) => r.path === "/in.php").at(-1)!.params;

  const first = note(await adapter.poll(upstream, upstreamId, task.type));
  expect(first).toEqual({ kind: "not_ready" });

  await sleep(solveMs + 30);
  let outcome: PollOutcome = { kind: "not_ready" };
  for (let attempt = 0; attempt < 20 && outcome.kind === "not_ready"; attempt++) {
    outcome = note(await adapter.poll(upstream, upstreamId, task.type));
    if (outcome.kind === "not_ready") await sleep(50);
  }
  expect(outcome.kind).toBe("solved");
  const stats = sandbox.stats()[upstreamId]!;
  expect(stats.resultRequests.length).toBeLessThanOrEqual(20);
  return { upstreamId, params, solution: (outcome as Extract<PollOutcome, { kind: "solved" }>).solution };
}

describe("twocaptcha adapter: each task type against the sandbox", () => {
  it("declares the protocol", () => {
    expect(adapter.protocol).toBe("twocaptcha");
    expect(typeof adapter.poll).toBe("function");
    expect(typeof adapter.report).toBe("function");
    expect([...adapter.taskTypes].sort()).toEqual(
      ["CoordinatesTask", "HcaptchaImageTask", "ImageToTextTask", "RecaptchaV2Task", "RecaptchaV3Task", "TextCaptchaTask", "TurnstileTask"].sort(),
    );
  });

  it("ImageToTextTask: method=base64 with its hints → text", async () => {
    const { params, solution, upstreamId } = await solve(
      {
        type: "ImageToTextTask",
        fields: { image: IMAGE, case_sensitive: true, numeric: 4, min_len: 4, max_len: 8, phrase: true, math: false, language: 2, instructions: "type red symbols only" },
      },
      IMAGE_MS,
    );
    expect(params).toMatchObject({
      method: "base64",
      json: "1",
      regsense: "1",
      numeric: "4",
      min_len: "4",
      max_len: "8",
      phrase: "1",
      language: "2",
      textinstructions: "type red symbols only",
    });
    expect(params.key).toBe("0123…(32)");
    expect(params.body).toContain(`(${IMAGE.length} chars)`);
    expect(params).not.toHaveProperty("calc");
    expect(params).not.toHaveProperty("coordinatescaptcha");
    expect(solution).toEqual({ kind: "text", text: `sandbox-${upstreamId}` });
    expect(sandbox.stats()[upstreamId]).toMatchObject({ method: "base64", kind: "normal" });
  });

  it("TextCaptchaTask: textcaptcha + lang → text", async () => {
    const { params, solution } = await solve({ type: "TextCaptchaTask", fields: { question: "If tomorrow is Saturday, what day is today?", language: "en" } }, IMAGE_MS);
    expect(params).toMatchObject({ textcaptcha: "If tomorrow is Saturday, what day is today?", lang: "en", json: "1" });
    expect(params).not.toHaveProperty("method");
    expect(params).not.toHaveProperty("language");
    expect(solution.kind).toBe("text");
  });

  it("CoordinatesTask: coordinatescaptcha=1 → numeric coordinates", async () => {
    const { params, solution } = await solve({ type: "CoordinatesTask", fields: { image: IMAGE, instructions: "Click on ghosts" } }, IMAGE_MS);
    expect(params).toMatchObject({ method: "base64", coordinatescaptcha: "1", textinstructions: "Click on ghosts" });
    expect(solution.kind).toBe("coordinates");
    const points = (solution as { coordinates: { x: number; y: number }[] }).coordinates;
    expect(points).toHaveLength(2);
    for (const point of points) {
      expect(typeof point.x).toBe("number");
      expect(typeof point.y).toBe("number");
    }
  });

  it("HcaptchaImageTask: the first image, the question cut to 140 characters → coordinates", async () => {
    const question = "Please click on each image containing a motorbus; ".repeat(4);
    const { params, solution } = await solve({ type: "HcaptchaImageTask", fields: { images: [IMAGE, IMAGE_2], question } }, IMAGE_MS);
    expect(params).toMatchObject({ method: "base64", coordinatescaptcha: "1", textinstructions: question.slice(0, 140) });
    expect(params.body).toContain(`(${IMAGE.length} chars)`);
    expect(solution.kind).toBe("coordinates");
  });

  it("RecaptchaV2Task: userrecaptcha with invisible, enterprise, data-s, proxy → token", async () => {
    const { params, solution } = await solve(
      {
        type: "RecaptchaV2Task",
        fields: {
          site_key: "6Le-wvkSVVABCPBMRTvw0Q4Muexq1bi0DJwx_mJ-",
          page_url: "https://mysite.example/page/with/recaptcha",
          data_s: "opaque-s-value",
          invisible: true,
          enterprise: true,
          proxy: "login:password@123.123.123.123:3128",
          proxy_type: "SOCKS5",
        },
      },
      TOKEN_MS,
    );
    expect(params).toMatchObject({
      method: "userrecaptcha",
      googlekey: "6Le-wvkSVVABCPBMRTvw0Q4Muexq1bi0DJwx_mJ-",
      pageurl: "https://mysite.example/page/with/recaptcha",
      invisible: "1",
      enterprise: "1",
      "data-s": "opaque-s-value",
      proxy: "login:password@123.123.123.123:3128",
      proxytype: "SOCKS5",
    });
    expect(params).not.toHaveProperty("version");
    expect(solution.kind).toBe("token");
    expect((solution as { token: string }).token.length).toBeGreaterThan(200);
  });

  it("RecaptchaV2Task: plain widget sends no optional parameters", async () => {
    const submitted = note(await adapter.submit(upstream, { type: "RecaptchaV2Task", fields: { site_key: "6LeAAAAAAAAAAAAA", page_url: "https://a.example/" } }));
    expect(submitted.kind).toBe("submitted");
    const params = sandbox.requests.at(-1)!.params;
    expect(Object.keys(params).sort()).toEqual(["googlekey", "json", "key", "method", "pageurl"]);
  });

  it("RecaptchaV3Task: version=v3 with action, min_score, enterprise; no proxy → token", async () => {
    const { params, solution } = await solve(
      {
        type: "RecaptchaV3Task",
        fields: {
          site_key: "6LfZil0UAAAAAAdm1Dpzsw9q0F11-bmervx9g5fE",
          page_url: "https://mysite.example/page/",
          action: "verify",
          min_score: 0.3,
          enterprise: true,
          proxy: "1.2.3.4:8080",
          proxy_type: "HTTP",
        },
      },
      TOKEN_MS,
    );
    expect(params).toMatchObject({
      method: "userrecaptcha",
      version: "v3",
      googlekey: "6LfZil0UAAAAAAdm1Dpzsw9q0F11-bmervx9g5fE",
      pageurl: "https://mysite.example/page/",
      action: "verify",
      min_score: "0.3",
      enterprise: "1",
    });
    expect(params).not.toHaveProperty("proxy");
    expect(params).not.toHaveProperty("proxytype");
    expect(solution.kind).toBe("token");
  });

  it("TurnstileTask: sitekey, pageurl, action, data, pagedata, proxy → token with user agent", async () => {
    const { params, solution } = await solve(
      {
        type: "TurnstileTask",
        fields: {
          site_key: "0x0AAAAAAADnPIDROzbs0Aaj",
          page_url: "https://2captcha.example/",
          action: "managed",
          data: "7fab0000b0e0ff00",
          pagedata: "3gAFo2...0ME1UVT0=",
          proxy: "5.6.7.8:3128",
          proxy_type: "HTTPS",
        },
      },
      TOKEN_MS,
    );
    expect(params).toMatchObject({
      method: "turnstile",
      sitekey: "0x0AAAAAAADnPIDROzbs0Aaj",
      pageurl: "https://2captcha.example/",
      action: "managed",
      data: "7fab0000b0e0ff00",
      pagedata: "3gAFo2...0ME1UVT0=",
      proxy: "5.6.7.8:3128",
      proxytype: "HTTPS",
    });
    expect(solution).toMatchObject({ kind: "token", userAgent: expect.stringContaining("Mozilla/5.0") });
  });

  it("reads JSON-array coordinates too", async () => {
    const arrays = await startTwocaptchaSandbox({ solveAfterMs: 0, jsonCoordinates: "array" });
    try {
      const p = provider(arrays.url);
      const submitted = await adapter.submit(p, { type: "CoordinatesTask", fields: { image: IMAGE } });
      const id = (submitted as { upstreamId: string }).upstreamId;
      const solved = await adapter.poll(p, id, "CoordinatesTask");
      expect(solved.kind).toBe("solved");
      const coordinates = (solved as { solution: { coordinates: unknown } }).solution.coordinates as { x: number }[];
      expect(coordinates.length).toBe(2);
      expect(typeof coordinates[0]!.x).toBe("number");
    } finally {
      await arrays.close();
    }
  });
});

describe("twocaptcha adapter: reports", () => {
  it("reportgood / reportbad are recorded; a repeated report counts as recorded", async () => {
    const submitted = await adapter.submit(upstream, { type: "TextCaptchaTask", fields: { question: "2 + 2 = ?" } });
    const id = (submitted as { upstreamId: string }).upstreamId;
    expect(await adapter.report(upstream, id, true)).toEqual({ kind: "recorded" });
    const last = sandbox.requests.at(-1)!;
    expect(last).toMatchObject({ path: "/res.php", method: "GET", params: { action: "reportgood", id, json: "1" } });
    expect(await adapter.report(upstream, id, false)).toEqual({ kind: "recorded" });
    expect(sandbox.stats()[id]!.reports).toEqual(["good"]);

    const other = await adapter.submit(upstream, { type: "TextCaptchaTask", fields: { question: "3 + 3 = ?" } });
    const otherId = (other as { upstreamId: string }).upstreamId;
    expect(await adapter.report(upstream, otherId, false)).toEqual({ kind: "recorded" });
    expect(sandbox.stats()[otherId]!.reports).toEqual(["bad"]);
  });

  it("a report for an unknown id is an error", async () => {
    const outcome = note(await adapter.report(upstream, "99", true));
    expect(outcome).toMatchObject({ kind: "error", error: { code: "ERROR_WRONG_CAPTCHA_ID" } });
  });
});

describe("twocaptcha adapter: errors from the sandbox", () => {
  it.each([
    ["zero_balance", "ERROR_ZERO_BALANCE", "cooldown", 60],
    ["no_slot", "ERROR_NO_SLOT_AVAILABLE", "rate_limited", 5],
    ["bad_key", "ERROR_KEY_DOES_NOT_EXIST", "cooldown", 600],
    ["http_500", "HTTP_500", "retry", 5],
  ] as const)("fault %s → %s (%s)", async (fault, code, kind, wait) => {
    sandbox.setFault(fault);
    try {
      const outcome = note(await adapter.submit(upstream, { type: "ImageToTextTask", fields: { image: IMAGE } }));
      expect(outcome).toMatchObject({ kind: "error", error: { code, fault: kind, waitSeconds: wait } });
      const error = (outcome as { error: UpstreamError }).error;
      expect(error.message).not.toContain(KEY);
      expect(error.message.length).toBeGreaterThan(10);
    } finally {
      sandbox.setFault(null);
    }
  });

  it("fault unsolvable → res.php ERROR_CAPTCHA_UNSOLVABLE → unsolvable", async () => {
    const submitted = await adapter.submit(upstream, { type: "ImageToTextTask", fields: { image: IMAGE } });
    sandbox.setFault("unsolvable");
    try {
      const outcome = note(await adapter.poll(upstream, (submitted as { upstreamId: string }).upstreamId, "ImageToTextTask"));
      expect(outcome).toMatchObject({ kind: "error", error: { code: "ERROR_CAPTCHA_UNSOLVABLE", fault: "unsolvable" } });
    } finally {
      sandbox.setFault(null);
    }
  });

  it("http_500 on res.php is a retry too", async () => {
    sandbox.setFault("http_500");
    try {
      const outcome = note(await adapter.poll(upstream, "74000000001", "ImageToTextTask"));
      expect(outcome).toMatchObject({ kind: "error", error: { code: "HTTP_500", fault: "retry", waitSeconds: 5 } });
    } finally {
      sandbox.setFault(null);
    }
  });

  it("bad parameters are bad requests", async () => {
    const tiny = Buffer.alloc(50, 1).toString("base64");
    const cases: [UnifiedTask, string][] = [
      [{ type: "ImageToTextTask", fields: { image: tiny } }, "ERROR_ZERO_CAPTCHA_FILESIZE"],
      [{ type: "RecaptchaV2Task", fields: { site_key: "6LeAAAAAAAAAAAAA", page_url: "" } } as UnifiedTask, "ERROR_PAGEURL"],
      [{ type: "TurnstileTask", fields: { site_key: "", page_url: "https://a.example/" } } as UnifiedTask, "ERROR_BAD_PARAMETERS"],
      [{ type: "RecaptchaV2Task", fields: { site_key: "6LeAAAAAAAAAAAAA", page_url: "https://a.example/", proxy: "not a proxy" } }, "ERROR_PROXY_FORMAT"],
    ];
    for (const [task, code] of cases) {
      const outcome = note(await adapter.submit(upstream, task));
      expect(outcome, code).toMatchObject({ kind: "error", error: { code, fault: "bad_request" } });
    }
  });

  it("unknown and malformed captcha ids", async () => {
    expect(note(await adapter.poll(upstream, "12345", "TurnstileTask"))).toMatchObject({
      kind: "error",
      error: { code: "ERROR_WRONG_CAPTCHA_ID", fault: "unsolvable" },
    });
    expect(note(await adapter.poll(upstream, "abc", "TurnstileTask"))).toMatchObject({
      kind: "error",
      error: { code: "ERROR_WRONG_ID_FORMAT", fault: "bad_request" },
    });
  });

  it("key errors cool the provider down", async () => {
    expect(note(await adapter.submit(provider(sandbox.url, "short-key"), { type: "TextCaptchaTask", fields: { question: "q?" } }))).toMatchObject({
      kind: "error",
      error: { code: "ERROR_WRONG_USER_KEY", fault: "cooldown", waitSeconds: 600 },
    });
    const strict = await startTwocaptchaSandbox({ apiKey: "ffffffffffffffffffffffffffffffff" });
    try {
      const outcome = note(await adapter.poll(provider(strict.url), "74000000001", "TextCaptchaTask"));
      expect(outcome).toMatchObject({ kind: "error", error: { code: "ERROR_KEY_DOES_NOT_EXIST", fault: "cooldown" } });
    } finally {
      await strict.close();
    }
  });

  it("a captcha marked SANDBOX_UNSOLVABLE comes back unsolvable", async () => {
    const fast = await startTwocaptchaSandbox({ solveAfterMs: 0 });
    try {
      const p = provider(fast.url);
      const submitted = await adapter.submit(p, { type: "RecaptchaV2Task", fields: { site_key: "SANDBOX_UNSOLVABLE", page_url: "https://a.example/" } });
      const outcome = note(await adapter.poll(p, (submitted as { upstreamId: string }).upstreamId, "RecaptchaV2Task"));
      expect(outcome).toMatchObject({ kind: "error", error: { fault: "unsolvable" } });
    } finally {
      await fast.close();
    }
  });
});

describe("twocaptcha adapter: answers that are not answers", () => {
  /** A server that answers every request with the next scripted reply. */
  let scripted: Server;
  let scriptedUrl: string;
  let replies: { status: number; body: string; type?: string; headers?: Record<string, string> }[] = [];
  const seenUrls: string[] = [];

  beforeAll(async () => {
    scripted = createServer((req, res) => {
      seenUrls.push(req.url ?? "");
      req.resume();
      req.on("end", () => {
        const reply = replies.shift() ?? { status: 200, body: "CAPCHA_NOT_READY" };
        res.writeHead(reply.status, { "content-type": reply.type ?? "text/html; charset=utf-8", ...reply.headers });
        res.end(reply.body);
      });
    });
    await new Promise<void>((resolve) => scripted.listen(0, "127.0.0.1", resolve));
    scriptedUrl = `http://127.0.0.1:${(scripted.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => scripted.close(() => resolve())));

  const cases: [string, { status: number; body: string; type?: string; headers?: Record<string, string> }, Partial<UpstreamError> | "not_ready" | "solved"][] = [
    ["plain-text error despite json=1", { status: 200, body: "ERROR_ZERO_BALANCE" }, { code: "ERROR_ZERO_BALANCE", fault: "cooldown", waitSeconds: 60 }],
    ["plain-text request limit", { status: 200, body: "ERROR: 1005" }, { code: "ERROR: 1005", fault: "rate_limited", waitSeconds: 300 }],
    ["plain-text IP_BANNED", { status: 200, body: "IP_BANNED" }, { code: "IP_BANNED", fault: "cooldown", waitSeconds: 300 }],
    ["plain-text MAX_USER_TURN", { status: 200, body: "MAX_USER_TURN" }, { code: "MAX_USER_TURN", fault: "rate_limited", waitSeconds: 10 }],
    ["plain-text not ready", { status: 200, body: "CAPCHA_NOT_READY" }, "not_ready"],
    ["plain-text answer", { status: 200, body: "OK|hello" }, "solved"],
    ["HTML 500 page", { status: 500, body: "<html><body><h1>500 Internal Server Error</h1></body></html>" }, { code: "HTTP_500", fault: "retry", waitSeconds: 5 }],
    ["HTML 502 page", { status: 502, body: "<html><body><h1>502 Bad Gateway</h1></body></html>" }, { code: "HTTP_502", fault: "retry", waitSeconds: 5 }],
    ["HTML page with status 200", { status: 200, body: "<!doctype html><html><body>Maintenance</body></html>" }, { code: "UNPARSEABLE", fault: "retry", waitSeconds: 5 }],
    ["broken JSON", { status: 200, body: '{"status":1,"request":', type: "application/json" }, { code: "UNPARSEABLE", fault: "retry" }],
    ["empty body", { status: 200, body: "" }, { code: "UNPARSEABLE", fault: "retry" }],
    ["HTML 429 page", { status: 429, body: "<html>Too Many Requests</html>" }, { code: "HTTP_429", fault: "rate_limited", waitSeconds: 5 }],
    ["redirect", { status: 301, body: "", headers: { location: "https://elsewhere.example/res.php" } }, { code: "HTTP_301", fault: "cooldown" }],
    ["unknown error code", { status: 200, body: '{"status":0,"request":"ERROR_NEW_THING"}' }, { code: "ERROR_NEW_THING", fault: "retry", waitSeconds: 5 }],
  ];

  it.each(cases)("%s", async (_name, reply, expected) => {
    replies = [reply];
    const outcome = note(await adapter.poll(provider(scriptedUrl), "2122988149", "ImageToTextTask"));
    if (expected === "not_ready") expect(outcome).toEqual({ kind: "not_ready" });
    else if (expected === "solved") expect(outcome).toEqual({ kind: "solved", solution: { kind: "text", text: "hello" } });
    else {
      expect(outcome).toMatchObject({ kind: "error", error: expected });
      expect((outcome as { error: UpstreamError }).error.message).not.toContain(KEY);
    }
    expect(seenUrls.at(-1)).toBe(`/res.php?key=${KEY}&action=get&id=2122988149&json=1`);
  });

  it("a solved answer that is not a usable solution is unsolvable", async () => {
    replies = [{ status: 200, body: '{"status":1,"request":"not coordinates"}' }];
    const outcome = note(await adapter.poll(provider(scriptedUrl), "1", "CoordinatesTask"));
    expect(outcome).toMatchObject({ kind: "error", error: { code: "BAD_SOLUTION", fault: "unsolvable" } });
  });

  it("submit needs an id, not a not-ready answer", async () => {
    replies = [{ status: 200, body: "CAPCHA_NOT_READY" }];
    const outcome = note(await twocaptchaAdapter.submit(provider(scriptedUrl), { type: "TextCaptchaTask", fields: { question: "q" } }));
    expect(outcome).toMatchObject({ kind: "error", error: { code: "UNPARSEABLE", fault: "retry" } });
    replies = [{ status: 200, body: "OK|2122988149" }];
    expect(await twocaptchaAdapter.submit(provider(scriptedUrl), { type: "TextCaptchaTask", fields: { question: "q" } })).toEqual({
      kind: "submitted",
      upstreamId: "2122988149",
    });
  });
});

describe("twocaptcha adapter: transport failures", () => {
  it("a closed port is a retry, and the message holds no key", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const outcome = note(await adapter.poll(provider(`http://127.0.0.1:${port}`), "1", "TextCaptchaTask"));
    expect(outcome).toMatchObject({ kind: "error", error: { code: "NETWORK_ERROR", fault: "retry", waitSeconds: 5 } });
    const error = (outcome as { error: UpstreamError }).error;
    expect(error.message).not.toContain(KEY);
    expect(error.message).not.toContain("res.php");
  });

  it("a fetch error whose text contains the URL never leaks it", async () => {
    const leaky = createTwocaptchaAdapter({
      fetch: (async (input: string | URL | Request) => {
        throw new TypeError(`fetch failed for ${String(input)}`, { cause: { code: "ECONNRESET" } });
      }) as typeof fetch,
    });
    for (const outcome of [
      await leaky.poll(provider("https://2captcha.example"), "1", "TextCaptchaTask"),
      await leaky.submit(provider("https://2captcha.example"), { type: "TextCaptchaTask", fields: { question: "q" } }),
      await leaky.report(provider("https://2captcha.example"), "1", true),
    ]) {
      note(outcome);
      expect(outcome).toMatchObject({ kind: "error", error: { code: "NETWORK_ERROR", fault: "retry" } });
      const error = (outcome as { error: UpstreamError }).error;
      expect(error.message).toBe("The provider could not be reached (ECONNRESET).");
    }
  });

  it("a server that never answers times out as a retry", async () => {
    const silent = createServer(() => {
      /* never answers */
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const quick = createTwocaptchaAdapter({ timeoutMs: 200 });
      const started = Date.now();
      const outcome = note(await quick.poll(provider(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`), "1", "TextCaptchaTask"));
      expect(Date.now() - started).toBeLessThan(2000);
      expect(outcome).toMatchObject({ kind: "error", error: { code: "TIMEOUT", fault: "retry", waitSeconds: 5 } });
      expect((outcome as { error: UpstreamError }).error.message).not.toContain(KEY);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it("submits as a form POST to in.php with the key and json=1", async () => {
    const seen: { url: string; init: RequestInit }[] = [];
    const recording = createTwocaptchaAdapter({
      fetch: (async (input: string | URL | Request, init?: RequestInit) => {
        seen.push({ url: String(input), init: init ?? {} });
        return new Response('{"status":1,"request":"777"}', { status: 200 });
      }) as typeof fetch,
    });
    const outcome = await recording.submit(provider("https://api.solvecaptcha.example/"), {
      type: "TurnstileTask",
      fields: { site_key: "3x00000000000000000000FF", page_url: "https://a.example/" },
    });
    expect(outcome).toEqual({ kind: "submitted", upstreamId: "777" });
    expect(seen[0]!.url).toBe("https://api.solvecaptcha.example/in.php");
    expect(seen[0]!.init.method).toBe("POST");
    expect(new Headers(seen[0]!.init.headers).get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(String(seen[0]!.init.body)))).toEqual({
      key: KEY,
      method: "turnstile",
      sitekey: "3x00000000000000000000FF",
      pageurl: "https://a.example/",
      json: "1",
    });
  });
});

describe("twocaptcha sandbox: what the router's polling looks like from the upstream side", () => {
  it("records submit time and every result request per captcha", async () => {
    const submitted = await adapter.submit(upstream, { type: "TurnstileTask", fields: { site_key: "0x4AAAAAAAB", page_url: "https://a.example/" } });
    const id = (submitted as { upstreamId: string }).upstreamId;
    await adapter.poll(upstream, id, "TurnstileTask" as TaskType);
    await adapter.poll(upstream, id, "TurnstileTask");
    const stats = sandbox.stats()[id]!;
    expect(stats).toMatchObject({ method: "turnstile", kind: "turnstile" });
    expect(stats.resultRequests).toHaveLength(2);
    expect(stats.resultRequests[0]!).toBeGreaterThanOrEqual(stats.submittedAt);
    expect(stats.readyAt - stats.submittedAt).toBe(TOKEN_MS);
  });
});
