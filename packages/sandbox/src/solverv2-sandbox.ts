/**
 * A local stand-in for the "SmartCaptcha" JSON API v2 (SmartCaptcha's API documentation; docs/providers.md) as an upstream, for
 * development and tests. It follows the seed: Bearer auth (401 `{"detail"}`), hCaptcha image
 * and reCAPTCHA v2 submits with a priority, result polling, the task list, delete, the public
 * pricing table, and a credit balance per key charged at the task's priority tier (402
 * "Insufficient credits. Need 0.15, have 0.05" when short). Solutions are deterministic.
 * Money is kept in integer micro-credits, as everywhere in the router.
 */
import { createHash, randomUUID } from "node:crypto";
import { Hono, type Context } from "hono";
import { isRecord, parseJson } from "./json.ts";
import { shorten, shortenImages } from "./record.ts";
import { serveSandbox } from "./serve.ts";

export type Solverv2SandboxFault = null | "http_500" | "insufficient_credits" | "unsolvable" | "unauthorized";

export interface Solverv2SandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  hostname?: string;
  /** The key the sandbox knows from the start (more with setCredits). */
  apiKey?: string;
  /** That key's starting balance in credits (default 1000). */
  credits?: number;
  /** How long after the submit a task is completed (default 1000 ms). */
  solveAfterMs?: number;
  name?: string;
}

export interface Solverv2RecordedRequest {
  method: string;
  /** The path including /v2, e.g. /v2/solver/hcaptcha/image. */
  path: string;
  query: Record<string, string>;
  authorization: string | null;
  /** The JSON body, images shortened to their first characters and their length. */
  body?: unknown;
  /** The priority field of a submit, as received (undefined when absent). */
  priority?: unknown;
  at: number;
}

export interface Solverv2Sandbox {
  name: string;
  /** The provider base URL, ending in /v2. */
  url: string;
  port: number;
  apiKey: string;
  requests: Solverv2RecordedRequest[];
  setFault(fault: Solverv2SandboxFault): void;
  /** Sets a key's balance in credits (adding the key if it is new); default: the sandbox key. */
  setCredits(credits: number, apiKey?: string): void;
  /** A key's balance in credits; undefined for an unknown key. */
  credits(apiKey?: string): number | undefined;
  close(): Promise<void>;
}

export const SOLVERV2_SANDBOX_DEFAULT_KEY = "solverv2-sandbox-key";

type Tier = "speed" | "balanced" | "accuracy";
const TIERS: readonly Tier[] = ["speed", "balanced", "accuracy"];

/** Seed 000's pricing example, in micro-credits. */
const PRICES_MICRO: Record<string, Record<Tier, number>> = {
  HcaptchaImageTask: { speed: 100_000, balanced: 150_000, accuracy: 250_000 },
  RecaptchaV2Task: { speed: 200_000, balanced: 300_000, accuracy: 400_000 },
  RecaptchaV3Task: { speed: 250_000, balanced: 350_000, accuracy: 500_000 },
};
const PRICING_NOTE = "Prices in credits per task. 1 credit = $0.01 USD";

/** Seed 000's example coordinates, answered for every hCaptcha image task. */
export const SOLVERV2_SANDBOX_COORDINATES = [
  { x: 120, y: 85 },
  { x: 340, y: 210 },
] as const;

/** The `verify` token the sandbox answers for a reCAPTCHA v2 task (deterministic). */
export function solverv2SandboxToken(siteKey: string, pageUrl: string, dataS?: string): string {
  return `03AFcWeA${digest(`${siteKey}|${pageUrl}|${dataS ?? ""}`)}`;
}

/** The `verify` token the sandbox answers for an hCaptcha image task (deterministic). */
export function solverv2SandboxHcaptchaVerify(images: readonly string[], question?: string): string {
  return `P1_eyJ0${digest(`${images.join(",")}|${question ?? ""}`)}`;
}

type SandboxEnv = { Variables: { key: string; body: unknown } };

interface SandboxTask {
  id: string;
  key: string;
  type: "HcaptchaImageTask" | "RecaptchaV2Task";
  priceMicro: number;
  createdAt: number;
  doneAt: number;
  /** Decided at submit: the "unsolvable" fault makes the task fail. */
  fate: "completed" | "failed";
  /** Charged at submit; given back once a failed task is seen to have failed. */
  refunded: boolean;
  coordinates: { x: number; y: number }[] | null;
  verify: string;
}

