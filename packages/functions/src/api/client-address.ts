/**
 * The address a request came from, as the platform saw it: API Gateway's `sourceIp` in Lambda
 * (hono/aws-lambda passes the event's requestContext as env), the socket's peer on the local
 * node server. X-Forwarded-For is never read: a client could write anything there.
 */
import type { Context } from "hono";

interface Bindings {
  requestContext?: { http?: { sourceIp?: string }; identity?: { sourceIp?: string } };
  incoming?: { socket?: { remoteAddress?: string } };
}

export function clientAddress(c: Context): string {
  const env = (c.env ?? {}) as Bindings;
  return env.requestContext?.http?.sourceIp ?? env.requestContext?.identity?.sourceIp ?? env.incoming?.socket?.remoteAddress ?? "unknown";
}
