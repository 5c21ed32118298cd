/**
 * POST /v2/upstream/pingback/{token}: where 2Captcha-protocol upstreams deliver an answer
 * (`id=<captcha id>&code=<answer>`, urlencoded, as their documents describe). The token in the
 * path is unique to one attempt and unguessable (core's flow-control.ts); only that attempt's
 * captcha id is accepted, once. Anything else is a 404 (or a 400 for a body that is not a
 * pingback) and changes nothing. No key: the token is the credential.
 */
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { handlePingback, type RouterContext } from "@solver-router/core";
import { detail } from "../errors.ts";

const PingbackForm = z.object({
  id: z.string().min(1).max(64).regex(/^[0-9A-Za-z_-]+$/),
  code: z.string().min(1).max(100_000),
});

export function upstreamPingbackRoutes(ctx: RouterContext) {
  const app = new OpenAPIHono();
  app.openapi(
    createRoute({
      method: "post",
      path: "/v2/upstream/pingback/{token}",
      tags: ["upstream"],
      summary: "An upstream's answer to one attempt (2Captcha pingback)",
      request: { params: z.object({ token: z.string().min(1).max(200) }) },
      responses: {
        200: { description: "Answer accepted", content: { "text/plain": { schema: z.string() } } },
        400: { description: "Not a pingback body" },
        404: { description: "No attempt waits for this pingback" },
      },
    }),
    async (c) => {
      const form = PingbackForm.safeParse(await readForm(c.req.raw));
      if (!form.success) return detail(c, 400, "A pingback carries id and code (application/x-www-form-urlencoded)");
      const result = await handlePingback(ctx, c.req.valid("param").token, form.data);
      if (result !== "accepted") return detail(c, 404, "No attempt waits for this pingback");
      return c.text("OK", 200);
    },
  );
  return app;
}

/** The fields of a urlencoded or multipart body (also a JSON object, for tolerance). */
async function readForm(request: Request): Promise<Record<string, unknown>> {
  const type = request.headers.get("content-type") ?? "";
  try {
    if (/application\/json/i.test(type)) return (await request.json()) as Record<string, unknown>;
    if (/multipart\/form-data/i.test(type)) return Object.fromEntries((await request.formData()).entries());
    return Object.fromEntries(new URLSearchParams(await request.text()));
  } catch {
    return {};
  }
}
