// The full page of a capture (issue #15, docs/evidence.md "The full page"): the visible screenshot
// is the evidence the click archives at once; this module then takes the whole page and sends it as
// `full_page` files of the same capture (lib/attachments.js), part 0..n-1.
//
// Chromium has no "capture the whole page" without the debugger permission, so the page is
// scrolled a screen at a time (content/pagegeometry.js: the document or the inner box that
// scrolls), each screen taken with captureVisibleTab at most twice a second (the browser's quota),
// and the frames stitched in device pixels with OffscreenCanvas. Firefox does the same with
// activeTab alone; tabs.captureTab({rect, scale}), which draws any rectangle of the document, exists
// there only for an extension holding <all_urls> (not asked for): when present, a page whose
// document scrolls is taken one part a call, no stitching.

import { sendFile } from "./attachments.js";
import { describeFullPage } from "./fullpage-status.js";
import {
  MAX_STEPS, PACE_MS, firefoxRects, frameRegions, intoParts, nextScrollTop, splitParts, stepsFor, stitchedHeight,
} from "./fullpage-plan.js";
import { CAPTURE_MODES, loadCaptureMode } from "./settings.js";

const QUOTA_ERROR = "MAX_CAPTURE_VISIBLE_TAB_CALLS_PER_SECOND";
const MAX_PART_BYTES = 40 * 1024 * 1024; // the companion's cap per part (docs/api.md)

/** A reason the full page was not taken, in Chinese for the popup. */
export class FullPageError extends Error {}

const running = new Map(); // tabId -> the full-page capture under way on it (one at a time)

function pause(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const CALL_DEADLINE_MS = 15_000;
const NO_ANSWER = "浏览器没有响应，整页截图未完成（可见区域截图已保存）。";

/** A browser call that may never answer (seen in Firefox): a Chinese reason after 15 s, not a popup stuck at 「正在截取整页…」. */
function answered(promise) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new FullPageError(NO_ANSWER)), CALL_DEADLINE_MS);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

const NO_SCRIPT = "浏览器不允许在这个页面上运行扩展的脚本，无法截取整页（可见区域截图已保存）。";

async function inPage(tabId, op, ...args) {
  let first;
  try {
    [first] = await answered(chrome.scripting.executeScript({
      target: { tabId },
      func: (name, params) => globalThis.BargainWitnessPageGeometry[name](...params),
      args: [op, args],
    }));
  } catch (err) {
    if (err instanceof FullPageError) throw err;
    throw new FullPageError(NO_SCRIPT); // a browser page, the web store, or the tab is gone
  }
  if (op !== "restore" && (!first || !first.result)) throw new FullPageError(NO_SCRIPT);
  return first ? first.result : null;
}

/** The page's address without its fragment: a page may rewrite its #hash while it is scrolled. */
function withoutHash(url) {
  return String(url || "").split("#")[0];
}

/** captureVisibleTab paced under Chromium's quota, retried when it is hit anyway (a click meanwhile). */
function pacedCapture(windowId) {
  let last = Date.now(); // the visible capture was just taken
  return async () => {
    for (let attempt = 1; ; attempt += 1) {
      const wait = last + PACE_MS - Date.now();
      if (wait > 0) await pause(wait);
      last = Date.now();
      try {
        return await answered(chrome.tabs.captureVisibleTab(windowId, { format: "png" }));
      } catch (err) {
        if (!String(err.message).includes(QUOTA_ERROR) || attempt >= 5) throw err;
      }
    }
  };
}

async function bitmapOf(dataUrl) {
  const blob = await (await fetch(dataUrl)).blob();
  return createImageBitmap(blob);
}

/** The user must still be looking at the same page: captureVisibleTab takes whatever tab is in front. */
async function checkStillThere(tab) {
  const now = await answered(chrome.tabs.get(tab.id)).catch(() => null);
  if (!now || !now.active || now.windowId !== tab.windowId || withoutHash(now.url) !== withoutHash(tab.url)) {
    throw new FullPageError("截取整页时切换了标签页或页面已跳转，整页截图已取消（可见区域截图已保存）。");
  }
}

/**
 * Scroll and stitch. `grab()` returns a data URL of the visible tab. Returns {canvases, meta}: one
 * OffscreenCanvas per part, and what the page measured.
 */
