/**
 * A team's tasks (team key): submitting (POST /v2/solver/task told apart by `type`, and one typed
 * path per task type), the result, the list, deleting, and reporting an answer as right or wrong.
 */
import { createRoute, z } from "@hono/zod-openapi";
import {
  TASK_TYPES,
  TYPED_PATHS,
  UnifiedSubmitSchema,
  deleteTask,
  getResult,
  listTasks,
  reportTask,
  splitSubmitBody,
  submitTask,
  typedSubmitSchema,
  type RouterContext,
  type TaskType,
} from "@solver-router/core";
import type { AuthVariables } from "../auth.ts";
import { ListQuerySchema, MessageSchema, ReportAnswerSchema, ReportBodySchema, ResultSchema, SubmitAnswerSchema, TaskIdParams, TaskListSchema } from "../schemas.ts";
import { errorResponses, jsonBody, jsonResponse, routeGroup, teamSecurity, type TeamEnv, type TeamMiddleware } from "./route-kit.ts";

const idempotencyHeader = z.object({ "idempotency-key": z.string().min(1).max(200).optional() });
const submitResponses = { 200: jsonResponse(SubmitAnswerSchema, "Task accepted"), ...errorResponses(400, 401, 402, 413, 429, 503) };

export function taskRoutes(ctx: RouterContext, team: TeamMiddleware) {
  const app = routeGroup<TeamEnv>();

  // ── submitting ───────────────────────────────────────────────────────────────────────
  const submit = async (
    c: { req: { header(name: string): string | undefined }; get(key: "team"): AuthVariables["team"] },
    type: TaskType,
    body: Record<string, unknown>,
  ) => {
    const { task, options: submitOptions } = splitSubmitBody(type, body);
    const key = c.req.header("idempotency-key");
    const team = c.get("team");
    return submitTask(ctx, {
      teamId: team.teamId,
      ...(team.monthlyBudgetMicro !== undefined ? { monthlyBudgetMicro: team.monthlyBudgetMicro } : {}),
      task,
      priority: submitOptions.priority,
      ...(submitOptions.max_price !== undefined ? { maxPrice: submitOptions.max_price } : {}),
      ...(submitOptions.callback_url ? { callbackUrl: submitOptions.callback_url } : {}),
      ...(key ? { idempotencyKey: key } : {}),
    });
  };

  app.openapi(
    createRoute({
      method: "post",
      path: "/v2/solver/task",
      tags: ["tasks"],
      summary: "Submit any task, told apart by `type`",
      security: teamSecurity,
      middleware: team,
      request: { headers: idempotencyHeader, ...jsonBody(UnifiedSubmitSchema) },
      responses: submitResponses,
    }),
    async (c) => {
      const body = c.req.valid("json") as Record<string, unknown> & { type: TaskType };
      return c.json(await submit(c, body.type, body), 200);
    },
  );

  for (const type of TASK_TYPES) {
    app.openapi(
      createRoute({
        method: "post",
        path: `/v2/solver${TYPED_PATHS[type]}`,
        tags: ["tasks"],
        summary: `Submit a ${type}`,
        security: teamSecurity,
        middleware: team,
        request: { headers: idempotencyHeader, ...jsonBody(typedSubmitSchema(type)) },
        responses: submitResponses,
      }),
      async (c) => c.json(await submit(c, type, c.req.valid("json") as Record<string, unknown>), 200),
    );
  }

  // ── results and tasks ────────────────────────────────────────────────────────────────
  app.openapi(
    createRoute({
      method: "get",
      path: "/v2/solver/result/{task_id}",
      tags: ["tasks"],
      security: teamSecurity,
      middleware: team,
      request: { params: TaskIdParams },
      responses: { 200: jsonResponse(ResultSchema, "The task and, once completed, its solution"), ...errorResponses(401, 404) },
    }),
    async (c) => c.json(await getResult(ctx, c.get("teamId"), c.req.valid("param").task_id), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v2/solver/tasks",
      tags: ["tasks"],
      security: teamSecurity,
      middleware: team,
      request: { query: ListQuerySchema },
      responses: { 200: jsonResponse(TaskListSchema, "The team's tasks, newest first"), ...errorResponses(400, 401) },
    }),
    async (c) => c.json(await listTasks(ctx, c.get("teamId"), c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v2/solver/task/{task_id}",
      tags: ["tasks"],
      security: teamSecurity,
      middleware: team,
      request: { params: TaskIdParams },
      responses: { 200: jsonResponse(MessageSchema, "Deleted"), ...errorResponses(401, 404, 409) },
    }),
    async (c) => c.json(await deleteTask(ctx, c.get("teamId"), c.req.valid("param").task_id), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v2/solver/task/{task_id}/report",
      tags: ["tasks"],
      summary: "Report a completed task's answer as correct or not (reportgood / reportbad upstream)",
      security: teamSecurity,
      middleware: team,
      request: { params: TaskIdParams, ...jsonBody(ReportBodySchema) },
      responses: { 200: jsonResponse(ReportAnswerSchema, "Report recorded"), ...errorResponses(400, 401, 404, 409) },
    }),
    async (c) => c.json(await reportTask(ctx, c.get("teamId"), c.req.valid("param").task_id, c.req.valid("json").correct), 200),
  );

  return app;
}
