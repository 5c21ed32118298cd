/**
 * What a team is told about an upstream's error (a task's `error`, `attempts[].error`, the
 * routing reason of a failover): the router's own words. An adapter's `message` is already the
 * router's sentence and its `detail` (the upstream's text) is never used here; an error that
 * puts the provider out of service (zero balance, key refused, IP banned, account limits) is
 * about the router's own account, so neither its code nor its sentence is shown.
 */
import type { UpstreamError } from "./adapter.ts";

/** An upstream code kept only when it looks like one (ERROR_PAGEURL, HTTP_502, TASK_FAILED…). */
const CODE_SHAPE = /^[A-Za-z][A-Za-z0-9_]{1,63}$/;

export const PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE";

/** The error's code as a team may see it. */
export function teamFacingCode(error: UpstreamError): string {
  if (error.fault === "cooldown") return PROVIDER_UNAVAILABLE;
  return CODE_SHAPE.test(error.code) ? error.code : "UPSTREAM_ERROR";
}

/** The sentence a team may see. */
export function teamFacingMessage(error: UpstreamError): string {
  return error.fault === "cooldown" ? "The provider could not take tasks at the moment." : error.message;
}

/** `CODE: sentence`, as an attempt's error. */
export const teamFacingError = (error: UpstreamError): string => `${teamFacingCode(error)}: ${teamFacingMessage(error)}`;

/** The full account for admins and logs (a provider's cooldown reason): code, sentence and the upstream's words. */
export const adminFacingError = (error: UpstreamError): string =>
  `${error.code}: ${error.message}${error.detail ? ` (${error.detail})` : ""}`;
