// The page side of a full-page capture (lib/fullpage.js, docs/evidence.md "The full page"): what
// scrolls, how tall it is, one scroll step at a time, fixed and sticky elements hidden so that a
// header appears once, and everything put back exactly as the user had it. Injected with
// chrome.scripting.executeScript into the extension's isolated world (the page's scripts can't see
// or change it); later calls reach it through globalThis.BargainWitnessPageGeometry.
(function () {
  "use strict";
  if (globalThis.BargainWitnessPageGeometry) return;

  const MAX_ELEMENTS = 20000; // a bounded walk, however big the page
  let state = null;

  function docScrolls() {
    const root = document.scrollingElement || document.documentElement;
    const htmlY = getComputedStyle(document.documentElement).overflowY;
    const bodyY = document.body ? getComputedStyle(document.body).overflowY : "visible";
    const viewportY = htmlY !== "visible" ? htmlY : bodyY; // body's overflow reaches the viewport only then
    return viewportY !== "hidden" && viewportY !== "clip" && root.scrollHeight > root.clientHeight + 1;
  }

  /** The tallest visible box that scrolls vertically, when the document itself does not (mobile pages). */
  function innerScroller() {
    let best = null;
    const all = document.body ? document.body.getElementsByTagName("*") : [];
    for (let i = 0; i < all.length && i < MAX_ELEMENTS; i += 1) {
      const el = all[i];
      if (el.scrollHeight <= el.clientHeight + 1 || el.clientHeight < innerHeight * 0.3 || el.clientWidth < innerWidth * 0.5) continue;
      const y = getComputedStyle(el).overflowY;
      if (y !== "auto" && y !== "scroll" && y !== "overlay") continue;
      if (!best || el.scrollHeight > best.scrollHeight) best = el;
    }
    return best;
  }

  function describe(el) {
    if (!el) return "document";
    const id = el.id ? `#${el.id}` : "";
    const cls = typeof el.className === "string" && el.className.trim() ? `.${el.className.trim().split(/\s+/).slice(0, 3).join(".")}` : "";
    return `${el.tagName.toLowerCase()}${id}${cls}`.slice(0, 200);
  }

  /** Fixed and sticky elements, each marked top or bottom by where it sits in the viewport now. */
  function pinnedElements() {
    const pinned = [];
    const all = document.body ? document.body.getElementsByTagName("*") : [];
    for (let i = 0; i < all.length && i < MAX_ELEMENTS; i += 1) {
      const el = all[i];
      const style = getComputedStyle(el);
      if (style.position !== "fixed" && style.position !== "sticky") continue;
      if (pinned.some((p) => p.el.contains(el))) continue; // hiding the outer one hides it
      const rect = el.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0) continue;
      pinned.push({ el, where: rect.top + rect.height / 2 < innerHeight / 2 ? "top" : "bottom", saved: null });
    }
    return pinned;
  }

  function scroller() {
    return state.element || document.scrollingElement || document.documentElement;
  }

  function geometry() {
    const box = scroller();
    let bandTop = 0;
    let bandHeight = box.clientHeight;
    if (state.element) {
      const rect = state.element.getBoundingClientRect();
      bandTop = Math.max(0, rect.top + state.element.clientTop);
      bandHeight = Math.min(state.element.clientHeight, innerHeight - bandTop);
    }
    return {
      scroller: describe(state.element),
      viewportWidth: innerWidth,
      viewportHeight: innerHeight,
      devicePixelRatio: devicePixelRatio,
      bandTop,
      bandHeight,
      clientHeight: box.clientHeight,
      scrollHeight: box.scrollHeight,
      scrollTop: box.scrollTop,
      pageWidth: document.documentElement.clientWidth,
      pinned: state.pinned.length,
    };
  }

  function frames() {
    // Two animation frames: the scroll (or the hiding) is painted before the capture. A page that
    // stops painting (a background tab) is not waited on for ever.
    return new Promise((resolve) => {
      const done = setTimeout(resolve, 250);
      requestAnimationFrame(() => requestAnimationFrame(() => { clearTimeout(done); resolve(); }));
    });
  }

  function hide(entry) {
    if (entry.saved) return;
    const style = entry.el.style;
    entry.saved = {
      hadStyle: entry.el.hasAttribute("style"),
      opacity: [style.getPropertyValue("opacity"), style.getPropertyPriority("opacity")],
      transition: [style.getPropertyValue("transition"), style.getPropertyPriority("transition")],
    };
    style.setProperty("transition", "none", "important");
    style.setProperty("opacity", "0", "important");
  }

  function show(entry) {
    if (!entry.saved) return;
    const { hadStyle, opacity, transition } = entry.saved;
    const style = entry.el.style;
    for (const [name, [value, priority]] of [["opacity", opacity], ["transition", transition]]) {
      if (value) style.setProperty(name, value, priority);
      else style.removeProperty(name);
    }
    if (!hadStyle && !entry.el.getAttribute("style")) entry.el.removeAttribute("style");
    entry.saved = null;
  }

  /** Headers show in the first frame only, bottom bars in the last only, nothing pinned in between. */
  function pinFor(first, last) {
    for (const entry of state.pinned) {
      const visible = (entry.where === "top" && first) || (entry.where === "bottom" && last);
      if (visible) show(entry);
      else hide(entry);
    }
  }

  function scrollBoxTo(top) {
    if (state.element) state.element.scrollTo({ top, behavior: "instant" });
    else window.scrollTo({ top, left: state.origin.x, behavior: "instant" });
  }

  /** Start: find what scrolls, remember where the user was, list what is pinned. */
  function begin() {
    if (state) restore();
    const element = docScrolls() ? null : innerScroller();
    state = {
      element,
      origin: { x: scrollX, y: scrollY, inner: element ? element.scrollTop : 0 },
      pinned: pinnedElements(),
    };
    return geometry();
  }

  /**
   * Scroll to `top` (CSS px), settle, show or hide the pinned elements for a first or last frame,
   * and report where the box really is (it may stop short, or the page may have grown).
   */
  async function step(top, first) {
    scrollBoxTo(top);
    await frames();
    let now = geometry();
    let last = now.scrollTop + now.clientHeight >= now.scrollHeight - 1;
    if (last) {
      await frames(); // lazy content at the bottom gets a moment to arrive
      now = geometry();
      last = now.scrollTop + now.clientHeight >= now.scrollHeight - 1;
    }
    pinFor(first, last);
    await frames();
    return { ...now, last };
  }

  /** Put everything back: pinned elements exactly as they were, the user's scroll position. */
  function restore() {
    if (!state) return null;
    for (const entry of state.pinned) show(entry);
    if (state.element) state.element.scrollTo({ top: state.origin.inner, behavior: "instant" });
    window.scrollTo({ top: state.origin.y, left: state.origin.x, behavior: "instant" });
    const back = { x: scrollX, y: scrollY, inner: state.element ? state.element.scrollTop : 0 };
    state = null;
    return back;
  }

  globalThis.BargainWitnessPageGeometry = Object.freeze({ begin, step, restore, geometry: () => (state ? geometry() : null) });
})();
