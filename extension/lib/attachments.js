// The files a capture carries besides its visible screenshot (issue #15): the full page, the page
// source, recording chunks. Each is sent to POST /api/v1/captures/<id>/files (docs/api.md, "Capture
// files"); when the companion can't be reached it waits in the same IndexedDB as the captures
// (lib/outbox.js, store `attachments`, keyed by its slot [capture_id, kind, recording_id, part], so
// a resend is idempotent), and is sent only after its capture: a file never reaches the companion
// before the capture it belongs to.

import { CompanionError, request } from "./companion.js";
import * as outbox from "./outbox.js";
import { loadSettings } from "./settings.js";

export const KIND_WORDS = { full_page: "整页截图", page_source: "网页源文件", video_chunk: "录屏片段" };

function slotOf(captureId, file) {
  return {
    capture_id: captureId,
    kind: file.kind,
    recording_key: file.recording_id || "",
    part: Number.isInteger(file.part) ? file.part : 0,
  };
}

function bodyOf(file) {
  const body = { kind: file.kind, mime: file.mime, data_base64: file.data_base64, part: Number.isInteger(file.part) ? file.part : 0 };
  if (file.recording_id) body.recording_id = file.recording_id;
  if (file.meta && typeof file.meta === "object") body.meta = file.meta;
  return body;
}

async function post(settings, captureId, file) {
  const { status, data } = await request(settings, "POST", `/api/v1/captures/${encodeURIComponent(captureId)}/files`, bodyOf(file));
  return { status, file: data && data.file };
}

function enqueue(captureId, file) {
  const entry = { ...slotOf(captureId, file), file: bodyOf(file), queued_at: Date.now() };
  return outbox.withStore("readwrite", (store) => store.put(entry), outbox.ATTACHMENTS);
}

function removeQueued(entry) {
  const key = [entry.capture_id, entry.kind, entry.recording_key, entry.part];
  return outbox.withStore("readwrite", (store) => store.delete(key), outbox.ATTACHMENTS);
}

function rejectedText(file, err) {
  const what = KIND_WORDS[file.kind] || "附件";
  return err.message.replace("助手拒绝了请求", `助手拒收了${what}`);
}

/**
 * Send one file of a capture, or queue it. file = {kind, mime, data_base64, part, recording_id, meta}.
 * Returns {ok, queued, file?, error?}: ok with the companion's FILE; queued when the companion can't
 * take it now (or its capture is still queued); neither when it was refused (the reason in Chinese).
 */
export async function sendFile(captureId, file) {
  const settings = await loadSettings();
  if (await outbox.has(captureId)) {
    await enqueue(captureId, file);
    return { ok: false, queued: true, error: "截图还在等待发送，这个文件会在它之后自动发送。" };
  }
  try {
    const { file: stored } = await post(settings, captureId, file);
    return { ok: true, queued: false, file: stored };
  } catch (err) {
    if (!(err instanceof CompanionError)) throw err;
    if (!err.retryable) return { ok: false, queued: false, errorKind: err.kind, error: rejectedText(file, err) };
    await enqueue(captureId, file);
    return { ok: false, queued: true, errorKind: err.kind, error: err.message };
  }
}

export function queuedCount() {
  return outbox.withStore("readonly", (store) => store.count(), outbox.ATTACHMENTS);
}

/**
 * Send the queued files whose capture has left the queue, oldest first (lib/capture.js calls this
 * after the queued captures). Stops at the first failure that is not the file's fault; a refused
 * file (4xx) leaves the queue. The capture of a file may have been refused too: the file then gets
 * 404 capture_not_found and leaves the queue with it.
 */
export async function flushAttachments() {
  const settings = await loadSettings();
  const entries = await outbox.withStore("readonly", (store) => store.index("queued_at").getAll(), outbox.ATTACHMENTS);
  let sent = 0;
  let rejected = 0;
  for (const entry of entries) {
    if (await outbox.has(entry.capture_id)) continue; // its capture first
    try {
      await post(settings, entry.capture_id, entry.file);
      sent += 1;
    } catch (err) {
      if (!(err instanceof CompanionError) || err.retryable) break;
      console.warn("砍价存证: a queued file was refused:", err.message);
      rejected += 1;
    }
    await removeQueued(entry);
  }
  return { sent, rejected, remaining: await queuedCount() };
}
