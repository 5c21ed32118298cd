/**
 * The usage dashboard: one self-contained HTML page (inline CSS and JS, no request to any
 * other origin). Its script is the browser code in ./browser, bundled by esbuild into
 * ./script.generated.ts (`pnpm build:dashboard`) together with its SHA-256.
 *
 * The script and the style are hashed into the Content-Security-Policy, so the page runs with
 * `script-src 'sha256-…'` and `connect-src 'self'`: inline handlers and third-party requests
 * are refused by the browser. Keep the style free of backticks and `${`.
 */
import { createHash } from "node:crypto";
import { DASHBOARD_SCRIPT, DASHBOARD_SCRIPT_SHA256 } from "./script.generated.ts";

const STYLE = String.raw`
:root { --fg:#1d2330; --muted:#5d6778; --line:#dfe3ea; --bg:#f5f7fa; --card:#fff; --accent:#2f5fd0; --bad:#b3261e; --ok:#1b7f3b; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; align-items:center; gap:16px; padding:12px 24px; background:#1d2330; color:#fff; }
header h1 { font-size:16px; margin:0; font-weight:600; }
header .who { margin-left:auto; font-size:13px; color:#cfd6e4; }
header button { background:transparent; color:#fff; border:1px solid #6b7590; }
main { max-width:1180px; margin:0 auto; padding:20px 24px 48px; }
section { margin-bottom:20px; }
h2 { font-size:15px; margin:0 0 10px; }
.panel { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:16px; }
.signin { max-width:460px; margin:60px auto; }
.signin label { display:block; font-weight:600; margin-bottom:6px; }
.signin input { width:100%; padding:8px 10px; font:inherit; font-family:ui-monospace,monospace; border:1px solid var(--line); border-radius:6px; }
.signin p { color:var(--muted); font-size:13px; }
button { font:inherit; padding:6px 12px; border-radius:6px; border:1px solid var(--line); background:#fff; cursor:pointer; }
button.primary { background:var(--accent); border-color:var(--accent); color:#fff; }
button[aria-pressed="true"] { background:var(--accent); border-color:var(--accent); color:#fff; }
button:disabled { opacity:.5; cursor:default; }
.msg { margin:10px 0 0; padding:8px 10px; border-radius:6px; background:#fdecea; color:var(--bad); }
.msg:empty { display:none; }
.toolbar { display:flex; flex-wrap:wrap; align-items:end; gap:14px; }
.toolbar label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); gap:2px; }
.toolbar select { max-width:280px; }
.toolbar input, .toolbar select { font:inherit; padding:5px 8px; border:1px solid var(--line); border-radius:6px; background:#fff; }
.toolbar .group { display:flex; gap:4px; align-items:center; }
.toolbar .spacer { flex:1; }
.cards { display:grid; grid-template-columns:repeat(auto-fill,minmax(130px,1fr)); gap:12px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 14px; }
.card .label { font-size:12px; color:var(--muted); }
.card .value { font-size:20px; font-weight:600; margin-top:2px; font-variant-numeric:tabular-nums; }
.card .unit { font-size:12px; color:var(--muted); margin-left:3px; }
.card .note { font-size:11px; color:var(--muted); margin-top:2px; }
.charts { display:grid; grid-template-columns:1fr 1fr; gap:12px; }
@media (max-width:900px) { .charts { grid-template-columns:1fr; } }
.chart svg.plot { width:100%; height:auto; display:block; }
.legend { display:flex; flex-wrap:wrap; gap:4px 14px; margin-top:6px; font-size:12px; color:var(--muted); }
.legend span { display:inline-flex; align-items:center; gap:5px; white-space:nowrap; }
.legend svg { width:10px; height:10px; flex:none; }
.empty { color:var(--muted); font-size:13px; padding:20px 0; text-align:center; }
table { width:100%; border-collapse:collapse; font-variant-numeric:tabular-nums; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); white-space:nowrap; }
th { font-size:12px; color:var(--muted); font-weight:600; }
td.num, th.num { text-align:right; }
td.mono { font-family:ui-monospace,monospace; font-size:12px; }
tr.clickable { cursor:pointer; }
tr.clickable:hover td { background:#f0f4fc; }
.status-completed { color:var(--ok); }
.status-failed { color:var(--bad); }
.pager { display:flex; gap:8px; align-items:center; margin-top:8px; font-size:12px; color:var(--muted); }
.hint { font-size:12px; color:var(--muted); }
[hidden] { display:none !important; }
`;