async function scrollAndStitch(tab, start, grab, onProgress) {
  let parts = null;
  let canvases = [];
  let scale = 1;
  let width = 0;
  let top = 0;
  let steps = 0;
  let grew = false;
  let truncated = false;
  let now = null;
  let frameHeight = 0;
  for (;;) {
    now = await inPage(tab.id, "step", top, steps === 0);
    if (now.scrollHeight > start.scrollHeight) grew = true;
    onProgress({ step: steps + 1, steps: Math.max(steps + 1, stepsFor(now.clientHeight, now.scrollHeight)) });
    await checkStillThere(tab);
    let dataUrl;
    try {
      dataUrl = await grab();
    } catch (err) {
      await checkStillThere(tab); // switched away during the call: say so, not the browser's words
      throw err;
    }
    await checkStillThere(tab); // ...or just after it: the frame may be of the other tab
    const bitmap = await bitmapOf(dataUrl);
    if (!parts) {
      // Rows are what stitching needs: the frame's height over the viewport's CSS height (the
      // device pixel ratio and the zoom, whatever the window's width does).
      scale = bitmap.height / now.viewportHeight;
      width = bitmap.width;
    }
    const d = (v) => Math.round(v * scale);
    frameHeight = bitmap.height;
    const geometry = { bandTop: d(now.bandTop), bandHeight: d(now.bandHeight), frameHeight };
    const height = stitchedHeight({ ...geometry, scrollHeight: d(now.scrollHeight) });
    const wanted = splitParts(height, width);
    if (!parts || wanted.length > parts.length || wanted.at(-1).height > parts.at(-1).height) {
      canvases = grow(canvases, parts, wanted, width);
      parts = wanted;
    }
    const regions = frameRegions({ ...geometry, scrollTop: d(now.scrollTop), first: steps === 0, last: now.last });
    for (const region of regions) {
      for (const piece of intoParts(region, parts)) {
        canvases[piece.part].getContext("2d").drawImage(bitmap, 0, piece.srcY, width, piece.height, 0, piece.destY, width, piece.height);
      }
    }
    bitmap.close();
    steps += 1;
    if (now.last) break;
    if (steps >= MAX_STEPS) {
      truncated = true;
      break;
    }
    const next = nextScrollTop(now.scrollTop, now.clientHeight, now.scrollHeight);
    if (next <= now.scrollTop) break; // the box would not scroll further
    top = next;
  }
  // The page may end above where it was measured (content removed meanwhile): crop to what was drawn.
  const d = (v) => Math.round(v * scale);
  const band = Math.min(d(now.bandHeight), frameHeight - d(now.bandTop));
  // Not at the end (stopped after MAX_STEPS, or the box would not scroll further): the part below
  // the box was never drawn, so the image ends with the last frame's box.
  const drawnHeight = !now.last
    ? d(now.bandTop) + d(now.scrollTop) + band
    : stitchedHeight({ bandTop: d(now.bandTop), bandHeight: d(now.bandHeight), frameHeight, scrollHeight: d(now.scrollHeight) });
  const finalParts = splitParts(Math.min(drawnHeight, parts.at(-1).top + parts.at(-1).height), width);
  return {
    canvases: crop(canvases, finalParts, width),
    meta: {
      width,
      height: finalParts.at(-1).top + finalParts.at(-1).height,
      device_pixel_ratio: Math.round(scale * 1000) / 1000,
      page_height: Math.round(now.scrollHeight),
      viewport_height: Math.round(now.viewportHeight),
      scroll_container: start.scroller,
      screens: steps,
      page_grew: grew,
      truncated,
    },
  };
}

/** New canvases for a page that got taller, with what was already drawn copied over. */
function grow(canvases, oldParts, parts, width) {
  return parts.map((part) => {
    const canvas = new OffscreenCanvas(width, part.height);
    const old = oldParts && canvases[part.index];
    if (old) canvas.getContext("2d").drawImage(old, 0, 0);
    return canvas;
  });
}

function crop(canvases, parts, width) {
  return parts.map((part) => {
    const canvas = canvases[part.index];
    if (canvas.height === part.height) return canvas;
    const cut = new OffscreenCanvas(width, part.height);
    cut.getContext("2d").drawImage(canvas, 0, 0);
    return cut;
  });
}

async function base64Of(blob) {
  const url = await new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
  return url.slice(url.indexOf(",") + 1);
}

/** PNG (lossless) unless a part would pass the companion's size cap: then a fine JPEG. */
async function encode(canvas) {
  const png = await canvas.convertToBlob({ type: "image/png" });
  if (png.size <= MAX_PART_BYTES) return { mime: "image/png", blob: png };
  return { mime: "image/jpeg", blob: await canvas.convertToBlob({ type: "image/jpeg", quality: 0.92 }) };
}

