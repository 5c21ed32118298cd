/** UsageStore on DynamoDB: the rollups the task transitions write (items.ts usageWrites). */
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { SOLVE_TIME_BUCKETS, type TaskType, type UsageRollup, type UsageStore } from "@solver-router/core";
import { SOLVE_HISTOGRAM_ATTRIBUTE } from "./items.ts";

export class DynamoUsageStore implements UsageStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async query(input: { teamId?: string; fromDay: string; toDay: string }): Promise<UsageRollup[]> {
    // Sort keys start with the day, so a day range is a key range ("~" sorts after "#...").
    const range = { ":from": input.fromDay, ":to": `${input.toDay}~` };
    const query: QueryCommandInput = input.teamId
      ? {
          TableName: this.table,
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
          ExpressionAttributeValues: { ":pk": `USAGE#${input.teamId}`, ...range },
        }
      : {
          TableName: this.table,
          IndexName: "gsi1",
          KeyConditionExpression: "gsi1pk = :usage AND gsi1sk BETWEEN :from AND :to",
          ExpressionAttributeValues: { ":usage": "USAGE", ...range },
        };
    const rollups: UsageRollup[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(new QueryCommand({ ...query, ExclusiveStartKey: startKey }));
      for (const item of page.Items ?? []) {
        rollups.push({
          teamId: item.team_id as string,
          day: item.day as string,
          type: item.task_type as TaskType,
          providerId: item.provider as string,
          tasks: Number(item.tasks ?? 0),
          completed: Number(item.completed ?? 0),
          failed: Number(item.failed ?? 0),
          chargedMicro: Number(item.credits_micro ?? 0),
          solveSecondsTotal: Number(item.solve_ms ?? 0) / 1000,
          solveHistogram: Array.from({ length: SOLVE_TIME_BUCKETS }, (_, i) => Number(item[`${SOLVE_HISTOGRAM_ATTRIBUTE}${i}`] ?? 0)),
        });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return rollups;
  }
}
