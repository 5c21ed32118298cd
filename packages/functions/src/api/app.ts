/**
 * The public HTTP API (docs/api.md) as one Hono app: the same app runs behind API Gateway
 * (hono/aws-lambda) and on the local node server. Routes are declared with zod schemas, which
 * validate requests and produce the OpenAPI document at /v2/openapi.json.
 */
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import {
  TASK_TYPES,
  TYPED_PATHS,
  UnifiedSubmitSchema,
  accountView,
  addCredits,
  ledgerView,
  listKeys,
  listTeams,
  setMonthlyBudget,
  usageCsv,
  usageReport,
  createTeam,
  deleteTask,
  getResult,
  issueKey,
  listTasks,
  pricingView,
  providersView,
  reportTask,
  revokeKey,
  splitSubmitBody,
  submitTask,
  typedSubmitSchema,
  type RouterContext,
  type TaskType,
} from "@solver-router/core";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import type { DeadLetters } from "../aws/sqs-dead-letters.ts";
import { registerDashboard } from "../dashboard/routes.ts";
import { deadLetterRoutes } from "./routes/dead-letters.ts";
import { docsRoutes } from "./routes/docs.ts";
import { callbackSecretRoutes } from "./routes/callback-secret.ts";
import { teamSuspensionRoutes } from "./routes/team-suspension.ts";
import { adminAuth, teamAuth, type AuthVariables } from "./auth.ts";
import { teamBuckets, teamRateLimit, type RateLimit } from "./rate-limit.ts";
import { addressRateLimit } from "./address-rate-limit.ts";
import { KeyGuard, type KeyGuardLimits } from "./key-guard.ts";
import { createTaskFacade } from "./routes/createtask-facade.ts";
import { twocaptchaFacade } from "./routes/twocaptcha-facade.ts";
import { upstreamPingbackRoutes } from "./routes/upstream-pingback.ts";
import { BODY_TOO_LARGE, describeZodError, detail, errorHandler } from "./errors.ts";
import {
  AccountSchema,
  AdminUsageQuerySchema,
  CreatedTeamSchema,
  CreditsAnswerSchema,
  IssuedKeySchema,
  ProvidersSchema,
  RevokedKeySchema,
  BudgetBodySchema,
  CreateTeamBodySchema,
  LedgerQuerySchema,
  LedgerSchema,
  CreditsBodySchema,
  ErrorSchema,
  ListQuerySchema,
  MessageSchema,
  PricingSchema,
  ReportAnswerSchema,
  ReportBodySchema,
  ResultSchema,
  SubmitAnswerSchema,
  TaskIdParams,
  TaskListSchema,
  TeamIdParams,
  UsageQuerySchema,
  UsageReportSchema,
} from "./schemas.ts";

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The API speaks JSON only: a body sent without a Content-Type, as text/plain, or as a form
 * that is really JSON (what `curl -d '{…}'` sends) is read as JSON rather than refused with 415.
 * Real forms and other types are still refused. Runs after the body limit.
 */
