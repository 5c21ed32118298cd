/**
 * Issue 2, "must show": queue delivery faults against the real stack's SQS (fauxqs) and
 * DynamoDB (DynamoDB Local). SQS delivers at least once and workers die; every task still
 * ends once, the upstream gets it once where that can be known, and the team is charged once.
 *
 *  (a) duplicate deliveries: extra copies of a task's queue message, sent with the AWS SDK;
 *  (b) a worker that dies mid-batch: the core worker handler run here (as Lambda would run it)
 *      over a queue of the stack's SQS, with a task store that fails at a chosen moment;
 *      SQS redelivers the failed message, the step queued before the claim carries the task on,
 *      and where that step is lost too the sweeper re-queues it;
 *  (c) an SQS outage at submit (the stack's fauxqs stopped for real): 503, nothing reserved,
 *      and the same Idempotency-Key works once SQS is back.
 * Where a test moves the router's clock (past the 60 s guard against resubmitting a submit
 * that may still be in flight, or past the sweeper's 60 s grace) its name says so.
 */
import {
  generateApiKey,
  submitTask,
  sweepOverdueTasks,
  type RouterContext,
  type TaskRecord,
  type TaskStore,
  type WorkQueue,
} from "@solver-router/core";
import { createWorkerHandler } from "@solver-router/functions";
import { startTwocaptchaSandbox, type TwocaptchaSandbox } from "@solver-router/sandbox";
import type { SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  createTeam,
  fakeImage,
  inPhpRequests,
  micro,
  sleep,
  stackQueue,
  startStack,
  teamState,
  twocaptchaProviderEntry,
  waitForEnd,
  waitUntil,
  waitUntilQueueHandled,
  whileSqsIsDown,
  writeProvidersFile,
  type LocalStack,
} from "./support.ts";

const PRICE = 0.15;
const START = 1;
const image = fakeImage();

