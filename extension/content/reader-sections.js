/*
 * Bargain Witness page reader, part 2 of 5: the parts of a page: its lines, the rules and helper
 * sections, other products' sections, and the page structure read from the DOM (headings, section
 * extents, toasts; never class names).
 *
 * A classic script injected before content/reader.js (lib/capture.js READER_FILES, in that order),
 * possibly several times into one page: it fills globalThis.BargainWitnessReaderParts, the parts'
 * shared namespace, and takes what it needs from the parts before it. The reading rules are
 * documented in docs/reader.md; keep the two in step.
 */
(function () {
  "use strict";

  const P = (globalThis.BargainWitnessReaderParts = globalThis.BargainWitnessReaderParts || {});
  const {
    CLOSE_RE, ENUM_RE, HELPER_HEADER_RE, HELPER_VERBS, HELPER_VERB_RE, LIST_END_RE, MAX_BLOCKS, OTHERS_HEADER_RE,
    PROGRESS_LINE_RE, RULES_HEADER_RE, RULE_WORDS_RE, SHOP_LINE_RE, normalise,
  } = P;

  /** The non-empty, trimmed, normalised lines of a text. */
  const textLines = (t) => normalise(String(t || "")).text.split("\n").map((l) => l.trim()).filter(Boolean);

  function splitLines(text) {
    const lines = [];
    let start = 0;
    for (const part of text.split("\n")) {
      lines.push({ start, end: start + part.length, text: part, trimmed: part.trim() });
      start += part.length + 1;
    }
    return lines;
  }

  const nextNonEmpty = (lines, i) => {
    for (let k = i; k < lines.length; k++) if (lines[k].trimmed) return lines[k].trimmed;
    return "";
  };

  const looksLikeRule = (s) => ENUM_RE.test(s) || (s.length >= 20 && RULE_WORDS_RE.test(s));

  /** A line that starts another part of the page: ends the rules and helper sections. */
  function isSectionBoundary(line) {
    const t = line.trimmed;
    return OTHERS_HEADER_RE.test(t) || CLOSE_RE.test(t) || isHelperHeader(t) ||
      (t.length <= 30 && PROGRESS_LINE_RE.test(t));
  }

  function isHelperHeader(t) {
    return t.length <= 24 && HELPER_HEADER_RE.test(t) && !t.includes("¥") && !HELPER_VERB_RE.test(t);
  }

  /**
   * The 活动规则 sections: each header line with text after its colon or whose next line looks like
   * rules (an enumerated line or rule-like prose), up to the next section boundary. A lone "规则"
   * link at the top is skipped because what follows it is not rule text. When the page structure
   * gave the section (`dom`: header line -> {end, list, closed}), it qualifies the header; rules
   * written as a list (<ol>/<ul>, whose numbers innerText does not show) or filling their container
   * to its end stop exactly where the structure says; other paragraph rules end at whichever comes
   * later, the text boundary or the structure's end.
   */
  function findRules(lines, headings, dom, skip) {
    const found = [];
    for (let i = 0; i < lines.length; i++) {
      if (skip[i]) continue;
      const m = RULES_HEADER_RE.exec(lines[i].trimmed);
      if (!m) continue;
      const inline = (m.groups.inline || "").trim();
      const first = inline || nextNonEmpty(lines, i + 1);
      const block = inline ? null : dom.get(i);
      // "活动规则：..." introduces its text explicitly; a bare header needs rule-like text below it.
      if (!inline && !block && (!first || !looksLikeRule(first))) continue;
      // A page heading of the same or a higher level than the rules' own heading also ends the
      // section (sub-headings inside the rules do not).
      const ownLevel = headings.get(lines[i].trimmed) || 9;
      const endsAtHeading = (line) => (headings.get(line.trimmed) || 99) <= ownLevel;
      let end = i + 1;
      while (end < lines.length && !skip[end] && !isSectionBoundary(lines[end]) && !endsAtHeading(lines[end])) end++;
      if (block) end = block.list || block.closed ? block.end : Math.max(end, block.end);
      while (end > i + 1 && !lines[end - 1].trimmed) end--;
      const bodyStart = inline ? lines[i].start + lines[i].text.indexOf(inline) : (lines[i + 1] || lines[i]).start;
      found.push({ header: i, end, bodyStart, bodyEnd: lines[end - 1].end });
    }
    return found;
  }

  /**
   * Lines of other products' sections (大家都在砍, 猜你喜欢, 更多好物...): their prices, percents,
   * countdowns and "帮TA砍" rows are not this bargain's. The page structure gives each section's
   * extent (`dom`: [start, end) line ranges); a header it did not place runs to the next section
   * header (rules, helper list, another section), a dialog button or a heading of its level; not to
   * a progress line, as other products' cards show progress too.
   */
  function findOthers(lines, headings, dom) {
    const inside = lines.map(() => false);
    for (const { start, end } of dom) for (let k = start; k < end; k++) inside[k] = true;
    for (let i = 0; i < lines.length; i++) {
      if (inside[i] || !OTHERS_HEADER_RE.test(lines[i].trimmed)) continue;
      const ownLevel = headings.get(lines[i].trimmed) || 9;
      inside[i] = true;
      for (let k = i + 1; k < lines.length; k++) {
        const line = lines[k];
        const t = line.trimmed;
        if (inside[k] || OTHERS_HEADER_RE.test(t) || CLOSE_RE.test(t) || isHelperHeader(t) || RULES_HEADER_RE.test(t) ||
          (headings.get(t) || 99) <= ownLevel) break;
        inside[k] = true;
      }
    }
    return inside;
  }

  /**
   * Find each block the page structure described ({kind, text, before}, in document order) in the
   * page's lines: the block's non-empty lines, normalised the same way, must follow each other there.
   * When the same text occurs more than once (a toast repeating a row), the occurrence after the line
   * `before` (the last line of the content preceding the block) is taken, else the first one from
   * where the previous block ended. Returns [{kind, list, start, end}] with line indices [start, end).
   */
  function locateBlocks(lines, blocks) {
    const nonEmpty = [];
    lines.forEach((l, k) => {
      if (l.trimmed) nonEmpty.push(k);
    });
    const located = [];
    let cursor = 0;
    for (const block of (Array.isArray(blocks) ? blocks : []).slice(0, MAX_BLOCKS)) {
      const want = normalise(String(block.text || "")).text.split("\n").map((t) => t.trim()).filter(Boolean);
      if (!want.length || want.length > nonEmpty.length) continue;
      const matchesAt = (p) => want.every((t, q) => p + q < nonEmpty.length && lines[nonEmpty[p + q]].trimmed === t);
      const before = textLines(block.before).pop();
      const follows = (p) => before !== undefined && p > 0 && lines[nonEmpty[p - 1]].trimmed === before;
      const order = [];
      for (let p = cursor; p < nonEmpty.length; p++) order.push(p);
      for (let p = 0; p < cursor; p++) order.push(p);
      let at = -1;
      for (const p of order) {
        if (!matchesAt(p)) continue;
        if (follows(p)) {
          at = p;
          break;
        }
        if (at < 0) at = p;
      }
      if (at < 0) continue;
      if (at >= cursor) cursor = at + want.length;
      located.push({
        kind: block.kind, list: Boolean(block.list), closed: Boolean(block.closed),
        start: nonEmpty[at], end: nonEmpty[at + want.length - 1] + 1,
      });
    }
    return located;
  }

  /**
   * Line indices inside helper-list sections (助力好友 / 砍价记录 ...), headers excluded; a section
   * ends at another section, the rules, a list footer ("查看更多") or a line of shop vocabulary.
   */
  function findHelperSections(lines, excluded) {
    const inside = new Map();
    for (let i = 0; i < lines.length; i++) {
      if (excluded[i] || !isHelperHeader(lines[i].trimmed)) continue;
      for (let k = i + 1; k < lines.length && !excluded[k]; k++) {
        const t = lines[k].trimmed;
        if (OTHERS_HEADER_RE.test(t) || CLOSE_RE.test(t) || LIST_END_RE.test(t) || SHOP_LINE_RE.test(t) ||
          isHelperHeader(t) || RULES_HEADER_RE.test(t)) break;
        inside.set(k, i);
      }
    }
    return inside;
  }


  // ---------------------------------------------------------------- page structure (DOM, no class names)

  const HEADER_SLACK = 8; // characters a header's box may add to it ("更多 >", "查看全部")
  const HEADER_HINT_RE = /规则|说明|细则|须知|介绍|推荐|喜欢|好物|好货|都在|还在|免费拿|看了又看|相似|热销|热门|更多|同店|其他/;
  // A block that belongs to this bargain's owner, never to another product's card.
  const OWN_BARGAIN_LINE_RE = /^(?:立即|马上|继续)?(?:邀请|喊|找|叫)(?:微信)?好友|^分享给好友|帮你砍|为你砍|给你砍|帮我砍|你已砍|我的砍价/;
  const HELPER_VERB_HINT_RE = new RegExp(`(?:${HELPER_VERBS})[^\\d]{0,6}\\d`);
  const compact = (t) => String(t || "").replace(/\s+/g, "");

  /** "rules" / "others" when the element is just a section header (plus a short link), else "". */
  function headerBoxKind(el) {
    const tc = el.textContent || "";
    if (tc.length > 60 || !HEADER_HINT_RE.test(tc)) return "";
    const lines = textLines(el.innerText);
    if (!lines.length) return "";
    const first = lines[0];
    const kind = OTHERS_HEADER_RE.test(first) ? "others"
      : RULES_HEADER_RE.test(first) && !(RULES_HEADER_RE.exec(first).groups.inline || "").trim() ? "rules" : "";
    if (!kind) return "";
    const extra = compact(lines.slice(1).join(""));
    return extra.length <= HEADER_SLACK && !/\d/.test(extra) ? kind : "";
  }

  const isHeading = (el) => /^H[1-6]$/.test(el.tagName) || el.getAttribute("role") === "heading";

  /** Does this element hold rules text: a list, a wrapper of one list, or an enumerated/rule-like line? */
  function ruleLike(el) {
    if (/^(?:OL|UL|DL|LI)$/.test(el.tagName)) return { list: true };
    const list = el.querySelector("ol,ul,dl");
    if (list && compact(list.innerText) === compact(el.innerText)) return { list: true };
    const first = textLines(el.innerText)[0];
    return first && looksLikeRule(first) ? { list: false } : null;
  }

  /** Does this element start another part of the page (a section header line, the owner's own block)? */
  function startsOtherPart(el, kind) {
    if (isHeading(el)) return true;
    return textLines(el.innerText).some((t) => RULES_HEADER_RE.test(t) || OTHERS_HEADER_RE.test(t) ||
      isHelperHeader(t) || CLOSE_RE.test(t) || (kind === "others" && OWN_BARGAIN_LINE_RE.test(t)));
  }

  /**
   * Does this small element float over the page (a toast): it, or one of its few nearest ancestors
   * that hold little more text, is position fixed/sticky or a live region?
   */
  function floats(el, body, view) {
    let n = el;
    for (let up = 0; up < 4 && n && n !== body && (n.textContent || "").length <= 120; up++, n = n.parentElement) {
      const position = view.getComputedStyle(n).position;
      const live = n.getAttribute("aria-live") || /^(?:alert|status|marquee)$/.test(n.getAttribute("role") || "");
      if (live || position === "fixed" || position === "sticky") return true;
    }
    return false;
  }

  /** The last line of visible text before `el` in document order (to tell repeated texts apart). */
  function textBefore(el, body) {
    for (let n = el; n && n !== body; n = n.parentElement) {
      for (let p = n.previousElementSibling; p; p = p.previousElementSibling) {
        const lines = textLines(p.innerText);
        if (lines.length) return lines[lines.length - 1];
      }
    }
    return "";
  }

  /**
   * The extent of sections from the page structure, as text blocks in document order:
   * - rules: a header box (the header element, widened while its parent adds only a short link) and
   *   the rule-like siblings after it (a list, enumerated or rule-like paragraphs);
   * - others: a header box of other products and its siblings, up to one that starts another part;
   * - overlay: a small element showing a helper's assist that floats (it or a near ancestor holding
   *   little more text is position fixed or sticky, or a live region): a toast, never a row of the list.
   * Only tags, layout and text are used, never class names.
   */
  function pageStructure(body) {
    const blocks = [];
    const boxes = [];
    const view = body.ownerDocument && body.ownerDocument.defaultView;
    for (const el of body.querySelectorAll("*")) {
      if (blocks.length >= MAX_BLOCKS) break;
      if (/^(?:SCRIPT|STYLE|NOSCRIPT|TEMPLATE|SVG|svg)$/.test(el.tagName)) continue;
      if (boxes.some((b) => b.contains(el))) continue;
      const kind = headerBoxKind(el);
      if (kind) {
        let box = el;
        while (box.parentElement && box.parentElement !== body && headerBoxKind(box.parentElement) === kind) {
          box = box.parentElement;
        }
        boxes.push(box);
        const members = [box];
        let list = false;
        let closed = true; // the section runs to the end of its container
        for (let sib = box.nextElementSibling; sib; sib = sib.nextElementSibling) {
          if (!compact(sib.innerText)) continue;
          if (startsOtherPart(sib, kind) || (kind === "rules" && !ruleLike(sib))) {
            closed = false;
            break;
          }
          list = list || (kind === "rules" && members.length === 1 && ruleLike(sib).list);
          members.push(sib);
        }
        if (members.length > 1) {
          const text = members.map((m) => m.innerText).join("\n");
          blocks.push({ kind, list, closed, text, before: textBefore(box, body) });
          members.forEach((m) => boxes.push(m));
        }
        continue;
      }
      const tc = el.textContent || "";
      if (tc.length <= 80 && view && HELPER_VERB_HINT_RE.test(tc) && floats(el, body, view)) {
        boxes.push(el);
        blocks.push({ kind: "overlay", text: el.innerText, before: textBefore(el, body) });
      }
    }
    return blocks;
  }

  // ---------------------------------------------------------------- is this a bargain page at all?

  // Bargain vocabulary: any of it on the page (other products' sections left out) or in the title
  // makes it a bargain page. Deliberately broad (the cash-out campaigns' 提现/领现金 too): a real
  // bargain page must never be asked about.
  const BARGAIN_VOCAB_RE = /砍|助力|免费拿|免费领|0元拿|0元领|0元购|免单|提现|领现金|(?:还差|仅差|只差|就差|差)\s{0,2}\d+(?:\.\d+)?\s{0,2}%/;
  const MIN_TEXT_TO_JUDGE = 20; // with less text than this the page cannot be told apart: a bargain
  const PAGE_KINDS = [
    ["orders", "订单列表", /我的订单|待付款|待分享|待发货|待收货|待评价|确认收货|查看物流|实付款|订单编号|交易成功|再次购买|取消订单|退款\/售后/g],
    ["shop", "店铺页面", /旗舰店|专卖店|专营店|进店|关注店铺|店铺券|全部商品|店铺首页|店铺/g],
    ["product", "商品页面", /加入购物车|立即购买|发起拼单|单独购买|去拼单|商品评价|商品详情|拼单价|单买价/g],
  ];

  Object.assign(P, {
    BARGAIN_VOCAB_RE, MIN_TEXT_TO_JUDGE, PAGE_KINDS, compact, findHelperSections, findOthers, findRules, locateBlocks,
    nextNonEmpty, pageStructure, splitLines,
  });
})();
