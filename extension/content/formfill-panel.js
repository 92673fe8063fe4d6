/*
 * Bargain Witness form filler, part 3 of 4: the panel (docs/formfill.md, "What the user sees").
 *
 * - It lives in a CLOSED shadow root: the complaint site's scripts get null from host.shadowRoot
 *   and cannot read the campaign titles or the summary, nor script our buttons. The root is kept
 *   only in this isolated world (FF.shadowRoot), which the page cannot reach; tests read it there.
 * - Nothing is asked of the companion until the user really clicks (event.isTrusted): the campaign
 *   list, which carries the user's data, is requested on that click and not before.
 * - Open, it never covers the form: on a wide window it is a column at the right and the page is
 *   narrowed by as much (margin-right on <html>); on a narrow one it is a collapsible sheet at the
 *   bottom and the page gets as much room below its end, so every box can scroll above it.
 */
(function () {
  "use strict";

  const FF = globalThis.BargainWitnessFormFill;
  const HOST_TAG = "bargain-witness-formfill"; // a custom element name: site CSS for div/button misses it
  const WIDE = 900; // px of window width from which the panel docks at the side
  const SIDE_WIDTH = 360;
  const SHEET_SHARE = 0.45; // of the window height, docked at the bottom
  const COLLAPSED = 44;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function fmtTime(iso) {
    return iso ? String(iso).slice(0, 16).replace("T", " ") : "";
  }

  const REASONS = {
    empty: "草稿中这一项是空的，请自行填写",
    not_found: "页面上找不到这一栏（或它不是文字输入框），请手动填写",
    readonly: "这一栏是选择框，扩展无法代填，请手动选择",
    no_option: "页面的选项中没有对应的一项，请手动选择",
    rejected: "页面没有接受扩展填写的内容，请手动填写",
  };

  /**
   * How much a phone has zoomed the page out: a page without a viewport meta tag is laid out 980 px
   * wide and shown at 390; the panel is zoomed in by as much so its text stays readable.
   */
  function zoomOut() {
    const screenWidth = window.screen.width || window.innerWidth;
    const ratio = window.innerWidth / screenWidth;
    return ratio > 1.05 ? ratio : 1;
  }

  /** Room for the open panel, taken from the page (and given back on close). */
  function makeRoom(host, dock, collapsed) {
    const html = document.documentElement;
    const saved = (host.__saved = host.__saved || { margin: html.style.marginRight, padding: html.style.paddingBottom });
    const zoom = zoomOut();
    host.style.zoom = zoom === 1 ? "" : String(zoom);
    html.style.marginRight = dock === "side" ? `${SIDE_WIDTH}px` : saved.margin;
    const sheet = collapsed ? COLLAPSED : Math.round((window.innerHeight * SHEET_SHARE) / zoom);
    html.style.paddingBottom = dock === "bottom" ? `${Math.ceil(sheet * zoom)}px` : saved.padding;
    host.style.setProperty("--bw-ff-side", `${SIDE_WIDTH}px`);
    host.style.setProperty("--bw-ff-sheet", `${sheet}px`);
  }

  function mountPanel({ channel, draftName, messages }) {
    if (document.querySelector(HOST_TAG)) return;
    const host = document.createElement(HOST_TAG);
    host.id = FF.UI_ID;
    host.hidden = true;
    host.dataset.dock = "none";
    const shadow = host.attachShadow({ mode: "closed" });
    FF.shadowRoot = shadow;
    const openButton = el(
      "button",
      { class: "bw-ff-open", type: "button", title: `用砍价存证助手中的${draftName}填写本页表单（不会替您提交）` },
      "用砍价存证填写",
    );
    const title = el("strong", {}, "砍价存证 · 填写投诉表单");
    const body = el("div", { class: "bw-ff-body" });
    const panel = el("div", { class: "bw-ff-panel", role: "dialog", "aria-label": "砍价存证：填写投诉表单", hidden: "" });
    const style = el("style", {}, FF.PANEL_CSS);
    shadow.append(style, openButton, panel);
    document.documentElement.append(host);

    // Only a real user's click counts: a page script cannot make the extension fetch the drafts.
    const onTrustedClick = (fn) => (event) => {
      if (!event.isTrusted) return;
      event.preventDefault();
      event.stopPropagation();
      fn(event);
    };
    const collapse = el("button", { type: "button", class: "bw-ff-collapse", onclick: onTrustedClick(() => toggle()) }, "收起");
    panel.append(
      el("div", { class: "bw-ff-head" }, title, collapse,
        el("button", { type: "button", class: "bw-ff-close", "aria-label": "关闭", onclick: onTrustedClick(close) }, "×")),
      body,
    );

    function dock() {
      const open = !panel.hidden;
      // screen.width too: a phone page without a viewport meta tag lays out 980 px wide, zoomed out.
      const width = Math.min(window.innerWidth, window.screen.width || window.innerWidth);
      const where = !open ? "none" : width >= WIDE ? "side" : "bottom";
      host.dataset.dock = where;
      collapse.hidden = where !== "bottom";
      if (where !== "bottom") delete host.dataset.collapsed;
      collapse.textContent = host.dataset.collapsed !== undefined ? "展开" : "收起";
      makeRoom(host, where, host.dataset.collapsed !== undefined);
    }

    function toggle() {
      if (host.dataset.collapsed !== undefined) delete host.dataset.collapsed;
      else host.dataset.collapsed = "";
      dock();
    }

    function show(state, ...children) {
      openButton.hidden = true;
      panel.hidden = false;
      host.dataset.state = state;
      body.replaceChildren(...children);
      dock();
    }

    function close() {
      panel.hidden = true;
      openButton.hidden = false;
      host.dataset.state = "closed";
      body.replaceChildren();
      dock();
    }

    // `messages` is globalThis.BargainWitnessMessages (lib/messages-core.js, run just before these
    // scripts in the same world); send() always resolves to {ok: true, data} or {ok: false, kind, error}.
    async function ask(type, data) {
      const reply = await messages.send(type, data);
      if (!reply.ok) throw new Error(reply.error || "出现未知错误。");
      return reply.data;
    }

    function showError(err) {
      show("error", el("p", { class: "bw-ff-error", role: "alert" }, err.message),
        el("button", { type: "button", class: "bw-ff-action", onclick: onTrustedClick(start) }, "重试"));
    }

    async function start() {
      show("loading", el("p", {}, "正在读取砍价存证助手中的活动…"));
      try {
        const { campaigns } = await ask(messages.MSG.COMPLAINT_CAMPAIGNS);
        if (!campaigns.length) {
          show("empty", el("p", {}, "助手中还没有砍价活动：请先在砍价页面点击扩展按钮截图存证。"));
          return;
        }
        show(
          "picking",
          el("p", {}, `选择要投诉的砍价活动，扩展会把它的${draftName}填入本页表单：`),
          el("ul", { class: "bw-ff-campaigns" }, campaigns.map((c) => el("li", {},
            el("button", { type: "button", class: "bw-ff-campaign", "data-campaign-id": c.id, onclick: onTrustedClick(() => fill(c)) },
              el("span", { class: "bw-ff-title" }, c.title),
              el("span", { class: "bw-ff-meta" }, `${c.capture_count} 张截图` + (c.last_taken_at ? ` · 最近 ${fmtTime(c.last_taken_at)}` : "")))))),
        );
      } catch (err) {
        showError(err);
      }
    }

    async function fill(campaign) {
      show("loading", el("p", {}, `正在读取「${campaign.title}」的${draftName}…`));
      try {
        const { draft } = await ask(messages.MSG.COMPLAINT_DRAFT, { campaign_id: campaign.id, channel });
        showSummary(draft, await FF.fillDraft(draft, document));
      } catch (err) {
        showError(err);
      }
    }

    function showSummary(draft, report) {
      const same = (a, b) => FF.normalise(a) === FF.normalise(b);
      const filled = report.filled.map((f) => el("li", { "data-key": f.key },
        el("strong", {}, f.label),
        f.where && !same(f.where, f.label) ? `（填入「${f.where}」）` : "",
        f.truncated ? el("span", { class: "bw-ff-warn" }, ` 内容超过本栏 ${f.truncated} 字的上限，已截断，请检查结尾。`) : ""));
      const manual = report.manual.map((f) => el("li", { "data-key": f.key, "data-reason": f.reason },
        el("strong", {}, f.label), `：${REASONS[f.reason] || "请手动填写"}`,
        f.hint ? el("div", { class: "bw-ff-hint" }, f.hint) : "",
        f.value ? el("div", { class: "bw-ff-value" }, f.value) : ""));
      const files = report.attachments.map((a) => el("li", { "data-sha256": a.sha256 },
        el("div", { class: "bw-ff-file" }, a.file, a.taken_at ? `（截图时间 ${fmtTime(a.taken_at)}）` : ""),
        el("div", { class: "bw-ff-hash" }, `SHA-256：${a.sha256}`)));
      show(
        "done",
        el("p", { class: "bw-ff-lead" }, `已填写 ${filled.length} 项。扩展不会替您提交：请逐项核对后，自己点击页面上的提交按钮。`),
        filled.length ? el("ul", { class: "bw-ff-filled" }, filled) : "",
        manual.length
          ? el("div", { class: "bw-ff-section" }, el("h4", {}, `需要您手动处理的 ${manual.length} 项`), el("ul", { class: "bw-ff-manual" }, manual))
          : "",
        el("div", { class: "bw-ff-section" },
          el("h4", {}, `需要您手动上传的证据文件（${files.length} 个）`),
          files.length
            ? [
              el("p", { class: "bw-ff-hint" }, "网页不允许扩展代为选择文件：请点击页面上的上传按钮，逐个选择下列截图原件。原件保存在砍价存证助手中：", el("span", { class: "bw-ff-url" }, draft.campaign_url || "")),
              el("ul", { class: "bw-ff-files" }, files),
            ]
            : el("p", {}, "草稿中没有截图证据。")),
        el("button", { type: "button", class: "bw-ff-action", onclick: onTrustedClick(start) }, "换一个活动重新填写"),
      );
    }

    openButton.addEventListener("click", onTrustedClick(start));
    window.addEventListener("resize", dock);

    // Show the button only where the page has a form to fill (a text area, or several boxes); the
    // sites are single-page apps, so look again when the page changes.
    let pending = 0;
    const update = () => {
      pending = 0;
      const boxes = FF.findControls(document);
      host.hidden = !(boxes.some((c) => c.tagName === "TEXTAREA") || boxes.length >= 3);
    };
    new MutationObserver(() => {
      if (!pending) pending = setTimeout(update, 300);
    }).observe(document.documentElement, { childList: true, subtree: true });
    update();
    dock();
  }

  FF.mountPanel = mountPanel;
})();
