/**
 * Numeric task ids for the compatibility facades. 2Captcha's clients expect captcha ids made of
 * digits and Anti-Captcha's read `taskId` as a positive JSON number, while the router's task ids
 * are ULIDs. A facade task gets a ULID built from a number, so each maps to the other without a
 * lookup table (the task id is that ULID followed by the team, like every task id: task-service.ts newTaskId):
 *
 *   number = (milliseconds since 2024-01-01) × 2048 + 11 random bits   (a safe integer until 2163)
 *   ULID   = those milliseconds as the time part, the 11 random bits as the random part
 *
 * Two facade tasks can share an id only when created in the same millisecond with the same 11
 * random bits; the task store refuses a second task with an existing id, and the facade then
 * tries a new number (packages/functions/src/api/facades/facade-submit.ts). Lookups stay
 * scoped to the caller's team.
 */
import type { Solution } from "./adapter.ts";
import { resultView, type TaskRecord } from "./task.ts";

const EPOCH_MS = Date.UTC(2024, 0, 1);
const RANDOM_SPAN = 2048;
const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;

export function newNumericTaskId(nowMs: number, random: () => number = Math.random): number {
  const ms = Math.max(0, Math.floor(nowMs) - EPOCH_MS);
  return ms * RANDOM_SPAN + Math.floor(random() * RANDOM_SPAN) + (ms === 0 ? 1 : 0);
}

/** The ULID of a facade's numeric id; undefined for anything that is not one. */
export function ulidOfNumericId(id: number | string): string | undefined {
  const n = typeof id === "number" ? id : /^\d{1,16}$/.test(id.trim()) ? Number(id.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) return undefined;
  const ms = Math.floor(n / RANDOM_SPAN) + EPOCH_MS;
  return encode(ms, TIME_CHARS) + encode(n % RANDOM_SPAN, RANDOM_CHARS);
}

/** The team's task id for a facade's numeric id; undefined for anything that is not one. */
export function taskIdOfNumericId(id: number | string, teamId: string): string | undefined {
  const ulid = ulidOfNumericId(id);
  return ulid && `${ulid}-${teamId}`;
}

/** The numeric id of a task created through a facade; undefined for other tasks. */
export function numericIdOfTaskId(taskId: string): number | undefined {
  if (!/^[0-9a-hjkmnp-tv-z]{26}(-|$)/.test(taskId)) return undefined;
  const ms = decode(taskId.slice(0, TIME_CHARS));
  const randomPart = taskId.slice(TIME_CHARS, TIME_CHARS + RANDOM_CHARS);
  if (!/^0{13}/.test(randomPart)) return undefined;
  const random = decode(randomPart.slice(13));
  if (random >= RANDOM_SPAN || ms < EPOCH_MS) return undefined;
  const n = (ms - EPOCH_MS) * RANDOM_SPAN + random;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function encode(value: number, length: number): string {
  let text = "";
  let rest = value;
  for (let i = 0; i < length; i++) {
    text = CROCKFORD[rest % 32] + text;
    rest = Math.floor(rest / 32);
  }
  return text;
}

function decode(text: string): number {
  let value = 0;
  for (const char of text) value = value * 32 + CROCKFORD.indexOf(char);
  return value;
}

/** A solution as 2Captcha writes it: the token, the text, or coordinate:x=1,y=2;x=3,y=4. */
export function twocaptchaAnswerText(solution: Solution): string {
  switch (solution.kind) {
    case "token":
      return solution.token;
    case "text":
      return solution.text;
    case "coordinates":
      return `coordinate:${solution.coordinates.map((point) => `x=${point.x},y=${point.y}`).join(";")}`;
  }
}

/**
 * How a task's callback is written. Native tasks POST the result object as JSON; a 2Captcha
 * `pingback` gets 2Captcha's format, an urlencoded POST of `id` (the facade id) and `code`
 * (the answer, or ERROR_CAPTCHA_UNSOLVABLE).
 */
export function callbackBody(task: TaskRecord): unknown {
  if (task.callbackFormat !== "twocaptcha") return resultView(task);
  const code = task.status === "completed" && task.solution ? twocaptchaAnswerText(task.solution) : "ERROR_CAPTCHA_UNSOLVABLE";
  return new URLSearchParams({ id: String(numericIdOfTaskId(task.taskId) ?? task.taskId), code });
}
