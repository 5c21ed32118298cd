/**
 * The usage dashboard's browser code, bundled by esbuild into the page (../page.ts). It talks
 * to the API it is served by (/v2/account, /v2/usage, /v2/solver/tasks, and with the admin key
 * /v2/admin/teams, /v2/admin/usage and /v2/admin/providers), draws its charts as inline SVG and keeps the key in
 * sessionStorage only — never in the URL.
 *
 * Every figure carries a stable `data-testid` (and its raw value in `data-value`), which the
 * browser test (test/e2e/dashboard.test.ts) reads and compares with the API's own answers.
 */
import { ApiError, query, request, type Account, type Provider, type TaskList, type UsageReport, type UsageRow } from "./api.ts";
import { stackedBars, type DayValues } from "./chart.ts";
import { buttonById as button, byId as $, clear, h, inputById as input, selectById as select, slug } from "./dom.ts";
import { addDays, daysBetween, fmtCredits, fmtInt, fmtRate, fmtSeconds, fmtTime, isDay, today, toMicro } from "./format.ts";

const STORE = "solver-router.dashboard";
const RECENT_LIMIT = 20;
const PALETTE = ["#2f5fd0", "#e8833a", "#2a9d8f", "#c44569", "#8e6cc9", "#6a994e", "#d4a017", "#4d908e", "#b56576", "#577590"];

type Role = "team" | "admin";
type Breakdown = "task_type" | "provider" | "team";

interface Data {
  account: Account | null;
  teams: Account[];
  teamUsage?: UsageReport;
  providers: Provider[];
  byDay: Partial<Record<Breakdown, UsageReport>>;
  byGroup: Partial<Record<Breakdown, UsageReport>>;
  recent?: TaskList;
}

const state = {
  key: "",
  role: "" as Role | "",
  from: "",
  to: "",
  breakdown: "task_type" as Breakdown,
  team: "",
  recentOffset: 0,
  recentStatus: "",
  data: null as Data | null,
  seq: 0,
};

const api = <T>(path: string) => request<T>(path, state.key);
const detailOf = (err: unknown) => (err instanceof ApiError ? err.detail : "") || String(err);
const statusOf = (err: unknown) => (err instanceof ApiError ? err.status : undefined);

/** The loaded data; rendering only happens once it is there. */
function data(): Data {
  if (!state.data) throw new Error("no data loaded");
  return state.data;
}

// ── session ─────────────────────────────────────────────────────────────────────────────
function saveSession() {
  sessionStorage.setItem(STORE, JSON.stringify({ key: state.key, role: state.role }));
}

function loadSession(): { key: string; role: Role } | null {
  try {
    const v = JSON.parse(sessionStorage.getItem(STORE) || "null") as { key?: string; role?: string } | null;
    if (v && v.key && (v.role === "team" || v.role === "admin")) return { key: v.key, role: v.role };
  } catch {
    /* a damaged entry is the same as none */
  }
  return null;
}

function resetView() {
  input("to").value = today();
  input("from").value = addDays(today(), -29);
  state.team = "";
  state.breakdown = "task_type";
  state.recentOffset = 0;
  state.recentStatus = "";
  select("recent-status").value = "";
}

function showSignIn(message: string) {
  state.key = "";
  state.role = "";
  state.data = null;
  state.seq++;
  resetView();
  sessionStorage.removeItem(STORE);
  $("dash").hidden = true;
  $("signin").hidden = false;
  $("signout").hidden = true;
  $("who").textContent = "";
  $("dash").setAttribute("data-state", "signed-out");
  $("signin-error").textContent = message || "";
  input("key").value = "";
  input("key").focus();
}

