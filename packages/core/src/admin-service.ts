/**
 * Teams, credits, keys and the providers' view: what the admin endpoints and the local
 * stack's demo team use.
 */
import { generateApiKey, hashApiKey, keyPrefix } from "./api-keys.ts";
import { budgetView, monthOf } from "./budget.ts";
import { generateCallbackSecret } from "./callback-url.ts";
import { isoTime } from "./clock.ts";
import type { RouterContext } from "./context.ts";
import { badRequest, notFound } from "./errors.ts";
import { submitPace } from "./flow-control.ts";
import { creditsToMicro, microToCredits, microToCreditsString } from "./money.ts";
import { windowStartOf } from "./observations.ts";
import type { Team } from "./ports.ts";
import { balanceView } from "./provider-balance.ts";
import { priceAt } from "./providers.ts";
import { blendFigures } from "./routing.ts";
import type { TaskType } from "./task-types.ts";

/** GET /v2/account (and each team of GET /v2/admin/teams). */
export async function accountView(ctx: RouterContext, team: Team) {
  // The team as authentication read it may not have its last tasks' charges moved yet.
  team = (await ctx.teams.getTeam(team.teamId, { settled: true })) ?? team;
  const now = ctx.clock.now();
  return {
    team_id: team.teamId,
    name: team.name,
    balance: microToCredits(team.balanceMicro),
    reserved: microToCredits(team.reservedMicro),
    ...budgetView(team, await ctx.teams.monthUsed(team.teamId, monthOf(now)), now),
    suspended: team.suspended === true,
  };
}

export async function listTeams(ctx: RouterContext) {
  return { teams: await Promise.all((await ctx.teams.listTeams()).map((team) => accountView(ctx, team))) };
}

/** Sets a team's monthly budget in credits, or removes it with null. */
export async function setMonthlyBudget(ctx: RouterContext, teamId: string, budget: number | string | null) {
  const limitMicro = budget === null ? undefined : creditsToMicro(budget);
  if (limitMicro !== undefined && limitMicro < 0) throw badRequest("monthly_budget: must not be negative");
  const team = await ctx.teams.setMonthlyBudget(teamId, limitMicro);
  if (!team) throw notFound(`Team ${teamId} not found`);
  return accountView(ctx, team);
}

export async function createTeam(ctx: RouterContext, input: { name: string; credits: number | string }) {
  const creditsMicro = creditsToMicro(input.credits);
  if (creditsMicro < 0) throw badRequest("credits: must not be negative");
  const apiKey = generateApiKey();
  const callbackSecret = generateCallbackSecret();
  const team = await ctx.teams.createTeam({ name: input.name, creditsMicro, apiKeyHash: hashApiKey(apiKey), keyPrefix: keyPrefix(apiKey), callbackSecret });
  return { team_id: team.teamId, name: team.name, api_key: apiKey, balance: microToCredits(team.balanceMicro), callback_secret: callbackSecret };
}

/** A new callback signing secret for the team (shown once); the old one stops signing at once. */
export async function rotateCallbackSecret(ctx: RouterContext, teamId: string) {
  const callbackSecret = generateCallbackSecret();
  if (!(await ctx.teams.setCallbackSecret(teamId, callbackSecret))) throw notFound(`Team ${teamId} not found`);
  return { team_id: teamId, callback_secret: callbackSecret };
}

/**
 * Adds credits, or with a negative `amount` takes them back — only from the balance: what
 * unfinished tasks have reserved stays theirs.
 */
export async function addCredits(ctx: RouterContext, teamId: string, amount: number | string) {
  const amountMicro = creditsToMicro(amount);
  if (amountMicro === 0) throw badRequest("amount: must not be 0");
  let team: Team | undefined;
  if (amountMicro > 0) {
    team = await ctx.teams.addCredits(teamId, amountMicro);
  } else {
    const taken = await ctx.teams.takeBackCredits(teamId, -amountMicro);
    if (taken.kind === "short") {
      throw badRequest(
        `amount: cannot take back ${microToCreditsString(-amountMicro)}; the balance is ${microToCreditsString(taken.balanceMicro)} ` +
          "(credits reserved by unfinished tasks cannot be taken back)",
      );
    }
    team = taken.kind === "ok" ? taken.team : undefined;
  }
  if (!team) throw notFound(`Team ${teamId} not found`);
  return { team_id: team.teamId, balance: microToCredits(team.balanceMicro), reserved: microToCredits(team.reservedMicro) };
}

