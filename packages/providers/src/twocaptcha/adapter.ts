/**
 * The `twocaptcha` protocol (in.php / res.php), spoken by 2Captcha (2Captcha's documentation) and
 * SolveCaptcha (SolveCaptcha's documentation): one adapter, many providers that differ only in base URL and key.
 *
 *   submit  POST {baseUrl}/in.php   form-urlencoded, key + json=1 + the task's parameters
 *   poll    GET  {baseUrl}/res.php?key&action=get&id&json=1      (one id per call)
 *   report  GET  {baseUrl}/res.php?key&action=reportgood|reportbad&id&json=1
 *
 * No state, no sleeping: the router decides when to poll (first check 5 s after an image
 * submit, 15-20 s after a token submit, then every 5 s, at most 20 checks per captcha).
 */
import {
  SOLUTION_KIND,
  TASK_TYPES,
  type PollOutcome,
  type Provider,
  type ProviderAdapter,
  type ReportOutcome,
  type SubmitOutcome,
  type TaskType,
  type UnifiedTask,
  type UpstreamError,
} from "@solver-router/core";
import { fetchText, globalFetch, redactKey, upstreamBase, type FetchFn } from "../http/upstream-client.ts";
import { parseAnswer, readCaptchaId, readSolution, type Answer } from "./answers.ts";
import { badSolution, classifyErrorCode, redirectAnswer, serverErrorAnswer, timeLimitInSeconds, unparseableAnswer } from "./errors.ts";
import { submitParams } from "./requests.ts";

export interface TwocaptchaAdapterOptions {
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
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

  async function exchange(provider: Provider, url: string, init: RequestInit): Promise<Exchange> {
    // Redirects are answered, not followed (see redirectAnswer). Messages never name the provider
    // (errors.ts), so a transport error says "The provider".
    const result = await fetchText(fetchFn, url, { ...init, redirect: "manual" }, timeoutMs, "The provider", timeLimitInSeconds);
    if (!result.ok) return { ok: false, error: redact(result.error, provider.apiKey) };
    const { status, text: body } = result.answer;
    if (status >= 500) return { ok: false, error: serverErrorAnswer(status) };
    if (status >= 300 && status < 400) return { ok: false, error: redirectAnswer(status) };
    const answer = body.length > MAX_ANSWER_CHARS ? ({ kind: "unparseable" } as const) : parseAnswer(body);
    if (answer.kind === "unparseable") return { ok: false, error: unparseableAnswer(status) };
    return { ok: true, answer };
  }

  function resUrl(provider: Provider, params: Record<string, string>): string {
    const query = new URLSearchParams({ key: provider.apiKey, ...params, json: "1" });
    return `${upstreamBase(provider)}/res.php?${query.toString()}`;
  }

  return {
    protocol: "twocaptcha",
    taskTypes: TASK_TYPES,

    async submit(provider: Provider, task: UnifiedTask): Promise<SubmitOutcome> {
      const form = new URLSearchParams([["key", provider.apiKey], ...submitParams(task), ["json", "1"]]);
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
  } satisfies ProviderAdapter;
}

export const twocaptchaAdapter = createTwocaptchaAdapter();

/** Belt and braces: no message or code ever carries the provider's key. */
function redact(error: UpstreamError, apiKey: string): UpstreamError {
  if (!apiKey) return error;
  return { ...error, code: redactKey(error.code, apiKey, "[key]"), message: redactKey(error.message, apiKey, "[key]") };
}