function signIn(raw: string) {
  const key = raw.trim();
  const btn = button("signin-submit");
  $("signin-error").textContent = "";
  if (!key) {
    $("signin-error").textContent = "Paste a team API key or the admin key.";
    return;
  }
  btn.disabled = true;
  request("/v2/account", key)
    .then(
      (): Role => "team",
      (err: unknown) => {
        if (statusOf(err) !== 401) throw err;
        return request("/v2/admin/teams", key).then(
          (): Role => "admin",
          (err2: unknown) => {
            if (statusOf(err2) === 401) throw new ApiError(401, "That key was not accepted (401): it is neither a team API key nor the admin key.");
            throw err2;
          },
        );
      },
    )
    .then(
      (role) => {
        state.key = key;
        state.role = role;
        saveSession();
        enterDashboard();
      },
      (err: unknown) => {
        $("signin-error").textContent = detailOf(err);
      },
    )
    .then(() => {
      btn.disabled = false;
    });
}

function enterDashboard() {
  $("signin").hidden = true;
  $("dash").hidden = false;
  $("signout").hidden = false;
  $("dash").setAttribute("data-role", state.role);
  $("team-picker").hidden = state.role !== "admin";
  $("teams-section").hidden = state.role !== "admin";
  $("providers-section").hidden = state.role !== "admin";
  $("recent-section").hidden = state.role !== "team";
  input("key").value = "";
  load();
}

// ── loading ─────────────────────────────────────────────────────────────────────────────
function setStatus(status: string, message?: string) {
  $("dash").setAttribute("data-state", status);
  $("error").textContent = message || "";
}

function fail(err: unknown, seq: number) {
  if (seq !== state.seq) return;
  if (statusOf(err) === 401) {
    showSignIn("Your key was refused (401): " + ((err as ApiError).detail || "missing or invalid key") + " Sign in again.");
    return;
  }
  setStatus("error", detailOf(err));
}

function readRange(): string {
  const from = input("from").value;
  const to = input("to").value;
  if (!isDay(from) || !isDay(to)) return "Pick both dates (YYYY-MM-DD).";
  if (from > to) return "The start date is after the end date.";
  state.from = from;
  state.to = to;
  return "";
}

function load() {
  const problem = readRange();
  if (problem) {
    setStatus("error", problem);
    return;
  }
  const seq = ++state.seq;
  setStatus("loading");
  (state.role === "admin" ? loadAdmin() : loadTeam()).then(
    (loaded) => {
      if (seq !== state.seq) return;
      state.data = loaded;
      render();
      setStatus("ready");
    },
    (err: unknown) => fail(err, seq),
  );
}

function usagePath(extra: Record<string, string>): string {
  const base = state.role === "admin" ? "/v2/admin/usage" : "/v2/usage";
  const params: Record<string, string> = { from: state.from, to: state.to };
  if (state.role === "admin" && state.team) params.team_id = state.team;
  return base + query({ ...params, ...extra });
}

const recentPath = () => "/v2/solver/tasks" + query({ limit: RECENT_LIMIT, offset: state.recentOffset, status: state.recentStatus });

async function loadTeam(): Promise<Data> {
  const [account, dayType, dayProvider, byType, byProvider, recent] = await Promise.all([
    api<Account>("/v2/account"),
    api<UsageReport>(usagePath({ group_by: "day,task_type" })),
    api<UsageReport>(usagePath({ group_by: "day,provider" })),
    api<UsageReport>(usagePath({ group_by: "task_type" })),
    api<UsageReport>(usagePath({ group_by: "provider" })),
    api<TaskList>(recentPath()),
  ]);
  return { account, teams: [], providers: [], byDay: { task_type: dayType, provider: dayProvider }, byGroup: { task_type: byType, provider: byProvider }, recent };
}

