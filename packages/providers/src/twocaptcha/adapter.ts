/**
 * The `twocaptcha` protocol (in.php / res.php), spoken by 2Captcha (2Captcha's documentation) and
 * SolveCaptcha (SolveCaptcha's documentation): one adapter, many providers that differ only in base URL and key.
 *
 *   submit    POST {baseUrl}/in.php   form-urlencoded, key + json=1 + the task's parameters
 *             (+ pingback=<the attempt's URL> when the router has one registered)
 *   poll      GET  {baseUrl}/res.php?key&action=get&id&json=1
 *   pollMany  GET  {baseUrl}/res.php?key&action=get&ids=1,2,3      plain answers joined by "|", in order
 *   report    GET  {baseUrl}/res.php?key&action=reportgood|reportbad&id&json=1
 *   pingback  GET  {baseUrl}/res.php?key&action=add_pingback&addr=<host>&json=1 (once per account);
 *             the upstream then POSTs id=…&code=… to the pingback URL (readPingback)
 *   balance   GET  {baseUrl}/res.php?key&action=getbalance&json=1  → the account's balance, USD
 *
 * No state, no sleeping: the router decides when to ask (core's schedule.ts) and keeps the
 * account's pace (`defaultLimits`: seed 004 answers MAX_USER_TURN to more than 60 in.php
 * requests within 3 s; 12 per second stays under it even when a second's submits bunch up).
 */
import {
  SOLUTION_KIND,
  TASK_TYPES,
  type PollItem,
  type BalanceOutcome,
  type PollOutcome,
  type Provider,
  type ProviderAdapter,
  type ReportOutcome,
  type SubmitContext,
  type SubmitOutcome,
  type TaskType,
  type UnifiedTask,
  type UpstreamError,
} from "@solver-router/core";
import { fetchText, globalFetch, redactKey, retryAfterSeconds, upstreamBase, type FetchFn } from "../http/upstream-client.ts";
import { parseAnswer, readCaptchaId, readSolution, type Answer } from "./answers.ts";
import { badSolution, classifyErrorCode, redirectAnswer, serverErrorAnswer, timeLimitInSeconds, tooManyRequests, unparseableAnswer } from "./errors.ts";
import { submitParams } from "./requests.ts";

export interface TwocaptchaAdapterOptions {
  /** Injected for tests; defaults to the global fetch. */
  fetch?: FetchFn;
  /** Per-request timeout; default 15 s. */
  timeoutMs?: number;
}

export const TWOCAPTCHA_TIMEOUT_MS = 15_000;
/** Answers longer than this are not protocol answers (tokens are a few kB). */
const MAX_ANSWER_CHARS = 1_000_000;

type Exchange = { ok: true; answer: Answer } | { ok: false; error: UpstreamError };

