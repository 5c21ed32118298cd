/**
 * The admin CLI's commands over the admin HTTP API (docs/api.md, "Administration"), and `runCli`,
 * which parses a command line (node's util.parseArgs), runs one command and returns the exit
 * code: 0 ok, 1 the API (or the network) failed — its detail is printed —, 2 the command line
 * is wrong — the usage is printed.
 *
 * Settings: `--url` / ROUTER_URL (default http://127.0.0.1:8787) and `--admin-key` /
 * ROUTER_ADMIN_KEY. The admin key is never printed: every line written goes through a filter
 * that masks it.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { AdminClient, redact, RouterApiError as ApiError, type UsageReport } from "@solver-router/client";
import { cellText, formatSeconds, formatTime, renderPairs, renderTable, type Cell, type Column } from "./format.ts";

export const DEFAULT_URL = "http://127.0.0.1:8787";

export const EXIT_OK = 0;
export const EXIT_API_ERROR = 1;
export const EXIT_USAGE = 2;

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface CliDependencies {
  fetch?: typeof fetch;
}

/** A wrong command line: exit 2 with the message and the usage. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;
type Values = Record<string, string | boolean | undefined>;

interface CommandContext {
  api: AdminClient;
  args: string[];
  values: Values;
  json: boolean;
  out(text: string): void;
}

interface Command {
  name: string;
  /** Arguments after the command name, for the usage line. */
  synopsis: string;
  summary: string;
  /** Extra lines under the usage line in `help COMMAND`. */
  details?: string[];
  options: Options;
  positionals: string[];
  optionalPositionals?: number;
  run(c: CommandContext): Promise<void>;
}

