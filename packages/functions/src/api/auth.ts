/** Bearer authentication: team keys (32 hex, looked up by hash) and the admin key. */
import { API_KEY_PATTERN, hashApiKey, secretsEqual, type RouterContext, type Team } from "@solver-router/core";
import type { MiddlewareHandler } from "hono";
import { detail } from "./errors.ts";

export type AuthVariables = { teamId: string; team: Team };

const bearer = (header: string | undefined) => /^Bearer\s+(\S+)\s*$/i.exec(header ?? "")?.[1];

export function teamAuth(ctx: RouterContext): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const key = bearer(c.req.header("authorization"));
    if (!key) return detail(c, 401, "Missing API key: send Authorization: Bearer <key>");
    const teamId = API_KEY_PATTERN.test(key) ? await ctx.teams.teamIdForKeyHash(hashApiKey(key)) : undefined;
    const team = teamId ? await ctx.teams.getTeam(teamId) : undefined;
    if (!team) return detail(c, 401, "Invalid API key");
    if (team.suspended) return detail(c, 401, "Team suspended");
    c.set("teamId", team.teamId);
    c.set("team", team);
    await next();
  };
}

export function adminAuth(adminKey: string): MiddlewareHandler {
  return async (c, next) => {
    const key = bearer(c.req.header("authorization"));
    if (!key) return detail(c, 401, "Missing admin key: send Authorization: Bearer <admin key>");
    if (!adminKey || !secretsEqual(key, adminKey)) return detail(c, 401, "Invalid admin key");
    await next();
  };
}
