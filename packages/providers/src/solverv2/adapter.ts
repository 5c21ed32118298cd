/**
 * The `solverv2` protocol: the "SmartCaptcha" JSON API v2 (SmartCaptcha's API documentation; docs/providers.md) as an upstream.
 * Base URL ends in /v2; Bearer auth; JSON in and out; errors as `{"detail": ...}`.
 *
 *   HcaptchaImageTask → POST {base}/solver/hcaptcha/image  {images, question, priority}
 *   RecaptchaV2Task   → POST {base}/solver/recaptcha/v2    {site_key, page_url, data_s, priority}
 *   result            → GET  {base}/solver/result/{task_id}  pending | processing | completed | failed
 *
 * RecaptchaV3Task appears in the seed's pricing table but has no documented submit endpoint,
 * so it is not served. The seed documents no way to report an answer.
 *
 * Errors: 400/422 → bad_request (on a poll: unsolvable, the upstream refused our task id),
 * 401/403 → cooldown 600 s, 402 (the provider's credits ran out) → cooldown 300 s,
 * 404 on a poll → unsolvable (the upstream lost the task), 429 → retry (Retry-After),
 * 5xx, HTML, unreadable answers, network errors and timeouts (15 s) → retry.
 */
import {
  SOLUTION_KIND,
  type PollOutcome,
  type Priority,
  type Provider,
  type ProviderAdapter,
  type Solution,
  type SubmitContext,
  type SubmitOutcome,
  type TaskType,
  type UnifiedTask,
  type UpstreamError,
} from "@solver-router/core";
import { z } from "zod";
import { callUpstream, failure, globalFetch, retryAfterSeconds, RETRY_WAIT_SECONDS, safeUpstreamText, upstreamBase, upstreamError, type FetchFn, type HttpAnswer } from "../http/upstream-client.ts";
import { isRecord } from "../json.ts";

export const SOLVERV2_DEFAULT_TIMEOUT_MS = 15_000;
const KEY_COOLDOWN_SECONDS = 600;
const CREDITS_COOLDOWN_SECONDS = 300;

export const SOLVERV2_PATHS = {
  HcaptchaImageTask: "/solver/hcaptcha/image",
  RecaptchaV2Task: "/solver/recaptcha/v2",
} as const satisfies Partial<Record<TaskType, string>>;

const TASK_TYPES = ["HcaptchaImageTask", "RecaptchaV2Task"] as const satisfies readonly TaskType[];
type ServedType = (typeof TASK_TYPES)[number];

export interface Solverv2AdapterOptions {
  fetch?: FetchFn;
  timeoutMs?: number;
}

type Phase = "submit" | "poll";

export function createSolverv2Adapter(opts: Solverv2AdapterOptions = {}) {
  const fetchFn: FetchFn = opts.fetch ?? globalFetch;
  const timeoutMs = opts.timeoutMs ?? SOLVERV2_DEFAULT_TIMEOUT_MS;

  const headers = (provider: Provider) => ({
    accept: "application/json",
    authorization: `Bearer ${provider.apiKey}`,
  });

  async function submit(provider: Provider, task: UnifiedTask, context?: SubmitContext): Promise<SubmitOutcome> {
    const who = `${provider.id} (solverv2)`;
    if (!isServed(task.type)) {
      return failure("unsolvable", "UNSUPPORTED_TASK_TYPE", `${who} serves only ${TASK_TYPES.join(" and ")}, not ${task.type}.`);
    }
    const priority: Priority = context?.priority ?? "balanced";
    let body: Record<string, unknown>;
    if (task.type === "HcaptchaImageTask") {
      const { images, question } = (task as UnifiedTask<"HcaptchaImageTask">).fields;
      body = { images, ...(question !== undefined ? { question } : {}), priority };
    } else {
      const { site_key, page_url, data_s, enterprise } = (task as UnifiedTask<"RecaptchaV2Task">).fields;
      // Seed 000 has no Enterprise flag; a standard token would not pass an Enterprise check.
      // (`invisible` and a proxy have no field either; the upstream solves without them.)
      if (enterprise) {
        return failure("unsolvable", "UNSUPPORTED_OPTION", `${who} cannot solve reCAPTCHA Enterprise.`);
      }
      body = { site_key, page_url, ...(data_s !== undefined ? { data_s } : {}), priority };
    }

    const result = await callUpstream(
      fetchFn,
      `${upstreamBase(provider)}${SOLVERV2_PATHS[task.type]}`,
      { method: "POST", headers: { ...headers(provider), "content-type": "application/json" }, body: JSON.stringify(body) },
      timeoutMs,
      who,
    );
    if (!result.ok) return { kind: "error", error: result.error };
    const { status, json } = result.answer;
    if (status < 200 || status > 299) return { kind: "error", error: httpError(result.answer, provider, who, "submit") };
    if (!isRecord(json)) return unreadable(who, status);
    if (json.status === "failed") return taskFailed(json.error, provider, who);
    const taskId = typeof json.task_id === "number" ? String(json.task_id) : json.task_id;
    if (typeof taskId !== "string" || !taskId.trim()) {
      return failure("retry", "NO_TASK_ID", `${who} accepted the task without a task_id.`, RETRY_WAIT_SECONDS);
    }
    return { kind: "submitted", upstreamId: taskId };
  }

  async function poll(provider: Provider, upstreamId: string, type: TaskType): Promise<PollOutcome> {
    const who = `${provider.id} (solverv2)`;
    const result = await callUpstream(
      fetchFn,
      `${upstreamBase(provider)}/solver/result/${encodeURIComponent(upstreamId)}`,
      { method: "GET", headers: headers(provider) },
      timeoutMs,
      who,
    );
    if (!result.ok) return { kind: "error", error: result.error };
    const { status, json } = result.answer;
    if (status < 200 || status > 299) return { kind: "error", error: httpError(result.answer, provider, who, "poll") };
    if (!isRecord(json)) return unreadable(who, status);

    switch (json.status) {
      case "pending":
      case "processing":
        return { kind: "not_ready" };
      case "failed":
        return taskFailed(json.error, provider, who);
      case "completed": {
        const solution = readSolution(json, type);
        return solution
          ? { kind: "solved", solution }
          : failure("unsolvable", "NO_SOLUTION", `${who} completed the task without a usable ${SOLUTION_KIND[type]} answer.`);
      }
      default:
        return failure("retry", "UNEXPECTED_STATUS", `${who} answered a result without a known status.`, RETRY_WAIT_SECONDS);
    }
  }

  return {
    protocol: "solverv2",
    taskTypes: TASK_TYPES,
    submit,
    poll,
    // No report: the API documents no way to report an answer.
  } satisfies ProviderAdapter;
}

