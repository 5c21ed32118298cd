/**
 * What both compatibility facades share: a task built from a foreign protocol's parameters is
 * validated by the same zod schemas as the native API and submitted through the core's
 * submitTask, so it is an ordinary task (routing, credits, budgets, listing, usage). Only its
 * id differs: a ULID made from a number (packages/core/src/facade-ids.ts), which the facades
 * hand out.
 */
import {
  DomainError,
  newNumericTaskId,
  numericIdOfTaskId,
  ulidOfNumericId,
  splitSubmitBody,
  submitTask,
  typedSubmitSchema,
  type RouterContext,
  type Team,
  type TaskType,
} from "@solver-router/core";
import { describeZodError } from "../errors.ts";

export interface FacadeTask {
  type: TaskType;
  /** The task's fields in the native API's names; undefined values are dropped. */
  fields: Record<string, unknown>;
  priority?: string;
  maxPrice?: string;
  callbackUrl?: string;
  /** How the callback is written: 2Captcha's pingback format, or the native result object. */
  callbackFormat?: "twocaptcha";
  idempotencyKey?: string;
}

export type FacadeSubmitResult =
  /** numericId is missing only when an Idempotency-Key found a task made by the native API. */
  | { kind: "submitted"; numericId: number | undefined; taskId: string }
  /** The parameters do not make a valid task: `field` is the native field at fault. */
  | { kind: "invalid"; field: string; message: string }
  /** The router refused the task (credits, budget, no provider, unavailable). */
  | { kind: "refused"; status: DomainError["status"]; message: string };

/** Id collisions are rare (same millisecond, same 11 random bits) and retried this often. */
const ID_ATTEMPTS = 4;

export async function submitFacadeTask(ctx: RouterContext, team: Team, input: FacadeTask): Promise<FacadeSubmitResult> {
  const body = Object.fromEntries(
    Object.entries({
      ...input.fields,
      priority: input.priority || undefined,
      max_price: input.maxPrice || undefined,
      callback_url: input.callbackUrl || undefined,
    }).filter(([, value]) => value !== undefined),
  );
  const parsed = typedSubmitSchema(input.type).safeParse(body);
  if (!parsed.success) {
    const field = String(parsed.error.issues[0]?.path[0] ?? "");
    return { kind: "invalid", field, message: describeZodError(parsed.error) };
  }
  const { task, options } = splitSubmitBody(input.type, parsed.data as Record<string, unknown>);
  for (let attempt = 1; ; attempt++) {
    const numericId = newNumericTaskId(ctx.clock.now());
    const taskId = ulidOfNumericId(numericId)!;
    try {
      const answer = await submitTask(
        { ...ctx, newId: () => taskId },
        {
          teamId: team.teamId,
          ...(team.monthlyBudgetMicro !== undefined ? { monthlyBudgetMicro: team.monthlyBudgetMicro } : {}),
          task,
          priority: options.priority,
          ...(options.max_price !== undefined ? { maxPrice: options.max_price } : {}),
          ...(options.callback_url ? { callbackUrl: options.callback_url, ...(input.callbackFormat ? { callbackFormat: input.callbackFormat } : {}) } : {}),
          ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
        },
      );
      // A retried submit with the same Idempotency-Key answers with the first task's id.
      return { kind: "submitted", numericId: answer.task_id === taskId ? numericId : numericIdOfTaskId(answer.task_id), taskId: answer.task_id };
    } catch (error) {
      if (error instanceof DomainError) return { kind: "refused", status: error.status, message: error.message };
      // Anything else may be the store refusing an id that exists already: try another one.
      if (attempt >= ID_ATTEMPTS) throw error;
    }
  }
}

/** "0.5" / 0.5 / true / "1" → boolean; "", 0, "0", false, null → undefined or false as given. */
export function flag(value: unknown): boolean | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "boolean") return value;
  const text = String(value).trim().toLowerCase();
  return text === "1" || text === "true";
}

/**
 * A number from a protocol parameter; "", null and false are absent, true is 1; anything else
 * non-numeric is kept for the schema to refuse.
 */
export function numberParam(value: unknown): number | string | undefined {
  if (value === undefined || value === null || value === "" || value === false) return undefined;
  if (value === true) return 1;
  if (typeof value === "number") return value;
  const text = String(value).trim();
  return text !== "" && Number.isFinite(Number(text)) ? Number(text) : text;
}

/** A string parameter; the placeholders "", null, false and 0 are absent. */
export function textParam(value: unknown): string | undefined {
  if (value === undefined || value === null || value === false || value === "" || value === 0) return undefined;
  return String(value);
}

/** Bytes of a base64 image (data: prefix and whitespace ignored). */
export function base64Bytes(image: string): number {
  const clean = image.replace(/^data:[^,]*,/, "").replace(/\s+/g, "");
  return Buffer.from(clean, "base64").length;
}