const GLOBAL_OPTIONS: Options = {
  url: { type: "string" },
  "admin-key": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

// The API's answers are typed by @solver-router/client, from the API's own zod schemas.
type UsageFigures = UsageReport["totals"];

const GROUP_FIELDS = ["day", "task_type", "provider", "team"] as const;
const KEY_PREFIX = /^[0-9a-f]{8}$/;
const DECIMAL = /^\d+(\.\d+)?$/;

const right = (header: string): Column => ({ header, align: "right" });
const left = (header: string): Column => ({ header });

function amount(values: Values, option: string, command: string, { required = true } = {}): string | undefined {
  const value = values[option];
  if (value === undefined) {
    if (required) throw new UsageError(`--${option} is required`, command);
    return undefined;
  }
  const text = String(value).trim();
  if (!DECIMAL.test(text)) throw new UsageError(`--${option} must be a decimal number of credits, e.g. 100 or 12.5 (got "${text}")`, command);
  return text;
}

function keyPrefix(value: string, what: string, command: string): string {
  if (!KEY_PREFIX.test(value)) throw new UsageError(`${what} must be the key's first 8 characters (lowercase hex), got "${value}"`, command);
  return value;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

// ── the commands ──────────────────────────────────────────────────────────────────────
export const COMMANDS: readonly Command[] = [
  {
    name: "teams",
    synopsis: "",
    summary: "List the teams with balances and monthly budgets",
    options: {},
    positionals: [],
    async run({ api, json: asJson, out }) {
      const answer = await api.teams();
      if (asJson) return out(json(answer));
      out(
        renderTable(
          [left("TEAM_ID"), left("NAME"), right("BALANCE"), right("RESERVED"), right("BUDGET"), right("USED"), right("REMAINING"), left("RESETS_AT")],
          answer.teams.map((t) => [
            t.team_id,
            t.name,
            t.balance,
            t.reserved,
            t.monthly_budget ?? "none",
            t.budget_used,
            t.budget_remaining,
            formatTime(t.budget_resets_at),
          ]),
          { empty: "No teams." },
        ),
      );
    },
  },
  {
    name: "create-team",
    synopsis: "--name NAME [--credits C]",
    summary: "Create a team; prints its id and its API key (shown only this once)",
    details: ["--credits defaults to 0."],
    options: { name: { type: "string" }, credits: { type: "string" } },
    positionals: [],
    async run({ api, values, json: asJson, out }) {
      const name = typeof values.name === "string" ? values.name.trim() : "";
      if (!name) throw new UsageError("--name is required", "create-team");
      const credits = amount(values, "credits", "create-team", { required: false }) ?? "0";
      const team = await api.createTeam(name, credits);
      if (asJson) return out(json(team));
      out(
        renderPairs([
          ["team_id", team.team_id],
          ["name", team.name],
          ["balance", team.balance],
          ["api_key", team.api_key],
        ]),
      );
      out("The API key is shown only this once: store it now (only its hash is kept).");
    },
  },
  {
    name: "top-up",
    synopsis: "TEAM_ID --amount A",
    summary: "Add credits to a team",
    options: { amount: { type: "string" } },
    positionals: ["TEAM_ID"],
    async run({ api, args, values, json: asJson, out }) {
      const credits = amount(values, "amount", "top-up")!;
      const answer = await api.addCredits(args[0]!, credits);
      if (asJson) return out(json(answer));
      out(renderPairs(Object.entries(answer)));
    },
  },
  {
    name: "set-budget",
    synopsis: "TEAM_ID (--monthly B | --none)",
    summary: "Set a team's monthly budget in credits, or remove it",
    options: { monthly: { type: "string" }, none: { type: "boolean" } },
    positionals: ["TEAM_ID"],
    async run({ api, args, values, json: asJson, out }) {
      if ((values.monthly === undefined) === (values.none !== true)) {
        throw new UsageError("give exactly one of --monthly B or --none", "set-budget");
      }
      const monthly = values.none ? null : Number(amount(values, "monthly", "set-budget"));
      const answer = await api.setBudget(args[0]!, monthly);
      if (asJson) return out(json(answer));
      out(renderPairs(Object.entries(answer).map(([k, v]) => [k, k === "monthly_budget" && v === null ? "none" : v])));
    },
  },
  {
    name: "rotate-key",
    synopsis: "TEAM_ID [--revoke OLD_PREFIX]",
    summary: "Issue a new API key for a team and, with --revoke, revoke the old one",
    details: [
      "OLD_PREFIX is the old key's first 8 characters. The new key is printed (only this once)",
      "before the old one is revoked, so it is not lost if the revocation fails.",
    ],
    options: { revoke: { type: "string" } },
    positionals: ["TEAM_ID"],
    async run({ api, args, values, json: asJson, out }) {
      const teamId = args[0]!;
      const old = typeof values.revoke === "string" ? keyPrefix(values.revoke, "--revoke", "rotate-key") : undefined;
      const issued = await api.issueKey(teamId);
      let revokeError: ApiError | undefined;
      let revoked: string | null = null;
      if (old !== undefined) {
        if (issued.key_prefix === old) {
          // Revoking by prefix would take the new key too (a 1 in 4 billion coincidence).
          revokeError = new ApiError(`The new key also starts with ${old}; revoke the old key with revoke-key after rotating again`, 0);
        } else {
          try {
            await api.revokeKey(teamId, old);
            revoked = old;
          } catch (error) {
            if (!(error instanceof ApiError)) throw error;
            revokeError = error;
          }
        }
      }
      if (asJson) out(json({ ...issued, revoked_key_prefix: revoked }));
      else {
        out(
          renderPairs([
            ["team_id", issued.team_id],
            ["api_key", issued.api_key],
            ["key_prefix", issued.key_prefix],
            ...(old !== undefined ? ([["revoked", revoked ?? "no"]] as [string, Cell][]) : []),
          ]),
        );
        out("The new API key is shown only this once: store it now.");
      }
      if (revokeError) throw new ApiError(`New key issued, but revoking ${old} failed: ${revokeError.message}`, revokeError.status);
    },
  },
  {
    name: "revoke-key",
    synopsis: "TEAM_ID KEY_PREFIX",
    summary: "Revoke the team's key whose first 8 characters are KEY_PREFIX",
    options: {},
    positionals: ["TEAM_ID", "KEY_PREFIX"],
    async run({ api, args, json: asJson, out }) {
      const [teamId, prefix] = [args[0]!, keyPrefix(args[1]!, "KEY_PREFIX", "revoke-key")];
      const answer = await api.revokeKey(teamId, prefix);
      if (asJson) return out(json(answer));
      out(`${answer.message ?? "Key revoked"}: ${answer.key_prefix ?? prefix} (team ${answer.team_id ?? teamId})`);
    },
  },
  {
    name: "usage",
    synopsis: "[--from YYYY-MM-DD] [--to YYYY-MM-DD] [--group-by day,task_type,provider,team] [--team TEAM_ID] [--csv]",
    summary: "Usage over all teams (or one): an aligned table with totals, or CSV",
    details: ["Dates are inclusive, UTC; the server's defaults apply when omitted. --csv prints the server's CSV as it is."],
    options: {
      from: { type: "string" },
      to: { type: "string" },
      "group-by": { type: "string" },
      team: { type: "string" },
      csv: { type: "boolean" },
    },
    positionals: [],
    async run({ api, values, json: asJson, out }) {
      if (values.csv && asJson) throw new UsageError("--csv and --json exclude each other", "usage");
      let groupBy: string | undefined;
      if (typeof values["group-by"] === "string") {
        const fields = values["group-by"].split(",").map((f) => f.trim()).filter(Boolean);
        const unknown = fields.filter((f) => !(GROUP_FIELDS as readonly string[]).includes(f));
        if (unknown.length) throw new UsageError(`--group-by: unknown field ${unknown.join(", ")} (use ${GROUP_FIELDS.join(",")})`, "usage");
        groupBy = fields.join(",");
      }
      const query = {
        from: values.from as string | undefined,
        to: values.to as string | undefined,
        group_by: groupBy,
        team_id: values.team as string | undefined,
      };
      if (values.csv) {
        const csv = await api.usageCsv(query);
        return out(csv.replace(/\n$/, ""));
      }
      const report = await api.usage(query);
      if (asJson) return out(json(report));
      out(renderUsage(report));
    },
  },
  {
    name: "providers",
    synopsis: "",
    summary: "The upstream providers: enabled, cooldowns, and per task type price and figures",
    options: {},
    positionals: [],
    async run({ api, json: asJson, out }) {
      const answer = await api.providers();
      if (asJson) return out(json(answer));
      if (answer.providers.length === 0) return out("No providers configured.");
      out(
        renderTable(
          [left("PROVIDER"), left("PROTOCOL"), left("ENABLED"), left("COOLDOWN_UNTIL"), left("COOLDOWN_REASON"), right("BALANCE"), right("TASK_TYPES")],
          answer.providers.map((p) => [
            p.id,
            p.protocol,
            p.enabled,
            formatTime(p.cooldown_until),
            p.cooldown_reason,
            p.balance === undefined || p.balance === null ? null : `${p.balance}${p.balance_currency ? ` ${p.balance_currency}` : ""}`,
            Object.keys(p.tasks ?? {}).length,
          ]),
        ),
      );
      out("");
      out(
        renderTable(
          [left("PROVIDER"), left("TASK_TYPE"), right("PRICE"), right("SOLVE_S"), right("ACCURACY"), right("ATTEMPTS"), right("SOLVED")],
          answer.providers.flatMap((p) =>
            Object.entries(p.tasks ?? {}).map(([type, t]) => [
              p.id,
              type,
              t.price,
              t.solve_seconds,
              t.accuracy,
              t.observed?.attempts,
              t.observed?.solved,
            ]),
          ),
        ),
      );
    },
  },
  {
    name: "dlq-redrive",
    synopsis: "[--max N]",
    summary: "Move messages from the dead-letter queue back to the work queue (after fixing what put them there)",
    details: ["", "--max N   at most N messages in this call (1-1000, default 100); run again while messages remain"],
    options: { max: { type: "string" } },
    positionals: [],
    async run({ api, values, json: asJson, out }) {
      const max = values.max as string | undefined;
      if (max !== undefined && !/^\d+$/.test(max)) throw new UsageError("--max must be a whole number", "dlq-redrive");
      const answer = await api.request<{ moved: number; remaining: number }>("POST", "/v2/admin/dlq/redrive", {
        query: { max_messages: max },
      });
      if (asJson) return out(json(answer));
      out(`Moved ${answer.moved} message(s) back to the work queue; ${answer.remaining} left in the dead-letter queue.`);
    },
  },
];

/** The usage report as a table: group columns, the figures, then a TOTAL line. */
export function renderUsage(report: UsageReport): string {
  const groups = (Array.isArray(report.group_by) ? report.group_by : String(report.group_by ?? "").split(","))
    .map((g) => g.trim())
    .filter(Boolean)
    .map((g) => (g === "team" ? "team_id" : g));
  const figures: Column[] = [right("TASKS"), right("COMPLETED"), right("FAILED"), right("CREDITS"), right("AVG_SOLVE_S")];
  const labels: Column[] = groups.length ? groups.map((g) => left(g.toUpperCase())) : [left("")];
  const figureCells = (f: UsageFigures): Cell[] => [f.tasks, f.completed, f.failed, f.credits_used, formatSeconds(f.avg_solve_seconds)];
  const rows = report.rows.map((row) => [...(groups.length ? groups.map((g) => cellText((row as Record<string, unknown>)[g] as Cell)) : ["all"]), ...figureCells(row)]);
  const totals: UsageFigures = report.totals ?? { tasks: 0, completed: 0, failed: 0, credits_used: 0, avg_solve_seconds: null, median_solve_seconds: null };
  const totalLabel: Cell[] = ["TOTAL", ...labels.slice(1).map(() => "")];
  const table = renderTable([...labels, ...figures], rows, { footer: [[...totalLabel, ...figureCells(totals)]] });
  return `Usage ${report.from} .. ${report.to}${groups.length ? ` by ${groups.join(", ")}` : ""}\n${table}`;
}

// ── usage text ────────────────────────────────────────────────────────────────────────
const commandLine = (c: Command) => `solver-router-admin ${c.name}${c.synopsis ? ` ${c.synopsis}` : ""}`;

export function usageText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 4);
  return [
    "Usage: solver-router-admin <command> [options]      (in the repository: pnpm admin <command> ...)",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.synopsis ? `${c.synopsis}\n  ${" ".repeat(width)}  ` : ""}${c.summary}`),
    `  ${"help".padEnd(width)}  [COMMAND]`,
    `  ${" ".repeat(width)}  Show this text, or one command's`,
    "",
    "Options (every command):",
    `  --url URL          the router's base URL (env ROUTER_URL, default ${DEFAULT_URL})`,
    "  --admin-key KEY    the admin key (env ROUTER_ADMIN_KEY; prefer the env: arguments show up in ps)",
    "  --json             print the API's JSON answer instead of text",
    "  -h, --help         show help",
    "",
    "Exit codes: 0 ok, 1 the API refused or could not be reached (its detail is printed), 2 wrong command line.",
  ].join("\n");
}

