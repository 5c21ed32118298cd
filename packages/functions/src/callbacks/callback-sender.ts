/**
 * POSTs result objects to teams' callback URLs: JSON, 10 s timeout, redirects never followed,
 * the connected address checked against the callback policy (target-policy.ts), and signed
 * with the team's callback secret:
 *   X-Router-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *   X-Router-Event-Id:  the same on every retry of one event
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { callbackSignature, type CallbackSender, type Logger } from "@solver-router/core";
import { guardedLookup, isPublicAddress, type CallbackTargetPolicy } from "./target-policy.ts";

export interface CallbackSenderOptions {
  policy: CallbackTargetPolicy;
  /** The team's signing secret (TeamStore.getCallbackSecret). */
  secretFor: (teamId: string) => Promise<string | undefined>;
  logger?: Logger;
  timeoutMs?: number;
  now?: () => number;
}

export function signedCallbackSender(options: CallbackSenderOptions): CallbackSender {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const now = options.now ?? Date.now;
  const lookup = guardedLookup(options.policy);
  return {
    async post(url, body, delivery) {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        return { ok: false, error: "invalid URL" };
      }
      const secure = target.protocol === "https:";
      if (!secure && (options.policy.httpsOnly || target.protocol !== "http:")) return { ok: false, error: "refused: scheme" };
      const literal = target.hostname.replace(/^\[|\]$/g, "");
      if (!options.policy.allowPrivate && isIP(literal) && !isPublicAddress(literal)) return { ok: false, error: "refused: non-public address" };

      // A 2Captcha-facade pingback is a form (core's facade-ids.ts); everything else is JSON.
      const form = body instanceof URLSearchParams;
      const raw = form ? body.toString() : JSON.stringify(body);
      const headers: Record<string, string> = {
        "content-type": form ? "application/x-www-form-urlencoded" : "application/json",
        "content-length": String(Buffer.byteLength(raw)),
        "user-agent": "solver-router-callback/1",
      };
      if (delivery) {
        headers["x-router-event-id"] = delivery.eventId;
        const secret = await options.secretFor(delivery.teamId);
        if (secret) headers["x-router-signature"] = callbackSignature(secret, Math.floor(now() / 1000), raw);
        else options.logger?.warn("callback sent unsigned: the team has no callback secret", { team_id: delivery.teamId });
      }
      return new Promise((resolve) => {
        const send = secure ? httpsRequest : httpRequest;
        const req = send(target, { method: "POST", headers, lookup, timeout: timeoutMs }, (response) => {
          // Only the status matters: the body is never read, so a receiver cannot hold the worker with it.
          const status = response.statusCode ?? 0;
          response.destroy();
          resolve({ ok: status >= 200 && status < 300, status });
        });
        req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })));
        req.on("error", (error: NodeJS.ErrnoException) => resolve({ ok: false, error: error.code ?? error.name }));
        req.end(raw);
      });
    },
  };
}
