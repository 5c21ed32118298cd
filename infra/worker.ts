// The worker: consumes the work queue in batches. It sits apart from queue.ts because its links
// include the queue itself (it enqueues the next poll), and functions.ts imports queue.ts.
// Subscriber options: https://sst.dev/docs/component/aws/queue#subscribe
import { routerFunction } from "./functions";
import { WORKER_BATCH_WINDOW_SECONDS, WORKER_TIMEOUT_SECONDS, workQueue } from "./queue";

export const worker = workQueue.subscribe(
  routerFunction("worker", {
    timeout: `${WORKER_TIMEOUT_SECONDS} seconds`,
    memory: "512 MB",
  }),
  {
    batch: {
      // Up to ten messages per invocation: few enough that a batch of upstream submits and
      // result checks (each its own upstream request today) fits the 60-second timeout.
      size: 10,
      window: `${WORKER_BATCH_WINDOW_SECONDS} seconds`,
      // The handler returns `batchItemFailures`: only the failed messages come back, so one bad
      // task does not make its nine neighbours be processed again.
      partialResponses: true,
    },
  },
);