export function createTwocaptchaAdapter(options: TwocaptchaAdapterOptions = {}) {
  const timeoutMs = options.timeoutMs ?? TWOCAPTCHA_TIMEOUT_MS;
  const fetchFn: FetchFn = options.fetch ?? globalFetch;

  /** One HTTP exchange: the body of a 2xx answer, or the error its status or transport means. */
  async function fetchBody(provider: Provider, url: string, init: RequestInit): Promise<{ ok: true; status: number; body: string } | { ok: false; error: UpstreamError }> {
    // Redirects are answered, not followed (see redirectAnswer). Messages never name the provider
    // (errors.ts), so a transport error says "The provider".
    const result = await fetchText(fetchFn, url, { ...init, redirect: "manual" }, timeoutMs, "The provider", timeLimitInSeconds);
    if (!result.ok) return { ok: false, error: redact(result.error, provider.apiKey) };
    const { status, text: body } = result.answer;
    if (status === 429) return { ok: false, error: tooManyRequests(retryAfterSeconds(result.answer.headers, 5)) };
    if (status >= 500) return { ok: false, error: serverErrorAnswer(status) };
    if (status >= 300 && status < 400) return { ok: false, error: redirectAnswer(status) };
    if (body.length > MAX_ANSWER_CHARS) return { ok: false, error: unparseableAnswer(status) };
    return { ok: true, status, body };
  }

  async function exchange(provider: Provider, url: string, init: RequestInit): Promise<Exchange> {
    const fetched = await fetchBody(provider, url, init);
    if (!fetched.ok) return fetched;
    const answer = parseAnswer(fetched.body);
    if (answer.kind === "unparseable") return { ok: false, error: unparseableAnswer(fetched.status) };
    return { ok: true, answer };
  }

  function resUrl(provider: Provider, params: Record<string, string>): string {
    const query = new URLSearchParams({ key: provider.apiKey, ...params, json: "1" });
    return `${upstreamBase(provider)}/res.php?${query.toString()}`;
  }

  return {
    protocol: "twocaptcha",
    taskTypes: TASK_TYPES,
    defaultLimits: { submitsPerSecond: 12 },

    async submit(provider: Provider, task: UnifiedTask, context?: SubmitContext): Promise<SubmitOutcome> {
      const form = new URLSearchParams([
        ["key", provider.apiKey],
        ...submitParams(task),
        ...(context?.pingbackUrl ? [["pingback", context.pingbackUrl] as [string, string]] : []),
        ["json", "1"],
      ]);
      const result = await exchange(provider, `${upstreamBase(provider)}/in.php`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json, text/plain" },
        body: form.toString(),
      });
      if (!result.ok) return { kind: "error", error: result.error };
      const { answer } = result;
      if (answer.kind === "error") return { kind: "error", error: redact(classifyErrorCode(answer.code), provider.apiKey) };
      if (answer.kind === "ok") {
        const upstreamId = readCaptchaId(answer.request);
        if (upstreamId) return { kind: "submitted", upstreamId };
      }
      // CAPCHA_NOT_READY or a non-id from in.php: not an answer to a submit.
      return { kind: "error", error: unparseableAnswer(200) };
    },

    async poll(provider: Provider, upstreamId: string, type: TaskType): Promise<PollOutcome> {
      const result = await exchange(provider, resUrl(provider, { action: "get", id: upstreamId }), {
        method: "GET",
        headers: { accept: "application/json, text/plain" },
      });
      if (!result.ok) return { kind: "error", error: result.error };
      const { answer } = result;
      switch (answer.kind) {
        case "not_ready":
          return { kind: "not_ready" };
        case "error":
          return { kind: "error", error: redact(classifyErrorCode(answer.code), provider.apiKey) };
        case "ok": {
          const read = readSolution(SOLUTION_KIND[type], answer.request, answer.extra);
          return read.ok ? { kind: "solved", solution: read.solution } : { kind: "error", error: badSolution(read.problem) };
        }
        default:
          return { kind: "error", error: unparseableAnswer(200) };
      }
    },

    async pollMany(provider: Provider, items: readonly PollItem[]): Promise<PollOutcome[]> {
      // Plain text (seed 002's form): the answers or codes joined with "|", in the order asked.
      const query = new URLSearchParams({ key: provider.apiKey, action: "get", ids: items.map((i) => i.upstreamId).join(",") });
      const fetched = await fetchBody(provider, `${upstreamBase(provider)}/res.php?${query.toString()}`, {
        method: "GET",
        headers: { accept: "text/plain" },
      });
      if (!fetched.ok) return items.map(() => ({ kind: "error", error: fetched.error }) as const);
      let text = fetched.body.replace(/^\uFEFF/, "").trim();
      if (text.startsWith("{")) {
        // An upstream that answers JSON anyway: {"status":1,"request":"a|b"} or {"status":0,"request":"ERROR_…"}.
        const answer = parseAnswer(text);
        if (answer.kind === "ok" && typeof answer.request === "string") text = answer.request;
        else if (answer.kind === "error") text = answer.code;
        else return items.map(() => ({ kind: "error", error: unparseableAnswer(fetched.status) }) as const);
      }
      if (items.length > 1 && /^(ERROR[_:]|IP_BANNED$|MAX_USER_TURN$)/.test(text) && !text.includes("|")) {
        // One code for the whole request (a key error, a limit): it holds for every captcha asked.
        const error = redact(classifyErrorCode(text), provider.apiKey);
        return items.map(() => ({ kind: "error", error }) as const);
      }
      const parts = text.split("|");
      if (parts.length !== items.length) return items.map(() => ({ kind: "error", error: unparseableAnswer(200) }) as const);
      return parts.map((part, i) => readPart(part.trim(), items[i]!.type, provider.apiKey));
    },

    async registerPingback(provider: Provider, address: string): Promise<boolean> {
      const result = await exchange(provider, resUrl(provider, { action: "add_pingback", addr: address }), {
        method: "GET",
        headers: { accept: "application/json, text/plain" },
      });
      return result.ok && result.answer.kind === "ok";
    },

    readPingback(type: TaskType, code: string): PollOutcome {
      return readPart(code.trim(), type, "");
    },

    async report(provider: Provider, upstreamId: string, correct: boolean): Promise<ReportOutcome> {
      const action = correct ? "reportgood" : "reportbad";
      const result = await exchange(provider, resUrl(provider, { action, id: upstreamId }), {
        method: "GET",
        headers: { accept: "application/json, text/plain" },
      });
      if (!result.ok) return { kind: "error", error: result.error };
      const { answer } = result;
      if (answer.kind === "ok") return { kind: "recorded" };
      // A retried report (SQS delivers at least once) finds the first one recorded.
      if (answer.kind === "error" && answer.code === "ERROR_DUPLICATE_REPORT") return { kind: "recorded" };
      if (answer.kind === "error") return { kind: "error", error: redact(classifyErrorCode(answer.code), provider.apiKey) };
      return { kind: "error", error: unparseableAnswer(200) };
    },

    async balance(provider: Provider): Promise<BalanceOutcome> {
      const url = resUrl(provider, { action: "getbalance" });
      const headers = { accept: "application/json, text/plain" };
      // Plain text answers are a bare number ("3.8432"), which parseAnswer does not take for an answer.
      const result = await fetchText(fetchFn, url, { method: "GET", headers, redirect: "manual" }, timeoutMs, "The provider", timeLimitInSeconds);
      if (!result.ok) return { kind: "error", error: redact(result.error, provider.apiKey) };
      const { status, text } = result.answer;
      if (status >= 500) return { kind: "error", error: serverErrorAnswer(status) };
      if (status >= 300 && status < 400) return { kind: "error", error: redirectAnswer(status) };
      const plain = text.trim();
      const answer = DECIMAL.test(plain) ? ({ kind: "ok", request: plain, extra: {} } as const) : parseAnswer(text.slice(0, MAX_ANSWER_CHARS));
      if (answer.kind === "error") return { kind: "error", error: redact(classifyErrorCode(answer.code), provider.apiKey) };
      const amount = answer.kind === "ok" ? readDecimal(answer.request) : undefined;
      // 2Captcha states its balance in USD; SolveCaptcha, a clone of its protocol, prices in USD too.
      return amount === undefined ? { kind: "error", error: unparseableAnswer(status) } : { kind: "balance", amount, currency: "USD" };
    },
  } satisfies ProviderAdapter;
}

