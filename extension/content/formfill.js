/*
 * Bargain Witness complaint-form filler (rules in docs/formfill.md; channels in docs/complaints.md).
 *
 * A classic content script on the complaint sites (全国12315平台 *.12315.cn, 黑猫投诉
 * tousu.sina.com.cn). It adds a floating button "用砍价存证填写"; on a click it asks the service
 * worker for the campaigns, lets the user pick one, asks for that campaign's complaint draft for
 * this site's channel, and fills the page's form field by field: each field is found by the LABEL
 * TEXT the user sees (never by class names or ids, which differ between sites and versions), its
 * value is set with the element's native value setter and announced with bubbling input/change
 * events, so that the page's own framework (a Vue v-model, React, plain listeners) takes it. 12315
 * blocks paste in its inputs, which is why the value is set directly and never goes through the
 * clipboard. The form is NEVER submitted: nothing here clicks a button of the page, calls submit()
 * or requestSubmit(), or presses Enter. File inputs cannot be filled by a script, so the summary
 * lists the evidence files (with SHA-256) for the user to upload by hand.
 *
 * The matching and filling functions are exposed as globalThis.BargainWitnessFormFill (in the
 * content script's own world) so tests can run them on any page; the button is only added on a
 * complaint site when running as the extension's content script.
 */
