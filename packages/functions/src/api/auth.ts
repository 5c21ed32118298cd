/** Bearer authentication: team keys (32 hex, looked up by hash) and the admin key. */
import { API_KEY_PATTERN, hashApiKey, secretsEqual, type RouterContext, type Team } from "@solver-router/core";
import type { Context, MiddlewareHandler } from "hono";
import { detail } from "./errors.ts";
import { KeyGuard } from "./key-guard.ts";

export type AuthVariables = { teamId: string; team: Team };

const bearer = (header: string | undefined) => /^Bearer\s+(\S+)\s*$/i.exec(header ?? "")?.[1];

/** The team a key belongs to, if it is a live key of a team that is not suspended. */
export async function teamForKey(ctx: RouterContext, key: string): Promise<Team | undefined> {
  const teamId = API_KEY_PATTERN.test(key) ? await ctx.teams.teamIdForKeyHash(hashApiKey(key)) : undefined;
  const team = teamId ? await ctx.teams.getTeam(teamId) : undefined;
  return team && !team.suspended ? team : undefined;
}

/**
 * A team key as any entry point receives it (a Bearer header here; a facade's `key` or
 * `clientKey` field): the team, or the error answer to send (401 missing / invalid / suspended,
 * 429 when `guard` says the address or the instance spent its budget).
 */
export async function authenticateTeamKey(
  ctx: RouterContext,
  guard: KeyGuard,
  c: Context,
  key: string | undefined,
): Promise<{ team: Team } | { refused: Response }> {
  const hash = key && API_KEY_PATTERN.test(key) ? hashApiKey(key) : undefined;
  const refused = guard.refuse(c, hash);
  if (refused) return { refused };
  if (!key) {
    guard.failed(c);
    return { refused: detail(c, 401, "Missing API key: send Authorization: Bearer <key>") };
  }
  if (!hash || guard.knownUnknown(hash)) {
    guard.failed(c);
    return { refused: detail(c, 401, "Invalid API key") };
  }
  const remembered = guard.rememberedTeam(hash);
  if (remembered) return remembered.suspended ? { refused: detail(c, 401, "Team suspended") } : { team: remembered };
  const overBudget = guard.refuseLookup(c, hash);
  if (overBudget) return { refused: overBudget };
  // A key not seen valid counts as a failure before the read (given back if it is valid): parallel
  // requests cannot all pass the address's check while the first reads are still in flight.
  const chargedAhead = !guard.seenValid(hash);
  if (chargedAhead) guard.failed(c);
  const teamId = await ctx.teams.teamIdForKeyHash(hash);
  const team = teamId ? await ctx.teams.getTeam(teamId) : undefined;
  if (!team) {
    guard.rememberUnknown(hash);
    if (!chargedAhead) guard.failed(c);
    return { refused: detail(c, 401, "Invalid API key") };
  }
  if (chargedAhead) guard.forgive(c);
  guard.rememberValid(hash, team);
  if (team.suspended) return { refused: detail(c, 401, "Team suspended") };
  return { team };
}

/** Team keys as Bearer tokens; `guard` bounds the work bad keys cause (key-guard.ts). */
export function teamAuth(ctx: RouterContext, guard: KeyGuard = new KeyGuard()): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const checked = await authenticateTeamKey(ctx, guard, c, bearer(c.req.header("authorization")));
    if ("refused" in checked) return checked.refused;
    c.set("teamId", checked.team.teamId);
    c.set("team", checked.team);
    await next();
  };
}

export function adminAuth(adminKey: string, guard: KeyGuard = new KeyGuard()): MiddlewareHandler {
  return async (c, next) => {
    const key = bearer(c.req.header("authorization"));
    if (key && adminKey && secretsEqual(key, adminKey)) return next();
    // Wrong or missing: guessing is slowed down per address.
    const refused = guard.refuse(c);
    if (refused) return refused;
    guard.failed(c);
    return detail(c, 401, key ? "Invalid admin key" : "Missing admin key: send Authorization: Bearer <admin key>");
  };
}
