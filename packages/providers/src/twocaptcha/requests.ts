/**
 * Unified task → in.php form parameters (docs/providers.md; 2Captcha's API documentation, sections
 * "Normal Captcha", "Text Captcha", "reCAPTCHA V2", "Invisible reCAPTCHA V2", "reCAPTCHA V3",
 * "reCAPTCHA Enterprise", "Coordinates method", "Cloudflare Turnstile", "Using proxies").
 * Only parameters the task sets are sent; `key` and `json=1` are added by the adapter.
 */
import type { TaskFields, TaskType, UnifiedTask } from "@solver-router/core";

export type FormParams = [name: string, value: string][];

/** `textinstructions` and `textcaptcha` hold at most 140 characters (2Captcha's documentation). */
export const MAX_INSTRUCTION_CHARS = 140;

/**
 * Seed 004 "Using proxies": "Proxies are not supported for reCAPTCHA V3 and Enterprise V3 as
 * proxies dramatically decrease the success rate", and the V3 parameter table has no proxy.
 * So a V3 task's proxy is not passed upstream (the router's API still accepts it).
 */
export const SEND_PROXY_FOR_RECAPTCHA_V3 = false;

type Builder<T extends TaskType> = (fields: TaskFields<T>) => FormParams;

const BUILDERS: { [T in TaskType]: Builder<T> } = {
  /**
   * hCaptcha image challenge via the coordinates method: one screenshot of the challenge plus
   * the question. The method takes one image; when several tiles are given only the first is
   * sent (the router is expected to send the whole challenge as one screenshot here).
   */
  HcaptchaImageTask: (f) => [
    ["method", "base64"],
    ["coordinatescaptcha", "1"],
    ["body", stripDataUrl(f.images[0] ?? "")],
    ...opt("textinstructions", f.question ? truncate(f.question, MAX_INSTRUCTION_CHARS) : undefined),
  ],

  RecaptchaV2Task: (f) => [
    ["method", "userrecaptcha"],
    ["googlekey", f.site_key],
    ["pageurl", f.page_url],
    ...flag("invisible", f.invisible),
    ...flag("enterprise", f.enterprise),
    ...opt("data-s", f.data_s),
    ...proxy(f.proxy, f.proxy_type),
  ],

  RecaptchaV3Task: (f) => [
    ["method", "userrecaptcha"],
    ["version", "v3"],
    ["googlekey", f.site_key],
    ["pageurl", f.page_url],
    ...opt("action", f.action),
    ...opt("min_score", f.min_score),
    ...flag("enterprise", f.enterprise),
    ...(SEND_PROXY_FOR_RECAPTCHA_V3 ? proxy(f.proxy, f.proxy_type) : []),
  ],

  TurnstileTask: (f) => [
    ["method", "turnstile"],
    ["sitekey", f.site_key],
    ["pageurl", f.page_url],
    ...opt("action", f.action),
    ...opt("data", f.data),
    ...opt("pagedata", f.pagedata),
    ...proxy(f.proxy, f.proxy_type),
  ],

  ImageToTextTask: (f) => [
    ["method", "base64"],
    ["body", stripDataUrl(f.image)],
    ...flag("regsense", f.case_sensitive),
    ...opt("numeric", f.numeric),
    ...opt("min_len", f.min_len),
    ...opt("max_len", f.max_len),
    ...flag("phrase", f.phrase),
    ...flag("calc", f.math),
    ...opt("language", f.language),
    ...opt("textinstructions", f.instructions ? truncate(f.instructions, MAX_INSTRUCTION_CHARS) : undefined),
  ],

  /** No `method`: the presence of `textcaptcha` selects it (2Captcha's documentation "Text Captcha"). */
  TextCaptchaTask: (f) => [
    ["textcaptcha", truncate(f.question, MAX_INSTRUCTION_CHARS)],
    ...(typeof f.language === "number" ? opt("language", f.language) : opt("lang", f.language)),
  ],

  CoordinatesTask: (f) => [
    ["method", "base64"],
    ["coordinatescaptcha", "1"],
    ["body", stripDataUrl(f.image)],
    ...opt("textinstructions", f.instructions ? truncate(f.instructions, MAX_INSTRUCTION_CHARS) : undefined),
  ],
};

/** The in.php parameters for a task, without `key` and `json`. */
export function submitParams(task: UnifiedTask): FormParams {
  const build = BUILDERS[task.type] as Builder<TaskType>;
  return build(task.fields);
}

function opt(name: string, value: string | number | undefined | null): FormParams {
  if (value === undefined || value === null) return [];
  const text = String(value);
  return text === "" ? [] : [[name, text]];
}

function flag(name: string, value: boolean | undefined): FormParams {
  return value ? [[name, "1"]] : [];
}

function proxy(address: string | undefined, type: string | undefined): FormParams {
  if (!address) return [];
  return [["proxy", address], ...opt("proxytype", type?.toUpperCase())];
}

/** Truncates to `max` characters (code points, so a surrogate pair is never split). */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, max).join("");
}

function stripDataUrl(image: string): string {
  return image.replace(/^data:image\/[a-z0-9.+-]+;base64,/i, "").replace(/\s+/g, "");
}
