/**
 * Administration with the admin key: teams (create, list), credits, keys (issue, list by prefix,
 * revoke), a team's monthly budget, and the providers' state. Suspending teams, rotating callback
 * secrets, the dead-letter queue and the ledger and usage of any team have files of their own.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { addCredits, createTeam, issueKey, listKeys, listTeams, providersView, revokeKey, setMonthlyBudget, type RouterContext } from "@solver-router/core";
import type { MiddlewareHandler } from "hono";
import {
  AccountSchema,
  BudgetBodySchema,
  CreateTeamBodySchema,
  CreatedTeamSchema,
  CreditsAnswerSchema,
  CreditsBodySchema,
  IssuedKeySchema,
  ProvidersSchema,
  RevokedKeySchema,
  TeamIdParams,
} from "../schemas.ts";
import { adminSecurity, errorResponses, jsonBody, jsonResponse, routeGroup } from "./route-kit.ts";

export function adminRoutes(ctx: RouterContext, admin: MiddlewareHandler) {
  const app = routeGroup();

  // ── teams ────────────────────────────────────────────────────────────────────────────
  app.openapi(
    createRoute({
      method: "post",
      path: "/v2/admin/teams",
      tags: ["admin"],
      security: adminSecurity,
      middleware: [admin] as const,
      request: jsonBody(CreateTeamBodySchema),
      responses: {
        200: jsonResponse(CreatedTeamSchema, "The team, its key and its callback signing secret (both shown once)"),
        ...errorResponses(400, 401),
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
      responses: { 200: jsonResponse(z.object({ teams: z.array(AccountSchema) }), "Every team"), ...errorResponses(401) },
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
      responses: { 200: jsonResponse(CreditsAnswerSchema, "The new balance"), ...errorResponses(400, 401, 404) },
    }),
    async (c) => c.json(await addCredits(ctx, c.req.valid("param").team_id, c.req.valid("json").amount), 200),
  );

  // ── keys ─────────────────────────────────────────────────────────────────────────────
  app.openapi(
    createRoute({
      method: "post",
      path: "/v2/admin/teams/{team_id}/keys",
      tags: ["admin"],
      security: adminSecurity,
      middleware: [admin] as const,
      request: { params: TeamIdParams },
      responses: { 200: jsonResponse(IssuedKeySchema, "A new key (shown once)"), ...errorResponses(401, 404) },
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
        200: jsonResponse(z.object({ team_id: z.string(), keys: z.array(z.object({ key_prefix: z.string(), created_at: z.string() })) }), "Key prefixes, oldest first"),
        ...errorResponses(401, 404),
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
      responses: { 200: jsonResponse(RevokedKeySchema, "Revoked"), ...errorResponses(400, 401, 404) },
    }),
    async (c) => c.json(await revokeKey(ctx, c.req.valid("param").team_id, c.req.valid("param").key_prefix), 200),
  );

  // ── budget ───────────────────────────────────────────────────────────────────────────
  app.openapi(
    createRoute({
      method: "put",
      path: "/v2/admin/teams/{team_id}/budget",
      tags: ["admin"],
      summary: "Set or remove a team's monthly budget",
      security: adminSecurity,
      middleware: [admin] as const,
      request: { params: TeamIdParams, ...jsonBody(BudgetBodySchema) },
      responses: { 200: jsonResponse(AccountSchema, "The team with its budget"), ...errorResponses(400, 401, 404) },
    }),
    async (c) => c.json(await setMonthlyBudget(ctx, c.req.valid("param").team_id, c.req.valid("json").monthly_budget), 200),
  );

  // ── providers ────────────────────────────────────────────────────────────────────────
  app.openapi(
    createRoute({
      method: "get",
      path: "/v2/admin/providers",
      tags: ["admin"],
      security: adminSecurity,
      middleware: [admin] as const,
      responses: { 200: jsonResponse(ProvidersSchema, "Providers, cooldowns and figures"), ...errorResponses(401) },
    }),
    async (c) => c.json(await providersView(ctx), 200),
  );

  return app;
}
