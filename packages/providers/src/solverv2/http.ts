// A copy of ../acedata/http.ts (each protocol folder stays self-contained); keep the two in step.
/**
 * The HTTP calls the solverv2 adapter makes, with their failure modes turned into data:
 * a timeout or a network error never throws out of the adapter, and no message built here
 * carries the fetch error's own text (it may hold URLs or headers) or the provider's key.
 */
import type { UpstreamError } from "@solver-router/core";

/** The part of `fetch` the adapter uses; tests pass a fake. The global fetch fits. */
export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body as JSON, or undefined when it is not JSON (an HTML error page, say). */
  json: unknown;
}

export type HttpResult = { ok: true; answer: HttpAnswer } | { ok: false; error: UpstreamError };

export const RETRY_WAIT_SECONDS = 5;

export async function callUpstream(
  fetchFn: FetchFn,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  who: string,
): Promise<HttpResult> {
  try {
    const response = await fetchFn(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    // Reading the body is covered by the same timeout signal.
    const text = await response.text();
    return { ok: true, answer: { status: response.status, headers: response.headers, text, json: parseJson(text) } };
  } catch (error) {
    return { ok: false, error: transportError(error, timeoutMs, who) };
  }
}

function transportError(error: unknown, timeoutMs: number, who: string): UpstreamError {
  const name = error instanceof Error ? error.name : "";
  if (name === "TimeoutError" || name === "AbortError") {
    return {
      fault: "retry",
      code: "TIMEOUT",
      message: `${who} did not answer within ${formatSeconds(timeoutMs)}.`,
      waitSeconds: RETRY_WAIT_SECONDS,
    };
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

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
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

/**
 * Upstream text made safe for an error message: the key cut out wherever it appears,
 * whitespace collapsed, at most `max` characters.
 */
export function safeUpstreamText(text: unknown, apiKey: string, max = 200): string {
  if (typeof text !== "string") return "";
  let clean = text;
  if (apiKey) clean = clean.split(apiKey).join("[redacted]");
  clean = clean.replace(/\s+/g, " ").trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