export function commandUsage(name: string): string {
  const c = COMMANDS.find((x) => x.name === name);
  if (!c) return usageText();
  return [`Usage: ${commandLine(c)} [--url URL] [--json]`, "", c.summary + ".", ...(c.details ?? [])].join("\n");
}

// ── running ───────────────────────────────────────────────────────────────────────────
/** The admin key as given on the command line, found without parsing (to mask it even in parse errors). */
function adminKeyInArgv(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") break;
    if (arg === "--admin-key") return argv[i + 1];
    if (arg.startsWith("--admin-key=")) return arg.slice("--admin-key=".length);
  }
  return undefined;
}

const allOptions = (): Options => Object.assign({}, GLOBAL_OPTIONS, ...COMMANDS.map((c) => c.options));

/**
 * Runs one command line (without the node and script arguments) and resolves to the exit code.
 * Never throws; writes through `io` only.
 */
export async function runCli(argv: readonly string[], env: Record<string, string | undefined>, io: Io, deps: CliDependencies = {}): Promise<number> {
  // Everything written is filtered so that the admin key cannot appear, whatever echoes it.
  const secrets = [env.ROUTER_ADMIN_KEY, adminKeyInArgv(argv)].filter((s): s is string => typeof s === "string" && s.length >= 6);
  const mask = (text: string) => secrets.reduce((t, s) => redact(t, s), text);
  const out = (text: string) => io.stdout(mask(text) + "\n");
  const err = (text: string) => io.stderr(mask(text) + "\n");
  let asJson = argv.includes("--json");
  let commandName: string | undefined;

  try {
    // Pass 1: find the command name, tolerating anything (options of every command known).
    const loose = parseArgs({ args: [...argv], options: allOptions(), strict: false, allowPositionals: true });
    commandName = loose.positionals[0];
    if (commandName === undefined) {
      if (loose.values.help) {
        out(usageText());
        return EXIT_OK;
      }
      throw new UsageError("no command given");
    }
    if (commandName === "help") {
      const topic = loose.positionals[1];
      if (topic !== undefined && !COMMANDS.some((c) => c.name === topic)) throw new UsageError(`unknown command "${topic}"`);
      out(topic ? commandUsage(topic) : usageText());
      return EXIT_OK;
    }
    const command = COMMANDS.find((c) => c.name === commandName);
    if (!command) throw new UsageError(`unknown command "${commandName}"`);

    // Pass 2: strictly, with the global options and this command's.
    let parsed: { values: Values; positionals: string[] };
    try {
      parsed = parseArgs({ args: [...argv], options: { ...GLOBAL_OPTIONS, ...command.options }, strict: true, allowPositionals: true }) as typeof parsed;
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error), command.name);
    }
    const { values } = parsed;
    asJson = values.json === true;
    if (values.help) {
      out(commandUsage(command.name));
      return EXIT_OK;
    }
    const args = parsed.positionals.slice(1);
    const min = command.positionals.length - (command.optionalPositionals ?? 0);
    if (args.length < min) throw new UsageError(`missing ${command.positionals.slice(args.length).join(" ")}`, command.name);
    if (args.length > command.positionals.length) throw new UsageError(`unexpected argument "${args[command.positionals.length]}"`, command.name);
    if (args.some((a) => a.trim() === "")) throw new UsageError("arguments must not be empty", command.name);

    const url = (typeof values.url === "string" ? values.url : env.ROUTER_URL) || DEFAULT_URL;
    if (!/^https?:\/\/[^/\s]+/i.test(url)) throw new UsageError(`--url must be an http(s) URL, got "${url}"`, command.name);
    const adminKey = typeof values["admin-key"] === "string" ? values["admin-key"] : env.ROUTER_ADMIN_KEY;
    if (!adminKey) throw new UsageError("no admin key: set ROUTER_ADMIN_KEY or pass --admin-key", command.name);
    if (adminKey.length >= 6 && !secrets.includes(adminKey)) secrets.push(adminKey);

    const api = new AdminClient({ url, adminKey, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
    await command.run({ api, args, values, json: asJson, out });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError) {
      err(`error: ${error.message}`);
      err("");
      err(error.command ? commandUsage(error.command) : usageText());
      return EXIT_USAGE;
    }
    if (error instanceof ApiError) {
      if (asJson) err(JSON.stringify({ detail: error.detail, status: error.status }));
      else err(`error: ${error.detail}${error.status ? ` (HTTP ${error.status})` : ""}`);
      return EXIT_API_ERROR;
    }
    err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_API_ERROR;
  }
}
