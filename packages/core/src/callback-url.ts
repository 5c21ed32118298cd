/**
 * Callback URLs and events: the submit-time check (the edge decides which addresses are
 * refused, see packages/functions/src/callbacks/target-policy.ts) and the id of a task's
 * callback event, the same on every retry.
 */
import { createHmac, randomBytes } from "node:crypto";
import type { RouterContext } from "./context.ts";
import { badRequest } from "./errors.ts";
import type { TaskRecord } from "./task.ts";

/** 400 naming `callback_url` when the URL may not be called; nothing is reserved before this. */
export async function checkCallbackUrl(ctx: Pick<RouterContext, "callbackTargets">, url: string): Promise<void> {
  const refused = await ctx.callbackTargets?.check(url);
  if (refused) throw badRequest(`callback_url: ${refused}`);
}

/** One event per task end: every retry of it carries this id. */
export const callbackEventId = (task: Pick<TaskRecord, "taskId" | "status">): string => `evt_${task.taskId}_${task.status}`;

/** A team's callback signing secret: 32 random bytes, hex, prefixed so it is recognisable. */
export const generateCallbackSecret = (): string => `whsec_${randomBytes(32).toString("hex")}`;

/**
 * The X-Router-Signature header for `rawBody` sent at `unixSeconds`:
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 */
export function callbackSignature(secret: string, unixSeconds: number, rawBody: string): string {
  const mac = createHmac("sha256", secret).update(`${unixSeconds}.${rawBody}`).digest("hex");
  return `t=${unixSeconds},v1=${mac}`;
}