describe("delivery faults: duplicate messages, dying workers, SQS outages", () => {
  let stack: LocalStack;
  let sandbox: TwocaptchaSandbox;
  let queues: ReturnType<typeof stackQueue>;
  let queueCount = 0;

  beforeAll(async () => {
    const key = generateApiKey();
    sandbox = await startTwocaptchaSandbox({ port: 0, apiKey: key, name: "e2e-delivery", solveAfterMs: 1500 });
    const providersFile = await writeProvidersFile([
      twocaptchaProviderEntry("2captcha", sandbox.url, key, { ImageToTextTask: { price: PRICE, solve_seconds: 5, accuracy: 0.9 } }),
    ]);
    // Pingback off: these cases follow tasks through their result checks.
    stack = await startStack({ providersFile, publicUrl: false });
    queues = stackQueue(stack);
  });

  afterAll(async () => {
    await stack?.stop();
    await sandbox?.close();
  });

  const submitsFor = (marker: string) => inPhpRequests(sandbox, (p) => p.textinstructions === marker);

  /** Team state after a task ended: charged exactly once (balance arithmetic in micro-credits), nothing reserved. */
  const expectChargedOnce = async (api: Awaited<ReturnType<typeof createTeam>>["api"], result: { credits_used: number }) => {
    const { account, tasks } = await teamState(api);
    expect(micro(result.credits_used)).toBe(micro(PRICE));
    expect(micro(account.balance) + micro(result.credits_used)).toBe(micro(START));
    expect(account.reserved).toBe(0);
    expect(tasks.total).toBe(1);
  };

  // ── (a) ──────────────────────────────────────────────────────────────────────────────

  it("(a) duplicate deliveries of a task's queue message (5 copies of its current step at each step it reaches, and more after it ended): it completes once, in.php sees it once, the team is charged once", async () => {
    const { api } = await createTeam(stack, "duplicates", START);
    const submitted = await api.request("POST", "/v2/solver/image", { body: { image, instructions: "dup-delivery" } });
    expect(submitted.status).toBe(200);
    const id: string = submitted.body.task_id;

    // Five copies of the task's current step each time it reaches a new one, until it ends.
    const copied: number[] = [];
    await waitUntil(
      "the task's end",
      async () => {
        const task = await stack.ctx.tasks.get(id);
        if (!task || task.status === "completed" || task.status === "failed") return task?.status;
        if (!copied.includes(task.step)) {
          await Promise.all(Array.from({ length: 5 }, () => queues.sendTaskMessage(id, task.step)));
          copied.push(task.step);
        }
        return task.status;
      },
      (status) => status === "completed" || status === "failed",
      60_000,
    );
    expect(copied.length).toBeGreaterThanOrEqual(2);

    const result = await waitForEnd(api, id);
    expect(result).toMatchObject({ status: "completed", solution: { text: expect.any(String) }, provider: "2captcha" });
    expect(result.attempts).toHaveLength(1);
    expect(submitsFor("dup-delivery")).toHaveLength(1);
    const upstreamId = (await stack.ctx.tasks.get(id))!.attempts[0]!.upstreamId!;
    expect(sandbox.stats()[upstreamId]!.resultRequests.length).toBeLessThanOrEqual(20);
    await expectChargedOnce(api, result);

    // Late copies of every step it went through (and the next one): nothing moves any more.
    const ended = (await stack.ctx.tasks.get(id))!;
    const requestsBefore = sandbox.requests.length;
    const accountBefore = (await api.request("GET", "/v2/account")).body;
    await Promise.all(Array.from({ length: ended.step + 2 }, (_, step) => queues.sendTaskMessage(id, step)));
    // Not a fixed wait: every copy has been received and deleted, i.e. handled without error.
    await waitUntilQueueHandled(queues.sqs, stack.endpoints.queueUrl);
    expect((await api.request("GET", `/v2/solver/result/${id}`)).body).toEqual(result);
    expect((await api.request("GET", "/v2/account")).body).toEqual(accountBefore);
    expect(sandbox.requests.length).toBe(requestsBefore);
    expect((await stack.ctx.tasks.get(id))!.version).toBe(ended.version);

    // Nothing ended up in the dead-letter queue.
    const dlq = await queues.sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.endpoints.dlqUrl, AttributeNames: ["ApproximateNumberOfMessages"] }));
    expect(dlq.Attributes?.ApproximateNumberOfMessages).toBe("0");
  });

  // ── (b) ──────────────────────────────────────────────────────────────────────────────

  interface Receipt {
    messageId: string;
    step: number | undefined;
    receiveCount: number;
    failed: boolean;
  }

  /**
   * What Lambda's SQS event source does, over a fresh queue of the stack's SQS (3 s visibility
   * timeout, so a failed message comes back quickly): receive batches (two at a time), run the
   * core worker handler with `ctx`, delete what succeeded, leave the reported failures to be redelivered.
   */
  async function startLambdaLikeWorker(ctx: RouterContext, queueUrl: string) {
    const handler = createWorkerHandler(ctx);
    const receipts: Receipt[] = [];
    let running = true;
    // Two pollers, like Lambda's concurrent batches (and the local stack's worker loop).
    const loops = Array.from({ length: 2 }, async () => {
      while (running) {
        const { Messages = [] } = await queues.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ["All"] }),
        );
        if (Messages.length === 0) continue;
        const event: SQSEvent = {
          Records: Messages.map((m) => ({
            messageId: m.MessageId!,
            receiptHandle: m.ReceiptHandle!,
            body: m.Body ?? "",
            attributes: {
              ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? "1",
              SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
              SenderId: "e2e",
              ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
            },
            messageAttributes: {},
            md5OfBody: m.MD5OfBody ?? "",
            eventSource: "aws:sqs",
            eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:e2e",
            awsRegion: "us-east-1",
          })),
        };
        const { batchItemFailures } = await handler(event);
        const failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
        for (const m of Messages) {
          receipts.push({
            messageId: m.MessageId!,
            step: (JSON.parse(m.Body ?? "{}") as { step?: number }).step,
            receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? "1"),
            failed: failed.has(m.MessageId!),
          });
        }
        const done = Messages.filter((m) => !failed.has(m.MessageId!));
        if (done.length) {
          await queues.sqs.send(
            new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
          );
        }
      }
    });
    return {
      receipts,
      async stop() {
        running = false;
        await Promise.all(loops);
      },
    };
  }

  /** A fresh work queue on the stack's SQS, and a WorkQueue sending to it (like SqsWorkQueue). */
  async function freshQueue(): Promise<{ url: string; queue: WorkQueue }> {
    const { QueueUrl } = await queues.sqs.send(
      new CreateQueueCommand({ QueueName: `e2e-delivery-faults-${++queueCount}`, Attributes: { VisibilityTimeout: "3" } }),
    );
    const url = QueueUrl!;
    return {
      url,
      queue: {
        async send(message, delaySeconds) {
          await queues.sqs.send(
            new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify(message), DelaySeconds: Math.min(900, Math.max(0, Math.round(delaySeconds))) }),
          );
        },
      },
    };
  }

  type Transition = TaskStore["transition"];

  /** The stack's own task store (DynamoDB Local), with `transition` replaced by `wrap(real)`. */
  const tasksWith = (wrap: (real: Transition) => Transition): TaskStore => {
    const inner = stack.ctx.tasks;
    const transition = wrap(inner.transition.bind(inner));
    return new Proxy(inner, {
      get(target, prop) {
        if (prop === "transition") return transition;
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  };

  /** The router's clock, which a test may move forward. */
  const movableClock = () => {
    const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
    return clock;
  };

  const submitVia = async (ctx: RouterContext, teamId: string, marker: string) =>
    (await submitTask(ctx, { teamId, task: { type: "ImageToTextTask", fields: { image, instructions: marker } }, priority: "balanced" })).task_id;

  it("(b1) a worker that dies right after claiming a step (before calling the upstream): SQS redelivers the failed message (a no-op now), the step queued before the claim resubmits (router clock moved past the 60 s in-flight guard), the task completes once, in.php sees it once, charged once", async () => {
    const team = await createTeam(stack, "dies-after-claim", START);
    const { url, queue } = await freshQueue();
    const clock = movableClock();
    let target = "";
    let died = false;
    const tasks = tasksWith((real) => async (prev, next, money) => {
      const result = await real(prev, next, money);
      if (!died && next.taskId === target && result === "ok" && next.attempts.at(-1)?.state === "submitting") {
        died = true;
        clock.offsetMs = 61_000; // what the next delivery of the step will see: the in-flight guard has passed
        throw new Error("e2e: the worker died right after its claim was written");
      }
      return result;
    });
    const ctx: RouterContext = { ...stack.ctx, tasks, queue, clock };
    target = await submitVia(ctx, team.teamId, "dies-after-claim");
    const worker = await startLambdaLikeWorker(ctx, url);
    try {
      const result = await waitForEnd(team.api, target, 60_000);
      expect(died).toBe(true);
      expect(result).toMatchObject({ status: "completed", solution: { text: expect.any(String) } });
      // The message whose handler threw was reported as failed and delivered again.
      const first = worker.receipts.filter((r) => r.step === 0);
      expect(first[0]).toMatchObject({ receiveCount: 1, failed: true });
      expect(first.some((r) => r.messageId === first[0]!.messageId && r.receiveCount >= 2 && !r.failed)).toBe(true);
      const record = (await stack.ctx.tasks.get(target))!;
      expect(record.attempts.map((a) => [a.state, a.error?.startsWith("retry:") ?? false])).toEqual([
        ["failed", true],
        ["solved", false],
      ]);
      expect(submitsFor("dies-after-claim")).toHaveLength(1);
      await expectChargedOnce(team.api, result);
    } finally {
      await worker.stop();
    }
  });

  it("(b2) a worker that dies after the upstream accepted the captcha but before recording it: SQS redelivers, the task is resubmitted (router clock moved past the 60 s in-flight guard) and completes once; in.php got it twice (unknowable), the team is charged once", async () => {
    const team = await createTeam(stack, "dies-after-submit", START);
    const { url, queue } = await freshQueue();
    const clock = movableClock();
    let target = "";
    let died = false;
    const tasks = tasksWith((real) => async (prev, next, money) => {
      const recordsUpstreamId = prev.attempts.at(-1)?.state === "submitting" && next.attempts.at(-1)?.state === "polling";
      if (!died && next.taskId === target && recordsUpstreamId) {
        died = true;
        clock.offsetMs = 61_000;
        throw new Error("e2e: the worker died between in.php and recording its answer");
      }
      return real(prev, next, money);
    });
    const ctx: RouterContext = { ...stack.ctx, tasks, queue, clock };
    target = await submitVia(ctx, team.teamId, "dies-after-submit");
    const worker = await startLambdaLikeWorker(ctx, url);
    try {
      const result = await waitForEnd(team.api, target, 60_000);
      expect(died).toBe(true);
      expect(result).toMatchObject({ status: "completed", solution: { text: expect.any(String) } });
      expect(worker.receipts.find((r) => r.step === 0)).toMatchObject({ receiveCount: 1, failed: true });
      const submits = submitsFor("dies-after-submit");
      expect(submits).toHaveLength(2);
      await expectChargedOnce(team.api, result);
    } finally {
      await worker.stop();
    }
  });

  it("(b3) a worker that dies after its claim AND whose next-step message is lost: the task is stranded until the sweeper re-queues it (router clock moved past the sweeper's 60 s grace); then it completes once, in.php sees it once, charged once", async () => {
    const team = await createTeam(stack, "stranded", START);
    const { url, queue: realQueue } = await freshQueue();
    const clock = movableClock();
    let target = "";
    let died = false;
    let dropped = 0;
    const queue: WorkQueue = {
      async send(message, delaySeconds) {
        // The step message the dying worker queues before its claim never arrives.
        if (!died && message.kind === "task" && message.task_id === target && message.step === 1) {
          dropped++;
          return;
        }
        return realQueue.send(message, delaySeconds);
      },
    };
    const tasks = tasksWith((real) => async (prev, next, money) => {
      const result = await real(prev, next, money);
      if (!died && next.taskId === target && result === "ok" && next.attempts.at(-1)?.state === "submitting") {
        died = true;
        throw new Error("e2e: the worker died right after its claim was written");
      }
      return result;
    });
    const ctx: RouterContext = { ...stack.ctx, tasks, queue, clock };
    target = await submitVia(ctx, team.teamId, "stranded");
    const worker = await startLambdaLikeWorker(ctx, url);
    try {
      // Stranded: claimed (step 1), and nothing left that could carry it on. Not a fixed wait:
      // the failed step-0 message came back and was handled (a no-op now), and the task's queue
      // holds nothing else, ready, in flight or delayed (the stack's own queue has no message
      // of this task, and its sweeper leaves the task alone for 60 s).
      await waitUntil(
        "the failed step-0 message redelivered and handled",
        () => ({ died, handled: worker.receipts.filter((r) => r.step === 0 && !r.failed).length }),
        (seen) => seen.died && seen.handled > 0,
        20_000,
      );
      await waitUntilQueueHandled(queues.sqs, url, { andDelayed: true });
      const stranded: TaskRecord = (await stack.ctx.tasks.get(target))!;
      expect(dropped).toBe(1);
      expect(stranded).toMatchObject({ status: "pending", step: 1 });
      expect(stranded.attempts.at(-1)?.state).toBe("submitting");
      expect(submitsFor("stranded")).toHaveLength(0);

      clock.offsetMs = 70_000;
      const requeued = await sweepOverdueTasks(ctx);
      expect(requeued).toBeGreaterThanOrEqual(1);
      const result = await waitForEnd(team.api, target, 60_000);
      expect(result).toMatchObject({ status: "completed", solution: { text: expect.any(String) } });
      expect(submitsFor("stranded")).toHaveLength(1);
      await expectChargedOnce(team.api, result);
    } finally {
      await worker.stop();
    }
  });

  it("(b4) a next step queued with no delay is not lost when the task's write lands after the message (table write 1.5 s slow): after ERROR_CAPTCHA_UNSOLVABLE on its only provider the task still fails promptly, not after the sweeper's 60 s grace, and is not charged", async () => {
    const team = await createTeam(stack, "slow-write", START);
    const { url, queue } = await freshQueue();
    let target = "";
    const tasks = tasksWith((real) => async (prev, next, money) => {
      if (next.taskId === target && next.status === "pending" && next.attempts.length > 0) await sleep(1500);
      return real(prev, next, money);
    });
    const ctx: RouterContext = { ...stack.ctx, tasks, queue };
    // The sandbox answers ERROR_CAPTCHA_UNSOLVABLE for a captcha whose instructions carry this marker.
    target = await submitVia(ctx, team.teamId, "slow-write SANDBOX_UNSOLVABLE");
    const worker = await startLambdaLikeWorker(ctx, url);
    try {
      const started = Date.now();
      const result = await waitForEnd(team.api, target, 25_000).catch(async (error: Error) => {
        const record = await stack.ctx.tasks.get(target);
        throw new Error(`${error.message}; stored: status ${record?.status}, step ${record?.step}; deliveries: ${JSON.stringify(worker.receipts)}`);
      });
      expect(result).toMatchObject({ status: "failed", credits_used: null });
      expect(Date.now() - started).toBeLessThan(25_000);
      const { account } = await teamState(team.api);
      expect(micro(account.balance)).toBe(micro(START));
      expect(account.reserved).toBe(0);
    } finally {
      await worker.stop();
    }
  });

  // ── (c) ──────────────────────────────────────────────────────────────────────────────

  it("(c) an SQS outage at submit (fauxqs stopped, its port refusing connections): POST /v2/solver/task answers 503 with the queue's detail, the account is exactly as before, no task is listed, nothing reaches the upstream; once SQS is back on the same endpoint the same Idempotency-Key gives a real task, completed and charged once", async () => {
    const team = await createTeam(stack, "outage", START);
    const marker = "sqs-outage";
    const submit = () =>
      // Bounded: the API's SQS client and the submit path retry a refused connection a few
      // times (well under a second here); a hang fails here, not at the test's timeout.
      team.api.request("POST", "/v2/solver/task", {
        body: { type: "ImageToTextTask", image, instructions: marker },
        headers: { "idempotency-key": "outage-retry" },
        timeoutMs: 20_000,
      });
    const before = await teamState(team.api);
    expect(before.tasks.total).toBe(0);
    const inPhpBefore = inPhpRequests(sandbox, () => true).length;

    await whileSqsIsDown(stack, async () => {
      const refused = await submit();
      expect(refused.status).toBe(503);
      expect(refused.body).toEqual({ detail: "The task queue is unavailable; nothing was charged. Retry the request." });
      // Read while SQS is still down: nothing waits for the queue to come back.
      const after = await teamState(team.api);
      expect(after.account).toEqual(before.account);
      expect(after.tasks).toMatchObject({ total: 0, tasks: [] });
      expect(inPhpRequests(sandbox, () => true)).toHaveLength(inPhpBefore);
    });

    // SQS is back (empty: the restart queued every unfinished task again, and there was none).
    const retried = await submit();
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ status: "pending", message: "Task submitted successfully" });
    const result = await waitForEnd(team.api, retried.body.task_id, 60_000);
    expect(result).toMatchObject({ status: "completed", solution: { text: expect.any(String) }, provider: "2captcha" });
    expect(result.attempts).toHaveLength(1);
    // Every message queued so far has been handled (a task left over from the refused submit
    // would have been queued again at the restart): the upstream got the captcha once.
    await waitUntilQueueHandled(queues.sqs, stack.endpoints.queueUrl);
    expect(submitsFor(marker)).toHaveLength(1);
    await expectChargedOnce(team.api, result);
    // The key now names that task: a further retry finds it and charges nothing more.
    const again = await submit();
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ task_id: retried.body.task_id, message: "Task already submitted with this Idempotency-Key" });
    await expectChargedOnce(team.api, result);
  });
});
