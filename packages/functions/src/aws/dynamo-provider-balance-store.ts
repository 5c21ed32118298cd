/**
 * ProviderBalanceStore on DynamoDB: one small item per provider, all under one partition, read
 * in one query by GET /v2/admin/providers.
 *
 *   PROVIDER_BALANCES / <providerId>   amount, currency, read_at (ms);
 *                                      error_code, error_message, error_at (the last failed read)
 *
 * A partition of its own (not PROVIDERS), so the cooldown and observation reads never see it.
 */
import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { ProviderBalance, ProviderBalanceStore } from "@solver-router/core";

const PARTITION = "PROVIDER_BALANCES";

export class DynamoProviderBalanceStore implements ProviderBalanceStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async list(): Promise<ProviderBalance[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": PARTITION },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items.map((item) => ({
      providerId: item.sk as string,
      ...(item.amount !== undefined ? { amount: Number(item.amount) } : {}),
      ...(typeof item.currency === "string" ? { currency: item.currency } : {}),
      ...(item.read_at !== undefined ? { readAt: Number(item.read_at) } : {}),
      ...(item.error_code !== undefined
        ? { error: { code: String(item.error_code), message: String(item.error_message ?? ""), at: Number(item.error_at) } }
        : {}),
    }));
  }

  async recordBalance(providerId: string, reading: { amount: number; currency?: string; readAt: number }): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: PARTITION, sk: providerId },
        UpdateExpression: `SET amount = :amount, read_at = :at${reading.currency ? ", currency = :currency" : ""} REMOVE error_code, error_message, error_at`,
        // Two overlapping runs: the older reading never replaces a newer one.
        ConditionExpression: "attribute_not_exists(read_at) OR read_at <= :at",
        ExpressionAttributeValues: { ":amount": reading.amount, ":at": reading.readAt, ...(reading.currency ? { ":currency": reading.currency } : {}) },
      }),
    ).catch(ignoreConditionFailed);
  }

  async recordBalanceError(providerId: string, error: { code: string; message: string; at: number }): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: PARTITION, sk: providerId },
        UpdateExpression: "SET error_code = :code, error_message = :message, error_at = :at",
        ExpressionAttributeValues: { ":code": error.code, ":message": error.message, ":at": error.at },
      }),
    );
  }
}

function ignoreConditionFailed(error: unknown) {
  if ((error as { name?: string }).name !== "ConditionalCheckFailedException") throw error;
}
