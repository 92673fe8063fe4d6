// The tab recorder (docs/recording.md): an offscreen document (reason USER_MEDIA) because a
// service worker has no getUserMedia nor MediaRecorder. It opens the tab's stream from the id the
// worker got with chrome.tabCapture.getMediaStreamId, records WebM in slices of ~2 s and hands
// every slice to the worker as soon as it exists (MSG.RECORD_CHUNK), one at a time and in order.
//
// Why the worker posts the chunks and not this page: an offscreen document has chrome.runtime only
// (no chrome.storage: no companion address, no token), and the worker already owns the companion
// client and the IndexedDB queue (lib/attachments.js) that holds a chunk while the companion is down
// and sends it after its capture. A 2 s chunk is a few hundred KB of Base64 over the message channel.

import { rfc3339 } from "./lib/format.js";
import { KINDS, MSG, RECORDER, fail, ok, send } from "./lib/messages.js";
import { RECORDER_MIME_TYPES, TIMESLICE_MS } from "./lib/recording-core.js";

let current = null; // {recorder, stream, audio, recordingId, captureId, part, sending, stopped}

function pickMimeType() {
  return RECORDER_MIME_TYPES.find((type) => MediaRecorder.isTypeSupported(type)) || "video/webm";
}

function toBase64(buffer) {
  const bytes = new Uint8Array(buffer);
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

async function openStream(streamId) {
  const video = { mandatory: { chromeMediaSource: "tab", chromeMediaSourceId: streamId } };
  const audio = { mandatory: { chromeMediaSource: "tab", chromeMediaSourceId: streamId } };
  try {
    return await navigator.mediaDevices.getUserMedia({ video, audio });
  } catch {
    // No audio to take (no sound device, say): the picture is what matters as evidence.
    return navigator.mediaDevices.getUserMedia({ video });
  }
}

/** Capturing a tab's audio mutes it for the user: play it back so the tab stays audible. */
function keepAudible(stream) {
  if (stream.getAudioTracks().length === 0) return null;
  try {
    const context = new AudioContext();
    context.createMediaStreamSource(stream).connect(context.destination);
    return context;
  } catch {
    return null;
  }
}

/** One slice → the worker, after the slices before it (the chain receives them in order). */
function queueChunk(state, blob, startedAt, endedAt) {
  if (!blob || blob.size === 0) return;
  const part = state.part;
  state.part += 1;
  state.sending = state.sending.then(async () => {
    const file = {
      capture_id: state.captureId,
      recording_id: state.recordingId,
      part,
      mime: state.mimeType,
      data_base64: toBase64(await blob.arrayBuffer()),
      meta: { started_at: rfc3339(new Date(startedAt)), duration_ms: Math.max(0, Math.round(endedAt - startedAt)) },
    };
    const reply = await send(MSG.RECORD_CHUNK, file);
    if (!reply.ok) console.warn("砍价存证: chunk", part, "not taken:", reply.error);
  });
}

async function start({ streamId, recordingId, captureId, timesliceMs = TIMESLICE_MS }) {
  if (current && !current.stopped) throw new Error("已经在录屏。");
  const stream = await openStream(streamId);
  const mimeType = pickMimeType();
  const recorder = new MediaRecorder(stream, { mimeType, videoBitsPerSecond: 2_500_000 });
  const state = {
    recorder, stream, recordingId, captureId, mimeType: recorder.mimeType || mimeType, part: 0,
    sending: Promise.resolve(), stopped: null, startedAt: Date.now(), sliceStart: Date.now(),
  };
  state.audio = keepAudible(stream);
  recorder.ondataavailable = (event) => {
    const now = Date.now();
    queueChunk(state, event.data, state.sliceStart, now);
    state.sliceStart = now;
  };
  // The tab closed or its capture was taken away: end cleanly, as a stop would.
  for (const track of stream.getVideoTracks()) track.addEventListener("ended", () => stop(state, "tab-ended"));
  current = state;
  recorder.start(timesliceMs);
  return { mimeType: state.mimeType, startedAt: rfc3339(new Date(state.startedAt)) };
}

/** Stop, wait for the last slice to be handed over, then tell the worker the recording ended. */
function stop(state, reason) {
  if (!state) return Promise.resolve(null);
  if (state.stopped) return state.stopped;
  state.stopped = (async () => {
    if (state.recorder.state !== "inactive") {
      const ended = new Promise((resolve) => state.recorder.addEventListener("stop", resolve, { once: true }));
      state.recorder.stop(); // fires a last dataavailable, then stop
      await ended;
    }
    for (const track of state.stream.getTracks()) track.stop();
    if (state.audio) state.audio.close().catch(() => {});
    await state.sending;
    const summary = {
      capture_id: state.captureId, recording_id: state.recordingId, chunks: state.part,
      duration_ms: Date.now() - state.startedAt, reason,
    };
    await send(MSG.RECORD_ENDED, summary);
    return summary;
  })();
  return state.stopped;
}

// Only the worker talks to the recorder: messages addressed to it, from this extension.
chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (!message || message.target !== RECORDER || sender.id !== chrome.runtime.id) return false;
  const work = message.type === MSG.RECORDER_START ? start(message.data)
    : message.type === MSG.RECORDER_STOP ? stop(current, "stopped") : null;
  if (!work) return false;
  work.then(
    (data) => sendResponse(ok(data)),
    (err) => sendResponse(fail(KINDS.INTERNAL, String((err && err.message) || err))),
  );
  return true;
});
