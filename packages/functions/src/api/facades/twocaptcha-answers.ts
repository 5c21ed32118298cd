/**
 * How the 2Captcha v1 facade answers: always HTTP 200, plain text (`OK|…`, bare codes) or, with
 * json=1, `{"status":1|0,"request":…}`; `header_acao=1` adds Access-Control-Allow-Origin: *.
 */
import type { Context } from "hono";

export interface AnswerStyle {
  json: boolean;
  acao: boolean;
}

export function answerStyle(params: Record<string, string>): AnswerStyle {
  return { json: (params.json ?? "").trim() === "1", acao: (params.header_acao ?? "").trim() === "1" };
}

function send(c: Context, style: AnswerStyle, plain: string, json: Record<string, unknown>) {
  const headers: Record<string, string> = style.acao ? { "access-control-allow-origin": "*" } : {};
  if (style.json) return c.json(json, 200, headers);
  return c.text(plain, 200, headers);
}

/** A success: `OK|<request>` or {"status":1,"request":…,…extra}. */
export const ok = (c: Context, style: AnswerStyle, request: string, extra: Record<string, unknown> = {}, plainTail = "") =>
  send(c, style, `OK|${request}${plainTail}`, { status: 1, request, ...extra });

/** A success answered bare in plain text (getbalance's number, OK_REPORT_RECORDED). */
export const bare = (c: Context, style: AnswerStyle, request: string) => send(c, style, request, { status: 1, request });

/** An error or CAPCHA_NOT_READY: the code as text, or {"status":0,"request":code}. */
export const fail = (c: Context, style: AnswerStyle, code: string) => send(c, style, code, { status: 0, request: code });
