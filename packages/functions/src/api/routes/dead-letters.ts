/**
 * The work queue's dead-letter queue, for operators (admin key): how many messages wait there,
 * and moving them back to the work queue once the fault that put them there is fixed
 * (docs/operations.md, alarm "DeadLetterQueueNotEmpty"). `pnpm admin dlq-redrive` calls it.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { unavailable } from "@solver-router/core";
import type { MiddlewareHandler } from "hono";
import { DEFAULT_REDRIVE_MAX, MAX_REDRIVE_MAX, type DeadLetters } from "../../aws/sqs-dead-letters.ts";
import { adminSecurity, errorResponses, jsonResponse, routeGroup } from "./route-kit.ts";

const DeadLettersSchema = z.object({ messages: z.number().int().describe("Messages waiting in the dead-letter queue (approximate)") });
const RedriveSchema = z.object({
  moved: z.number().int().describe("Messages moved back to the work queue by this call"),
  remaining: z.number().int().describe("Messages still in the dead-letter queue (approximate); call again while above 0"),
});
const RedriveQuerySchema = z.object({
  max_messages: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_REDRIVE_MAX)
    .optional()
    .openapi({ description: `At most this many messages per call (default ${DEFAULT_REDRIVE_MAX})` }),
});

const NOT_CONFIGURED = "The dead-letter queue is not configured for this deployment";

export function deadLetterRoutes(deadLetters: DeadLetters | undefined, admin: MiddlewareHandler) {
  const app = routeGroup();

  app.openapi(
    createRoute({
      method: "get",
      path: "/v2/admin/dlq",
      tags: ["admin"],
      security: adminSecurity,
      middleware: [admin] as const,
      responses: { 200: jsonResponse(DeadLettersSchema, "The dead-letter queue's size"), ...errorResponses(401, 503) },
    }),
    async (c) => {
      if (!deadLetters) throw unavailable(NOT_CONFIGURED);
      return c.json({ messages: await deadLetters.count() }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v2/admin/dlq/redrive",
      tags: ["admin"],
      security: adminSecurity,
      middleware: [admin] as const,
      request: { query: RedriveQuerySchema },
      responses: { 200: jsonResponse(RedriveSchema, "Messages moved back to the work queue"), ...errorResponses(400, 401, 503) },
    }),
    async (c) => {
      if (!deadLetters) throw unavailable(NOT_CONFIGURED);
      const { max_messages } = c.req.valid("query");
      return c.json(await deadLetters.redrive(max_messages !== undefined ? { maxMessages: max_messages } : {}), 200);
    },
  );

  return app;
}
