/** Response and parameter schemas of the public API, for validation and the OpenAPI document. */
import { z } from "@hono/zod-openapi";
import { TASK_STATUSES, TASK_TYPES } from "@solver-router/core";

export const ErrorSchema = z.object({ detail: z.string() }).openapi("Error");

export const SubmitAnswerSchema = z
  .object({
    task_id: z.string(),
    status: z.enum(TASK_STATUSES),
    estimated_time: z.number(),
    message: z.string(),
  })
  .openapi("SubmitAnswer");

const Coordinates = z.array(z.object({ x: z.number(), y: z.number() }));

export const ResultSchema = z
  .object({
    task_id: z.string(),
    status: z.enum(TASK_STATUSES),
    captcha_type: z.enum(TASK_TYPES),
    solution: z
      .union([
        z.object({ token: z.string(), user_agent: z.string().optional() }),
        z.object({ text: z.string() }),
        z.object({ coordinates: Coordinates }),
      ])
      .nullable(),
    coordinates: Coordinates.nullable(),
    verify: z.string().nullable(),
    bounding_box: z.null(),
    processing_time: z.number().nullable(),
    credits_used: z.number().nullable(),
    error: z.string().nullable(),
    refunded: z.number().nullable().openapi({ description: "Credits given back after a reportbad the upstream accepted" }),
    provider: z.string().nullable(),
    routing: z.string(),
    priority: z.enum(["speed", "balanced", "accuracy"]),
    attempts: z.array(
      z.object({
        provider: z.string(),
        state: z.string(),
        started_at: z.string(),
        ended_at: z.string().nullable(),
        result_requests: z.number(),
        error: z.string().nullable(),
      }),
    ),
    created_at: z.string(),
    completed_at: z.string().nullable(),
    report: z.enum(["good", "bad"]).nullable(),
  })
  .openapi("TaskResult");

export const TaskListSchema = z
  .object({
    total: z.number(),
    limit: z.number(),
    offset: z.number(),
    next_cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page (older tasks); null on the last page" }),
    tasks: z.array(
      z.object({
        task_id: z.string(),
        status: z.enum(TASK_STATUSES),
        captcha_type: z.enum(TASK_TYPES),
        credits_used: z.number().nullable(),
        created_at: z.string(),
      }),
    ),
  })
  .openapi("TaskList");

/** Beyond this, page with `cursor` (an offset costs reading every task it skips). */
export const MAX_LIST_OFFSET = 1000;

export const ListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  offset: z.coerce.number().int().min(0).max(MAX_LIST_OFFSET, `must be at most ${MAX_LIST_OFFSET}; page further with cursor`).default(0),
  cursor: z.string().regex(/^[A-Za-z0-9_-]{1,200}$/, "must be a next_cursor this API returned").optional(),
  status: z.enum(TASK_STATUSES).optional(),
});

export const TaskIdParams = z.object({ task_id: z.string().min(1).max(64) });
export const TeamIdParams = z.object({ team_id: z.string().min(1).max(64) });

export const MessageSchema = z.object({ message: z.string(), task_id: z.string() });

export const ReportBodySchema = z.object({ correct: z.boolean() });
export const ReportAnswerSchema = z.object({
  message: z.string(),
  task_id: z.string(),
  correct: z.boolean(),
  upstream: z.enum(["recorded", "not_supported", "failed", "not_forwarded"]).openapi({
    description: "What the provider answered; not_forwarded: over the team's bad-report cap, kept for statistics only",
  }),
  refunded: z.number().openapi({ description: "Credits given back (a reportbad the upstream accepted refunds the charge)" }),
  forwarded: z.boolean().openapi({ description: "Whether the report was sent to the provider" }),
  capped: z.boolean().openapi({
    description: "True when the team's bad reports over the last 24 hours reached max(5, 20% of its solved tasks): not forwarded, not refunded",
  }),
});

export const PricingSchema = z
  .object({
    pricing: z.array(
      z.object({ task_type: z.enum(TASK_TYPES), speed: z.number().nullable(), balanced: z.number().nullable(), accuracy: z.number().nullable() }),
    ),
    note: z.string(),
  })
  .openapi("Pricing");

