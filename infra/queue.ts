// The work queue that feeds the worker ("submit" and "poll" messages; waiting between polls is a
// per-message DelaySeconds, never a sleep in a handler), and its dead-letter queue.
// Options: https://sst.dev/docs/component/aws/queue

/** The worker Lambda's timeout: one batch of upstream submits and result checks. */
export const WORKER_TIMEOUT_SECONDS = 60;

/**
 * How long Lambda may gather messages before invoking the worker: one second lets messages that
 * fall due together arrive in one invocation, at the cost of at most one second of latency.
 * Today each poll is still its own result request upstream (one `res.php?action=get&id=` per
 * captcha); the protocol's batched `ids=` form is not used yet.
 */
export const WORKER_BATCH_WINDOW_SECONDS = 1;

/**
 * AWS's rule for queues that feed Lambda: the visibility timeout must be at least six times the
 * function's timeout, plus the batching window. Lambda's poller may retry a throttled or failed
 * invocation several times while the messages stay in flight; a shorter timeout would make a
 * message visible again while a worker still holds it, and another worker would process it twice.
 */
const VISIBILITY_TIMEOUT_SECONDS = 6 * WORKER_TIMEOUT_SECONDS + WORKER_BATCH_WINDOW_SECONDS;

/**
 * Messages that failed `retry` receives land here instead of being retried forever. Standard
 * queues keep a message's first enqueue time when it moves to the dead-letter queue, so the DLQ
 * keeps messages for SQS's maximum (14 days) — longer than the work queue's default 4 days — or
 * they would expire soon after arriving.
 */
export const deadLetterQueue = new sst.aws.Queue("WorkQueueDlq", {
  transform: {
    queue: { messageRetentionSeconds: 14 * 24 * 60 * 60 },
  },
});

export const workQueue = new sst.aws.Queue("WorkQueue", {
  visibilityTimeout: `${VISIBILITY_TIMEOUT_SECONDS} seconds`,
  dlq: {
    queue: deadLetterQueue.arn,
    // Five receives (SQS's maxReceiveCount) before a message is given up on: enough to ride out
    // a throttled or briefly failing worker. Duplicates are harmless, as every task update is
    // conditional on the task's state.
    retry: 5,
  },
});
