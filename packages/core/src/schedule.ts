/**
 * When to ask an upstream for a result, from the upstream documents (docs/providers.md "Waits and limits"):
 * the first result request 5 s after submit for image tasks, 15-20 s for token tasks
 * (20 s for reCAPTCHA — 2Captcha's general rule, which is stricter than its v3 section's
 * 10-15 s — and 15 s for Turnstile); then every 5 s; never more than
 * 20 result requests per captcha (2Captcha bans at R > C*20 + 1200); a captcha is
 * unsolvable after 90 s (300 s for reCAPTCHA v2). Every wait is an SQS delay.
 */
import type { TaskType } from "./task-types.ts";

export const MAX_RESULT_REQUESTS = 20;
export const POLL_INTERVAL_SECONDS = 5;
/** Polls at the plain 5 s interval before they are spread over the rest of the window. */
const FAST_POLLS = 12;
/** SQS's longest per-message delay. */
export const MAX_DELAY_SECONDS = 900;

const FIRST_WAIT_SECONDS: Record<TaskType, number> = {
  HcaptchaImageTask: 5,
  ImageToTextTask: 5,
  TextCaptchaTask: 5,
  CoordinatesTask: 5,
  RecaptchaV2Task: 20,
  RecaptchaV3Task: 20,
  TurnstileTask: 15,
};

const UNSOLVABLE_AFTER_SECONDS: Record<TaskType, number> = {
  HcaptchaImageTask: 90,
  ImageToTextTask: 90,
  TextCaptchaTask: 90,
  CoordinatesTask: 90,
  RecaptchaV2Task: 300,
  RecaptchaV3Task: 90,
  TurnstileTask: 90,
};

export const firstWaitSeconds = (type: TaskType): number => FIRST_WAIT_SECONDS[type];

/** How long one upstream attempt may take before the router gives up on it. */
export const attemptWindowSeconds = (type: TaskType): number =>
  FIRST_WAIT_SECONDS[type] + UNSOLVABLE_AFTER_SECONDS[type] + 10;

/**
 * A task's deadline: time for a first attempt and one failover. Every accepted task ends
 * (completed or failed, credits settled) by then.
 */
export const taskDeadlineSeconds = (type: TaskType): number => 2 * attemptWindowSeconds(type) + 30;

/**
 * The wait before the next result request of an attempt, given how many were already made
 * and when the attempt started. The first polls come every 5 s; later ones spread what is
 * left of the attempt's window over the polls left, so 20 requests cover the whole window.
 */
export function nextPollDelaySeconds(
  type: TaskType,
  pollsMade: number,
  attemptStartedAtMs: number,
  nowMs: number,
): number {
  if (pollsMade < FAST_POLLS) return POLL_INTERVAL_SECONDS;
  const pollsLeft = MAX_RESULT_REQUESTS - pollsMade;
  if (pollsLeft <= 0) return POLL_INTERVAL_SECONDS;
  const windowEndMs = attemptStartedAtMs + attemptWindowSeconds(type) * 1000;
  const spread = Math.ceil((windowEndMs - nowMs) / 1000 / pollsLeft);
  return Math.min(MAX_DELAY_SECONDS, Math.max(POLL_INTERVAL_SECONDS, spread));
}

/**
 * Result checks fall on a shared grid (every POLL_INTERVAL_SECONDS of the clock), so every
 * check of one provider account that is due at a tick goes out in one batched request
 * (`res.php?action=get&ids=`). Rounding up keeps checks at least as far apart as asked.
 */
export function gridDelaySeconds(nowMs: number, earliestMs: number): number {
  const grid = POLL_INTERVAL_SECONDS * 1000;
  const tick = Math.ceil(earliestMs / grid) * grid;
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((tick - nowMs) / 1000)));
}

/** With a pingback on its way, later safety-net checks come this far apart. */
export const SAFETY_NET_INTERVAL_SECONDS = 30;

/**
 * With a pingback on its way, result requests are only a safety net: the first a little after
 * the type's usual solve time (three times the provider's typical figure, never before the
 * document's first wait plus 10 s), then every SAFETY_NET_INTERVAL_SECONDS.
 */
export const safetyNetFirstWaitSeconds = (type: TaskType, typicalSolveSeconds: number): number =>
  Math.max(FIRST_WAIT_SECONDS[type] + 10, Math.ceil(3 * typicalSolveSeconds));