async function loadAdmin(): Promise<Data> {
  const all = !state.team;
  const [teams, teamUsage, dayType, dayProvider, byType, byProvider, providers, dayTeam] = await Promise.all([
    api<{ teams?: Account[] }>("/v2/admin/teams"),
    api<UsageReport>("/v2/admin/usage" + query({ from: state.from, to: state.to, group_by: "team" })),
    api<UsageReport>(usagePath({ group_by: "day,task_type" })),
    api<UsageReport>(usagePath({ group_by: "day,provider" })),
    api<UsageReport>(usagePath({ group_by: "task_type" })),
    api<UsageReport>(usagePath({ group_by: "provider" })),
    api<{ providers?: Provider[] }>("/v2/admin/providers"),
    all ? api<UsageReport>(usagePath({ group_by: "day,team" })) : Promise.resolve(undefined),
  ]);
  const list = teams.teams || [];
  const loaded: Data = {
    account: state.team ? list.find((t) => t.team_id === state.team) || null : null,
    teams: list,
    teamUsage,
    providers: providers.providers || [],
    byDay: { task_type: dayType, provider: dayProvider },
    byGroup: { task_type: byType, provider: byProvider },
  };
  if (dayTeam) {
    loaded.byDay.team = dayTeam;
    loaded.byGroup.team = teamUsage;
  }
  return loaded;
}

function reloadRecent() {
  const seq = ++state.seq;
  setStatus("loading");
  api<TaskList>(recentPath()).then(
    (recent) => {
      if (seq !== state.seq) return;
      data().recent = recent;
      renderRecent();
      setStatus("ready");
    },
    (err: unknown) => fail(err, seq),
  );
}

// ── rendering ───────────────────────────────────────────────────────────────────────────
function figure(el: HTMLElement, text: string, raw: unknown) {
  el.textContent = text;
  el.setAttribute("data-value", raw === null || raw === undefined ? "" : String(raw));
}

function teamName(id: string): string {
  const team = state.data?.teams.find((t) => t.team_id === id);
  return team ? team.name : id;
}

function groupLabel(key: string | null | undefined): string {
  if (state.breakdown === "team") return teamName(String(key));
  return key === null || key === undefined || key === "" ? "(none)" : key;
}

function render() {
  const d = data();
  if (state.role === "team" && d.account) {
    $("who").textContent = "Team " + d.account.name + " (" + d.account.team_id + ")";
  } else {
    $("who").textContent = "Admin" + (state.team ? " · viewing " + teamName(state.team) : " · all teams");
  }
  const allTeams = state.role === "admin" && !state.team;
  if (state.breakdown === "team" && !allTeams) state.breakdown = "task_type";
  $("breakdown-team").hidden = !allTeams;
  for (const b of ["task_type", "provider", "team"] as const) $("breakdown-" + b).setAttribute("aria-pressed", String(state.breakdown === b));
  $("csv-hint").textContent = "group_by=day," + state.breakdown;

  renderTeamPicker();
  renderAccount();
  renderTotals();
  renderCharts();
  renderBreakdown();
  renderTeams();
  renderProviders();
  renderRecent();
}

const byName = (a: Account, b: Account) => String(a.name).localeCompare(String(b.name));

function renderTeamPicker() {
  if (state.role !== "admin") return;
  const sel = clear(select("team-select"));
  sel.appendChild(h("option", { value: "" }, "All teams"));
  for (const t of data().teams.slice().sort(byName)) {
    sel.appendChild(h("option", { value: t.team_id, "data-team-id": t.team_id }, t.name + " (" + t.team_id + ")"));
  }
  sel.value = state.team;
}

function renderAccount() {
  const a = data().account;
  $("account-section").hidden = !a;
  if (!a) return;
  $("account-title").textContent = state.role === "admin" ? "Team " + a.name : "Account";
  figure($("balance"), fmtCredits(a.balance), a.balance);
  figure($("reserved"), fmtCredits(a.reserved), a.reserved);
  const hasBudget = a.monthly_budget !== null && a.monthly_budget !== undefined;
  figure($("budget-monthly"), hasBudget ? fmtCredits(a.monthly_budget) : "not set", hasBudget ? a.monthly_budget : null);
  figure($("budget-used"), fmtCredits(a.budget_used), a.budget_used);
  const hasRemaining = a.budget_remaining !== null && a.budget_remaining !== undefined;
  figure($("budget-remaining"), hasRemaining ? fmtCredits(a.budget_remaining) : hasBudget ? "—" : "no limit", hasRemaining ? a.budget_remaining : null);
  $("budget-monthly-unit").hidden = !hasBudget;
  $("budget-remaining-unit").hidden = !hasRemaining;
  figure($("budget-resets"), fmtTime(a.budget_resets_at), a.budget_resets_at || null);
}

