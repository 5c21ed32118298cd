/**
 * GET /docs: Swagger UI for /v2/openapi.json, served by the router itself from the pinned
 * `swagger-ui-dist` package — no CDN, so it works offline and no third-party script ever runs on
 * this origin (the dashboard keeps the admin key in this origin's sessionStorage). The page has
 * no inline script or style, so its Content-Security-Policy allows 'self' alone.
 *
 * The assets are read from the installed package when first asked for: in Lambda, the API bundle
 * carries `swagger-ui-dist` as an installed package beside it (infra/functions.ts, scripts/build.ts).
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { OpenAPIHono } from "@hono/zod-openapi";

export const DOCS_PATH = "/docs";
const ASSETS_PATH = `${DOCS_PATH}/assets`;
const OPENAPI_PATH = "/v2/openapi.json";

/** What the page may load: its own origin's scripts, styles and API; images also as data: URIs (Swagger UI's CSS icons). */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "content-security-policy": DOCS_CSP,
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
};

/** The package's files the page uses, by the name they are served under. */
const PACKAGE_ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>solver-router API</title>
<link rel="icon" type="image/png" href="${ASSETS_PATH}/favicon-32x32.png">
<link rel="stylesheet" href="${ASSETS_PATH}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="${ASSETS_PATH}/docs.js"></script>
</body>
</html>
`;

/** Starts Swagger UI: a file rather than an inline script, so the CSP needs no hash. No validator: it would send the spec to swagger.io. */
const STARTER = `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(OPENAPI_PATH)}, dom_id: "#swagger-ui", deepLinking: true, validatorUrl: null });\n`;

let packageDir: string | undefined;
const cache = new Map<string, Promise<Buffer>>();

function readAsset(name: string): Promise<Buffer> {
  let read = cache.get(name);
  if (!read) {
    packageDir ??= dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
    read = readFile(join(packageDir, name));
    read.catch(() => cache.delete(name)); // a failed read is tried again next time
    cache.set(name, read);
  }
  return read;
}

export function docsRoutes() {
  const app = new OpenAPIHono();
  for (const path of [DOCS_PATH, `${DOCS_PATH}/`]) {
    app.get(path, (c) => c.body(PAGE, 200, { ...SECURITY_HEADERS, "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" }));
  }
  app.get(`${ASSETS_PATH}/docs.js`, (c) =>
    c.body(STARTER, 200, { ...SECURITY_HEADERS, "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache" }),
  );
  app.get(`${ASSETS_PATH}/:name`, async (c) => {
    const name = c.req.param("name");
    const type = PACKAGE_ASSETS[name];
    if (!type) return c.json({ detail: `No docs asset named ${name}` }, 404);
    const body = await readAsset(name);
    return c.body(new Uint8Array(body), 200, { ...SECURITY_HEADERS, "content-type": type, "cache-control": "public, max-age=3600" });
  });
  return app;
}
