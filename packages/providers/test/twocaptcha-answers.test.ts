// Pure pieces of the twocaptcha adapter: answer parsing, error classification, request building.
import { describe, expect, it } from "vitest";
import type { UnifiedTask } from "@solver-router/core";
import { parseAnswer, parseCoordinates, readSolution } from "../src/twocaptcha/answers.ts";
import { classifyErrorCode } from "../src/twocaptcha/errors.ts";
import { submitParams, truncate } from "../src/twocaptcha/requests.ts";

describe("parseAnswer", () => {
  it("reads JSON answers", () => {
    expect(parseAnswer('{"status":1,"request":"2122988149"}')).toEqual({ kind: "ok", request: "2122988149", extra: {} });
    expect(parseAnswer('{"status":0,"request":"CAPCHA_NOT_READY"}')).toEqual({ kind: "not_ready" });
    expect(parseAnswer('{"status":0,"request":"ERROR_ZERO_BALANCE"}')).toEqual({ kind: "error", code: "ERROR_ZERO_BALANCE" });
    expect(parseAnswer('{"status":0,"request":"ERROR: 1005"}')).toEqual({ kind: "error", code: "ERROR: 1005" });
    expect(parseAnswer('{"status":"1","request":"abc","useragent":"UA/1"}')).toEqual({
      kind: "ok",
      request: "abc",
      extra: { useragent: "UA/1" },
    });
    // The debugging dump ends with a JSON line, but the whole body is not an answer.
    expect(parseAnswer('array(0) {\n}\n{"status":0,"request":"ERROR_KEY_DOES_NOT_EXIST"}')).toEqual({ kind: "unparseable" });
  });

  it("reads plain-text answers", () => {
    expect(parseAnswer("OK|2122988149")).toEqual({ kind: "ok", request: "2122988149", extra: {} });
    expect(parseAnswer("OK|coordinate:x=39,y=59;x=252,y=72\n")).toEqual({
      kind: "ok",
      request: "coordinate:x=39,y=59;x=252,y=72",
      extra: {},
    });
    expect(parseAnswer("OK|a|b")).toEqual({ kind: "ok", request: "a|b", extra: {} });
    expect(parseAnswer("OK_REPORT_RECORDED")).toEqual({ kind: "ok", request: "OK_REPORT_RECORDED", extra: {} });
    expect(parseAnswer("CAPCHA_NOT_READY")).toEqual({ kind: "not_ready" });
    expect(parseAnswer("ERROR_NO_SLOT_AVAILABLE")).toEqual({ kind: "error", code: "ERROR_NO_SLOT_AVAILABLE" });
    expect(parseAnswer("IP_BANNED")).toEqual({ kind: "error", code: "IP_BANNED" });
    expect(parseAnswer("ERROR: 1001")).toEqual({ kind: "error", code: "ERROR: 1001" });
  });

  it("calls HTML pages, empty bodies and odd JSON unparseable", () => {
    for (const body of [
      "",
      "   ",
      "<html><head><title>502 Bad Gateway</title></head><body>502</body></html>",
      "{not json",
      '{"status":1}',
      '{"status":2,"request":"x"}',
      '{"status":0,"request":"something went wrong"}',
      "[1,2]",
      "Service temporarily unavailable",
    ]) {
      expect(parseAnswer(body), body).toEqual({ kind: "unparseable" });
    }
  });
});

describe("parseCoordinates / readSolution", () => {
  it("reads the documented text form and the JSON array form", () => {
    expect(parseCoordinates("coordinate:x=39,y=59;x=252,y=72")).toEqual([
      { x: 39, y: 59 },
      { x: 252, y: 72 },
    ]);
    expect(parseCoordinates("coordinates:x=1,y=2;")).toEqual([{ x: 1, y: 2 }]);
    expect(parseCoordinates([{ x: "39", y: "59" }, { x: 252, y: 72 }])).toEqual([
      { x: 39, y: 59 },
      { x: 252, y: 72 },
    ]);
    expect(parseCoordinates("coordinate:")).toEqual([]);
    expect(parseCoordinates("x=1,y=2")).toBeUndefined();
    expect(parseCoordinates("coordinate:x=a,y=2")).toBeUndefined();
    expect(parseCoordinates([{ x: "1" }])).toBeUndefined();
    expect(parseCoordinates(42)).toBeUndefined();
  });

  it("shapes solutions by kind", () => {
    expect(readSolution("token", "03AB", { useragent: "UA" })).toEqual({ ok: true, solution: { kind: "token", token: "03AB", userAgent: "UA" } });
    expect(readSolution("token", "03AB", {})).toEqual({ ok: true, solution: { kind: "token", token: "03AB" } });
    expect(readSolution("text", "hello world", {})).toEqual({ ok: true, solution: { kind: "text", text: "hello world" } });
    expect(readSolution("text", 1234, {})).toEqual({ ok: true, solution: { kind: "text", text: "1234" } });
    expect(readSolution("token", "", {}).ok).toBe(false);
    expect(readSolution("coordinates", "nonsense", {}).ok).toBe(false);
  });
});

