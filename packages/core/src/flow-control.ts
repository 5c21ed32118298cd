/**
 * Flow control towards the upstreams (docs/architecture.md "Flow control"):
 *  - pace: a provider account's submits go out no faster than its limit, shared by every
 *    instance through one slot reservation per submit (ProviderStateStore.reserveSubmitSlot);
 *  - pauses: an upstream's rate-limit answer pauses the account for the time it names;
 *  - pingback: where the protocol has it, each attempt gives the upstream a URL of its own to
 *    POST the answer to, and result requests become a sparse safety net.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { ProviderAdapter } from "./adapter.ts";
import type { RouterContext } from "./context.ts";
import type { ProviderState } from "./ports.ts";
import type { Provider } from "./providers.ts";

/** Submits per second the account is held to, or undefined when it has no pace. */
export function submitPace(ctx: Pick<RouterContext, "adapters">, provider: Provider): number | undefined {
  return provider.limits?.submitsPerSecond ?? ctx.adapters[provider.protocol]?.defaultLimits?.submitsPerSecond;
}

/** The path the upstreams POST pingbacks to: `<path><task id>.<attempt token>`. */
export const PINGBACK_PATH = "/v2/upstream/pingback/";

/** A failed pingback registration is tried again after this long. */
const PINGBACK_RETRY_MS = 60 * 60 * 1000;

export const newPingbackToken = (): string => randomBytes(16).toString("hex");

export const pingbackUrl = (publicUrl: string, taskId: string, token: string): string =>
  `${publicUrl.replace(/\/+$/, "")}${PINGBACK_PATH}${taskId}.${token}`;

/** Splits a pingback path segment into its task id and token; undefined when it cannot be one. */
export function parsePingbackToken(segment: string): { taskId: string; token: string } | undefined {
  const match = /^([0-9a-z-]{1,64})\.([0-9a-f]{32})$/.exec(segment);
  return match ? { taskId: match[1]!, token: match[2]! } : undefined;
}

export function tokensEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Whether answers from this provider account can come by pingback: the protocol has it, the
 * router has a public URL, and the account accepted the router's address (registered once per
 * account and remembered in the shared provider state; a refusal is retried hourly).
 */
export async function pingbackReady(
  ctx: RouterContext,
  provider: Provider,
  adapter: ProviderAdapter,
  state: ProviderState | undefined,
): Promise<boolean> {
  if (!ctx.publicUrl || !adapter.registerPingback) return false;
  const address = new URL(ctx.publicUrl).hostname;
  const known = state?.pingback;
  const now = ctx.clock.now();
  if (known && known.address === address && (known.registered || now - known.at < PINGBACK_RETRY_MS)) return known.registered;
  // One registration per account at a time in this instance: the steps of a worker batch ask
  // together, and the shared state they read may be a moment old (cached).
  const inFlight = (registrations.get(ctx) ?? registrations.set(ctx, new Map()).get(ctx)!);
  const key = `${provider.id} ${address}`;
  const earlier = inFlight.get(key);
  if (earlier && (earlier.pending || now - earlier.at < PINGBACK_RETRY_MS)) return earlier.registered;
  const registering = { at: now, pending: true, registered: register(ctx, provider, adapter, address) };
  inFlight.set(key, registering);
  const registered = await registering.registered;
  registering.pending = false;
  if (!registered) inFlight.delete(key); // a refusal: the shared state says when to ask again
  return registered;
}

const registrations = new WeakMap<RouterContext, Map<string, { at: number; pending: boolean; registered: Promise<boolean> }>>();

async function register(ctx: RouterContext, provider: Provider, adapter: ProviderAdapter, address: string): Promise<boolean> {
  const registered = await adapter.registerPingback!(provider, address).catch(() => false);
  await ctx.providerStates.setPingback(provider.id, address, registered);
  ctx.logger.info("pingback registration", { provider: provider.id, address, registered });
  return registered;
}
