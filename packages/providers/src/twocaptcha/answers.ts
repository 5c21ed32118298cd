/**
 * Reading in.php / res.php answers (2Captcha's documentation "Solving Captchas", "Error Handling").
 *
 * The adapter always asks for `json=1`, but the providers' documents warn that errors can still come back as
 * plain text and that HTML pages (500, 502) happen, so every answer is read both ways:
 *   JSON   {"status":1,"request":"…"}  (Turnstile adds "useragent")  ·  {"status":0,"request":"ERROR_…"}
 *   plain  OK|…  ·  OK_REPORT_RECORDED  ·  CAPCHA_NOT_READY  ·  ERROR_…  ·  ERROR: 1005
 */
import type { Solution, SolutionKind } from "@solver-router/core";

export type Answer =
  /** status 1 (or `OK|…`): `request` as sent (string, or an array/object in some JSON answers). */
  | { kind: "ok"; request: unknown; extra: Record<string, unknown> }
  | { kind: "not_ready" }
  | { kind: "error"; code: string }
  /** Not a protocol answer at all (HTML page, empty body, unknown JSON shape). */
  | { kind: "unparseable" };

const NOT_READY = new Set(["CAPCHA_NOT_READY", "CAPTCHA_NOT_READY"]);
/** A bare code such as ERROR_ZERO_BALANCE, IP_BANNED, MAX_USER_TURN or `ERROR: 1005`. */
const PLAIN_CODE = /^(?:[A-Z][A-Z0-9_]{1,63}|ERROR:\s*\d{1,6})$/;

/** Parses one answer body (already known not to be an HTTP 5xx). */
export function parseAnswer(body: string): Answer {
  const text = body.replace(/^\uFEFF/, "").trim();
  if (text === "") return { kind: "unparseable" };
  if (text.startsWith("{")) return parseJsonAnswer(text);
  return parsePlainAnswer(text);
}

function parseJsonAnswer(text: string): Answer {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: "unparseable" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { kind: "unparseable" };
  const { status, request, ...extra } = value as Record<string, unknown>;
  const statusNumber = typeof status === "string" ? Number(status) : status;
  if (statusNumber === 1) {
    if (request === undefined || request === null) return { kind: "unparseable" };
    return { kind: "ok", request, extra };
  }
  if (statusNumber === 0) {
    if (typeof request !== "string") return { kind: "unparseable" };
    const code = request.trim();
    if (NOT_READY.has(code)) return { kind: "not_ready" };
    if (PLAIN_CODE.test(code)) return { kind: "error", code };
    return { kind: "unparseable" };
  }
  return { kind: "unparseable" };
}

function parsePlainAnswer(text: string): Answer {
  if (text.startsWith("OK|")) return { kind: "ok", request: text.slice(3), extra: {} };
  if (text === "OK_REPORT_RECORDED") return { kind: "ok", request: text, extra: {} };
  if (NOT_READY.has(text)) return { kind: "not_ready" };
  if (PLAIN_CODE.test(text)) return { kind: "error", code: text };
  return { kind: "unparseable" };
}

/** A captcha id from a successful in.php answer: digits per the providers' documents; tolerate ids of letters too. */
export function readCaptchaId(request: unknown): string | undefined {
  const id = typeof request === "number" ? String(request) : typeof request === "string" ? request.trim() : undefined;
  return id && /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : undefined;
}

export type SolutionRead = { ok: true; solution: Solution } | { ok: false; problem: string };

/** Turns the `request` of a solved res.php answer into the solution of the task's kind. */
export function readSolution(kind: SolutionKind, request: unknown, extra: Record<string, unknown>): SolutionRead {
  switch (kind) {
    case "token": {
      if (typeof request !== "string" || request.trim() === "") return { ok: false, problem: "the token is empty" };
      const userAgent = typeof extra.useragent === "string" && extra.useragent.trim() !== "" ? extra.useragent : undefined;
      return { ok: true, solution: userAgent ? { kind: "token", token: request.trim(), userAgent } : { kind: "token", token: request.trim() } };
    }
    case "text": {
      const text = typeof request === "number" ? String(request) : request;
      if (typeof text !== "string" || text === "") return { ok: false, problem: "the text answer is empty" };
      return { ok: true, solution: { kind: "text", text } };
    }
    case "coordinates": {
      const coordinates = parseCoordinates(request);
      if (!coordinates) return { ok: false, problem: "the coordinates cannot be read" };
      return { ok: true, solution: { kind: "coordinates", coordinates } };
    }
  }
}

const POINT = /^x=(-?\d+(?:\.\d+)?),y=(-?\d+(?:\.\d+)?)$/;

/**
 * Click coordinates, in either form the protocol uses:
 *   "coordinate:x=39,y=59;x=252,y=72"              (plain text; also inside JSON "request")
 *   [{"x":"39","y":"59"},{"x":252,"y":72}]          (JSON answers)
 * An answer with no points ("coordinate:" or []) is a valid "nothing to click".
 */
export function parseCoordinates(request: unknown): { x: number; y: number }[] | undefined {
  if (Array.isArray(request)) {
    const points: { x: number; y: number }[] = [];
    for (const item of request) {
      if (typeof item !== "object" || item === null) return undefined;
      const x = toNumber((item as Record<string, unknown>).x);
      const y = toNumber((item as Record<string, unknown>).y);
      if (x === undefined || y === undefined) return undefined;
      points.push({ x, y });
    }
    return points;
  }
  if (typeof request !== "string") return undefined;
  const text = request.trim().replace(/\s+/g, "");
  const match = /^(?:coordinates?|click):(.*)$/i.exec(text);
  if (!match) return undefined;
  const list = (match[1] as string).replace(/;+$/, "");
  if (list === "") return [];
  const points: { x: number; y: number }[] = [];
  for (const part of list.split(";")) {
    const point = POINT.exec(part);
    if (!point) return undefined;
    points.push({ x: Number(point[1]), y: Number(point[2]) });
  }
  return points;
}

function toNumber(value: unknown): number | undefined {
  const number = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  return Number.isFinite(number) ? number : undefined;
}
