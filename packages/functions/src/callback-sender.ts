/** POSTs result objects to teams' callback URLs (JSON, or a form for 2Captcha pingbacks; 10 s timeout). */
import type { CallbackSender } from "@solver-router/core";

export function fetchCallbackSender(timeoutMs = 10_000): CallbackSender {
  return {
    async post(url, body) {
      const form = body instanceof URLSearchParams;
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": form ? "application/x-www-form-urlencoded" : "application/json", "user-agent": "solver-router-callback/1" },
          body: form ? body.toString() : JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
          redirect: "manual",
        });
        await response.body?.cancel();
        return { ok: response.status >= 200 && response.status < 300, status: response.status };
      } catch (error) {
        return { ok: false, error: error instanceof Error ? error.name : "request failed" };
      }
    },
  };
}
