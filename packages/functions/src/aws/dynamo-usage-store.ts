/**
 * UsageStore on DynamoDB: the rollups the stream aggregator keeps (task-effects-aggregator.ts).
 * A team's report is a range of its own partition; the all-teams report reads the day-partitioned
 * index, one query per day (no partition holds more than a day).
 */
import { type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { UsageRollup, UsageStore } from "@solver-router/core";
import { keys, usageRollup } from "./entities.ts";
import { queryAll } from "./transact.ts";

export class DynamoUsageStore implements UsageStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    /** Resolves when the rollups hold every write made so far (runtime.ts booksCaughtUp). */
    private readonly booksCaughtUp: () => Promise<void> = async () => {},
  ) {}

  async query(input: { teamId?: string; fromDay: string; toDay: string }): Promise<UsageRollup[]> {
    await this.booksCaughtUp();
    if (input.teamId) {
      // Sort keys start with the day, so a day range is a key range ("~" sorts after "#...").
      const items = await queryAll(this.db, {
        TableName: this.table,
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
        ExpressionAttributeValues: { ":pk": `USAGE#${input.teamId}`, ":from": input.fromDay, ":to": `${input.toDay}~` },
      });
      return items.map(usageRollup.fromItem);
    }
    const days = daysBetween(input.fromDay, input.toDay);
    const perDay = await Promise.all(
      days.map((day) =>
        queryAll(this.db, {
          TableName: this.table,
          IndexName: "gsi1",
          KeyConditionExpression: "gsi1pk = :day",
          ExpressionAttributeValues: { ":day": keys.usageDay(day) },
        }),
      ),
    );
    return perDay.flat().map(usageRollup.fromItem);
  }
}

function daysBetween(fromDay: string, toDay: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${fromDay}T00:00:00Z`); t <= Date.parse(`${toDay}T00:00:00Z`) && days.length < 3660; t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}