(function () {
  "use strict";

  const VERSION = "1.0.0";
  const UI_ID = "bw-ff-root";
  const CONTROL_SELECTOR = "input, textarea, select";
  // <input> types that hold text a draft can fill; everything else (file, checkbox, radio, hidden,
  // buttons, colour, range, password) is never touched.
  const TEXT_TYPES = new Set([
    "text", "search", "tel", "number", "email", "url",
    "date", "datetime-local", "month", "week", "time",
  ]);
  const SKIP_TEXT_IN = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "SELECT", "OPTION", "TEXTAREA", "BUTTON"]);
  const LABEL_MAX = 40; // label text is short; a longer text beside a control is a hint or a paragraph
  const MAX_UP = 6; // ancestors climbed looking for a form-item label
  const HAS_LETTER = /\p{L}/u; // "¥", "*", "1." alone are not labels
  // Words that mark the CONSUMER's own details (contact address, phone, name): a draft field is
  // never put there on a mere "contains" match (an exact label or alias match still counts).
  const PERSONAL = /联系|本人|消费者|(?<!被)投诉人|申请人|您的|姓名|手机|电话|邮箱|身份证|验证码|密码|账号/;
  const PLACEHOLDER_OPTION = /^(请选择|请选|选择|--|—|-)/;

  // Score weights: where a control's text came from.
  const W_LABEL = 3; // <label for>/wrapping <label>, aria-label, aria-labelledby
  const W_CONTEXT = 2; // the text just before the control (form-item label, <dt>, <th>, div above)
  const W_HINT = 1; // placeholder, title

  // ---------------------------------------------------------------- text

  /** Comparable form of a label: NFKC (full-width → ASCII), lower case, no spaces, no "*" or ":" at the ends. */
  function normalise(text) {
    return String(text || "")
      .normalize("NFKC")
      .toLowerCase()
      .replace(/[\s\u00a0\u3000\u200b]+/g, "")
      .replace(/^[*:]+|[*:]+$/g, "");
  }

  /** Visible text of a node without the text of controls inside it (a wrapping label's <select>). */
  function ownText(node) {
    if (!node) return "";
    if (node.nodeType === Node.TEXT_NODE) return node.data;
    if (node.nodeType !== Node.ELEMENT_NODE || SKIP_TEXT_IN.has(node.tagName)) return "";
    let out = "";
    for (const child of node.childNodes) out += ownText(child);
    return out;
  }

  function isRendered(el) {
    return el.getClientRects().length > 0;
  }

  function isOurs(el) {
    return Boolean(el.closest && el.closest(`#${UI_ID}`));
  }

  // ---------------------------------------------------------------- controls and their labels

  function isFillable(el) {
    if (isOurs(el) || el.disabled || !isRendered(el)) return false;
    if (el.tagName === "INPUT") return TEXT_TYPES.has(el.type);
    return el.tagName === "TEXTAREA" || el.tagName === "SELECT";
  }

  /** The fillable controls of a page, in document order. */
  function findControls(root) {
    return Array.from((root || document).querySelectorAll(CONTROL_SELECTOR)).filter(isFillable);
  }

  function containsOtherControl(container, el) {
    for (const other of container.querySelectorAll(CONTROL_SELECTOR)) {
      if (other !== el && other.type !== "hidden") return true;
    }
    return false;
  }

  /**
   * Texts just before the control, climbing from the control through wrappers that hold no other
   * control: the nearest preceding text (a form-item label, a <dt>/<th>, a div above, "金额：" in
   * front of the box) and the one before it (for a hint line between label and box). Stops at a
   * preceding sibling that holds a control: that text belongs to the previous field.
   */
  function contextTexts(el) {
    const found = [];
    let node = el;
    for (let depth = 0; depth < MAX_UP && node && found.length < 2; depth += 1) {
      for (let sib = node.previousSibling; sib && found.length < 2; sib = sib.previousSibling) {
        if (sib.nodeType === Node.ELEMENT_NODE) {
          if (SKIP_TEXT_IN.has(sib.tagName) && !sib.matches(CONTROL_SELECTOR)) continue;
          if (sib.matches(CONTROL_SELECTOR) || sib.querySelector(CONTROL_SELECTOR)) return found;
          if (!isRendered(sib)) continue;
        } else if (sib.nodeType !== Node.TEXT_NODE) {
          continue;
        }
        const text = ownText(sib).trim();
        if (!text || !HAS_LETTER.test(text)) continue;
        if (text.length > LABEL_MAX) return found;
        found.push(text);
      }
      const parent = node.parentElement;
      if (!parent || parent === document.body || parent.tagName === "FORM" || containsOtherControl(parent, el)) break;
      node = parent;
    }
    return found;
  }

  /**
   * Everything that names a control, strongest first: [{text, weight, exactOnly}], texts normalised.
   * exactOnly: a second text found before the control only counts when it equals a field name.
   */
  function labelsOf(el) {
    const out = [];
    const add = (text, weight, exactOnly = false) => {
      const norm = normalise(text);
      if (norm && HAS_LETTER.test(norm) && !out.some((x) => x.text === norm)) out.push({ text: norm, weight, exactOnly });
    };
    for (const label of el.labels || []) add(ownText(label), W_LABEL);
    const labelledBy = el.getAttribute("aria-labelledby");
    if (labelledBy) {
      for (const id of labelledBy.split(/\s+/)) add(ownText(document.getElementById(id)), W_LABEL);
    }
    add(el.getAttribute("aria-label"), W_LABEL);
    const [near, before] = contextTexts(el);
    add(near, W_CONTEXT);
    add(before, W_CONTEXT, true);
    add(el.getAttribute("placeholder"), W_HINT);
    add(el.getAttribute("title"), W_HINT);
    return out;
  }

  // ---------------------------------------------------------------- matching

  function fieldNames(field) {
    const names = [];
    for (const name of [field.label, ...(field.aliases || [])]) {
      const norm = normalise(name);
      if (norm && !names.includes(norm)) names.push(norm);
    }
    return names;
  }

  /**
   * How well a field's label/aliases name a control (0 = not at all). An exact match beats any
   * "contained in" match; then the source of the control's text (label > text before it >
   * placeholder); then, for "contained", how much of the control's text the name covers.
   */
  function scoreMatch(names, labels) {
    let best = 0;
    for (const cand of labels) {
      for (const name of names) {
        let score = 0;
        if (cand.text === name) {
          score = 1000 + cand.weight * 10;
        } else if (!cand.exactOnly && cand.text.includes(name) && !PERSONAL.test(cand.text)) {
          score = 500 + cand.weight * 10 + Math.floor((9 * name.length) / cand.text.length);
        }
        if (score > best) best = score;
      }
    }
    return best;
  }

  /**
   * Pair each draft field with at most one control and each control with at most one field:
   * all (field, control) scores, best first (ties: field order, then document order).
   * Returns [{field, control (or null), score, labels}] in the fields' order.
   */
  function matchFields(fields, root) {
    const controls = findControls(root);
    const labels = controls.map(labelsOf);
    const pairs = [];
    fields.forEach((field, fi) => {
      const names = fieldNames(field);
      controls.forEach((control, ci) => {
        const score = scoreMatch(names, labels[ci]);
        if (score > 0) pairs.push({ fi, ci, score });
      });
    });
    pairs.sort((a, b) => b.score - a.score || a.fi - b.fi || a.ci - b.ci);
    const byField = new Map();
    const taken = new Set();
    for (const p of pairs) {
      if (byField.has(p.fi) || taken.has(p.ci)) continue;
      byField.set(p.fi, p);
      taken.add(p.ci);
    }
    return fields.map((field, fi) => {
      const p = byField.get(fi);
      return p
        ? { field, control: controls[p.ci], score: p.score, labels: labels[p.ci] }
        : { field, control: null, score: 0, labels: [] };
    });
  }

  // ---------------------------------------------------------------- filling

  const SETTERS = {
    INPUT: Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set,
    TEXTAREA: Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value").set,
    SELECT: Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, "value").set,
  };

  /**
   * Set the value the way typing would leave it: the native setter (bypassing any framework's own
   * instance-level `value` property), then bubbling input and change events, then blur (so forms
   * that validate on blur clear their "请输入…" message). No focus(), no key events, no Enter.
   */
  function setNativeValue(el, value) {
    SETTERS[el.tagName].call(el, value);
    el.dispatchEvent(new Event("input", { bubbles: true }));
    el.dispatchEvent(new Event("change", { bubbles: true }));
    el.dispatchEvent(new FocusEvent("blur"));
  }

  /** The <option> a value names: same text, else the longest option text inside the value, or v.v. */
  function pickOption(select, value) {
    const want = normalise(value);
    const options = Array.from(select.options).filter((o) => {
      const text = normalise(o.text);
      return !o.disabled && text && !(o.value === "" && PLACEHOLDER_OPTION.test(text));
    });
    const exact = options.find((o) => normalise(o.text) === want);
    if (exact) return exact;
    const inside = options
      .filter((o) => want.includes(normalise(o.text)) || normalise(o.text).includes(want))
      .sort((a, b) => normalise(b.text).length - normalise(a.text).length);
    return inside[0] || null;
  }

  function controlName(match) {
    const label = match.labels.find((l) => !l.exactOnly);
    return match.control.getAttribute("aria-label") || (label ? label.text : "") || match.field.label;
  }

  /** Did the value stick? A number box may show "99" for "99.00" after the page re-renders. */
  function sameValue(control, expect) {
    const now = control.value;
    if (now === expect) return true;
    return control.type === "number" && now !== "" && expect !== "" && Number(now) === Number(expect);
  }

  function nextFrame() {
    return new Promise((resolve) => setTimeout(resolve, 50));
  }

  /**
   * Fill `draft.fields` into the page. Returns {filled, manual, attachments}: filled fields with the
   * page label they went into; fields for the user to do by hand with the reason (empty in the
   * draft, not on the page, a read-only picker, no such option, refused by the page); the evidence
   * files to upload. Never submits anything.
   */
  async function fillDraft(draft, root) {
    const fields = (draft.fields || []).filter((f) => f && f.label);
    const matches = matchFields(fields, root || document);
    const filled = [];
    const manual = [];
    const written = [];
    for (const m of matches) {
      const { field, control } = m;
      const value = String(field.value || "");
      if (!control) {
        manual.push({ ...field, reason: value ? "not_found" : "empty" });
        continue;
      }
      const where = controlName(m);
      if (!value) {
        manual.push({ ...field, reason: "empty", where });
        continue;
      }
      if (control.readOnly) {
        manual.push({ ...field, reason: "readonly", where });
        continue;
      }
      if (control.tagName === "SELECT") {
        const option = pickOption(control, value);
        if (!option) {
          manual.push({ ...field, reason: "no_option", where });
          continue;
        }
        setNativeValue(control, option.value);
        written.push({ m, expect: option.value, entry: { ...field, where, value: option.text.trim() } });
        continue;
      }
      let text = value;
      let truncated = 0;
      if (control.maxLength > 0 && text.length > control.maxLength) {
        truncated = control.maxLength;
        text = text.slice(0, control.maxLength);
      }
      if (control.tagName === "INPUT" && !field.multiline) text = text.replace(/\s*\n\s*/g, " ");
      setNativeValue(control, text);
      written.push({ m, expect: text, entry: { ...field, where, value: text, truncated } });
    }
    // Give the page's framework a moment to re-render, then keep only what stuck: a form that did
    // not take the value (its model rejected it, a date box refused the format) shows it again.
    await nextFrame();
    for (const w of written) {
      if (w.m.control.isConnected && sameValue(w.m.control, w.expect)) filled.push(w.entry);
      else manual.push({ ...w.entry, value: w.m.field.value, reason: "rejected" });
    }
    const order = new Map(fields.map((f, i) => [f.key, i]));
    manual.sort((a, b) => order.get(a.key) - order.get(b.key));
    return { filled, manual, attachments: draft.attachments || [] };
  }

  // ---------------------------------------------------------------- the in-page UI

  function channelForHost(host) {
    const h = String(host || "").toLowerCase().replace(/\.$/, "");
    if (h === "12315.cn" || h.endsWith(".12315.cn")) return "12315";
    if (h === "tousu.sina.com.cn") return "heimao";
    return "";
  }

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

  function mountUi(channel, messages) {
    if (document.getElementById(UI_ID)) return;
    const siteName = channel === "12315" ? "全国12315平台" : "黑猫投诉";
    const panel = el("div", { id: "bw-ff-panel", role: "dialog", "aria-label": "砍价存证：填写投诉表单", hidden: "" });
    const button = el(
      "button",
      { id: "bw-ff-button", type: "button", title: `用砍价存证助手中的投诉草稿填写本页${siteName}表单（不会替您提交）` },
      "用砍价存证填写",
    );
    const root = el("div", { id: UI_ID, hidden: "" }, panel, button);
    document.documentElement.append(root);

    // Only a real user's click counts: a page script cannot make the extension fetch the drafts
    // into the page by calling .click() on our buttons.
    const onTrustedClick = (fn) => (event) => {
      if (!event.isTrusted) return;
      event.preventDefault();
      event.stopPropagation();
      fn(event);
    };

    function show(state, ...children) {
      panel.hidden = false;
      panel.dataset.state = state;
      panel.replaceChildren(
        el(
          "div",
          { class: "bw-ff-head" },
          el("strong", {}, "砍价存证 · 填写投诉表单"),
          el("button", { type: "button", class: "bw-ff-close", "aria-label": "关闭", onclick: onTrustedClick(close) }, "×"),
        ),
        ...children,
      );
    }

    function close() {
      panel.hidden = true;
      panel.dataset.state = "closed";
      panel.replaceChildren();
    }

    // `messages` is globalThis.BargainWitnessMessages, set by lib/messages-core.js, which
    // manifest.json runs just before this script in the same isolated world (a classic script
    // cannot import lib/messages.js; that module re-exports the same object). send() always
    // resolves to a reply {ok: true, data} or {ok: false, kind, error}, delivery problems included.
    async function ask(type, data) {
      const reply = await messages.send(type, data);
      if (!reply.ok) throw new Error(reply.error || "出现未知错误。");
      return reply.data;
    }

    function showError(err) {
      show(
        "error",
        el("p", { class: "bw-ff-error", role: "alert" }, err.message),
        el("button", { type: "button", class: "bw-ff-action", onclick: onTrustedClick(start) }, "重试"),
      );
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
          el("p", {}, `选择要投诉的砍价活动，扩展会把它的${siteName}投诉草稿填入本页表单：`),
          el(
            "ul",
            { class: "bw-ff-campaigns" },
            campaigns.map((c) =>
              el(
                "li",
                {},
                el(
                  "button",
                  { type: "button", class: "bw-ff-campaign", "data-campaign-id": c.id, onclick: onTrustedClick(() => fill(c)) },
                  el("span", { class: "bw-ff-title" }, c.title),
                  el("span", { class: "bw-ff-meta" }, `${c.capture_count} 张截图` + (c.last_taken_at ? ` · 最近 ${fmtTime(c.last_taken_at)}` : "")),
                ),
              ),
            ),
          ),
        );
      } catch (err) {
        showError(err);
      }
    }

    async function fill(campaign) {
      show("loading", el("p", {}, `正在读取「${campaign.title}」的投诉草稿…`));
      try {
        const { draft } = await ask(messages.MSG.COMPLAINT_DRAFT, { campaign_id: campaign.id, channel });
        const report = await fillDraft(draft, document);
        showSummary(draft, report);
      } catch (err) {
        showError(err);
      }
    }

    function showSummary(draft, report) {
      const filled = report.filled.map((f) =>
        el(
          "li",
          { "data-key": f.key },
          el("strong", {}, f.label),
          f.where && normalise(f.where) !== normalise(f.label) ? `（填入「${f.where}」）` : "",
          f.truncated ? el("span", { class: "bw-ff-warn" }, ` 内容超过本栏 ${f.truncated} 字的上限，已截断，请检查结尾。`) : "",
        ),
      );
      const manual = report.manual.map((f) =>
        el(
          "li",
          { "data-key": f.key, "data-reason": f.reason },
          el("strong", {}, f.label),
          `：${REASONS[f.reason] || "请手动填写"}`,
          f.hint ? el("div", { class: "bw-ff-hint" }, f.hint) : "",
          f.value ? el("div", { class: "bw-ff-value" }, f.value) : "",
        ),
      );
      const files = report.attachments.map((a) =>
        el(
          "li",
          { "data-sha256": a.sha256 },
          el("div", { class: "bw-ff-file" }, a.file, a.taken_at ? `（截图时间 ${fmtTime(a.taken_at)}）` : ""),
          el("div", { class: "bw-ff-hash" }, `SHA-256：${a.sha256}`),
        ),
      );
      show(
        "done",
        el("p", { class: "bw-ff-lead" }, `已填写 ${filled.length} 项。扩展不会替您提交：请逐项核对后，自己点击页面上的提交按钮。`),
        filled.length ? el("ul", { class: "bw-ff-filled" }, filled) : "",
        manual.length
          ? el("div", { class: "bw-ff-section" }, el("h4", {}, `需要您手动处理的 ${manual.length} 项`), el("ul", { class: "bw-ff-manual" }, manual))
          : "",
        el(
          "div",
          { class: "bw-ff-section" },
          el("h4", {}, `需要您手动上传的证据文件（${files.length} 个）`),
          files.length
            ? [
              el("p", { class: "bw-ff-hint" }, "网页不允许扩展代为选择文件：请点击页面上的上传按钮，逐个选择下列截图原件。原件保存在砍价存证助手中：", el("span", { class: "bw-ff-url" }, draft.campaign_url || "")),
              el("ul", { class: "bw-ff-files" }, files),
            ]
            : el("p", {}, "草稿中没有截图证据。"),
        ),
        el("button", { type: "button", class: "bw-ff-action", onclick: onTrustedClick(start) }, "换一个活动重新填写"),
      );
    }

    button.addEventListener("click", onTrustedClick(start));

    // Show the button only where the page has a form to fill (a text area, or several boxes); the
    // sites are single-page apps, so look again when the page changes.
    let pending = 0;
    const update = () => {
      pending = 0;
      const boxes = findControls(document);
      root.hidden = !(boxes.some((c) => c.tagName === "TEXTAREA") || boxes.length >= 3);
    };
    new MutationObserver(() => {
      if (!pending) pending = setTimeout(update, 300);
    }).observe(document.documentElement, { childList: true, subtree: true });
    update();
  }

  globalThis.BargainWitnessFormFill = {
    VERSION, normalise, findControls, labelsOf, matchFields, pickOption, fillDraft, channelForHost,
  };

  const runtime = typeof chrome !== "undefined" && chrome.runtime && chrome.runtime.id;
  const messages = globalThis.BargainWitnessMessages; // lib/messages-core.js (see ask() above)
  const channel = channelForHost(location.hostname);
  if (runtime && messages && channel) mountUi(channel, messages);
})();
