/**
 * The DynamoDB plumbing every store shares: transactions, pagination, condition failures.
 *
 * TransactWriteItems with DynamoDB's conflict rule handled: two transactions touching the same
 * item at once (parallel submits of one team all update its balance) cancel one of them with
 * reason "TransactionConflict", which says nothing about the conditions. Such a cancellation is
 * retried with jittered backoff; condition failures are returned to the caller to interpret.
 */
import { TransactionCanceledException, type CancellationReason } from "@aws-sdk/client-dynamodb";
import { QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient, type QueryCommandInput, type TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";

export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

const MAX_CONFLICT_RETRIES = 8;

/** Runs the transaction; undefined when it committed, else the cancellation reasons. */
export async function transactWrite(db: DynamoDBDocumentClient, items: TransactItem[]): Promise<CancellationReason[] | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      await db.send(new TransactWriteCommand({ TransactItems: items }));
      return undefined;
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      const conflictOnly = reasons.some((r) => r.Code === "TransactionConflict") && !reasons.some((r) => r.Code === "ConditionalCheckFailed");
      if (!conflictOnly) return reasons;
      if (attempt >= MAX_CONFLICT_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** attempt));
    }
  }
}

export function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (error instanceof TransactionCanceledException) return error.CancellationReasons ?? [];
  if (error && typeof error === "object" && (error as { name?: string }).name === "TransactionCanceledException") {
    return (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
  }
  return undefined;
}

export const conditionFailed = (reason: CancellationReason | undefined) => reason?.Code === "ConditionalCheckFailed";

/** Every item of a query (all pages), or the first `max`. */
export async function queryAll(
  db: DynamoDBDocumentClient,
  input: QueryCommandInput,
  max = Infinity,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new QueryCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey && items.length < max);
  return max === Infinity ? items : items.slice(0, max);
}

/** True when a single conditional write failed its condition. */
export const isConditionFailure = (error: unknown): boolean =>
  (error as { name?: string } | undefined)?.name === "ConditionalCheckFailedException";
