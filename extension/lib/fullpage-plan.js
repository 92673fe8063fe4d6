// The arithmetic of a full-page capture (docs/evidence.md, "The full page"), kept apart from the
// browser APIs so node's test runner checks it (tests/js/fullpage-plan.test.mjs): how far each
// scroll step goes, where each frame lands in the stitched page, how a tall page splits into parts
// a canvas can hold, and the rectangles Firefox's tabs.captureTab is asked for.

/** Chromium refuses a taller canvas in places; keep every part within it. */
export const MAX_PART_HEIGHT = 16384;
/** ...and within 60 megapixels: the companion takes at most 64 Mpx a part (docs/api.md, "Capture files"). */
export const MAX_PART_PIXELS = 60_000_000;
/** Each step scrolls a screen less this much (CSS px): sub-pixel rounding never leaves a seam. */
export const OVERLAP_CSS = 48;
/** A page that keeps growing (lazy loading, an endless list) stops after this many screens. */
export const MAX_STEPS = 60;
/** Chromium allows 2 captureVisibleTab calls a second (MAX_CAPTURE_VISIBLE_TAB_CALLS_PER_SECOND). */
export const PACE_MS = 550;

/** How many device rows one part may have for a page `widthDevice` device pixels wide. */
export function partHeight(widthDevice) {
  const width = Math.max(1, Math.round(widthDevice));
  return Math.max(1, Math.min(MAX_PART_HEIGHT, Math.floor(MAX_PART_PIXELS / width)));
}

/** The parts of a page `heightDevice` rows tall: [{index, top, height}], top to bottom, no gaps. */
export function splitParts(heightDevice, widthDevice) {
  const size = partHeight(widthDevice);
  const total = Math.max(1, Math.round(heightDevice));
  const parts = [];
  for (let top = 0; top < total; top += size) parts.push({ index: parts.length, top, height: Math.min(size, total - top) });
  return parts;
}

/** Where the next step scrolls to: a screen (less the overlap) further, never past the end. */
export function nextScrollTop(current, clientHeight, scrollHeight) {
  const step = Math.max(1, clientHeight - Math.min(OVERLAP_CSS, Math.floor(clientHeight / 4)));
  return Math.min(current + step, Math.max(0, scrollHeight - clientHeight));
}

/** How many screens a page of `scrollHeight` takes with `clientHeight` visible (for the progress line). */
export function stepsFor(clientHeight, scrollHeight) {
  let steps = 1;
  for (let top = 0; top < scrollHeight - clientHeight && steps < MAX_STEPS; steps += 1) {
    const next = nextScrollTop(top, clientHeight, scrollHeight);
    if (next <= top) break;
    top = next;
  }
  return steps;
}

/**
 * The device rows of one frame that go into the stitched page, and where. The scrolling box shows
 * the band [bandTop, bandTop + bandHeight) of the viewport (all of it for the document); a frame
 * scrolled to `scrollTop` puts that band at bandTop + scrollTop. What is above the band (a header
 * outside an inner scroll container) is taken from the first frame, what is below it (a bottom bar)
 * from the last. All values in device pixels; returns [{srcY, height, destY}].
 */
export function frameRegions({ bandTop, bandHeight, frameHeight, scrollTop, first, last }) {
  const regions = [];
  const band = Math.max(0, Math.min(bandHeight, frameHeight - bandTop));
  if (first && bandTop > 0) regions.push({ srcY: 0, height: bandTop, destY: 0 });
  if (band > 0) regions.push({ srcY: bandTop, height: band, destY: bandTop + scrollTop });
  const below = frameHeight - bandTop - band;
  if (last && below > 0) regions.push({ srcY: bandTop + band, height: below, destY: bandTop + scrollTop + band });
  return regions;
}

/** The stitched page's height in device rows: above the band + the whole scrolled content + below it. */
export function stitchedHeight({ bandTop, bandHeight, frameHeight, scrollHeight }) {
  const band = Math.max(0, Math.min(bandHeight, frameHeight - bandTop));
  return bandTop + Math.max(scrollHeight, band) + Math.max(0, frameHeight - bandTop - band);
}

/** A region [destY, destY + height) cut along the parts it crosses: [{part, srcY, destY, height}]. */
export function intoParts(region, parts) {
  const out = [];
  for (const part of parts) {
    const from = Math.max(region.destY, part.top);
    const to = Math.min(region.destY + region.height, part.top + part.height);
    if (to > from) out.push({ part: part.index, srcY: region.srcY + (from - region.destY), destY: from - part.top, height: to - from });
  }
  return out;
}

/**
 * Firefox draws any rectangle of the document with tabs.captureTab({rect, scale}): one call per
 * part, rectangles in CSS pixels of the page (top-left of the document), each small enough that
 * its image (CSS height x scale) fits a part. Returns [{x, y, width, height}].
 */
export function firefoxRects(widthCss, heightCss, scale) {
  const width = Math.max(1, Math.round(widthCss));
  const rows = Math.max(1, Math.floor(partHeight(width * scale) / scale));
  const rects = [];
  for (let y = 0; y < heightCss; y += rows) rects.push({ x: 0, y, width, height: Math.min(rows, Math.ceil(heightCss) - y) });
  return rects.length ? rects : [{ x: 0, y: 0, width, height: 1 }];
}
