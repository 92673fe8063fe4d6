// What the tab recorder (offscreen.js) and the service worker (lib/recording.js) agree on, in a
// file with no browser API so both, and the unit tests, can import it (docs/recording.md).

/** MediaRecorder's timeslice: a crash of the browser or the companion loses at most about this much. */
export const TIMESLICE_MS = 2000;

/** Preferred formats, best first; the companion takes video/webm with a codecs parameter. */
export const RECORDER_MIME_TYPES = [
  "video/webm;codecs=vp9,opus",
  "video/webm;codecs=vp8,opus",
  "video/webm;codecs=vp9",
  "video/webm;codecs=vp8",
  "video/webm",
];

/** Said instead of a button where the browser has no tab capture (Firefox). */
export const UNSUPPORTED_SENTENCE = "Firefox 不支持录制标签页，请在 Chrome 或 Edge 中录屏。";

/** Can this browser record a tab? Chromium has chrome.tabCapture and chrome.offscreen; Firefox neither. */
export function canRecordTabs(api = globalThis.chrome) {
  return Boolean(api && api.tabCapture && typeof api.tabCapture.getMediaStreamId === "function" && api.offscreen);
}

/** 「已录 1 分 05 秒」 from milliseconds. */
export function formatElapsed(ms) {
  const seconds = Math.max(0, Math.floor(Number(ms) / 1000) || 0);
  const minutes = Math.floor(seconds / 60);
  const rest = String(seconds % 60).padStart(2, "0");
  return minutes > 0 ? `${minutes} 分 ${rest} 秒` : `${seconds} 秒`;
}

/** The finish call's path (encoded: ids come from storage, never trusted as path-safe). */
export function finishPath(captureId, recordingId) {
  return `/api/v1/captures/${encodeURIComponent(captureId)}/recordings/${encodeURIComponent(recordingId)}/finish`;
}