function report(kind: "byDay" | "byGroup"): UsageReport {
  const found = data()[kind][state.breakdown];
  if (!found) throw new Error(`no ${state.breakdown} report loaded`);
  return found;
}

function renderTotals() {
  const byType = data().byGroup.task_type;
  if (!byType) return;
  const t = byType.totals;
  figure($("total-tasks"), fmtInt(t.tasks), t.tasks);
  figure($("total-completed"), fmtInt(t.completed), t.completed);
  figure($("total-failed"), fmtInt(t.failed), t.failed);
  figure($("total-credits"), fmtCredits(t.credits_used), t.credits_used);
  figure($("success-rate"), fmtRate(t.completed, t.tasks), t.tasks ? t.completed / t.tasks : null);
  figure($("avg-solve-seconds"), fmtSeconds(t.avg_solve_seconds), t.avg_solve_seconds);
  figure($("median-solve-seconds"), fmtSeconds(t.median_solve_seconds), t.median_solve_seconds);
  $("range-label").textContent = state.from + " – " + state.to + " (UTC, inclusive)";
}

const keyOf = (row: UsageRow) => (state.breakdown === "team" ? row.team_id : row[state.breakdown]);

function renderCharts() {
  const usage = report("byDay");
  const days = daysBetween(state.from, state.to);
  const spend: DayValues = {};
  const count: DayValues = {};
  const keyTotals: Record<string, number> = {};
  for (const row of usage.rows) {
    const k = String(keyOf(row));
    const day = String(row.day);
    const daySpend = (spend[day] ??= {});
    const dayCount = (count[day] ??= {});
    daySpend[k] = (daySpend[k] || 0) + toMicro(row.credits_used);
    dayCount[k] = (dayCount[k] || 0) + Number(row.tasks || 0);
    keyTotals[k] = (keyTotals[k] || 0) + toMicro(row.credits_used) * 1e3 + Number(row.tasks || 0);
  }
  const keys = Object.keys(keyTotals).sort((a, b) => (keyTotals[b] ?? 0) - (keyTotals[a] ?? 0) || (a < b ? -1 : 1));
  const colors: Record<string, string> = {};
  keys.forEach((k, i) => {
    colors[k] = PALETTE[i % PALETTE.length] ?? "#2f5fd0";
  });
  const by = state.breakdown === "task_type" ? "task type" : state.breakdown;
  $("chart-spend-title").textContent = "Spend per day (credits), by " + by;
  $("chart-tasks-title").textContent = "Tasks per day, by " + by;
  stackedBars($("chart-spend"), days, keys, colors, spend, { micro: true, unit: "credits", label: groupLabel });
  stackedBars($("chart-tasks"), days, keys, colors, count, { micro: false, unit: "tasks", label: groupLabel });
}

/** A numeric table cell with its test id and raw value. */
function cell(idPrefix: string, field: string, text: string, raw: unknown) {
  return h("td", { class: "num", "data-field": field, "data-testid": idPrefix + field, "data-value": raw === null || raw === undefined ? "" : String(raw) }, text);
}

