/**
 * A sandbox upstream speaking the twocaptcha protocol (in.php / res.php) the way 2Captcha's documentation
 * describes it, for the local stack and the tests. Over real HTTP; nothing is solved, answers
 * are deterministic per captcha kind once `solveAfterMs` has passed.
 *
 *  in.php   POST (urlencoded, multipart/form-data or JSON body) or GET query
 *           → OK|<id>  /  {"status":1,"request":"<id>"}   or an error code
 *  res.php  GET or POST: action=get (id= or ids=), get2, reportgood, reportbad, getbalance,
 *           add_pingback, get_pingback, del_pingback
 *           → CAPCHA_NOT_READY until solved, then OK|<answer> (JSON: {"status":1,"request":…},
 *             Turnstile adds "useragent")
 *
 * Answers are JSON when the request has json=1, plain text otherwise, always HTTP 200 (as the
 * real service does); the fault switch "http_500" answers an HTML 500 page instead.
 * Every request is recorded (`requests`, with the key masked and images shortened) and every
 * captcha's result requests are timed (`stats()`), so tests can check the polling rules
 * (first check after 5 s / 15 s, at most 20 result requests per captcha).
 * The sandbox never logs; the key is never kept in full.
 *
 * Realistic behaviour, each behind an option so tests keep fast, permissive defaults:
 *  - `enforceLimits`: the documented request limits (MAX_USER_TURN, ERROR: 1001-1005,
 *    see twocaptcha-limits.ts); the counts (`limits()`, e.g. the most in.php requests seen in any
 *    3 s) are kept either way; `tokenQueueLimit` answers ERROR_NO_SLOT_AVAILABLE while that many
 *    token captchas are unsolved;
 *  - pingback (twocaptcha-pingback.ts): `pingback=` on in.php, action=add_pingback / get_pingback /
 *    del_pingback on res.php; a solved captcha's answer is POSTed to its pingback URL;
 *    `requirePingbackRegistration`, `refusePingbackRegistration` and `dropPingbackShare` make it
 *    strict, unavailable or lossy;
 *  - `solveTimeRangesMs` + `seed`: solve times drawn per kind (REALISTIC_TWOCAPTCHA_SOLVE_TIMES);
 *    `stats()` tells when each captcha was solved, to measure how late the router learns it.
 *
 * Test hook: a captcha whose googlekey / sitekey / textcaptcha / textinstructions contains
 * "SANDBOX_UNSOLVABLE" answers ERROR_CAPTCHA_UNSOLVABLE once its solve time has passed
 * (for fallback tests without switching the whole sandbox to a fault).
 */
import { createHash } from "node:crypto";
import { Hono, type Context } from "hono";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { shorten } from "./record.ts";
import { serveSandbox } from "./serve.ts";
import { REALISTIC_IMAGE_SOLVE_MS, REALISTIC_TOKEN_SOLVE_MS, solveTimeDrawer, type SolveTimeRange } from "./solve-times.ts";
import { DOCUMENTED_TWOCAPTCHA_LIMITS, TwocaptchaLimits, type TwocaptchaLimitCounters, type TwocaptchaLimitRules } from "./twocaptcha-limits.ts";
import { PingbackRegistry, sendPingback, type PingbackOutcome } from "./twocaptcha-pingback.ts";

/** The kinds of captcha the sandbox tells apart (the protocol's methods it implements). */
export type TwocaptchaSandboxKind = "normal" | "text" | "coordinates" | "recaptcha_v2" | "recaptcha_v3" | "turnstile";

export type TwocaptchaSandboxFault = null | "zero_balance" | "http_500" | "unsolvable" | "no_slot" | "bad_key";

