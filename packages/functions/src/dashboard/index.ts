export { DASHBOARD_CSP, dashboardHtml } from "./page.ts";
export { registerDashboard } from "./routes.ts";
