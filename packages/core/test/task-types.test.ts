// The unified task types (docs/api.md "Submitting tasks"): what a submit body may hold, and what
// a user is told when it is wrong.
import { describe, expect, it } from "vitest";
import {
  firstWaitSeconds,
  isTokenTask,
  SOLUTION_KIND,
  splitSubmitBody,
  SubmitOptionsSchema,
  TASK_FIELD_SCHEMAS,
  TASK_TYPES,
  TYPED_PATHS,
  typedSubmitSchema,
  UnifiedSubmitSchema,
  type TaskType,
} from "../src/index.ts";
import { IMAGE, payloadFor } from "./fakes.ts";

const firstIssue = (result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) => {
  expect(result.success).toBe(false);
  const issue = result.error!.issues[0]!;
  return { path: issue.path.join("."), message: issue.message };
};

const minimal: Record<TaskType, Record<string, unknown>> = Object.fromEntries(
  TASK_TYPES.map((type) => [type, payloadFor(type).fields as Record<string, unknown>]),
) as Record<TaskType, Record<string, unknown>>;

describe("every type", () => {
  it.each(TASK_TYPES)("%s: its minimal body is accepted on both paths, with balanced priority by default", (type) => {
    const unified = UnifiedSubmitSchema.parse({ type, ...minimal[type] });
    expect(unified).toMatchObject({ type, priority: "balanced" });
    const typed = typedSubmitSchema(type).parse(minimal[type]);
    expect(typed).toMatchObject({ priority: "balanced" });
    expect(TYPED_PATHS[type]).toMatch(/^\/[a-z0-9/]+$/);
  });

  it.each(TASK_TYPES)("%s: an empty body names a missing required field", (type) => {
    const { path, message } = firstIssue(typedSubmitSchema(type).safeParse({}));
    expect(path.length).toBeGreaterThan(0);
    expect(Object.keys(minimal[type])).toContain(path.split(".")[0]);
    expect(message.length).toBeGreaterThan(0);
  });

  it("the typed paths are those of docs/api.md", () => {
    expect(TYPED_PATHS).toEqual({
      HcaptchaImageTask: "/hcaptcha/image",
      RecaptchaV2Task: "/recaptcha/v2",
      RecaptchaV3Task: "/recaptcha/v3",
      TurnstileTask: "/turnstile",
      ImageToTextTask: "/image",
      TextCaptchaTask: "/text",
      CoordinatesTask: "/coordinates",
    });
  });

  it("token tasks answer tokens and wait longer before the first result request", () => {
    for (const type of TASK_TYPES) {
      expect(isTokenTask(type)).toBe(["RecaptchaV2Task", "RecaptchaV3Task", "TurnstileTask"].includes(type));
    }
    // docs/providers.md "Waits and limits": 5 s for image tasks, 20 s for reCAPTCHA v2 and v3, 15 s for Turnstile.
    expect(Object.fromEntries(TASK_TYPES.map((type) => [type, firstWaitSeconds(type)]))).toEqual({
      HcaptchaImageTask: 5,
      ImageToTextTask: 5,
      TextCaptchaTask: 5,
      CoordinatesTask: 5,
      RecaptchaV2Task: 20,
      RecaptchaV3Task: 20,
      TurnstileTask: 15,
    });
    expect(SOLUTION_KIND.ImageToTextTask).toBe("text");
    expect(SOLUTION_KIND.HcaptchaImageTask).toBe("coordinates");
    expect(SOLUTION_KIND.CoordinatesTask).toBe("coordinates");
  });
});

describe("unified submit", () => {
  it("an unknown type lists the known ones", () => {
    const { message } = firstIssue(UnifiedSubmitSchema.safeParse({ type: "FunCaptchaTask" }));
    expect(message).toBe(`must be one of ${TASK_TYPES.join(", ")}`);
  });

  it("splits the task's own fields from the submit options", () => {
    const body = UnifiedSubmitSchema.parse({
      type: "RecaptchaV2Task",
      site_key: "6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-",
      page_url: "https://example.com/",
      invisible: true,
      priority: "speed",
      max_price: "0.3",
      callback_url: "https://team.example/hook",
    });
    const { task, options } = splitSubmitBody("RecaptchaV2Task", body as Record<string, unknown>);
    expect(task).toEqual({
      type: "RecaptchaV2Task",
      fields: { site_key: "6Le-wvkSAAAAAPBMRTvw0Q4Muexq9bi0DJwx_mJ-", page_url: "https://example.com/", invisible: true },
    });
    expect(options).toEqual({ priority: "speed", max_price: "0.3", callback_url: "https://team.example/hook" });
  });
});

