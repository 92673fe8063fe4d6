/*
 * Bargain Witness page reader, part 3 of 5: the figures: labelled amounts and percentages, captions
 * over values, the countdown and the helper count.
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
    BARGAIN_WORD_RE, CAPTION_RE, COUNTDOWN_AFTER_SRC, COUNTDOWN_BEFORE_SRC, COUNT_GUARD_RE, COUPON_AFTER_RE,
    DATE_BEFORE_RE, DURATION_START_RE, HELPER_COUNT_SRCS, LABELLED_SRC, LABEL_GROUPS, NOT_MONEY_AFTER,
    NOT_A_COUNT_AFTER_RE, NOT_A_TARGET_AFTER_RE, SOCIAL_PROOF_AFTER_RE, PAREN_PERCENT_RE, PROMO_WORD_RE, SHOP_OFFER_RE, VALUE_LINE_RE,
    nextNonEmpty,
  } = P;

  // ---------------------------------------------------------------- figures

  function labelKind(groups) {
    for (const kind of Object.keys(LABEL_GROUPS)) if (groups[kind]) return kind;
    return "";
  }

  /** Which field a label + number fills, or "" when the combination is not a figure. */
  function fieldFor(kind, isPercent, explicit) {
    switch (kind) {
      case "cut": return isPercent ? "cut_percent" : "cut_amount";
      case "cutp": return isPercent ? "cut_percent" : "";
      case "rem": return isPercent ? "remaining_percent" : "remaining_amount";
      case "remw": return !explicit ? "" : isPercent ? "remaining_percent" : "remaining_amount";
      case "tgt": return explicit && !isPercent ? "target_price" : "";
      default: return "";
    }
  }

  function validNumber(field, value) {
    if (!Number.isFinite(value) || value < 0) return false;
    return !field.endsWith("_percent") || value <= 100;
  }

  const unitName = (unit) => (unit || "").replace(/^[个颗枚]/, "");

  /**
   * "满99减10，还差¥59.10可用", "再买¥20包邮": what a shop offer still needs, not a bargain's 还差. The
   * words after the amount decide, or a shop offer earlier on the same line with no bargain word.
   */
  function isCouponThreshold(scan, field, start, end) {
    if (field !== "remaining_amount") return false;
    if (COUPON_AFTER_RE.test(scan.slice(end, end + 12))) return true;
    const lineStart = scan.lastIndexOf("\n", start - 1) + 1;
    const before = scan.slice(Math.max(lineStart, start - 40), start);
    return SHOP_OFFER_RE.test(before) && !BARGAIN_WORD_RE.test(before);
  }

  /**
   * "新人专享 价值¥100大礼包": a gift's or a voucher's value, not the price being cut. The words after
   * the amount decide, or a promotion word earlier on its line.
   */
  function isGiftValue(scan, label, field, start, end) {
    if (field !== "target_price" || label !== "价值") return false; // 商品价值, 目标价… are the product's
    if (NOT_A_TARGET_AFTER_RE.test(scan.slice(end, end + 8))) return true;
    const lineStart = scan.lastIndexOf("\n", start - 1) + 1;
    return PROMO_WORD_RE.test(scan.slice(Math.max(lineStart, start - 20), start));
  }

  /** Label-anchored figures ("已砍 ¥98.76", "仅差0.1%"): candidates per field, in text order. */
  function findInlineFigures(scan) {
    const found = [];
    const re = new RegExp(LABELLED_SRC, "g");
    let m;
    while ((m = re.exec(scan)) !== null) {
      const g = m.groups;
      const kind = labelKind(g);
      const label = g[kind];
      const unit = g.unit || "";
      const end = m.index + m[0].length;
      const field = fieldFor(kind, unit === "%", Boolean(g.cur) || unit !== "");
      const value = parseFloat(g.num);
      const countLike = !unit && NOT_MONEY_AFTER.test(scan.slice(end, end + 8));
      if (!field || countLike || !validNumber(field, value) || isCouponThreshold(scan, field, m.index, end) ||
        isGiftValue(scan, label, field, m.index, end)) {
        re.lastIndex = m.index + label.length;
        continue;
      }
      found.push({ field, value, unit: unitName(unit), start: m.index, end });
      // "已砍 98.76元（99.5%）": the percent in brackets right after an amount belongs to the same label.
      const pm = field.endsWith("_amount") ? PAREN_PERCENT_RE.exec(scan.slice(end)) : null;
      const pct = pm ? parseFloat(pm[1]) : NaN;
      if (pm && validNumber("_percent", pct)) {
        const pctField = field === "cut_amount" ? "cut_percent" : "remaining_percent";
        found.push({ field: pctField, value: pct, unit: "", start: m.index, end: end + pm[0].length });
      }
    }
    return found;
  }

  /**
   * Stat boxes where label and number sit on lines of their own ("已砍" / "¥98.76", "已砍(元)" /
   * "98.76"). The number is usually under the label, but some layouts put the big number first:
   * both pairings are tried and scored (2 per valid pair whose value has ¥ or a unit, 1 for a bare
   * number); the value-above pairing must score strictly higher to win. A label over a duration
   * ("仅剩" / "1天" "02:00:00") labels a countdown, not a stat box.
   */
  function findCaptionFigures(lines, excluded) {
    const valueAt = (k) => (k >= 0 && k < lines.length && !excluded[k]
      ? VALUE_LINE_RE.exec(lines[k].trimmed) : null);
    const captions = [];
    for (let i = 0; i < lines.length; i++) {
      if (excluded[i]) continue;
      const m = CAPTION_RE.exec(lines[i].trimmed);
      // Only a caption looks ahead (a scan per line would be quadratic over runs of blank lines).
      if (!m || DURATION_START_RE.test(nextNonEmpty(lines, i + 1))) continue;
      if (valueAt(i - 1) || valueAt(i + 1)) captions.push({ i, groups: m.groups });
    }
    const pair = (offset) => {
      const found = [];
      const consumed = [];
      let score = 0;
      for (const { i, groups } of captions) {
        const k = i + offset;
        const v = valueAt(k);
        if (!v || consumed.includes(k)) continue;
        const unit = v.groups.unit || groups.unit || "";
        const explicit = Boolean(v.groups.cur) || unit !== "";
        const field = fieldFor(labelKind(groups), unit === "%", explicit);
        const value = parseFloat(v.groups.num);
        if (!field || !validNumber(field, value)) continue;
        score += explicit ? 2 : 1;
        consumed.push(i, k);
        const first = lines[Math.min(i, k)];
        const last = lines[Math.max(i, k)];
        found.push({ field, value, unit: unitName(unit), start: first.start, end: last.end });
      }
      return { found, consumed, score };
    };
    // Value under the label is the common layout; the value above wins only on a better score.
    const below = pair(1);
    const above = pair(-1);
    return above.score > below.score ? above : below;
  }

  function countdownSeconds(g) {
    const parts = [g.d, g.h, g.m, g.s, g.ch, g.cm, g.cs];
    if (parts.every((p) => p === undefined)) return null;
    const n = (p) => (p === undefined ? 0 : parseInt(p, 10));
    return n(g.d) * 86400 + (n(g.h) + n(g.ch)) * 3600 + (n(g.m) + n(g.cm)) * 60 + n(g.s) + n(g.cs);
  }

  /**
   * Is the countdown at [start, end) another promotion's (a coupon's "23:10:05后失效", a flash sale's
   * "限时秒杀 距结束 01:02:03")? The word nearest to it decides, looking at its own line and the two
   * lines above: a promotion word (券, 红包, 秒杀, 特卖, 满99减10, 订单...) makes it another countdown, a
   * bargain word (砍, 助力, 免费拿) makes it ours; with neither it is ours.
   */
  function isPromotionClock(scan, start, end) {
    let from = start;
    for (let breaks = 0; from > 0 && start - from < 60; from--) {
      if (scan[from - 1] === "\n" && ++breaks > 2) break;
    }
    let to = scan.indexOf("\n", end);
    if (to < 0) to = scan.length;
    const nearest = (re) => {
      let best = Infinity;
      const g = new RegExp(re.source, "g");
      let m;
      while ((m = g.exec(scan.slice(from, to))) !== null) {
        const at = from + m.index;
        const distance = at < start ? start - (at + m[0].length) : at - end;
        best = Math.min(best, Math.max(0, distance));
        if (!m[0]) g.lastIndex++;
      }
      return best;
    };
    const promo = nearest(PROMO_WORD_RE);
    return promo !== Infinity && promo < nearest(BARGAIN_WORD_RE);
  }

  /** "23:59:12 后结束", "剩余 12:03:05", "距结束 23时59分12秒", "剩 1天 02:03:04": the first one. */
  function findCountdown(scan) {
    let best = null;
    for (const [src, after] of [[COUNTDOWN_BEFORE_SRC, false], [COUNTDOWN_AFTER_SRC, true]]) {
      const re = new RegExp(src, "g");
      let m;
      while ((m = re.exec(scan)) !== null) {
        const seconds = countdownSeconds(m.groups);
        // A clock after a date ("2026-11-20 23:59:59后结束") is an end time, not a countdown; an
        // amount on the line above ("还差 ¥1.80⏎23:00:00后结束") is not a date.
        const datePrefix = after && DATE_BEFORE_RE.test(scan.slice(Math.max(0, m.index - 14), m.index));
        if (seconds === null || datePrefix || isPromotionClock(scan, m.index, m.index + m[0].length)) continue;
        if (!best || m.index < best.start) best = { value: seconds, start: m.index, end: m.index + m[0].length };
        break;
      }
    }
    return best;
  }

  /** Stated number of helpers: "已有 5 位好友帮忙砍价", "共 12 人助力", "助力好友（5）". */
  function findHelperCount(scan) {
    let best = null;
    for (const { src, guard } of HELPER_COUNT_SRCS) {
      const re = new RegExp(src, "g");
      let m;
      while ((m = re.exec(scan)) !== null) {
        const end = m.index + m[0].length;
        const lineStart = scan.lastIndexOf("\n", m.index - 1) + 1; // the guard looks on the count's line
        const after = scan.slice(end, end + 8);
        if ((guard && COUNT_GUARD_RE.test(scan.slice(Math.max(lineStart, m.index - 6), m.index))) ||
          NOT_A_COUNT_AFTER_RE.test(after) || (/砍价$/.test(m[0]) && SOCIAL_PROOF_AFTER_RE.test(after))) {
          re.lastIndex = m.index + 1;
          continue;
        }
        const n = parseInt(m.groups.n, 10);
        if (!Number.isSafeInteger(n)) continue;
        if (!best || m.index < best.start) best = { value: n, start: m.index, end };
        break;
      }
    }
    return best;
  }

  Object.assign(P, { findCaptionFigures, findCountdown, findHelperCount, findInlineFigures, unitName });
})();