const DECIMAL = /^-?\d+(?:\.\d+)?$/;

/** A balance as 2Captcha sends it: "3.8432" in plain text, "3.8432" or 3.8432 in JSON. */
function readDecimal(value: unknown): number | undefined {
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
  return DECIMAL.test(text) ? Number(text) : undefined;
}

export const twocaptchaAdapter = createTwocaptchaAdapter();

/** One captcha's answer as a batch or a pingback gives it: the solution text, CAPCHA_NOT_READY or an error code. */
function readPart(part: string, type: TaskType, apiKey: string): PollOutcome {
  if (part === "") return { kind: "error", error: unparseableAnswer(200) };
  if (/^CAPT?CHA_NOT_READY$/.test(part)) return { kind: "not_ready" };
  // An answer text may itself look like a code (an image's letters): only the protocol's error shapes are errors.
  if (/^(ERROR[_:]|IP_BANNED$|MAX_USER_TURN$)/.test(part)) return { kind: "error", error: redact(classifyErrorCode(part), apiKey) };
  const read = readSolution(SOLUTION_KIND[type], part.startsWith("OK|") ? part.slice(3) : part, {});
  return read.ok ? { kind: "solved", solution: read.solution } : { kind: "error", error: badSolution(read.problem) };
}

/** Belt and braces: no message or code ever carries the provider's key. */
function redact(error: UpstreamError, apiKey: string): UpstreamError {
  if (!apiKey) return error;
  return { ...error, code: redactKey(error.code, apiKey, "[key]"), message: redactKey(error.message, apiKey, "[key]") };
}
