/**
 * The typed client for teams: submit a task, read its result, wait for it (`solve`), report
 * an answer, read the balance and usage. `solve` waits the way the API asks: first for the
 * task's `estimated_time`, then at a steady interval, backing off on 429 / 503 for as long as
 * Retry-After says, until the task ends or the timeout runs out.
 */
import { RouterApiError, SolveTimeoutError, TaskFailedError } from "./errors.ts";
import { Http, type HttpOptions } from "./http.ts";
import type { Account, Priority, ReportAnswer, SubmitAnswer, Task, TaskList, TaskResult, UsageReport } from "./types.ts";

export interface RouterClientOptions extends Omit<HttpOptions, "key"> {
  /** The team's API key (32 lowercase hex). */
  apiKey: string;
}

export interface SubmitOptions {
  priority?: Priority;
  /** Credits; the router never routes to a provider above it. */
  maxPrice?: number | string;
  callbackUrl?: string;
  /** A retried submit with the same key returns the same task and charges once. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export interface SolveOptions extends SubmitOptions {
  /** How long to wait for the task to end, submission included (default 5 minutes). */
  timeoutMs?: number;
  /** Between result requests once the estimated time has passed (default 3 s). */
  pollIntervalMs?: number;
}

/** A completed task: the solution is there. */
export type SolvedTask = TaskResult & { status: "completed"; solution: NonNullable<TaskResult["solution"]> };

const RETRYABLE = new Set([429, 503]);

export class RouterClient {
  private readonly http: Http;

  constructor(options: RouterClientOptions) {
    this.http = new Http({ ...options, key: options.apiKey }, "<api key>");
  }

  /** POST /v2/solver/task. */
  submit(task: Task, options: SubmitOptions = {}): Promise<SubmitAnswer> {
    return this.http.json<SubmitAnswer>("POST", "/v2/solver/task", {
      body: {
        ...task,
        ...(options.priority ? { priority: options.priority } : {}),
        ...(options.maxPrice !== undefined ? { max_price: options.maxPrice } : {}),
        ...(options.callbackUrl ? { callback_url: options.callbackUrl } : {}),
      },
      ...(options.idempotencyKey ? { headers: { "idempotency-key": options.idempotencyKey } } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** GET /v2/solver/result/{task_id}. */
  result(taskId: string, options: { signal?: AbortSignal } = {}): Promise<TaskResult> {
    return this.http.json<TaskResult>("GET", `/v2/solver/result/${encodeURIComponent(taskId)}`, options.signal ? { signal: options.signal } : {});
  }

  /** GET /v2/solver/tasks. */
  tasks(query: { limit?: number; offset?: number; status?: TaskResult["status"] } = {}): Promise<TaskList> {
    return this.http.json<TaskList>("GET", "/v2/solver/tasks", { query });
  }

  /** POST /v2/solver/task/{task_id}/report: whether the answer worked. */
  report(taskId: string, correct: boolean): Promise<ReportAnswer> {
    return this.http.json<ReportAnswer>("POST", `/v2/solver/task/${encodeURIComponent(taskId)}/report`, { body: { correct } });
  }

  /** GET /v2/account: what the team can spend and what unfinished tasks hold. */
  balance(): Promise<Account> {
    return this.http.json<Account>("GET", "/v2/account");
  }

  /** GET /v2/usage (JSON). */
  usage(query: { from?: string; to?: string; groupBy?: ("day" | "task_type" | "provider")[] } = {}): Promise<UsageReport> {
    return this.http.json<UsageReport>("GET", "/v2/usage", {
      query: { from: query.from, to: query.to, group_by: query.groupBy?.join(","), format: "json" },
    });
  }

  /**
   * Submits the task and waits until it ends: resolves with the completed task, or throws
   * TaskFailedError (the task failed; nothing was charged), SolveTimeoutError, RouterApiError
   * (the API refused, e.g. 402 insufficient credits) or the signal's reason when aborted.
   */
  async solve(task: Task, options: SolveOptions = {}): Promise<SolvedTask> {
    const timeoutMs = options.timeoutMs ?? 300_000;
    const interval = options.pollIntervalMs ?? 3_000;
    const deadline = Date.now() + timeoutMs;
    const signal = options.signal;
    const submitted = await this.retrying(() => this.submit(task, options), deadline, signal, undefined, timeoutMs);
    await wait(Math.min(submitted.estimated_time * 1000, Math.max(0, deadline - Date.now())), signal);
    for (;;) {
      const result = await this.retrying(() => this.result(submitted.task_id, signal ? { signal } : {}), deadline, signal, submitted.task_id, timeoutMs);
      if (result.status === "completed" && result.solution) return result as SolvedTask;
      if (result.status === "failed") throw new TaskFailedError(result);
      if (Date.now() + interval > deadline) throw new SolveTimeoutError(submitted.task_id, timeoutMs);
      await wait(interval, signal);
    }
  }

  /** Runs `call`, waiting out 429 / 503 answers (their Retry-After, else 1 s) while time allows. */
  private async retrying<T>(call: () => Promise<T>, deadline: number, signal: AbortSignal | undefined, taskId: string | undefined, timeoutMs: number): Promise<T> {
    for (;;) {
      try {
        return await call();
      } catch (error) {
        if (!(error instanceof RouterApiError) || !RETRYABLE.has(error.status)) throw error;
        const pause = (error.retryAfterSeconds ?? 1) * 1000;
        if (Date.now() + pause > deadline) throw new SolveTimeoutError(taskId, timeoutMs);
        await wait(pause, signal);
      }
    }
  }
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
