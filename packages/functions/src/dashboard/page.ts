/**
 * The usage dashboard: one self-contained HTML page (inline CSS and JS, no build step, no
 * request to any other origin). It talks to the same API it is served by (/v2/account,
 * /v2/usage, /v2/solver/tasks, and with the admin key /v2/admin/teams and /v2/admin/usage),
 * draws its charts as inline SVG and keeps the key in sessionStorage only — never in the URL.
 *
 * Every figure carries a stable `data-testid` (and its raw value in `data-value`), which the
 * browser test (test/e2e/dashboard.test.ts) reads and compares with the API's own answers.
 *
 * The script and the style are plain strings hashed into the Content-Security-Policy, so the
 * page runs with `script-src 'sha256-…'` and `connect-src 'self'`: inline handlers and
 * third-party requests are refused by the browser. Keep both free of backticks and `${`.
 */
import { createHash } from "node:crypto";

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

const SCRIPT = String.raw`
(function () {
  "use strict";
  var BASE = location.pathname.replace(/\/dashboard\/?$/, "");
  var STORE = "solver-router.dashboard";
  var RECENT_LIMIT = 20;
  var PALETTE = ["#2f5fd0", "#e8833a", "#2a9d8f", "#c44569", "#8e6cc9", "#6a994e", "#d4a017", "#4d908e", "#b56576", "#577590"];

  var state = { key: "", role: "", from: "", to: "", breakdown: "task_type", team: "", recentOffset: 0, recentStatus: "", data: null, seq: 0 };

  function $(id) { return document.getElementById(id); }

  // ── DOM helpers (text only; nothing from the API is parsed as HTML) ─────────────────────
  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }
  function s(tag, attrs, children) {
    var el = document.createElementNS("http://www.w3.org/2000/svg", tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }
  function setAttrs(el, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      el.setAttribute(k, v === true ? "" : String(v));
    });
  }
  function append(el, children) {
    if (children === null || children === undefined) return;
    if (!Array.isArray(children)) children = [children];
    children.forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      el.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    });
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }
  function slug(v) { return String(v).replace(/[^A-Za-z0-9_-]/g, "_"); }

  // ── numbers: credits are decimals with up to 6 places; sums are done in integer micro-credits
  function toMicro(credits) { return Math.round(Number(credits || 0) * 1e6); }
  function microToString(micro) {
    var neg = micro < 0; var m = Math.abs(micro);
    var whole = Math.floor(m / 1e6); var frac = String(m % 1e6);
    while (frac.length < 6) frac = "0" + frac;
    frac = frac.replace(/0+$/, "");
    return (neg ? "-" : "") + whole.toLocaleString("en-US") + (frac ? "." + frac : "");
  }
  function fmtCredits(v) { return v === null || v === undefined ? "—" : microToString(toMicro(v)); }
  function fmtInt(v) { return v === null || v === undefined ? "—" : Number(v).toLocaleString("en-US"); }
  function fmtRate(completed, tasks) { return tasks ? (completed / tasks * 100).toFixed(1) : "—"; }
  function fmtSeconds(v) { return v === null || v === undefined ? "—" : Number(v).toFixed(2); }
  function fmtTime(iso) {
    if (!iso) return "—";
    var d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso);
    return d.toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }

  // ── dates (UTC days) ────────────────────────────────────────────────────────────────────
  function today() { return new Date().toISOString().slice(0, 10); }
  function addDays(day, n) {
    var p = day.split("-").map(Number);
    return new Date(Date.UTC(p[0], p[1] - 1, p[2] + n)).toISOString().slice(0, 10);
  }
  function daysBetween(from, to) {
    var out = []; var d = from;
    while (d <= to && out.length < 1000) { out.push(d); d = addDays(d, 1); }
    return out;
  }
  function isDay(v) { return /^\d{4}-\d{2}-\d{2}$/.test(v) && !isNaN(Date.parse(v + "T00:00:00Z")); }

  // ── API ─────────────────────────────────────────────────────────────────────────────────
  function ApiError(status, detail) { this.status = status; this.detail = detail; this.message = detail; }
  ApiError.prototype = Object.create(Error.prototype);

  function query(params) {
    var q = new URLSearchParams();
    Object.keys(params).forEach(function (k) { if (params[k] !== "" && params[k] !== undefined && params[k] !== null) q.set(k, params[k]); });
    var text = q.toString().replace(/%2C/g, ",");
    return text ? "?" + text : "";
  }
  function request(path, key, asText) {
    return fetch(BASE + path, { headers: { authorization: "Bearer " + key }, cache: "no-store", credentials: "omit" })
      .then(function (res) {
        if (res.ok) return asText ? res.text() : res.json();
        return res.text().then(function (text) {
          var detail = "";
          try { detail = JSON.parse(text).detail || ""; } catch (e) { detail = ""; }
          throw new ApiError(res.status, detail || ("HTTP " + res.status + " from " + path.split("?")[0]));
        });
      }, function (err) { throw new ApiError(0, "The API could not be reached: " + err.message); });
  }
  function api(path, asText) { return request(path, state.key, asText); }

  // ── session ─────────────────────────────────────────────────────────────────────────────
  function saveSession() { sessionStorage.setItem(STORE, JSON.stringify({ key: state.key, role: state.role })); }
  function loadSession() {
    try { var v = JSON.parse(sessionStorage.getItem(STORE) || "null"); if (v && v.key && (v.role === "team" || v.role === "admin")) return v; } catch (e) { /* ignore */ }
    return null;
  }
  function resetView() {
    $("to").value = today();
    $("from").value = addDays(today(), -29);
    state.team = ""; state.breakdown = "task_type"; state.recentOffset = 0; state.recentStatus = "";
    $("recent-status").value = "";
  }
  function showSignIn(message) {
    state.key = ""; state.role = ""; state.data = null; state.seq++;
    resetView();
    sessionStorage.removeItem(STORE);
    $("dash").hidden = true; $("signin").hidden = false; $("signout").hidden = true;
    $("who").textContent = "";
    $("dash").setAttribute("data-state", "signed-out");
    $("signin-error").textContent = message || "";
    $("key").value = "";
    $("key").focus();
  }

  function signIn(key) {
    key = key.trim();
    var btn = $("signin-submit");
    $("signin-error").textContent = "";
    if (!key) { $("signin-error").textContent = "Paste a team API key or the admin key."; return; }
    btn.disabled = true;
    request("/v2/account", key).then(function () { return "team"; }, function (err) {
      if (err.status !== 401) throw err;
      return request("/v2/admin/teams", key).then(function () { return "admin"; }, function (err2) {
        if (err2.status === 401) throw new ApiError(401, "That key was not accepted (401): it is neither a team API key nor the admin key.");
        throw err2;
      });
    }).then(function (role) {
      state.key = key; state.role = role;
      saveSession();
      enterDashboard();
    }, function (err) {
      $("signin-error").textContent = err.detail || String(err);
    }).then(function () { btn.disabled = false; });
  }

  function enterDashboard() {
    $("signin").hidden = true; $("dash").hidden = false; $("signout").hidden = false;
    $("dash").setAttribute("data-role", state.role);
    $("team-picker").hidden = state.role !== "admin";
    $("teams-section").hidden = state.role !== "admin";
    $("providers-section").hidden = state.role !== "admin";
    $("recent-section").hidden = state.role !== "team";
    $("key").value = "";
    load();
  }

  // ── loading ─────────────────────────────────────────────────────────────────────────────
  function setStatus(s, message) {
    $("dash").setAttribute("data-state", s);
    $("error").textContent = message || "";
  }

  function fail(err, seq) {
    if (seq !== state.seq) return;
    if (err && err.status === 401) {
      showSignIn("Your key was refused (401): " + (err.detail || "missing or invalid key") + " Sign in again.");
      return;
    }
    setStatus("error", (err && err.detail) || String(err));
  }

  function readRange() {
    var from = $("from").value; var to = $("to").value;
    if (!isDay(from) || !isDay(to)) return "Pick both dates (YYYY-MM-DD).";
    if (from > to) return "The start date is after the end date.";
    state.from = from; state.to = to;
    return "";
  }

  function load() {
    var problem = readRange();
    if (problem) { setStatus("error", problem); return; }
    var seq = ++state.seq;
    setStatus("loading");
    var p = state.role === "admin" ? loadAdmin() : loadTeam();
    p.then(function (data) {
      if (seq !== state.seq) return;
      state.data = data;
      render();
      setStatus("ready");
    }, function (err) { fail(err, seq); });
  }

  function usagePath(extra) {
    var base = state.role === "admin" ? "/v2/admin/usage" : "/v2/usage";
    var params = { from: state.from, to: state.to };
    if (state.role === "admin" && state.team) params.team_id = state.team;
    Object.keys(extra).forEach(function (k) { params[k] = extra[k]; });
    return base + query(params);
  }

  function recentPath() {
    return "/v2/solver/tasks" + query({ limit: RECENT_LIMIT, offset: state.recentOffset, status: state.recentStatus });
  }

  function loadTeam() {
    return Promise.all([
      api("/v2/account"),
      api(usagePath({ group_by: "day,task_type" })),
      api(usagePath({ group_by: "day,provider" })),
      api(usagePath({ group_by: "task_type" })),
      api(usagePath({ group_by: "provider" })),
      api(recentPath()),
    ]).then(function (r) {
      return { account: r[0], byDay: { task_type: r[1], provider: r[2] }, byGroup: { task_type: r[3], provider: r[4] }, recent: r[5] };
    });
  }

  function loadAdmin() {
    var all = !state.team;
    var calls = [
      api("/v2/admin/teams"),
      api("/v2/admin/usage" + query({ from: state.from, to: state.to, group_by: "team" })),
      api(usagePath({ group_by: "day,task_type" })),
      api(usagePath({ group_by: "day,provider" })),
      api(usagePath({ group_by: "task_type" })),
      api(usagePath({ group_by: "provider" })),
      api("/v2/admin/providers"),
    ];
    if (all) calls.push(api(usagePath({ group_by: "day,team" })));
    return Promise.all(calls).then(function (r) {
      var data = { teams: r[0].teams || [], teamUsage: r[1], byDay: { task_type: r[2], provider: r[3] }, byGroup: { task_type: r[4], provider: r[5] }, providers: r[6].providers || [] };
      if (all) { data.byDay.team = r[7]; data.byGroup.team = r[1]; }
      data.account = state.team ? data.teams.filter(function (t) { return t.team_id === state.team; })[0] || null : null;
      return data;
    });
  }

  function reloadRecent() {
    var seq = ++state.seq;
    setStatus("loading");
    api(recentPath()).then(function (recent) {
      if (seq !== state.seq) return;
      state.data.recent = recent;
      renderRecent();
      setStatus("ready");
    }, function (err) { fail(err, seq); });
  }

  // ── rendering ───────────────────────────────────────────────────────────────────────────
  function figure(el, text, raw) {
    el.textContent = text;
    el.setAttribute("data-value", raw === null || raw === undefined ? "" : String(raw));
  }

  function teamName(id) {
    var t = state.data && state.data.teams ? state.data.teams.filter(function (x) { return x.team_id === id; })[0] : null;
    return t ? t.name : id;
  }

  function groupLabel(key) {
    if (state.breakdown === "team") return teamName(key);
    return key === null || key === undefined || key === "" ? "(none)" : key;
  }

  function render() {
    var d = state.data;
    // who
    if (state.role === "team") {
      $("who").textContent = "Team " + d.account.name + " (" + d.account.team_id + ")";
    } else {
      $("who").textContent = "Admin" + (state.team ? " · viewing " + teamName(state.team) : " · all teams");
    }
    // breakdown buttons
    if (state.breakdown === "team" && !(state.role === "admin" && !state.team)) state.breakdown = "task_type";
    $("breakdown-team").hidden = !(state.role === "admin" && !state.team);
    ["task_type", "provider", "team"].forEach(function (b) { $("breakdown-" + b).setAttribute("aria-pressed", String(state.breakdown === b)); });
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

  function renderTeamPicker() {
    if (state.role !== "admin") return;
    var sel = clear($("team-select"));
    sel.appendChild(h("option", { value: "" }, "All teams"));
    state.data.teams.slice().sort(function (a, b) { return String(a.name).localeCompare(String(b.name)); }).forEach(function (t) {
      sel.appendChild(h("option", { value: t.team_id, "data-team-id": t.team_id }, t.name + " (" + t.team_id + ")"));
    });
    sel.value = state.team;
  }

  function renderAccount() {
    var a = state.data.account;
    $("account-section").hidden = !a;
    if (!a) return;
    $("account-title").textContent = state.role === "admin" ? "Team " + a.name : "Account";
    figure($("balance"), fmtCredits(a.balance), a.balance);
    figure($("reserved"), fmtCredits(a.reserved), a.reserved);
    var hasBudget = a.monthly_budget !== null && a.monthly_budget !== undefined;
    figure($("budget-monthly"), hasBudget ? fmtCredits(a.monthly_budget) : "not set", hasBudget ? a.monthly_budget : null);
    figure($("budget-used"), fmtCredits(a.budget_used), a.budget_used);
    var hasRemaining = a.budget_remaining !== null && a.budget_remaining !== undefined;
    figure($("budget-remaining"), hasRemaining ? fmtCredits(a.budget_remaining) : (hasBudget ? "—" : "no limit"), hasRemaining ? a.budget_remaining : null);
    $("budget-monthly-unit").hidden = !hasBudget;
    $("budget-remaining-unit").hidden = !hasRemaining;
    figure($("budget-resets"), fmtTime(a.budget_resets_at), a.budget_resets_at || null);
  }

  function renderTotals() {
    var t = state.data.byGroup.task_type.totals;
    figure($("total-tasks"), fmtInt(t.tasks), t.tasks);
    figure($("total-completed"), fmtInt(t.completed), t.completed);
    figure($("total-failed"), fmtInt(t.failed), t.failed);
    figure($("total-credits"), fmtCredits(t.credits_used), t.credits_used);
    figure($("success-rate"), fmtRate(t.completed, t.tasks), t.tasks ? t.completed / t.tasks : null);
    figure($("avg-solve-seconds"), fmtSeconds(t.avg_solve_seconds), t.avg_solve_seconds);
    figure($("median-solve-seconds"), fmtSeconds(t.median_solve_seconds), t.median_solve_seconds);
    $("range-label").textContent = state.from + " – " + state.to + " (UTC, inclusive)";
  }

  function keyOf(row) {
    if (state.breakdown === "team") return row.team_id;
    return row[state.breakdown];
  }

  function renderCharts() {
    var usage = state.data.byDay[state.breakdown];
    var days = daysBetween(state.from, state.to);
    var spend = {}; var count = {}; var keyTotals = {};
    usage.rows.forEach(function (row) {
      var k = String(keyOf(row)); var day = row.day;
      spend[day] = spend[day] || {}; count[day] = count[day] || {};
      spend[day][k] = (spend[day][k] || 0) + toMicro(row.credits_used);
      count[day][k] = (count[day][k] || 0) + Number(row.tasks || 0);
      keyTotals[k] = (keyTotals[k] || 0) + toMicro(row.credits_used) * 1e3 + Number(row.tasks || 0);
    });
    var keys = Object.keys(keyTotals).sort(function (a, b) { return keyTotals[b] - keyTotals[a] || (a < b ? -1 : 1); });
    var colors = {}; keys.forEach(function (k, i) { colors[k] = PALETTE[i % PALETTE.length]; });
    var by = state.breakdown === "task_type" ? "task type" : state.breakdown;
    $("chart-spend-title").textContent = "Spend per day (credits), by " + by;
    $("chart-tasks-title").textContent = "Tasks per day, by " + by;
    stackedBars($("chart-spend"), days, keys, colors, spend, { micro: true, unit: "credits" });
    stackedBars($("chart-tasks"), days, keys, colors, count, { micro: false, unit: "tasks" });
  }

  function niceCeil(v) {
    if (!(v > 0)) return 1;
    var e = Math.pow(10, Math.floor(Math.log10(v))); var f = v / e;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * e;
  }
  function axisLabel(v, micro) {
    if (!micro) return Number.isInteger(v) ? v.toLocaleString("en-US") : v.toFixed(1);
    return microToString(Math.round(v * 1e6));
  }

  function stackedBars(box, days, keys, colors, values, opt) {
    clear(box);
    var W = 640, H = 240, L = 58, R = 10, T = 12, B = 30;
    var pw = W - L - R, ph = H - T - B;
    var totals = days.map(function (d) { var v = values[d] || {}; return keys.reduce(function (sum, k) { return sum + (v[k] || 0); }, 0); });
    var maxRaw = Math.max.apply(null, [0].concat(totals));
    // four gridline steps; counts step in whole tasks
    var max = opt.micro ? niceCeil(maxRaw / 1e6) : 4 * Math.max(1, Math.ceil(niceCeil(maxRaw / 4)));
    var svg = s("svg", { class: "plot", viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": box.getAttribute("aria-label") || "", "data-max": max });
    for (var g = 0; g <= 4; g++) {
      var gv = max * g / 4; var y = T + ph - ph * g / 4;
      svg.appendChild(s("line", { x1: L, x2: W - R, y1: y, y2: y, stroke: g === 0 ? "#9aa3b2" : "#e6e9ef", "stroke-width": 1 }));
      svg.appendChild(s("text", { x: L - 6, y: y + 4, "text-anchor": "end", "font-size": 10, fill: "#5d6778" }, axisLabel(gv, opt.micro)));
    }
    var step = pw / Math.max(days.length, 1);
    var bw = Math.max(1, Math.min(28, step * 0.72));
    var labelEvery = Math.ceil(days.length / 8);
    days.forEach(function (day, i) {
      var x = L + step * i + (step - bw) / 2;
      var base = T + ph;
      var v = values[day] || {};
      keys.forEach(function (k) {
        var raw = v[k] || 0;
        if (!raw) return;
        var amount = opt.micro ? raw / 1e6 : raw;
        var hgt = ph * amount / max;
        base -= hgt;
        var shown = opt.micro ? microToString(raw) : String(raw);
        svg.appendChild(s("rect", {
          x: x.toFixed(2), y: base.toFixed(2), width: bw.toFixed(2), height: Math.max(hgt, 0.5).toFixed(2), fill: colors[k],
          "data-testid": "bar-segment", "data-day": day, "data-key": k, "data-value": shown,
        }, s("title", null, day + " · " + groupLabel(k) + ": " + shown + " " + opt.unit)));
      });
      if ((days.length - 1 - i) % labelEvery === 0) {
        svg.appendChild(s("text", { x: (L + step * i + step / 2).toFixed(2), y: H - 10, "text-anchor": "middle", "font-size": 10, fill: "#5d6778" }, day.slice(5)));
      }
    });
    box.appendChild(svg);
    var legend = h("div", { class: "legend" });
    if (!keys.length) legend.appendChild(h("span", { class: "empty" }, "No tasks in this range."));
    keys.forEach(function (k) {
      var sw = s("svg", { width: 10, height: 10, viewBox: "0 0 10 10", "aria-hidden": "true" }, s("rect", { width: 10, height: 10, rx: 2, fill: colors[k] }));
      legend.appendChild(h("span", { "data-testid": "legend-item", "data-key": k }, [sw, groupLabel(k)]));
    });
    box.appendChild(legend);
  }

  function renderBreakdown() {
    var usage = state.data.byGroup[state.breakdown];
    var by = state.breakdown === "task_type" ? "Task type" : state.breakdown === "provider" ? "Provider" : "Team";
    $("breakdown-title").textContent = "By " + by.toLowerCase();
    var head = $("breakdown-head"); clear(head);
    head.appendChild(h("tr", null, [h("th", null, by), h("th", { class: "num" }, "Tasks"), h("th", { class: "num" }, "Completed"), h("th", { class: "num" }, "Failed"),
      h("th", { class: "num" }, "Success %"), h("th", { class: "num" }, "Credits used"), h("th", { class: "num" }, "Avg solve (s, completed)")]));
    var body = clear($("breakdown-body"));
    var rows = usage.rows.slice().sort(function (a, b) { return toMicro(b.credits_used) - toMicro(a.credits_used) || (String(keyOf(a)) < String(keyOf(b)) ? -1 : 1); });
    if (!rows.length) body.appendChild(h("tr", null, h("td", { colspan: 7, class: "empty" }, "No tasks in this range.")));
    rows.forEach(function (row) {
      var k = String(keyOf(row)); var id = "breakdown-" + slug(k) + "-";
      function cell(field, text, raw) { return h("td", { class: "num", "data-field": field, "data-testid": id + field, "data-value": raw === null || raw === undefined ? "" : raw }, text); }
      body.appendChild(h("tr", { "data-testid": "breakdown-row", "data-key": k }, [
        h("td", { "data-field": "key" }, groupLabel(k)),
        cell("tasks", fmtInt(row.tasks), row.tasks),
        cell("completed", fmtInt(row.completed), row.completed),
        cell("failed", fmtInt(row.failed), row.failed),
        cell("success_rate", fmtRate(row.completed, row.tasks), row.tasks ? row.completed / row.tasks : null),
        cell("credits_used", fmtCredits(row.credits_used), row.credits_used),
        cell("avg_solve_seconds", fmtSeconds(row.avg_solve_seconds), row.avg_solve_seconds),
      ]));
    });
  }

  function renderTeams() {
    if (state.role !== "admin") return;
    var usage = {};
    state.data.teamUsage.rows.forEach(function (r) { usage[r.team_id] = r; });
    var body = clear($("teams-body"));
    state.data.teams.slice().sort(function (a, b) { return String(a.name).localeCompare(String(b.name)); }).forEach(function (t) {
      var u = usage[t.team_id] || { tasks: 0, completed: 0, failed: 0, credits_used: 0 };
      var id = "team-" + slug(t.team_id) + "-";
      function cell(field, text, raw) { return h("td", { class: "num", "data-field": field, "data-testid": id + field, "data-value": raw === null || raw === undefined ? "" : raw }, text); }
      var tr = h("tr", { class: "clickable", "data-testid": "team-row", "data-team-id": t.team_id, "aria-selected": String(state.team === t.team_id), title: "Show this team" }, [
        h("td", { "data-field": "name", "data-testid": id + "name" }, t.name),
        h("td", { class: "mono", "data-field": "team_id" }, t.team_id),
        cell("balance", fmtCredits(t.balance), t.balance),
        cell("reserved", fmtCredits(t.reserved), t.reserved),
        cell("tasks", fmtInt(u.tasks), u.tasks),
        cell("completed", fmtInt(u.completed), u.completed),
        cell("failed", fmtInt(u.failed), u.failed),
        cell("credits_used", fmtCredits(u.credits_used), u.credits_used),
      ]);
      tr.addEventListener("click", function () { selectTeam(t.team_id); });
      body.appendChild(tr);
    });
    figure($("teams-count"), fmtInt(state.data.teams.length), state.data.teams.length);
  }

  // The upstream accounts (GET /v2/admin/providers): cooldowns and the router's own balance there.
  function renderProviders() {
    if (state.role !== "admin") return;
    var body = clear($("providers-body"));
    state.data.providers.forEach(function (p) {
      var id = "provider-" + slug(p.id) + "-";
      var balance = p.balance === null || p.balance === undefined ? "—" : String(p.balance) + (p.balance_currency ? " " + p.balance_currency : "");
      body.appendChild(h("tr", { "data-testid": "provider-row", "data-provider-id": p.id }, [
        h("td", { "data-field": "id" }, p.id),
        h("td", { "data-field": "enabled" }, p.enabled ? "yes" : "no"),
        h("td", { "data-field": "cooldown_until", title: p.cooldown_reason || "" }, fmtTime(p.cooldown_until)),
        h("td", { class: "num", "data-field": "balance", "data-testid": id + "balance", "data-value": p.balance === null || p.balance === undefined ? "" : p.balance, title: p.balance_error || "" }, balance),
        h("td", { "data-field": "balance_read_at" }, fmtTime(p.balance_read_at)),
      ]));
    });
  }

  function renderRecent() {
    if (state.role !== "team") return;
    var r = state.data.recent;
    var body = clear($("recent-body"));
    if (!r.tasks.length) body.appendChild(h("tr", null, h("td", { colspan: 5, class: "empty" }, "No tasks.")));
    r.tasks.forEach(function (t) {
      body.appendChild(h("tr", { "data-testid": "recent-task-row", "data-task-id": t.task_id }, [
        h("td", { "data-field": "created_at" }, fmtTime(t.created_at)),
        h("td", { class: "mono", "data-field": "task_id" }, t.task_id),
        h("td", { "data-field": "captcha_type" }, t.captcha_type),
        h("td", { class: "status-" + slug(t.status), "data-field": "status" }, t.status),
        h("td", { class: "num", "data-field": "credits_used", "data-value": t.credits_used === null || t.credits_used === undefined ? "" : t.credits_used }, fmtCredits(t.credits_used)),
      ]));
    });
    figure($("recent-total"), fmtInt(r.total), r.total);
    figure($("recent-shown"), fmtInt(r.tasks.length), r.tasks.length);
    $("recent-range").textContent = r.tasks.length ? (r.offset + 1) + "–" + (r.offset + r.tasks.length) : "0";
    $("recent-prev").disabled = r.offset <= 0;
    $("recent-next").disabled = r.offset + r.tasks.length >= r.total;
  }

  // ── actions ─────────────────────────────────────────────────────────────────────────────
  function selectTeam(id) {
    state.team = id || "";
    if (state.team && state.breakdown === "team") state.breakdown = "task_type";
    $("team-select").value = state.team;
    load();
  }

  function setBreakdown(b) {
    state.breakdown = b;
    if (state.data) render();
  }

  function downloadCsv() {
    var problem = readRange();
    if (problem) { setStatus("error", problem); return; }
    var btn = $("csv-download");
    var seq = state.seq;
    btn.disabled = true;
    var path = usagePath({ group_by: "day," + state.breakdown, format: "csv" });
    api(path, true).then(function (text) {
      var blob = new Blob([text], { type: "text/csv;charset=utf-8" });
      var url = URL.createObjectURL(blob);
      var who = state.role === "admin" ? (state.team || "all-teams") : state.data.account.team_id;
      var a = h("a", { href: url, download: "usage-" + slug(who) + "-" + state.from + "-" + state.to + ".csv", hidden: true });
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(url); a.remove(); }, 10000);
    }, function (err) { fail(err, seq); }).then(function () { btn.disabled = false; });
  }

  function init() {
    resetView();
    $("signin-form").addEventListener("submit", function (e) { e.preventDefault(); signIn($("key").value); });
    $("signout").addEventListener("click", function () { showSignIn(""); });
    $("range-form").addEventListener("submit", function (e) { e.preventDefault(); state.recentOffset = 0; load(); });
    ["task_type", "provider", "team"].forEach(function (b) { $("breakdown-" + b).addEventListener("click", function () { setBreakdown(b); }); });
    $("team-select").addEventListener("change", function () { selectTeam($("team-select").value); });
    $("csv-download").addEventListener("click", downloadCsv);
    $("recent-status").addEventListener("change", function () { state.recentStatus = $("recent-status").value; state.recentOffset = 0; reloadRecent(); });
    $("recent-prev").addEventListener("click", function () { state.recentOffset = Math.max(0, state.recentOffset - RECENT_LIMIT); reloadRecent(); });
    $("recent-next").addEventListener("click", function () { state.recentOffset += RECENT_LIMIT; reloadRecent(); });
    var saved = loadSession();
    if (saved) { state.key = saved.key; state.role = saved.role; enterDashboard(); }
    else showSignIn("");
  }

  init();
})();
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
  `script-src ${sha256(SCRIPT)}`,
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
<script>${SCRIPT}</script>
</body>
</html>
`;

/** The whole dashboard as one HTML document. */
export function dashboardHtml(): string {
  return HTML;
}
