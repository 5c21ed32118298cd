/**
 * The createTask drop-in (docs/clients.md) for Anti-Captcha, CapMonster Cloud and 2Captcha API v2
 * clients: POST /createTask, /getTaskResult, /getBalance and the report methods on the API root,
 * the team key as `clientKey`. Tasks made here are ordinary router tasks with numeric ids (see
 * packages/core/src/facade-ids.ts). Every answer is HTTP 200 JSON with `errorId` (CapMonster's
 * client rejects any other status, Anti-Captcha's throws on 4xx/5xx).
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { DomainError, getOwnTask, reportTask, taskIdOfNumericId, type RouterContext, type TaskRecord, type Team } from "@solver-router/core";
import type { Context } from "hono";
import { teamForKey } from "../auth.ts";
import { microToDollars, microToDollarsString } from "../facades/dollars.ts";
import { createTaskFieldError, createTaskSolution, createTaskTask, errorBody, type CreateTaskErrorCode } from "../facades/createtask-protocol.ts";
import { submitFacadeTask, textParam } from "../facades/facade-submit.ts";
import type { TeamBuckets } from "../rate-limit.ts";

type Body = Record<string, unknown>;

export function createTaskFacade(ctx: RouterContext, rateLimit: TeamBuckets) {
  const app = new OpenAPIHono();
  const fail = (c: Context, code: CreateTaskErrorCode, detail?: string) => c.json(errorBody(code, detail), 200);
  for (const [path, summary] of [
    ["/createTask", "createTask protocol: submit a task ({clientKey, task: {type, …}})"],
    ["/getTaskResult", "createTask protocol: a task's status and solution ({clientKey, taskId})"],
    ["/getBalance", "createTask protocol: the balance in dollars ({clientKey})"],
    ["/reportIncorrectRecaptcha", "createTask protocol: report a wrong token"],
    ["/reportIncorrectImageCaptcha", "createTask protocol: report a wrong image answer"],
    ["/reportIncorrectHcaptcha", "createTask protocol: report a wrong hCaptcha answer"],
    ["/reportCorrectRecaptcha", "createTask protocol: report a token that worked"],
  ] as const) {
    app.openAPIRegistry.registerPath({
      method: "post",
      path,
      tags: ["compatibility"],
      summary,
      request: { body: { content: { "application/json": { schema: z.looseObject({ clientKey: z.string() }) } } } },
      responses: {
        200: {
          description: "Always 200 JSON with errorId (0 = fine), or errorCode and errorDescription (docs/clients.md)",
          content: { "application/json": { schema: z.looseObject({ errorId: z.number(), errorCode: z.string().optional(), errorDescription: z.string().optional() }) } },
        },
      },
    });
  }

  /** Reads the JSON body and the team behind `clientKey`, or the error answer to send. */
  const open = async (c: Context): Promise<{ body: Body; team: Team } | Response> => {
    const text = await c.req.text().catch(() => "");
    let body: Body = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) body = parsed as Body;
    } catch {
      return fail(c, "ERROR_KEY_DOES_NOT_EXIST", "the request body is not a JSON object with clientKey");
    }
    const key = textParam(body.clientKey)?.trim();
    const team = key ? await teamForKey(ctx, key) : undefined;
    if (!team) return fail(c, "ERROR_KEY_DOES_NOT_EXIST");
    if (rateLimit.take(team.teamId) > 0) return fail(c, "ERROR_NO_SLOT_AVAILABLE", "rate limited");
    return { body, team };
  };

  /** The team's task for a numeric `taskId`, or undefined. */
  const findTask = async (team: Team, id: unknown): Promise<TaskRecord | undefined> => {
    const taskId = typeof id === "number" || typeof id === "string" ? taskIdOfNumericId(id, team.teamId) : undefined;
    if (!taskId) return undefined;
    try {
      return await getOwnTask(ctx, team.teamId, taskId);
    } catch (error) {
      if (error instanceof DomainError && error.status === 404) return undefined;
      throw error;
    }
  };

  app.post("/createTask", async (c) => {
    const opened = await open(c);
    if (opened instanceof Response) return opened;
    const { body, team } = opened;
    const built = createTaskTask(body.task);
    if (!built.ok) return fail(c, built.code, built.detail);
    const callbackUrl = textParam(body.callbackUrl);
    const priority = textParam(body.priority);
    const maxPrice = textParam(body.maxPrice);
    const idempotencyKey = c.req.header("idempotency-key");
    const result = await submitFacadeTask(ctx, team, {
      ...built.task,
      ...(callbackUrl ? { callbackUrl } : {}),
      ...(priority ? { priority } : {}),
      ...(maxPrice ? { maxPrice } : {}),
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });
    switch (result.kind) {
      case "invalid":
        return fail(c, createTaskFieldError(result.field), result.message);
      case "refused":
        return fail(c, refusalCode(result.status, result.message), result.message);
      case "submitted":
        if (result.numericId === undefined) return fail(c, "ERROR_BAD_PARAMETERS", "this Idempotency-Key belongs to a task made through the native API");
        return c.json({ errorId: 0, taskId: result.numericId }, 200);
    }
  });

  app.post("/getTaskResult", async (c) => {
    const opened = await open(c);
    if (opened instanceof Response) return opened;
    const task = await findTask(opened.team, opened.body.taskId);
    if (!task) return fail(c, "ERROR_NO_SUCH_CAPCHA_ID");
    if (task.status === "failed") return fail(c, "ERROR_CAPTCHA_UNSOLVABLE", task.error);
    if (task.status !== "completed" || !task.solution) return c.json({ errorId: 0, status: "processing" }, 200);
    return c.json(
      {
        errorId: 0,
        status: "ready",
        solution: createTaskSolution(task.solution, task.type),
        cost: microToDollarsString(task.chargedMicro ?? 0),
        ip: "",
        createTime: Math.floor(task.createdAt / 1000),
        endTime: Math.floor((task.completedAt ?? task.updatedAt) / 1000),
        solveCount: task.attempts.length,
      },
      200,
    );
  });

  app.post("/getBalance", async (c) => {
    const opened = await open(c);
    if (opened instanceof Response) return opened;
    return c.json({ errorId: 0, balance: microToDollars(opened.team.balanceMicro) }, 200);
  });

  const report = (correct: boolean) => async (c: Context) => {
    const opened = await open(c);
    if (opened instanceof Response) return opened;
    const task = await findTask(opened.team, opened.body.taskId);
    if (!task) return fail(c, "ERROR_NO_SUCH_CAPCHA_ID");
    try {
      await reportTask(ctx, opened.team.teamId, task.taskId, correct);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.status === 404) return fail(c, "ERROR_NO_SUCH_CAPCHA_ID");
      return fail(c, "ERROR_BAD_PARAMETERS", error.message);
    }
    return c.json({ errorId: 0, status: "success" }, 200);
  };
  app.post("/reportIncorrectRecaptcha", report(false));
  app.post("/reportIncorrectImageCaptcha", report(false));
  app.post("/reportIncorrectHcaptcha", report(false));
  app.post("/reportCorrectRecaptcha", report(true));

  return app;
}

function refusalCode(status: DomainError["status"], message: string): CreateTaskErrorCode {
  if (status === 402) return /budget/i.test(message) ? "ERROR_NO_SLOT_AVAILABLE" : "ERROR_ZERO_BALANCE";
  if (status === 401) return "ERROR_KEY_DOES_NOT_EXIST";
  if (status === 429 || status === 503) return "ERROR_NO_SLOT_AVAILABLE";
  return "ERROR_TASK_NOT_SUPPORTED";
}
