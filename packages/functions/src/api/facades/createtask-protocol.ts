/**
 * The createTask JSON protocol (Anti-Captcha, CapMonster Cloud, 2Captcha API v2): the error
 * envelope with its public codes, task objects → router tasks, and solutions in the field names
 * those clients read. Optional fields arrive as null, "", 0 or false and mean "not given".
 */
import type { Solution, TaskType } from "@solver-router/core";
import { base64Bytes, flag, numberParam, textParam, type FacadeTask } from "./facade-submit.ts";

/** The public error codes the facade answers with, and their errorId. */
export const CREATE_TASK_ERRORS = {
  ERROR_KEY_DOES_NOT_EXIST: { id: 1, description: "Account authorization key not found in the system" },
  ERROR_NO_SLOT_AVAILABLE: { id: 2, description: "No capacity right now (rate limit, budget or every provider busy); retry a bit later" },
  ERROR_ZERO_CAPTCHA_FILESIZE: { id: 3, description: "The size of the captcha you are uploading is less than 100 bytes" },
  ERROR_ZERO_BALANCE: { id: 10, description: "Account has zero or negative balance" },
  ERROR_CAPTCHA_UNSOLVABLE: { id: 12, description: "Captcha could not be solved; nothing was charged" },
  ERROR_NO_SUCH_METHOD: { id: 14, description: "Request made to an API method which does not exist" },
  ERROR_NO_SUCH_CAPCHA_ID: { id: 16, description: "The task you are requesting does not exist in your task list or has expired" },
  ERROR_TASK_ABSENT: { id: 22, description: "Task property is empty or not set in the createTask request" },
  ERROR_TASK_NOT_SUPPORTED: { id: 23, description: "Task type is not supported or is misspelt" },
  ERROR_RECAPTCHA_INVALID_SITEKEY: { id: 31, description: "websiteKey is missing or invalid" },
  ERROR_BAD_PARAMETERS: { id: 110, description: "A required parameter is missing or has the wrong format" },
  ERROR_PROXY_FORMAT: { id: 130, description: "The proxy parameters have the wrong format" },
} as const;
export type CreateTaskErrorCode = keyof typeof CREATE_TASK_ERRORS;

export function errorBody(code: CreateTaskErrorCode, detail?: string) {
  const { id, description } = CREATE_TASK_ERRORS[code];
  return { errorId: id, errorCode: code, errorDescription: detail ? `${description}: ${detail}` : description };
}

type Task = Record<string, unknown>;
export type CreateTaskTaskResult = { ok: true; task: FacadeTask } | { ok: false; code: CreateTaskErrorCode; detail?: string };

/** Task types the facade accepts, mapped to the router's. */
const TYPE_MAP: Record<string, TaskType> = {
  RecaptchaV2TaskProxyless: "RecaptchaV2Task",
  RecaptchaV2Task: "RecaptchaV2Task",
  NoCaptchaTaskProxyless: "RecaptchaV2Task",
  NoCaptchaTask: "RecaptchaV2Task",
  RecaptchaV2EnterpriseTaskProxyless: "RecaptchaV2Task",
  RecaptchaV2EnterpriseTask: "RecaptchaV2Task",
  RecaptchaV3TaskProxyless: "RecaptchaV3Task",
  RecaptchaV3Task: "RecaptchaV3Task",
  RecaptchaV3EnterpriseTask: "RecaptchaV3Task",
  TurnstileTaskProxyless: "TurnstileTask",
  TurnstileTask: "TurnstileTask",
  ImageToTextTask: "ImageToTextTask",
  ImageToCoordinatesTask: "CoordinatesTask",
  CoordinatesTask: "CoordinatesTask",
};
export const CREATE_TASK_TYPES = Object.keys(TYPE_MAP);

const MIN_IMAGE_BYTES = 100;

