/** What every route sub-app shares: the 400 for invalid input, error responses, security names. */
import { OpenAPIHono, type z } from "@hono/zod-openapi";
import { describeZodError, detail } from "../errors.ts";
import { ErrorSchema } from "../schemas.ts";

/** A sub-app whose invalid bodies and parameters get the API's 400 naming the field (errors.ts). */
export const routeGroup = () =>
  new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) return detail(c, 400, describeZodError(result.error, result.target === "json" ? "body" : "parameters"));
    },
  });

export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { description: `Error ${s}`, content: { "application/json": { schema: ErrorSchema } } }]));

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

export const adminSecurity = [{ AdminKey: [] }];
