/*
 * Bargain Witness form filler, part 1 of 4: the label matcher (rules in docs/formfill.md).
 *
 * Content scripts cannot be ES modules, so the filler is four classic scripts that manifest.json
 * runs in this order in one isolated world, sharing globalThis.BargainWitnessFormFill (that world's
 * global: the page's own scripts cannot see it): formfill-match.js (find each draft field's box by
 * the label text the user sees), formfill-fill.js (set the values), formfill-panel.js (the panel in
 * a closed shadow root), formfill.js (start: complaint sites over https only).
 *
 * Fields are found by the LABEL TEXT the user sees, never by class names or ids, which differ
 * between sites and versions.
 */
(function () {
  "use strict";

  const FF = (globalThis.BargainWitnessFormFill = globalThis.BargainWitnessFormFill || {});
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

  Object.assign(FF, { UI_ID, normalise, ownText, findControls, labelsOf, matchFields });
})();
