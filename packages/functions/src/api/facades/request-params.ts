/**
 * Reads a 2Captcha-style request's parameters wherever the client put them: the query string,
 * and a body that is urlencoded, multipart (files become base64) or JSON (what
 * @2captcha/captcha-solver posts). Body values win over query values; names are kept as sent.
 */
import type { Context } from "hono";

export type Params = Record<string, string>;

export async function readParams(c: Context): Promise<Params> {
  const params: Params = {};
  for (const [name, value] of new URL(c.req.url).searchParams) params[name] = value;
  if (c.req.method === "GET" || c.req.method === "HEAD") return params;
  const type = (c.req.header("content-type") ?? "").toLowerCase();
  if (type.startsWith("multipart/form-data")) {
    const form = await c.req.raw.formData().catch(() => undefined);
    for (const [name, value] of form ?? []) {
      params[name] = typeof value === "string" ? value : Buffer.from(await value.arrayBuffer()).toString("base64");
    }
    return params;
  }
  const text = await c.req.text().catch(() => "");
  if (/^\s*\{/.test(text)) {
    try {
      const body: unknown = JSON.parse(text);
      if (body && typeof body === "object" && !Array.isArray(body)) {
        for (const [name, value] of Object.entries(body)) {
          if (value === null || value === undefined) continue;
          params[name] = typeof value === "boolean" ? (value ? "1" : "0") : typeof value === "object" ? JSON.stringify(value) : String(value);
        }
        return params;
      }
    } catch {
      // not JSON after all: read it as a form below
    }
  }
  for (const [name, value] of new URLSearchParams(text)) params[name] = value;
  return params;
}
