/**
 * The `acedata` protocol: AceData's hCaptcha image recognition (AceData's API documentation; docs/providers.md). One synchronous
 * call, `POST {base}/captcha/recognition/hcaptcha` with `{queries, question}`, answers
 * `{"solution": {"label", "box": ["360", "276"], "confidences"}}`: the submit is the solve,
 * there is nothing to poll and no way to report an answer.
 *
 * Errors come as `{"success": false, "error": {"code", "message"}, "trace_id"}`:
 *   400 token_mismatched    → cooldown (see TOKEN_MISMATCHED below)
 *   400 api_not_implemented → bad_request
 *   401 invalid_token       → cooldown 600 s
 *   429 too_many_requests   → retry after Retry-After, else 5 s
 *   500 api_error, other 5xx, HTML or unreadable answers, network errors, timeouts → retry
 *   200 without a usable box → unsolvable (not charged; the next provider may solve it)
 */
import type {
  Provider,
  ProviderAdapter,
  SubmitContext,
  SubmitOutcome,
  TaskType,
  UnifiedTask,
  UpstreamError,
} from "@solver-router/core";
import { parseBox, type Point } from "./box.ts";
import { callUpstream, failure, globalFetch, retryAfterSeconds, RETRY_WAIT_SECONDS, safeUpstreamText, upstreamBase, upstreamError, type FetchFn, type HttpAnswer } from "../http/upstream-client.ts";
import { isRecord } from "../json.ts";
import { imageSize } from "./image-size.ts";

export const ACEDATA_PATH = "/captcha/recognition/hcaptcha";
/**
 * The call is the solve, so it may take long; AceData's documentation names no figure. It must end well inside
 * the worker's 60 s time limit (infra/queue.ts), or Lambda would kill the whole batch.
 */
export const ACEDATA_DEFAULT_TIMEOUT_MS = 45_000;
const KEY_COOLDOWN_SECONDS = 600;

export interface AcedataAdapterOptions {
  fetch?: FetchFn;
  timeoutMs?: number;
  /**
   * Where AceData's `box` coordinates start. Seed 003 says the coordinate system has its
   * origin "at the lower left corner of the image", while every other upstream (and the click
   * coordinates a browser uses) count from the top left. The default, "top-left", passes the
   * numbers through unchanged; "bottom-left" converts y to top-left using the first image's
   * height (read from its PNG/JPEG/GIF/WebP header; an image whose size cannot be read is
   * then not sent, and the task is reported unsolvable here).
   */
  boxOrigin?: "top-left" | "bottom-left";
}

/**
 * 400 token_mismatched. Seed 003 describes both of its 400 codes with the same generic line
 * ("missing or invalid parameters"), but this code's name says the token does not match the
 * API called: an AceData token is issued per service, so a key for another service is refused
 * this way on every request. The router validates every task before it gets here, so a
 * parameter fault is the less likely reading, and the costs are lopsided: taken as a key
 * problem, one odd task costs this provider a cooldown and moves to the next provider; taken
 * as a task problem, a wrong key would fail and refund every task routed here while the
 * provider stayed in rotation. So: cooldown, like invalid_token.
 */
const ERROR_CODES: Record<string, Pick<UpstreamError, "fault" | "waitSeconds">> = {
  token_mismatched: { fault: "cooldown", waitSeconds: KEY_COOLDOWN_SECONDS },
  api_not_implemented: { fault: "bad_request" },
  invalid_token: { fault: "cooldown", waitSeconds: KEY_COOLDOWN_SECONDS },
  too_many_requests: { fault: "retry", waitSeconds: RETRY_WAIT_SECONDS },
  api_error: { fault: "retry", waitSeconds: RETRY_WAIT_SECONDS },
};

const TASK_TYPES = ["HcaptchaImageTask"] as const satisfies readonly TaskType[];

