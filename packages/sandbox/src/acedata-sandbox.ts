/**
 * A local stand-in for AceData's hCaptcha recognition API (AceData's API documentation; docs/providers.md), for development and
 * tests: `POST /captcha/recognition/hcaptcha` with a Bearer token and `{queries, question}`,
 * answering synchronously `{"solution": {"label", "box": ["360", "276"], "confidences"}}`,
 * and the seed's error envelope `{"success": false, "error": {"code", "message"}, "trace_id"}`.
 */
import { randomUUID } from "node:crypto";
import { Hono, type Context } from "hono";
import { isRecord, parseJson } from "./json.ts";
import { shorten, shortenImages } from "./record.ts";
import { serveSandbox } from "./serve.ts";

export type AcedataSandboxFault = null | "http_500" | "invalid_token" | "too_many_requests" | "no_box";

export interface AcedataSandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  hostname?: string;
  apiKey?: string;
  /** How long a recognition takes before the answer (the API is synchronous). */
  delayMs?: number;
  name?: string;
}

export interface AcedataRecordedRequest {
  method: string;
  path: string;
  authorization: string | null;
  accept: string | null;
  contentType: string | null;
  /** The JSON body, with each image shortened to its first characters and its length. */
  body: unknown;
  at: number;
}

export interface AcedataSandbox {
  name: string;
  /** The provider base URL (no path), e.g. http://127.0.0.1:40123. */
  url: string;
  port: number;
  apiKey: string;
  requests: AcedataRecordedRequest[];
  setFault(fault: AcedataSandboxFault): void;
  close(): Promise<void>;
}

export const ACEDATA_SANDBOX_DEFAULT_KEY = "acedata-sandbox-key";
export const ACEDATA_SANDBOX_BOX = ["360", "276"] as const;
export const ACEDATA_SANDBOX_CONFIDENCE = 0.63;
/** What the sandbox sends with a 429. */
export const ACEDATA_SANDBOX_RETRY_AFTER_SECONDS = 3;

export async function startAcedataSandbox(options: AcedataSandboxOptions = {}): Promise<AcedataSandbox> {
  const apiKey = options.apiKey ?? ACEDATA_SANDBOX_DEFAULT_KEY;
  const delayMs = options.delayMs ?? 0;
  const name = options.name ?? "acedata-sandbox";
  const requests: AcedataRecordedRequest[] = [];
  let fault: AcedataSandboxFault = null;

  const app = new Hono();

  app.post("/captcha/recognition/hcaptcha", async (c) => {
    const text = await c.req.text();
    const body = parseJson(text);
    requests.push({
      method: c.req.method,
      path: c.req.path,
      authorization: c.req.header("authorization") ?? null,
      accept: c.req.header("accept") ?? null,
      contentType: c.req.header("content-type") ?? null,
      body: body === undefined ? shorten(text) : shortenImages(body, "queries"),
      at: Date.now(),
    });

    if (fault === "http_500") return envelope(c, 500, "api_error", "fetch failed");
    const token = /^Bearer\s+(.+)$/i.exec(c.req.header("authorization") ?? "")?.[1]?.trim();
    if (fault === "invalid_token" || token !== apiKey) {
      return envelope(c, 401, "invalid_token", "Unauthorized, invalid or missing authorization token.");
    }
    if (fault === "too_many_requests") {
      c.header("Retry-After", String(ACEDATA_SANDBOX_RETRY_AFTER_SECONDS));
      return envelope(c, 429, "too_many_requests", "Too many requests, you have exceeded the rate limit.");
    }
    if (!isRecord(body)) return envelope(c, 400, "bad_request", "The request body must be a JSON object.");
    const { queries, question } = body;
    if (!Array.isArray(queries) || queries.length === 0 || !queries.every((q) => typeof q === "string" && q.length > 0)) {
      return envelope(c, 400, "bad_request", "queries must be a non-empty list of base64-encoded images.");
    }
    if (typeof question !== "string" || !question.trim()) {
      return envelope(c, 400, "bad_request", "question is required.");
    }

    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (fault === "no_box") return c.json({ solution: { label: question, box: [], confidences: 0 } });
    return c.json({ solution: { label: question, box: [...ACEDATA_SANDBOX_BOX], confidences: ACEDATA_SANDBOX_CONFIDENCE } });
  });

  app.notFound((c) => envelope(c, 404, "not_found", `No API at ${c.req.method} ${c.req.path}.`));
  app.onError((_error, c) => envelope(c, 500, "api_error", "Internal server error."));

  const { port, close } = await serveSandbox(app.fetch, options.port ?? 0, options.hostname ?? "127.0.0.1");
  const host = options.hostname && options.hostname !== "0.0.0.0" ? options.hostname : "127.0.0.1";

  return {
    name,
    url: `http://${host}:${port}`,
    port,
    apiKey,
    requests,
    setFault: (next) => {
      fault = next;
    },
    close,
  };
}

function envelope(c: Context, status: 400 | 401 | 404 | 429 | 500, code: string, message: string) {
  return c.json({ success: false, error: { code, message }, trace_id: randomUUID() }, status);
}