export const AccountSchema = z
  .object({
    team_id: z.string(),
    name: z.string(),
    balance: z.number().openapi({ description: "What the team can still spend (reservations already taken off)" }),
    reserved: z.number().openapi({ description: "What unfinished tasks hold" }),
    monthly_budget: z.number().nullable().openapi({ description: "Cap per UTC calendar month, or null" }),
    budget_used: z.number().openapi({ description: "Reserved + charged by this month's tasks" }),
    budget_remaining: z.number().nullable(),
    budget_resets_at: z.string().openapi({ description: "First instant of next month, UTC" }),
    suspended: z.boolean().openapi({ description: "A suspended team's keys are refused (POST /v2/admin/teams/{id}/suspend)" }),
  })
  .openapi("Account");

export const BudgetBodySchema = z.object({
  monthly_budget: z.union([z.number(), z.string()]).nullable().openapi({ description: "Credits per month; null removes the cap" }),
});

export const UsageQuerySchema = z.object({
  from: z.string().optional().openapi({ description: "First day, YYYY-MM-DD (UTC), inclusive; default: 29 days before `to`" }),
  to: z.string().optional().openapi({ description: "Last day, YYYY-MM-DD (UTC), inclusive; default: today" }),
  group_by: z.string().optional().openapi({ description: "Comma-separated: day, task_type, provider (and team for admins); default day" }),
  format: z.enum(["json", "csv"]).optional(),
});
export const AdminUsageQuerySchema = UsageQuerySchema.extend({ team_id: z.string().max(64).optional() });

const UsageFigures = {
  tasks: z.number(),
  completed: z.number(),
  failed: z.number(),
  credits_used: z.number(),
  avg_solve_seconds: z.number().nullable(),
  median_solve_seconds: z.number().nullable().openapi({ description: "Median time to an answer of completed tasks, interpolated within solve-time buckets" }),
};
export const UsageReportSchema = z
  .object({
    team_id: z.string().nullable(),
    from: z.string(),
    to: z.string(),
    group_by: z.array(z.string()),
    rows: z.array(
      z.object({ day: z.string().optional(), task_type: z.string().optional(), provider: z.string().optional(), team_id: z.string().optional(), ...UsageFigures }),
    ),
    totals: z.object(UsageFigures),
  })
  .openapi("UsageReport");

const credits = z.union([z.number(), z.string()]);
export const CreateTeamBodySchema = z.object({ name: z.string().trim().min(1).max(200), credits: credits.default(0) });
export const CreditsBodySchema = z.object({ amount: credits });

export const LedgerQuerySchema = z.object({
  from: z.string().optional().openapi({ description: "First day, YYYY-MM-DD (UTC), inclusive; default: 29 days before `to`" }),
  to: z.string().optional().openapi({ description: "Last day, YYYY-MM-DD (UTC), inclusive; default: today" }),
});

export const LedgerSchema = z
  .object({
    team_id: z.string(),
    from: z.string(),
    to: z.string(),
    entries: z.array(
      z.object({
        at: z.string(),
        kind: z.enum(["credit", "charge", "refund"]),
        amount: z.number().openapi({ description: "Signed credits: credits and refunds positive, charges negative" }),
        task_id: z.string().nullable(),
        task_type: z.string().nullable(),
        provider: z.string().nullable(),
      }),
    ),
    totals: z.object({ credits: z.number(), charges: z.number(), refunds: z.number() }),
    truncated: z.boolean(),
  })
  .openapi("Ledger");

// ── administration answers (named so the typed client and the admin CLI share them) ─────
export const CreatedTeamSchema = z.object({ team_id: z.string(), name: z.string(), api_key: z.string(), balance: z.number(), callback_secret: z.string() }).openapi("CreatedTeam");
export const CreditsAnswerSchema = z.object({ team_id: z.string(), balance: z.number(), reserved: z.number() }).openapi("CreditsAnswer");
export const IssuedKeySchema = z.object({ team_id: z.string(), api_key: z.string(), key_prefix: z.string() }).openapi("IssuedKey");
export const RevokedKeySchema = z.object({ message: z.string(), team_id: z.string(), key_prefix: z.string() }).openapi("RevokedKey");
/** Providers with the fields every entry has; more fields may be added (loose objects). */
export const ProvidersSchema = z
  .object({
    providers: z.array(
      z.looseObject({
        id: z.string(),
        protocol: z.string(),
        enabled: z.boolean(),
        cooldown_until: z.string().nullable(),
        cooldown_reason: z.string().nullable(),
        tasks: z.record(
          z.string(),
          z.looseObject({
            price: z.number().optional(),
            solve_seconds: z.number().optional(),
            accuracy: z.number().optional(),
            observed: z.looseObject({ attempts: z.number().optional(), solved: z.number().optional() }).optional(),
          }),
        ),
      }),
    ),
  })
  .openapi("Providers");
