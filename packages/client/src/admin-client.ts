/** The router's administration API (admin key), typed from the same schemas as the team client. */
import { Http, type HttpOptions, type Query } from "./http.ts";
import type { Account, CreatedTeam, CreditsAnswer, IssuedKey, Ledger, Providers, RevokedKey, UsageReport } from "./types.ts";

export interface AdminClientOptions extends Omit<HttpOptions, "key"> {
  adminKey: string;
}

const enc = encodeURIComponent;

export class AdminClient {
  private readonly http: Http;

  constructor(options: AdminClientOptions) {
    this.http = new Http({ ...options, key: options.adminKey }, "<admin key>");
  }

  get url(): string {
    return this.http.base;
  }

  teams(): Promise<{ teams: Account[] }> {
    return this.http.json("GET", "/v2/admin/teams");
  }
  createTeam(name: string, credits: string | number): Promise<CreatedTeam> {
    return this.http.json("POST", "/v2/admin/teams", { body: { name, credits } });
  }
  addCredits(teamId: string, amount: string | number): Promise<CreditsAnswer> {
    return this.http.json("POST", `/v2/admin/teams/${enc(teamId)}/credits`, { body: { amount } });
  }
  setBudget(teamId: string, monthlyBudget: string | number | null): Promise<Account> {
    return this.http.json("PUT", `/v2/admin/teams/${enc(teamId)}/budget`, { body: { monthly_budget: monthlyBudget } });
  }
  issueKey(teamId: string): Promise<IssuedKey> {
    return this.http.json("POST", `/v2/admin/teams/${enc(teamId)}/keys`);
  }
  revokeKey(teamId: string, keyPrefix: string): Promise<RevokedKey> {
    return this.http.json("DELETE", `/v2/admin/teams/${enc(teamId)}/keys/${enc(keyPrefix)}`);
  }
  usage(query: Query): Promise<UsageReport> {
    return this.http.json("GET", "/v2/admin/usage", { query: { ...query, format: "json" } });
  }
  usageCsv(query: Query): Promise<string> {
    return this.http.text("GET", "/v2/admin/usage", { query: { ...query, format: "csv" } });
  }
  ledger(teamId: string, query: Query = {}): Promise<Ledger> {
    return this.http.json("GET", `/v2/admin/teams/${enc(teamId)}/ledger`, { query });
  }
  providers(): Promise<Providers> {
    return this.http.json("GET", "/v2/admin/providers");
  }
  /** Any other admin request, typed by the caller. */
  request<T>(method: string, path: string, options: { body?: unknown; query?: Query } = {}): Promise<T> {
    return this.http.json<T>(method, path, options);
  }
}
