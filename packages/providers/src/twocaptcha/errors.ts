/**
 * The twocaptcha protocol's error codes (2Captcha's documentation "Error Handling", both tables, and
 * "Request limits"; SolveCaptcha's documentation has the same codes) mapped to the router's faults
 * (docs/providers.md "How the router reacts to an upstream error").
 *
 * Messages are fixed sentences taken from the providers' documented descriptions: nothing the upstream
 * sends is echoed into a message, so neither the provider's key nor a URL can leak.
 */
import type { Fault, UpstreamError } from "@solver-router/core";

interface ErrorRule {
  fault: Fault;
  message: string;
  waitSeconds?: number;
}

const KEY_COOLDOWN = 600;

const REPORT_NOT_RECORDED: ErrorRule = {
  fault: "bad_request",
  message: "The provider did not record the report (too many complaints, or more than 15 minutes since the submit).",
};

/** Every code the providers' documents list, except the request-limit `ERROR: NNNN` family (below). */
const RULES: Readonly<Record<string, ErrorRule>> = {
  // --- the provider cannot serve anyone now: cool down, route elsewhere ---
  ERROR_WRONG_USER_KEY: {
    fault: "cooldown",
    waitSeconds: KEY_COOLDOWN,
    message: "The provider's API key has the wrong format (it must be 32 characters).",
  },
  ERROR_KEY_DOES_NOT_EXIST: {
    fault: "cooldown",
    waitSeconds: KEY_COOLDOWN,
    message: "The provider does not know the configured API key.",
  },
  ERROR_IP_NOT_ALLOWED: {
    fault: "cooldown",
    waitSeconds: KEY_COOLDOWN,
    message: "The provider refuses requests from this IP address: it is not on the account's list of allowed IPs.",
  },
  ERROR_ZERO_BALANCE: {
    fault: "cooldown",
    waitSeconds: 60,
    message: "The provider account has no funds left.",
  },
  IP_BANNED: {
    fault: "cooldown",
    waitSeconds: 300,
    message: "The provider banned this IP address after too many requests with wrong keys.",
  },
  TOO_MANY_BAD_IMAGES: {
    fault: "cooldown",
    waitSeconds: 300,
    message: "The provider is refusing images because too many unrecognizable images were sent.",
  },

  // --- rate limits: the account pauses for the time the document names, the task waits ---
  ERROR_NO_SLOT_AVAILABLE: {
    fault: "rate_limited",
    waitSeconds: 5,
    message: "The provider has no free slot for this captcha right now (queue too long or rate above the account's maximum).",
  },
  MAX_USER_TURN: {
    fault: "rate_limited",
    waitSeconds: 10,
    message: "The provider suspended submits for 10 seconds after more than 60 requests within 3 seconds.",
  },

  // --- this provider could not solve this captcha: not charged, try the next provider ---
  ERROR_CAPTCHA_UNSOLVABLE: {
    fault: "unsolvable",
    message: "The provider could not solve the captcha (its workers failed or no answer came within its time limit).",
  },
  ERROR_BAD_DUPLICATES: {
    fault: "unsolvable",
    message: "The provider reached its maximum number of attempts without enough matching answers.",
  },
  ERROR_WRONG_CAPTCHA_ID: {
    fault: "unsolvable",
    message: "The provider does not know this captcha id any more.",
  },
  ERROR_PROXY_CONNECTION_FAILED: {
    fault: "unsolvable",
    message: "The provider could not load the captcha through the given proxy.",
  },
  ERROR_BAD_PROXY: {
    fault: "unsolvable",
    message: "The provider has marked the given proxy as bad.",
  },
  ERROR_CAPTCHAIMAGE_BLOCKED: {
    fault: "unsolvable",
    message: "The provider has marked this image as unrecognizable (often a site's 'access denied' image).",
  },
  ERROR_TOKEN_EXPIRED: {
    fault: "unsolvable",
    message: "The challenge value given to the provider has expired.",
  },

  // --- the task itself is wrong: fail with a clear error, refund ---
  ERROR_PAGEURL: { fault: "bad_request", message: "The page URL is missing or invalid." },
  ERROR_GOOGLEKEY: { fault: "bad_request", message: "The site key is blank or malformed." },
  ERROR_WRONG_GOOGLEKEY: { fault: "bad_request", message: "The site key is missing." },
  ERROR_BAD_TOKEN_OR_PAGEURL: {
    fault: "bad_request",
    message: "The site key and page URL do not belong together (the captcha may be loaded in an iframe from another domain).",
  },
  ERROR_BAD_PARAMETERS: {
    fault: "bad_request",
    message: "Required parameters are missing or have an invalid format.",
  },
  ERROR_PROXY_FORMAT: {
    fault: "bad_request",
    message: "The proxy has an invalid format; use login:password@host:port or host:port.",
  },
  ERROR_ZERO_CAPTCHA_FILESIZE: { fault: "bad_request", message: "The image is smaller than 100 bytes." },
  ERROR_TOO_BIG_CAPTCHA_FILESIZE: {
    fault: "bad_request",
    message: "The image is too big (over 600 kB or over 1000 px on a side).",
  },
  ERROR_WRONG_FILE_EXTENSION: {
    fault: "bad_request",
    message: "The image type is not accepted; use jpg, gif or png.",
  },
  ERROR_IMAGE_TYPE_NOT_SUPPORTED: { fault: "bad_request", message: "The provider cannot recognize the image's file type." },
  ERROR_UPLOAD: { fault: "bad_request", message: "The provider could not read the image: it is not a valid base64 image." },
  ERROR_WRONG_ID_FORMAT: { fault: "bad_request", message: "The captcha id has the wrong format (digits only)." },
  ERROR_EMPTY_ACTION: { fault: "bad_request", message: "The request to the provider had no action." },
  ERROR_REPORT_NOT_RECORDED: REPORT_NOT_RECORDED,
  // SolveCaptcha (SolveCaptcha's documentation) spells it without the ERROR_ prefix.
  REPORT_NOT_RECORDED,
  ERROR_DUPLICATE_REPORT: { fault: "bad_request", message: "This captcha was already reported." },
};

