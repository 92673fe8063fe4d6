// Messages between the extension's pages, its content script and the service worker.
//
// Senders: `await send(MSG.X, data)` resolves to a reply, always in one shape:
//   {ok: true, data} | {ok: false, kind, error[, data]}   (error: a Chinese sentence, kind: KINDS)
// The router (sw.js): answers every message with ok(data) / fail(kind, error) / replyFromError(err)
// and an unknown type with unknownType(type).
//
// The constants, the reply builders and send() live in ./messages-core.js, a file that also runs
// as a classic content script so that content/formfill.js (which cannot import) uses the very
// same objects through globalThis.BargainWitnessMessages; this module re-exports them.

import "./messages-core.js";

const core = globalThis.BargainWitnessMessages;

export const { MSG, KINDS, TARGET, RECORDER, ok, fail, isReply, send } = core;

const COMPANION_KINDS = new Set([KINDS.OFFLINE, KINDS.UNPAIRED, KINDS.AUTH, KINDS.REJECTED, KINDS.SERVER]);

/** Is `message` an envelope addressed to the service worker? */
export function isEnvelope(message) {
  return Boolean(message) && typeof message === "object" && message.target === TARGET;
}

/**
 * A failed reply for an error thrown by a handler: a CompanionError keeps its kind and its
 * sentence; anything else is an internal error.
 */
export function replyFromError(err) {
  if (err && COMPANION_KINDS.has(err.kind) && typeof err.message === "string" && err.message) {
    return fail(err.kind, err.message);
  }
  const detail = err && err.message ? err.message : String(err);
  return fail(KINDS.INTERNAL, `扩展内部出错：${detail}`);
}

/** The reply to a message type the router does not know (and a warning in the console). */
export function unknownType(type) {
  console.warn("砍价存证: unknown message type", type);
  return fail(KINDS.UNKNOWN_TYPE, `扩展不认识这条消息（${String(type)}）：请刷新页面或重新加载扩展后重试。`);
}
