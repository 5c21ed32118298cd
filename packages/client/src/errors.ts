/** Errors the client throws: each names what went wrong in the API's own words where there are some. */
import type { TaskResult } from "./types.ts";

/** The API answered with an error status; `detail` is its {"detail": …} sentence. */
export class RouterApiError extends Error {
  constructor(
    /** One sentence: the API's detail, or what happened on the way. */
    readonly detail: string,
    /** HTTP status, or 0 when the router could not be reached or answered something that is not the API's. */
    readonly status: number,
    /** Seconds from a Retry-After header (429, 503), when there was one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(detail);
    this.name = "RouterApiError";
  }
}

/** solve(): the task ended as failed (nothing was charged for it). */
export class TaskFailedError extends Error {
  constructor(readonly task: TaskResult) {
    super(`Task ${task.task_id} failed: ${task.error ?? "no detail"}`);
    this.name = "TaskFailedError";
  }
}

/** solve(): the task had not ended when the timeout ran out (it may still end later). */
export class SolveTimeoutError extends Error {
  constructor(
    readonly taskId: string | undefined,
    readonly timeoutMs: number,
  ) {
    super(taskId ? `Task ${taskId} did not end within ${timeoutMs} ms` : `No task could be submitted within ${timeoutMs} ms`);
    this.name = "SolveTimeoutError";
  }
}
