/**
 * The unified task types of the public API (docs/api.md "Submitting tasks"): one zod schema each,
 * used both to validate requests and to describe them in the OpenAPI document.
 */
import { z } from "zod";

export const TASK_TYPES = [
  "HcaptchaImageTask",
  "RecaptchaV2Task",
  "RecaptchaV3Task",
  "TurnstileTask",
  "ImageToTextTask",
  "TextCaptchaTask",
  "CoordinatesTask",
] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export const PRIORITIES = ["speed", "balanced", "accuracy"] as const;
export type Priority = (typeof PRIORITIES)[number];

/** What a solved task of each type answers with. */
export type SolutionKind = "token" | "text" | "coordinates";
export const SOLUTION_KIND: Record<TaskType, SolutionKind> = {
  HcaptchaImageTask: "coordinates",
  RecaptchaV2Task: "token",
  RecaptchaV3Task: "token",
  TurnstileTask: "token",
  ImageToTextTask: "text",
  TextCaptchaTask: "text",
  CoordinatesTask: "coordinates",
};

/** The typed path of each task type, under /v2/solver. */
export const TYPED_PATHS: Record<TaskType, string> = {
  HcaptchaImageTask: "/hcaptcha/image",
  RecaptchaV2Task: "/recaptcha/v2",
  RecaptchaV3Task: "/recaptcha/v3",
  TurnstileTask: "/turnstile",
  ImageToTextTask: "/image",
  TextCaptchaTask: "/text",
  CoordinatesTask: "/coordinates",
};

const DATA_URL_PREFIX = /^data:image\/[a-z0-9.+-]+;base64,/i;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A base64 image; a `data:image/...;base64,` prefix is accepted and removed. */
export const base64Image = z
  .string()
  .transform((value) => value.replace(DATA_URL_PREFIX, "").replace(/\s+/g, ""))
  .refine((value) => value.length > 0, "must not be empty")
  .refine((value) => value.length % 4 === 0 && BASE64.test(value), "must be base64-encoded image data");

const httpUrl = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
  .max(2048);

const nonEmpty = (max: number) => z.string().trim().min(1, "must not be empty").max(max);

const creditsAmount = z
  .union([z.number(), z.string()])
  .refine((value) => /^\d+(\.\d+)?$/.test(String(value).trim()) || typeof value === "number", "must be a decimal number")
  .refine((value) => Number(value) > 0, "must be greater than 0");

/** Options every submit may carry (docs/api.md "Conventions"). */
export const SubmitOptionsSchema = z.object({
  priority: z.enum(PRIORITIES).default("balanced"),
  max_price: creditsAmount.optional(),
  callback_url: httpUrl.optional(),
});

const PROXY = /^(?:[^:@\s]+:[^@\s]+@)?[^:@\s/]+:\d{1,5}$/;
const proxyFields = {
  proxy: z.string().regex(PROXY, "must look like login:password@host:port or host:port").optional(),
  proxy_type: z
    .string()
    .transform((value) => value.toUpperCase())
    .pipe(z.enum(["HTTP", "HTTPS", "SOCKS4", "SOCKS5"], { error: "must be HTTP, HTTPS, SOCKS4 or SOCKS5" }))
    .optional(),
};

const siteFields = {
  site_key: nonEmpty(200),
  page_url: httpUrl,
};

export const TASK_FIELD_SCHEMAS = {
  HcaptchaImageTask: z.object({
    images: z.array(base64Image).min(1, "must hold at least one image").max(20),
    question: z.string().trim().max(500).optional(),
  }),
  RecaptchaV2Task: z.object({
    ...siteFields,
    data_s: z.string().max(4096).optional(),
    invisible: z.boolean().optional(),
    enterprise: z.boolean().optional(),
    ...proxyFields,
  }),
  RecaptchaV3Task: z.object({
    ...siteFields,
    action: z.string().trim().max(200).optional(),
    min_score: z.number().min(0.1).max(0.9).optional(),
    enterprise: z.boolean().optional(),
    ...proxyFields,
  }),
  TurnstileTask: z.object({
    ...siteFields,
    action: z.string().max(200).optional(),
    data: z.string().max(4096).optional(),
    pagedata: z.string().max(16384).optional(),
    ...proxyFields,
  }),
  ImageToTextTask: z.object({
    image: base64Image,
    case_sensitive: z.boolean().optional(),
    numeric: z.number().int().min(0).max(4).optional(),
    min_len: z.number().int().min(0).max(20).optional(),
    max_len: z.number().int().min(0).max(20).optional(),
    phrase: z.boolean().optional(),
    math: z.boolean().optional(),
    language: z.number().int().min(0).max(2).optional(),
    instructions: z.string().max(140).optional(),
  }),
  TextCaptchaTask: z.object({
    question: nonEmpty(140),
    /** 0 not specified, 1 Cyrillic, 2 Latin — or a language code such as "en" (2Captcha's `lang`). */
    language: z.union([z.number().int().min(0).max(2), z.string().regex(/^[a-z]{2,3}$/, "must be 0-2 or a language code such as en")]).optional(),
  }),
  CoordinatesTask: z.object({
    image: base64Image,
    instructions: z.string().max(140).optional(),
  }),
} as const satisfies Record<TaskType, z.ZodObject>;

export type TaskFields<T extends TaskType = TaskType> = z.output<(typeof TASK_FIELD_SCHEMAS)[T]>;

/** The body of a typed path: the type's fields plus the common options. */
export const typedSubmitSchema = <T extends TaskType>(type: T) =>
  TASK_FIELD_SCHEMAS[type].extend(SubmitOptionsSchema.shape);

const typedWithType = <T extends TaskType>(type: T) => typedSubmitSchema(type).extend({ type: z.literal(type) });

/** The body of POST /v2/solver/task: any task, told apart by `type`. */
export const UnifiedSubmitSchema = z.discriminatedUnion(
  "type",
  TASK_TYPES.map(typedWithType) as unknown as [ReturnType<typeof typedWithType<"HcaptchaImageTask">>, ...ReturnType<typeof typedWithType<TaskType>>[]],
  { error: (issue) => (issue.code === "invalid_union" ? `must be one of ${TASK_TYPES.join(", ")}` : undefined) },
);

/** A validated task as the domain keeps it: its type and its own fields, options apart. */
export interface UnifiedTask<T extends TaskType = TaskType> {
  type: T;
  fields: TaskFields<T>;
}

/** Splits a validated body into the task and the submit options. */
export function splitSubmitBody(type: TaskType, body: Record<string, unknown>) {
  const { priority, max_price, callback_url, type: _type, ...fields } = body as {
    priority: Priority;
    max_price?: number | string;
    callback_url?: string;
    type?: string;
  };
  return { task: { type, fields } as UnifiedTask, options: { priority, max_price, callback_url } };
}

export const isTokenTask = (type: TaskType): boolean => SOLUTION_KIND[type] === "token";
