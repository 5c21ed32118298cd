/**
 * A team's callback endpoint for the benchmarks: takes the router's result POSTs, keeps the
 * first one per task with the time it arrived, and tells when a given number of tasks ended.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedResult {
  taskId: string;
  status: string;
  receivedAt: number;
  /** The result object as the router sent it. */
  body: Record<string, unknown>;
}

export interface CallbackReceiver {
  url: string;
  results: Map<string, ReceivedResult>;
  /** POSTs received, duplicates included. */
  posts(): number;
  /** Resolves once `taskIds` have all ended, or rejects after `timeoutMs`. */
  waitFor(taskIds: readonly string[], timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startCallbackReceiver(): Promise<CallbackReceiver> {
  const results = new Map<string, ReceivedResult>();
  let posts = 0;
  let changed: () => void = () => {};
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      posts += 1;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
        const taskId = String(body.task_id);
        const status = String(body.status);
        if (!results.has(taskId) && (status === "completed" || status === "failed")) {
          results.set(taskId, { taskId, status, receivedAt: Date.now(), body });
          changed();
        }
      } catch {
        // Not a result object: answered all the same, counted in posts().
      }
      response.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/callback`,
    results,
    posts: () => posts,
    waitFor(taskIds, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (taskIds.every((id) => results.has(id))) {
            clearTimeout(timer);
            changed = () => {};
            resolve();
          }
        };
        const timer = setTimeout(() => {
          changed = () => {};
          const missing = taskIds.filter((id) => !results.has(id)).length;
          reject(new Error(`${missing} of ${taskIds.length} tasks had not ended after ${timeoutMs / 1000} s`));
        }, timeoutMs);
        changed = check;
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
