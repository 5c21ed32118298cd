/**
 * Issue 10: the facades' wire protocol as clients that cannot run here use it — 2captcha-python
 * (plain-text answers, urlencoded and multipart posts with a `file` field, `version=v2&enterprise=0`,
 * text captchas as method=post with `textcaptcha` and no file, a bare-number balance) and
 * Anti-Captcha's Python client (createTask JSON with null/""/false placeholders and softId) —
 * plus pingbacks in 2Captcha's format, header_acao, json=1 shapes, batches, get2 and reports.
 * Every answer is HTTP 200.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, createTeam, fakeImage, startStack, waitForEnd, type LocalStack } from "./support.ts";

const SITE_KEY = "6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-";
const PAGE_URL = "https://example.com/login";

describe("2Captcha v1 and createTask wire protocol", () => {
  let stack: LocalStack;
  let team: Awaited<ReturnType<typeof createTeam>>;
  let pingbackServer: Server;
  let pingbackUrl: string;
  const pingbacks: { contentType: string | undefined; body: string }[] = [];

  const get = async (path: string, query: Record<string, string>) => {
    const response = await fetch(`${stack.apiUrl}${path}?${new URLSearchParams(query)}`);
    return { status: response.status, type: response.headers.get("content-type") ?? "", acao: response.headers.get("access-control-allow-origin"), text: await response.text() };
  };
  const post = async (path: string, body: string | URLSearchParams | FormData, headers: Record<string, string> = {}) => {
    const response = await fetch(`${stack.apiUrl}${path}`, { method: "POST", body, headers });
    return { status: response.status, type: response.headers.get("content-type") ?? "", text: await response.text() };
  };
  const createTask = async (body: unknown) => {
    const answer = await post("/createTask", JSON.stringify(body), { "content-type": "application/json" });
    expect(answer.status).toBe(200);
    expect(answer.type).toMatch(/^application\/json/);
    return JSON.parse(answer.text) as Record<string, unknown>;
  };
  const api = async (path: string, body: unknown) => {
    const answer = await post(path, JSON.stringify(body), { "content-type": "application/json" });
    expect(answer.status).toBe(200);
    return JSON.parse(answer.text) as Record<string, unknown>;
  };
  /** Polls res.php (as 2captcha-python does) until the answer is not CAPCHA_NOT_READY. */
  const plainResult = async (id: string, timeoutMs = 60_000) => {
    const started = Date.now();
    for (;;) {
      const answer = await get("/res.php", { key: team.apiKey, action: "get", id });
      expect(answer.status).toBe(200);
      if (answer.text !== "CAPCHA_NOT_READY") return answer.text;
      if (Date.now() - started > timeoutMs) throw new Error(`captcha ${id} not ready after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };

  beforeAll(async () => {
    pingbackServer = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        pingbacks.push({ contentType: request.headers["content-type"], body: Buffer.concat(chunks).toString("utf8") });
        response.end("ok");
      });
    });
    await new Promise<void>((resolve) => pingbackServer.listen(0, "127.0.0.1", resolve));
    const address = pingbackServer.address();
    pingbackUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/pingback/answer.php`;
    stack = await startStack();
    team = await createTeam(stack, "wire", 100);
  });
  afterAll(async () => {
    await stack?.stop();
    await new Promise((resolve) => pingbackServer?.close(resolve));
  });

  it("2captcha-python: bare-number balance, urlencoded reCAPTCHA v2 with version=v2&enterprise=0, multipart `file`, text captcha with no file; plain-text answers", async () => {
    expect(await get("/res.php", { key: team.apiKey, action: "getbalance" })).toMatchObject({ status: 200, text: "1" });

    const v2 = await post(
      "/in.php",
      new URLSearchParams({ key: team.apiKey, method: "userrecaptcha", googlekey: SITE_KEY, pageurl: PAGE_URL, version: "v2", enterprise: "0", soft_id: "4580", unknown_param: "x" }),
    );
    expect(v2).toMatchObject({ status: 200, text: expect.stringMatching(/^OK\|\d+$/) });

    const form = new FormData();
    form.set("key", team.apiKey);
    form.set("method", "post");
    form.set("numeric", "4");
    form.set("min_len", "0");
    form.set("file", new Blob([Buffer.from(fakeImage(800), "base64")], { type: "image/png" }), "captcha.png");
    const image = await post("/in.php", form);
    expect(image).toMatchObject({ status: 200, text: expect.stringMatching(/^OK\|\d+$/) });

    const text = await post("/in.php", new URLSearchParams({ key: team.apiKey, method: "post", textcaptcha: "If tomorrow is Saturday, what day is today?", lang: "en" }));
    expect(text).toMatchObject({ status: 200, text: expect.stringMatching(/^OK\|\d+$/) });

    const [imageId, textId, v2Id] = [image, text, v2].map((answer) => answer.text.slice(3));
    expect(await plainResult(imageId!)).toMatch(/^OK\|.+/);
    expect(await plainResult(textId!)).toMatch(/^OK\|.+/);

    // The tasks are ordinary tasks of the right types.
    const { body } = await team.api.request("GET", "/v2/solver/tasks?limit=100");
    expect(body.tasks.map((t: { captcha_type: string }) => t.captcha_type).sort()).toEqual(["ImageToTextTask", "RecaptchaV2Task", "TextCaptchaTask"]);
    // get2 in plain text: OK|answer|price in dollars; a batch answers in order, unknown ids as errors.
    const imageAnswer = (await plainResult(imageId!)).slice(3);
    expect((await get("/res.php", { key: team.apiKey, action: "get2", id: imageId! })).text).toMatch(new RegExp(`^OK\\|${imageAnswer}\\|0\\.\\d+$`));
    const batch = await get("/res.php", { key: team.apiKey, action: "get", ids: `${imageId},123,${v2Id}` });
    expect(batch.text.split("|")).toEqual([imageAnswer, "ERROR_WRONG_CAPTCHA_ID", expect.stringMatching(/^(CAPCHA_NOT_READY|.{20,})$/)]);

    // Reports: the first is recorded, a second is a duplicate; an unfinished captcha cannot be reported.
    expect((await get("/res.php", { key: team.apiKey, action: "reportbad", id: imageId! })).text).toBe("OK_REPORT_RECORDED");
    expect((await get("/res.php", { key: team.apiKey, action: "reportgood", id: imageId! })).text).toBe("ERROR_DUPLICATE_REPORT");
  });

  it("json=1 shapes, header_acao, key and id errors, and no 5xx for odd input", async () => {
    const tasksBefore = (await team.api.request("GET", "/v2/solver/tasks?limit=1")).body.total;
    const balance = await get("/res.php", { key: team.apiKey, action: "getbalance", json: "1", header_acao: "1" });
    expect(balance).toMatchObject({ status: 200, acao: "*" });
    expect(balance.type).toMatch(/^application\/json/);
    expect(JSON.parse(balance.text)).toEqual({ status: 1, request: expect.stringMatching(/^\d+(\.\d+)?$/) });
    expect((await get("/res.php", { key: team.apiKey, action: "getbalance" })).acao).toBeNull();

    const cases: [Record<string, string>, string][] = [
      [{ key: "0123456789abcdef0123456789abcdef", action: "getbalance" }, "ERROR_KEY_DOES_NOT_EXIST"],
      [{ key: "not-a-key", action: "getbalance" }, "ERROR_KEY_DOES_NOT_EXIST"],
      [{ action: "getbalance" }, "ERROR_WRONG_USER_KEY"],
      [{ key: team.apiKey }, "ERROR_EMPTY_ACTION"],
      [{ key: team.apiKey, action: "get", id: "12ab!" }, "ERROR_WRONG_ID_FORMAT"],
      [{ key: team.apiKey, action: "get", id: "42" }, "ERROR_WRONG_CAPTCHA_ID"],
      [{ key: team.apiKey, action: "get", id: "99999999999999999999" }, "ERROR_WRONG_CAPTCHA_ID"],
      [{ key: team.apiKey, action: "reportbad", id: "42" }, "ERROR_WRONG_CAPTCHA_ID"],
    ];
    for (const [query, code] of cases) {
      expect(await get("/res.php", query), JSON.stringify(query)).toMatchObject({ status: 200, text: code });
      expect(JSON.parse((await get("/res.php", { ...query, json: "1" })).text)).toEqual({ status: 0, request: code });
    }
    const inCases: [Record<string, string>, string][] = [
      [{ key: team.apiKey, method: "userrecaptcha", pageurl: PAGE_URL }, "ERROR_WRONG_GOOGLEKEY"],
      [{ key: team.apiKey, method: "userrecaptcha", googlekey: SITE_KEY }, "ERROR_PAGEURL"],
      [{ key: team.apiKey, method: "userrecaptcha", googlekey: SITE_KEY, pageurl: "ftp://x" }, "ERROR_PAGEURL"],
      [{ key: team.apiKey, method: "userrecaptcha", googlekey: SITE_KEY, pageurl: PAGE_URL, proxy: "no proxy here" }, "ERROR_PROXY_FORMAT"],
      [{ key: team.apiKey, method: "base64", body: "aGVsbG8=" }, "ERROR_ZERO_CAPTCHA_FILESIZE"],
      [{ key: team.apiKey, method: "base64" }, "ERROR_UPLOAD"],
      [{ key: team.apiKey, method: "funcaptcha" }, "ERROR_BAD_PARAMETERS"],
      [{ key: team.apiKey, method: "base64", body: fakeImage(400), numeric: "9" }, "ERROR_BAD_PARAMETERS"],
    ];
    for (const [query, code] of inCases) expect(await get("/in.php", query), JSON.stringify(query)).toMatchObject({ status: 200, text: code });
    for (const body of ["", "{", "key=&&&==", "\u0000\u0001", JSON.stringify([1, 2])]) {
      expect((await post("/in.php", body, { "content-type": "application/x-www-form-urlencoded" })).status).toBe(200);
      expect((await post("/res.php", body)).status).toBe(200);
      expect((await post("/createTask", body, { "content-type": "application/json" })).status).toBe(200);
    }
    // The facades are described in the OpenAPI document too.
    const doc = (await team.api.request("GET", "/v2/openapi.json", { key: null })).body as { paths: Record<string, unknown> };
    for (const path of ["/in.php", "/res.php", "/createTask", "/getTaskResult", "/getBalance", "/reportIncorrectImageCaptcha"]) expect(doc.paths[path], path).toBeDefined();
    // Nothing above made a task.
    expect((await team.api.request("GET", "/v2/solver/tasks?limit=1")).body.total).toBe(tasksBefore);
  });

  it("a monthly budget that says wait answers ERROR_NO_SLOT_AVAILABLE (errorId 2), and nothing is reserved", async () => {
    const capped = await createTeam(stack, "capped", 10);
    const admin = client(stack, stack.adminKey);
    expect((await admin.request("PUT", `/v2/admin/teams/${capped.teamId}/budget`, { body: { monthly_budget: 0.001 } })).status).toBe(200);
    const image = fakeImage(500);
    expect((await get("/in.php", { key: capped.apiKey, method: "base64", body: image })).text).toBe("ERROR_NO_SLOT_AVAILABLE");
    expect(await api("/createTask", { clientKey: capped.apiKey, task: { type: "ImageToTextTask", body: image } })).toEqual({
      errorId: 2,
      errorCode: "ERROR_NO_SLOT_AVAILABLE",
      errorDescription: expect.stringMatching(/Monthly budget exceeded/),
    });
    const { body } = await capped.api.request("GET", "/v2/account");
    expect(body).toMatchObject({ balance: 10, reserved: 0 });
    expect((await capped.api.request("GET", "/v2/solver/tasks")).body.total).toBe(0);
  });

  it("a pingback arrives as 2Captcha sends it: an urlencoded POST of id and code", async () => {
    const submitted = await post("/in.php", JSON.stringify({ key: team.apiKey, method: "base64", body: fakeImage(500), json: 1, pingback: pingbackUrl }), {
      "content-type": "application/json",
    });
    const { status, request: id } = JSON.parse(submitted.text) as { status: number; request: string };
    expect(status).toBe(1);
    const answer = (await plainResult(id)).slice(3);
    const started = Date.now();
    while (!pingbacks.some((p) => p.body.includes(`id=${id}`))) {
      if (Date.now() - started > 30_000) throw new Error("no pingback within 30 s");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const pingback = pingbacks.find((p) => p.body.includes(`id=${id}`))!;
    expect(pingback.contentType).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(pingback.body))).toEqual({ id, code: answer });
  });

  it("Anti-Captcha Python: null/\"\"/false placeholders and softId are accepted; numeric taskId; getTaskResult envelope; errors are errorId + code + description", async () => {
    const created = await createTask({
      clientKey: team.apiKey,
      task: { type: "ImageToTextTask", body: fakeImage(600), phrase: false, case: false, numeric: 0, math: false, minLength: 0, maxLength: 0, comment: false, websiteURL: null },
      softId: 0,
      languagePool: "en",
    });
    expect(created).toEqual({ errorId: 0, taskId: expect.any(Number) });
    const turnstile = await createTask({
      clientKey: team.apiKey,
      task: { type: "TurnstileTaskProxyless", websiteURL: PAGE_URL, websiteKey: "0x4AAAAAAAC3DHQFLr1GavRN", action: "", cData: "", chlPageData: null },
      softId: 0,
    });
    expect(turnstile).toEqual({ errorId: 0, taskId: expect.any(Number) });
    const v2 = await createTask({
      clientKey: team.apiKey,
      task: { type: "RecaptchaV2TaskProxyless", websiteURL: PAGE_URL, websiteKey: SITE_KEY, websiteSToken: null, recaptchaDataSValue: null, isInvisible: false },
      softId: 0,
    });
    expect(v2).toEqual({ errorId: 0, taskId: expect.any(Number) });

    const taskId = created.taskId as number;
    let result = await api("/getTaskResult", { clientKey: team.apiKey, taskId });
    const started = Date.now();
    while (result.status === "processing") {
      if (Date.now() - started > 60_000) throw new Error("image task not ready");
      await new Promise((resolve) => setTimeout(resolve, 500));
      result = await api("/getTaskResult", { clientKey: team.apiKey, taskId });
    }
    expect(result).toMatchObject({ errorId: 0, status: "ready", solution: { text: expect.any(String) }, cost: expect.stringMatching(/^0\.\d+$/) });
    expect(await api("/reportIncorrectImageCaptcha", { clientKey: team.apiKey, taskId })).toEqual({ errorId: 0, status: "success" });
    const balance = await api("/getBalance", { clientKey: team.apiKey });
    expect(balance).toEqual({ errorId: 0, balance: expect.any(Number) });

    const errors: [string, unknown, number, string][] = [
      ["/getBalance", { clientKey: "0123456789abcdef0123456789abcdef" }, 1, "ERROR_KEY_DOES_NOT_EXIST"],
      ["/createTask", { clientKey: team.apiKey }, 22, "ERROR_TASK_ABSENT"],
      ["/createTask", { clientKey: team.apiKey, task: { type: "FunCaptchaTask" } }, 23, "ERROR_TASK_NOT_SUPPORTED"],
      ["/createTask", { clientKey: team.apiKey, task: { type: "ImageToTextTask", body: "" } }, 3, "ERROR_ZERO_CAPTCHA_FILESIZE"],
      ["/createTask", { clientKey: team.apiKey, task: { type: "NoCaptchaTaskProxyless", websiteURL: PAGE_URL, websiteKey: "" } }, 31, "ERROR_RECAPTCHA_INVALID_SITEKEY"],
      ["/createTask", { clientKey: team.apiKey, task: { type: "NoCaptchaTaskProxyless", websiteURL: "not a url", websiteKey: SITE_KEY } }, 110, "ERROR_BAD_PARAMETERS"],
      ["/getTaskResult", { clientKey: team.apiKey, taskId: 42 }, 16, "ERROR_NO_SUCH_CAPCHA_ID"],
      ["/getTaskResult", { clientKey: team.apiKey, taskId: "abc" }, 16, "ERROR_NO_SUCH_CAPCHA_ID"],
    ];
    for (const [path, body, errorId, errorCode] of errors) {
      expect(await api(path, body), `${path} ${JSON.stringify(body)}`).toEqual({ errorId, errorCode, errorDescription: expect.any(String) });
    }
    const tasks = (await team.api.request("GET", "/v2/solver/tasks?limit=100")).body;
    const native = tasks.tasks.find((t: { captcha_type: string; task_id: string }) => t.captcha_type === "ImageToTextTask");
    expect(native).toBeDefined();
    await waitForEnd(team.api, native.task_id);
  });
});