describe("classifyErrorCode", () => {
  const table: [string, string, number | undefined][] = [
    ["ERROR_NO_SLOT_AVAILABLE", "rate_limited", 5],
    ["MAX_USER_TURN", "rate_limited", 10],
    ["ERROR_ZERO_BALANCE", "cooldown", 60],
    ["ERROR_WRONG_USER_KEY", "cooldown", 600],
    ["ERROR_KEY_DOES_NOT_EXIST", "cooldown", 600],
    ["ERROR_IP_NOT_ALLOWED", "cooldown", 600],
    ["IP_BANNED", "cooldown", 300],
    ["TOO_MANY_BAD_IMAGES", "cooldown", 300],
    ["ERROR: 1001", "rate_limited", 600],
    ["ERROR: 1002", "rate_limited", 300],
    ["ERROR: 1003", "rate_limited", 30],
    ["ERROR: 1004", "rate_limited", 600],
    ["ERROR: 1005", "rate_limited", 300],
    ["ERROR: 1777", "rate_limited", 300],
    ["ERROR:1003", "rate_limited", 30],
    ["ERROR_CAPTCHA_UNSOLVABLE", "unsolvable", undefined],
    ["ERROR_BAD_DUPLICATES", "unsolvable", undefined],
    ["ERROR_WRONG_CAPTCHA_ID", "unsolvable", undefined],
    ["ERROR_PROXY_CONNECTION_FAILED", "unsolvable", undefined],
    ["ERROR_BAD_PROXY", "unsolvable", undefined],
    ["ERROR_CAPTCHAIMAGE_BLOCKED", "unsolvable", undefined],
    ["ERROR_PAGEURL", "bad_request", undefined],
    ["ERROR_GOOGLEKEY", "bad_request", undefined],
    ["ERROR_WRONG_GOOGLEKEY", "bad_request", undefined],
    ["ERROR_BAD_TOKEN_OR_PAGEURL", "bad_request", undefined],
    ["ERROR_BAD_PARAMETERS", "bad_request", undefined],
    ["ERROR_PROXY_FORMAT", "bad_request", undefined],
    ["ERROR_ZERO_CAPTCHA_FILESIZE", "bad_request", undefined],
    ["ERROR_TOO_BIG_CAPTCHA_FILESIZE", "bad_request", undefined],
    ["ERROR_WRONG_FILE_EXTENSION", "bad_request", undefined],
    ["ERROR_IMAGE_TYPE_NOT_SUPPORTED", "bad_request", undefined],
    ["ERROR_UPLOAD", "bad_request", undefined],
    ["ERROR_WRONG_ID_FORMAT", "bad_request", undefined],
    ["ERROR_EMPTY_ACTION", "bad_request", undefined],
    ["ERROR_SOMETHING_NEW", "retry", 5],
  ];
  it.each(table)("%s → %s (%s s)", (code, fault, wait) => {
    const error = classifyErrorCode(code);
    expect(error.fault).toBe(fault);
    expect(error.waitSeconds).toBe(wait);
    expect(error.message).toMatch(/^[A-Z].*\.$/);
    expect(error.message.split(". ").length).toBe(1);
  });

  it("normalises request-limit codes and never echoes odd text", () => {
    expect(classifyErrorCode("ERROR:1003").code).toBe("ERROR: 1003");
    expect(classifyErrorCode("weird text with a key 0123456789abcdef0123456789abcdef").code).toBe("UNKNOWN_ERROR");
  });
});

describe("submitParams", () => {
  const image = Buffer.alloc(150, 7).toString("base64");

  it("sends only the parameters a task sets", () => {
    const task = { type: "ImageToTextTask", fields: { image, case_sensitive: false, phrase: false } } as UnifiedTask;
    expect(submitParams(task)).toEqual([
      ["method", "base64"],
      ["body", image],
    ]);
  });

  it("maps every image hint", () => {
    const task = {
      type: "ImageToTextTask",
      fields: { image: `data:image/png;base64,${image}`, case_sensitive: true, numeric: 0, min_len: 4, max_len: 6, phrase: true, math: true, language: 2, instructions: "red only" },
    } as UnifiedTask;
    expect(Object.fromEntries(submitParams(task))).toEqual({
      method: "base64",
      body: image,
      regsense: "1",
      numeric: "0",
      min_len: "4",
      max_len: "6",
      phrase: "1",
      calc: "1",
      language: "2",
      textinstructions: "red only",
    });
  });

  it("sends the first hCaptcha image and cuts the question to 140 characters", () => {
    const question = "Please click each image containing a bicycle. ".repeat(5);
    const task = { type: "HcaptchaImageTask", fields: { images: [image, "BBBB"], question } } as UnifiedTask;
    const params = Object.fromEntries(submitParams(task));
    expect(params).toMatchObject({ method: "base64", coordinatescaptcha: "1", body: image });
    expect(params.textinstructions).toBe(question.slice(0, 140));
  });

  it("does not pass a proxy for reCAPTCHA V3 (2Captcha's documentation: proxies are not supported for V3)", () => {
    const task = {
      type: "RecaptchaV3Task",
      fields: { site_key: "k", page_url: "https://a.example/", min_score: 0.3, proxy: "u:p@1.2.3.4:8080", proxy_type: "HTTP" },
    } as UnifiedTask;
    const params = Object.fromEntries(submitParams(task));
    expect(params).toEqual({ method: "userrecaptcha", version: "v3", googlekey: "k", pageurl: "https://a.example/", min_score: "0.3" });
  });

  it("uses language for numbers and lang for codes on text captchas", () => {
    expect(submitParams({ type: "TextCaptchaTask", fields: { question: "2+2?", language: 1 } } as UnifiedTask)).toEqual([
      ["textcaptcha", "2+2?"],
      ["language", "1"],
    ]);
    expect(submitParams({ type: "TextCaptchaTask", fields: { question: "2+2?", language: "en" } } as UnifiedTask)).toEqual([
      ["textcaptcha", "2+2?"],
      ["lang", "en"],
    ]);
  });

  it("truncates by characters, not UTF-16 units", () => {
    expect(truncate("😀😀😀", 2)).toBe("😀😀");
    expect(truncate("abc", 5)).toBe("abc");
  });
});
