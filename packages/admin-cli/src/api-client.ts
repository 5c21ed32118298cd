/**
 * A small client for the router's admin API (docs/api.md): JSON in and out, the admin key as a
 * bearer token, every failure turned into an ApiError carrying the server's `detail`.
 *
 * The admin key is a secret: it goes into the Authorization header and nowhere else. No
 * message this module produces contains it (and `redact` is applied to everything that
 * could echo it back, just in case).
 */

export class ApiError extends Error {
  constructor(
    message: string,
    /** HTTP status, or 0 when the server could not be reached or answered nonsense. */
    readonly status: number,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface ApiClientOptions {
  /** Base URL of the router, e.g. http://127.0.0.1:8787 (a trailing slash is ignored). */
  url: string;
  adminKey: string;
  /** Per-request timeout (ms); default 30 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export type Query = Record<string, string | undefined>;

/** Replaces every occurrence of `secret` in `text` (no-op for empty secrets). */
export function redact(text: string, secret: string | undefined): string {
  if (!secret) return text;
  return text.split(secret).join("<admin key>");
}

export class ApiClient {
  private readonly base: string;
  private readonly adminKey: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ApiClientOptions) {
    this.base = options.url.replace(/\/+$/, "");
    this.adminKey = options.adminKey;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  get url(): string {
    return this.base;
  }

  /** Sends a request; resolves to the parsed JSON body (2xx) or throws ApiError. */
  async json<T = unknown>(method: string, path: string, options: { body?: unknown; query?: Query } = {}): Promise<T> {
    const { text, contentType } = await this.send(method, path, options);
    if (!/json/i.test(contentType) && text.trim() === "") return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(`${method} ${path}: the server answered with something that is not JSON`, 0);
    }
  }

  /** Sends a request; resolves to the raw body text (2xx) or throws ApiError. */
  async text(method: string, path: string, options: { body?: unknown; query?: Query } = {}): Promise<string> {
    return (await this.send(method, path, options)).text;
  }

  private async send(method: string, path: string, options: { body?: unknown; query?: Query }) {
    const url = new URL(this.base + path);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== "") url.searchParams.set(name, value);
    }
    const headers: Record<string, string> = { authorization: `Bearer ${this.adminKey}`, accept: "application/json, text/csv;q=0.9" };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new ApiError(this.clean(`Cannot reach the router at ${this.base}: ${describeFetchError(error)}`), 0);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new ApiError(this.clean(`Reading the answer of ${method} ${path} failed: ${describeFetchError(error)}`), 0);
    }
    if (!response.ok) {
      throw new ApiError(this.clean(errorDetail(response.status, text)), response.status);
    }
    return { text, contentType: response.headers.get("content-type") ?? "" };
  }

  private clean(message: string): string {
    return redact(message, this.adminKey);
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
