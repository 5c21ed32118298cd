/**
 * Everything the task lifecycle needs, handed in by the edge that runs it (the Lambda
 * handlers, the local stack, or a unit test with fakes).
 */
import type { AdapterRegistry } from "./adapter.ts";
import type { Clock } from "./clock.ts";
import type { Metrics } from "./metrics.ts";
import type { CallbackSender, CallbackTargetCheck, Logger, ProviderStateStore, ReportQuotaStore, TaskStore, TeamStore, UsageStore, WorkQueue } from "./ports.ts";
import type { ProviderBalanceStore } from "./provider-balance.ts";
import type { ReportPolicy } from "./report-policy.ts";
import type { Provider } from "./providers.ts";

export interface RouterContext {
  tasks: TaskStore;
  teams: TeamStore;
  usage: UsageStore;
  providerStates: ProviderStateStore;
  queue: WorkQueue;
  callbacks: CallbackSender;
  providers: readonly Provider[];
  adapters: AdapterRegistry;
  clock: Clock;
  logger: Logger;
  newId: () => string;
  /** Share of balanced tasks routed to explore (see routing.ts). */
  explorationShare: number;
  /** The router's public base URL, for upstream pingbacks; unset = upstreams are polled. */
  publicUrl?: string;
  random?: () => number;
  /** Operational metrics (metrics.ts); none when unset. */
  metrics?: Metrics;
  /** The upstream balances read by checkProviders (provider-balance.ts); not shown when unset. */
  balances?: ProviderBalanceStore;
  /** Bad reports forwarded and refunded per team (report-policy.ts). */
  reportQuota: ReportQuotaStore;
  reportPolicy?: ReportPolicy;
  /** Refuses callback URLs on private addresses (callback-url.ts); unset: every URL passes. */
  callbackTargets?: CallbackTargetCheck;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