describe("fields", () => {
  it("images: a data URL prefix and whitespace are removed; non-base64 is refused", () => {
    const parsed = TASK_FIELD_SCHEMAS.ImageToTextTask.parse({ image: `data:image/png;base64,${IMAGE.slice(0, 8)}\n${IMAGE.slice(8)}` });
    expect(parsed.image).toBe(IMAGE);
    expect(firstIssue(TASK_FIELD_SCHEMAS.ImageToTextTask.safeParse({ image: "not base64!" }))).toEqual({
      path: "image",
      message: "must be base64-encoded image data",
    });
    expect(firstIssue(TASK_FIELD_SCHEMAS.ImageToTextTask.safeParse({ image: "" })).message).toBe("must not be empty");
  });

  it("hCaptcha image tasks need at least one image", () => {
    expect(firstIssue(TASK_FIELD_SCHEMAS.HcaptchaImageTask.safeParse({ images: [] }))).toEqual({ path: "images", message: "must hold at least one image" });
    expect(firstIssue(TASK_FIELD_SCHEMAS.HcaptchaImageTask.safeParse({ images: [IMAGE, "???"] })).path).toBe("images.1");
  });

  it("page_url must be an http(s) URL", () => {
    for (const page_url of ["ftp://example.com/", "javascript:alert(1)", "example.com"]) {
      expect(firstIssue(TASK_FIELD_SCHEMAS.TurnstileTask.safeParse({ site_key: "0x4AAA", page_url }))).toEqual({ path: "page_url", message: "must be an http(s) URL" });
    }
    expect(firstIssue(TASK_FIELD_SCHEMAS.RecaptchaV2Task.safeParse({ site_key: "  ", page_url: "https://a.example/" }))).toEqual({ path: "site_key", message: "must not be empty" });
  });

  it("proxies: login:password@host:port or host:port, with the type upper-cased", () => {
    const ok = TASK_FIELD_SCHEMAS.RecaptchaV2Task.parse({ site_key: "k", page_url: "https://a.example/", proxy: "user:pa55@10.0.0.1:3128", proxy_type: "socks5" });
    expect(ok).toMatchObject({ proxy: "user:pa55@10.0.0.1:3128", proxy_type: "SOCKS5" });
    expect(TASK_FIELD_SCHEMAS.TurnstileTask.parse({ site_key: "k", page_url: "https://a.example/", proxy: "proxy.example:8080" }).proxy).toBe("proxy.example:8080");
    expect(firstIssue(TASK_FIELD_SCHEMAS.RecaptchaV2Task.safeParse({ site_key: "k", page_url: "https://a.example/", proxy: "http://proxy:80" })).path).toBe("proxy");
    expect(firstIssue(TASK_FIELD_SCHEMAS.RecaptchaV2Task.safeParse({ site_key: "k", page_url: "https://a.example/", proxy_type: "ftp" }))).toEqual({
      path: "proxy_type",
      message: "must be HTTP, HTTPS, SOCKS4 or SOCKS5",
    });
  });

  it("reCAPTCHA v3 min_score is 0.1-0.9; image hints are bounded", () => {
    const v3 = { site_key: "k", page_url: "https://a.example/" };
    expect(TASK_FIELD_SCHEMAS.RecaptchaV3Task.parse({ ...v3, min_score: 0.3, action: "login" })).toMatchObject({ min_score: 0.3, action: "login" });
    expect(firstIssue(TASK_FIELD_SCHEMAS.RecaptchaV3Task.safeParse({ ...v3, min_score: 1 })).path).toBe("min_score");
    expect(firstIssue(TASK_FIELD_SCHEMAS.ImageToTextTask.safeParse({ image: IMAGE, numeric: 5 })).path).toBe("numeric");
    expect(firstIssue(TASK_FIELD_SCHEMAS.ImageToTextTask.safeParse({ image: IMAGE, language: 3 })).path).toBe("language");
  });

  it("text captchas take a language as 0-2 or a code", () => {
    expect(TASK_FIELD_SCHEMAS.TextCaptchaTask.parse({ question: "2+2?", language: "en" }).language).toBe("en");
    expect(TASK_FIELD_SCHEMAS.TextCaptchaTask.parse({ question: "2+2?", language: 2 }).language).toBe(2);
    expect(firstIssue(TASK_FIELD_SCHEMAS.TextCaptchaTask.safeParse({ question: "2+2?", language: "English" })).path).toBe("language");
  });
});

describe("submit options", () => {
  it("max_price must be a positive decimal; priority one of three; callback_url http(s)", () => {
    expect(SubmitOptionsSchema.parse({ max_price: 0.3 })).toMatchObject({ max_price: 0.3, priority: "balanced" });
    expect(SubmitOptionsSchema.parse({ max_price: "0.3" }).max_price).toBe("0.3");
    for (const max_price of [0, -1, "-1", "abc", "1e3"]) expect(firstIssue(SubmitOptionsSchema.safeParse({ max_price })).path).toBe("max_price");
    expect(firstIssue(SubmitOptionsSchema.safeParse({ priority: "cheap" })).path).toBe("priority");
    expect(firstIssue(SubmitOptionsSchema.safeParse({ callback_url: "file:///etc/passwd" }))).toEqual({ path: "callback_url", message: "must be an http(s) URL" });
  });
});
