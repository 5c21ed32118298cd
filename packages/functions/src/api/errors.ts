/**
 * Turning every failure into docs/api.md's error shape: a status and {"detail": one sentence}.
 * Anything unexpected is a 500 logged with a request id; no input reaches that path on purpose.
 */
import { DomainError, MoneyFormatError, type Logger } from "@solver-router/core";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ZodError } from "zod";

export const BODY_TOO_LARGE = "Request body is larger than 1 MiB";

export const detail = (c: Context, status: number, message: string, headers?: Record<string, string>) =>
  c.json({ detail: message }, status as 400, headers);

/** "page_url: must be an http(s) URL" — the first problem, naming the field. */
export function describeZodError(error: ZodError, where = "body"): string {
  const issue = error.issues[0];
  if (!issue) return `Invalid request ${where}`;
  const path = issue.path.map(String).join(".");
  let message = issue.message;
  if (issue.code === "invalid_type" && /received undefined/.test(message)) message = "is required";
  else if (/^Invalid input: expected/.test(message)) message = message.replace(/^Invalid input: /, "");
  return path ? `${path}: ${message}` : `Invalid request ${where}: ${message}`;
}

export function errorHandler(logger: Logger) {
  return (error: Error, c: Context) => {
    if (error instanceof DomainError) {
      return detail(c, error.status, error.message);
    }
    if (error instanceof MoneyFormatError) return detail(c, 400, error.message);
    if (error instanceof HTTPException) {
      const status = error.status;
      if (status === 413) return detail(c, 413, BODY_TOO_LARGE);
      if (status === 415) return detail(c, 415, "Request body must be JSON (Content-Type: application/json)");
      if (status === 400 && /JSON/i.test(error.message)) return detail(c, 400, "Request body is not valid JSON");
      return detail(c, status, error.message || "Bad request");
    }
    const requestId = c.get("requestId" as never) as string | undefined;
    logger.error("unhandled error", { request_id: requestId, error: error.stack ?? String(error) });
    return detail(c, 500, `Internal server error (request id ${requestId ?? "unknown"})`);
  };
}