function renderBreakdown() {
  const usage = report("byGroup");
  const by = state.breakdown === "task_type" ? "Task type" : state.breakdown === "provider" ? "Provider" : "Team";
  $("breakdown-title").textContent = "By " + by.toLowerCase();
  const head = clear($("breakdown-head"));
  head.appendChild(
    h("tr", null, [
      h("th", null, by),
      h("th", { class: "num" }, "Tasks"),
      h("th", { class: "num" }, "Completed"),
      h("th", { class: "num" }, "Failed"),
      h("th", { class: "num" }, "Success %"),
      h("th", { class: "num" }, "Credits used"),
      h("th", { class: "num" }, "Avg solve (s, completed)"),
    ]),
  );
  const body = clear($("breakdown-body"));
  const rows = usage.rows.slice().sort((a, b) => toMicro(b.credits_used) - toMicro(a.credits_used) || (String(keyOf(a)) < String(keyOf(b)) ? -1 : 1));
  if (!rows.length) body.appendChild(h("tr", null, h("td", { colspan: 7, class: "empty" }, "No tasks in this range.")));
  for (const row of rows) {
    const k = String(keyOf(row));
    const id = "breakdown-" + slug(k) + "-";
    body.appendChild(
      h("tr", { "data-testid": "breakdown-row", "data-key": k }, [
        h("td", { "data-field": "key" }, groupLabel(k)),
        cell(id, "tasks", fmtInt(row.tasks), row.tasks),
        cell(id, "completed", fmtInt(row.completed), row.completed),
        cell(id, "failed", fmtInt(row.failed), row.failed),
        cell(id, "success_rate", fmtRate(row.completed, row.tasks), row.tasks ? row.completed / row.tasks : null),
        cell(id, "credits_used", fmtCredits(row.credits_used), row.credits_used),
        cell(id, "avg_solve_seconds", fmtSeconds(row.avg_solve_seconds), row.avg_solve_seconds),
      ]),
    );
  }
}

function renderTeams() {
  if (state.role !== "admin") return;
  const d = data();
  const usage: Record<string, UsageRow> = {};
  for (const r of d.teamUsage?.rows ?? []) if (r.team_id) usage[r.team_id] = r;
  const body = clear($("teams-body"));
  for (const t of d.teams.slice().sort(byName)) {
    const u = usage[t.team_id] || { tasks: 0, completed: 0, failed: 0, credits_used: 0 };
    const id = "team-" + slug(t.team_id) + "-";
    const tr = h("tr", { class: "clickable", "data-testid": "team-row", "data-team-id": t.team_id, "aria-selected": String(state.team === t.team_id), title: "Show this team" }, [
      h("td", { "data-field": "name", "data-testid": id + "name" }, t.name),
      h("td", { class: "mono", "data-field": "team_id" }, t.team_id),
      cell(id, "balance", fmtCredits(t.balance), t.balance),
      cell(id, "reserved", fmtCredits(t.reserved), t.reserved),
      cell(id, "tasks", fmtInt(u.tasks), u.tasks),
      cell(id, "completed", fmtInt(u.completed), u.completed),
      cell(id, "failed", fmtInt(u.failed), u.failed),
      cell(id, "credits_used", fmtCredits(u.credits_used), u.credits_used),
    ]);
    tr.addEventListener("click", () => selectTeam(t.team_id));
    body.appendChild(tr);
  }
  figure($("teams-count"), fmtInt(d.teams.length), d.teams.length);
}

/** The upstream accounts (GET /v2/admin/providers): cooldowns and the router's own balance there. */
function renderProviders() {
  if (state.role !== "admin") return;
  const body = clear($("providers-body"));
  for (const p of data().providers) {
    const id = "provider-" + slug(p.id) + "-";
    const known = p.balance !== null && p.balance !== undefined;
    const balance = known ? String(p.balance) + (p.balance_currency ? " " + p.balance_currency : "") : "—";
    body.appendChild(
      h("tr", { "data-testid": "provider-row", "data-provider-id": p.id }, [
        h("td", { "data-field": "id" }, p.id),
        h("td", { "data-field": "enabled" }, p.enabled ? "yes" : "no"),
        h("td", { "data-field": "cooldown_until", title: p.cooldown_reason || "" }, fmtTime(p.cooldown_until)),
        h("td", { class: "num", "data-field": "balance", "data-testid": id + "balance", "data-value": known ? p.balance : "", title: p.balance_error || "" }, balance),
        h("td", { "data-field": "balance_read_at" }, fmtTime(p.balance_read_at)),
      ]),
    );
  }
}