export async function startSolverv2Sandbox(options: Solverv2SandboxOptions = {}): Promise<Solverv2Sandbox> {
  const apiKey = options.apiKey ?? SOLVERV2_SANDBOX_DEFAULT_KEY;
  const solveAfterMs = options.solveAfterMs ?? 1000;
  const name = options.name ?? "solverv2-sandbox";
  const requests: Solverv2RecordedRequest[] = [];
  const balances = new Map<string, number>([[apiKey, creditsToMicroApprox(options.credits ?? 1000)]]);
  const tasks = new Map<string, SandboxTask>();
  let fault: Solverv2SandboxFault = null;

  const app = new Hono<SandboxEnv>().basePath("/v2");

  // Record everything, then the http_500 fault, then the key (except for the public pricing).
  app.use("*", async (c, next) => {
    const text = c.req.method === "POST" ? await c.req.text() : "";
    const body = text ? parseJson(text) : undefined;
    requests.push({
      method: c.req.method,
      path: c.req.path,
      query: c.req.query(),
      authorization: c.req.header("authorization") ?? null,
      ...(text ? { body: body === undefined ? shorten(text) : shortenImages(body, "images") } : {}),
      ...(isRecord(body) && "priority" in body ? { priority: body.priority } : {}),
      at: Date.now(),
    });
    c.set("body", body);
    if (fault === "http_500") return c.text("Internal Server Error", 500);
    if (c.req.path === "/v2/solver/pricing") return next();
    const token = /^Bearer\s+(.+)$/i.exec(c.req.header("authorization") ?? "")?.[1]?.trim();
    if (!token) return detail(c, 401, "Not authenticated: send Authorization: Bearer YOUR_API_KEY");
    if (fault === "unauthorized" || !balances.has(token)) return detail(c, 401, "Invalid API key");
    c.set("key", token);
    return next();
  });

  const keyOf = (c: Context<SandboxEnv>) => c.get("key");
  const bodyOf = (c: Context<SandboxEnv>) => c.get("body");

  function submit(c: Context<SandboxEnv>, type: SandboxTask["type"], input: Record<string, unknown>, estimated: number, message: string, verify: string, coordinates: SandboxTask["coordinates"]) {
    const priority = input.priority ?? "balanced";
    if (typeof priority !== "string" || !TIERS.includes(priority as Tier)) {
      return detail(c, 400, "Field 'priority' must be one of speed, balanced, accuracy");
    }
    const key = keyOf(c);
    const priceMicro = PRICES_MICRO[type]![priority as Tier];
    const balance = fault === "insufficient_credits" ? 0 : (balances.get(key) ?? 0);
    if (balance < priceMicro) {
      return detail(c, 402, `Insufficient credits. Need ${money(priceMicro)}, have ${money(balance)}`);
    }
    balances.set(key, (balances.get(key) ?? 0) - priceMicro);
    const now = Date.now();
    const task: SandboxTask = {
      id: randomUUID(),
      key,
      type,
      priceMicro,
      createdAt: now,
      doneAt: now + solveAfterMs,
      fate: fault === "unsolvable" ? "failed" : "completed",
      refunded: false,
      coordinates,
      verify,
    };
    tasks.set(task.id, task);
    return c.json({ task_id: task.id, status: "processing", estimated_time: estimated, message });
  }

  app.post("/solver/hcaptcha/image", (c) => {
    const body = bodyOf(c);
    if (!isRecord(body)) return detail(c, 400, "The request body must be a JSON object");
    const { images, question } = body;
    if (!Array.isArray(images) || images.length === 0 || !images.every((i) => typeof i === "string" && i.length > 0)) {
      return detail(c, 400, "Field 'images' is required: a non-empty list of base64-encoded images");
    }
    if (question !== undefined && question !== null && typeof question !== "string") {
      return detail(c, 400, "Field 'question' must be a string");
    }
    const q = typeof question === "string" ? question : undefined;
    return submit(c, "HcaptchaImageTask", body, 15.0, "Task submitted successfully", solverv2SandboxHcaptchaVerify(images as string[], q), [
      ...SOLVERV2_SANDBOX_COORDINATES.map((p) => ({ ...p })),
    ]);
  });

  app.post("/solver/recaptcha/v2", (c) => {
    const body = bodyOf(c);
    if (!isRecord(body)) return detail(c, 400, "The request body must be a JSON object");
    const { site_key, page_url, data_s } = body;
    if (typeof site_key !== "string" || !site_key) return detail(c, 400, "Field 'site_key' is required");
    if (typeof page_url !== "string" || !page_url) return detail(c, 400, "Field 'page_url' is required");
    if (data_s !== undefined && data_s !== null && typeof data_s !== "string") return detail(c, 400, "Field 'data_s' must be a string");
    const dataS = typeof data_s === "string" ? data_s : undefined;
    return submit(c, "RecaptchaV2Task", body, 20.0, "ReCaptcha V2 task submitted", solverv2SandboxToken(site_key, page_url, dataS), null);
  });

  app.get("/solver/result/:task_id", (c) => {
    const task = tasks.get(c.req.param("task_id"));
    if (!task || task.key !== keyOf(c)) return detail(c, 404, "Task not found");
    return c.json(resultView(task, Date.now()));
  });

  app.get("/solver/tasks", (c) => {
    const limitText = c.req.query("limit") ?? "50";
    const offsetText = c.req.query("offset") ?? "0";
    const status = c.req.query("status");
    const limit = /^\d+$/.test(limitText) ? Number(limitText) : NaN;
    const offset = /^\d+$/.test(offsetText) ? Number(offsetText) : NaN;
    if (!(limit >= 1 && limit <= 100)) return detail(c, 400, "Query parameter 'limit' must be an integer from 1 to 100");
    if (!(offset >= 0)) return detail(c, 400, "Query parameter 'offset' must be an integer of 0 or more");
    const now = Date.now();
    const mine = [...tasks.values()]
      .filter((t) => t.key === keyOf(c))
      .map((t) => resultView(t, now))
      .filter((view) => !status || view.status === status)
      .reverse(); // newest first (insertion order is submit order)
    return c.json({
      total: mine.length,
      limit,
      offset,
      tasks: mine.slice(offset, offset + limit).map((v) => ({
        task_id: v.task_id,
        status: v.status,
        captcha_type: v.captcha_type,
        credits_used: v.credits_used,
        created_at: v.created_at,
      })),
    });
  });

  app.delete("/solver/task/:task_id", (c) => {
    const task = tasks.get(c.req.param("task_id"));
    if (!task || task.key !== keyOf(c)) return detail(c, 404, "Task not found");
    const { status } = resultView(task, Date.now());
    if (status !== "completed" && status !== "failed") {
      return detail(c, 409, "Task is still being processed and cannot be deleted");
    }
    tasks.delete(task.id);
    return c.json({ message: "Task deleted successfully", task_id: task.id });
  });

  app.get("/solver/pricing", (c) =>
    c.json({
      pricing: Object.entries(PRICES_MICRO).map(([task_type, p]) => ({
        task_type,
        speed: p.speed / 1_000_000,
        balanced: p.balanced / 1_000_000,
        accuracy: p.accuracy / 1_000_000,
      })),
      note: PRICING_NOTE,
    }),
  );

  app.notFound((c) => detail(c, 404, "Not Found"));
  app.onError((_error, c) => c.text("Internal Server Error", 500));

  /** The result object of SmartCaptcha's documentation; settles a failed task's refund the first time it is seen failed. */
  function resultView(task: SandboxTask, now: number) {
    const done = now >= task.doneAt;
    const status = !done ? "processing" : task.fate;
    if (status === "failed" && !task.refunded) {
      task.refunded = true;
      balances.set(task.key, (balances.get(task.key) ?? 0) + task.priceMicro);
    }
    const completed = status === "completed";
    return {
      task_id: task.id,
      status,
      captcha_type: task.type,
      coordinates: completed ? task.coordinates : null,
      verify: completed ? task.verify : null,
      bounding_box: null,
      processing_time: done ? (task.doneAt - task.createdAt) / 1000 : null,
      credits_used: completed ? task.priceMicro / 1_000_000 : null,
      error: status === "failed" ? "Captcha could not be solved" : null,
      created_at: isoSeconds(task.createdAt),
    };
  }

  const { port, close } = await serveSandbox(app.fetch, options.port ?? 0, options.hostname ?? "127.0.0.1");
  const host = options.hostname && options.hostname !== "0.0.0.0" ? options.hostname : "127.0.0.1";

  return {
    name,
    url: `http://${host}:${port}/v2`,
    port,
    apiKey,
    requests,
    setFault: (next) => {
      fault = next;
    },
    setCredits: (credits, key = apiKey) => {
      balances.set(key, creditsToMicroApprox(credits));
    },
    credits: (key = apiKey) => {
      const micro = balances.get(key);
      return micro === undefined ? undefined : micro / 1_000_000;
    },
    close,
  };
}

function detail(c: Context, status: 400 | 401 | 402 | 404 | 409, text: string) {
  return c.json({ detail: text }, status);
}

/** Credits (a test's literal such as 0.05) to whole micro-credits. */
function creditsToMicroApprox(credits: number): number {
  return Math.round(credits * 1_000_000);
}

/** Micro-credits as the seed writes them: at least two decimals ("0.15", "0.05", "0.00"). */
function money(micro: number): string {
  const whole = Math.floor(micro / 1_000_000);
  const fraction = String(micro % 1_000_000).padStart(6, "0").replace(/0+$/, "").padEnd(2, "0");
  return `${whole}.${fraction}`;
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

const digest = (text: string) => createHash("sha256").update(text).digest("base64url").slice(0, 48);