export interface TwocaptchaSandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The only key accepted; by default any 32-character key is accepted. */
  apiKey?: string;
  /** How long until a captcha is solved: one figure for all, or per kind (defaults: image/text 1000 ms, token 3000 ms). */
  solveAfterMs?: number | Partial<Record<TwocaptchaSandboxKind, number>>;
  /** Shown in the HTML error page and returned as `name`. */
  name?: string;
  /**
   * How a json=1 answer carries coordinates: "text" (default, as 2Captcha's documentation shows:
   * "coordinate:x=39,y=59;x=252,y=72") or "array" ([{"x":"39","y":"59"},…]).
   */
  jsonCoordinates?: "text" | "array";
  /** What getbalance answers (USD); default 100. */
  balance?: number;
  /** The clock, for tests; default Date.now. */
  now?: () => number;
  /** Solve times drawn per kind from these ranges (with `seed`); kinds without a range keep `solveAfterMs`. */
  solveTimeRangesMs?: Partial<Record<TwocaptchaSandboxKind, SolveTimeRange>>;
  /** Seed for the drawn solve times and the dropped pingbacks; default 1. */
  seed?: number;
  /** Answer with the documented request-limit blocks (true: the documented figures). Default false: only count. */
  enforceLimits?: boolean | Partial<TwocaptchaLimitRules>;
  /** Send pingbacks only to hosts registered with add_pingback, as the service does. Default false: to any pingback URL. */
  requirePingbackRegistration?: boolean;
  /** add_pingback answers ERROR_IP_ADDRES: pingback is unavailable to the client. */
  refusePingbackRegistration?: boolean;
  /** Share (0-1) of pingbacks silently not sent ("lost pingback" tests); drawn with `seed`. Default 0. */
  dropPingbackShare?: number;
  /**
   * ERROR_NO_SLOT_AVAILABLE for a token captcha while this many token captchas are unsolved (the
   * seeds' queue limit, "usually between 50 and 100"). Default: no limit.
   */
  tokenQueueLimit?: number;
}

/** Realistic solve times as ranges (SolveCaptcha's documentation lists typical speeds per type): images 4-12 s, tokens 15-45 s. */
export const REALISTIC_TWOCAPTCHA_SOLVE_TIMES: Readonly<Record<TwocaptchaSandboxKind, SolveTimeRange>> = {
  normal: REALISTIC_IMAGE_SOLVE_MS,
  text: REALISTIC_IMAGE_SOLVE_MS,
  coordinates: REALISTIC_IMAGE_SOLVE_MS,
  recaptcha_v2: REALISTIC_TOKEN_SOLVE_MS,
  recaptcha_v3: REALISTIC_TOKEN_SOLVE_MS,
  turnstile: REALISTIC_TOKEN_SOLVE_MS,
};

export interface TwocaptchaRecordedRequest {
  path: string;
  method: string;
  /** Query and body merged (body wins); `key` masked, image `body`/`file` shortened. The newest 20,000 are kept. */
  params: Record<string, string>;
  /** Epoch ms. */
  at: number;
}

export interface TwocaptchaSandboxCaptchaStats {
  id: string;
  /** The in.php method as sent ("base64", "post", "userrecaptcha", "turnstile", or "textcaptcha" when none). */
  method: string;
  kind: TwocaptchaSandboxKind;
  submittedAt: number;
  /** When res.php starts answering with the solution (or, for an unsolvable one, with the error). */
  readyAt: number;
  /** When the upstream solved it (= readyAt); absent for a captcha that ends unsolvable. */
  solvedAt?: number;
  /** The answer it gives once solved (plain-text form), so a client's result can be traced back to its captcha. */
  answer?: string;
  /** The `pingback=` URL it was submitted with. */
  pingbackUrl?: string;
  pingback?: PingbackOutcome;
  /** Times of every res.php get (single or batch) that asked for this captcha. */
  resultRequests: number[];
  reports: ("good" | "bad")[];
}

export interface TwocaptchaSandbox {
  name: string;
  url: string;
  port: number;
  requests: TwocaptchaRecordedRequest[];
  close(): Promise<void>;
  setFault(fault: TwocaptchaSandboxFault): void;
  stats(): Record<string, TwocaptchaSandboxCaptchaStats>;
  /** The request-limit counts and blocks (kept whether or not the limits are enforced). */
  limits(): TwocaptchaLimitCounters;
  /** The registered pingback addresses. */
  pingbackAddresses(): string[];
}

