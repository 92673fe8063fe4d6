// Unit tests of extension/lib/recording-core.js (issue #15): which browsers may record a tab, the
// popup's elapsed time, the finish call's path. Run by tests/test_extension_libs.py.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  RECORDER_MIME_TYPES, TIMESLICE_MS, UNSUPPORTED_SENTENCE, canRecordTabs, finishPath, formatElapsed,
} from "../../extension/lib/recording-core.js";

test("only a browser with tabCapture and offscreen documents records", () => {
  const chromium = { tabCapture: { getMediaStreamId() {} }, offscreen: { createDocument() {} } };
  assert.equal(canRecordTabs(chromium), true);
  assert.equal(canRecordTabs({ offscreen: {} }), false); // Firefox: no tabCapture
  assert.equal(canRecordTabs({ tabCapture: { getMediaStreamId() {} } }), false);
  assert.equal(canRecordTabs(undefined), false);
  assert.match(UNSUPPORTED_SENTENCE, /^Firefox 不支持录制标签页，请在 Chrome 或 Edge 中录屏。$/);
});

test("elapsed time in Chinese", () => {
  assert.equal(formatElapsed(0), "0 秒");
  assert.equal(formatElapsed(4999), "4 秒");
  assert.equal(formatElapsed(65_000), "1 分 05 秒");
  assert.equal(formatElapsed(-5), "0 秒");
  assert.equal(formatElapsed("x"), "0 秒");
});

test("the finish path encodes its ids; chunks are short and WebM", () => {
  assert.equal(finishPath("a/b", "c d"), "/api/v1/captures/a%2Fb/recordings/c%20d/finish");
  assert.ok(TIMESLICE_MS <= 3000);
  assert.ok(RECORDER_MIME_TYPES.every((t) => t.startsWith("video/webm")));
});
