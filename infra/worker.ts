// The worker: consumes the work queue in batches. It sits apart from queue.ts because its links
// include the queue itself (it enqueues the next poll), and functions.ts imports queue.ts.
// Subscriber options: https://sst.dev/docs/component/aws/queue#subscribe
import { routerFunction } from "./functions";
import { WORKER_BATCH_WINDOW_SECONDS, WORKER_TIMEOUT_SECONDS, workQueue } from "./queue";

/** Concurrent worker invocations (Lambda's SQS event source allows 2-1000). */
export const WORKER_MAX_CONCURRENCY = 20;

export const worker = workQueue.subscribe(
  routerFunction("worker", {
    timeout: `${WORKER_TIMEOUT_SECONDS} seconds`,
    memory: "512 MB",
  }),
  {
    batch: {
      // Up to ten messages per invocation: few enough that a batch of upstream submits and
      // result checks fits the 60-second timeout, and polls for one provider within it share
      // one upstream call.
      size: 10,
      window: `${WORKER_BATCH_WINDOW_SECONDS} seconds`,
      // The handler returns `batchItemFailures`: only the failed messages come back, so one bad
      // task does not make its nine neighbours be processed again.
      partialResponses: true,
    },
    transform: {
      // At most this many workers at once, whatever the queue's depth: bounds the upstream calls
      // and table writes a burst of tasks can cause (SQS keeps the rest until a worker is free).
      eventSourceMapping: { scalingConfig: { maximumConcurrency: WORKER_MAX_CONCURRENCY } },
    },
  },
);
