// Foreign protocol parameters → router tasks (the facades' translation, before validation).
import { describe, expect, it } from "vitest";
import { createTaskSolution, createTaskTask } from "../src/api/facades/createtask-protocol.ts";
import { twocaptchaTask } from "../src/api/facades/twocaptcha-tasks.ts";

const IMAGE = Buffer.alloc(300, 7).toString("base64");
const defined = (fields: Record<string, unknown>) => Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));

describe("2Captcha in.php parameters", () => {
  it("userrecaptcha: v2 as 2captcha-python sends it (version=v2&enterprise=0), v3 with action and min_score, the pingback as a 2Captcha-format callback", () => {
    const v2 = twocaptchaTask({ method: "userrecaptcha", googlekey: "k", pageurl: "https://a.example", version: "v2", enterprise: "0", invisible: "1", "data-s": "ds", pingback: "https://hook.example/p" });
    expect(v2.ok && v2.task.type).toBe("RecaptchaV2Task");
    expect(v2.ok && defined(v2.task.fields)).toEqual({ site_key: "k", page_url: "https://a.example", enterprise: false, invisible: true, data_s: "ds" });
    expect(v2.ok && v2.task).toMatchObject({ callbackUrl: "https://hook.example/p", callbackFormat: "twocaptcha" });
    const v3 = twocaptchaTask({ method: "userrecaptcha", googlekey: "k", pageurl: "https://a.example", version: "v3", action: "login", min_score: "0.3" });
    expect(v3.ok && v3.task.type).toBe("RecaptchaV3Task");
    expect(v3.ok && defined(v3.task.fields)).toEqual({ site_key: "k", page_url: "https://a.example", action: "login", min_score: 0.3 });
  });

  it("images: post/base64 as normal captchas with their hints, coordinatescaptcha=1 as coordinates, textcaptcha without a file as a text captcha", () => {
    const normal = twocaptchaTask({ method: "base64", body: IMAGE, numeric: "4", min_len: "3", max_len: "8", regsense: "1", calc: "0", phrase: "1", textinstructions: "red" });
    expect(normal.ok && defined(normal.task.fields)).toEqual({ image: IMAGE, numeric: 4, min_len: 3, max_len: 8, case_sensitive: true, math: false, phrase: true, instructions: "red" });
    const coordinates = twocaptchaTask({ method: "post", file: IMAGE, coordinatescaptcha: "1", textinstructions: "click" });
    expect(coordinates.ok && coordinates.task.type).toBe("CoordinatesTask");
    const text = twocaptchaTask({ method: "post", textcaptcha: "2+2?", lang: "en" });
    expect(text.ok && text.task).toMatchObject({ type: "TextCaptchaTask", fields: { question: "2+2?", language: "en" } });
    expect(twocaptchaTask({ textcaptcha: "2+2?" }).ok).toBe(true);
  });

  it("names the protocol's error for what is missing or unserved", () => {
    expect(twocaptchaTask({ method: "userrecaptcha", pageurl: "https://a.example" })).toEqual({ ok: false, code: "ERROR_WRONG_GOOGLEKEY" });
    expect(twocaptchaTask({ method: "turnstile", sitekey: "k" })).toEqual({ ok: false, code: "ERROR_PAGEURL" });
    expect(twocaptchaTask({ method: "post" })).toEqual({ ok: false, code: "ERROR_ZERO_CAPTCHA_FILESIZE" });
    expect(twocaptchaTask({ method: "base64", body: "aGVsbG8=" })).toEqual({ ok: false, code: "ERROR_ZERO_CAPTCHA_FILESIZE" });
    expect(twocaptchaTask({ method: "geetest" })).toEqual({ ok: false, code: "ERROR_BAD_PARAMETERS" });
  });
});

describe("createTask task objects", () => {
  it("accept null, \"\", 0 and false as 'not given' (Anti-Captcha's clients send them)", () => {
    const image = createTaskTask({ type: "ImageToTextTask", body: IMAGE, phrase: false, case: false, numeric: false, math: 0, minLength: 0, maxLength: false, comment: 0, languagePool: "en" });
    expect(image.ok && defined(image.task.fields)).toEqual({ image: IMAGE, phrase: false, case_sensitive: false, math: false });
    const v2 = createTaskTask({ type: "RecaptchaV2TaskProxyless", websiteURL: "https://a.example", websiteKey: "k", websiteSToken: null, recaptchaDataSValue: "", isInvisible: false });
    expect(v2.ok && defined(v2.task.fields)).toEqual({ site_key: "k", page_url: "https://a.example", invisible: false });
    const turnstile = createTaskTask({ type: "TurnstileTaskProxyless", websiteURL: "https://a.example", websiteKey: "k", action: "", cData: "", chlPageData: null });
    expect(turnstile.ok && defined(turnstile.task.fields)).toEqual({ site_key: "k", page_url: "https://a.example" });
  });

  it("maps CapMonster's NoCaptchaTask, enterprise types, Anti-Captcha's ImageToCoordinatesTask and proxy fields", () => {
    expect(createTaskTask({ type: "NoCaptchaTask", websiteURL: "https://a.example", websiteKey: "k" })).toMatchObject({ ok: true, task: { type: "RecaptchaV2Task" } });
    const enterprise = createTaskTask({ type: "RecaptchaV2EnterpriseTask", websiteURL: "https://a.example", websiteKey: "k", enterprisePayload: { s: "S" }, proxyType: "http", proxyAddress: "1.2.3.4", proxyPort: 8080, proxyLogin: "u", proxyPassword: "p" });
    expect(enterprise.ok && defined(enterprise.task.fields)).toEqual({ site_key: "k", page_url: "https://a.example", data_s: "S", enterprise: true, proxy: "u:p@1.2.3.4:8080", proxy_type: "http" });
    expect(createTaskTask({ type: "ImageToCoordinatesTask", body: IMAGE, comment: "click", mode: "points" })).toMatchObject({ ok: true, task: { type: "CoordinatesTask", fields: { instructions: "click" } } });
    expect(createTaskTask({ type: "FunCaptchaTask" })).toMatchObject({ ok: false, code: "ERROR_TASK_NOT_SUPPORTED" });
    expect(createTaskTask(null)).toEqual({ ok: false, code: "ERROR_TASK_ABSENT" });
  });

  it("answers solutions under the names the clients read; coordinates as [[x, y], …]", () => {
    expect(createTaskSolution({ kind: "token", token: "T", userAgent: "UA" }, "RecaptchaV2Task")).toEqual({ gRecaptchaResponse: "T", token: "T", userAgent: "UA" });
    expect(createTaskSolution({ kind: "token", token: "T" }, "TurnstileTask")).toEqual({ token: "T" });
    expect(createTaskSolution({ kind: "coordinates", coordinates: [{ x: 1, y: 2 }, { x: 3, y: 4 }] }, "CoordinatesTask")).toEqual({ coordinates: [[1, 2], [3, 4]] });
    expect(createTaskSolution({ kind: "text", text: "abc" }, "ImageToTextTask")).toEqual({ text: "abc" });
  });
});
