/**
 * What every route sub-app shares: the 400 for invalid input, the error responses, the JSON
 * response and body shapes, and the security scheme names (registered once, in app.ts).
 *
 * A sub-app is mounted with `app.route("/", …)` in app.ts and runs behind the middleware
 * registered there (request id, body limit, JSON by default, per-address limits). Its own
 * middleware goes on each route (createRoute's `middleware`), never `use()`: a sub-app's `use`
 * is copied onto the root and would run for every path it matches, unknown paths included. Its
 * errors and unknown paths are answered by the root's onError and notFound (a sub-app's notFound
 * is never consulted; an onError of its own would shadow the root's for its routes).
 */
import { OpenAPIHono, type z } from "@hono/zod-openapi";
import type { Env, MiddlewareHandler } from "hono";
import type { AuthVariables } from "../auth.ts";
import { describeZodError, detail } from "../errors.ts";
import { ErrorSchema } from "../schemas.ts";

/** A sub-app whose invalid bodies and parameters get the API's 400 naming the field (errors.ts). */
export const routeGroup = <E extends Env = Env>() =>
  new OpenAPIHono<E>({
    defaultHook: (result, c) => {
      if (!result.success) return detail(c, 400, describeZodError(result.error, result.target === "json" ? "body" : "parameters"));
    },
  });

/** What team routes' handlers read: the team the key belongs to (auth.ts). */
export type TeamEnv = { Variables: AuthVariables };
/** Team routes' middleware, built once in app.ts: authenticate the key, then rate-limit per team. */
export type TeamMiddleware = MiddlewareHandler<TeamEnv>[];

const ERROR_TEXT: Record<number, string> = {
  400: "Invalid body or parameters",
  401: "Missing or invalid key",
  402: "Insufficient credits",
  404: "Unknown task, team or key",
  409: "Task still pending or processing",
  413: "Body over 1 MiB",
  429: "Rate limited (see Retry-After)",
  503: "A dependency is unavailable",
};

/** The API's error answers ({"detail": …}) for these statuses. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { description: ERROR_TEXT[s] ?? "Error", content: { "application/json": { schema: ErrorSchema } } }]));

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

/** A required JSON request body. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({ body: { required: true, content: { "application/json": { schema } } } });

export const teamSecurity = [{ TeamKey: [] }];
export const adminSecurity = [{ AdminKey: [] }];
