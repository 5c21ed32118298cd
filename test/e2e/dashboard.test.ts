/**
 * The usage dashboard (GET /dashboard) in headless Chromium against the whole local stack:
 * every figure the page shows is read through its data-testid and compared with the API's own
 * JSON, the CSV download with /v2/usage?format=csv, and the admin view with /v2/admin/*.
 * Needs Debian's chromium (browser.ts); without it this file fails, it never skips.
 */
import { mkdir, readFile, rm, stat } from "node:fs/promises";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser.ts";
import { client, createTeam, fakeImage, startStack, waitForEnd, type Client, type LocalStack } from "./support.ts";

const RESULTS_DIR = new URL("../../test-results/", import.meta.url);
const SCREENSHOT = new URL("dashboard.png", RESULTS_DIR);
const SCREENSHOT_TEAM = new URL("dashboard-team.png", RESULTS_DIR);

type Team = Awaited<ReturnType<typeof createTeam>>;

/** A figure as the page shows it ("1,234.5" → 1234.5); "—" and words → null. */
const num = (text: string | null) => {
  const cleaned = (text ?? "").replace(/,/g, "").trim();
  return /^-?\d+(\.\d+)?$/.test(cleaned) ? Number(cleaned) : null;
};
const rate = (completed: number, tasks: number) => (tasks ? ((completed / tasks) * 100).toFixed(1) : "—");
const seconds = (value: number | null) => (value === null ? "—" : value.toFixed(2));

async function ok(api: Client, path: string) {
  const { status, body } = await api.request("GET", path);
  if (status !== 200) throw new Error(`GET ${path}: ${status} ${JSON.stringify(body)}`);
  return body;
}

