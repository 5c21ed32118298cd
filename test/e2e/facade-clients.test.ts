/**
 * Issue 10, "must show": the real, unmodified client libraries — only their base URL pointed at
 * the router — solve through the compatibility facades against the local stack (sandbox
 * upstreams): @2captcha/captcha-solver over /in.php + /res.php, @antiadmin/anticaptchaofficial
 * and @zennolab_com/capmonstercloud-client over /createTask. Wrong keys, empty accounts and
 * unsolvable captchas get each protocol's own error (never a 5xx, nothing charged), and facade
 * tasks are ordinary tasks: listed, charged and reported in usage like native ones.
 */
import { Solver, APIError } from "@2captcha/captcha-solver";
import {
  CapMonsterCloudClientFactory,
  ClientOptions,
  ErrorType,
  ImageToTextRequest,
  RecaptchaV2Request,
  RecaptchaV3ProxylessRequest,
  TurnstileRequest,
} from "@zennolab_com/capmonstercloud-client";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeam, fakeImage, micro, startStack, teamState, type LocalStack } from "./support.ts";

const SITE_KEY = "6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-";
const PAGE_URL = "https://example.com/login";
const TURNSTILE_KEY = "0x4AAAAAAAC3DHQFLr1GavRN";
/** The sandbox upstreams answer ERROR_CAPTCHA_UNSOLVABLE for instructions containing this. */
const UNSOLVABLE = "SANDBOX_UNSOLVABLE";
const WRONG_KEY = "0123456789abcdef0123456789abcdef";

/** @2captcha/captcha-solver with its two endpoint URLs pointed at the router, nothing else changed. */
function routerSolver(key: string, baseUrl: string): Solver {
  const solver = new Solver(key, 500);
  Object.defineProperties(solver, { in: { get: () => `${baseUrl}/in.php` }, res: { get: () => `${baseUrl}/res.php` } });
  return solver;
}

/** The protocol code an APIError of @2captcha/captcha-solver carries (its message is reworded). */
async function apiErrorCode(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(APIError);
  return (error as APIError & { err: string }).err;
}

/** Anti-Captcha's official client: a CommonJS singleton that posts to a fixed host through axios. */
interface AntiCaptcha {
  settings: { firstAttemptWaitingInterval: number; normalWaitingInterval: number };
  setAPIKey(key: string): void;
  shutUp(): void;
  getBalance(): Promise<number>;
  solveRecaptchaV2Proxyless(url: string, key: string): Promise<string>;
  solveRecaptchaV3(url: string, key: string, minScore: number, action: string): Promise<string>;
  solveTurnstileProxyless(url: string, key: string): Promise<string>;
  solveImage(body: string): Promise<string>;
  solveImageToCoordinates(body: string, comment: string): Promise<number[][]>;
  reportIncorrectImageCaptcha(): Promise<unknown>;
}
const require = createRequire(import.meta.url);
const anticaptchaPath = require.resolve("@antiadmin/anticaptchaofficial");
const ac = require(anticaptchaPath) as AntiCaptcha;
/** The axios instance the Anti-Captcha client itself loads: its host is rewritten to the router's. */
const anticaptchaAxios = createRequire(anticaptchaPath)("axios") as {
  interceptors: { request: { use(f: (config: { url?: string }) => { url?: string }): number } };
};