function renderRecent() {
  if (state.role !== "team") return;
  const r = data().recent;
  if (!r) return;
  const body = clear($("recent-body"));
  if (!r.tasks.length) body.appendChild(h("tr", null, h("td", { colspan: 5, class: "empty" }, "No tasks.")));
  for (const t of r.tasks) {
    body.appendChild(
      h("tr", { "data-testid": "recent-task-row", "data-task-id": t.task_id }, [
        h("td", { "data-field": "created_at" }, fmtTime(t.created_at)),
        h("td", { class: "mono", "data-field": "task_id" }, t.task_id),
        h("td", { "data-field": "captcha_type" }, t.captcha_type),
        h("td", { class: "status-" + slug(t.status), "data-field": "status" }, t.status),
        h("td", { class: "num", "data-field": "credits_used", "data-value": t.credits_used === null || t.credits_used === undefined ? "" : t.credits_used }, fmtCredits(t.credits_used)),
      ]),
    );
  }
  figure($("recent-total"), fmtInt(r.total), r.total);
  figure($("recent-shown"), fmtInt(r.tasks.length), r.tasks.length);
  $("recent-range").textContent = r.tasks.length ? r.offset + 1 + "–" + (r.offset + r.tasks.length) : "0";
  button("recent-prev").disabled = r.offset <= 0;
  button("recent-next").disabled = r.offset + r.tasks.length >= r.total;
}

// ── actions ─────────────────────────────────────────────────────────────────────────────
function selectTeam(id: string) {
  state.team = id || "";
  if (state.team && state.breakdown === "team") state.breakdown = "task_type";
  select("team-select").value = state.team;
  load();
}

function setBreakdown(b: Breakdown) {
  state.breakdown = b;
  if (state.data) render();
}

function downloadCsv() {
  const problem = readRange();
  if (problem) {
    setStatus("error", problem);
    return;
  }
  const btn = button("csv-download");
  const seq = state.seq;
  btn.disabled = true;
  request(usagePath({ group_by: "day," + state.breakdown, format: "csv" }), state.key, true)
    .then(
      (text) => {
        const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
        const who = state.role === "admin" ? state.team || "all-teams" : (data().account?.team_id ?? "team");
        const a = h("a", { href: url, download: "usage-" + slug(who) + "-" + state.from + "-" + state.to + ".csv", hidden: true });
        document.body.appendChild(a);
        a.click();
        setTimeout(() => {
          URL.revokeObjectURL(url);
          a.remove();
        }, 10000);
      },
      (err: unknown) => fail(err, seq),
    )
    .then(() => {
      btn.disabled = false;
    });
}

function init() {
  resetView();
  $("signin-form").addEventListener("submit", (e) => {
    e.preventDefault();
    signIn(input("key").value);
  });
  $("signout").addEventListener("click", () => showSignIn(""));
  $("range-form").addEventListener("submit", (e) => {
    e.preventDefault();
    state.recentOffset = 0;
    load();
  });
  for (const b of ["task_type", "provider", "team"] as const) $("breakdown-" + b).addEventListener("click", () => setBreakdown(b));
  select("team-select").addEventListener("change", () => selectTeam(select("team-select").value));
  $("csv-download").addEventListener("click", downloadCsv);
  select("recent-status").addEventListener("change", () => {
    state.recentStatus = select("recent-status").value;
    state.recentOffset = 0;
    reloadRecent();
  });
  $("recent-prev").addEventListener("click", () => {
    state.recentOffset = Math.max(0, state.recentOffset - RECENT_LIMIT);
    reloadRecent();
  });
  $("recent-next").addEventListener("click", () => {
    state.recentOffset += RECENT_LIMIT;
    reloadRecent();
  });
  const saved = loadSession();
  if (saved) {
    state.key = saved.key;
    state.role = saved.role;
    enterDashboard();
  } else showSignIn("");
}

init();
