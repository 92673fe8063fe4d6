/*
 * Bargain Witness page reader: reads bargain progress figures (已砍/还差/百分比/倒计时/助力好友/活动规则)
 * from a page's visible TEXT, never from class names (Pinduoduo's are obfuscated and change).
 *
 * Classic scripts, injected with chrome.scripting.executeScript({files: READER_FILES}) (lib/capture.js):
 * reader-text.js, reader-sections.js, reader-figures.js, reader-helpers.js, then this one, which
 * assembles the facts and is the reader's only interface, globalThis.BargainWitnessReader. They may be
 * injected several times into one page: each injection simply reassigns what it defines.
 * The reading rules are documented in docs/reader.md; keep the two in step.
 */
(function () {
  "use strict";

  const P = globalThis.BargainWitnessReaderParts;
  const {
    AMOUNT_FIELDS, BARGAIN_VOCAB_RE, BLANK, MAX_HELPERS, MAX_RAW_CHARS, MAX_RULES_CHARS, MIN_TEXT_TO_JUDGE,
    NEWS_LINE_RE, PAGE_KINDS, SCALAR_FIELDS, VERSION, ZERO_WIDTH_ALL, compact, findCaptionFigures, findCountdown, findHelperCount,
    findHelperSections, findHelpers, findInlineFigures, findOthers, findRules, locateBlocks, normalise, pageStructure,
    sourceSlice, splitLines, tidy,
  } = P;

  // ---------------------------------------------------------------- assembly

  function tidyRules(text) {
    const lines = text.replace(ZERO_WIDTH_ALL, "").split(/\r\n|\r|\n|\u2028|\u2029/)
      .map((l) => l.replace(/[\s\u3000]+/g, " ").trim())
      .filter(Boolean);
    return lines.join("\n").slice(0, MAX_RULES_CHARS).trim();
  }

  /** Heading texts (normalised like page lines) → level, so sections can end at the next heading. */
  function headingLevels(headings) {
    const levels = new Map();
    for (const h of headings || []) {
      const line = normalise(String(h.text || "")).text.split("\n").map((t) => t.trim()).find(Boolean);
      if (line && !levels.has(line)) levels.set(line, h.level || 2);
    }
    return levels;
  }

  /** Read bargain facts from page text. Pure: no DOM, no globals; see docs/reader.md. */
  function parseText(text, options = {}) {
    return analyse(text, options).facts;
  }

  /** The facts of a text, and the text's own lines (other products' sections left out) for the verdict. */
  function analyse(text, options) {
    const norm = normalise(text);
    const lines = splitLines(norm.text);
    const excluded = lines.map(() => false);
    const facts = {};
    const raw = {};

    const headings = headingLevels(options.headings);
    const blocks = locateBlocks(lines, options.blocks);
    const others = findOthers(lines, headings, blocks.filter((b) => b.kind === "others"));
    const domRules = new Map(blocks.filter((b) => b.kind === "rules").map((b) => [b.start, b]));
    const overlay = new Set();
    blocks.filter((b) => b.kind === "overlay").forEach((b) => {
      for (let k = b.start; k < b.end; k++) overlay.add(k);
    });
    others.forEach((x, k) => {
      if (x) excluded[k] = true;
    });
    // Nothing inside any rules section is a figure; rules_text is the last one (the full rules
    // usually follow a short summary or a link).
    const rules = findRules(lines, headings, domRules, others);
    for (const r of rules) for (let k = r.header; k < r.end; k++) excluded[k] = true;
    if (rules.length) {
      const last = rules[rules.length - 1];
      const rulesText = tidyRules(sourceSlice(norm, last.bodyStart, last.bodyEnd));
      if (rulesText) facts.rules_text = rulesText;
    }

    const captions = findCaptionFigures(lines, excluded);
    const scanChars = norm.text.split("");
    const blank = (k) => {
      for (let c = lines[k].start; c < lines[k].end; c++) scanChars[c] = BLANK;
    };
    // Other people's news ("恭喜 用户小** 已砍¥99.00 成功免费拿走") holds no figure of ours; its
    // lines stay for the helper rows, which reject them on their own.
    lines.forEach((line, k) => {
      if (excluded[k] || NEWS_LINE_RE.test(line.text)) blank(k);
    });
    const captionLines = new Set(captions.consumed);
    captionLines.forEach(blank);
    const scan = scanChars.join("");

    const candidates = [...captions.found, ...findInlineFigures(scan)].sort((a, b) => a.start - b.start);
    const units = [];
    for (const c of candidates) {
      if (c.field in facts) continue;
      facts[c.field] = c.value;
      raw[c.field] = tidy(sourceSlice(norm, c.start, c.end)).slice(0, MAX_RAW_CHARS);
      if (AMOUNT_FIELDS.includes(c.field)) units.push(c.unit);
    }

    const countdown = findCountdown(scan);
    if (countdown) {
      facts.countdown_seconds = countdown.value;
      raw.countdown_seconds = tidy(sourceSlice(norm, countdown.start, countdown.end)).slice(0, MAX_RAW_CHARS);
    }
    const count = findHelperCount(scan);
    if (count) {
      facts.helper_count = count.value;
      raw.helper_count = tidy(sourceSlice(norm, count.start, count.end)).slice(0, MAX_RAW_CHARS);
    }

    const helperExcluded = excluded.map((x, k) => x || captionLines.has(k));
    const helperRows = findHelpers(lines, helperExcluded, findHelperSections(lines, helperExcluded), overlay);
    if (helperRows.length) facts.helpers = helperRows.slice(0, MAX_HELPERS).map((r) => r.helper);
    helperRows.forEach((r) => units.push(r.unit));

    const unit = units.find((u) => u && u !== "元");
    if (unit) facts.unit = unit;
    if (Object.keys(raw).length) facts.raw = raw;
    const own = lines.filter((_, k) => !others[k]).map((l) => l.text).join("\n");
    return { facts: orderKeys(facts), own };
  }

  const KEY_ORDER = [...SCALAR_FIELDS, "helpers", "rules_text", "unit", "raw"];
  function orderKeys(facts) {
    const out = {};
    for (const k of KEY_ORDER) if (k in facts) out[k] = facts[k];
    return out;
  }


  /**
   * The verdict on a page's own text and title (`textChars`: how much text the whole page has):
   * {bargain: true}, or {bargain: false, reasons} with
   * Chinese sentences saying why ({code, text}): no bargain vocabulary, what the page looks like
   * instead (orders, shop, product), and the figures that were seen but are not a bargain's.
   */
  function judgePage(own, title, seen, textChars) {
    const all = `${own}\n${normalise(title).text}`;
    if (BARGAIN_VOCAB_RE.test(all) || textChars + compact(title).length < MIN_TEXT_TO_JUDGE) return { bargain: true };
    const reasons = [{ code: "no_bargain_words", text: "页面上没有砍价的字样（砍价、砍一刀、帮砍、助力、免费拿、已砍、还差…%）。" }];
    const kinds = PAGE_KINDS.map(([code, name, re]) => {
      const words = [...new Set(all.match(re) || [])];
      return { code, name, words };
    }).filter((k) => k.words.length);
    kinds.sort((a, b) => b.words.length - a.words.length);
    for (const k of kinds.slice(0, 2)) {
      const shown = k.words.slice(0, 3).map((w) => `「${w}」`).join("");
      reasons.push({ code: k.code, text: `看起来是${k.name}：出现了${shown}。` });
    }
    const figures = Object.values(seen.raw || {}).slice(0, 3);
    if (figures.length) {
      const shown = figures.map((r) => `「${r}」`).join("");
      reasons.push({ code: "figures_ignored", text: `页面上的${shown}不是砍价进度，不会作为砍价数据保存。` });
    }
    return { bargain: false, reasons };
  }

  /** Scalar figures the body did not show, taken from the title ("还差¥0.52免费拿 - 拼多多"). */
  function withTitleFigures(facts, title) {
    if (!title.trim()) return facts;
    const fromTitle = parseText(title);
    const out = { ...facts };
    let tookAmount = false;
    for (const key of SCALAR_FIELDS) {
      if (key in out || !(key in fromTitle)) continue;
      out[key] = fromTitle[key];
      out.raw = { ...(out.raw || {}), [key]: fromTitle.raw[key] };
      tookAmount = tookAmount || AMOUNT_FIELDS.includes(key);
    }
    if (tookAmount && fromTitle.unit && !out.unit) out.unit = fromTitle.unit;
    return orderKeys(out);
  }

  /**
   * Read a page given as text: {facts, bargain: true}, or {facts: {}, bargain: false, reasons} for a
   * page that is not a bargain (a shop, a product, an order list): its figures are not a bargain's.
   * options: {title, headings, blocks} (readPage passes what the page structure shows).
   */
  function readText(text, options = {}) {
    const body = analyse(text, options);
    const title = typeof options.title === "string" ? options.title : "";
    const facts = withTitleFigures(body.facts, title);
    const verdict = judgePage(body.own, title, facts, compact(text).length);
    return verdict.bargain ? { facts, bargain: true } : { facts: {}, bargain: false, reasons: verdict.reasons };
  }

  /**
   * Read a rendered page: its layout-aware visible text (innerText puts line breaks between blocks),
   * helped by the page structure (headings, section extents, toasts), and its title for any scalar
   * figure the body did not show. Returns what readText returns.
   */
  function readPage(doc = globalThis.document) {
    if (!doc || !doc.body) return { facts: {}, bargain: true };
    const headings = Array.from(doc.body.querySelectorAll("h1,h2,h3,h4,h5,h6,[role=heading]"), (el) => ({
      text: el.innerText || "",
      level: /^H[1-6]$/.test(el.tagName) ? Number(el.tagName[1]) : Number(el.getAttribute("aria-level")) || 2,
    }));
    const blocks = pageStructure(doc.body);
    const title = typeof doc.title === "string" ? doc.title : "";
    return readText(doc.body.innerText || doc.body.textContent || "", { headings, blocks, title });
  }

  /** The facts of a rendered page ({} for a page that is not a bargain). */
  function readFacts(doc = globalThis.document) {
    return readPage(doc).facts;
  }


  // The parts' namespace has served: the page keeps one global of ours, the reader itself.
  delete globalThis.BargainWitnessReaderParts;
  globalThis.BargainWitnessReader = { readPage, readFacts, readText, parseText, VERSION };
})();
