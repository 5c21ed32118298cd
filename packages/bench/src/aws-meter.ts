/**
 * Counts what the router asks of DynamoDB and SQS, through an AWS SDK v3 middleware on the
 * stack's own clients (startLocalStack's `instrumentClients`).
 *
 * DynamoDB: every call by operation, with the capacity the table reports. The middleware adds
 * `ReturnConsumedCapacity: "TOTAL"` to every call that accepts it. Checked against DynamoDB Local
 * (the jar `pnpm start` runs): with TOTAL, a Put/Update counts the writes to each global
 * secondary index too, and a TransactWriteItems counts twice (table and index writes alike), as
 * DynamoDB bills transactions; with INDEXES, a transaction's index writes go missing, so TOTAL it
 * is. A call counts as read or write units by what the operation is.
 *
 * SQS: every request by operation, with the 64 KB chunks AWS bills it as (payload of the
 * messages sent or received); empty receives are apart, since Lambda's pollers make those at a
 * fixed rate whatever the traffic.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";

const CAPACITY_OPERATIONS = new Set([
  "GetItemCommand",
  "PutItemCommand",
  "UpdateItemCommand",
  "DeleteItemCommand",
  "QueryCommand",
  "ScanCommand",
  "BatchGetItemCommand",
  "BatchWriteItemCommand",
  "TransactGetItemsCommand",
  "TransactWriteItemsCommand",
]);
const WRITE_OPERATIONS = new Set(["PutItemCommand", "UpdateItemCommand", "DeleteItemCommand", "BatchWriteItemCommand", "TransactWriteItemsCommand"]);
const SQS_CHUNK_BYTES = 64 * 1024;

export interface OperationCount {
  calls: number;
  /** Read or write capacity units the table reported (DynamoDB) / 64 KB chunks (SQS). */
  units: number;
  errors: number;
}

export interface AwsCounts {
  dynamo: Record<string, OperationCount>;
  sqs: Record<string, OperationCount>;
  readUnits: number;
  writeUnits: number;
  /** ReceiveMessage calls that returned nothing (kept out of `sqs`). */
  emptyReceives: number;
}

export class AwsMeter {
  private counts: AwsCounts = emptyCounts();

  /** Attach to the stack's clients before they are used. */
  instrument = (clients: { dynamo: DynamoDBClient; sqs: SQSClient }): void => {
    clients.dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = context.commandName ?? "unknown";
        const input = args.input as Record<string, unknown>;
        if (CAPACITY_OPERATIONS.has(operation)) input.ReturnConsumedCapacity = "TOTAL";
        try {
          const result = await next(args);
          const units = capacityUnits((result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity);
          this.add(this.counts.dynamo, operation, units, false);
          if (WRITE_OPERATIONS.has(operation)) this.counts.writeUnits += units;
          else this.counts.readUnits += units;
          return result;
        } catch (error) {
          this.add(this.counts.dynamo, operation, 0, true);
          throw error;
        }
      },
      { step: "initialize", name: "benchDynamoMeter" },
    );
    clients.sqs.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = context.commandName ?? "unknown";
        try {
          const result = await next(args);
          if (operation === "ReceiveMessageCommand") {
            const messages = (result.output as { Messages?: { Body?: string }[] }).Messages ?? [];
            if (messages.length === 0) this.counts.emptyReceives += 1;
            else this.add(this.counts.sqs, operation, chunks(messages.map((m) => m.Body ?? "")), false);
          } else {
            this.add(this.counts.sqs, operation, chunks(sentBodies(args.input as Record<string, unknown>)), false);
          }
          return result;
        } catch (error) {
          this.add(this.counts.sqs, operation, 1, true);
          throw error;
        }
      },
      { step: "initialize", name: "benchSqsMeter" },
    );
  };

  /** The counts so far, and a fresh start. */
  take(): AwsCounts {
    const taken = this.counts;
    this.counts = emptyCounts();
    return taken;
  }

  private add(table: Record<string, OperationCount>, operation: string, units: number, error: boolean) {
    const name = operation.replace(/Command$/, "");
    const entry = (table[name] ??= { calls: 0, units: 0, errors: 0 });
    entry.calls += 1;
    entry.units += units;
    if (error) entry.errors += 1;
  }
}

function emptyCounts(): AwsCounts {
  return { dynamo: {}, sqs: {}, readUnits: 0, writeUnits: 0, emptyReceives: 0 };
}

/** `ConsumedCapacity` is one object (single-item calls, Query) or a list (batch and transaction calls). */
function capacityUnits(consumed: unknown): number {
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  return list.reduce((sum: number, entry: { CapacityUnits?: number }) => sum + (entry?.CapacityUnits ?? 0), 0);
}

function sentBodies(input: Record<string, unknown>): string[] {
  if (typeof input.MessageBody === "string") return [input.MessageBody];
  if (Array.isArray(input.Entries)) return input.Entries.map((e: { MessageBody?: unknown }) => (typeof e.MessageBody === "string" ? e.MessageBody : ""));
  return [];
}

/** What AWS bills a request as: one per started 64 KB of payload, at least one. */
function chunks(bodies: string[]): number {
  const bytes = bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0);
  return Math.max(1, Math.ceil(bytes / SQS_CHUNK_BYTES));
}
