// The dashboard's script is built from ./src/dashboard/browser by esbuild and committed as
// script.generated.ts. A browser-code change without `pnpm build:dashboard` fails here; so does a
// page whose CSP would not allow the script it carries.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { dashboardScriptModule, GENERATED_FILE } from "../../../scripts/build-dashboard.ts";
import { DASHBOARD_CSP, dashboardHtml } from "../src/dashboard/page.ts";

describe("dashboard script", () => {
  it("script.generated.ts is the current bundle of the browser code (run pnpm build:dashboard)", async () => {
    expect(readFileSync(GENERATED_FILE, "utf8")).toBe(await dashboardScriptModule());
  });

  it("the page carries exactly one inline script, and the CSP allows that script by its hash and nothing else", () => {
    const scripts = [...dashboardHtml().matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? "");
    expect(scripts).toHaveLength(1);
    const hash = createHash("sha256").update(scripts[0]!, "utf8").digest("base64");
    const scriptSrc = DASHBOARD_CSP.split("; ").find((d) => d.startsWith("script-src "));
    expect(scriptSrc).toBe(`script-src 'sha256-${hash}'`);
  });
});
