/**
 * JSON over HTTP with a bearer key (a team key or the admin key): every failure becomes a
 * RouterApiError carrying the server's `detail`. The key goes into the Authorization header
 * and nowhere else; every message this module makes is filtered so it cannot contain it.
 */
import { RouterApiError } from "./errors.ts";

export interface HttpOptions {
  /** Base URL of the router, e.g. http://127.0.0.1:8787 (a trailing slash is ignored). */
  url: string;
  /** A team's API key, or the admin key for administration. */
  key: string;
  /** Per-request timeout (ms); default 30 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export type Query = Record<string, string | number | undefined>;

export interface RequestOptions {
  body?: unknown;
  query?: Query;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Replaces every occurrence of `secret` in `text` (no-op for empty secrets). */
export function redact(text: string, secret: string | undefined, label = "<key>"): string {
  if (!secret) return text;
  return text.split(secret).join(label);
}

export class Http {
  readonly base: string;
  private readonly key: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(
    options: HttpOptions,
    /** How the key is shown if it ever reaches a message. */
    private readonly keyLabel = "<key>",
  ) {
    this.base = options.url.replace(/\/+$/, "");
    this.key = options.key;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** Sends a request; resolves to the parsed JSON body (2xx) or throws RouterApiError. */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const { text, contentType } = await this.send(method, path, options);
    if (!/json/i.test(contentType) && text.trim() === "") return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new RouterApiError(`${method} ${path}: the server answered with something that is not JSON`, 0);
    }
  }

  /** Sends a request; resolves to the raw body text (2xx) or throws RouterApiError. */
  async text(method: string, path: string, options: RequestOptions = {}): Promise<string> {
    return (await this.send(method, path, options)).text;
  }

  private async send(method: string, path: string, options: RequestOptions) {
    const url = new URL(this.base + path);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== "") url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { authorization: `Bearer ${this.key}`, accept: "application/json, text/csv;q=0.9", ...options.headers };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
      });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason ?? error;
      throw new RouterApiError(this.clean(`Cannot reach the router at ${this.base}: ${describeFetchError(error)}`), 0);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new RouterApiError(this.clean(`Reading the answer of ${method} ${path} failed: ${describeFetchError(error)}`), 0);
    }
    if (!response.ok) {
      const retryAfter = Number(response.headers.get("retry-after"));
      throw new RouterApiError(this.clean(errorDetail(response.status, text)), response.status, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
    }
    return { text, contentType: response.headers.get("content-type") ?? "" };
  }

  private clean(message: string): string {
    return redact(message, this.key, this.keyLabel);
  }
}

/** The server's `detail`, or a short description of a body that is not the error shape. */
function errorDetail(status: number, text: string): string {
  try {
    const parsed = JSON.parse(text) as { detail?: unknown };
    if (parsed && typeof parsed.detail === "string" && parsed.detail) return parsed.detail;
  } catch {
    /* not JSON */
  }
  const snippet = text.trim().slice(0, 200);
  return snippet ? `HTTP ${status}: ${snippet}` : `HTTP ${status}`;
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === "TimeoutError" || error.name === "AbortError") return "the request timed out";
    const cause = (error as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as Error & { code?: string }).code;
      return code ? `${code} (${cause.message})` : cause.message;
    }
    return error.message;
  }
  return String(error);
}
