/**
 * ProviderStateStore on DynamoDB: every provider's state under one partition ("PROVIDERS"), so
 * every worker and API instance reads the same cooldowns and observed figures in one query.
 *
 *   PROVIDERS / <providerId>                         cooldown_until, cooldown_reason
 *   PROVIDERS#obs#<n> / #obs#<bucket start, ISO>#<providerId> one observation bucket (core's
 *                                                    observations.ts): flat counters
 *                                                    `<TaskType>.<figure>`, bumped with ADD;
 *                                                    provider_id, bucket_start (ms), expires_at
 *
 * Observations go to the bucket of the time they are recorded: every write is one UpdateItem
 * (ADD, no read). A bucket item carries `expires_at` (TTL) a window after it stops counting.
 * The sort keys are laid out for the read: '#' sorts before any provider id (ids start with a
 * letter or digit, providers.ts) and ISO times sort by time, so the bucket items come first,
 * oldest first, then the cooldown items; `sk >= "#obs#<window start>"` is one contiguous range
 * holding exactly the buckets still counted and every cooldown. Expired buckets TTL has not
 * removed yet (it may take days) are outside the range: they cost the query nothing.
 * (Lifetime counters written on the `<providerId>` items before the window existed are ignored.)
 *
 * The state is read on every submit and step, so each instance keeps what it read for
 * CACHE_MS (and forgets it whenever it writes here itself): a cooldown another instance sets
 * reaches it within that time.
 *
 * The account's pace lives apart (PACE#<provider>, one item per account, so submits to one
 * account never share a partition with anything else): `next_ms` is the earliest free submit
 * slot (GCRA); reserving a slot is one UpdateItem.
 */
import { BatchGetCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import {
  OBSERVATION_WINDOW,
  TASK_TYPES,
  addObservation,
  bucketStartOf,
  emptyObservation,
  windowStartOf,
  type AttemptResult,
  type ObservationWindow,
  type ProviderObservation,
  type ProviderState,
  type ProviderStateStore,
  type TaskType,
} from "@solver-router/core";
import { keys } from "./entities.ts";
import { TTL_ATTRIBUTE } from "./table-definition.ts";
import { isConditionFailure, queryAll } from "./transact.ts";

/** How long an instance trusts the provider state it read. */
const CACHE_MS = 2000;
/** Submit-slot requests of one instance within this window share one write. */
const SLOT_COALESCE_MS = 5;

export type Figure = "attempts" | "solved" | "unsolvable" | "errors" | "solve_ms" | "reports_good" | "reports_bad";

const PARTITION = "PROVIDERS";
const OBS_PREFIX = "#obs#";
/**
 * Observation buckets are spread over this many partitions (`PROVIDERS#obs#<n>`, one per writing
 * instance), so the ADD that every attempt makes never concentrates on one key: at 1,000 tasks/s
 * each takes about 1/8 of the writes. A read sums them all.
 */
export const OBSERVATION_SHARDS = 8;
const obsPartition = (shard: number) => `${PARTITION}#obs#${shard}`;
const obsKey = (shard: number, bucketStartMs: number, providerId: string) => ({
  pk: obsPartition(shard),
  sk: `${OBS_PREFIX}${new Date(bucketStartMs).toISOString()}#${providerId}`,
});

export class DynamoProviderStateStore implements ProviderStateStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number,
    /** The accounts whose pace (PACE#<provider>) the states carry: the configured providers. */
    private readonly paceProviderIds: readonly string[] = [],
    private readonly window: ObservationWindow = OBSERVATION_WINDOW,
  ) {}

  private cached?: { at: number; windowStart: number; states: Promise<ProviderState[]> };

  list(options: { fresh?: boolean } = {}): Promise<ProviderState[]> {
    const now = this.now();
    const windowStart = windowStartOf(now, this.window);
    // Read again after CACHE_MS, and whenever a bucket leaves the observation window.
    if (options.fresh || !this.cached || now - this.cached.at >= CACHE_MS || now < this.cached.at || windowStart !== this.cached.windowStart) {
      const states = this.read();
      this.cached = { at: now, windowStart, states };
      states.catch(() => (this.cached = undefined));
    }
    return this.cached.states;
  }

  /** This instance's observation partition. */
  private readonly obsShard = Math.floor(Math.random() * OBSERVATION_SHARDS);

  private async read(): Promise<ProviderState[]> {
    const from = `${OBS_PREFIX}${new Date(windowStartOf(this.now(), this.window)).toISOString()}`;
    const partitions = [PARTITION, ...Array.from({ length: OBSERVATION_SHARDS }, (_, shard) => obsPartition(shard))];
    const [paces, ...partitionItems] = await Promise.all([
      this.readPaces(),
      ...partitions.map((pk) =>
        queryAll(this.db, { TableName: this.table, KeyConditionExpression: "pk = :pk AND sk >= :from", ExpressionAttributeValues: { ":pk": pk, ":from": from } }),
      ),
    ]);
    const items = partitionItems.flat();

    const states = new Map<string, ProviderState>();
    const stateOf = (providerId: string) => {
      let state = states.get(providerId);
      if (!state) states.set(providerId, (state = { providerId, observed: {} }));
      return state;
    };
    for (const item of items) {
      const sk = item.sk as string;
      if (!sk.startsWith(OBS_PREFIX)) {
        const state = stateOf(sk);
        if (item.cooldown_until !== undefined) state.cooldownUntil = Number(item.cooldown_until);
        if (item.cooldown_reason !== undefined) state.cooldownReason = item.cooldown_reason as string;
        if (item.paused_until !== undefined) state.pausedUntil = Number(item.paused_until);
        if (item.pause_reason !== undefined) state.pauseReason = item.pause_reason as string;
        if (item.pingback_address !== undefined) {
          state.pingback = { address: item.pingback_address as string, registered: item.pingback_registered === true, at: Number(item.pingback_at) };
        }
        continue;
      }
      const state = stateOf(item.provider_id as string);
      for (const type of TASK_TYPES) {
        const n = (figure: Figure) => Number(item[`${type}.${figure}`] ?? 0);
        if (n("attempts") === 0 && n("reports_good") === 0 && n("reports_bad") === 0) continue;
        addObservation((state.observed[type] ??= emptyObservation()), {
          attempts: n("attempts"),
          solved: n("solved"),
          unsolvable: n("unsolvable"),
          errors: n("errors"),
          solveSecondsTotal: n("solve_ms") / 1000,
          reportsGood: n("reports_good"),
          reportsBad: n("reports_bad"),
        } satisfies ProviderObservation);
      }
    }
    for (const [providerId, nextMs] of paces) stateOf(providerId).paceFreeAt = nextMs;
    return [...states.values()];
  }

  /**
   * Each account's next free submit slot, where one was ever booked (one batched read; a key
   * DynamoDB leaves unprocessed just counts no wait: routing's hint, not the pace itself).
   */
  private async readPaces(): Promise<Map<string, number>> {
    const paces = new Map<string, number>();
    for (let i = 0; i < this.paceProviderIds.length; i += 100) {
      const ids = this.paceProviderIds.slice(i, i + 100);
      const { Responses } = await this.db.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: ids.map((id) => keys.pace(id)) } } }));
      const nextByKey = new Map((Responses?.[this.table] ?? []).map((item) => [item.pk as string, Number(item.next_ms)]));
      for (const id of ids) {
        const next = nextByKey.get(keys.pace(id).pk);
        if (next !== undefined) paces.set(id, next);
      }
    }
    return paces;
  }

  setCooldown(providerId: string, untilMs: number, reason: string): Promise<void> {
    return this.setUntil(providerId, "cooldown_until", "cooldown_reason", untilMs, reason);
  }

  setPause(providerId: string, untilMs: number, reason: string): Promise<void> {
    return this.setUntil(providerId, "paused_until", "pause_reason", untilMs, reason);
  }

  /** Sets a cooldown or a pause, never shortening a longer one another worker set. */
  private async setUntil(providerId: string, untilAttribute: string, reasonAttribute: string, untilMs: number, reason: string) {
    this.cached = undefined;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.provider(providerId),
          UpdateExpression: "SET #until = :until, #reason = :reason",
          ConditionExpression: "attribute_not_exists(#until) OR #until < :until",
          ExpressionAttributeNames: { "#until": untilAttribute, "#reason": reasonAttribute },
          ExpressionAttributeValues: { ":until": untilMs, ":reason": reason },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async setPingback(providerId: string, address: string, registered: boolean): Promise<void> {
    this.cached = undefined;
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.provider(providerId),
        UpdateExpression: "SET pingback_address = :address, pingback_registered = :registered, pingback_at = :at",
        ExpressionAttributeValues: { ":address": address, ":registered": registered, ":at": this.now() },
      }),
    );
  }

  private readonly slotRequests = new Map<string, { intervalMs: number; nowMs: number; waiters: { resolve: (at: number) => void; reject: (error: unknown) => void }[] }>();

  /**
   * The account's next submit slot (GCRA): when the account is idle the slot is now and the next
   * one `intervalMs` later; when it is busy, the slot after the last one handed out. The requests
   * of one instance that arrive within SLOT_COALESCE_MS (a worker batch's submits) share one write.
   */
  reserveSubmitSlot(providerId: string, intervalMs: number, nowMs: number): Promise<number> {
    // The shared schedule is kept in this store's clock (wall time, what the upstream counts);
    // the slot is handed back in the caller's, whatever their difference.
    const skew = nowMs - this.now();
    return new Promise<number>((resolve, reject) => {
      let request = this.slotRequests.get(providerId);
      if (!request) {
        this.slotRequests.set(providerId, (request = { intervalMs, nowMs: this.now(), waiters: [] }));
        setTimeout(() => void this.grantSlots(providerId), SLOT_COALESCE_MS);
      }
      request.waiters.push({ resolve, reject });
    }).then((at) => at + skew);
  }

  private async grantSlots(providerId: string): Promise<void> {
    const request = this.slotRequests.get(providerId)!;
    this.slotRequests.delete(providerId);
    try {
      const first = await this.reserveSlots(providerId, request.intervalMs, request.waiters.length, request.nowMs);
      request.waiters.forEach((waiter, i) => waiter.resolve(first + i * request.intervalMs));
    } catch (error) {
      for (const waiter of request.waiters) waiter.reject(error);
    }
  }

  /** Reserves `count` consecutive slots; the first one's time. */
  private async reserveSlots(providerId: string, intervalMs: number, count: number, nowMs: number): Promise<number> {
    const expires = Math.ceil(nowMs / 1000) + 3600;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.pace(providerId),
          UpdateExpression: "SET next_ms = :next, #ttl = :expires",
          ConditionExpression: "attribute_not_exists(next_ms) OR next_ms <= :now",
          ExpressionAttributeNames: { "#ttl": TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ":next": nowMs + count * intervalMs, ":now": nowMs, ":expires": expires },
        }),
      );
      return nowMs;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.pace(providerId),
        UpdateExpression: "SET next_ms = next_ms + :interval, #ttl = :expires",
        ExpressionAttributeNames: { "#ttl": TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ":interval": count * intervalMs, ":expires": expires },
        ReturnValues: "UPDATED_NEW",
      }),
    );
    return Number(Attributes?.next_ms) - count * intervalMs;
  }

  async recordAttempt(providerId: string, type: TaskType, result: AttemptResult): Promise<void> {
    const add: Partial<Record<Figure, number>> = { attempts: 1 };
    if (result.kind === "solved") {
      add.solved = 1;
      add.solve_ms = Math.round(result.solveSeconds * 1000);
    } else if (result.kind === "unsolvable") add.unsolvable = 1;
    else add.errors = 1;
    await this.add(providerId, type, add);
  }

  async recordReport(providerId: string, type: TaskType, correct: boolean): Promise<void> {
    await this.add(providerId, type, correct ? { reports_good: 1 } : { reports_bad: 1 });
  }

  /** One UpdateItem on the current bucket's item: the counters with ADD, its identity with SET. */
  private async add(providerId: string, type: TaskType, figures: Partial<Record<Figure, number>>) {
    this.cached = undefined;
    await this.db.send(new UpdateCommand(observationUpdate(this.table, this.obsShard, bucketStartOf(this.now(), this.window), this.window, providerId, [[type, figures]])));
  }

}