export function createAcedataAdapter(opts: AcedataAdapterOptions = {}) {
  const fetchFn: FetchFn = opts.fetch ?? globalFetch;
  const timeoutMs = opts.timeoutMs ?? ACEDATA_DEFAULT_TIMEOUT_MS;
  const bottomLeft = opts.boxOrigin === "bottom-left";

  async function submit(provider: Provider, task: UnifiedTask, _context?: SubmitContext): Promise<SubmitOutcome> {
    const who = `${provider.id} (AceData)`;
    if (task.type !== "HcaptchaImageTask") {
      return failure("unsolvable", "UNSUPPORTED_TASK_TYPE", `${who} serves only HcaptchaImageTask, not ${task.type}.`);
    }
    const { images, question } = (task as UnifiedTask<"HcaptchaImageTask">).fields;
    // Seed 003: "You also need to input the recognition content parameter question". Without
    // one AceData cannot answer, but a provider with an optional question may: unsolvable here.
    if (!question?.trim()) {
      return failure("unsolvable", "QUESTION_REQUIRED", `${who} needs the question to recognise an hCaptcha image.`);
    }
    let imageHeight: number | undefined;
    if (bottomLeft) {
      imageHeight = images[0] === undefined ? undefined : imageSize(images[0])?.height;
      if (imageHeight === undefined) {
        return failure("unsolvable", "IMAGE_SIZE_UNKNOWN", `${who} answers bottom-left coordinates, and the image's height could not be read to convert them.`);
      }
    }

    const result = await callUpstream(
      fetchFn,
      `${upstreamBase(provider)}${ACEDATA_PATH}`,
      {
        method: "POST",
        headers: {
          accept: "application/json",
          authorization: `Bearer ${provider.apiKey}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ queries: images, question }),
      },
      timeoutMs,
      who,
    );
    if (!result.ok) return { kind: "error", error: result.error };
    return interpret(result.answer, provider, who, imageHeight);
  }

  return {
    protocol: "acedata",
    taskTypes: TASK_TYPES,
    submit,
    // No poll (the submit is the solve) and no report (AceData takes none).
  } satisfies ProviderAdapter;
}

export const acedataAdapter = createAcedataAdapter();

function interpret(answer: HttpAnswer, provider: Provider, who: string, imageHeight: number | undefined): SubmitOutcome {
  const { status, json } = answer;
  const envelope = errorEnvelope(json);
  if (status >= 200 && status < 300 && !envelope) {
    if (!isRecord(json)) {
      return failure("retry", "UNPARSEABLE", `${who} answered HTTP ${status} with a body that is not JSON.`, RETRY_WAIT_SECONDS);
    }
    const solution = isRecord(json.solution) ? json.solution : undefined;
    const points = parseBox(solution?.box);
    if (!points) {
      return failure("unsolvable", "NO_BOX", `${who} answered without usable click coordinates (solution.box).`);
    }
    const coordinates = imageHeight === undefined ? points : points.map((p: Point) => ({ x: p.x, y: Math.max(0, imageHeight - p.y) }));
    const traceId = typeof json.trace_id === "string" && json.trace_id ? json.trace_id : undefined;
    return {
      kind: "solved",
      solution: { kind: "coordinates", coordinates },
      ...(traceId ? { upstreamId: traceId } : {}),
    };
  }
  return { kind: "error", error: classify(answer, envelope, provider, who) };
}

interface Envelope {
  code: string | undefined;
  message: unknown;
}

/** `{"success": false, "error": {"code", "message"}}`, or undefined when the body is not one. */
function errorEnvelope(json: unknown): Envelope | undefined {
  if (!isRecord(json) || !isRecord(json.error)) return undefined;
  if (json.success !== false && json.solution !== undefined) return undefined;
  const code = typeof json.error.code === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(json.error.code) ? json.error.code : undefined;
  return { code, message: json.error.message };
}

function classify(answer: HttpAnswer, envelope: Envelope | undefined, provider: Provider, who: string): UpstreamError {
  const { status } = answer;
  const code = envelope?.code ?? `HTTP_${status}`;
  const detail = safeUpstreamText(envelope?.message, provider.apiKey).replace(/[.\s]+$/, "");
  // The upstream's message goes to `detail` (admins, logs); teams only see the router's words.
  const said = envelope
    ? `${who} answered HTTP ${status} ${code}`
    : `${who} answered HTTP ${status}${answer.json === undefined ? " with a body that is not JSON" : " without an error code"}`;

  const known = envelope?.code ? ERROR_CODES[envelope.code] : undefined;
  let fault: UpstreamError["fault"];
  let waitSeconds: number | undefined;
  if (known) ({ fault, waitSeconds } = known);
  else if (status === 401 || status === 403) [fault, waitSeconds] = ["cooldown", KEY_COOLDOWN_SECONDS];
  else if (status === 404 || status === 405) [fault, waitSeconds] = ["cooldown", KEY_COOLDOWN_SECONDS]; // base URL or path wrong: no task can pass
  else if (status === 429) [fault, waitSeconds] = ["rate_limited", RETRY_WAIT_SECONDS];
  else if (status >= 500 || status < 400) [fault, waitSeconds] = ["retry", RETRY_WAIT_SECONDS];
  else fault = "bad_request";
  if (status === 429 || code === "too_many_requests") {
    fault = "rate_limited";
    waitSeconds = retryAfterSeconds(answer.headers, RETRY_WAIT_SECONDS);
  }

  const hint =
    fault === "cooldown" && (status === 404 || status === 405) && !known
      ? " (check the provider's base URL)"
      : fault === "cooldown"
        ? " (check the provider's key)"
        : "";
  return { ...upstreamError(fault, code, `${said}${hint}.`, waitSeconds), ...(detail ? { detail } : {}) };
}
