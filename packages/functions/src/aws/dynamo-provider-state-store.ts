/**
 * ProviderStateStore on DynamoDB: every provider's state under one partition ("PROVIDERS"), so
 * every worker and API instance reads the same cooldowns and observed figures in one query.
 *
 *   PROVIDERS / <providerId>                         cooldown_until, cooldown_reason
 *   PROVIDERS / #obs#<bucket start, ISO>#<providerId> one observation bucket (core's
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
 */
import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
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
import { keys } from "./items.ts";
import { TTL_ATTRIBUTE } from "./table-definition.ts";

type Figure = "attempts" | "solved" | "unsolvable" | "errors" | "solve_ms" | "reports_good" | "reports_bad";

const PARTITION = "PROVIDERS";
const OBS_PREFIX = "#obs#";
const obsKey = (bucketStartMs: number, providerId: string) => ({
  pk: PARTITION,
  sk: `${OBS_PREFIX}${new Date(bucketStartMs).toISOString()}#${providerId}`,
});

export class DynamoProviderStateStore implements ProviderStateStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number,
    private readonly window: ObservationWindow = OBSERVATION_WINDOW,
  ) {}

  async list(): Promise<ProviderState[]> {
    const from = `${OBS_PREFIX}${new Date(windowStartOf(this.now(), this.window)).toISOString()}`;
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :pk AND sk >= :from",
          ExpressionAttributeValues: { ":pk": PARTITION, ":from": from },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);

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
    return [...states.values()];
  }

  async setCooldown(providerId: string, untilMs: number, reason: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.provider(providerId),
          UpdateExpression: "SET cooldown_until = :until, cooldown_reason = :reason",
          // Never shorten a longer cooldown another worker set.
          ConditionExpression: "attribute_not_exists(cooldown_until) OR cooldown_until < :until",
          ExpressionAttributeValues: { ":until": untilMs, ":reason": reason },
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== "ConditionalCheckFailedException") throw error;
    }
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
    const bucketStart = bucketStartOf(this.now(), this.window);
    // The bucket stops counting a window after it starts; TTL may take it a window after that.
    const expiresAt = Math.ceil((bucketStart + 2 * this.window.buckets * this.window.bucketMs) / 1000);
    const entries = Object.entries(figures);
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: obsKey(bucketStart, providerId),
        UpdateExpression:
          `SET provider_id = :provider, bucket_start = :bucket, #ttl = :expires ` +
          `ADD ${entries.map((_, i) => `#f${i} :v${i}`).join(", ")}`,
        ExpressionAttributeNames: {
          "#ttl": TTL_ATTRIBUTE,
          ...Object.fromEntries(entries.map(([figure], i) => [`#f${i}`, `${type}.${figure}`])),
        },
        ExpressionAttributeValues: {
          ":provider": providerId,
          ":bucket": bucketStart,
          ":expires": expiresAt,
          ...Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value])),
        },
      }),
    );
  }
}
