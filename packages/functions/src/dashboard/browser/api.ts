/** The API answers the dashboard reads (same origin), and how it asks for them. */

export interface Account {
  team_id: string;
  name: string;
  balance: number;
  reserved: number;
  monthly_budget: number | null;
  budget_used: number;
  budget_remaining: number | null;
  budget_resets_at: string | null;
}

export interface UsageFigures {
  tasks: number;
  completed: number;
  failed: number;
  credits_used: number;
  avg_solve_seconds: number | null;
  median_solve_seconds?: number | null;
}

export interface UsageRow extends UsageFigures {
  day?: string;
  task_type?: string;
  provider?: string;
  team_id?: string;
}

export interface UsageReport {
  rows: UsageRow[];
  totals: UsageFigures;
}

export interface TaskList {
  total: number;
  offset: number;
  tasks: { task_id: string; status: string; captcha_type: string; credits_used: number | null; created_at: string }[];
}

/** One upstream in GET /v2/admin/providers: the fields the dashboard shows (more are sent). */
export interface Provider {
  id: string;
  enabled: boolean;
  cooldown_until: string | null;
  cooldown_reason: string | null;
  balance?: number | null;
  balance_currency?: string | null;
  balance_read_at?: string | null;
  balance_error?: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** The API's base path: the page is served at <base>/dashboard. */
const BASE = location.pathname.replace(/\/dashboard\/?$/, "");

export function query(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== "" && value !== undefined && value !== null) q.set(name, String(value));
  }
  const text = q.toString().replace(/%2C/g, ",");
  return text ? "?" + text : "";
}

export function request<T>(path: string, key: string): Promise<T>;
export function request(path: string, key: string, asText: true): Promise<string>;
export function request(path: string, key: string, asText = false): Promise<unknown> {
  return fetch(BASE + path, { headers: { authorization: "Bearer " + key }, cache: "no-store", credentials: "omit" }).then(
    (res) => {
      if (res.ok) return asText ? res.text() : res.json();
      return res.text().then((text) => {
        let detail = "";
        try {
          detail = (JSON.parse(text) as { detail?: string }).detail || "";
        } catch {
          /* not JSON: no detail */
        }
        throw new ApiError(res.status, detail || "HTTP " + res.status + " from " + path.split("?")[0]);
      });
    },
    (err: Error) => {
      throw new ApiError(0, "The API could not be reached: " + err.message);
    },
  );
}