const jsonByDefault: MiddlewareHandler = async (c, next) => {
  const type = c.req.header("content-type") ?? "";
  const mayHaveBody = c.req.method !== "GET" && c.req.method !== "HEAD" && c.req.raw.body !== null;
  const unlabelled = type === "" || /^text\/plain\b/i.test(type);
  const form = /^application\/x-www-form-urlencoded\b/i.test(type);
  if (mayHaveBody && (unlabelled || form)) {
    const text = await c.req.raw.clone().text();
    if (unlabelled || /^\s*[[{]/.test(text)) {
      const headers = new Headers(c.req.raw.headers);
      headers.set("content-type", "application/json");
      c.req.raw = new Request(c.req.raw.url, { method: c.req.method, headers, body: text });
    }
  }
  await next();
};

export interface ApiOptions {
  adminKey: string;
  /** Requests per second per team (default 100, bursts of 300). */
  rateLimit?: RateLimit;
  /** Requests per second per source address to public and admin routes (address-rate-limit.ts). */
  addressLimit?: RateLimit;
  /** Limits on failed authentications and unknown-key lookups (key-guard.ts). */
  keyGuard?: KeyGuardLimits;
  /** Resolves when the table and the queue answer; throws otherwise. */
  checkHealth: () => Promise<void>;
  /** The work queue's dead-letter queue (routes/dead-letters.ts); its routes answer 503 without it. */
  deadLetters?: DeadLetters;
}

type Env = { Variables: AuthVariables & { requestId: string } };

const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { description: ERROR_TEXT[s] ?? "Error", content: { "application/json": { schema: ErrorSchema } } }]));
const ERROR_TEXT: Record<number, string> = {
  400: "Invalid body or parameters",
  401: "Missing or invalid key",
  402: "Insufficient credits",
  404: "Unknown task",
  409: "Task still pending or processing",
  413: "Body over 1 MiB",
  429: "Rate limited (see Retry-After)",
  503: "A dependency is unavailable",
};
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });
const jsonBody = <T extends z.ZodType>(schema: T) => ({ body: { required: true, content: { "application/json": { schema } } } });
const teamSecurity = [{ TeamKey: [] }];
const adminSecurity = [{ AdminKey: [] }];

