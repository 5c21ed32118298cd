/** Helpers the adapter tests share: a provider to call, a fetch that answers one canned response, error checks. */
import type { Provider, UpstreamError } from "@solver-router/core";
import { expect } from "vitest";
import type { FetchFn } from "../src/http/upstream-client.ts";

/** A 1×1 PNG, base64. */
export const IMAGE = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/** `provider(baseUrl, apiKey = key)`: an enabled provider with no task pricing, as the adapters see one. */
export function providerFactory(id: string, protocol: string, key: string) {
  return (baseUrl: string, apiKey = key): Provider => ({ id, protocol, baseUrl, apiKey, enabled: true, tasks: {} });
}

/** A fetch that answers one canned response (JSON for an object, HTML for a string) and records what it was asked. */
export function cannedFetch(status: number, body: string | object, headers: Record<string, string> = {}) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn: FetchFn = async (url, init) => {
    calls.push({ url, init });
    const text = typeof body === "string" ? body : JSON.stringify(body);
    const type = typeof body === "string" ? "text/html" : "application/json";
    return new Response(text, { status, headers: { "content-type": type, ...headers } });
  };
  return { fn, calls };
}

/**
 * `expectError(outcome, fault, code?)` for one provider key: the outcome is an upstream error
 * with that fault (and code), whose message does not hold the key (and, when asked, is longer
 * than `messageLongerThan`). Every error it saw is kept in `errorsSeen` for a last sweep.
 */
export function errorChecks(key: string, opts: { messageLongerThan?: number } = {}) {
  const errorsSeen: UpstreamError[] = [];
  function expectError(outcome: { kind: string; error?: UpstreamError }, fault: UpstreamError["fault"], code?: string): UpstreamError {
    expect(outcome.kind).toBe("error");
    const error = outcome.error!;
    errorsSeen.push(error);
    expect(error.fault).toBe(fault);
    if (code) expect(error.code).toBe(code);
    expect(error.message).not.toContain(key);
    if (opts.messageLongerThan !== undefined) expect(error.message.length).toBeGreaterThan(opts.messageLongerThan);
    return error;
  }
  return { expectError, errorsSeen };
}
