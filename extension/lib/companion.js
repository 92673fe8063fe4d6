// The companion's REST API as the extension uses it, with every failure turned into a
// Chinese sentence a shopper can act on.

import { rfc3339 } from "./format.js";
import { KINDS } from "./messages.js";

// What the user has (README, docs/windows.md): the start scripts, not a bare command on PATH.
export const START_HINT = "Windows：双击砍价存证文件夹里的「启动.bat」；macOS / Linux：运行 scripts/start";
const PERMANENT = new Set([400, 404, 409, 413, 415, 422, 429]);
const UNPAIRED_TEXT = "尚未配对：请在扩展的「设置」中点「与助手配对」，再在助手控制台确认相同的配对码。";
const REVOKED_TEXT = "配对已撤销：这个浏览器的配对已在助手控制台撤销，请在扩展的「设置」中重新与助手配对。";

export class CompanionError extends Error {
  constructor(kind, message, status = 0, code = "") {
    super(message);
    this.kind = kind; // KINDS.OFFLINE | UNPAIRED | AUTH | REJECTED | SERVER (lib/messages.js)
    this.status = status;
    this.code = code;
  }
  /** Worth keeping in the outbox and retrying later (the capture itself is fine). */
  get retryable() {
    return this.kind !== KINDS.REJECTED;
  }
}

/** One call to the companion's API with the stored token; failures become CompanionError. */
export async function request(settings, method, path, body) {
  if (!settings.token) {
    throw new CompanionError(KINDS.UNPAIRED, UNPAIRED_TEXT);
  }
  return call(settings, method, path, body, { Authorization: `Bearer ${settings.token}` });
}

async function call(settings, method, path, body, auth) {
  let response;
  try {
    response = await fetch(settings.url + path, {
      method,
      headers: { ...auth, ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      cache: "no-store",
      credentials: "omit",
    });
  } catch {
    throw new CompanionError(KINDS.OFFLINE, `无法连接砍价存证助手（${settings.url}）：请先在电脑上启动助手（${START_HINT}）。`);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (response.ok) return { status: response.status, data };
  const serverMessage = data && data.message ? data.message : `HTTP ${response.status}`;
  const code = data && data.error ? data.error : "";
  if (code === "pairing_revoked") {
    throw new CompanionError(KINDS.AUTH, REVOKED_TEXT, response.status, code);
  }
  if (response.status === 401 || response.status === 403) {
    const why = data && data.message ? data.message : "访问令牌不正确。";
    throw new CompanionError(KINDS.AUTH, `助手拒绝了请求：${why}`, response.status, code);
  }
  if (PERMANENT.has(response.status)) {
    throw new CompanionError(KINDS.REJECTED, `助手拒绝了请求：${serverMessage}`, response.status, code);
  }
  throw new CompanionError(KINDS.SERVER, `助手暂时出错（${serverMessage}），稍后会自动重试。`, response.status, code);
}

export function getStatus(settings) {
  return request(settings, "GET", "/api/v1/status");
}

export async function postCapture(settings, message) {
  // When this attempt is sent (first send or a resend from the offline queue): lets the companion
  // tell a late delivery from a wrong clock (docs/evidence.md, "Time order").
  const sent = { ...message, client: { ...message.client, sent_at: rfc3339(new Date()) } };
  try {
    return await request(settings, "POST", "/api/v1/captures", sent);
  } catch (err) {
    if (err instanceof CompanionError && err.kind === KINDS.REJECTED) {
      throw new CompanionError(KINDS.REJECTED, err.message.replace("助手拒绝了请求", "助手拒收了这次截图"), err.status, err.code);
    }
    throw err;
  }
}

/**
 * Pairing (docs/security.md): ask without a token; the companion answers a secret handle and the
 * six-digit code the user compares on the dashboard. Poll with the handle until it is confirmed:
 * the token comes back exactly once.
 */
export async function startPairing(url, browser) {
  const { data } = await call({ url }, "POST", "/api/v1/pairing", browser ? { browser } : {}, {});
  return data; // {request_id, code, expires_at}
}

export async function pollPairing(url, requestId) {
  // A POST: browsers send Origin with it (not with an extension's GET), and the handle is bound to it.
  const { data } = await call({ url }, "POST", `/api/v1/pairing/${encodeURIComponent(requestId)}`, {}, {});
  return data; // {status: pending|expired|denied|confirmed[, token]}
}

/** A one-time link that opens a dashboard session on `next` (the popup's 「在控制台查看证据」). */
export async function sessionLink(settings, next = "/") {
  const { data } = await request(settings, "POST", "/api/v1/session-link", { next });
  return data.url;
}
