/**
 * The public HTTP API (docs/api.md) as one Hono app: the same app runs behind API Gateway
 * (hono/aws-lambda) and on the local node server. This file only composes it: the middleware
 * every request passes, the limits and authentication put in front of the routes, and the route
 * sub-apps of routes/ (one file per concern, mounted with `app.route()`). Routes are declared
 * there with zod schemas, which validate requests and produce the OpenAPI document at
 * /v2/openapi.json.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { RouterContext } from "@solver-router/core";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import type { DeadLetters } from "../aws/sqs-dead-letters.ts";
import { registerDashboard } from "../dashboard/routes.ts";
import { adminAuth, teamAuth } from "./auth.ts";
import { teamBuckets, teamRateLimit, type RateLimit } from "./rate-limit.ts";
import { addressRateLimit } from "./address-rate-limit.ts";
import { KeyGuard, type KeyGuardLimits } from "./key-guard.ts";
import { BODY_TOO_LARGE, detail, errorHandler } from "./errors.ts";
import { accountRoutes } from "./routes/account.ts";
import { adminRoutes } from "./routes/admin.ts";
import { callbackSecretRoutes } from "./routes/callback-secret.ts";
import { createTaskFacade } from "./routes/createtask-facade.ts";
import { deadLetterRoutes } from "./routes/dead-letters.ts";
import { docsRoutes } from "./routes/docs.ts";
import { healthRoutes } from "./routes/health.ts";
import { pricingRoutes } from "./routes/pricing.ts";
import type { TeamMiddleware } from "./routes/route-kit.ts";
import { taskRoutes } from "./routes/tasks.ts";
import { teamSuspensionRoutes } from "./routes/team-suspension.ts";
import { twocaptchaFacade } from "./routes/twocaptcha-facade.ts";
import { upstreamPingbackRoutes } from "./routes/upstream-pingback.ts";
import { usageRoutes } from "./routes/usage.ts";

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

type Env = { Variables: { requestId: string } };

export function createApi(ctx: RouterContext, options: ApiOptions) {
  const app = new OpenAPIHono<Env>();
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
  // Team routes: authenticate, then rate-limit per team (each route's own middleware, in routes/).
  const buckets = teamBuckets(options.rateLimit ?? { perSecond: 100, burst: 300 });
  const team: TeamMiddleware = [teamAuth(ctx, guard), teamRateLimit(buckets)];
  const admin = adminAuth(options.adminKey, guard);
  // Any admin change to a team (a key revoked, a suspension, a budget) holds at once on this
  // instance: the team's keys are looked up afresh on their next request (key-guard.ts).
  app.use("/v2/admin/teams/:team_id/*", async (c, next) => {
    await next();
    if (c.req.method !== "GET") guard.forgetTeam(c.req.param("team_id")!);
  });

  // ── the native API (routes/, one sub-app per concern) ────────────────────────────────
  // Each sub-app's routes run after the middleware above; their errors and unknown paths are
  // answered by this app's onError and notFound (routes/route-kit.ts).
  app.route("/", healthRoutes(ctx, options.checkHealth));
  app.route("/", taskRoutes(ctx, team));
  app.route("/", pricingRoutes(ctx));
  app.route("/", accountRoutes(ctx, team));
  app.route("/", adminRoutes(ctx, admin));
  app.route("/", usageRoutes(ctx, team, admin));
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