interface Captcha {
  id: string;
  method: string;
  kind: TwocaptchaSandboxKind;
  submittedAt: number;
  readyAt: number;
  params: Record<string, string>;
  unsolvable: boolean;
  resultRequests: number[];
  reports: ("good" | "bad")[];
  pingbackUrl?: string;
  pingback?: PingbackOutcome;
}

const DEFAULT_SOLVE_AFTER_MS: Record<TwocaptchaSandboxKind, number> = {
  normal: 1000,
  text: 1000,
  coordinates: 1000,
  recaptcha_v2: 3000,
  recaptcha_v3: 3000,
  turnstile: 3000,
};

const PRICE_USD: Record<TwocaptchaSandboxKind, string> = {
  normal: "0.001",
  text: "0.001",
  coordinates: "0.0012",
  recaptcha_v2: "0.00299",
  recaptcha_v3: "0.00299",
  turnstile: "0.00145",
};

const SANDBOX_USER_AGENT =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const UNSOLVABLE_MARKER = "SANDBOX_UNSOLVABLE";
const TOKEN_KINDS: ReadonlySet<TwocaptchaSandboxKind> = new Set(["recaptcha_v2", "recaptcha_v3", "turnstile"]);
/** The local stack runs for hours: keep the newest requests only. */
const MAX_RECORDED_REQUESTS = 20_000;
const MIN_IMAGE_BYTES = 100;
const MAX_IMAGE_BYTES = 600 * 1024;
const PROXY = /^(?:[^:@\s]+:[^@\s]+@)?[^:@\s/]+:\d{1,5}$/;
const PROXY_TYPES = new Set(["HTTP", "HTTPS", "SOCKS4", "SOCKS5"]);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export async function startTwocaptchaSandbox(options: TwocaptchaSandboxOptions = {}): Promise<TwocaptchaSandbox> {
  const name = options.name ?? "twocaptcha-sandbox";
  const host = options.host ?? "127.0.0.1";
  const now = options.now ?? Date.now;
  const jsonCoordinates = options.jsonCoordinates ?? "text";
  const seed = options.seed ?? 1;
  const drawSolveTime = solveTimeDrawer(resolveSolveAfter(options.solveAfterMs), options.solveTimeRangesMs, seed);
  const dropRandom = xoroshiro128plus(seed + 1);
  const limits = new TwocaptchaLimits(
    options.enforceLimits ? { ...DOCUMENTED_TWOCAPTCHA_LIMITS, ...(options.enforceLimits === true ? {} : options.enforceLimits) } : undefined,
  );
  const pingbacks = new PingbackRegistry();
  const pingbackTimers = new Set<NodeJS.Timeout>();

  const requests: TwocaptchaRecordedRequest[] = [];
  const captchas = new Map<string, Captcha>();
  let fault: TwocaptchaSandboxFault = null;
  let nextId = 74_000_000_001;

  const app = new Hono();

  const handle = (endpoint: "in" | "res") => async (c: Context) => {
    const { params, files } = await readParams(c);
    const at = now();
    requests.push({ path: c.req.path, method: c.req.method, params: recordable(params, files), at });
    if (requests.length > MAX_RECORDED_REQUESTS) requests.splice(0, requests.length - MAX_RECORDED_REQUESTS);
    const reply = new Reply(c, params.json === "1" || params.json === "true", params.header_acao === "1");

    if (fault === "http_500") return htmlError(c, name);
    const ipBlock = limits.ipBlocked(at);
    if (ipBlock) return reply.error(ipBlock);
    const keyError = checkKey(params.key);
    if (keyError) {
      limits.wrongKey(at);
      return reply.error(keyError);
    }
    const block = endpoint === "in" ? limits.inPhp(at) : limits.resPhp(at);
    if (block) return reply.error(block);
    if (endpoint === "res") return result(params, at, reply);
    const submitted = submit(params, files, at);
    if ("error" in submitted) {
      limits.errorAnswered(submitted.error, at, submitted.queueFull);
      return reply.error(submitted.error);
    }
    limits.uploaded(at);
    return reply.ok(submitted.id, `OK|${submitted.id}`);
  };

  function checkKey(key: string | undefined): string | undefined {
    if (!key || key.length !== 32) return "ERROR_WRONG_USER_KEY";
    if (fault === "bad_key") return "ERROR_KEY_DOES_NOT_EXIST";
    if (options.apiKey !== undefined && key !== options.apiKey) return "ERROR_KEY_DOES_NOT_EXIST";
    return undefined;
  }

  function submit(
    params: Record<string, string>,
    files: Record<string, Uint8Array>,
    at: number,
  ): { id: string } | { error: string; queueFull?: boolean } {
    if (fault === "zero_balance") return { error: "ERROR_ZERO_BALANCE" };
    if (fault === "no_slot") return { error: "ERROR_NO_SLOT_AVAILABLE" };

    const checked = checkSubmit(params, files);
    if ("error" in checked) return checked;
    if (options.tokenQueueLimit !== undefined && TOKEN_KINDS.has(checked.kind)) {
      let queued = 0;
      for (const captcha of captchas.values()) if (TOKEN_KINDS.has(captcha.kind) && captcha.readyAt > at) queued += 1;
      if (queued >= options.tokenQueueLimit) return { error: "ERROR_NO_SLOT_AVAILABLE", queueFull: true };
    }

    const id = String(nextId++);
    const captcha: Captcha = {
      id,
      method: params.method || "textcaptcha",
      kind: checked.kind,
      submittedAt: at,
      readyAt: at + drawSolveTime(checked.kind),
      params,
      unsolvable: [params.googlekey, params.sitekey, params.textcaptcha, params.textinstructions].some((v) =>
        v?.includes(UNSOLVABLE_MARKER),
      ),
      resultRequests: [],
      reports: [],
    };
    captchas.set(id, captcha);
    const pingbackUrl = params.pingback?.trim();
    if (pingbackUrl) schedulePingback(captcha, pingbackUrl);
    return { id };
  }

  /** At the captcha's solve time: POST its answer to the pingback URL, unless something documented stops it. */
  function schedulePingback(captcha: Captcha, url: string) {
    captcha.pingbackUrl = url;
    captcha.pingback = { status: "pending" };
    // Drawn at submission, so the same seed and order of submissions lose the same pingbacks.
    const drop = uniformInt(dropRandom, 0, 999_999) < (options.dropPingbackShare ?? 0) * 1_000_000;
    const timer = setTimeout(
      () => {
        pingbackTimers.delete(timer);
        const current = state(captcha, captcha.readyAt);
        if ("code" in current) captcha.pingback = { status: "not_solved" };
        else if (options.requirePingbackRegistration && !pingbacks.allows(url)) captcha.pingback = { status: "unregistered" };
        else if (drop) captcha.pingback = { status: "dropped", at: now() };
        else void sendPingback(url, captcha.id, current.answer, now).then((outcome) => (captcha.pingback = outcome));
      },
      Math.max(0, captcha.readyAt - now()),
    );
    timer.unref();
    pingbackTimers.add(timer);
  }

  function result(params: Record<string, string>, at: number, reply: Reply) {
    const action = (params.action ?? "").trim();
    switch (action) {
      case "":
        return reply.error("ERROR_EMPTY_ACTION");
      case "getbalance": {
        const balance = fault === "zero_balance" ? "0" : String(options.balance ?? 100);
        return reply.ok(balance, balance);
      }
      case "get":
        if (params.ids !== undefined) return batchGet(params.ids, at, reply);
        return get(params.id, at, reply, false);
      case "get2":
        return get(params.id, at, reply, true);
      case "add_pingback": {
        if (options.refusePingbackRegistration) return reply.error("ERROR_IP_ADDRES");
        if (!params.addr?.trim() || !pingbacks.add(params.addr.trim())) return reply.error("ERROR_BAD_PARAMETERS");
        return reply.ok("OK", "OK");
      }
      case "get_pingback": {
        const list = pingbacks.list();
        return reply.ok(list, list.join(","));
      }
      case "del_pingback": {
        if (!params.addr?.trim()) return reply.error("ERROR_BAD_PARAMETERS");
        pingbacks.remove(params.addr.trim());
        return reply.ok("OK", "OK");
      }
      case "reportgood":
      case "reportbad": {
        const found = lookup(params.id);
        if ("error" in found) return reply.error(found.error);
        if (found.captcha.reports.length > 0) return reply.error("ERROR_DUPLICATE_REPORT");
        found.captcha.reports.push(action === "reportgood" ? "good" : "bad");
        return reply.ok("OK_REPORT_RECORDED", "OK_REPORT_RECORDED");
      }
      default:
        return reply.error("ERROR_BAD_PARAMETERS");
    }
  }

  function lookup(id: string | undefined): { captcha: Captcha } | { error: string } {
    if (!id || !/^\d+$/.test(id.trim())) return { error: "ERROR_WRONG_ID_FORMAT" };
    const captcha = captchas.get(id.trim());
    return captcha ? { captcha } : { error: "ERROR_WRONG_CAPTCHA_ID" };
  }

  /** The state of one captcha for a result request: an answer, not ready, or an error code. */
  function state(captcha: Captcha, at: number): { answer: string } | { code: string } {
    if (fault === "unsolvable") return { code: "ERROR_CAPTCHA_UNSOLVABLE" };
    if (at < captcha.readyAt) return { code: "CAPCHA_NOT_READY" };
    if (captcha.unsolvable) return { code: "ERROR_CAPTCHA_UNSOLVABLE" };
    return { answer: answerFor(captcha) };
  }

  function get(id: string | undefined, at: number, reply: Reply, withPrice: boolean) {
    const found = lookup(id);
    if ("error" in found) return reply.error(found.error);
    const { captcha } = found;
    captcha.resultRequests.push(at);
    const current = state(captcha, at);
    if ("code" in current) return reply.error(current.code);
    const extra: Record<string, unknown> = {};
    if (captcha.kind === "turnstile") extra.useragent = SANDBOX_USER_AGENT;
    if (withPrice) extra.price = PRICE_USD[captcha.kind];
    const jsonRequest =
      captcha.kind === "coordinates" && jsonCoordinates === "array" ? coordinatesArray(captcha.id) : current.answer;
    const plain = withPrice ? `OK|${current.answer}|${PRICE_USD[captcha.kind]}` : `OK|${current.answer}`;
    return reply.ok(jsonRequest, plain, extra);
  }

  /** `ids=1,2,3` (the older 2Captcha API description): the answers or codes joined with "|", in the order asked. */
  function batchGet(ids: string, at: number, reply: Reply) {
    const list = ids.split(",").map((id) => id.trim()).filter(Boolean);
    if (list.length === 0) return reply.error("ERROR_WRONG_ID_FORMAT");
    const parts = list.map((id) => {
      const found = lookup(id);
      if ("error" in found) return found.error;
      found.captcha.resultRequests.push(at);
      const current = state(found.captcha, at);
      return "code" in current ? current.code : current.answer;
    });
    const joined = parts.join("|");
    return reply.ok(joined, joined);
  }

  app.all("/in.php", handle("in"));
  app.all("/res.php", handle("res"));
  app.notFound((c) => c.html(`<html><body><h1>404 Not Found</h1><p>${escapeHtml(name)}</p></body></html>`, 404));
  app.onError((_error, c) => htmlError(c, name));

  const { port, close } = await serveSandbox(app.fetch, options.port ?? 0, host);

  return {
    name,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    requests,
    setFault(next: TwocaptchaSandboxFault) {
      fault = next;
    },
    stats() {
      const out: Record<string, TwocaptchaSandboxCaptchaStats> = {};
      for (const captcha of captchas.values()) {
        out[captcha.id] = {
          id: captcha.id,
          method: captcha.method,
          kind: captcha.kind,
          submittedAt: captcha.submittedAt,
          readyAt: captcha.readyAt,
          ...(captcha.unsolvable ? {} : { solvedAt: captcha.readyAt, answer: answerFor(captcha) }),
          ...(captcha.pingbackUrl ? { pingbackUrl: captcha.pingbackUrl } : {}),
          ...(captcha.pingback ? { pingback: { ...captcha.pingback } } : {}),
          resultRequests: [...captcha.resultRequests],
          reports: [...captcha.reports],
        };
      }
      return out;
    },
    limits: () => limits.snapshot(),
    pingbackAddresses: () => pingbacks.list(),
    close() {
      for (const timer of pingbackTimers) clearTimeout(timer);
      pingbackTimers.clear();
      return close();
    },
  };
}