/**
 * The update that adds figures (per task type) to one observation bucket item (ADD, no read):
 * used for each failed attempt here and, batched, for solved ones by the task-effects aggregator.
 */
export function observationUpdate(
  table: string,
  shard: number,
  bucketStart: number,
  window: ObservationWindow,
  providerId: string,
  byType: readonly (readonly [TaskType, Partial<Record<Figure, number>>])[],
) {
  // The bucket stops counting a window after it starts; TTL may take it a window after that.
  const expiresAt = Math.ceil((bucketStart + 2 * window.buckets * window.bucketMs) / 1000);
  const entries = byType.flatMap(([type, figures]) => Object.entries(figures).map(([figure, value]) => [`${type}.${figure}`, value] as const));
  return {
    TableName: table,
    Key: obsKey(shard, bucketStart, providerId),
    UpdateExpression: `SET provider_id = :provider, bucket_start = :bucket, #ttl = :expires ` + `ADD ${entries.map((_, i) => `#f${i} :v${i}`).join(", ")}`,
    ExpressionAttributeNames: {
      "#ttl": TTL_ATTRIBUTE,
      ...Object.fromEntries(entries.map(([attribute], i) => [`#f${i}`, attribute])),
    },
    ExpressionAttributeValues: {
      ":provider": providerId,
      ":bucket": bucketStart,
      ":expires": expiresAt,
      ...Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value])),
    },
  };
}
