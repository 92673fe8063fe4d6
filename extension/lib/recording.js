// Session recording, the service worker's side (docs/recording.md). Start: a normal visible capture
// of the tab (the recording belongs to that capture id), a stream id from chrome.tabCapture (the
// popup's click granted activeTab), and the offscreen recorder (offscreen.js). Every chunk the
// recorder hands over goes to the companion through lib/attachments.js (queued there while the
// companion is down). Stop, the tab closing or navigating away: the recorder flushes its last
// chunk, then the companion is told the recording is finished (retried later if it is down).
// The state lives in chrome.storage.session: the worker may be killed between two chunks.

import { sendFile } from "./attachments.js";
import { CompanionError, request } from "./companion.js";
import { MSG, RECORDER, send } from "./messages.js";
import { canRecordTabs, finishPath, UNSUPPORTED_SENTENCE } from "./recording-core.js";
import { loadSettings } from "./settings.js";

const OFFSCREEN_URL = "offscreen.html";
const BADGE = "录";
const PENDING_KEY = "pendingRecordingFinishes"; // finish calls the companion has not taken yet

export async function getRecording() {
  const { recording } = await chrome.storage.session.get("recording");
  return recording || null;
}

async function setRecording(recording) {
  if (recording) await chrome.storage.session.set({ recording });
  else await chrome.storage.session.remove("recording");
}

async function ensureOffscreen() {
  const url = chrome.runtime.getURL(OFFSCREEN_URL);
  const existing = await chrome.runtime.getContexts({ contextTypes: ["OFFSCREEN_DOCUMENT"], documentUrls: [url] });
  if (existing.length > 0) return;
  await chrome.offscreen.createDocument({
    url: OFFSCREEN_URL,
    reasons: ["USER_MEDIA"],
    justification: "录制用户选择的标签页，作为砍价过程的证据",
  });
}

async function closeOffscreen() {
  await chrome.offscreen.closeDocument().catch(() => {});
}

function toRecorder(type, data = {}) {
  return send(type, data, RECORDER);
}

/**
 * Start recording `tab`. `capture(tab)` takes the visible capture the recording attaches to and
 * returns its outcome (sw.js's captureAndReport, so the badge and popup treat it like any capture).
 * Returns {recording} or throws an Error with a Chinese sentence.
 */
export async function startRecording(tab, capture) {
  if (!canRecordTabs()) throw new Error(UNSUPPORTED_SENTENCE);
  const running = await getRecording();
  if (running) throw new Error(running.tabId === tab.id ? "这个标签页已经在录屏。" : "另一个标签页正在录屏：请先停止它。");
  const shot = await capture(tab);
  if (!shot.ok && !shot.queued) throw new Error(`录屏没有开始：开始前的截图没有保存（${shot.error}）`);
  let streamId;
  try {
    streamId = await chrome.tabCapture.getMediaStreamId({ targetTabId: tab.id });
  } catch (err) {
    throw new Error(`浏览器不允许录制这个标签页（${err.message}）：请点工具栏上的砍价存证按钮，再在弹窗里点「开始录屏」。`);
  }
  const recording = {
    tabId: tab.id, url: tab.url || "", captureId: shot.capture_id, recordingId: crypto.randomUUID(),
    startedAt: Date.now(), chunks: 0, queued: 0, lastError: "",
  };
  await ensureOffscreen();
  const reply = await toRecorder(MSG.RECORDER_START, { streamId, recordingId: recording.recordingId, captureId: recording.captureId });
  if (!reply || !reply.ok) {
    await closeOffscreen();
    throw new Error(`录屏没有开始：${(reply && reply.error) || "录制程序没有回应"}`);
  }
  recording.mimeType = reply.data.mimeType;
  await setRecording(recording);
  await chrome.action.setBadgeBackgroundColor({ tabId: tab.id, color: "#cf222e" });
  await chrome.action.setBadgeText({ tabId: tab.id, text: BADGE });
  return { recording, capture: shot };
}

/** A chunk from the recorder: to the companion (or the queue), counted in the state. */
export async function takeChunk(chunk) {
  const recording = await getRecording();
  const { capture_id: captureId, ...file } = chunk;
  const result = await sendFile(captureId, { kind: "video_chunk", ...file });
  if (recording && recording.recordingId === chunk.recording_id) {
    recording.chunks = Math.max(recording.chunks, chunk.part + 1);
    if (result.queued) recording.queued += 1;
    recording.lastError = result.ok || result.queued ? "" : result.error || "";
    await setRecording(recording);
  }
  return result;
}

/** Ask the recorder to stop; it flushes its last chunk and reports back (recordingEnded). */
export async function stopRecording() {
  const recording = await getRecording();
  if (!recording) return null;
  const reply = await toRecorder(MSG.RECORDER_STOP);
  const still = await getRecording();
  if ((!reply || !reply.ok || !reply.data) && still && still.recordingId === recording.recordingId) {
    // No recorder answered and none reported the end (the browser took it away): what arrived is
    // kept; finish with that. (A recorder that ended by itself, the tab closing, has reported.)
    await recordingEnded({
      capture_id: still.captureId, recording_id: still.recordingId, chunks: still.chunks,
      duration_ms: Date.now() - still.startedAt, reason: "lost",
    });
  }
  await closeOffscreen(); // only now: closing it earlier cuts the recorder's answer off
  return recording;
}

/** The recorder ended (stop, the tab gone): tell the companion, clear the state and the badge. */
export async function recordingEnded(summary) {
  const recording = await getRecording();
  if (recording && recording.recordingId === summary.recording_id) {
    await setRecording(null);
    await chrome.action.setBadgeText({ tabId: recording.tabId, text: null }).catch(() => {});
  }
  // Stopped by the worker: stopRecording closes the document once the recorder has answered.
  if (summary.reason !== "stopped") await closeOffscreen();
  const finish = {
    captureId: summary.capture_id, recordingId: summary.recording_id,
    body: { chunks: summary.chunks, duration_ms: Math.max(0, Math.round(summary.duration_ms)) },
  };
  const { [PENDING_KEY]: pending = [] } = await chrome.storage.local.get(PENDING_KEY);
  await chrome.storage.local.set({ [PENDING_KEY]: [...pending.filter((p) => p.recordingId !== finish.recordingId), finish] });
  return retryFinishes();
}

/** Send the finish calls not yet taken (after the queued chunks: call it after flushing them). */
export async function retryFinishes() {
  const { [PENDING_KEY]: pending = [] } = await chrome.storage.local.get(PENDING_KEY);
  if (pending.length === 0) return { finished: 0, remaining: 0 };
  const settings = await loadSettings();
  const left = [];
  let finished = 0;
  for (const item of pending) {
    try {
      await request(settings, "POST", finishPath(item.captureId, item.recordingId), item.body);
      finished += 1;
    } catch (err) {
      // Refused for good (unknown capture, say): dropping it loses nothing, the chunks are kept.
      if (!(err instanceof CompanionError) || err.retryable) left.push(item);
    }
  }
  await chrome.storage.local.set({ [PENDING_KEY]: left });
  return { finished, remaining: left.length };
}

/** The recorded tab closed, or left its page: end the recording cleanly. */
export async function onTabGone(tabId, newUrl) {
  const recording = await getRecording();
  if (!recording || recording.tabId !== tabId) return;
  const page = (url) => String(url || "").split("#")[0];
  if (newUrl !== undefined && page(newUrl) === page(recording.url)) return; // the same page (a hash, a reload)
  await stopRecording();
}