export function createApi(ctx: RouterContext, options: ApiOptions) {
  const app = new OpenAPIHono<Env>({
    defaultHook: (result, c) => {
      if (!result.success) return detail(c, 400, describeZodError(result.error, result.target === "json" ? "body" : "parameters"));
    },
  });
  app.use(requestId());
  app.use(
    bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => detail(c, 413, BODY_TOO_LARGE) }),
  );
  app.use(jsonByDefault);
  app.onError(errorHandler(ctx.logger));
  app.notFound((c) => detail(c, 404, `No route for ${c.req.method} ${c.req.path}`));
  app.openAPIRegistry.registerComponent("securitySchemes", "TeamKey", { type: "http", scheme: "bearer", description: "A team's 32-hex API key" });
  app.openAPIRegistry.registerComponent("securitySchemes", "AdminKey", { type: "http", scheme: "bearer", description: "ROUTER_ADMIN_KEY" });

  // Before authentication: per source address limits and bounded key lookups (key-guard.ts).
  const perAddress = addressRateLimit(options.addressLimit);
  for (const path of ["/health", "/v2/solver/pricing", "/docs", "/v2/openapi.json", "/dashboard", "/dashboard/*", "/v2/admin/*"]) app.use(path, perAddress);
  const guard = new KeyGuard(options.keyGuard);
  // Team routes: authenticate, then rate-limit per team.
  const buckets = teamBuckets(options.rateLimit ?? { perSecond: 100, burst: 300 });
  const team = [teamAuth(ctx, guard), teamRateLimit(buckets)];
  const admin = adminAuth(options.adminKey, guard);

  // ── health and docs ──────────────────────────────────────────────────────────────────
  app.openapi(
    createRoute({
      method: "get",
      path: "/health",
      tags: ["health"],
      responses: { 200: json(z.object({ status: z.literal("ok") }), "The API reaches its table and queue"), ...errors(503) },
    }),
    async (c) => {
      try {
        await options.checkHealth();
        return c.json({ status: "ok" as const }, 200);
      } catch (error) {
        ctx.logger.error("health check failed", { error: String(error) });
        // (typed routes only know their 200 shape; errors elsewhere are thrown DomainErrors)
        return detail(c, 503, "The table or the queue is unreachable") as never;
      }
    },
  );

  // ── submitting ───────────────────────────────────────────────────────────────────────
  const idempotencyHeader = z.object({ "idempotency-key": z.string().min(1).max(200).optional() });
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
      responses: { 200: json(SubmitAnswerSchema, "Task accepted"), ...errors(400, 401, 402, 413, 429, 503) },
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
        responses: { 200: json(SubmitAnswerSchema, "Task accepted"), ...errors(400, 401, 402, 413, 429, 503) },
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
      responses: { 200: json(ResultSchema, "The task and, once completed, its solution"), ...errors(401, 404) },
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
      responses: { 200: json(TaskListSchema, "The team's tasks, newest first"), ...errors(400, 401) },
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
      responses: { 200: json(MessageSchema, "Deleted"), ...errors(401, 404, 409) },
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
      responses: { 200: json(ReportAnswerSchema, "Report recorded"), ...errors(400, 401, 404, 409) },
    }),
    async (c) => c.json(await reportTask(ctx, c.get("teamId"), c.req.valid("param").task_id, c.req.valid("json").correct), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v2/solver/pricing",
      tags: ["pricing"],
      responses: { 200: json(PricingSchema, "Credits per task at each priority, now") },
    }),
    async (c) => c.json(await pricingView(ctx), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v2/account",
      tags: ["account"],
      security: teamSecurity,
      middleware: team,
      responses: { 200: json(AccountSchema, "The team's balance and reservations"), ...errors(401) },
    }),
    async (c) => c.json(await accountView(ctx, c.get("team")), 200),
  );

  // ── administration ───────────────────────────────────────────────────────────────────
  app.openapi(
    createRoute({
      method: "post",
      path: "/v2/admin/teams",
      tags: ["admin"],
      security: adminSecurity,
      middleware: [admin] as const,
      request: jsonBody(CreateTeamBodySchema),
      responses: {
        200: json(
          CreatedTeamSchema,
          "The team, its key and its callback signing secret (both shown once)",
        ),
        ...errors(400, 401),
      },
    }),
    async (c) => c.json(await createTeam(ctx, c.req.valid("json")), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v2/admin/teams",
      tags: ["admin"],
      security: adminSecurity,
      middleware: [admin] as const,
      responses: { 200: json(z.object({ teams: z.array(AccountSchema) }), "Every team"), ...errors(401) },
    }),
    async (c) => c.json(await listTeams(ctx), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v2/admin/teams/{team_id}/credits",
      tags: ["admin"],
      security: adminSecurity,
      middleware: [admin] as const,
      request: { params: TeamIdParams, ...jsonBody(CreditsBodySchema) },
      responses: {
        200: json(CreditsAnswerSchema, "The new balance"),
        ...errors(400, 401, 404),
      },
    }),
    async (c) => c.json(await addCredits(ctx, c.req.valid("param").team_id, c.req.valid("json").amount), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v2/admin/teams/{team_id}/keys",
      tags: ["admin"],
      security: adminSecurity,
      middleware: [admin] as const,
      request: { params: TeamIdParams },
      responses: {
        200: json(IssuedKeySchema, "A new key (shown once)"),
        ...errors(401, 404),
      },
    }),
    async (c) => c.json(await issueKey(ctx, c.req.valid("param").team_id), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v2/admin/teams/{team_id}/keys",
      tags: ["admin"],
      summary: "A team's live keys by prefix (keys are only stored as hashes)",
      security: adminSecurity,
      middleware: [admin] as const,
      request: { params: TeamIdParams },
      responses: {
        200: json(z.object({ team_id: z.string(), keys: z.array(z.object({ key_prefix: z.string(), created_at: z.string() })) }), "Key prefixes, oldest first"),
        ...errors(401, 404),
      },
    }),
    async (c) => c.json(await listKeys(ctx, c.req.valid("param").team_id), 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v2/admin/teams/{team_id}/keys/{key_prefix}",
      tags: ["admin"],
      security: adminSecurity,
      middleware: [admin] as const,
      request: { params: TeamIdParams.extend({ key_prefix: z.string() }) },
      responses: {
        200: json(RevokedKeySchema, "Revoked"),
        ...errors(400, 401, 404),
      },
    }),
    async (c) => c.json(await revokeKey(ctx, c.req.valid("param").team_id, c.req.valid("param").key_prefix), 200),
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/v2/admin/teams/{team_id}/budget",
      tags: ["admin"],
      summary: "Set or remove a team's monthly budget",
      security: adminSecurity,
      middleware: [admin] as const,
      request: { params: TeamIdParams, ...jsonBody(BudgetBodySchema) },
      responses: { 200: json(AccountSchema, "The team with its budget"), ...errors(400, 401, 404) },
    }),
    async (c) => c.json(await setMonthlyBudget(ctx, c.req.valid("param").team_id, c.req.valid("json").monthly_budget), 200),
  );

  // ── usage ────────────────────────────────────────────────────────────────────────────
  const usageResponses = {
    200: {
      description: "Usage rows and totals (JSON), or CSV with format=csv or Accept: text/csv",
      content: { "application/json": { schema: UsageReportSchema }, "text/csv": { schema: z.string() } },
    },
    ...errors(400, 401),
  };
  const wantsCsv = (format: string | undefined, accept: string | undefined) =>
    format === "csv" || (format === undefined && /text\/csv/i.test(accept ?? ""));

  app.openapi(
    createRoute({
      method: "get",
      path: "/v2/usage",
      tags: ["usage"],
      security: teamSecurity,
      middleware: team,
      request: { query: UsageQuerySchema },
      responses: usageResponses,
    }),
    async (c) => {
      const query = c.req.valid("query");
      const report = await usageReport(ctx, query, { teamId: c.get("teamId") });
      if (wantsCsv(query.format, c.req.header("accept"))) return c.body(usageCsv(report), 200, { "content-type": "text/csv; charset=utf-8" }) as never;
      return c.json(report, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v2/ledger",
      tags: ["usage"],
      summary: "The team's money movements: credits added, charges, refunds",
      security: teamSecurity,
      middleware: team,
      request: { query: LedgerQuerySchema },
      responses: { 200: json(LedgerSchema, "Ledger lines, oldest first, and totals"), ...errors(400, 401) },
    }),
    async (c) => c.json(await ledgerView(ctx, c.get("teamId"), c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v2/admin/teams/{team_id}/ledger",
      tags: ["admin", "usage"],
      security: adminSecurity,
      middleware: [admin] as const,
      request: { params: TeamIdParams, query: LedgerQuerySchema },
      responses: { 200: json(LedgerSchema, "The team's ledger lines and totals"), ...errors(400, 401) },
    }),
    async (c) => c.json(await ledgerView(ctx, c.req.valid("param").team_id, c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v2/admin/usage",
      tags: ["admin", "usage"],
      security: adminSecurity,
      middleware: [admin] as const,
      request: { query: AdminUsageQuerySchema },
      responses: usageResponses,
    }),
    async (c) => {
      const query = c.req.valid("query");
      const report = await usageReport(ctx, query, { admin: true });
      if (wantsCsv(query.format, c.req.header("accept"))) return c.body(usageCsv(report), 200, { "content-type": "text/csv; charset=utf-8" }) as never;
      return c.json(report, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v2/admin/providers",
      tags: ["admin"],
      security: adminSecurity,
      middleware: [admin] as const,
      responses: { 200: json(ProvidersSchema, "Providers, cooldowns and figures"), ...errors(401) },
    }),
    async (c) => c.json(await providersView(ctx), 200),
  );

  app.route("/", callbackSecretRoutes(ctx, admin));
  app.route("/", teamSuspensionRoutes(ctx, admin));
  app.route("/", upstreamPingbackRoutes(ctx));
  app.route("/", deadLetterRoutes(options.deadLetters, admin));
  app.route("/", docsRoutes());

  // ── compatibility facades on the API root (docs/clients.md) ──────────────────────────
  app.route("/", twocaptchaFacade(ctx, buckets));
  app.route("/", createTaskFacade(ctx, buckets));
  registerDashboard(app);
  app.doc31("/v2/openapi.json", {
    openapi: "3.1.0",
    info: { title: "solver-router", version: "2.0.0", description: "One API for many CAPTCHA-solving services, routed by price, speed and accuracy." },
  });

  return app;
}
