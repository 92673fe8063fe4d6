/*
 * Bargain Witness form filler, part 3a: the panel's styles, applied inside its closed shadow root
 * (formfill-panel.js), so the complaint site's own styles (element-ui, Vant, site CSS) neither
 * leak in nor are touched. A string rather than a .css file: a file would have to be listed in
 * web_accessible_resources, which lets every web page probe for the extension.
 */
(function () {
  "use strict";

  globalThis.BargainWitnessFormFill.PANEL_CSS = `
:host {
  all: initial;
  position: fixed;
  z-index: 2147483647;
  font: 14px/1.6 -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif;
  color: #1f2328;
}
:host([hidden]), [hidden] { display: none !important; }
* { box-sizing: border-box; font: inherit; color: inherit; }
button { cursor: pointer; margin: 0; border-radius: 6px; text-transform: none; }

/* Closed: the button, bottom right. */
:host([data-dock="none"]) { right: 12px; bottom: 12px; }
.bw-ff-open {
  padding: 6px 14px; border: 0; background: #c4302b; color: #fff; font-weight: 600;
  box-shadow: 0 4px 14px rgba(0, 0, 0, 0.25);
}
.bw-ff-open:hover, .bw-ff-open:focus-visible { background: #a12520; outline: 2px solid #fff; outline-offset: -4px; }

/* Open on a wide screen: a full-height column at the right; the page is narrowed to make room. */
:host([data-dock="side"]) { top: 0; right: 0; bottom: 0; width: var(--bw-ff-side, 360px); }
/* Open on a narrow screen: a sheet at the bottom; the page gets as much room below its end. */
:host([data-dock="bottom"]) { left: 0; right: 0; bottom: 0; height: var(--bw-ff-sheet, 45vh); }
:host([data-dock="bottom"][data-collapsed]) { height: 44px; }

.bw-ff-panel {
  display: flex; flex-direction: column; height: 100%;
  background: #fff; border-left: 1px solid #d0d7de; box-shadow: -6px 0 24px rgba(0, 0, 0, 0.16);
}
:host([data-dock="bottom"]) .bw-ff-panel {
  border-left: 0; border-top: 1px solid #d0d7de; box-shadow: 0 -6px 24px rgba(0, 0, 0, 0.16);
}
.bw-ff-head {
  display: flex; align-items: center; gap: 4px; flex: none; height: 44px;
  padding: 0 6px 0 14px; border-bottom: 1px solid #d0d7de; background: #c4302b; color: #fff;
}
.bw-ff-head strong { flex: 1; font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.bw-ff-head button { border: 0; background: transparent; color: #fff; padding: 4px 8px; }
.bw-ff-head .bw-ff-close { font-size: 20px; line-height: 1; }
.bw-ff-body { flex: 1; overflow: auto; padding: 10px 14px 16px; }
:host([data-collapsed]) .bw-ff-body { display: none; }

p { margin: 6px 0; }
h4 { margin: 12px 0 4px; font-weight: 600; }
ul { margin: 0; padding-left: 18px; list-style: disc; }
ul.bw-ff-campaigns { padding: 0; list-style: none; }
li { margin: 3px 0; }
.bw-ff-campaign {
  display: block; width: 100%; padding: 8px 10px; border: 1px solid #d0d7de; background: #f6f8fa; text-align: left;
}
.bw-ff-campaign:hover, .bw-ff-campaign:focus-visible { border-color: #c4302b; background: #fff5f4; }
.bw-ff-title { display: block; font-weight: 600; overflow-wrap: anywhere; }
.bw-ff-meta, .bw-ff-hint { display: block; color: #59636e; font-size: 12px; }
.bw-ff-action { margin-top: 10px; padding: 5px 12px; border: 1px solid #d0d7de; background: #f6f8fa; }
.bw-ff-error { color: #cf222e; font-weight: 600; }
.bw-ff-warn { color: #9a6700; }
.bw-ff-value {
  max-height: 8em; overflow: auto; margin: 2px 0 6px; padding: 4px 6px; background: #f6f8fa;
  border-radius: 4px; white-space: pre-wrap; user-select: all; overflow-wrap: anywhere;
}
.bw-ff-hash, .bw-ff-url {
  font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px;
  word-break: break-all; user-select: all;
}
`;
})();