export const solverv2Adapter = createSolverv2Adapter();

// ---- pricing ----------------------------------------------------------------------------

const credits = z.union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?$/).transform(Number)]);
const PricingSchema = z.object({
  pricing: z.array(z.looseObject({ task_type: z.string().min(1), speed: credits, balanced: credits, accuracy: credits })),
});

export interface Solverv2PriceRow {
  task_type: string;
  /** Credits per task at each priority (1 credit = $0.01). */
  speed: number;
  balanced: number;
  accuracy: number;
}

/**
 * The upstream's public price table, `GET {base}/solver/pricing` (no authentication), for
 * pricing defaults. Rejects with an Error whose message names the provider, never its key.
 */
export async function fetchSolverv2Pricing(
  provider: Pick<Provider, "id" | "baseUrl">,
  opts: Solverv2AdapterOptions = {},
): Promise<Solverv2PriceRow[]> {
  const who = `${provider.id} (solverv2)`;
  const fetchFn: FetchFn = opts.fetch ?? globalFetch;
  const result = await callUpstream(
    fetchFn,
    `${upstreamBase(provider)}/solver/pricing`,
    { method: "GET", headers: { accept: "application/json" } },
    opts.timeoutMs ?? SOLVERV2_DEFAULT_TIMEOUT_MS,
    who,
  );
  if (!result.ok) throw new Error(`Could not read the price table: ${result.error.message}`);
  const { status, json } = result.answer;
  if (status !== 200) throw new Error(`Could not read the price table: ${who} answered HTTP ${status}.`);
  const parsed = PricingSchema.safeParse(json);
  if (!parsed.success) throw new Error(`Could not read the price table: ${who} answered a body that is not a price table.`);
  return parsed.data.pricing.map(({ task_type, speed, balanced, accuracy }) => ({ task_type, speed, balanced, accuracy }));
}

// ---- answers ----------------------------------------------------------------------------

function readSolution(json: Record<string, unknown>, type: TaskType): Solution | undefined {
  const nested = isRecord(json.solution) ? json.solution : {};
  switch (SOLUTION_KIND[type]) {
    case "coordinates": {
      const coordinates = parseCoordinates(json.coordinates ?? nested.coordinates);
      return coordinates ? { kind: "coordinates", coordinates } : undefined;
    }
    case "token": {
      const token = [json.verify, json.token, nested.token].find((t): t is string => typeof t === "string" && t.length > 0);
      if (!token) return undefined;
      const userAgent = [json.user_agent, nested.user_agent].find((u): u is string => typeof u === "string" && u.length > 0);
      return userAgent ? { kind: "token", token, userAgent } : { kind: "token", token };
    }
    case "text": {
      const text = [json.text, nested.text].find((t): t is string => typeof t === "string" && t.length > 0);
      return text ? { kind: "text", text } : undefined;
    }
  }
}

