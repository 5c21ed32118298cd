/**
 * 2Captcha v1 `in.php` parameters → a router task (the reverse of what the twocaptcha adapter in
 * packages/providers sends upstream). Methods: userrecaptcha (v2, v3 with version=v3), turnstile,
 * post (multipart `file`) and base64 (`body`) images — normal captchas, or coordinates with
 * coordinatescaptcha=1 — and textcaptcha (with method=post and no file too, as 2captcha-python
 * sends it). Unknown parameters are ignored.
 */
import type { TaskType } from "@solver-router/core";
import { base64Bytes, flag, numberParam, textParam, type FacadeTask } from "./facade-submit.ts";
import type { Params } from "./request-params.ts";

/** The 2Captcha error code for a task that cannot be built, or the task. */
export type TwocaptchaTaskResult = { ok: true; task: Omit<FacadeTask, "priority" | "maxPrice" | "idempotencyKey"> } | { ok: false; code: string };

const MIN_IMAGE_BYTES = 100;

export function twocaptchaTask(p: Params): TwocaptchaTaskResult {
  const method = (p.method ?? "").trim().toLowerCase();
  const callback = textParam(p.pingback);
  const withCallback = (type: TaskType, fields: Record<string, unknown>): TwocaptchaTaskResult => ({
    ok: true,
    task: { type, fields, ...(callback ? { callbackUrl: callback, callbackFormat: "twocaptcha" as const } : {}) },
  });
  const proxy = { proxy: textParam(p.proxy), proxy_type: textParam(p.proxytype) };

  if (method === "userrecaptcha") {
    if (!textParam(p.googlekey)) return { ok: false, code: "ERROR_WRONG_GOOGLEKEY" };
    if (!textParam(p.pageurl)) return { ok: false, code: "ERROR_PAGEURL" };
    const site = { site_key: p.googlekey, page_url: p.pageurl, enterprise: flag(p.enterprise), ...proxy };
    if ((p.version ?? "").trim().toLowerCase() === "v3") {
      return withCallback("RecaptchaV3Task", { ...site, action: textParam(p.action), min_score: numberParam(p.min_score) });
    }
    return withCallback("RecaptchaV2Task", { ...site, invisible: flag(p.invisible), data_s: textParam(p["data-s"]) });
  }
  if (method === "turnstile") {
    if (!textParam(p.sitekey)) return { ok: false, code: "ERROR_BAD_PARAMETERS" };
    if (!textParam(p.pageurl)) return { ok: false, code: "ERROR_PAGEURL" };
    return withCallback("TurnstileTask", {
      site_key: p.sitekey,
      page_url: p.pageurl,
      action: textParam(p.action),
      data: textParam(p.data),
      pagedata: textParam(p.pagedata),
      ...proxy,
    });
  }
  const image = method === "post" ? textParam(p.file) : method === "base64" ? textParam(p.body) : undefined;
  const question = textParam(p.textcaptcha);
  if ((method === "" || method === "post" || method === "textcaptcha") && !image && question) {
    return withCallback("TextCaptchaTask", { question, language: textParam(p.lang) ?? numberParam(p.language) });
  }
  if (method === "post" || method === "base64") {
    if (!image) return { ok: false, code: method === "post" ? "ERROR_ZERO_CAPTCHA_FILESIZE" : "ERROR_UPLOAD" };
    if (base64Bytes(image) < MIN_IMAGE_BYTES) return { ok: false, code: "ERROR_ZERO_CAPTCHA_FILESIZE" };
    if (flag(p.coordinatescaptcha)) {
      return withCallback("CoordinatesTask", { image, instructions: textParam(p.textinstructions) });
    }
    return withCallback("ImageToTextTask", {
      image,
      numeric: numberParam(p.numeric),
      min_len: numberParam(p.min_len),
      max_len: numberParam(p.max_len),
      phrase: flag(p.phrase),
      case_sensitive: flag(p.regsense),
      math: flag(p.calc),
      language: numberParam(p.language),
      instructions: textParam(p.textinstructions),
    });
  }
  return { ok: false, code: "ERROR_BAD_PARAMETERS" };
}

/** The in.php error for a native field the schema refused. */
export function twocaptchaFieldError(field: string): string {
  switch (field) {
    case "page_url":
      return "ERROR_PAGEURL";
    case "site_key":
      return "ERROR_GOOGLEKEY";
    case "image":
      return "ERROR_UPLOAD";
    case "proxy":
    case "proxy_type":
      return "ERROR_PROXY_FORMAT";
    default:
      return "ERROR_BAD_PARAMETERS";
  }
}
