// Unit tests of extension/lib/fullpage-plan.js (issue #15): the steps of a scrolled capture, where
// each frame lands, the split of a tall page into parts a canvas holds, and Firefox's rectangles.
// Run by tests/test_extension_libs.py; the stitching itself is checked in real Chromium
// (tests/test_e2e_fullpage.py).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  MAX_PART_HEIGHT, MAX_PART_PIXELS, MAX_STEPS, OVERLAP_CSS, firefoxRects, frameRegions, intoParts, nextScrollTop,
  partHeight, splitParts, stepsFor, stitchedHeight,
} from "../../extension/lib/fullpage-plan.js";
import { describeFullPage } from "../../extension/lib/fullpage-status.js";

test("parts stay within the canvas limits and cover the page without gaps", () => {
  assert.equal(partHeight(780), MAX_PART_HEIGHT);
  assert.equal(partHeight(10000), 6000); // 60 MP / 10000 px wide
  for (const [height, width] of [[1, 390], [16384, 390], [16385, 390], [100000, 780], [50000, 12000]]) {
    const parts = splitParts(height, width);
    assert.equal(parts[0].top, 0);
    assert.equal(parts.reduce((sum, p) => sum + p.height, 0), height);
    for (const [i, p] of parts.entries()) {
      assert.equal(p.index, i);
      assert.ok(p.height <= MAX_PART_HEIGHT && p.height * width <= MAX_PART_PIXELS);
      if (i > 0) assert.equal(p.top, parts[i - 1].top + parts[i - 1].height);
    }
  }
  assert.equal(splitParts(16385, 390).length, 2);
  assert.equal(splitParts(20000 * 2, 780).length, 3);
});

test("steps overlap a little and stop at the end", () => {
  assert.equal(nextScrollTop(0, 844, 2532), 844 - OVERLAP_CSS);
  assert.equal(nextScrollTop(1600, 844, 2532), 2532 - 844);
  assert.equal(nextScrollTop(0, 844, 500), 0); // nothing to scroll
  assert.equal(stepsFor(844, 844), 1);
  assert.equal(stepsFor(844, 2532), 4); // 0, 796, 1592, 1688
  assert.equal(stepsFor(100, 10_000_000), MAX_STEPS);
});

test("document frames tile the page; the last one may overlap", () => {
  const frame = { bandTop: 0, bandHeight: 844, frameHeight: 844 };
  assert.deepEqual(frameRegions({ ...frame, scrollTop: 0, first: true, last: false }), [{ srcY: 0, height: 844, destY: 0 }]);
  assert.deepEqual(frameRegions({ ...frame, scrollTop: 1688, first: false, last: true }), [{ srcY: 0, height: 844, destY: 1688 }]);
  assert.equal(stitchedHeight({ ...frame, scrollHeight: 2532 }), 2532);
});

test("an inner scroll box: header from the first frame, bottom bar from the last", () => {
  const frame = { bandTop: 100, bandHeight: 644, frameHeight: 844 }; // 100 header, 100 bottom bar
  assert.deepEqual(frameRegions({ ...frame, scrollTop: 0, first: true, last: false }), [
    { srcY: 0, height: 100, destY: 0 }, { srcY: 100, height: 644, destY: 100 },
  ]);
  assert.deepEqual(frameRegions({ ...frame, scrollTop: 1356, first: false, last: true }), [
    { srcY: 100, height: 644, destY: 1456 }, { srcY: 744, height: 100, destY: 2100 },
  ]);
  assert.equal(stitchedHeight({ ...frame, scrollHeight: 2000 }), 2200);
  // A band reported taller than the frame (rounding at DPR 2) is cut to the frame.
  assert.deepEqual(frameRegions({ bandTop: 0, bandHeight: 1690, frameHeight: 1688, scrollTop: 0, first: true, last: true }),
    [{ srcY: 0, height: 1688, destY: 0 }]);
});

test("a region crossing a part boundary is cut in two", () => {
  const parts = splitParts(20000, 780);
  assert.deepEqual(intoParts({ srcY: 0, height: 1688, destY: 16000 }, parts), [
    { part: 0, srcY: 0, destY: 16000, height: 384 }, { part: 1, srcY: 384, destY: 0, height: 1304 },
  ]);
  assert.deepEqual(intoParts({ srcY: 10, height: 5, destY: 30000 }, parts), []);
});

test("Firefox rectangles cover the page in CSS pixels, each fitting a part once scaled", () => {
  assert.deepEqual(firefoxRects(390, 2532, 1), [{ x: 0, y: 0, width: 390, height: 2532 }]);
  const rects = firefoxRects(390, 20000, 2);
  assert.deepEqual(rects.map((r) => r.y), [0, 8192, 16384]);
  assert.equal(rects.reduce((sum, r) => sum + r.height, 0), 20000);
  for (const r of rects) assert.ok(r.height * 2 <= MAX_PART_HEIGHT && r.width === 390);
  assert.equal(firefoxRects(390, 0, 1).length, 1);
});

test("the popup's line for each state is Chinese", () => {
  assert.equal(describeFullPage({ state: "saving", step: 2, steps: 5 }), "正在截取整页（第 2/5 屏）…");
  assert.equal(describeFullPage({ state: "saved", parts: 3 }), "整页截图：已保存（3 段）");
  assert.equal(describeFullPage({ state: "saved", parts: 1 }), "整页截图：已保存");
  assert.match(describeFullPage({ state: "queued", parts: 2 }), /暂存.*2 段/);
  assert.match(describeFullPage({ state: "failed", error: "截取整页时切换了标签页" }), /未保存。截取整页时切换了标签页/);
  assert.equal(describeFullPage(null), "");
});
