/**
 * Issue 2, "must show": teams are isolated (another team's task is a 404, never a 403), every
 * malformed request gets docs/api.md's 4xx with a `detail` naming what was wrong and changes no
 * state, no request — however odd — gets a 5xx, and the public routes behave as documented
 * (OpenAPI document, health, pricing without auth, list order and paging, delete).
 */
import { attemptWindowSeconds, generateApiKey, mulberry32, TASK_TYPES, taskDeadlineSeconds } from "@solver-router/core";
import { startTwocaptchaSandbox, type TwocaptchaSandbox } from "@solver-router/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTeam,
  fakeImage,
  inPhpRequests,
  micro,
  rawRequest,
  sleep,
  startStack,
  teamState,
  twocaptchaProviderEntry,
  waitForEnd,
  writeProvidersFile,
  type Client,
  type LocalStack,
} from "./support.ts";

const IMAGE_PRICE = 0.15;
const pricing = (price: number) => ({ price, solve_seconds: 10, accuracy: 0.9 });
const V2_BODY = { site_key: "6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-", page_url: "https://example.com/login" };
const TURNSTILE_BODY = { site_key: "0x4AAAAAAAC3DHQFLr1GavRN", page_url: "https://example.com/cf" };

describe("isolation between teams, request errors, fuzzing and the public routes", () => {
  let stack: LocalStack;
  let sandbox: TwocaptchaSandbox;
  let adminKey: string;
  let teamA: Awaited<ReturnType<typeof createTeam>>;
  let teamB: Awaited<ReturnType<typeof createTeam>>;
  /**
   * Team A's tasks: one completed, one processing (the sandbox never solves reCAPTCHA v2 here), one
   * pending (its only provider cools down for ~2 minutes: the tests that use it come first).
   */
  const a = { completed: "", processing: "", pending: "" };

  beforeAll(async () => {
    const key = generateApiKey();
    sandbox = await startTwocaptchaSandbox({ port: 0, apiKey: key, name: "e2e-isolation", solveAfterMs: { normal: 100, text: 100, coordinates: 100, recaptcha_v2: 3_600_000, recaptcha_v3: 100, turnstile: 100 } });
    const providersFile = await writeProvidersFile([
      twocaptchaProviderEntry("2captcha", sandbox.url, key, {
        HcaptchaImageTask: pricing(0.12),
        RecaptchaV2Task: pricing(0.3),
        RecaptchaV3Task: pricing(0.3),
        ImageToTextTask: pricing(IMAGE_PRICE),
        TextCaptchaTask: pricing(0.1),
        CoordinatesTask: pricing(0.12),
      }),
      // The only provider of Turnstile here; it is put in a cooldown so Turnstile tasks stay pending.
      twocaptchaProviderEntry("frozen", sandbox.url, key, { TurnstileTask: pricing(0.2) }),
    ]);
    adminKey = generateApiKey();
    stack = await startStack({ providersFile, adminKey });
    // As long as the router still accepts tasks for it (the cooldown must end in time for the task's deadline).
    const holdMs = (taskDeadlineSeconds("TurnstileTask") - attemptWindowSeconds("TurnstileTask")) * 1000 - 15_000;
    await stack.ctx.providerStates.setCooldown("frozen", Date.now() + holdMs, "e2e: held in cooldown so its tasks stay pending");
    [teamA, teamB] = await Promise.all([createTeam(stack, "team-a", 10), createTeam(stack, "team-b", 10)]);

    const submit = async (path: string, body: unknown) => {
      const { status, body: answer } = await teamA.api.request("POST", path, { body });
      if (status !== 200) throw new Error(`submit ${path}: ${status} ${JSON.stringify(answer)}`);
      return answer.task_id as string;
    };
    a.completed = await submit("/v2/solver/image", { image: fakeImage(), instructions: "team-a-completed" });
    a.processing = await submit("/v2/solver/recaptcha/v2", V2_BODY);
    a.pending = await submit("/v2/solver/turnstile", TURNSTILE_BODY);
    await waitForEnd(teamA.api, a.completed);
    for (let i = 0; (await teamA.api.request("GET", `/v2/solver/result/${a.processing}`)).body.status !== "processing"; i++) {
      if (i > 100) throw new Error("reCAPTCHA task never reached processing");
      await sleep(100);
    }
  });

  afterAll(async () => {
    await stack?.stop();
    await sandbox?.close();
  });

  /** Team A's state, plus what its tasks show (without the processing task's moving poll count). */
  const stateOfA = async () => {
    const state = await teamState(teamA.api);
    const results = await Promise.all(
      Object.values(a).map(async (id) => {
        const { status, body } = await teamA.api.request("GET", `/v2/solver/result/${id}`);
        return { httpStatus: status, ...body, attempts: body.attempts?.map((x: { provider: string; state: string }) => [x.provider, x.state]) };
      }),
    );
    return { ...state, results, inPhp: inPhpRequests(sandbox, () => true).length };
  };

  it("the set-up: team A has a completed, a processing and a pending task", async () => {
    const statuses = await Promise.all(Object.values(a).map(async (id) => (await teamA.api.request("GET", `/v2/solver/result/${id}`)).body.status));
    expect(statuses).toEqual(["completed", "processing", "pending"]);
  });

  it("team B gets 404 (never 403) for each of team A's tasks on result, report and delete — the same answer as for a task that does not exist — and A's tasks are untouched", async () => {
    const before = await stateOfA();
    const ghost = "01ghost0000000000000000000";
    const answers = async (api: Client, id: string) => [
      await api.request("GET", `/v2/solver/result/${id}`),
      await api.request("POST", `/v2/solver/task/${id}/report`, { body: { correct: false } }),
      await api.request("DELETE", `/v2/solver/task/${id}`),
    ];
    const ghostAnswers = await answers(teamB.api, ghost);
    for (const answer of ghostAnswers) expect(answer.status).toBe(404);
    for (const id of Object.values(a)) {
      const theirs = await answers(teamB.api, id);
      theirs.forEach((answer, i) => {
        expect(answer.status, JSON.stringify(answer.body)).toBe(404);
        expect(answer.body).toEqual({ detail: expect.any(String) });
        // Indistinguishable from a task that does not exist (only the id differs).
        expect(answer.body.detail.replace(id, "<id>")).toBe(ghostAnswers[i]!.body.detail.replace(ghost, "<id>"));
      });
    }
    expect(await stateOfA()).toEqual(before);
    expect((await teamB.api.request("GET", "/v2/solver/tasks")).body).toMatchObject({ total: 0, tasks: [] });
    // Nothing was reported upstream for A's completed task.
    for (const captcha of Object.values(sandbox.stats())) expect(captcha.reports).toEqual([]);
  });

  it("a missing, wrong or malformed key gets 401 on every team route and changes nothing", async () => {
    const before = await stateOfA();
    const keyA = teamA.apiKey;
    const authorizations: (string | null)[] = [
      null, // no Authorization header
      "Bearer",
      "Bearer ",
      `Bearer ${generateApiKey()}`, // well-formed, unknown
      `Bearer ${keyA.toUpperCase()}`,
      `Bearer ${keyA}0`,
      `Bearer ${keyA.slice(0, 31)}`,
      `Bearer ${keyA.slice(0, 31)}g`,
      "Bearer not-a-key",
      `Basic ${Buffer.from(`${keyA}:`).toString("base64")}`,
      keyA, // no scheme
      `Token ${keyA}`,
      `Bearer ${adminKey}`, // the admin key is no team key
      `Bearer ${"f".repeat(4000)}`,
    ];
    const routes: [string, string, unknown?][] = [
      ["GET", "/v2/account"],
      ["GET", "/v2/solver/tasks"],
      ["GET", `/v2/solver/result/${a.completed}`],
      ["POST", "/v2/solver/image", { image: fakeImage() }],
      ["POST", "/v2/solver/task", { type: "ImageToTextTask", image: fakeImage() }],
      ["POST", `/v2/solver/task/${a.completed}/report`, { correct: true }],
      ["DELETE", `/v2/solver/task/${a.completed}`],
      ["GET", "/v2/usage"],
    ];
    for (const authorization of authorizations) {
      // The router limits failed authentications per address (50/s, bursts of 100; key-guard.ts):
      // this sweep of 112 bad-key requests stays under it, so every answer is the key's own 401.
      await new Promise((resolve) => setTimeout(resolve, 250));
      for (const [method, path, body] of routes) {
        const answer = await teamA.api.request(method, path, {
          key: null,
          ...(body !== undefined ? { body } : {}),
          headers: authorization === null ? {} : { authorization },
        });
        expect(answer.status, `${method} ${path} with ${authorization?.slice(0, 50)}`).toBe(401);
        expect(answer.body).toEqual({ detail: expect.any(String) });
      }
    }
    // And a team key is no admin key.
    for (const [method, path] of [["POST", "/v2/admin/teams"], ["GET", "/v2/admin/providers"], ["GET", "/v2/admin/usage"]] as const) {
      const answer = await teamA.api.request(method, path, method === "POST" ? { body: { name: "x", credits: 1000 } } : {});
      expect(answer.status, `${method} ${path} with a team key`).toBe(401);
    }
    expect(await stateOfA()).toEqual(before);
  });

  it("malformed JSON → 400; a missing required field → 400 naming it; wrong types → 400 naming the field; unknown type → 400; over 1 MiB → 413 — and nothing changes", async () => {
    const before = await stateOfA();
    const api = teamA.api;
    const post = (path: string, body: unknown) => api.request("POST", path, { body });

    for (const [path, raw] of [
      ["/v2/solver/image", "{not json"],
      ["/v2/solver/task", '{"type": "ImageToTextTask", "image": '],
      ["/v2/solver/text", "question=hello"],
      [`/v2/solver/task/${a.completed}/report`, "{correct: true}"],
    ] as const) {
      const answer = await api.request("POST", path, { rawBody: raw });
      expect(answer.status, `${path} ${raw}`).toBe(400);
      expect(answer.body).toEqual({ detail: expect.any(String) });
    }
    for (const raw of ["null", "[]", '"image"', "42", "true"]) {
      const answer = await api.request("POST", "/v2/solver/image", { rawBody: raw });
      expect(answer.status, raw).toBe(400);
      expect(answer.body).toEqual({ detail: expect.any(String) });
    }

    const named: [string, unknown, string][] = [
      // missing required fields
      ["/v2/solver/recaptcha/v2", { site_key: V2_BODY.site_key }, "page_url"],
      ["/v2/solver/task", { type: "RecaptchaV2Task", site_key: V2_BODY.site_key }, "page_url"],
      ["/v2/solver/recaptcha/v3", { page_url: V2_BODY.page_url }, "site_key"],
      ["/v2/solver/turnstile", { site_key: TURNSTILE_BODY.site_key }, "page_url"],
      ["/v2/solver/image", {}, "image"],
      ["/v2/solver/coordinates", { instructions: "click" }, "image"],
      ["/v2/solver/text", { language: 2 }, "question"],
      ["/v2/solver/hcaptcha/image", { question: "bus" }, "images"],
      ["/v2/solver/task", { image: fakeImage() }, "type"],
      // wrong types and values
      ["/v2/solver/recaptcha/v2", { ...V2_BODY, site_key: 12345 }, "site_key"],
      ["/v2/solver/recaptcha/v2", { ...V2_BODY, page_url: "not a url" }, "page_url"],
      ["/v2/solver/recaptcha/v2", { ...V2_BODY, page_url: "javascript:alert(1)" }, "page_url"],
      ["/v2/solver/recaptcha/v2", { ...V2_BODY, invisible: "yes" }, "invisible"],
      ["/v2/solver/recaptcha/v2", { ...V2_BODY, proxy: "not a proxy" }, "proxy"],
      ["/v2/solver/recaptcha/v2", { ...V2_BODY, proxy: "10.0.0.1:8080", proxy_type: "FTP" }, "proxy_type"],
      ["/v2/solver/recaptcha/v3", { ...V2_BODY, min_score: 5 }, "min_score"],
      ["/v2/solver/recaptcha/v3", { ...V2_BODY, min_score: "high" }, "min_score"],
      ["/v2/solver/image", { image: fakeImage(), numeric: "one" }, "numeric"],
      ["/v2/solver/image", { image: fakeImage(), numeric: 9 }, "numeric"],
      ["/v2/solver/image", { image: fakeImage(), language: 7 }, "language"],
      ["/v2/solver/image", { image: 42 }, "image"],
      ["/v2/solver/image", { image: "!!! not base64 !!!" }, "image"],
      ["/v2/solver/image", { image: "" }, "image"],
      ["/v2/solver/hcaptcha/image", { images: [] }, "images"],
      ["/v2/solver/hcaptcha/image", { images: fakeImage() }, "images"],
      ["/v2/solver/text", { question: "" }, "question"],
      ["/v2/solver/text", { question: ["a"] }, "question"],
      ["/v2/solver/image", { image: fakeImage(), priority: "fastest" }, "priority"],
      ["/v2/solver/image", { image: fakeImage(), max_price: "cheap" }, "max_price"],
      ["/v2/solver/image", { image: fakeImage(), max_price: -1 }, "max_price"],
      ["/v2/solver/image", { image: fakeImage(), callback_url: "ftp://example.com/hook" }, "callback_url"],
      [`/v2/solver/task/${a.completed}/report`, { correct: "yes" }, "correct"],
      [`/v2/solver/task/${a.completed}/report`, {}, "correct"],
    ];
    for (const [path, body, field] of named) {
      const answer = await post(path, body);
      expect(answer.status, `${path} ${JSON.stringify(body).slice(0, 80)} → ${JSON.stringify(answer.body)}`).toBe(400);
      expect(answer.body).toEqual({ detail: expect.stringContaining(field) });
    }

    for (const type of ["FunCaptchaTask", "", "imagetotexttask", 7, null]) {
      const answer = await post("/v2/solver/task", { type, image: fakeImage() });
      expect(answer.status, `type ${JSON.stringify(type)}`).toBe(400);
      expect(answer.body).toEqual({ detail: expect.stringContaining("type") });
    }

    // Over 1 MiB: 413, with and without a Content-Length (chunked), through a fresh connection each.
    const huge = { image: "A".repeat(1024 * 1024 + 16) };
    for (const path of ["/v2/solver/image", "/v2/solver/task"]) {
      const body = JSON.stringify(path.endsWith("task") ? { type: "ImageToTextTask", ...huge } : huge);
      for (const chunked of [false, true]) {
        const answer = await rawRequest(stack.apiUrl + path, {
          method: "POST",
          headers: { authorization: `Bearer ${teamA.apiKey}`, "content-type": "application/json", ...(chunked ? { "transfer-encoding": "chunked" } : {}) },
          body,
        });
        expect(answer.status, `${path}${chunked ? " (chunked)" : ""}`).toBe(413);
        expect(JSON.parse(answer.text)).toEqual({ detail: expect.any(String) });
      }
    }

    for (const query of ["limit=0", "limit=101", "limit=-5", "limit=abc", "limit=1.5", "offset=-1", "offset=x", "status=bogus", "status=COMPLETED"]) {
      const answer = await api.request("GET", `/v2/solver/tasks?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body).toEqual({ detail: expect.any(String) });
    }
    expect((await api.request("GET", "/v2/solver/tasks?limit=1")).status).toBe(200);
    expect((await api.request("GET", "/v2/solver/tasks?limit=100")).status).toBe(200);

    expect(await stateOfA()).toEqual(before);
  });

  it("deleting or reporting a pending or processing task → 409, and the task carries on", async () => {
    const before = await stateOfA();
    for (const id of [a.pending, a.processing]) {
      const deleted = await teamA.api.request("DELETE", `/v2/solver/task/${id}`);
      expect(deleted.status).toBe(409);
      expect(deleted.body).toEqual({ detail: expect.any(String) });
      const reported = await teamA.api.request("POST", `/v2/solver/task/${id}/report`, { body: { correct: true } });
      expect(reported.status).toBe(409);
      expect(reported.body).toEqual({ detail: expect.any(String) });
    }
    expect(await stateOfA()).toEqual(before);
  });

  it("a fuzz loop of 400 odd requests (random JSON and garbage bodies, odd headers, paths and methods, with and without keys) never gets a 5xx", async () => {
    const fuzzer = await createTeam(stack, "fuzzer", 5);
    const before = await stateOfA();
    const seed = 20_261_121;
    const random = mulberry32(seed);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const ids = [a.completed, a.processing, "x", "0".repeat(26), "../../health", "%00", "a".repeat(80), "🙂", "null", "__proto__", "1 OR 1=1"];
    const teamIds = [fuzzer.teamId, "nope", "__proto__", "%2e%2e", "t".repeat(70)];
    const paths = () => [
      "/v2/solver/task",
      ...TASK_TYPES.map((t) => `/v2/solver/${{ HcaptchaImageTask: "hcaptcha/image", RecaptchaV2Task: "recaptcha/v2", RecaptchaV3Task: "recaptcha/v3", TurnstileTask: "turnstile", ImageToTextTask: "image", TextCaptchaTask: "text", CoordinatesTask: "coordinates" }[t]}`),
      `/v2/solver/result/${encodeURIComponent(pick(ids))}`,
      `/v2/solver/task/${encodeURIComponent(pick(ids))}`,
      `/v2/solver/task/${encodeURIComponent(pick(ids))}/report`,
      `/v2/solver/tasks?limit=${pick(["1", "0", "1e309", "NaN", "-1", "99999999999999999999", "", "[]"])}&offset=${pick(["0", "-0", "1e3", "x"])}&status=${pick(["pending", "", "bogus", "constructor"])}`,
      "/v2/solver/pricing",
      "/v2/account",
      `/v2/usage?from=${pick(["2026-01-01", "2026-13-45", "", "yesterday", "9999-12-31"])}&to=${pick(["2026-12-31", "0000-00-00", "x"])}&group_by=${pick(["day,task_type,provider", "team", "__proto__", "", "day,day"])}&format=${pick(["json", "csv", "xml", ""])}`,
      "/v2/admin/teams",
      `/v2/admin/teams/${encodeURIComponent(pick(teamIds))}/credits`,
      `/v2/admin/teams/${encodeURIComponent(pick(teamIds))}/keys`,
      `/v2/admin/teams/${encodeURIComponent(pick(teamIds))}/keys/${pick(["abcdef12", "", "%ff", "zz"])}`,
      `/v2/admin/teams/${encodeURIComponent(pick(teamIds))}/budget`,
      `/v2/admin/usage?group_by=${pick(["team", "team,day", "bogus"])}&from=${pick(["2026-01-01", "x"])}`,
      "/v2/admin/providers",
      "/v2/openapi.json",
      "/health",
      "/",
      "/v2",
      "/v2/",
      "/v2//solver//task",
      `/v2/solver/${"deep/".repeat(50)}`,
      "/v2/solver/task?%zz=1",
      "/%c0%af",
    ];
    const fieldNames = ["type", "image", "images", "site_key", "page_url", "question", "instructions", "priority", "max_price", "callback_url", "min_score", "numeric", "language", "proxy", "proxy_type", "correct", "name", "credits", "amount", "monthly_limit", "__proto__", "constructor", "prototype", ""];
    const scalar = (): unknown =>
      pick([
        () => null,
        () => true,
        () => false,
        () => 0,
        () => -0.0000001,
        () => 1e308,
        () => -1e308,
        () => 2 ** 53 + 1,
        () => Math.floor(random() * 1000) - 500,
        () => random(),
        () => "",
        () => "\u0000\u0001\u001f",
        () => "x".repeat(Math.floor(random() * 5000)),
        () => "https://example.com/" + "a".repeat(3000),
        () => pick(TASK_TYPES),
        () => pick(["speed", "balanced", "accuracy"]),
        () => fakeImage(Math.floor(random() * 800)),
        () => "1e21",
        () => "0.0000001",
        () => "-5",
        () => "🙂".repeat(100),
        () => "<script>alert(1)</script>",
        () => "'; DROP TABLE tasks; --",
      ])();
    const value = (depth: number): unknown => {
      const r = random();
      if (depth <= 0 || r < 0.6) return scalar();
      if (r < 0.8) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth - 1));
      return object(depth - 1);
    };
    const object = (depth: number): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      const n = Math.floor(random() * 6);
      for (let i = 0; i < n; i++) out[pick(fieldNames)] = value(depth);
      return out;
    };
    const validBodies = (): Record<string, unknown>[] => [
      { type: "ImageToTextTask", image: fakeImage() },
      { image: fakeImage(), numeric: 1 },
      { ...V2_BODY },
      { question: "what is 1+1?" },
      { images: [fakeImage()], question: "bus" },
      { correct: true },
      { name: "fuzzed", credits: 1 },
      { amount: 1 },
    ];
    const body = (): string | undefined =>
      pick([
        () => undefined,
        () => "",
        () => JSON.stringify(object(3)),
        () => JSON.stringify(value(3)),
        () => {
          // a valid body with one field replaced by something odd
          const valid = pick(validBodies());
          valid[pick(Object.keys(valid))] = value(2);
          if (random() < 0.5) valid[pick(fieldNames)] = value(1);
          return JSON.stringify(valid);
        },
        () => JSON.stringify(object(2)).slice(0, Math.floor(random() * 40)), // truncated
        () => Buffer.from(Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256))).toString("latin1"),
        () => '{"a":'.repeat(2000) + "1" + "}".repeat(2000), // deep nesting
        () => `{"image": "${"B".repeat(1024 * 1024 + 10)}"}`,
        () => '{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}',
        () => "null",
        () => "[]",
        () => '{"type": "ImageToTextTask", "type": "TextCaptchaTask", "question": "dup keys"}',
      ])();
    const authorization = () =>
      pick<string | undefined>([
        undefined,
        `Bearer ${fuzzer.apiKey}`,
        `bearer ${fuzzer.apiKey}`,
        `Bearer ${adminKey}`,
        `Bearer ${generateApiKey()}`,
        "Bearer",
        `Bearer ${"z".repeat(2000)}`,
        "Basic Zm9vOmJhcg==",
        `Bearer ${fuzzer.apiKey} ${fuzzer.apiKey}`,
      ]);
    const contentType = () =>
      pick<string | undefined>([
        undefined,
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "multipart/form-data",
        "multipart/form-data; boundary=xyz",
        "application/x-www-form-urlencoded",
        "application/json; charset=utf-16",
        "application/xml",
        "*/*",
      ]);
    const methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "POST", "POST", "GET"];

    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const one = async () => {
      const method = pick(methods);
      const path = pick(paths());
      const headers: Record<string, string> = {};
      const auth = authorization();
      if (auth) headers.authorization = auth;
      const type = contentType();
      if (type) headers["content-type"] = type;
      if (random() < 0.2) headers["idempotency-key"] = pick(["", "k", "x".repeat(300), "same-key", "../../"]);
      if (random() < 0.1) headers["x-forwarded-for"] = "1.1.1.1, 2.2.2.2";
      if (random() < 0.1) headers.accept = pick(["text/csv", "application/xml", "*/*;q=0", "garbage"]);
      if (random() < 0.05) headers["x-long"] = "h".repeat(8000);
      const payload = method === "GET" || method === "HEAD" ? undefined : body();
      let status: number;
      let text: string;
      try {
        ({ status, text } = await rawRequest(stack.apiUrl + path, { method, headers, ...(payload !== undefined ? { body: payload } : {}) }));
      } catch (error) {
        failures.push(`${method} ${path.slice(0, 100)} [${Object.keys(headers).join(",")}] body ${payload?.length}: transport error ${String(error)}`);
        return;
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500) failures.push(`${method} ${path.slice(0, 100)} [${auth?.slice(0, 20)}] [${type}] ${payload?.slice(0, 120)} → ${status} ${text.slice(0, 200)}`);
      else if (status >= 400 && method !== "HEAD") {
        let detail: unknown;
        try {
          detail = (JSON.parse(text) as { detail?: unknown }).detail;
        } catch {
          /* not JSON */
        }
        if (typeof detail !== "string") failures.push(`${method} ${path.slice(0, 100)} → ${status} without a {"detail"} body: ${text.slice(0, 120)}`);
      }
    };
    const total = 400;
    let started = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (started < total) {
          started++;
          await one();
        }
      }),
    );
    expect(failures, `seed ${seed}; statuses ${JSON.stringify([...statuses])}`).toEqual([]);
    expect([...statuses.values()].reduce((x, y) => x + y, 0)).toBe(total);
    expect((await fuzzer.api.request("GET", "/health", { key: null })).body).toEqual({ status: "ok" });
    // The fuzzer never held team A's key, so A is as it was.
    const after = await stateOfA();
    expect({ ...after, inPhp: 0 }).toEqual({ ...before, inPhp: 0 });
  });

  it("GET /v2/openapi.json lists every route of docs/api.md", async () => {
    const { status, body } = await teamA.api.request("GET", "/v2/openapi.json", { key: null });
    expect(status).toBe(200);
    expect(body.openapi).toMatch(/^3\./);
    const routes: [string, string][] = [
      ["post", "/v2/solver/task"],
      ["post", "/v2/solver/hcaptcha/image"],
      ["post", "/v2/solver/recaptcha/v2"],
      ["post", "/v2/solver/recaptcha/v3"],
      ["post", "/v2/solver/turnstile"],
      ["post", "/v2/solver/image"],
      ["post", "/v2/solver/text"],
      ["post", "/v2/solver/coordinates"],
      ["get", "/v2/solver/result/{task_id}"],
      ["get", "/v2/solver/tasks"],
      ["delete", "/v2/solver/task/{task_id}"],
      ["post", "/v2/solver/task/{task_id}/report"],
      ["get", "/v2/solver/pricing"],
      ["get", "/v2/account"],
      ["get", "/v2/usage"],
      ["get", "/v2/admin/usage"],
      ["post", "/v2/admin/teams"],
      ["post", "/v2/admin/teams/{team_id}/credits"],
      ["post", "/v2/admin/teams/{team_id}/keys"],
      ["delete", "/v2/admin/teams/{team_id}/keys/{key_prefix}"],
      ["get", "/v2/admin/providers"],
      ["get", "/health"],
    ];
    const missing = routes.filter(([method, path]) => !body.paths?.[path]?.[method]).map(([m, p]) => `${m.toUpperCase()} ${p}`);
    expect(missing).toEqual([]);
  });

  it('GET /health answers 200 {"status": "ok"} without a key', async () => {
    const answer = await teamA.api.request("GET", "/health", { key: null });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: "ok" });
  });

  it("GET /v2/solver/pricing needs no key and gives each task type's price in credits at each priority", async () => {
    const anonymous = await teamA.api.request("GET", "/v2/solver/pricing", { key: null });
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toEqual({ pricing: expect.any(Array), note: expect.any(String) });
    const byType = new Map<string, { speed: number; balanced: number; accuracy: number }>(anonymous.body.pricing.map((row: { task_type: string }) => [row.task_type, row]));
    for (const row of anonymous.body.pricing) {
      expect(Object.keys(row).sort()).toEqual(["accuracy", "balanced", "speed", "task_type"]);
      expect(TASK_TYPES).toContain(row.task_type);
    }
    expect(byType.get("ImageToTextTask")).toMatchObject({ speed: IMAGE_PRICE, balanced: IMAGE_PRICE, accuracy: IMAGE_PRICE });
    expect(byType.get("TextCaptchaTask")).toMatchObject({ balanced: 0.1 });
    // With a key it is the same.
    expect((await teamA.api.request("GET", "/v2/solver/pricing")).body).toEqual(anonymous.body);
  });

  it("the task list is newest first and honours limit, offset and status; each line is {task_id, status, captcha_type, credits_used, created_at}", async () => {
    const team = await createTeam(stack, "lister", 10);
    const ids: string[] = [];
    // Back to back, with no pause between them: the order must come from the ids (monotonic per
    // instance), not from creation times far enough apart to differ.
    for (const i of [1, 2, 3]) ids.push((await team.api.request("POST", "/v2/solver/text", { body: { question: `list question ${i}` } })).body.task_id);
    ids.push((await team.api.request("POST", "/v2/solver/recaptcha/v2", { body: V2_BODY })).body.task_id); // never solved here
    const newestFirst = [...ids].reverse();
    await Promise.all(ids.slice(0, 3).map((id) => waitForEnd(team.api, id)));

    const all = await team.api.request("GET", "/v2/solver/tasks");
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 4, limit: 50, offset: 0 });
    expect(all.body.tasks.map((t: { task_id: string }) => t.task_id)).toEqual(newestFirst);
    const created = all.body.tasks.map((t: { created_at: string }) => Date.parse(t.created_at));
    expect(created).toEqual([...created].sort((x, y) => y - x));
    for (const line of all.body.tasks) expect(Object.keys(line).sort()).toEqual(["captcha_type", "created_at", "credits_used", "status", "task_id"]);
    expect(all.body.tasks[1]).toEqual({ task_id: ids[2], status: "completed", captcha_type: "TextCaptchaTask", credits_used: 0.1, created_at: expect.any(String) });

    const page1 = await team.api.request("GET", "/v2/solver/tasks?limit=2");
    expect(page1.body).toMatchObject({ total: 4, limit: 2, offset: 0 });
    expect(page1.body.tasks.map((t: { task_id: string }) => t.task_id)).toEqual(newestFirst.slice(0, 2));
    const page2 = await team.api.request("GET", "/v2/solver/tasks?limit=2&offset=2");
    expect(page2.body).toMatchObject({ total: 4, limit: 2, offset: 2 });
    expect(page2.body.tasks.map((t: { task_id: string }) => t.task_id)).toEqual(newestFirst.slice(2, 4));
    const beyond = await team.api.request("GET", "/v2/solver/tasks?offset=10");
    expect(beyond.body).toMatchObject({ total: 4, offset: 10, tasks: [] });

    const completed = await team.api.request("GET", "/v2/solver/tasks?status=completed");
    expect(completed.body).toMatchObject({ total: 3 });
    expect(completed.body.tasks.map((t: { task_id: string }) => t.task_id)).toEqual(newestFirst.slice(1));
    const processing = await team.api.request("GET", "/v2/solver/tasks?status=processing");
    expect(processing.body.tasks.map((t: { task_id: string }) => t.task_id)).toEqual([ids[3]]);
    const failed = await team.api.request("GET", "/v2/solver/tasks?status=failed&limit=5");
    expect(failed.body).toMatchObject({ total: 0, limit: 5, tasks: [] });
  });

  it("a completed task can be reported (passed upstream; a recorded reportbad refunds it) and deleted: 200, then result, report and delete are 404 and the list no longer has it; deleting moves no money", async () => {
    const team = await createTeam(stack, "deleter", 1);
    const id = (await team.api.request("POST", "/v2/solver/image", { body: { image: fakeImage(), instructions: "to-delete" } })).body.task_id;
    await waitForEnd(team.api, id);
    const upstreamId = (await stack.ctx.tasks.get(id))!.attempts[0]!.upstreamId!;

    const reported = await team.api.request("POST", `/v2/solver/task/${id}/report`, { body: { correct: false } });
    expect(reported.status).toBe(200);
    expect(sandbox.stats()[upstreamId]!.reports).toEqual(["bad"]);
    expect((await team.api.request("GET", `/v2/solver/result/${id}`)).body.report).toBe("bad");

    const account = (await team.api.request("GET", "/v2/account")).body;
    const deleted = await team.api.request("DELETE", `/v2/solver/task/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ message: "Task deleted successfully", task_id: id });
    expect((await team.api.request("GET", `/v2/solver/result/${id}`)).status).toBe(404);
    expect((await team.api.request("DELETE", `/v2/solver/task/${id}`)).status).toBe(404);
    expect((await team.api.request("POST", `/v2/solver/task/${id}/report`, { body: { correct: true } })).status).toBe(404);
    expect((await team.api.request("GET", "/v2/solver/tasks")).body).toMatchObject({ total: 0, tasks: [] });
    const after = (await team.api.request("GET", "/v2/account")).body;
    expect(after).toEqual(account);
    expect(reported.body).toMatchObject({ upstream: "recorded", refunded: IMAGE_PRICE });
    expect(micro(after.balance)).toBe(micro(1)); // charged IMAGE_PRICE, refunded by the reportbad
  });
});