const BODY = `
<header>
  <h1>solver-router · usage</h1>
  <span class="who" id="who" data-testid="signed-in-as"></span>
  <button type="button" id="signout" data-testid="signout" hidden>Sign out</button>
</header>

<div class="signin panel" id="signin" data-testid="signin" hidden>
  <form id="signin-form" autocomplete="off" novalidate>
    <label for="key">API key</label>
    <input id="key" type="password" autocomplete="off" spellcheck="false" data-testid="key-input" placeholder="a team API key, or the admin key">
    <p>The key stays in this browser tab (sessionStorage) and is sent only in the Authorization header to this API.</p>
    <button type="submit" class="primary" id="signin-submit" data-testid="signin-submit">Sign in</button>
    <div class="msg" id="signin-error" data-testid="signin-error" role="alert"></div>
  </form>
</div>

<main id="dash" data-testid="dashboard" data-state="signed-out" hidden>
  <section class="panel">
    <form id="range-form" class="toolbar" novalidate>
      <label>From <input type="date" id="from" data-testid="from" required></label>
      <label>To <input type="date" id="to" data-testid="to" required></label>
      <button type="submit" class="primary" data-testid="apply-range">Apply</button>
      <label id="team-picker" hidden>Team <select id="team-select" data-testid="team-select"></select></label>
      <div class="group" role="group" aria-label="Break charts down by">
        <span class="hint">Break down by</span>
        <button type="button" id="breakdown-task_type" data-testid="breakdown-task_type" aria-pressed="true">Task type</button>
        <button type="button" id="breakdown-provider" data-testid="breakdown-provider" aria-pressed="false">Provider</button>
        <button type="button" id="breakdown-team" data-testid="breakdown-team" aria-pressed="false" hidden>Team</button>
      </div>
      <span class="spacer"></span>
      <div class="group">
        <button type="button" id="csv-download" data-testid="csv-download">Download CSV</button>
        <span class="hint" id="csv-hint" data-testid="csv-hint"></span>
      </div>
    </form>
    <div class="msg" id="error" data-testid="error" role="alert"></div>
  </section>

  <section id="account-section" hidden>
    <h2 id="account-title">Account</h2>
    <div class="cards">
      <div class="card"><div class="label">Balance</div><div class="value"><span id="balance" data-testid="balance"></span><span class="unit">credits</span></div><div class="note">what can still be spent</div></div>
      <div class="card"><div class="label">Reserved</div><div class="value"><span id="reserved" data-testid="reserved"></span><span class="unit">credits</span></div><div class="note">held by unfinished tasks</div></div>
      <div class="card"><div class="label">Monthly budget</div><div class="value"><span id="budget-monthly" data-testid="budget-monthly"></span><span class="unit" id="budget-monthly-unit">credits</span></div></div>
      <div class="card"><div class="label">Budget used</div><div class="value"><span id="budget-used" data-testid="budget-used"></span><span class="unit">credits</span></div><div class="note">this budget period</div></div>
      <div class="card"><div class="label">Budget remaining</div><div class="value"><span id="budget-remaining" data-testid="budget-remaining"></span><span class="unit" id="budget-remaining-unit">credits</span></div></div>
      <div class="card"><div class="label">Budget resets</div><div class="value"><span id="budget-resets" data-testid="budget-resets"></span></div></div>
    </div>
  </section>

  <section>
    <h2>Usage <span class="hint" id="range-label" data-testid="range-label"></span></h2>
    <div class="cards">
      <div class="card"><div class="label">Tasks</div><div class="value"><span id="total-tasks" data-testid="total-tasks"></span></div></div>
      <div class="card"><div class="label">Completed</div><div class="value"><span id="total-completed" data-testid="total-completed"></span></div></div>
      <div class="card"><div class="label">Failed</div><div class="value"><span id="total-failed" data-testid="total-failed"></span></div></div>
      <div class="card"><div class="label">Success rate</div><div class="value"><span id="success-rate" data-testid="success-rate"></span><span class="unit">%</span></div><div class="note">completed ÷ all tasks</div></div>
      <div class="card"><div class="label">Credits used</div><div class="value"><span id="total-credits" data-testid="total-credits"></span><span class="unit">credits</span></div></div>
      <div class="card"><div class="label">Median solve time</div><div class="value"><span id="median-solve-seconds" data-testid="median-solve-seconds"></span><span class="unit">s</span></div><div class="note">completed tasks, submit to answer</div></div>
      <div class="card"><div class="label">Average solve time</div><div class="value"><span id="avg-solve-seconds" data-testid="avg-solve-seconds"></span><span class="unit">s</span></div><div class="note">mean over completed tasks</div></div>
    </div>
  </section>

  <section class="charts">
    <div class="panel chart"><h2 id="chart-spend-title">Spend per day</h2><div id="chart-spend" data-testid="chart-spend" aria-label="Spend per day"></div></div>
    <div class="panel chart"><h2 id="chart-tasks-title">Tasks per day</h2><div id="chart-tasks" data-testid="chart-tasks" aria-label="Tasks per day"></div></div>
  </section>

  <section class="panel">
    <h2 id="breakdown-title">Breakdown</h2>
    <table data-testid="breakdown-table"><thead id="breakdown-head"></thead><tbody id="breakdown-body"></tbody></table>
  </section>

  <section class="panel" id="teams-section" hidden>
    <h2>Teams (<span id="teams-count" data-testid="teams-count"></span>) <span class="hint">usage in the selected range; click a team to view it</span></h2>
    <table data-testid="teams-table">
      <thead><tr><th>Name</th><th>Team id</th><th class="num">Balance</th><th class="num">Reserved</th><th class="num">Tasks</th><th class="num">Completed</th><th class="num">Failed</th><th class="num">Credits used</th></tr></thead>
      <tbody id="teams-body"></tbody>
    </table>
  </section>

  <section class="panel" id="providers-section" hidden>
    <h2>Providers <span class="hint">the router's own balance at each upstream, read every few minutes</span></h2>
    <table data-testid="providers-table">
      <thead><tr><th>Provider</th><th>Enabled</th><th>Cooling down until</th><th class="num">Balance</th><th>Balance read</th></tr></thead>
      <tbody id="providers-body"></tbody>
    </table>
  </section>

  <section class="panel" id="recent-section" hidden>
    <div class="toolbar">
      <h2>Recent tasks</h2>
      <label>Status <select id="recent-status" data-testid="recent-status">
        <option value="">all</option><option value="pending">pending</option><option value="processing">processing</option><option value="completed">completed</option><option value="failed">failed</option>
      </select></label>
    </div>
    <table data-testid="recent-tasks">
      <thead><tr><th>Created</th><th>Task id</th><th>Type</th><th>Status</th><th class="num">Credits</th></tr></thead>
      <tbody id="recent-body"></tbody>
    </table>
    <div class="pager">
      <button type="button" id="recent-prev" data-testid="recent-prev">‹ Newer</button>
      <span>Showing <span id="recent-range"></span> (<span id="recent-shown" data-testid="recent-shown"></span>) of <span id="recent-total" data-testid="recent-total"></span></span>
      <button type="button" id="recent-next" data-testid="recent-next">Older ›</button>
    </div>
  </section>
</main>
`;

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

/**
 * The page's Content-Security-Policy: only this exact script and style may run, fetches go to
 * this origin only, and nothing is framed or submitted anywhere.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src 'sha256-${DASHBOARD_SCRIPT_SHA256}'`,
  `style-src ${sha256(STYLE)}`,
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>solver-router · usage dashboard</title>
<style>${STYLE}</style>
</head>
<body>
${BODY}
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;

/** The whole dashboard as one HTML document. */
export function dashboardHtml(): string {
  return HTML;
}
