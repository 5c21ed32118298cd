/**
 * ProviderStateStore on DynamoDB: one item per provider under one partition, so every worker
 * and API instance reads the same cooldowns and observed figures in one query.
 * Observed figures are flat counters (`<TaskType>.<figure>` attribute names) bumped with ADD.
 */
import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import {
  TASK_TYPES,
  type AttemptResult,
  type ProviderObservation,
  type ProviderState,
  type ProviderStateStore,
  type TaskType,
} from "@solver-router/core";
import { keys } from "./items.ts";

type Figure = "attempts" | "solved" | "unsolvable" | "errors" | "solve_ms" | "reports_good" | "reports_bad";

export class DynamoProviderStateStore implements ProviderStateStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async list(): Promise<ProviderState[]> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({ TableName: this.table, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": "PROVIDERS" } }),
    );
    return Items.map((item) => {
      const observed: Partial<Record<TaskType, ProviderObservation>> = {};
      for (const type of TASK_TYPES) {
        const n = (figure: Figure) => Number(item[`${type}.${figure}`] ?? 0);
        if (n("attempts") === 0 && n("reports_good") === 0 && n("reports_bad") === 0) continue;
        observed[type] = {
          attempts: n("attempts"),
          solved: n("solved"),
          unsolvable: n("unsolvable"),
          errors: n("errors"),
          solveSecondsTotal: n("solve_ms") / 1000,
          reportsGood: n("reports_good"),
          reportsBad: n("reports_bad"),
        };
      }
      return {
        providerId: item.sk as string,
        ...(item.cooldown_until !== undefined ? { cooldownUntil: Number(item.cooldown_until) } : {}),
        ...(item.cooldown_reason !== undefined ? { cooldownReason: item.cooldown_reason as string } : {}),
        observed,
      };
    });
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

  private async add(providerId: string, type: TaskType, figures: Partial<Record<Figure, number>>) {
    const entries = Object.entries(figures);
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.provider(providerId),
        UpdateExpression: `ADD ${entries.map((_, i) => `#f${i} :v${i}`).join(", ")}`,
        ExpressionAttributeNames: Object.fromEntries(entries.map(([figure], i) => [`#f${i}`, `${type}.${figure}`])),
        ExpressionAttributeValues: Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value])),
      }),
    );
  }
}
