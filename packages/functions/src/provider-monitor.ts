/**
 * The scheduled provider check (every 5 minutes in AWS, infra/provider-monitor.ts; a timer in
 * the local stack): reads each upstream's balance into the table and reports balances and
 * cooldowns as metrics for the alarms (infra/alarms.ts).
 */
import { checkProviders, type RouterContext } from "@solver-router/core";

export function createProviderMonitorHandler(ctx: RouterContext) {
  const balances = ctx.balances;
  if (!balances) throw new Error("the provider monitor needs ctx.balances (createRuntime sets it)");
  return async () => ({ providers: await checkProviders(ctx, balances) });
}
