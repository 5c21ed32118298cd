/** The few API calls the benchmarks make, over keep-alive connections (undici). */
import { Agent, request } from "undici";

export interface SubmitAnswer {
  status: number;
  taskId?: string;
  detail?: string;
  latencyMs: number;
}

export class RouterClient {
  readonly agent: Agent;

  constructor(
    readonly apiUrl: string,
    connections = 64,
  ) {
    this.agent = new Agent({ connections, keepAliveTimeout: 30_000, pipelining: 1 });
  }

  async json(method: "GET" | "POST", path: string, key: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await request(this.apiUrl + path, {
      method,
      dispatcher: this.agent,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.body.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = { detail: text.slice(0, 200) };
    }
    return { status: response.statusCode, body: parsed };
  }

  /** POST /v2/solver/task, timed. */
  async submit(key: string, body: Record<string, unknown>): Promise<SubmitAnswer> {
    const started = performance.now();
    const answer = await this.json("POST", "/v2/solver/task", key, body);
    const latencyMs = performance.now() - started;
    if (answer.status === 200 && typeof answer.body.task_id === "string") return { status: 200, taskId: answer.body.task_id, latencyMs };
    return { status: answer.status, detail: String(answer.body.detail ?? ""), latencyMs };
  }

  /** Teams through the admin API: `count` teams with `credits` each; their keys. */
  async createTeams(adminKey: string, count: number, credits: number, prefix: string): Promise<{ teamId: string; apiKey: string }[]> {
    const teams: { teamId: string; apiKey: string }[] = [];
    for (let i = 0; i < count; i++) {
      const { status, body } = await this.json("POST", "/v2/admin/teams", adminKey, { name: `${prefix}-${i + 1}`, credits });
      if (status !== 200) throw new Error(`creating a team: ${status} ${JSON.stringify(body)}`);
      teams.push({ teamId: String(body.team_id), apiKey: String(body.api_key) });
    }
    return teams;
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** Runs `work(i)` for i in 0..count-1 with at most `concurrency` at a time. */
export async function runPool(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await work(next++);
  });
  await Promise.all(workers);
}
