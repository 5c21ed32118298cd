/**
 * GET /v2/solver/pricing: what a task of each type costs at each priority right now — the
 * price of the provider the routing policy would pick (without exploration), or null when no
 * provider can serve that type now.
 */
import type { RouterContext } from "./context.ts";
import { microToCredits } from "./money.ts";
import { route } from "./routing.ts";
import { PRIORITIES, TASK_TYPES, type Priority } from "./task-types.ts";

export async function pricingView(ctx: RouterContext) {
  const states = await ctx.providerStates.list();
  const now = ctx.clock.now();
  const pricing = TASK_TYPES.map((type) => {
    const prices = Object.fromEntries(
      PRIORITIES.map((priority) => {
        const decision = route({ type, priority }, ctx.providers, states, { nowMs: now });
        return [priority, decision.kind === "none" ? null : microToCredits(decision.priceMicro)];
      }),
    ) as Record<Priority, number | null>;
    return { task_type: type, ...prices };
  }).filter((row) => PRIORITIES.some((p) => row[p] !== null));
  return { pricing, note: "Prices in credits per task. 1 credit = $0.01 USD" };
}