/** `proxyType`, `proxyAddress`, `proxyPort`, `proxyLogin`, `proxyPassword` → the native proxy fields. */
function proxyFields(task: Task) {
  const address = textParam(task.proxyAddress);
  if (!address) return {};
  const login = textParam(task.proxyLogin);
  const password = textParam(task.proxyPassword);
  const auth = login ? `${login}:${password ?? ""}@` : "";
  return { proxy: `${auth}${address}:${textParam(task.proxyPort) ?? ""}`, proxy_type: textParam(task.proxyType) };
}

export function createTaskTask(task: unknown): CreateTaskTaskResult {
  if (!task || typeof task !== "object" || Array.isArray(task)) return { ok: false, code: "ERROR_TASK_ABSENT" };
  const t = task as Task;
  const name = textParam(t.type) ?? "";
  const type = TYPE_MAP[name];
  if (!type) return { ok: false, code: "ERROR_TASK_NOT_SUPPORTED", detail: `${name || "(none)"}; accepted: ${CREATE_TASK_TYPES.join(", ")}` };
  const site = { site_key: textParam(t.websiteKey), page_url: textParam(t.websiteURL), ...proxyFields(t) };
  switch (type) {
    case "RecaptchaV2Task": {
      const payload = t.enterprisePayload && typeof t.enterprisePayload === "object" ? (t.enterprisePayload as Task) : {};
      return done(type, {
        ...site,
        invisible: flag(t.isInvisible),
        data_s: textParam(t.recaptchaDataSValue) ?? textParam(payload.s),
        enterprise: name.includes("Enterprise") || flag(t.isEnterprise) ? true : undefined,
      });
    }
    case "RecaptchaV3Task":
      return done(type, {
        ...site,
        min_score: numberParam(t.minScore),
        action: textParam(t.pageAction),
        enterprise: name.includes("Enterprise") || flag(t.isEnterprise) ? true : undefined,
      });
    case "TurnstileTask":
      return done(type, { ...site, action: textParam(t.action), data: textParam(t.cData) ?? textParam(t.data), pagedata: textParam(t.chlPageData) ?? textParam(t.pagedata) });
    case "ImageToTextTask":
    case "CoordinatesTask": {
      const image = textParam(t.body);
      if (!image || base64Bytes(image) < MIN_IMAGE_BYTES) return { ok: false, code: "ERROR_ZERO_CAPTCHA_FILESIZE" };
      const instructions = textParam(t.comment);
      if (type === "CoordinatesTask") return done(type, { image, instructions });
      return done(type, {
        image,
        phrase: flag(t.phrase),
        case_sensitive: flag(t.case),
        numeric: numberParam(t.numeric) || undefined,
        math: flag(t.math),
        min_len: numberParam(t.minLength) || undefined,
        max_len: numberParam(t.maxLength) || undefined,
        instructions,
      });
    }
    default:
      return { ok: false, code: "ERROR_TASK_NOT_SUPPORTED" };
  }
}

const done = (type: TaskType, fields: Record<string, unknown>): CreateTaskTaskResult => ({ ok: true, task: { type, fields } });

/** The createTask error for a native field the schema refused. */
export function createTaskFieldError(field: string): CreateTaskErrorCode {
  if (field === "site_key") return "ERROR_RECAPTCHA_INVALID_SITEKEY";
  if (field === "image") return "ERROR_ZERO_CAPTCHA_FILESIZE";
  if (field === "proxy" || field === "proxy_type") return "ERROR_PROXY_FORMAT";
  return "ERROR_BAD_PARAMETERS";
}

/** A solution under the names the createTask clients read. */
export function createTaskSolution(solution: Solution, type: TaskType): Record<string, unknown> {
  switch (solution.kind) {
    case "token": {
      const userAgent = solution.userAgent ? { userAgent: solution.userAgent } : {};
      if (type === "TurnstileTask") return { token: solution.token, ...userAgent };
      return { gRecaptchaResponse: solution.token, token: solution.token, ...userAgent };
    }
    case "text":
      return { text: solution.text };
    case "coordinates":
      return { coordinates: solution.coordinates.map((point) => [point.x, point.y]) };
  }
}
