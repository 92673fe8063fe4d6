// The one definition of the extension's internal messages: their types, the envelope, the reply
// shape and send(). Import it through lib/messages.js; this file is its dependency-free core.
//
// Why a separate file that only sets a global: the form filler (content/formfill.js) is a classic
// content script and cannot `import`. So this file is written to run both ways, with no import or
// export and everything inside one function: manifest.json lists it before content/formfill.js in
// the same content_scripts entry (both then run in the extension's isolated world of the page,
// where the page's own scripts cannot see or replace the global), and lib/messages.js imports it
// for its side effect and re-exports the same objects to the ES modules. One source of truth.
//
// Reply shape, for every message, from every handler:
//   {ok: true, data}                      data: what the type answers (an object, or null)
//   {ok: false, kind, error[, data]}      kind: a word from KINDS; error: a Chinese sentence for
//                                         the user; data only where the failure has details to
//                                         show (a queued capture's figures, for example)
(function () {
  "use strict";

  /** Every message type the service worker answers. */
  const MSG = Object.freeze({
    CAPTURE: "capture", // popup → sw {tabId[, confirmNotBargain]}: capture that tab now
    CLICK_RESULT: "click-result", // popup → sw {tabId}: the capture the toolbar click started ({inFlight: false}: none)
    FLUSH_OUTBOX: "flush-outbox", // options → sw {}: resend the queued captures
    OUTBOX_COUNT: "outbox-count", // options → sw {}: how many captures are queued
    WATCH_START: "watch-start", // popup → sw {tabId, intervalMinutes}
    WATCH_STOP: "watch-stop", // popup → sw {}
    WATCH_STATUS: "watch-status", // popup → sw {}
    RECORD_START: "record-start", // popup → sw {tabId}: capture the tab, then record it (docs/recording.md)
    RECORD_STOP: "record-stop", // popup → sw {}: stop the recording, flush its last chunk, finish it
    RECORD_STATUS: "record-status", // popup → sw {}: {supported, recording|null}
    RECORD_CHUNK: "record-chunk", // offscreen recorder → sw {capture_id, recording_id, part, mime, data_base64, meta}
    RECORD_ENDED: "record-ended", // offscreen recorder → sw {capture_id, recording_id, chunks, duration_ms, reason}
    RECORDER_START: "recorder-start", // sw → offscreen recorder (target RECORDER) {streamId, recordingId, captureId}
    RECORDER_STOP: "recorder-stop", // sw → offscreen recorder (target RECORDER) {}: stop, flush, report RECORD_ENDED
    COMPLAINT_CAMPAIGNS: "complaint-campaigns", // formfill (complaint sites) → sw {}
    COMPLAINT_DRAFT: "complaint-draft", // formfill (complaint sites) → sw {campaign_id, channel}
  });

  /** Why a reply failed. The first five are CompanionError's kinds (lib/companion.js). */
  const KINDS = Object.freeze({
    OFFLINE: "offline", // the companion does not answer
    UNPAIRED: "unpaired", // no token set yet
    AUTH: "auth", // the companion refused the token
    REJECTED: "rejected", // the companion (or the service worker) refused this request for good
    SERVER: "server", // the companion failed; worth retrying
    CAPTURE: "capture", // the browser refused the screenshot
    NOT_BARGAIN: "not_bargain", // the page is not a bargain page: nothing sent until the user confirms
    UNKNOWN_TYPE: "unknown_type", // the service worker does not know the message type
    INTERNAL: "internal", // a handler threw something unexpected
    NO_ANSWER: "no_answer", // the service worker answered nothing (made by send())
    DISCONNECTED: "disconnected", // the message could not be delivered at all (made by send())
  });

  /** Envelopes are addressed to the service worker, except the recorder's (docs/recording.md). */
  const TARGET = "background";
  const RECORDER = "offscreen-recorder";
  const TYPE_VALUES = new Set(Object.values(MSG));
  const KIND_VALUES = new Set(Object.values(KINDS));

  function ok(data = null) {
    return { ok: true, data: data === undefined ? null : data };
  }

  function fail(kind, error, data) {
    if (!KIND_VALUES.has(kind)) throw new TypeError(`unknown reply kind ${kind}`);
    if (typeof error !== "string" || !error) throw new TypeError("a failed reply needs an error sentence");
    return data === undefined ? { ok: false, kind, error } : { ok: false, kind, error, data };
  }

  /** Is `value` a reply in the shape above? */
  function isReply(value) {
    if (!value || typeof value !== "object") return false;
    if (value.ok === true) return "data" in value;
    return value.ok === false && KIND_VALUES.has(value.kind) && typeof value.error === "string" && value.error !== "";
  }

  /**
   * Send one message to the service worker and resolve to its reply; never rejects for a delivery
   * problem (that becomes a failed reply of kind disconnected/no_answer), only for an unknown type,
   * which is a programming error.
   */
  async function send(type, data = {}, target = TARGET) {
    if (!TYPE_VALUES.has(type)) throw new TypeError(`unknown message type ${type}`);
    const runtime = typeof chrome !== "undefined" ? chrome.runtime : undefined;
    if (!runtime || !runtime.id) {
      return fail(KINDS.DISCONNECTED, "扩展已更新或被停用：请刷新本页面后重试。");
    }
    let answer;
    try {
      answer = await runtime.sendMessage({ type, target, data });
    } catch (err) {
      return fail(KINDS.DISCONNECTED, `无法联系砍价存证扩展（${err && err.message}）：请刷新本页面后重试。`);
    }
    return isReply(answer) ? answer : fail(KINDS.NO_ANSWER, "砍价存证扩展没有回应：请刷新本页面后重试。");
  }

  globalThis.BargainWitnessMessages = Object.freeze({ MSG, KINDS, TARGET, RECORDER, ok, fail, isReply, send });
})();