async function csvText(stack: LocalStack, key: string, path: string) {
  const response = await fetch(stack.apiUrl + path, { headers: { authorization: `Bearer ${key}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
  return response.text();
}

/** Evaluates a browser-side expression (the project's tsconfig has no DOM types). */
const inPage = <T>(page: Page, expression: string) => page.evaluate(expression) as Promise<T>;
const byTestId = (page: Page, id: string) => page.getByTestId(id);
const text = async (page: Page, id: string) => (await byTestId(page, id).textContent())?.trim() ?? "";

/** Waits until the dashboard has finished its current load. */
async function ready(page: Page) {
  await page.locator('[data-testid="dashboard"][data-state="ready"]').waitFor({ state: "visible", timeout: 30_000 });
}

async function signIn(page: Page, key: string) {
  await byTestId(page, "key-input").fill(key);
  await byTestId(page, "signin-submit").click();
}

/** The chart's bar segments as "day|key" → value. */
async function segments(page: Page, chart: string) {
  const list = await page.locator(`[data-testid="${chart}"] [data-testid="bar-segment"]`).evaluateAll((els) =>
    els.map((el) => [el.getAttribute("data-day"), el.getAttribute("data-key"), el.getAttribute("data-value")] as const),
  );
  return Object.fromEntries(list.map(([day, key, value]) => [`${day}|${key}`, num(value)]));
}

/** The breakdown table as key → {field: shown text}. */
async function breakdown(page: Page) {
  const rows = await page.locator('[data-testid="breakdown-row"]').evaluateAll((trs) =>
    trs.map((tr) => [
      tr.getAttribute("data-key") ?? "",
      Object.fromEntries([...tr.querySelectorAll("td[data-field]")].map((td) => [td.getAttribute("data-field"), (td.textContent ?? "").trim()])),
    ] as const),
  );
  return Object.fromEntries(rows) as Record<string, Record<string, string>>;
}

interface Row {
  tasks: number;
  completed: number;
  failed: number;
  credits_used: number;
  avg_solve_seconds: number | null;
  [group: string]: unknown;
}

/** What the breakdown table must show for the API's rows, keyed by `field`. */
function expectedBreakdown(rows: Row[], field: string) {
  return Object.fromEntries(
    rows.map((r) => [
      String(r[field]),
      {
        tasks: String(r.tasks),
        completed: String(r.completed),
        failed: String(r.failed),
        success_rate: rate(r.completed, r.tasks),
        credits_used: r.credits_used,
        avg_solve_seconds: seconds(r.avg_solve_seconds),
      },
    ]),
  );
}

function shownBreakdown(shown: Record<string, Record<string, string>>) {
  return Object.fromEntries(
    Object.entries(shown).map(([key, cells]) => [
      key,
      {
        tasks: cells.tasks,
        completed: cells.completed,
        failed: cells.failed,
        success_rate: cells.success_rate,
        credits_used: num(cells.credits_used ?? null),
        avg_solve_seconds: cells.avg_solve_seconds,
      },
    ]),
  );
}

/** Chart segments the page must draw for day-grouped rows: tasks and spend per day and key. */
function expectedSegments(rows: Row[], field: string, value: "tasks" | "credits_used") {
  return Object.fromEntries(rows.filter((r) => r[value] > 0).map((r) => [`${r.day}|${r[field]}`, r[value]]));
}

describe("the usage dashboard in headless Chromium", () => {
  let stack: LocalStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let admin: Client;
  let alpha: Team;
  let beta: Team;
  const alphaTasks: string[] = [];
  const requests: string[] = [];
  const pageProblems: string[] = [];
  /** Why no test here can run (no Chromium, no /dashboard route): every test fails with it. */
  let blocker: Error | undefined;
  const need = () => {
    if (blocker) throw blocker;
  };

  beforeAll(async () => {
    await mkdir(RESULTS_DIR, { recursive: true });
    await Promise.all([SCREENSHOT, SCREENSHOT_TEAM].map((file) => rm(file, { force: true })));
    // Launch first: a missing Chromium fails every test with the apt line, before the stack starts.
    try {
      browser = await launchChromium();
    } catch (error) {
      blocker = error as Error;
      return;
    }
    stack = await startStack();
    const route = await fetch(`${stack.apiUrl}/dashboard`);
    if (route.status !== 200) {
      blocker = new Error(`GET /dashboard answered ${route.status}: the dashboard is not served (app.ts must call registerDashboard(app)).`);
      return;
    }
    admin = client(stack, stack.adminKey);
    alpha = await createTeam(stack, "alpha-dashboard", 50);
    beta = await createTeam(stack, "beta-dashboard", 20);
    const budget = await admin.request("PUT", `/v2/admin/teams/${alpha.teamId}/budget`, { body: { monthly_budget: 10 } });
    expect(budget.status).toBe(200);

    const submit = async (team: Team, path: string) => {
      const { status, body } = await team.api.request("POST", path, { body: { image: fakeImage() } });
      if (status !== 200) throw new Error(`submit ${path}: ${status} ${JSON.stringify(body)}`);
      return body.task_id as string;
    };
    const ids = await Promise.all([
      submit(alpha, "/v2/solver/image"),
      submit(alpha, "/v2/solver/image"),
      submit(alpha, "/v2/solver/image"),
      submit(alpha, "/v2/solver/coordinates"),
      submit(alpha, "/v2/solver/coordinates"),
    ]);
    alphaTasks.push(...ids);
    const betaTask = await submit(beta, "/v2/solver/image");
    await Promise.all([...ids.map((id) => waitForEnd(alpha.api, id)), waitForEnd(beta.api, betaTask)]);

    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on("request", (request) => requests.push(request.url()));
    page.on("pageerror", (error) => pageProblems.push(`pageerror: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error" && !/status of 401/.test(message.text())) pageProblems.push(`console: ${message.text()}`);
    });
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await stack?.stop();
  });

  it("serves one self-contained HTML page with a strict Content-Security-Policy", async () => {
    need();
    const response = await page.goto(`${stack.apiUrl}/dashboard`);
    expect(response?.status(), "GET /dashboard (is registerDashboard(app) called in app.ts?)").toBe(200);
    expect(response?.headers()["content-type"]).toMatch(/^text\/html/);
    const csp = response?.headers()["content-security-policy"] ?? "";
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("default-src 'none'");
    await expect(byTestId(page, "signin").isVisible()).resolves.toBe(true);
    // a key that is neither a team's nor the admin's stays on the sign-in form, with a message
    await signIn(page, "0".repeat(32));
    await expect.poll(() => text(page, "signin-error")).toMatch(/not accepted/);
    expect(await byTestId(page, "dashboard").isVisible()).toBe(false);
  });

  it("shows a team exactly what the API says: account, totals, breakdowns, charts, recent tasks", async () => {
    need();
    await signIn(page, alpha.apiKey);
    await ready(page);
    expect(page.url()).not.toContain(alpha.apiKey);
    const stored = await inPage<{ session: string; local: number; cookie: string }>(
      page,
      "({ session: JSON.stringify({ ...sessionStorage }), local: localStorage.length, cookie: document.cookie })",
    );
    expect(stored.session).toContain(alpha.apiKey);
    expect(stored).toMatchObject({ local: 0, cookie: "" });
    expect(await text(page, "signed-in-as")).toContain(alpha.teamId);

    const from = await byTestId(page, "from").inputValue();
    const to = await byTestId(page, "to").inputValue();
    const today = new Date().toISOString().slice(0, 10);
    expect(to).toBe(today);
    expect(Date.parse(to) - Date.parse(from)).toBe(29 * 86_400_000);
    const range = `from=${from}&to=${to}`;
    const [account, byType, byProvider, byDayType, byDayProvider, recent] = await Promise.all([
      ok(alpha.api, "/v2/account"),
      ok(alpha.api, `/v2/usage?${range}&group_by=task_type`),
      ok(alpha.api, `/v2/usage?${range}&group_by=provider`),
      ok(alpha.api, `/v2/usage?${range}&group_by=day,task_type`),
      ok(alpha.api, `/v2/usage?${range}&group_by=day,provider`),
      ok(alpha.api, "/v2/solver/tasks?limit=20"),
    ]);

    // the stack did what the test asked: 3 image-to-text and 2 coordinates tasks, all ended
    expect(byType.totals.tasks).toBe(5);
    expect(byType.totals.completed + byType.totals.failed).toBe(5);
    expect(byType.rows.map((r: Row) => [r.task_type, r.tasks])).toEqual(
      expect.arrayContaining([
        ["ImageToTextTask", 3],
        ["CoordinatesTask", 2],
      ]),
    );

    // account and budget
    expect(num(await text(page, "balance"))).toBe(account.balance);
    expect(num(await text(page, "reserved"))).toBe(account.reserved);
    expect(account.monthly_budget).toBe(10);
    expect(num(await text(page, "budget-monthly"))).toBe(account.monthly_budget);
    expect(num(await text(page, "budget-used"))).toBe(account.budget_used);
    expect(num(await text(page, "budget-remaining"))).toBe(account.budget_remaining);
    expect(await byTestId(page, "budget-resets").getAttribute("data-value")).toBe(account.budget_resets_at);

    // totals
    const totals = byType.totals;
    expect(num(await text(page, "total-tasks"))).toBe(totals.tasks);
    expect(num(await text(page, "total-completed"))).toBe(totals.completed);
    expect(num(await text(page, "total-failed"))).toBe(totals.failed);
    expect(num(await text(page, "total-credits"))).toBe(totals.credits_used);
    expect(await text(page, "success-rate")).toBe(rate(totals.completed, totals.tasks));
    expect(await text(page, "avg-solve-seconds")).toBe(seconds(totals.avg_solve_seconds));
    expect(totals.median_solve_seconds).toEqual(expect.any(Number));
    expect(await text(page, "median-solve-seconds")).toBe(seconds(totals.median_solve_seconds));

    // per task type (the default breakdown): table and both charts
    expect(shownBreakdown(await breakdown(page))).toEqual(expectedBreakdown(byType.rows, "task_type"));
    expect(num(await text(page, "breakdown-ImageToTextTask-tasks"))).toBe(3);
    expect(num(await text(page, "breakdown-CoordinatesTask-tasks"))).toBe(2);
    expect(await segments(page, "chart-tasks")).toEqual(expectedSegments(byDayType.rows, "task_type", "tasks"));
    expect(await segments(page, "chart-spend")).toEqual(expectedSegments(byDayType.rows, "task_type", "credits_used"));
    expect(Object.keys(await segments(page, "chart-tasks"))).toEqual(
      expect.arrayContaining([`${today}|ImageToTextTask`, `${today}|CoordinatesTask`]),
    );

    // recent tasks: the API's list, in its order (newest first)
    expect(num(await text(page, "recent-total"))).toBe(recent.total);
    const shownIds = await page.locator('[data-testid="recent-task-row"]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-task-id")));
    expect(shownIds).toEqual(recent.tasks.map((t: { task_id: string }) => t.task_id));
    expect(shownIds).toHaveLength(5);
    expect([...shownIds].sort()).toEqual([...alphaTasks].sort());
    expect(num(await text(page, "recent-shown"))).toBe(5);

    // CSV of what is on screen (group_by=day,task_type), through a Blob download
    expect(await text(page, "csv-hint")).toBe("group_by=day,task_type");
    const [download] = await Promise.all([page.waitForEvent("download"), byTestId(page, "csv-download").click()]);
    expect(download.suggestedFilename()).toBe(`usage-${alpha.teamId}-${from}-${to}.csv`);
    const downloaded = await readFile((await download.path())!, "utf8");
    const csv = await csvText(stack, alpha.apiKey, `/v2/usage?${range}&group_by=day,task_type&format=csv`);
    expect(downloaded).toBe(csv);
    expect(downloaded.trim().split("\n")).toHaveLength(1 + byDayType.rows.length);

    await page.screenshot({ path: SCREENSHOT_TEAM.pathname, fullPage: true });

    // the provider toggle: the same figures broken down by provider
    await byTestId(page, "breakdown-provider").click();
    expect(await byTestId(page, "breakdown-provider").getAttribute("aria-pressed")).toBe("true");
    expect(shownBreakdown(await breakdown(page))).toEqual(expectedBreakdown(byProvider.rows, "provider"));
    expect(await segments(page, "chart-tasks")).toEqual(expectedSegments(byDayProvider.rows, "provider", "tasks"));
    expect(await segments(page, "chart-spend")).toEqual(expectedSegments(byDayProvider.rows, "provider", "credits_used"));
    expect(await text(page, "csv-hint")).toBe("group_by=day,provider");

    // a narrower range that holds no tasks: everything drops to zero, from the API again
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await byTestId(page, "from").fill(from);
    await byTestId(page, "to").fill(yesterday);
    await byTestId(page, "apply-range").click();
    await ready(page);
    const empty = await ok(alpha.api, `/v2/usage?from=${from}&to=${yesterday}&group_by=task_type`);
    expect(num(await text(page, "total-tasks"))).toBe(empty.totals.tasks);
    expect(await page.locator('[data-testid="chart-tasks"] [data-testid="bar-segment"]').count()).toBe(0);
  });

  it("shows the admin every team, all-teams usage and one team at a time", async () => {
    need();
    await byTestId(page, "signout").click();
    await byTestId(page, "signin").waitFor({ state: "visible" });
    expect(await inPage<number>(page, "sessionStorage.length")).toBe(0);
    // The stack reads the upstream balances once at start: wait for that before the page loads.
    for (const started = Date.now(); ; ) {
      const listed = (await ok(admin, "/v2/admin/providers")).providers as { id: string; balance_read_at: string | null }[];
      if (listed.find((p) => p.id === "2captcha")?.balance_read_at) break;
      if (Date.now() - started > 20_000) throw new Error("the 2captcha balance was never read");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await signIn(page, stack.adminKey);
    await ready(page);
    expect(await byTestId(page, "dashboard").getAttribute("data-role")).toBe("admin");
    expect(page.url()).not.toContain(stack.adminKey);

    const from = await byTestId(page, "from").inputValue();
    const to = await byTestId(page, "to").inputValue();
    const range = `from=${from}&to=${to}`;
    const [teams, byTeam, byType] = await Promise.all([
      ok(admin, "/v2/admin/teams"),
      ok(admin, `/v2/admin/usage?${range}&group_by=team`),
      ok(admin, `/v2/admin/usage?${range}&group_by=task_type`),
    ]);

    // the teams table: both teams (and the stack's demo team), balances and usage from the API
    const rows = await page.locator('[data-testid="team-row"]').evaluateAll((trs) =>
      trs.map((tr) => ({
        team_id: tr.getAttribute("data-team-id"),
        ...Object.fromEntries([...tr.querySelectorAll("td[data-field]")].map((td) => [td.getAttribute("data-field"), (td.textContent ?? "").trim()])),
      })),
    );
    expect(rows.map((r) => r.team_id).sort()).toEqual(teams.teams.map((t: { team_id: string }) => t.team_id).sort());
    expect(rows.map((r) => r.team_id)).toEqual(expect.arrayContaining([alpha.teamId, beta.teamId]));
    expect(num(await text(page, "teams-count"))).toBe(teams.teams.length);
    for (const team of teams.teams as { team_id: string; name: string; balance: number; reserved: number }[]) {
      const row = rows.find((r) => r.team_id === team.team_id)! as Record<string, string>;
      const usage = (byTeam.rows as Row[]).find((r) => r.team_id === team.team_id);
      expect(row.name).toBe(team.name);
      expect(num(row.balance!)).toBe(team.balance);
      expect(num(row.reserved!)).toBe(team.reserved);
      expect(num(row.tasks!)).toBe(usage?.tasks ?? 0);
      expect(num(row.credits_used!)).toBe(usage?.credits_used ?? 0);
    }
    expect((byTeam.rows as Row[]).find((r) => r.team_id === beta.teamId)?.tasks).toBe(1);

    // the providers table: the upstream balances GET /v2/admin/providers shows
    const providers = (await ok(admin, "/v2/admin/providers")).providers as { id: string; balance: number | null; balance_currency: string | null }[];
    const providerRows = await page.locator('[data-testid="provider-row"]').evaluateAll((trs) =>
      trs.map((tr) => ({
        id: tr.getAttribute("data-provider-id"),
        balance: (tr.querySelector('td[data-field="balance"]')?.textContent ?? "").trim(),
      })),
    );
    expect(providerRows.map((r) => r.id)).toEqual(providers.map((p) => p.id));
    for (const p of providers) {
      const shown = providerRows.find((r) => r.id === p.id)!.balance;
      expect(shown, p.id).toBe(p.balance === null ? "—" : `${p.balance}${p.balance_currency ? ` ${p.balance_currency}` : ""}`);
    }
    expect(providers.find((p) => p.id === "2captcha")?.balance).toBe(100);
    expect(num(await text(page, `team-${beta.teamId}-tasks`))).toBe(1);
    expect(num(await text(page, `team-${alpha.teamId}-tasks`))).toBe(5);

    // all-teams totals and per-type table
    expect(num(await text(page, "total-tasks"))).toBe(byType.totals.tasks);
    expect(num(await text(page, "total-credits"))).toBe(byType.totals.credits_used);
    expect(shownBreakdown(await breakdown(page))).toEqual(expectedBreakdown(byType.rows, "task_type"));

    // broken down by team: one stack per team in the charts, and the by-team table
    await byTestId(page, "breakdown-team").click();
    const byDayTeam = await ok(admin, `/v2/admin/usage?${range}&group_by=day,team`);
    expect(await segments(page, "chart-tasks")).toEqual(expectedSegments(byDayTeam.rows, "team_id", "tasks"));
    expect(shownBreakdown(await breakdown(page))).toEqual(expectedBreakdown(byTeam.rows, "team_id"));
    const legend = await page.locator('[data-testid="chart-tasks"] [data-testid="legend-item"]').evaluateAll((els) => els.map((el) => el.getAttribute("data-key")));
    expect(legend).toEqual(expect.arrayContaining([alpha.teamId, beta.teamId]));

    await page.screenshot({ path: SCREENSHOT.pathname, fullPage: true });

    // admin CSV follows the view: all teams, group_by=day,team
    const [download] = await Promise.all([page.waitForEvent("download"), byTestId(page, "csv-download").click()]);
    expect(await readFile((await download.path())!, "utf8")).toBe(await csvText(stack, stack.adminKey, `/v2/admin/usage?${range}&group_by=day,team&format=csv`));

    // one team: the selector filters every figure to that team
    await byTestId(page, "team-select").selectOption(beta.teamId);
    await ready(page);
    const [betaAccount, betaUsage] = await Promise.all([ok(beta.api, "/v2/account"), ok(beta.api, `/v2/usage?${range}&group_by=task_type`)]);
    expect(num(await text(page, "balance"))).toBe(betaAccount.balance);
    expect(num(await text(page, "total-tasks"))).toBe(betaUsage.totals.tasks);
    expect(num(await text(page, "total-credits"))).toBe(betaUsage.totals.credits_used);
    expect(shownBreakdown(await breakdown(page))).toEqual(expectedBreakdown(betaUsage.rows, "task_type"));
    expect(await byTestId(page, "breakdown-team").isVisible()).toBe(false);
  });

  it("sends a team whose key stops working back to the sign-in form with a message", async () => {
    need();
    await byTestId(page, "signout").click();
    await signIn(page, beta.apiKey);
    await ready(page);
    // give beta a second key, then revoke the one the page holds
    expect((await admin.request("POST", `/v2/admin/teams/${beta.teamId}/keys`)).status).toBe(200);
    expect((await admin.request("DELETE", `/v2/admin/teams/${beta.teamId}/keys/${beta.apiKey.slice(0, 8)}`)).status).toBe(200);
    await byTestId(page, "apply-range").click();
    await byTestId(page, "signin").waitFor({ state: "visible" });
    expect(await text(page, "signin-error")).toMatch(/401/);
    expect(await inPage<number>(page, "sessionStorage.length")).toBe(0);
  });

  it("made no request to any other origin and raised no page errors", async () => {
    need();
    expect(requests.length).toBeGreaterThan(0);
    const foreign = requests.filter((url) => !url.startsWith(`${stack.apiUrl}/`) && !url.startsWith("blob:") && !url.startsWith("data:"));
    expect(foreign).toEqual([]);
    expect(pageProblems).toEqual([]);
  });

  it("saved non-empty screenshots", async () => {
    need();
    for (const file of [SCREENSHOT, SCREENSHOT_TEAM]) expect((await stat(file)).size).toBeGreaterThan(10_000);
  });
});
