/** GET /v2/solver/pricing: what a task costs now at each priority. Public (no key). */
import { createRoute } from "@hono/zod-openapi";
import { pricingView, type RouterContext } from "@solver-router/core";
import { PricingSchema } from "../schemas.ts";
import { jsonResponse, routeGroup } from "./route-kit.ts";

export function pricingRoutes(ctx: RouterContext) {
  return routeGroup().openapi(
    createRoute({
      method: "get",
      path: "/v2/solver/pricing",
      tags: ["pricing"],
      responses: { 200: jsonResponse(PricingSchema, "Credits per task at each priority, now") },
    }),
    async (c) => c.json(await pricingView(ctx), 200),
  );
}