/** Firefox, a page whose document scrolls: one captureTab per part, drawn by the browser itself. */
async function firefoxRectParts(tab, start) {
  await inPage(tab.id, "step", 0, true); // at the top: a fixed header once, bottom bars hidden
  const now = await inPage(tab.id, "geometry");
  const scale = now.devicePixelRatio || 1;
  const rects = firefoxRects(now.pageWidth, now.scrollHeight, scale);
  const images = [];
  for (const rect of rects) {
    await checkStillThere(tab);
    images.push(await answered(chrome.tabs.captureTab(tab.id, { format: "png", rect, scale })));
  }
  const meta = {
    width: Math.round(now.pageWidth * scale), height: Math.round(now.scrollHeight * scale), device_pixel_ratio: scale,
    page_height: Math.round(now.scrollHeight), viewport_height: Math.round(now.viewportHeight),
    scroll_container: start.scroller, screens: 1, page_grew: false, truncated: false,
  };
  return { images, meta };
}

async function takeAndSend(tab, captureId, onProgress) {
  await answered(chrome.scripting.executeScript({ target: { tabId: tab.id }, files: ["content/pagegeometry.js"] })).catch((err) => {
    throw err instanceof FullPageError ? err : new FullPageError(NO_SCRIPT);
  });
  const started = new Date().toISOString();
  let files;
  try {
    const start = await inPage(tab.id, "begin");
    if (typeof chrome.tabs.captureTab === "function" && start.scroller === "document") {
      onProgress({ step: 1, steps: 1 });
      const { images, meta } = await firefoxRectParts(tab, start);
      files = images.map((url, i) => ({ mime: "image/png", data_base64: url.slice(url.indexOf(",") + 1), meta, part: i }));
    } else {
      const grab = typeof chrome.tabs.captureTab === "function"
        ? () => answered(chrome.tabs.captureTab(tab.id, { format: "png" }))
        : pacedCapture(tab.windowId);
      const { canvases, meta } = await scrollAndStitch(tab, start, grab, onProgress);
      files = [];
      for (const [i, canvas] of canvases.entries()) {
        const { mime, blob } = await encode(canvas);
        files.push({ mime, data_base64: await base64Of(blob), meta, part: i });
      }
    }
  } finally {
    await inPage(tab.id, "restore").catch(() => {});
  }
  const finished = new Date().toISOString();
  const outcomes = [];
  for (const file of files) {
    const meta = { ...file.meta, parts: files.length, started_at: started, finished_at: finished };
    outcomes.push(await sendFile(captureId, { kind: "full_page", mime: file.mime, data_base64: file.data_base64, part: file.part, recording_id: null, meta }));
  }
  const failed = outcomes.find((o) => !o.ok && !o.queued);
  if (failed) return { ok: false, queued: false, parts: files.length, error: failed.error };
  return { ok: outcomes.every((o) => o.ok), queued: outcomes.some((o) => o.queued), parts: files.length };
}

/**
 * Take the full page of `tab` for the capture `captureId` and send it. Resolves to {ok, queued,
 * parts, error?}; never rejects. `onProgress({step, steps})` follows the screens taken. One at a
 * time per tab: a second click while the first is still scrolling gets a Chinese reason.
 */
export async function captureFullPage(tab, captureId, onProgress = () => {}) {
  if (running.has(tab.id)) return { ok: false, queued: false, parts: 0, error: "上一张整页截图还在进行中，这次只保存了可见区域。" };
  const work = takeAndSend(tab, captureId, onProgress).catch((err) => ({
    ok: false, queued: false, parts: 0,
    error: err instanceof FullPageError ? err.message : `整页截图失败：${err.message || err}`,
  }));
  running.set(tab.id, work);
  try {
    return await work;
  } finally {
    running.delete(tab.id);
  }
}

/**
 * The full page as one of a capture's extras (lib/extras.js runs it after the capture was stored or
 * queued): nothing unless the popup's last choice is 「整页」. `report(line)` gets {state, text}
 * lines (saving with the screens taken, then saved, queued or failed), one at a time in order, so
 * a late progress line never overwrites the outcome.
 */
export async function fullPageExtra(tab, captureId, report) {
  if ((await loadCaptureMode()) !== CAPTURE_MODES.FULL_PAGE) return;
  let chain = Promise.resolve();
  const say = (status) => {
    chain = chain.then(() => report({ state: status.state, text: describeFullPage(status) })).catch(() => {});
    return chain;
  };
  await say({ state: "saving", step: 0, steps: 0 });
  const result = await captureFullPage(tab, captureId, (progress) => say({ state: "saving", ...progress }));
  const state = result.ok ? "saved" : result.queued ? "queued" : "failed";
  await say({ state, parts: result.parts, error: result.error || "" });
}