/** `[{"x": 120, "y": 85}, ...]` (numbers or numeric strings; `[x, y]` pairs also read). */
function parseCoordinates(value: unknown): { x: number; y: number }[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const points: { x: number; y: number }[] = [];
  for (const item of value) {
    const [rawX, rawY] = Array.isArray(item) && item.length === 2 ? item : isRecord(item) ? [item.x, item.y] : [];
    const x = toNumber(rawX);
    const y = toNumber(rawY);
    if (x === undefined || y === undefined) return undefined;
    points.push({ x, y });
  }
  return points;
}

function toNumber(value: unknown): number | undefined {
  const n = typeof value === "number" ? value : typeof value === "string" && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * A task the upstream marked failed. Seed 000's own example of a failed task carries
 * "Insufficient credits. Need 0.15, have 0.05": that is the provider's balance, not the
 * captcha, so it cools the provider down like a 402; any other failure is unsolvable.
 */
function taskFailed(errorText: unknown, provider: Provider, who: string): { kind: "error"; error: UpstreamError } {
  const detail = safeUpstreamText(errorText, provider.apiKey);
  const withDetail = (outcome: { kind: "error"; error: UpstreamError }) => (detail ? { ...outcome, error: { ...outcome.error, detail } } : outcome);
  if (/insufficient credits/i.test(detail)) {
    return withDetail(failure("cooldown", "INSUFFICIENT_CREDITS", `${who} is out of credits.`, CREDITS_COOLDOWN_SECONDS));
  }
  return withDetail(failure("unsolvable", "TASK_FAILED", `${who} could not solve the task.`));
}

function httpError(answer: HttpAnswer, provider: Provider, who: string, phase: Phase): UpstreamError {
  const { status } = answer;
  const code = `HTTP_${status}`;
  const detail = detailText(answer.json, provider.apiKey);
  // The upstream's text goes to `detail` (admins, logs); teams only see the router's words.
  const said = `${who} answered HTTP ${status}${answer.json === undefined ? " with a body that is not JSON" : ""}`;
  const make = (fault: UpstreamError["fault"], message: string, waitSeconds?: number, ownCode = code): UpstreamError => ({
    ...upstreamError(fault, ownCode, message, waitSeconds),
    ...(detail ? { detail: stop(detail) } : {}),
  });

  if (status === 401 || status === 403) return make("cooldown", `${said} (check the provider's key).`, KEY_COOLDOWN_SECONDS);
  if (status === 402) return make("cooldown", `${said} (the provider's credits ran out).`, CREDITS_COOLDOWN_SECONDS, "INSUFFICIENT_CREDITS");
  if (status === 429) return make("rate_limited", `${said}.`, retryAfterSeconds(answer.headers, RETRY_WAIT_SECONDS));
  if (status >= 500 || status < 400) return make("retry", `${said}.`, RETRY_WAIT_SECONDS);
  if (phase === "poll") {
    // 404: "Task ID does not exist or does not belong to you" — the upstream lost the task.
    if (status === 404) return make("unsolvable", `${said} (the upstream no longer knows the task).`, undefined, "TASK_NOT_FOUND");
    if (status === 400 || status === 422) return make("unsolvable", `${said} (the upstream refused the task id).`);
    return make("retry", `${said}.`, RETRY_WAIT_SECONDS);
  }
  if (status === 404 || status === 405) return make("cooldown", `${said} (check the provider's base URL).`, KEY_COOLDOWN_SECONDS);
  return make("bad_request", `${said}.`);
}

/** `{"detail": "..."}`, or FastAPI's validation list `{"detail": [{"loc": [...], "msg": "..."}]}`. */
function detailText(json: unknown, apiKey: string): string {
  if (!isRecord(json)) return "";
  const { detail } = json;
  if (typeof detail === "string") return safeUpstreamText(detail, apiKey);
  if (Array.isArray(detail)) {
    const parts = detail.filter(isRecord).map((item) => {
      const loc = Array.isArray(item.loc) ? item.loc.filter((l) => l !== "body").join(".") : "";
      const msg = typeof item.msg === "string" ? item.msg : "is invalid";
      return loc ? `${loc}: ${msg}` : msg;
    });
    return safeUpstreamText(parts.join("; "), apiKey);
  }
  return "";
}

// ---- small helpers ----------------------------------------------------------------------

const isServed = (type: TaskType): type is ServedType => (TASK_TYPES as readonly TaskType[]).includes(type);

const stop = (text: string) => text.replace(/[.\s]+$/, "");

function unreadable(who: string, status: number): { kind: "error"; error: UpstreamError } {
  return failure("retry", "UNPARSEABLE", `${who} answered HTTP ${status} with a body that is not a JSON object.`, RETRY_WAIT_SECONDS);
}
