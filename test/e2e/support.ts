/**
 * Helpers for end-to-end tests: start the local stack (the same code `pnpm start` runs) on
 * free ports and talk to it over real HTTP.
 */
import { quietLogger } from "@solver-router/functions";
import { startLocalStack, type LocalStack, type LocalStackOptions } from "@solver-router/local";

export type { LocalStack };

export async function startStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  return startLocalStack({ port: 0, logger: quietLogger("error"), explorationShare: 0, sweepIntervalMs: 5_000, ...options });
}

export interface Client {
  request(method: string, path: string, options?: { body?: unknown; rawBody?: string; key?: string | null; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
}

/** A client for the stack's API; `key` defaults to the given key (null sends no Authorization). */
export function client(stack: LocalStack, defaultKey?: string): Client {
  return {
    async request(method, path, options = {}) {
      const key = options.key === undefined ? defaultKey : options.key;
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (key) headers.authorization = `Bearer ${key}`;
      let body: string | undefined;
      if (options.rawBody !== undefined) body = options.rawBody;
      else if (options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined && !headers["content-type"]) headers["content-type"] = "application/json";
      const response = await fetch(stack.apiUrl + path, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
  };
}

/** Creates a team through the admin API; returns its id and key. */
export async function createTeam(stack: LocalStack, name: string, credits: number | string) {
  const admin = client(stack, stack.adminKey);
  const { status, body } = await admin.request("POST", "/v2/admin/teams", { body: { name, credits } });
  if (status !== 200) throw new Error(`create team: ${status} ${JSON.stringify(body)}`);
  return { teamId: body.team_id as string, apiKey: body.api_key as string, api: client(stack, body.api_key) };
}

/** Polls the result endpoint (test side only) until the task has ended. */
export async function waitForEnd(api: Client, taskId: string, timeoutMs = 120_000) {
  const started = Date.now();
  for (;;) {
    const { status, body } = await api.request("GET", `/v2/solver/result/${taskId}`);
    if (status !== 200) throw new Error(`result ${taskId}: ${status} ${JSON.stringify(body)}`);
    if (body.status === "completed" || body.status === "failed") return body;
    if (Date.now() - started > timeoutMs) throw new Error(`task ${taskId} still ${body.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** A base64 PNG-ish blob of `bytes` random bytes (the sandboxes need ≥ 100 bytes). */
export const fakeImage = (bytes = 400) => Buffer.from(Array.from({ length: bytes }, (_, i) => (i * 37 + 11) % 256)).toString("base64");
