// The worker: consumes the work queue in batches. It sits apart from queue.ts because its links
// include the queue itself (it enqueues the next poll), and functions.ts imports queue.ts.
// Subscriber options: https://sst.dev/docs/component/aws/queue#subscribe
import { api } from "./api";
import { routerFunction } from "./functions";
import { WORKER_BATCH_WINDOW_SECONDS, WORKER_TIMEOUT_SECONDS, workQueue } from "./queue";

/** Concurrent worker invocations (Lambda's SQS event source allows 2-1000). */
export const WORKER_MAX_CONCURRENCY = 20;

export const worker = workQueue.subscribe(
  {
    ...routerFunction("worker", {
      timeout: `${WORKER_TIMEOUT_SECONDS} seconds`,
      // The work is waiting on upstreams and DynamoDB, not computing: a small function runs a
      // batch of 100 concurrently as fast as a big one, for half the GB-seconds.
      memory: "256 MB",
    }),
    // Upstream pingbacks come back to the API: /v2/upstream/pingback/<token>.
    environment: { ROUTER_PUBLIC_URL: api.url },
  },
  {
    batch: {
      // Up to a hundred messages per invocation, gathered for up to a second: the steps run
      // concurrently, and the result checks that fall due together for one provider account
      // go out as one upstream request (`res.php?action=get&ids=`, core's task-processor.ts).
      size: 100,
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