describe("real 2Captcha and createTask client libraries through the facades", () => {
  let stack: LocalStack;
  let team: Awaited<ReturnType<typeof createTeam>>;
  let broke: Awaited<ReturnType<typeof createTeam>>;
  let other: Awaited<ReturnType<typeof createTeam>>;

  beforeAll(async () => {
    stack = await startStack();
    [team, broke, other] = await Promise.all([createTeam(stack, "facades", 100), createTeam(stack, "broke", 0), createTeam(stack, "other", 10)]);
    anticaptchaAxios.interceptors.request.use((config) => ({ ...config, url: config.url?.replace("https://api.anti-captcha.com", stack.apiUrl) }));
    ac.shutUp();
    ac.settings.firstAttemptWaitingInterval = 1;
    ac.settings.normalWaitingInterval = 1;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("@2captcha/captcha-solver: balance, reCAPTCHA v2 and v3, Turnstile, image, coordinates and text solve; reportbad is accepted; the tasks are listed and charged", async () => {
    const solver = routerSolver(team.apiKey, stack.apiUrl);
    expect(await solver.balance()).toBe(1); // 100 credits = $1
    const image = fakeImage(600);
    const [v2, v3, turnstile, text, coordinates, question] = await Promise.all([
      solver.recaptcha({ googlekey: SITE_KEY, pageurl: PAGE_URL }),
      solver.recaptcha({ googlekey: SITE_KEY, pageurl: PAGE_URL, version: "v3", action: "login", min_score: 0.3 }),
      solver.cloudflareTurnstile({ sitekey: TURNSTILE_KEY, pageurl: PAGE_URL }),
      solver.imageCaptcha({ body: `data:image/png;base64,${image}`, numeric: 4, min_len: 3, max_len: 8 }),
      solver.coordinates({ body: image, textinstructions: "click the cats" }),
      solver.text({ textcaptcha: "If tomorrow is Saturday, what day is today?", lang: "en" }),
    ]);
    for (const answer of [v2, v3, turnstile]) expect(answer.data.length).toBeGreaterThan(10);
    expect(text.data.length).toBeGreaterThan(0);
    expect(coordinates.data).toMatch(/^coordinate:x=\d+,y=\d+/);
    expect(question.data.length).toBeGreaterThan(0);
    const ids = [v2, v3, turnstile, text, coordinates, question].map((answer) => answer.id);
    for (const id of ids) expect(id).toMatch(/^\d+$/);

    expect(await solver.badReport(text.id)).toBe("OK_REPORT_RECORDED");
    expect(await solver.goodReport(v2.id)).toBe("OK_REPORT_RECORDED");

    // Ordinary tasks: in the native task list, charged, and the balance moved by exactly that.
    const { account, tasks } = await teamState(team.api);
    const listed = new Map<string, { status: string; credits_used: number | null; captcha_type: string }>(
      tasks.tasks.map((t: { task_id: string; status: string; credits_used: number | null; captcha_type: string }) => [t.task_id, t]),
    );
    expect(tasks.total).toBe(6);
    const types = [...listed.values()].map((t) => t.captcha_type).sort();
    expect(types).toEqual(["CoordinatesTask", "ImageToTextTask", "RecaptchaV2Task", "RecaptchaV3Task", "TextCaptchaTask", "TurnstileTask"]);
    const charged = [...listed.values()].reduce((sum, t) => sum + micro(t.credits_used ?? 0), 0);
    expect([...listed.values()].every((t) => t.status === "completed")).toBe(true);
    expect(charged).toBeGreaterThan(0);
    // (a reportbad the upstream records is refunded: that task's credits_used is then 0)
    expect(micro(account.balance)).toBe(micro(100) - charged);
    // …and counted in the team's usage report by task type.
    const usage = (await team.api.request("GET", "/v2/usage?group_by=task_type")).body;
    expect(usage.totals.tasks).toBe(6);
    expect(micro(usage.totals.credits_used)).toBe(charged);
    expect(usage.rows.map((row: { task_type: string }) => row.task_type).sort()).toEqual(types);

    // get2 answers with the price in dollars: 1 credit = $0.01.
    const get2 = await fetch(`${stack.apiUrl}/res.php?key=${team.apiKey}&action=get2&id=${v2.id}&json=1`).then((r) => r.json());
    const v2Task = (await team.api.request("GET", `/v2/solver/tasks?limit=100`)).body.tasks.find((t: { captcha_type: string }) => t.captcha_type === "RecaptchaV2Task");
    expect(get2).toEqual({ status: 1, request: v2.data, price: String(Number(v2Task.credits_used) / 100) });
  });

  it("@2captcha/captcha-solver: a wrong key, an empty account and an unsolvable captcha get 2Captcha's errors, and nothing is charged", async () => {
    const wrong = routerSolver(WRONG_KEY, stack.apiUrl);
    // (the client's balance() wraps every failure in an APIError carrying the raw answer)
    const balanceError = await wrong.balance().catch((error: unknown) => error);
    expect(balanceError).toBeInstanceOf(APIError);
    expect(JSON.parse((balanceError as APIError & { err: string }).err)).toEqual({ status: 0, request: "ERROR_KEY_DOES_NOT_EXIST" });
    expect(await apiErrorCode(wrong.recaptcha({ googlekey: SITE_KEY, pageurl: PAGE_URL }))).toBe("ERROR_KEY_DOES_NOT_EXIST");

    const empty = routerSolver(broke.apiKey, stack.apiUrl);
    expect(await apiErrorCode(empty.imageCaptcha({ body: fakeImage(600) }))).toBe("ERROR_ZERO_BALANCE");
    expect((await teamState(broke.api)).tasks.total).toBe(0);

    const solver = routerSolver(other.apiKey, stack.apiUrl);
    expect(await apiErrorCode(solver.coordinates({ body: fakeImage(600), textinstructions: `${UNSOLVABLE} click` }))).toBe("ERROR_CAPTCHA_UNSOLVABLE");
    const { account, tasks } = await teamState(other.api);
    expect(tasks.tasks[0]).toMatchObject({ status: "failed", credits_used: null });
    expect(account).toMatchObject({ balance: 10, reserved: 0 });
  });

  it("@antiadmin/anticaptchaofficial: balance, reCAPTCHA v2 and v3, Turnstile, image-to-text and image-to-coordinates solve; a report is accepted", async () => {
    ac.setAPIKey(team.apiKey);
    const before = await ac.getBalance();
    expect(typeof before).toBe("number");
    const image = fakeImage(600);
    const [v2, v3, turnstile, text] = await Promise.all([
      ac.solveRecaptchaV2Proxyless(PAGE_URL, SITE_KEY),
      ac.solveRecaptchaV3(PAGE_URL, SITE_KEY, 0.3, "login"),
      ac.solveTurnstileProxyless(PAGE_URL, TURNSTILE_KEY),
      ac.solveImage(image),
    ]);
    for (const token of [v2, v3, turnstile]) expect(token.length).toBeGreaterThan(10);
    expect(text.length).toBeGreaterThan(0);
    const coordinates = await ac.solveImageToCoordinates(image, "click the cats");
    expect(coordinates.length).toBeGreaterThan(0);
    for (const point of coordinates) expect(point).toEqual([expect.any(Number), expect.any(Number)]);
    await ac.reportIncorrectImageCaptcha(); // throws on any errorId > 0
    expect(await ac.getBalance()).toBeLessThan(before);
  });

  it("@antiadmin/anticaptchaofficial: wrong key, empty account and unsolvable task throw the protocol's codes", async () => {
    ac.setAPIKey(WRONG_KEY);
    await expect(ac.getBalance()).rejects.toBe("ERROR_KEY_DOES_NOT_EXIST");
    ac.setAPIKey(broke.apiKey);
    await expect(ac.solveImage(fakeImage(600))).rejects.toBe("ERROR_ZERO_BALANCE");
    ac.setAPIKey(other.apiKey);
    await expect(ac.solveImageToCoordinates(fakeImage(600), `${UNSOLVABLE} click`)).rejects.toBe("ERROR_CAPTCHA_UNSOLVABLE");
  });

  it("@zennolab_com/capmonstercloud-client: balance, NoCaptchaTask, v3, Turnstile and image-to-text solve; key, balance and unsolvable errors", async () => {
    const cm = CapMonsterCloudClientFactory.Create(new ClientOptions({ clientKey: team.apiKey, serviceUrl: stack.apiUrl }));
    expect((await cm.getBalance()).balance).toBeGreaterThan(0);
    const [v2, v3, turnstile, text, unsolvable] = await Promise.all([
      cm.Solve(new RecaptchaV2Request({ websiteURL: PAGE_URL, websiteKey: SITE_KEY })),
      cm.Solve(new RecaptchaV3ProxylessRequest({ websiteURL: PAGE_URL, websiteKey: SITE_KEY, minScore: 0.7, pageAction: "login" })),
      cm.Solve(new TurnstileRequest({ websiteURL: PAGE_URL, websiteKey: TURNSTILE_KEY } as ConstructorParameters<typeof TurnstileRequest>[0])),
      cm.Solve(new ImageToTextRequest({ body: fakeImage(600) })),
      cm.Solve(new TurnstileRequest({ websiteURL: PAGE_URL, websiteKey: `${UNSOLVABLE}-key` } as ConstructorParameters<typeof TurnstileRequest>[0])),
    ]);
    expect(unsolvable.error).toBe(ErrorType.CAPTCHA_UNSOLVABLE);
    expect(v2.error).toBeUndefined();
    expect(v2.solution?.gRecaptchaResponse.length).toBeGreaterThan(10);
    expect(v3.solution?.gRecaptchaResponse.length).toBeGreaterThan(10);
    expect(turnstile.solution?.token.length).toBeGreaterThan(10);
    expect(text.solution?.text.length).toBeGreaterThan(0);

    const wrong = CapMonsterCloudClientFactory.Create(new ClientOptions({ clientKey: WRONG_KEY, serviceUrl: stack.apiUrl }));
    await expect(wrong.getBalance()).rejects.toThrow();
    expect((await wrong.Solve(new ImageToTextRequest({ body: fakeImage(600) }))).error).toBe(ErrorType.KEY_DOES_NOT_EXIST);
    const empty = CapMonsterCloudClientFactory.Create(new ClientOptions({ clientKey: broke.apiKey, serviceUrl: stack.apiUrl }));
    expect((await empty.Solve(new ImageToTextRequest({ body: fakeImage(600) }))).error).toBe(ErrorType.ZERO_BALANCE);
  });

  it("one team cannot read, report or poll another team's task through either facade", async () => {
    const solver = routerSolver(team.apiKey, stack.apiUrl);
    const answer = await solver.imageCaptcha({ body: fakeImage(600) });
    const id = answer.id;
    const res = (key: string, query: string) => fetch(`${stack.apiUrl}/res.php?key=${key}&${query}`).then(async (r) => ({ status: r.status, text: await r.text() }));
    expect(await res(other.apiKey, `action=get&id=${id}`)).toEqual({ status: 200, text: "ERROR_WRONG_CAPTCHA_ID" });
    expect(await res(other.apiKey, `action=get2&id=${id}`)).toEqual({ status: 200, text: "ERROR_WRONG_CAPTCHA_ID" });
    expect(await res(other.apiKey, `action=reportbad&id=${id}`)).toEqual({ status: 200, text: "ERROR_WRONG_CAPTCHA_ID" });
    expect(await res(other.apiKey, `action=get&ids=${id},${id}`)).toEqual({ status: 200, text: "ERROR_WRONG_CAPTCHA_ID|ERROR_WRONG_CAPTCHA_ID" });
    expect(await res(team.apiKey, `action=get&id=${id}`)).toEqual({ status: 200, text: `OK|${answer.data}` });
    const post = (path: string, body: unknown) =>
      fetch(`${stack.apiUrl}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const foreign = await post("/getTaskResult", { clientKey: other.apiKey, taskId: Number(id) });
    expect(foreign).toEqual({ status: 200, body: { errorId: 16, errorCode: "ERROR_NO_SUCH_CAPCHA_ID", errorDescription: expect.any(String) } });
    const own = await post("/getTaskResult", { clientKey: team.apiKey, taskId: Number(id) });
    expect(own.body).toMatchObject({ errorId: 0, status: "ready", solution: { text: answer.data } });
    // The native API sees the same task under its router id, and only for its own team.
    const native = (await team.api.request("GET", "/v2/solver/tasks?limit=1")).body.tasks[0];
    expect((await other.api.request("GET", `/v2/solver/result/${native.task_id}`)).status).toBe(404);
    expect(await res(other.apiKey, `action=get&id=${native.task_id}`)).toEqual({ status: 200, text: "ERROR_WRONG_CAPTCHA_ID" });
  });
});
