/**
 * /docs: Swagger UI served by the router from the pinned `swagger-ui-dist` package, under a
 * Content-Security-Policy that allows the router's own origin only. The page and its assets
 * reference no other host, and in a real browser the page renders the API while every request it
 * makes goes to the router (so it also works offline).
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser.ts";
import { startStack, type LocalStack } from "./support.ts";

const functionsPackage = join(import.meta.dirname, "../../packages/functions");
const swaggerUiDist = dirname(createRequire(join(functionsPackage, "package.json")).resolve("swagger-ui-dist/package.json"));

/** Every src/href attribute of an HTML page, and every url() of a stylesheet. */
const htmlReferences = (html: string) => [...html.matchAll(/\s(?:src|href)\s*=\s*["']([^"']*)["']/gi)].map((m) => m[1]!);
const cssReferences = (css: string) => [...css.matchAll(/url\(\s*["']?([^"')]*)/gi)].map((m) => m[1]!);
/** A reference that stays on the page's own origin: a path from the root (not `//host`), or inline data. */
const staysHome = (reference: string) => (reference.startsWith("/") && !reference.startsWith("//")) || reference.startsWith("data:");

describe("/docs", () => {
  let stack: LocalStack;
  let browser: Browser | undefined;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it("serves Swagger UI from an exactly pinned swagger-ui-dist", async () => {
    const manifest = JSON.parse(await readFile(join(functionsPackage, "package.json"), "utf8"));
    expect(manifest.dependencies["swagger-ui-dist"]).toMatch(/^\d+\.\d+\.\d+$/);
    const installed = JSON.parse(await readFile(join(swaggerUiDist, "package.json"), "utf8"));
    expect(installed.version).toBe(manifest.dependencies["swagger-ui-dist"]);

    for (const name of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
      const response = await fetch(`${stack.apiUrl}/docs/assets/${name}`);
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(await readFile(join(swaggerUiDist, name)))).toBe(true);
    }
    expect((await fetch(`${stack.apiUrl}/docs/assets/..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${stack.apiUrl}/docs/assets/index.html`)).status).toBe(404);
  });

  it("answers with a CSP of 'self' only, and the page and its assets reference no other host", async () => {
    const page = await fetch(`${stack.apiUrl}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);

    const html = await page.text();
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i); // no inline script
    expect(html).not.toMatch(/<style/i);
    expect(html).not.toMatch(/\/\/[a-z0-9.-]+\.[a-z]{2,}/i); // no host name anywhere in the page
    const references = htmlReferences(html);
    expect(references.length).toBeGreaterThanOrEqual(4);
    expect(references.filter((r) => !staysHome(r))).toEqual([]);

    for (const reference of references) {
      const asset = await fetch(stack.apiUrl + reference);
      expect(asset.status, reference).toBe(200);
      expect(asset.headers.get("content-security-policy")).toBe(csp);
      if (reference.endsWith(".css")) expect(cssReferences(await asset.text()).filter((r) => !staysHome(r))).toEqual([]);
      if (reference.endsWith("/docs.js")) {
        const starter = await asset.text();
        expect(starter).toContain('"/v2/openapi.json"');
        expect(starter).not.toMatch(/https?:/);
      }
    }
  });

  it("renders the API in a browser with every request going to the router and nothing refused by the CSP", async () => {
    browser = await launchChromium();
    const context = await browser.newContext();
    const origin = new URL(stack.apiUrl).origin;
    const elsewhere: string[] = [];
    // Offline, as far as the page can tell: anything not sent to the router is recorded and refused.
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("data:") || new URL(url).origin === origin) return route.continue();
      elsewhere.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const refused: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) refused.push(message.text());
    });
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));

    await page.goto(`${stack.apiUrl}/docs`);
    await page.locator(".opblock-summary-path", { hasText: "/v2/solver/task" }).first().waitFor({ state: "visible", timeout: 30_000 });
    expect(await page.locator(".info .title").innerText()).toContain("solver-router");

    expect(requested).toContain(`${origin}/v2/openapi.json`);
    expect(elsewhere).toEqual([]);
    expect(refused).toEqual([]);
    await context.close();
  }, 90_000);
});
