/**
 * What a protocol adapter (packages/providers) does for the domain: turn a unified task into
 * the upstream's request, and the upstream's answers into outcomes the task state machine
 * understands. Adapters do HTTP; the domain only sees these types.
 */
import type { Provider } from "./providers.ts";
import type { Priority, TaskType, UnifiedTask } from "./task-types.ts";

export type Solution =
  | { kind: "token"; token: string; userAgent?: string }
  | { kind: "text"; text: string }
  | { kind: "coordinates"; coordinates: { x: number; y: number }[] };

/**
 * How the router reacts to an upstream error (docs/providers.md "How the router reacts to an upstream error"):
 *  - retry:       transient (no slot, 5xx page, unparseable answer, timeout): ask again later.
 *  - cooldown:    the provider cannot serve anyone now (zero balance, key errors, bans, ERROR: 100x):
 *                 it cools down for every worker and the task moves to another provider.
 *  - unsolvable:  this provider could not solve this captcha: not charged; try the next provider.
 *  - bad_request: the task itself is wrong (page URL, site key, image size/type...): fail, refund.
 *  - rate_limited: the upstream asks the account to slow down (MAX_USER_TURN, ERROR_NO_SLOT_AVAILABLE,
 *                 ERROR: 1001-1005, HTTP 429): the account pauses for `waitSeconds` for every worker and
 *                 the task is rescheduled; it never fails a task and never counts against the provider.
 */
export type Fault = "retry" | "cooldown" | "unsolvable" | "bad_request" | "rate_limited";

export interface UpstreamError {
  fault: Fault;
  /** The upstream's own code, e.g. ERROR_ZERO_BALANCE or HTTP_502. */
  code: string;
  /**
   * One sentence in the router's own words (never the upstream's text, never the provider's
   * key): teams may see it (team-facing-error.ts decides how much).
   */
  message: string;
  /** The upstream's own words, cleaned of the key: for admins and logs only, never shown to teams. */
  detail?: string;
  /** For retry: the wait the upstream document asks for; for cooldown: how long to stay away. */
  waitSeconds?: number;
}

export type SubmitOutcome =
  | { kind: "submitted"; upstreamId: string }
  | { kind: "solved"; solution: Solution; upstreamId?: string }
  | { kind: "error"; error: UpstreamError };

export type PollOutcome =
  | { kind: "solved"; solution: Solution }
  | { kind: "not_ready" }
  | { kind: "error"; error: UpstreamError };

export type ReportOutcome = { kind: "recorded" } | { kind: "error"; error: UpstreamError };

/** The router's own balance at the upstream, in the upstream's currency (2Captcha: USD). */
export type BalanceOutcome = { kind: "balance"; amount: number; currency?: string } | { kind: "error"; error: UpstreamError };

/** What the router knows about a submit besides the task itself. */
export interface SubmitContext {
  priority: Priority;
  /** Where the upstream should POST the answer (protocols with pingback), unique to this attempt. */
  pingbackUrl?: string;
}

/** One captcha of a batched result check. */
export interface PollItem {
  upstreamId: string;
  type: TaskType;
}

/** An upstream's own limits, per provider account (docs/architecture.md "Flow control"). */
export interface UpstreamLimits {
  /** Task submissions per second, spread evenly (GCRA); unset = no pacing. */
  submitsPerSecond?: number;
}

/**
 * One upstream protocol. Each lives in its own folder of packages/providers, which owns its
 * protocol id and default pricing. What a protocol cannot do is absent, not stubbed.
 */
export interface ProviderAdapter {
  /** The protocol id providers name in the providers file (`"twocaptcha"`). */
  readonly protocol: string;
  /** The task types this protocol can carry (docs/providers.md). */
  readonly taskTypes: readonly TaskType[];
  /** The pace a provider account of this protocol keeps unless its entry says otherwise. */
  readonly defaultLimits?: UpstreamLimits;
  submit(provider: Provider, task: UnifiedTask, context?: SubmitContext): Promise<SubmitOutcome>;
  /** Absent for synchronous protocols, whose submit answers with the solution (acedata). */
  poll?(provider: Provider, upstreamId: string, type: TaskType): Promise<PollOutcome>;
  /** Many captchas of one account in one request (answers in the order asked). */
  pollMany?(provider: Provider, items: readonly PollItem[]): Promise<PollOutcome[]>;
  /** Absent for protocols that take no reports of wrong or right answers. */
  report?(provider: Provider, upstreamId: string, correct: boolean): Promise<ReportOutcome>;
  /** Registers the router's pingback address with the account; true when the upstream accepted it. */
  registerPingback?(provider: Provider, address: string): Promise<boolean>;
  /** Reads the answer a pingback carried (`code`) as this task type's solution. */
  readPingback?(type: TaskType, code: string): PollOutcome;
  /** Only where the protocol documents a balance request (balance.ts reads it periodically). */
  balance?(provider: Provider): Promise<BalanceOutcome>;
}

/** The adapters by protocol id. */
export type AdapterRegistry = Readonly<Record<string, ProviderAdapter | undefined>>;

/** The solution as the public API shows it (docs/api.md "Results and tasks"). */
export function solutionView(solution: Solution) {
  switch (solution.kind) {
    case "token":
      return solution.userAgent ? { token: solution.token, user_agent: solution.userAgent } : { token: solution.token };
    case "text":
      return { text: solution.text };
    case "coordinates":
      return { coordinates: solution.coordinates };
  }
}
