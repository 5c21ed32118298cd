/**
 * The work queue's dead-letter queue, for operators (admin key): how many messages wait there,
 * and moving them back to the work queue once the fault that put them there is fixed
 * (docs/operations.md, alarm "DeadLetterQueueNotEmpty"). `pnpm admin dlq-redrive` calls it.
 */
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { unavailable } from "@solver-router/core";
import type { MiddlewareHandler } from "hono";
import { DEFAULT_REDRIVE_MAX, MAX_REDRIVE_MAX, type DeadLetters } from "../../aws/sqs-dead-letters.ts";
import { describeZodError, detail } from "../errors.ts";
import { ErrorSchema } from "../schemas.ts";

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

const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { description: String(s), content: { "application/json": { schema: ErrorSchema } } }]));
const security = [{ AdminKey: [] }];
const NOT_CONFIGURED = "The dead-letter queue is not configured for this deployment";

export function deadLetterRoutes(deadLetters: DeadLetters | undefined, admin: MiddlewareHandler) {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) return detail(c, 400, describeZodError(result.error, "parameters"));
    },
  });

  app.openapi(
    createRoute({
      method: "get",
      path: "/v2/admin/dlq",
      tags: ["admin"],
      security,
      middleware: [admin] as const,
      responses: { 200: { description: "The dead-letter queue's size", content: { "application/json": { schema: DeadLettersSchema } } }, ...errors(401, 503) },
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
      security,
      middleware: [admin] as const,
      request: { query: RedriveQuerySchema },
      responses: { 200: { description: "Messages moved back to the work queue", content: { "application/json": { schema: RedriveSchema } } }, ...errors(400, 401, 503) },
    }),
    async (c) => {
      if (!deadLetters) throw unavailable(NOT_CONFIGURED);
      const { max_messages } = c.req.valid("query");
      return c.json(await deadLetters.redrive(max_messages !== undefined ? { maxMessages: max_messages } : {}), 200);
    },
  );

  return app;
}
