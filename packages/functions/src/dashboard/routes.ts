/**
 * GET /dashboard: the usage dashboard page (page.ts), served by the API app itself so that the
 * page's fetches to /v2/... are same-origin. The page holds no secret; the key the user pastes
 * stays in the tab's sessionStorage and goes out only in Authorization headers.
 */
import type { Env, Hono, Schema } from "hono";
import { DASHBOARD_CSP, dashboardHtml } from "./page.ts";

const HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": DASHBOARD_CSP,
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
};

export function registerDashboard<E extends Env, S extends Schema, B extends string>(app: Hono<E, S, B>): void {
  const page = dashboardHtml();
  for (const path of ["/dashboard", "/dashboard/"]) {
    app.get(path, (c) => c.body(page, 200, HEADERS));
  }
}