/** Suspends (or resumes) a team: its keys get 401 Team suspended; its unfinished tasks finish. */
export async function setTeamSuspended(ctx: RouterContext, teamId: string, suspended: boolean) {
  const team = await ctx.teams.setSuspended(teamId, suspended);
  if (!team) throw notFound(`Team ${teamId} not found`);
  return { team_id: team.teamId, name: team.name, suspended: team.suspended === true };
}

export async function issueKey(ctx: RouterContext, teamId: string) {
  const apiKey = generateApiKey();
  if (!(await ctx.teams.addKey(teamId, { apiKeyHash: hashApiKey(apiKey), keyPrefix: keyPrefix(apiKey) }))) {
    throw notFound(`Team ${teamId} not found`);
  }
  return { team_id: teamId, api_key: apiKey, key_prefix: keyPrefix(apiKey) };
}

/** A team's live keys, by prefix (the keys themselves are never stored). */
export async function listKeys(ctx: RouterContext, teamId: string) {
  if (!(await ctx.teams.getTeam(teamId))) throw notFound(`Team ${teamId} not found`);
  const keys = await ctx.teams.listKeys(teamId);
  return { team_id: teamId, keys: keys.map((k) => ({ key_prefix: k.keyPrefix, created_at: k.createdAt })) };
}

export async function revokeKey(ctx: RouterContext, teamId: string, prefix: string) {
  if (!/^[0-9a-f]{8}$/.test(prefix)) throw badRequest("key_prefix: must be the key's first 8 hex characters");
  const revoked = await ctx.teams.revokeKey(teamId, prefix);
  if (revoked === 0) throw notFound(`No key starting with ${prefix} for team ${teamId}`);
  return { message: "Key revoked", team_id: teamId, key_prefix: prefix };
}

/**
 * GET /v2/admin/providers: configuration, shared cooldowns and the figures routing uses.
 * `observed` counts what was observed since `observed_since` (the observation window).
 */
export async function providersView(ctx: RouterContext) {
  const states = new Map((await ctx.providerStates.list({ fresh: true })).map((s) => [s.providerId, s]));
  const balances = new Map((await (ctx.balances?.list() ?? [])).map((b) => [b.providerId, b]));
  const now = ctx.clock.now();
  return {
    observed_since: isoTime(windowStartOf(now)),
    providers: ctx.providers.map((provider) => {
      const state = states.get(provider.id);
      const cooling = state?.cooldownUntil !== undefined && state.cooldownUntil > now;
      const paused = state?.pausedUntil !== undefined && state.pausedUntil > now;
      const pace = submitPace(ctx, provider);
      const tasks = Object.fromEntries(
        (Object.entries(provider.tasks) as [TaskType, NonNullable<(typeof provider.tasks)[TaskType]>][]).map(([type, pricing]) => {
          const observed = state?.observed[type];
          const blended = blendFigures(provider, type, "balanced", observed)!;
          return [
            type,
            {
              price: microToCredits(pricing.priceMicro),
              ...(pricing.pricesMicro
                ? { prices: Object.fromEntries((["speed", "balanced", "accuracy"] as const).map((p) => [p, microToCredits(priceAt(pricing, p))])) }
                : {}),
              solve_seconds: pricing.solveSeconds,
              accuracy: pricing.accuracy,
              ...(pricing.source ? { source: pricing.source } : {}),
              observed: {
                attempts: observed?.attempts ?? 0,
                solved: observed?.solved ?? 0,
                unsolvable: observed?.unsolvable ?? 0,
                errors: observed?.errors ?? 0,
                reports_good: observed?.reportsGood ?? 0,
                reports_bad: observed?.reportsBad ?? 0,
              },
              routing_figures: {
                success_rate: round(blended.success),
                accuracy: round(blended.accuracy),
                solve_seconds: round(blended.solveSeconds),
                expected_seconds: round(blended.expectedSeconds),
              },
            },
          ];
        }),
      );
      return {
        id: provider.id,
        protocol: provider.protocol,
        base_url: provider.baseUrl,
        enabled: provider.enabled,
        cooldown_until: cooling ? isoTime(state!.cooldownUntil!) : null,
        cooldown_reason: cooling ? (state?.cooldownReason ?? null) : null,
        pace: { submits_per_second: pace ?? null },
        paused_until: paused ? isoTime(state!.pausedUntil!) : null,
        pause_reason: paused ? (state?.pauseReason ?? null) : null,
        pingback: state?.pingback
          ? { address: state.pingback.address, registered: state.pingback.registered, checked_at: isoTime(state.pingback.at) }
          : null,
        ...balanceView(balances.get(provider.id)),
        tasks,
      };
    }),
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
