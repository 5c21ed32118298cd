/**
 * The router's own balance at each upstream, read periodically (a scheduled function in AWS, a
 * timer in the local stack) so that an empty account shows up in GET /v2/admin/providers and
 * in the balance alarm before tasks start failing with ERROR_ZERO_BALANCE.
 */
import { isoTime } from "./clock.ts";
import type { RouterContext } from "./context.ts";

/** The last balance read from one upstream, and the last failure to read it. */
export interface ProviderBalance {
  providerId: string;
  /** In the upstream's currency; undefined until a read succeeds. */
  amount?: number;
  currency?: string;
  /** Epoch ms of the last successful read. */
  readAt?: number;
  /** The last failed read (cleared by the next success). */
  error?: { code: string; message: string; at: number };
}

/** One small item per provider, shared by every API and scheduled function. */
export interface ProviderBalanceStore {
  list(): Promise<ProviderBalance[]>;
  recordBalance(providerId: string, reading: { amount: number; currency?: string; readAt: number }): Promise<void>;
  recordBalanceError(providerId: string, error: { code: string; message: string; at: number }): Promise<void>;
}

export interface ProviderCheck {
  providerId: string;
  balance?: number;
  error?: string;
  coolingDown: boolean;
}

/**
 * Reads every enabled provider's balance where its protocol has a balance request, stores it
 * and reports it as a metric, and reports which providers are cooling down right now.
 * One upstream request per provider per run: 2Captcha counts balance requests against its
 * result-request limit (R > 20 × captchas + 1200 a day), so runs are minutes apart.
 */
export async function checkProviders(ctx: RouterContext, balances: ProviderBalanceStore): Promise<ProviderCheck[]> {
  const now = ctx.clock.now();
  const states = new Map((await ctx.providerStates.list()).map((s) => [s.providerId, s]));
  return Promise.all(
    ctx.providers.map(async (provider): Promise<ProviderCheck> => {
      const coolingDown = (states.get(provider.id)?.cooldownUntil ?? 0) > now;
      // A disabled provider takes no tasks: neither its cooldown nor its balance matters.
      if (!provider.enabled) return { providerId: provider.id, coolingDown };
      ctx.metrics?.providerCoolingDown(provider.id, coolingDown);
      const read = ctx.adapters[provider.protocol]?.balance;
      if (!read) return { providerId: provider.id, coolingDown };
      const started = ctx.clock.now();
      const outcome = await read(provider);
      const durationMs = ctx.clock.now() - started;
      if (outcome.kind === "error") {
        const { code, message } = outcome.error;
        ctx.metrics?.upstreamCall({ providerId: provider.id, operation: "balance", durationMs, outcome: "error", code });
        ctx.logger.warn("upstream balance not read", { provider: provider.id, code });
        await balances.recordBalanceError(provider.id, { code, message, at: ctx.clock.now() });
        return { providerId: provider.id, error: `${code}: ${message}`, coolingDown };
      }
      ctx.metrics?.upstreamCall({ providerId: provider.id, operation: "balance", durationMs, outcome: "ok" });
      ctx.metrics?.upstreamBalance(provider.id, outcome.amount);
      await balances.recordBalance(provider.id, {
        amount: outcome.amount,
        ...(outcome.currency ? { currency: outcome.currency } : {}),
        readAt: ctx.clock.now(),
      });
      return { providerId: provider.id, balance: outcome.amount, coolingDown };
    }),
  );
}

/** The balance fields of one provider in GET /v2/admin/providers (null where unknown). */
export function balanceView(balance: ProviderBalance | undefined) {
  return {
    balance: balance?.amount ?? null,
    balance_currency: balance?.amount !== undefined ? (balance.currency ?? null) : null,
    balance_read_at: balance?.readAt !== undefined ? isoTime(balance.readAt) : null,
    balance_error: balance?.error ? `${balance.error.code}: ${balance.error.message}` : null,
  };
}
