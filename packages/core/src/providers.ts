/**
 * Upstream providers as data: a protocol adapter's name, a base URL, a key and a pricing
 * table per task type. The file format is fixed by docs/api.md (`ROUTER_PROVIDERS_FILE`); fields
 * may be added, never changed.
 */
import { z } from "zod";
import type { UpstreamLimits } from "./adapter.ts";
import { creditsToMicro, type Micro } from "./money.ts";
import { PRIORITIES, TASK_TYPES, type Priority, type TaskType } from "./task-types.ts";

const credits = z.union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?$/)]);

const TaskPricingFileSchema = z.object({
  price: credits,
  solve_seconds: z.number().positive(),
  accuracy: z.number().min(0).max(1),
  /** Optional (added field): a price per priority, for upstreams that price tiers (SmartCaptcha's documentation). */
  prices: z.partialRecord(z.enum(PRIORITIES), credits).optional(),
  /** Optional (added field): where the default figure comes from. */
  source: z.string().optional(),
});

export const ProviderFileEntrySchema = z.looseObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "must be 1-64 letters, digits, '.', '_' or '-'"),
  /** A protocol id; the runtime checks that an adapter speaks it (packages/providers). */
  protocol: z.string().regex(/^[a-z0-9_-]{1,32}$/, "must be a protocol id such as twocaptcha"),
  base_url: z.url(),
  api_key: z.string().min(1),
  enabled: z.boolean().default(true),
  tasks: z.partialRecord(z.enum(TASK_TYPES), TaskPricingFileSchema),
  /** Optional (added field): the account's own limits; the protocol's defaults otherwise. */
  limits: z.object({ submits_per_second: z.number().positive().max(1000).optional() }).optional(),
  /** Optional (added field): how long after accepting a captcha the upstream takes a report (default 900). */
  report_window_seconds: z.number().int().positive().optional(),
});

export const ProvidersFileSchema = z.object({ providers: z.array(ProviderFileEntrySchema) });

export interface TaskPricing {
  priceMicro: Micro;
  /** Per-priority prices where the upstream has tiers; otherwise priceMicro for every priority. */
  pricesMicro?: Partial<Record<Priority, Micro>>;
  solveSeconds: number;
  accuracy: number;
  source?: string;
}

export interface Provider {
  id: string;
  protocol: string;
  baseUrl: string;
  apiKey: string;
  enabled: boolean;
  tasks: Partial<Record<TaskType, TaskPricing>>;
  limits?: UpstreamLimits;
  /** Seconds after accepting a captcha during which the upstream takes a report. */
  reportWindowSeconds?: number;
}

/** The price a provider charges for a task type at a priority. */
export function priceAt(pricing: TaskPricing, priority: Priority): Micro {
  return pricing.pricesMicro?.[priority] ?? pricing.priceMicro;
}

/** An amount of the file in micro-credits; a malformed one names its field. */
function fileCredits(value: number | string, field: string): Micro {
  try {
    return creditsToMicro(value);
  } catch (error) {
    throw new Error(`providers file: ${field} ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** Parses the providers file (already JSON-decoded); throws a readable error naming the field. */
export function parseProvidersFile(json: unknown): Provider[] {
  const parsed = ProvidersFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`providers file: ${issue?.path.join(".") || "(root)"} ${issue?.message ?? "is invalid"}`);
  }
  const ids = new Set<string>();
  return parsed.data.providers.map((entry, index) => {
    if (ids.has(entry.id)) throw new Error(`providers file: provider id "${entry.id}" appears twice`);
    ids.add(entry.id);
    const tasks: Provider["tasks"] = {};
    for (const [type, pricing] of Object.entries(entry.tasks) as [TaskType, z.output<typeof TaskPricingFileSchema>][]) {
      const at = `providers.${index}.tasks.${type}`;
      const pricesMicro = pricing.prices
        ? Object.fromEntries(Object.entries(pricing.prices).map(([p, v]) => [p, fileCredits(v as number | string, `${at}.prices.${p}`)]))
        : undefined;
      tasks[type] = {
        priceMicro: fileCredits(pricing.price, `${at}.price`),
        ...(pricesMicro ? { pricesMicro } : {}),
        solveSeconds: pricing.solve_seconds,
        accuracy: pricing.accuracy,
        ...(pricing.source ? { source: pricing.source } : {}),
      };
    }
    return {
      id: entry.id,
      protocol: entry.protocol,
      baseUrl: entry.base_url.replace(/\/+$/, ""),
      apiKey: entry.api_key,
      enabled: entry.enabled,
      tasks,
      ...(entry.limits?.submits_per_second !== undefined ? { limits: { submitsPerSecond: entry.limits.submits_per_second } } : {}),
      ...(entry.report_window_seconds !== undefined ? { reportWindowSeconds: entry.report_window_seconds } : {}),
    };
  });
}
