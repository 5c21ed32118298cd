/**
 * What Lambda's DynamoDB Streams event source does, locally: read every shard of the table's
 * stream in order and hand its records, with the shard's id, to the aggregator (the same
 * handler infra/aggregator.ts deploys). A batch that fails is handed over again until it passes,
 * as Lambda retries it; the aggregator's checkpoints make replays harmless. Shards are read from
 * their start each time the stack starts (DynamoDB Local keeps 24 hours): what was applied
 * before a restart is skipped by the same checkpoints.
 */
import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type {
  DynamoDBStreamsClient} from "@aws-sdk/client-dynamodb-streams";
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from "@aws-sdk/client-dynamodb-streams";

/** The longest a read waits for the books to catch up. */
const CAUGHT_UP_MAX_MS = 5000;

export interface StreamLoop {
  stop(): Promise<void>;
  /**
   * Resolves once a full pass over the shards, started after the call, found nothing new: every
   * task write made before the call has reached the books. The local stack reads usage, ledger
   * and task counts after it (on AWS they trail by the stream's delay).
   */
  caughtUp(): Promise<void>;
}

export function startStreamLoop(options: {
  dynamo: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  tableName: string;
  handler: (batch: { Records: _Record[]; shardId: string }) => Promise<void>;
  /** Pause between reads of an idle shard (default 100 ms). */
  idleMs?: number;
  /**
   * How long a batch gathers records after the first arrived (default 1000 ms), like the event
   * source's batching window in infra/aggregator.ts: bigger batches, fewer book-keeping writes.
   */
  batchWindowMs?: number;
  onError?: (error: unknown) => void;
}): StreamLoop {
  let running = true;
  const idleMs = options.idleMs ?? 100;
  const batchWindowMs = options.batchWindowMs ?? 1000;
  let pass = 0;
  const waiting: { after: number; resolve: () => void }[] = [];
  const iterators = new Map<string, string | undefined>(); // shard → next iterator (undefined: closed)
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  const discover = async (streamArn: string) => {
    const { StreamDescription } = await options.streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of StreamDescription?.Shards ?? []) {
      if (iterators.has(shard.ShardId!)) continue;
      const { ShardIterator } = await options.streams.send(
        new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId!, ShardIteratorType: "TRIM_HORIZON" }),
      );
      iterators.set(shard.ShardId!, ShardIterator);
    }
  };

  const loop = async () => {
    const { Table } = await options.dynamo.send(new DescribeTableCommand({ TableName: options.tableName }));
    const streamArn = Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`table ${options.tableName} has no stream`);
    let lastDiscovery = 0;
    while (running) {
      try {
        if (Date.now() - lastDiscovery > 5000) {
          await discover(streamArn);
          lastDiscovery = Date.now();
        }
        let busy = false;
        const thisPass = ++pass;
        for (const [shardId, iterator] of iterators) {
          if (!iterator || !running) continue;
          let page = await options.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
          const records = [...(page.Records ?? [])];
          // A batch gathers for the window (cut short when someone waits for the books to catch up).
          const closeAt = Date.now() + batchWindowMs;
          while (records.length > 0 && records.length < 1000 && page.NextShardIterator && waiting.length === 0 && Date.now() < closeAt && running) {
            await pause(Math.min(100, closeAt - Date.now()));
            page = await options.streams.send(new GetRecordsCommand({ ShardIterator: page.NextShardIterator, Limit: 1000 - records.length }));
            records.push(...(page.Records ?? []));
          }
          if (records.length > 0) {
            busy = true;
            for (;;) {
              try {
                await options.handler({ Records: records, shardId });
                break;
              } catch (error) {
                options.onError?.(error);
                if (!running) return;
                await pause(500);
              }
            }
          }
          iterators.set(shardId, page.NextShardIterator);
        }
        if (!busy) {
          for (const waiter of waiting.filter((w) => w.after < thisPass)) {
            waiting.splice(waiting.indexOf(waiter), 1);
            waiter.resolve();
          }
          await pause(waiting.length ? 5 : idleMs);
        }
      } catch (error) {
        if (!running) return;
        options.onError?.(error);
        await pause(500);
      }
    }
  };
  const done = loop().catch((error) => options.onError?.(error));
  return {
    async stop() {
      running = false;
      await done;
      for (const waiter of waiting.splice(0)) waiter.resolve();
    },
    caughtUp() {
      if (!running) return Promise.resolve();
      // Never longer than CAUGHT_UP_MAX_MS: a stuck batch (retried until it passes) must not hold every read.
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, CAUGHT_UP_MAX_MS);
        waiting.push({ after: pass, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
  };
}
