/**
 * The API's request and answer types, inferred from the zod schemas that validate requests and
 * produce /v2/openapi.json (packages/functions/src/api/schemas.ts, packages/core/src/task-types.ts):
 * the client keeps no copy of any shape. Type-only imports: nothing of the server is loaded.
 */
import type { TASK_FIELD_SCHEMAS, Priority, TaskType } from "@solver-router/core";
import type {
  AccountSchema,
  CreatedTeamSchema,
  CreditsAnswerSchema,
  IssuedKeySchema,
  LedgerSchema,
  ProvidersSchema,
  ReportAnswerSchema,
  ResultSchema,
  RevokedKeySchema,
  SubmitAnswerSchema,
  TaskListSchema,
  UsageReportSchema,
} from "@solver-router/functions/api-schemas";
import type { z } from "zod";

export type { Priority, TaskType };

/** A task to submit: its `type` and that type's fields (packages/core/src/task-types.ts). */
export type Task = { [T in TaskType]: { type: T } & z.input<(typeof TASK_FIELD_SCHEMAS)[T]> }[TaskType];

export type SubmitAnswer = z.output<typeof SubmitAnswerSchema>;
export type TaskResult = z.output<typeof ResultSchema>;
export type TaskList = z.output<typeof TaskListSchema>;
export type ReportAnswer = z.output<typeof ReportAnswerSchema>;
export type Account = z.output<typeof AccountSchema>;
export type UsageReport = z.output<typeof UsageReportSchema>;
export type Ledger = z.output<typeof LedgerSchema>;
export type CreatedTeam = z.output<typeof CreatedTeamSchema>;
export type CreditsAnswer = z.output<typeof CreditsAnswerSchema>;
export type IssuedKey = z.output<typeof IssuedKeySchema>;
export type RevokedKey = z.output<typeof RevokedKeySchema>;
export type Providers = z.output<typeof ProvidersSchema>;
export type ProviderRow = Providers["providers"][number];
