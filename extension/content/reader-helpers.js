/*
 * Bargain Witness page reader, part 4 of 5: the helper rows (助力好友): names, amounts and times,
 * repeats dropped.
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
    AMOUNT_LINE_RE, BADGE_RE, BARE_VERB_RE, FOR_SOMEONE_ELSE_RE, HELPER_HEADER_RE, HELPER_VERB_SRC, MAX_NAME_CHARS,
    NAME_EDGE, NAME_REJECT_RE, NAME_SEPARATOR, NOT_A_HELPER_BEFORE_BARE_VERB, NOT_MONEY_AFTER, RULES_HEADER_RE,
    SECTION_ROW_RE, TIME_ONLY_RE, TIME_RE, VERB_END_RE, VERB_ONLY_RE, unitName,
  } = P;

  // ---------------------------------------------------------------- helpers (助力好友)

  /** Strip badges, time stamps and "好友" prefixes from a name candidate; returns {name, at}. */
  function cleanName(text) {
    let s = text.replace(BADGE_RE, " ");
    let at = "";
    const t = TIME_RE.exec(s);
    if (t) {
      at = t[0].trim();
      s = s.slice(0, t.index) + " " + s.slice(t.index + t[0].length);
    }
    s = trimEdges(s).replace(/^(?:(?:NO\.?|No\.?|TOP|第)\s{0,2})?\d{1,3}名?[\s.、]+/, "");
    let before;
    do {
      before = s;
      s = trimEdges(s).replace(/^(?:恭喜|好友)/, "").replace(/(?:已经|已)$/, "");
    } while (s !== before);
    return { name: s, at };
  }

  /** Trim whitespace and list punctuation from both ends (a loop: regex trims backtrack on long runs). */
  function trimEdges(s) {
    let a = 0;
    let b = s.length;
    while (a < b && NAME_EDGE.test(s[a])) a++;
    while (b > a && NAME_EDGE.test(s[b - 1])) b--;
    return s.slice(a, b);
  }

  function plausibleName(name) {
    return name.length >= 1 && name.length <= MAX_NAME_CHARS && !/^[\d\s.:+-]+$/.test(name) &&
      !VERB_ONLY_RE.test(name) &&
      !NAME_REJECT_RE.test(name) && !RULES_HEADER_RE.test(name) && !HELPER_HEADER_RE.test(name);
  }

  const isFillerLine = (t) => TIME_ONLY_RE.test(t) || (t !== "" && t.replace(BADGE_RE, "").trim() === "");

  /** Where the last name-like token of `s` starts (names in an inline list are space-separated). */
  function lastTokenStart(s) {
    let i = s.length;
    while (i > 0 && NAME_SEPARATOR.test(s[i - 1])) i--;
    while (i > 0 && !NAME_SEPARATOR.test(s[i - 1])) i--;
    return i;
  }

  const checkRow = (row) => (Number.isFinite(row.value) && (row.unit !== "%" || row.value <= 100) ? row : null);

  /**
   * Helper rows on one line: {pre, value, unit, rest, guessName}. Usually one ("小明 帮你砍了 ¥0.03
   * 14:03"); several when the list is inline, each row's name then being the last token before its
   * verb. Inside a helper section a verb-less "[rank] name ¥0.03 [time]" or bare "¥0.03" also counts.
   */
  function matchRows(t, inSection) {
    const hits = [];
    const re = new RegExp(HELPER_VERB_SRC, "g");
    let m;
    while ((m = re.exec(t)) !== null) {
      const unit = m.groups.unit || "";
      const end = m.index + m[0].length;
      if (!unit && NOT_MONEY_AFTER.test(t.slice(end))) continue;
      const g = m.groups;
      hits.push({ start: m.index, end, verb: g.verb, value: parseFloat(g.num), unit, cur: Boolean(g.cur), sign: g.sign || "" });
    }
    if (!hits.length) {
      m = inSection ? SECTION_ROW_RE.exec(t) : null;
      if (!m) return [];
      const g = m.groups;
      const rest = g.rest.trim();
      if (/[\d.]$/.test(g.pre) || (rest && !TIME_ONLY_RE.test(rest))) return [];
      const row = { pre: g.pre, value: parseFloat(g.a || g.b), unit: g.ua || g.ub || "", rest };
      return [checkRow({ ...row, verb: "", cur: Boolean(g.a), sign: g.sign || "" })].filter(Boolean);
    }
    const rows = [];
    hits.forEach((h, k) => {
      let pre = t.slice(k ? hits[k - 1].end : 0, h.start);
      if (k) pre = pre.slice(lastTokenStart(pre));
      const tail = k + 1 < hits.length ? t.slice(h.end, hits[k + 1].start) : t.slice(h.end);
      const rest = k + 1 < hits.length ? tail.slice(0, lastTokenStart(tail)) : tail;
      // "你已砍了¥98.76", "共砍掉¥5": the owner's own total, not a friend's assist.
      if (BARE_VERB_RE.test(h.verb) && NOT_A_HELPER_BEFORE_BARE_VERB.test(pre.trim())) return;
      if (FOR_SOMEONE_ELSE_RE.test(pre.trim())) return;
      const row = checkRow({ ...h, pre, rest, guessName: k === 0 });
      if (row) rows.push(row);
    });
    return rows;
  }

  /**
   * Helper rows, in page order. A row is either one line ("小明 帮你砍了 ¥0.03 14:03") or a name line
   * followed by an action/amount line; bare amount lines ("¥0.03") count only inside a helper section.
   */
  function findHelpers(lines, excluded, sections, overlay) {
    const used = new Set();
    const rows = [];
    const lineText = (k) => (k >= 0 && k < lines.length && !excluded[k] && !used.has(k) ? lines[k].trimmed : null);
    for (let i = 0; i < lines.length; i++) {
      if (excluded[i] || used.has(i)) continue;
      let text = lines[i].trimmed;
      let last = i;
      // "小明 ⏎ 帮你砍了 ⏎ ¥0.03": the verb and its amount stacked in blocks of their own.
      const next = lineText(i + 1);
      if (next && VERB_END_RE.test(text) && AMOUNT_LINE_RE.test(next)) {
        text = `${text}${next}`;
        last = i + 1;
      }
      const found = matchRows(text, sections.has(i) || sections.has(last));
      for (const row of found) {
        const named = nameRow(row, i, lineText, found.length === 1);
        if (!named) continue;
        named.nameLines.forEach((k) => used.add(k));
        let at = named.at || (TIME_RE.exec(row.rest) || [""])[0].trim();
        let end = last;
        if (!at && found.length === 1) {
          const below = lineText(last + 1);
          if (below && TIME_ONLY_RE.test(below)) {
            at = below;
            end = last + 1;
            used.add(end);
          }
        }
        used.add(i);
        used.add(last);
        const helper = { name: named.name };
        if (row.unit === "%") helper.percent = row.value;
        else helper.amount = row.value;
        if (at) helper.at = at.slice(0, 64);
        rows.push({
          helper,
          unit: unitName(row.unit === "%" ? "" : row.unit),
          section: sections.has(i) ? sections.get(i) : sections.get(last),
          overlay: Boolean(overlay && (overlay.has(i) || overlay.has(last))),
          first: Math.min(i, ...named.nameLines),
          last: end,
          // How the row is written: rows of one list share it, a toast repeating one of them rarely does.
          template: [row.verb, row.cur ? "¥" : "", row.unit, row.sign, named.nameLines.length ? "stacked" : "inline"].join("|"),
        });
      }
    }
    return dropRepeatedRows(rows);
  }

  /**
   * The name of a helper row: from the text before its verb (falling back to the last token of that
   * text), "好友" for an anonymous friend, or, when nothing precedes the verb, a line above (at most
   * three up, skipping time-stamp or badge lines). Returns {name, at, nameLines} or null.
   */
  function nameRow(row, i, lineText, alone) {
    const whole = cleanName(row.pre);
    if (plausibleName(whole.name)) return { name: whole.name, at: whole.at, nameLines: [] };
    if (row.guessName && whole.name) {
      const last = cleanName(row.pre.slice(lastTokenStart(row.pre)));
      if (plausibleName(last.name)) return { name: last.name, at: last.at, nameLines: [] };
    }
    if (row.pre.trim()) return /好友/.test(row.pre) && !whole.name ? { name: "好友", at: whole.at, nameLines: [] } : null;
    if (!alone) return null;
    let at = "";
    const nameLines = [];
    for (let k = i - 1; k >= i - 3; k--) {
      const above = lineText(k);
      if (!above) return null;
      if (isFillerLine(above)) {
        if (!at && TIME_ONLY_RE.test(above)) at = above;
        nameLines.push(k);
        continue;
      }
      const c = cleanName(above);
      if (!plausibleName(c.name)) return null;
      nameLines.push(k);
      return { name: c.name, at: at || c.at, nameLines };
    }
    return null;
  }

  /**
   * A toast, banner or notice ("好友小明帮你砍了0.03元") repeating a helper row is not a second assist.
   * A row is *listed* when it belongs to a run of rows written the same way (same verb, currency sign,
   * unit, sign and layout; at most one line apart; not in a floating toast), or is in a helper section
   * that has no such run. Every listed row is kept (a friend may help twice with the same amount); a
   * row that is not listed is dropped when a row with the same name and amount is listed, and among
   * unlisted repeats only one is kept (the one in a helper section, not floating, else the first).
   */
  function dropRepeatedRows(rows) {
    let run = [];
    const closeRun = () => run.forEach((r) => (r.run = run.length));
    rows.forEach((r) => {
      const prev = run[run.length - 1];
      if (prev && !r.overlay && !prev.overlay && r.template === prev.template && r.first - prev.last <= 2) {
        run.push(r);
      } else {
        closeRun();
        run = [r];
      }
    });
    closeRun();
    const longest = new Map();
    rows.forEach((r) => {
      if (r.section !== undefined) longest.set(r.section, Math.max(longest.get(r.section) || 0, r.run));
    });
    rows.forEach((r) => {
      r.listed = r.run >= 2 || (r.section !== undefined && !r.overlay && longest.get(r.section) < 2);
    });
    const key = (r) => `${r.helper.name}\u0000${r.helper.amount}\u0000${r.helper.percent}`;
    const listed = new Set(rows.filter((r) => r.listed).map(key));
    const rank = (r) => (r.section !== undefined ? 2 : 0) + (r.overlay ? 0 : 1);
    const best = new Map();
    rows.forEach((r) => {
      if (r.listed || listed.has(key(r))) return;
      const held = best.get(key(r));
      if (!held || rank(r) > rank(held)) best.set(key(r), r);
    });
    return rows.filter((r) => r.listed || best.get(key(r)) === r);
  }

  Object.assign(P, { findHelpers });
})();