/** `ERROR: NNNN`: request-limit blocks (2Captcha's documentation "List of error codes for request limitations"). */
const LIMIT_RULES: Readonly<Record<string, { waitSeconds: number; message: string }>> = {
  "1001": { waitSeconds: 600, message: "The provider blocked the account for 10 minutes after 120 'no slot available' errors in a minute." },
  "1002": { waitSeconds: 300, message: "The provider blocked the account for 5 minutes after 120 'zero balance' errors in a minute." },
  "1003": { waitSeconds: 30, message: "The provider blocked the account for 30 seconds because its queue of undistributed captchas is too long." },
  "1004": { waitSeconds: 600, message: "The provider blocked this IP address for 10 minutes after requests with an incorrect API key." },
  "1005": { waitSeconds: 300, message: "The provider blocked the account for 5 minutes for too many result requests (more than 20 per captcha)." },
};

const LIMIT_CODE = /^ERROR:\s*(\d{1,6})$/;
/** What an upstream error code may look like; anything else is not echoed back. */
const CODE_SHAPE = /^[A-Z][A-Z0-9_]{1,63}$/;

/** Classifies an error code from in.php or res.php. */
export function classifyErrorCode(rawCode: string): UpstreamError {
  const code = rawCode.trim();
  const rule = RULES[code];
  if (rule) {
    return {
      fault: rule.fault,
      code,
      message: rule.message,
      ...(rule.waitSeconds !== undefined ? { waitSeconds: rule.waitSeconds } : {}),
    };
  }
  const limit = LIMIT_CODE.exec(code);
  if (limit) {
    const number = limit[1] as string;
    const known = LIMIT_RULES[number];
    return {
      fault: "rate_limited",
      code: `ERROR: ${number}`,
      message: known?.message ?? `The provider temporarily suspended the account for exceeding a request limit (ERROR: ${number}).`,
      waitSeconds: known?.waitSeconds ?? 300,
    };
  }
  const shaped = CODE_SHAPE.test(code) ? code : "UNKNOWN_ERROR";
  return {
    fault: "retry",
    code: shaped,
    message: `The provider answered with an error code its documentation does not list (${shaped}).`,
    waitSeconds: 5,
  };
}

/** An answer that is neither an answer nor an error code (HTML page, garbage): retry in 5 s. */
export function unparseableAnswer(httpStatus: number): UpstreamError {
  if (httpStatus >= 400) {
    return {
      fault: "retry",
      code: `HTTP_${httpStatus}`,
      message: `The provider answered HTTP ${httpStatus} instead of a protocol answer.`,
      waitSeconds: 5,
    };
  }
  return {
    fault: "retry",
    code: "UNPARSEABLE",
    message: "The provider's answer was neither a result nor a documented error code.",
    waitSeconds: 5,
  };
}

/**
 * An HTTP redirect (the adapter does not follow them: a redirected POST loses its form and
 * would come back as a misleading key error). Usually a base URL that needs https or a new
 * host: the configuration must change, so the provider cools down.
 */
export function redirectAnswer(httpStatus: number): UpstreamError {
  return {
    fault: "cooldown",
    code: `HTTP_${httpStatus}`,
    message: `The provider redirected the request (HTTP ${httpStatus}); check the provider's base URL.`,
    waitSeconds: 600,
  };
}

/** HTTP 429: the account is asked to slow down for Retry-After (5 s without one). */
export function tooManyRequests(waitSeconds: number): UpstreamError {
  return { fault: "rate_limited", code: "HTTP_429", message: "The provider asked the router to slow down (HTTP 429).", waitSeconds };
}

/** An HTTP 5xx answer: retry in 5 s whatever the body says. */
export function serverErrorAnswer(httpStatus: number): UpstreamError {
  return {
    fault: "retry",
    code: `HTTP_${httpStatus}`,
    message: `The provider answered with a server error (HTTP ${httpStatus}).`,
    waitSeconds: 5,
  };
}

/**
 * How a transport error's message writes the time limit: in seconds to a tenth ("0.2 s"),
 * where the JSON adapters write "200 ms". The timeout and network errors themselves are built
 * by ../http/upstream-client.ts, from the fetch error's name and system code only.
 */
export const timeLimitInSeconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

/** A solved answer whose content cannot be turned into a solution of the task's kind. */
export function badSolution(what: string): UpstreamError {
  return {
    fault: "unsolvable",
    code: "BAD_SOLUTION",
    message: `The provider's answer is not a usable solution: ${what}.`,
  };
}
