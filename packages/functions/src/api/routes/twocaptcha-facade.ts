/**
 * The 2Captcha v1 drop-in (docs/clients.md): `/in.php` and `/res.php` on the API root, the team
 * key as `key`. Tasks made here are ordinary router tasks; ids are numeric (see
 * packages/core/src/facade-ids.ts) and res.php also takes a native task id. Every answer is
 * HTTP 200 in the protocol's own words, because 2Captcha's clients treat any other status as a
 * transport fault and retry.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { DomainError, getOwnTask, reportTask, taskIdOfNumericId, twocaptchaAnswerText, type RouterContext, type TaskRecord, type Team } from "@solver-router/core";
import type { Context } from "hono";
import { teamForKey } from "../auth.ts";
import { microToDollarsString } from "../facades/dollars.ts";
import { submitFacadeTask } from "../facades/facade-submit.ts";
import { readParams, type Params } from "../facades/request-params.ts";
import { answerStyle, bare, fail, ok, type AnswerStyle } from "../facades/twocaptcha-answers.ts";
import { twocaptchaFieldError, twocaptchaTask } from "../facades/twocaptcha-tasks.ts";
import type { TeamBuckets } from "../rate-limit.ts";

const MAX_BATCH_IDS = 100;

export function twocaptchaFacade(ctx: RouterContext, rateLimit: TeamBuckets) {
  const app = new OpenAPIHono();
  const answer = {
    200: {
      description: "Always 200: `OK|…`, a bare value or an error code as text; with json=1 `{status, request}` (docs/clients.md)",
      content: { "text/plain": { schema: z.string() }, "application/json": { schema: z.object({ status: z.number(), request: z.unknown() }) } },
    },
  };
  for (const [path, summary] of [
    ["/in.php", "2Captcha v1: submit a captcha (key, method, …; GET or POST, urlencoded, multipart or JSON)"],
    ["/res.php", "2Captcha v1: get / get2 / ids= / getbalance / reportgood / reportbad"],
  ] as const) {
    for (const method of ["get", "post"] as const) {
      app.openAPIRegistry.registerPath({ method, path, tags: ["compatibility"], summary, responses: answer });
    }
  }

  /** The caller's team, or the answer to send instead (key error, rate limit). */
  const authenticate = async (c: Context, params: Params, style: AnswerStyle): Promise<Team | Response> => {
    const key = (params.key ?? "").trim();
    if (!key) return fail(c, style, "ERROR_WRONG_USER_KEY");
    const team = await teamForKey(ctx, key);
    if (!team) return fail(c, style, "ERROR_KEY_DOES_NOT_EXIST");
    if (rateLimit.take(team.teamId) > 0) return fail(c, style, "ERROR_NO_SLOT_AVAILABLE");
    return team;
  };

  app.on(["GET", "POST"], "/in.php", async (c) => {
    const params = await readParams(c);
    const style = answerStyle(params);
    const team = await authenticate(c, params, style);
    if (team instanceof Response) return team;
    const built = twocaptchaTask(params);
    if (!built.ok) return fail(c, style, built.code);
    const idempotencyKey = c.req.header("idempotency-key");
    const result = await submitFacadeTask(ctx, team, {
      ...built.task,
      ...(params.priority ? { priority: params.priority } : {}),
      ...(params.max_price ? { maxPrice: params.max_price } : {}),
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });
    switch (result.kind) {
      case "invalid":
        return fail(c, style, twocaptchaFieldError(result.field));
      case "refused":
        return fail(c, style, refusalCode(result.status, result.message));
      case "submitted":
        return ok(c, style, String(result.numericId ?? result.taskId));
    }
  });

  app.on(["GET", "POST"], "/res.php", async (c) => {
    const params = await readParams(c);
    const style = answerStyle(params);
    const team = await authenticate(c, params, style);
    if (team instanceof Response) return team;
    const action = (params.action ?? "").trim().toLowerCase();
    switch (action) {
      case "":
        return fail(c, style, "ERROR_EMPTY_ACTION");
      case "getbalance":
        return bare(c, style, microToDollarsString(team.balanceMicro));
      case "get":
        if (params.ids !== undefined) return batch(c, style, team, params.ids);
        return single(c, style, team, params.id, false);
      case "get2":
        return single(c, style, team, params.id, true);
      case "reportgood":
      case "reportbad":
        return report(c, style, team, params.id, action === "reportgood");
      default:
        return fail(c, style, "ERROR_BAD_PARAMETERS");
    }
  });

  /** The team's task for a facade id (digits) or a native task id; a code when there is none. */
  const findTask = async (team: Team, id: string | undefined): Promise<TaskRecord | string> => {
    const text = (id ?? "").trim();
    const digits = /^\d+$/.test(text);
    const taskId = digits ? taskIdOfNumericId(text, team.teamId) : /^[0-9a-z]{26}-[0-9a-z-]{1,37}$/i.test(text) ? text.toLowerCase() : undefined;
    if (!taskId) return text && !digits ? "ERROR_WRONG_ID_FORMAT" : "ERROR_WRONG_CAPTCHA_ID";
    try {
      return await getOwnTask(ctx, team.teamId, taskId);
    } catch (error) {
      if (error instanceof DomainError && error.status === 404) return "ERROR_WRONG_CAPTCHA_ID";
      throw error;
    }
  };

  const single = async (c: Context, style: AnswerStyle, team: Team, id: string | undefined, withPrice: boolean) => {
    const task = await findTask(team, id);
    if (typeof task === "string") return fail(c, style, task);
    if (task.status === "failed") return fail(c, style, "ERROR_CAPTCHA_UNSOLVABLE");
    if (task.status !== "completed" || !task.solution) return fail(c, style, "CAPCHA_NOT_READY");
    const extra: Record<string, unknown> = task.solution.kind === "token" && task.solution.userAgent ? { useragent: task.solution.userAgent } : {};
    if (!withPrice) return ok(c, style, twocaptchaAnswerText(task.solution), extra);
    const price = microToDollarsString(task.chargedMicro ?? 0);
    return ok(c, style, twocaptchaAnswerText(task.solution), { ...extra, price }, `|${price}`);
  };

  const batch = async (c: Context, style: AnswerStyle, team: Team, ids: string) => {
    const list = ids.split(",").map((id) => id.trim()).filter(Boolean).slice(0, MAX_BATCH_IDS);
    if (list.length === 0) return fail(c, style, "ERROR_WRONG_CAPTCHA_ID");
    const answers = await Promise.all(
      list.map(async (id) => {
        const task = await findTask(team, id);
        if (typeof task === "string") return task;
        if (task.status === "failed") return "ERROR_CAPTCHA_UNSOLVABLE";
        return task.status === "completed" && task.solution ? twocaptchaAnswerText(task.solution) : "CAPCHA_NOT_READY";
      }),
    );
    return bare(c, style, answers.join("|"));
  };

  const report = async (c: Context, style: AnswerStyle, team: Team, id: string | undefined, correct: boolean) => {
    const task = await findTask(team, id);
    if (typeof task === "string") return fail(c, style, task);
    try {
      await reportTask(ctx, team.teamId, task.taskId, correct);
      return bare(c, style, "OK_REPORT_RECORDED");
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.status === 404) return fail(c, style, "ERROR_WRONG_CAPTCHA_ID");
      return fail(c, style, task.report ? "ERROR_DUPLICATE_REPORT" : "ERROR_REPORT_NOT_RECORDED");
    }
  };

  return app;
}

/** The in.php code for a task the router refused. */
function refusalCode(status: DomainError["status"], message: string): string {
  if (status === 402) return /budget/i.test(message) ? "ERROR_NO_SLOT_AVAILABLE" : "ERROR_ZERO_BALANCE";
  if (status === 401) return "ERROR_KEY_DOES_NOT_EXIST";
  if (status === 429 || status === 503) return "ERROR_NO_SLOT_AVAILABLE";
  return "ERROR_BAD_PARAMETERS";
}