/** Which kind a submit is, or the error code 2Captcha's documentation documents for what is wrong with it. */
function checkSubmit(
  params: Record<string, string>,
  files: Record<string, Uint8Array>,
): { kind: TwocaptchaSandboxKind } | { error: string } {
  const method = (params.method ?? "").trim();

  if (method === "" || method === "textcaptcha") {
    if (!params.textcaptcha?.trim()) return { error: "ERROR_BAD_PARAMETERS" };
    return { kind: "text" };
  }

  if (method === "base64" || method === "post") {
    const size = method === "base64" ? base64Size(params.body) : (files.file?.byteLength ?? 0);
    if (size === "invalid") return { error: "ERROR_UPLOAD" };
    if (size < MIN_IMAGE_BYTES) return { error: "ERROR_ZERO_CAPTCHA_FILESIZE" };
    if (size > MAX_IMAGE_BYTES) return { error: "ERROR_TOO_BIG_CAPTCHA_FILESIZE" };
    return { kind: params.coordinatescaptcha === "1" ? "coordinates" : "normal" };
  }

  if (method === "userrecaptcha") {
    if (params.googlekey === undefined) return { error: "ERROR_WRONG_GOOGLEKEY" };
    if (params.googlekey.trim() === "" || /[\s<>"']/.test(params.googlekey.trim())) return { error: "ERROR_GOOGLEKEY" };
    if (!params.pageurl?.trim()) return { error: "ERROR_PAGEURL" };
    const proxyError = checkProxy(params);
    if (proxyError) return { error: proxyError };
    if (params.version === "v3") {
      if (params.min_score !== undefined) {
        const score = Number(params.min_score);
        if (!Number.isFinite(score) || score < 0.1 || score > 0.9) return { error: "ERROR_BAD_PARAMETERS" };
      }
      return { kind: "recaptcha_v3" };
    }
    if (params.version !== undefined && params.version !== "v2") return { error: "ERROR_BAD_PARAMETERS" };
    return { kind: "recaptcha_v2" };
  }

  if (method === "turnstile") {
    if (!params.sitekey?.trim()) return { error: "ERROR_BAD_PARAMETERS" };
    if (!params.pageurl?.trim()) return { error: "ERROR_PAGEURL" };
    const proxyError = checkProxy(params);
    if (proxyError) return { error: proxyError };
    return { kind: "turnstile" };
  }

  return { error: "ERROR_BAD_PARAMETERS" };
}

function checkProxy(params: Record<string, string>): string | undefined {
  if (params.proxy !== undefined && !PROXY.test(params.proxy.trim())) return "ERROR_PROXY_FORMAT";
  if (params.proxytype !== undefined && !PROXY_TYPES.has(params.proxytype.trim().toUpperCase())) return "ERROR_PROXY_FORMAT";
  return undefined;
}

function base64Size(body: string | undefined): number | "invalid" {
  if (body === undefined) return 0;
  const clean = body.replace(/^data:image\/[a-z0-9.+-]+;base64,/i, "").replace(/\s+/g, "");
  if (clean.length % 4 === 1 || !BASE64.test(clean)) return "invalid";
  return Buffer.from(clean, "base64").byteLength;
}

/** The deterministic answer for a solved captcha. */
function answerFor(captcha: Captcha): string {
  switch (captcha.kind) {
    case "normal":
    case "text":
      return `sandbox-${captcha.id}`;
    case "coordinates":
      return `coordinate:${points(captcha.id)
        .map((p) => `x=${p.x},y=${p.y}`)
        .join(";")}`;
    case "recaptcha_v2":
    case "recaptcha_v3":
      return `03AGdBq2${tokenChars(`recaptcha:${captcha.id}`, 480)}`;
    case "turnstile":
      return `0.${tokenChars(`turnstile:${captcha.id}`, 300)}.${createHash("sha256").update(captcha.id).digest("hex").slice(0, 32)}`;
  }
}

function points(id: string): { x: number; y: number }[] {
  const n = Number(id.slice(-6));
  return [
    { x: 10 + (n % 90), y: 20 + ((n * 7) % 80) },
    { x: 150 + ((n * 13) % 100), y: 60 + ((n * 3) % 90) },
  ];
}

function coordinatesArray(id: string): { x: string; y: string }[] {
  return points(id).map((p) => ({ x: String(p.x), y: String(p.y) }));
}

function tokenChars(seed: string, length: number): string {
  let out = "";
  let block = seed;
  while (out.length < length) {
    block = createHash("sha256").update(block).digest("base64url");
    out += block;
  }
  return out.slice(0, length);
}

class Reply {
  constructor(
    private readonly c: Context,
    private readonly json: boolean,
    private readonly acao: boolean,
  ) {}

  ok(request: unknown, plain: string, extra: Record<string, unknown> = {}) {
    return this.send({ status: 1, request, ...extra }, plain);
  }

  error(code: string) {
    return this.send({ status: 0, request: code }, code);
  }

  private send(json: Record<string, unknown>, plain: string) {
    if (this.acao) this.c.header("Access-Control-Allow-Origin", "*");
    return this.json ? this.c.json(json) : this.c.text(plain);
  }
}

function htmlError(c: Context, name: string) {
  return c.html(
    `<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>${escapeHtml(name)}</center>\r\n</body>\r\n</html>\r\n`,
    500,
  );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Query and body (urlencoded, multipart or JSON) merged; files kept apart as bytes. */
async function readParams(c: Context): Promise<{ params: Record<string, string>; files: Record<string, Uint8Array> }> {
  const params: Record<string, string> = {};
  const files: Record<string, Uint8Array> = {};
  for (const [name, value] of new URL(c.req.url).searchParams) params[name] = value;
  if (c.req.method === "GET" || c.req.method === "HEAD") return { params, files };

  const type = (c.req.header("content-type") ?? "").toLowerCase();
  try {
    if (type.includes("application/json")) {
      const body = (await c.req.json()) as unknown;
      if (body && typeof body === "object" && !Array.isArray(body)) {
        for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
          if (value === undefined || value === null) continue;
          params[name] = typeof value === "object" ? JSON.stringify(value) : String(value);
        }
      }
    } else if (type.includes("multipart/form-data") || type.includes("application/x-www-form-urlencoded")) {
      const body = await c.req.parseBody();
      for (const [name, value] of Object.entries(body)) {
        const single = Array.isArray(value) ? value[0] : value;
        if (typeof single === "string") params[name] = single;
        else if (single instanceof Blob) files[name] = new Uint8Array(await single.arrayBuffer());
      }
    } else {
      const text = await c.req.text();
      for (const [name, value] of new URLSearchParams(text)) params[name] = value;
    }
  } catch {
    // A malformed body is treated as no body: the checks below answer with the documented errors.
  }
  return { params, files };
}

/** What is kept of a request: the key masked, images shortened. */
function recordable(params: Record<string, string>, files: Record<string, Uint8Array>): Record<string, string> {
  const out: Record<string, string> = { ...params };
  if (out.key !== undefined) out.key = maskKey(out.key);
  if (out.body !== undefined && out.body.length > 40) out.body = shorten(out.body);
  for (const [name, bytes] of Object.entries(files)) out[name] = `[file ${bytes.byteLength} bytes]`;
  return out;
}

/** First 4 characters and the length: enough to tell keys apart in a test, useless to anyone else. */
function maskKey(key: string): string {
  return key.length <= 8 ? `…(${key.length})` : `${key.slice(0, 4)}…(${key.length})`;
}

function resolveSolveAfter(option: TwocaptchaSandboxOptions["solveAfterMs"]): Record<TwocaptchaSandboxKind, number> {
  if (typeof option === "number") {
    return Object.fromEntries(Object.keys(DEFAULT_SOLVE_AFTER_MS).map((k) => [k, option])) as Record<TwocaptchaSandboxKind, number>;
  }
  return { ...DEFAULT_SOLVE_AFTER_MS, ...option };
}
