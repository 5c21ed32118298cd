/**
 * How every protocol adapter calls its upstream over HTTP, with the failure modes turned into
 * data: a timeout or a network error never throws out of an adapter, and no message built here
 * carries the fetch error's own text (it may hold the URL, and with it a key in a query string)
 * or the provider's key. Reading what the upstream answered stays in each protocol's folder.
 */
import type { Provider, UpstreamError } from "@solver-router/core";
import { parseJson } from "../json.ts";

/** The part of `fetch` the adapters use; tests pass a fake. The global fetch fits. */
export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

/** The global fetch, looked up at each call, so a test that replaces it after an adapter is made still reaches it. */
export const globalFetch: FetchFn = (input, init) => fetch(input, init);

export interface HttpText {
  status: number;
  headers: Headers;
  text: string;
}

export interface HttpAnswer extends HttpText {
  /** The body as JSON, or undefined when it is not JSON (an HTML error page, say). */
  json: unknown;
}

export type HttpResult<A = HttpAnswer> = { ok: true; answer: A } | { ok: false; error: UpstreamError };

export const RETRY_WAIT_SECONDS = 5;

/** No upstream answer the protocols document comes near this; a bigger one is not read further. */
export const MAX_UPSTREAM_BYTES = 1024 * 1024;

/**
 * One request and its body under one timeout. `who` names the upstream in a transport error's
 * message; `formatTimeout` writes the time limit there (the protocols word it differently).
 */
export async function fetchText(
  fetchFn: FetchFn,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  who: string,
  formatTimeout: (ms: number) => string = secondsOrMs,
  maxBytes: number = MAX_UPSTREAM_BYTES,
): Promise<HttpResult<HttpText>> {
  try {
    const response = await fetchFn(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    // Reading the body is covered by the same timeout signal.
    const text = await readCapped(response, maxBytes);
    if (text === undefined) {
      return { ok: false, error: upstreamError("retry", "RESPONSE_TOO_LARGE", `${who} answered more than ${maxBytes} bytes.`, RETRY_WAIT_SECONDS) };
    }
    return { ok: true, answer: { status: response.status, headers: response.headers, text } };
  } catch (error) {
    return { ok: false, error: transportError(error, who, formatTimeout(timeoutMs)) };
  }
}

/**
 * The body as text, read chunk by chunk and dropped (undefined) as soon as it passes `maxBytes`:
 * an upstream cannot make the router hold more than that in memory for one answer.
 */
async function readCapped(response: Response, maxBytes: number): Promise<string | undefined> {
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    return undefined;
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** {@link fetchText} for the JSON protocols: the answer also carries its body read as JSON. */
export async function callUpstream(fetchFn: FetchFn, url: string, init: RequestInit, timeoutMs: number, who: string): Promise<HttpResult> {
  const result = await fetchText(fetchFn, url, init, timeoutMs, who);
  return result.ok ? { ok: true, answer: { ...result.answer, json: parseJson(result.answer.text) } } : result;
}

/** A failed fetch classified by the error's name and system code only, never by its text. */
function transportError(error: unknown, who: string, timeLimit: string): UpstreamError {
  const name = error instanceof Error ? error.name : "";
  if (name === "TimeoutError" || name === "AbortError") {
    return { fault: "retry", code: "TIMEOUT", message: `${who} did not answer within ${timeLimit}.`, waitSeconds: RETRY_WAIT_SECONDS };
  }
  // Only a system error code (ECONNREFUSED, ENOTFOUND...) is repeated, never the error's text.
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === "string" && /^[A-Z][A-Z0-9_]{1,40}$/.test(cause.code) ? cause.code : undefined;
  return {
    fault: "retry",
    code: "NETWORK_ERROR",
    message: `${who} could not be reached${code ? ` (${code})` : ""}.`,
    waitSeconds: RETRY_WAIT_SECONDS,
  };
}

function secondsOrMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/**
 * Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), kept within
 * 1..900 (900 s is the longest SQS delay); the fallback when the header is absent or unreadable.
 */
export function retryAfterSeconds(headers: Headers, fallback: number, now: number = Date.now()): number {
  const value = headers.get("retry-after")?.trim();
  if (!value) return fallback;
  let seconds: number;
  if (/^\d+$/.test(value)) seconds = Number(value);
  else {
    const at = Date.parse(value);
    if (Number.isNaN(at)) return fallback;
    seconds = Math.ceil((at - now) / 1000);
  }
  return Math.min(900, Math.max(1, seconds));
}

/** The text with the provider's key cut out wherever it appears (nothing to cut for an empty key). */
export function redactKey(text: string, apiKey: string, marker = "[redacted]"): string {
  return apiKey ? text.split(apiKey).join(marker) : text;
}

/**
 * Upstream text made safe for an error message: the key cut out wherever it appears,
 * whitespace collapsed, at most `max` characters.
 */
export function safeUpstreamText(text: unknown, apiKey: string, max = 200): string {
  if (typeof text !== "string") return "";
  const clean = redactKey(text, apiKey).replace(/\s+/g, " ").trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** The provider's base URL without trailing slashes, ready for a path to be appended. */
export const upstreamBase = (provider: Pick<Provider, "baseUrl">): string => provider.baseUrl.replace(/\/+$/, "");

export function upstreamError(fault: UpstreamError["fault"], code: string, message: string, waitSeconds?: number): UpstreamError {
  return { fault, code, message, ...(waitSeconds !== undefined ? { waitSeconds } : {}) };
}

/** An adapter outcome (submit, poll or report) that is an upstream error. */
export function failure(fault: UpstreamError["fault"], code: string, message: string, waitSeconds?: number): { kind: "error"; error: UpstreamError } {
  return { kind: "error", error: upstreamError(fault, code, message, waitSeconds) };
}
