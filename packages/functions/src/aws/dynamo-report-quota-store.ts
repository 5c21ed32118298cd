/**
 * ReportQuotaStore on DynamoDB. Forwarded bad reports are counted per team per hour
 * (TEAM#<team_id> / REPORTS#<YYYY-MM-DDTHH>, expiring after two days); solved tasks are counted
 * at report time from the team's own task partition (task ids are time-ordered, entities.ts),
 * only as far as the cap needs: nothing is added to a task's own path.
 */
import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { ReportQuotaStore } from "@solver-router/core";
import { idPrefixAt, keys } from "./entities.ts";
import { TTL_ATTRIBUTE } from "./table-definition.ts";

const BUCKET_TTL_SECONDS = 48 * 3600;
const hourOf = (ms: number) => new Date(ms).toISOString().slice(0, 13);
const bucketKey = (teamId: string, ms: number) => ({ pk: keys.team(teamId).pk, sk: `REPORTS#${hourOf(ms)}` });

export class DynamoReportQuotaStore implements ReportQuotaStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async solvedSince(teamId: string, sinceMs: number, upTo: number): Promise<number> {
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :pk AND sk >= :since",
          FilterExpression: "#status = :completed",
          ExpressionAttributeNames: { "#status": "status" },
          // Task ids start with a ULID: its first 10 characters encode the creation time.
          ExpressionAttributeValues: { ":pk": keys.teamTasks(teamId), ":since": idPrefixAt(sinceMs), ":completed": "completed" },
          Select: "COUNT",
          ExclusiveStartKey: startKey,
        }),
      );
      count += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey && count < upTo);
    return count;
  }

  async forwardedSince(teamId: string, sinceMs: number): Promise<number> {
    return (await this.buckets(teamId, sinceMs)).reduce((sum, b) => sum + b.forwarded, 0);
  }

  async takeSlot(teamId: string, nowMs: number, sinceMs: number, cap: number): Promise<boolean> {
    const current = bucketKey(teamId, nowMs).sk;
    const others = (await this.buckets(teamId, sinceMs)).filter((b) => b.sk !== current).reduce((sum, b) => sum + b.forwarded, 0);
    const room = cap - others;
    if (room <= 0) return false;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: bucketKey(teamId, nowMs),
          UpdateExpression: "ADD forwarded :one SET #ttl = :ttl",
          // The hour's counter is the one parallel reports race on: the cap holds in the condition.
          ConditionExpression: "attribute_not_exists(forwarded) OR forwarded < :room",
          ExpressionAttributeNames: { "#ttl": TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ":one": 1, ":room": room, ":ttl": Math.floor(nowMs / 1000) + BUCKET_TTL_SECONDS },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === "ConditionalCheckFailedException") return false;
      throw error;
    }
  }

  async releaseSlot(teamId: string, takenAtMs: number): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: bucketKey(teamId, takenAtMs),
          UpdateExpression: "ADD forwarded :minusOne",
          ConditionExpression: "forwarded > :zero",
          ExpressionAttributeValues: { ":minusOne": -1, ":zero": 0 },
        }),
      )
      .catch((error: { name?: string }) => {
        if (error.name !== "ConditionalCheckFailedException") throw error;
      });
  }

  private async buckets(teamId: string, sinceMs: number): Promise<{ sk: string; forwarded: number }[]> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
        ExpressionAttributeValues: { ":pk": keys.team(teamId).pk, ":from": `REPORTS#${hourOf(sinceMs)}`, ":to": "REPORTS#~" },
        ConsistentRead: true,
      }),
    );
    return Items.map((item) => ({ sk: item.sk as string, forwarded: Number(item.forwarded ?? 0) }));
  }
}
