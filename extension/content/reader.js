/*
 * Bargain Witness page reader: reads bargain progress figures (已砍/还差/百分比/倒计时/助力好友/活动规则)
 * from a page's visible TEXT, never from class names (Pinduoduo's are obfuscated and change).
 *
 * A classic script, injected with chrome.scripting.executeScript({files: ["content/reader.js"]}),
 * possibly several times into one page: everything lives in this IIFE and the only global it touches
 * is globalThis.BargainWitnessReader, which each injection simply reassigns.
 * The reading rules are documented in docs/reader.md; keep the two in step.
 */
(function () {
  "use strict";

  const VERSION = "1.1.0";
  const MAX_RULES_CHARS = 20000;
  const MAX_RAW_CHARS = 500;
  const MAX_HELPERS = 1000;
  const MAX_NAME_CHARS = 24;
  const MAX_BLOCKS = 60;
  const SCALAR_FIELDS = [
    "cut_amount", "remaining_amount", "cut_percent", "remaining_percent",
    "target_price", "countdown_seconds", "helper_count",
  ];
  const AMOUNT_FIELDS = ["cut_amount", "remaining_amount", "target_price"];
  // Placeholder for text excluded from figure parsing (rules, consumed lines): matches no pattern.
  const BLANK = "\u0001";

  // ---------------------------------------------------------------- normalisation

  const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF\u00AD\u180E]/;
  const ZERO_WIDTH_ALL = /[\u200B-\u200D\u2060\uFEFF\u00AD\u180E]/g;
  const CHAR_MAP = {
    "\uFF0E": ".", "\uFF05": "%", "\uFE6A": "%", "\uFF1A": ":", "\uFE55": ":", "\u2236": ":",
    "\uFFE5": "¥", "\uFF0B": "+", "\uFF0D": "-", "\u2212": "-", "\uFF0F": "/",
    "\u00A0": " ", "\u3000": " ", "\u202F": " ", "\u205F": " ", "\u2028": "\n", "\u2029": "\n",
  };

  const isDigit = (ch) => ch !== undefined && ch >= "0" && ch <= "9";
  const isSpace = (ch) => ch !== undefined && /\s/.test(ch);

  /**
   * Normalise page text character by character, keeping for every output character the index of
   * the source character it came from, so `raw` snippets and `rules_text` can quote the page exactly.
   */
  function normalise(input) {
    const src = typeof input === "string" ? input : "";
    const chars = [];
    const map = [];
    for (let i = 0; i < src.length; i++) {
      let c = src[i];
      const code = src.charCodeAt(i);
      if (ZERO_WIDTH.test(c)) continue;
      if (c === "\r") {
        if (src[i + 1] === "\n") continue;
        c = "\n";
      } else if (code >= 0xff10 && code <= 0xff19) {
        c = String.fromCharCode(code - 0xfee0);
      } else if (code >= 0x2000 && code <= 0x200a) {
        c = " ";
      } else if (Object.prototype.hasOwnProperty.call(CHAR_MAP, c)) {
        c = CHAR_MAP[c];
      }
      chars.push(c);
      map.push(i);
    }
    const out = [];
    const outMap = [];
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i];
      if (c === "," && isThousandsComma(chars, i)) continue;
      if (isSpace(c)) {
        let j = i;
        while (isSpace(chars[j])) j++;
        const skip = splitFigureGap(out, chars, i, j);
        if (skip) {
          // Drop the gap, and for "97⏎.⏎2" also the second one (the dot is kept).
          if (skip > j) {
            out.push(".");
            outMap.push(map[j]);
          }
          i = skip - 1;
          continue;
        }
        // Keep the whole run at once (a run is examined once: long runs stay linear).
        for (let k = i; k < j; k++) {
          out.push(chars[k]);
          outMap.push(map[k]);
        }
        i = j - 1;
        continue;
      }
      out.push(c);
      outMap.push(map[i]);
    }
    return { text: out.join(""), map: outMap, src };
  }

  const UNIT_START_RE = /^(?:%|元(?!旦)|(?:个|颗|枚)?(?:金币|钻石|积分|金豆))/;

  /**
   * Layout splits one figure into flex items or lines ("98⏎.76", "97⏎.⏎2⏎%", "¥⏎0.52", "0.52⏎元",
   * "+⏎¥1.20"). For the whitespace run chars[i, j) after the normalised text `out`, returns 0 to keep
   * it, j to drop it, or (for a dot alone on its line between digits) the index after the second gap.
   */
  function splitFigureGap(out, chars, i, j) {
    const prev = out[out.length - 1];
    const next = chars[j];
    const hasBreak = (a, b) => {
      for (let k = a; k < b; k++) if (chars[k] === "\n") return true;
      return false;
    };
    if (isDigit(prev) && next === ".") {
      if (isDigit(chars[j + 1])) return j;
      let k = j + 1;
      while (isSpace(chars[k])) k++;
      if (k > j + 1 && isDigit(chars[k]) && hasBreak(i, j) && hasBreak(j + 1, k)) return k;
      return 0;
    }
    if (prev === "¥" && isDigit(next)) return j;
    if (isDigit(prev) && hasBreak(i, j) && UNIT_START_RE.test(chars.slice(j, j + 4).join(""))) return j;
    // A sign alone on its line ("+" over "¥1.20").
    const before = out[out.length - 2];
    if ((prev === "+" || prev === "-") && (before === undefined || before === "\n") &&
      (next === "¥" || isDigit(next))) return j;
    return 0;
  }

  /** "9,800" / "1,299.00": a comma after 1-3 integer digits and before exactly three digits. */
  function isThousandsComma(chars, i) {
    if (!isDigit(chars[i - 1])) return false;
    for (let k = 1; k <= 3; k++) if (!isDigit(chars[i + k])) return false;
    if (isDigit(chars[i + 4])) return false;
    let j = i - 1;
    while (isDigit(chars[j])) j--;
    return chars[j] !== "." && i - 1 - j <= 3;
  }

  /**
   * The form used for raw snippets: zero-width characters dropped, whitespace collapsed, and no
   * whitespace left inside a number or clock that layout split across blocks ("¥ 98 .76" -> "¥98.76",
   * "23 : 59 : 12" -> "23:59:12"), nor before a unit that sits in a block of its own ("98.7⏎%").
   */
  function tidy(s) {
    return s.replace(ZERO_WIDTH_ALL, "").replace(/([\d０-９])[^\S\n]*\n\s*(?=[%％元]|(?:个|颗|枚)?(?:金币|钻石|积分|金豆))/g, "$1")
      .replace(/\s+/g, " ").trim()
      .replace(/([\d０-９]) ?([.．:：]) ?(?=[\d０-９])/g, "$1$2").replace(/([¥￥]) (?=[\d０-９])/g, "$1");
  }

  /** The exact page text behind normalised positions [start, end), tidied. */
  function sourceSlice(norm, start, end) {
    if (end <= start) return "";
    return norm.src.slice(norm.map[start], norm.map[end - 1] + 1);
  }

  // ---------------------------------------------------------------- patterns

  const NUM = String.raw`\d+(?:\.\d+)?`;
  const UNIT = String.raw`%|元|(?:个|颗|枚)?(?:金币|钻石|积分|金豆)`;
  const LABEL_GROUPS = {
    // 已砍 (amount or percent)
    cut: "已经砍(?:掉了?|了)?|已砍(?:掉了?|了)?|累计砍(?:掉了?|了)?|总共砍(?:掉了?|了)?|共砍(?:掉了?|了)?",
    // progress words that only ever precede a percent
    cutp: "已完成|砍价进度|助力进度|完成进度|当前进度|进度",
    // 还差 (amount or percent, a bare number is fine)
    rem: "还差|仅差|只差|就差|还需砍(?:掉)?|还需",
    // generic "left" words: need ¥ or a unit, or they would read counts and stock
    remw: "剩余金额|剩余|还剩|仅剩|剩|再砍|差",
    // the price being cut to zero: needs ¥ or a unit
    tgt: "商品价值|价值|目标金额|目标价格|目标价|砍价目标|共需砍|总需砍|需砍",
  };
  const LABEL_ALT = Object.entries(LABEL_GROUPS).map(([k, v]) => `(?<${k}>${v})`).join("|");
  const FILLER = "(?:金额|进度|价格|比例)?";
  const LABELLED_SRC =
    `(?:${LABEL_ALT})${FILLER}[\\s:]{0,6}(?<cur>¥\\s{0,2})?(?<num>${NUM})(?:\\s{0,3}(?<unit>${UNIT}))?`;
  const PAREN_PERCENT_RE = /^\s{0,2}[(（]\s{0,2}(\d+(?:\.\d+)?)\s{0,2}%\s{0,2}[)）]/;
  const CAPTION_RE = new RegExp(
    `^(?:${LABEL_ALT})${FILLER}\\s*(?:[(（]\\s*(?<unit>${UNIT})\\s*[)）]\\s*)?:?$`);
  const DURATION_START_RE = /^\d{1,3}\s*(?:天|小时|时|分钟|分|秒|:\s*\d)/;
  const VALUE_LINE_RE = new RegExp(`^(?<cur>¥\\s{0,2})?(?<num>${NUM})\\s{0,3}(?<unit>${UNIT})?$`);

  // After a unit-less number: words that make it a count, a size, a date or a time, not money.
  const NOT_MONEY_AFTER = new RegExp(
    "^(?:\\s{0,2}(?:[:\\-/]\\s?\\d|天|小时|时|分钟|分(?=\\s*\\d)|秒|人|位|名|次|件|个|刀|折|日|月|年|号|" +
    "斤|克|公斤|千克|kg|ml|mL|GB|TB|寸|万|亿|千|\\+|w|W))");

  const TIME_SRC = String.raw`(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s*|\d{1,2}[-/]\d{1,2}\s+|\d{1,2}月\d{1,2}日\s*|昨天\s*|今天\s*|前天\s*)?\d{1,2}:\d{2}(?::\d{2})?|\d{1,2}月\d{1,2}日|\d{1,2}-\d{1,2}|刚刚|(?<!\d)\d+\s*(?:秒|分钟|小时|天)前`;
  const TIME_RE = new RegExp(TIME_SRC);
  const TIME_ONLY_RE = new RegExp(`^(?:${TIME_SRC})$`);

  const DUR = String.raw`(?:(?<d>\d{1,3})\s{0,2}天\s{0,3})?(?:(?<h>\d{1,3})\s{0,3}:\s{0,3}(?<m>\d{1,2})\s{0,3}:\s{0,3}(?<s>\d{1,2})(?:\.\d{1,3})?|(?:(?<ch>\d{1,3})\s{0,2}个?(?:小时|时)\s{0,2})?(?:(?<cm>\d{1,3})\s{0,2}分钟?\s{0,2})?(?:(?<cs>\d{1,3})(?:\.\d{1,3})?\s{0,2}秒)?)`;
  const COUNTDOWN_BEFORE_SRC = String.raw`(?:剩余时间|剩余|还剩|仅剩|剩|倒计时|限时|距离?(?:活动|砍价|免费拿|本轮)?(?:结束|截止|失效|过期)(?:时间)?(?:还有|还剩|仅剩|剩余|只剩)?)[\s:]{0,4}(?=\d)` + DUR;
  // Words of other promotions (coupons, flash sales, shop offers, orders) and of a bargain.
  const PROMO_WORD_RE = /券|红包|秒杀|闪购|抢购|特卖|特价|开抢|满\d+元?(?:减|可用|可享|包邮)|立减|直降|折扣|\d(?:\.\d)?折|新人专享|订单|付款|支付|发货|收货|拼单|拼团|成团/;
  const BARGAIN_WORD_RE = /砍|助力|免费拿|免费领|0元拿|0元领/;
  const COUPON_AFTER_RE = /^\s{0,2}(?:即可|就可|便可|才能|才可|可|能)?\s{0,2}(?:用券|使用|用|享|减|包邮|免运费|免邮|起送|返|凑单|成团|拼成|升级|抵扣)/;
  const SHOP_OFFER_RE = /满\d+元?(?:减|可用|可享|包邮)|券|包邮/;
  const DATE_BEFORE_RE = /(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}|(?<![\d.])\d{1,2}[-/]\d{1,2}|\d{1,2}月\d{1,2})[日号]?\s*$/;
  const COUNTDOWN_AFTER_SRC = String.raw`(?<![\d.:])` + DUR + String.raw`\s{0,3}后将?(?:活动|砍价)?(?:结束|失效|过期|截止|关闭)`;

  const HELPER_COUNT_SRCS = [
    // 已有 5 位好友帮忙砍价 / 共 12 人助力
    { src: String.raw`(?:已有|共有|总共|共计|共|累计|已)\s{0,2}(?<n>\d+)\s{0,2}(?:位|个|名)?\s{0,2}(?:好友|朋友|人)\s{0,2}(?:已经|已|为你|帮你|给你|帮忙|来)?\s{0,2}(?:参与助力|助力|帮(?:你|忙|我)?砍|砍价)`, guard: false },
    // 12位好友已助力 / 12人帮你砍
    { src: String.raw`(?<![\d.])(?<n>\d+)\s{0,2}(?:(?:位|个|名)\s{0,2}(?:好友|朋友)|人)\s{0,2}(?:已经|已|为你|帮你|给你|帮忙)?\s{0,2}(?:助力|帮(?:你|忙|我)?砍)`, guard: true },
    // 助力好友（5）
    { src: String.raw`(?:好友助力榜|助力好友|好友助力|帮砍好友|砍价好友|助力记录|帮砍记录|砍价记录|助力榜)\s{0,2}[(（]\s{0,2}(?<n>\d+)\s{0,2}(?:人|位)?\s{0,2}[)）]`, guard: false },
    // 助力人数：5
    { src: String.raw`(?:助力|帮砍|砍价)(?:人数|好友数)\s{0,2}:?\s{0,2}(?<n>\d+)(?![\d.万亿千+])`, guard: true },
  ];
  // Just before a count: words that make it a target ("再邀请2人") or what is left ("剩余助力人数").
  const COUNT_GUARD_RE = /邀|再|需|差|剩|还要|最多|每|可/;

  const ENUM_RE = /^\s*(?:\d{1,2}\s*[.、):）](?!\d)|[（(]\s*\d{1,2}\s*[)）]|[一二三四五六七八九十]{1,3}\s*[、.:]|[\u2460-\u2473\u2776-\u277F]|[•·●▪◆■\-–—*]\s*\S)/;
  const RULE_WORDS_RE = /活动|规则|用户|好友|参与|有效|期间|平台|邀请/;
  const RULES_HEADER_RE = /^[\s【[〔「(（<《—–\-·•*]*(?:活动规则|活动说明|活动细则|活动须知|规则说明|玩法说明|玩法规则|玩法介绍|砍价规则|砍价须知|砍价说明|助力规则|助力须知|参与须知|规则)[\s】\]〕」)）>》—–\-·•*›〉]*(?::\s*(?<inline>.*))?$/;
  const HELPER_HEADER_RE = /^[\s【[—–\-·•]*(?:好友助力榜|好友助力记录|好友助力|助力好友|帮砍好友|砍价好友|好友帮砍|助力记录|帮砍记录|砍价记录|助力明细|帮砍明细|砍价明细|助力榜|砍价榜|帮砍榜|谁帮我砍了)/;
  // Other products on the page (recommendations, other people's bargains): a header line, optionally
  // with a short link after it ("更多 >", "查看全部").
  const OTHERS_HEADER_RE = /^[\s【[—–\-·•]*(?:为你推荐|猜你喜欢|热门推荐|精选推荐|相关推荐|好物推荐|今日推荐|店铺推荐|爆款推荐|推荐商品|推荐好物|你可能(?:还)?(?:会)?喜欢|相似商品|看了又看|更多好物|更多好货|更多商品|更多免费拿|更多砍价|大家都在砍|大家都在拿|大家都在买|大家还在砍|他们都在砍|热门砍价|热销榜单?|同店好货|其他商品|(?:我的)?其[他它]砍价|其[他它]免费拿)[\s】\]—–\-·•]*(?:(?:查看)?(?:更多|全部)\s*[>›〉»]?|[>›〉»])?$/;
  const CLOSE_RE = /^(?:我知道了|知道了|关闭|确定|好的|收起|×|✕)$/;
  const LIST_END_RE = /^(?:查看更多|查看全部|展开更多|展开全部|加载更多|没有更多了)/;
  // Shop vocabulary never found in a helper row: the list has ended and products follow.
  const SHOP_LINE_RE = /已拼|已售|包邮|券|红包|秒杀|无门槛|拼单价|单买价|原价|到手价|月销/;
  const PROGRESS_LINE_RE = /^(?:已砍|还差|仅差)[\s:]*(?:¥\s*)?\d/;

  const HELPER_VERBS = "帮你砍掉了|帮你砍掉|帮你砍了|帮你砍|帮我砍了|帮我砍|帮忙砍了|帮砍了|帮砍|为你砍掉了?|为你砍了|为你砍|给你砍了|砍掉了|砍掉|砍了|助力了|助力";
  const HELPER_VERB_SRC =
    `(?<verb>${HELPER_VERBS})\\s{0,2}:?\\s{0,2}(?<sign>[+-])?\\s{0,2}(?<cur>¥\\s{0,2})?(?<num>${NUM})(?:\\s{0,2}(?<unit>${UNIT}))?`;
  const HELPER_VERB_RE = new RegExp(HELPER_VERB_SRC);
  // Inside a helper section: "[rank] name ¥0.03 [time]" or a bare "¥0.03" under the name line.
  const SECTION_ROW_RE = new RegExp(
    `^(?<pre>.*?)(?<sign>[+-])?\\s{0,2}(?:¥\\s{0,2}(?<a>${NUM})(?:\\s{0,2}(?<ua>${UNIT}))?|(?<![\\d.])(?<b>${NUM})\\s{0,2}(?<ub>${UNIT}))(?<rest>.*)$`);
  const BARE_VERB_RE = /^(?:砍了|砍掉了?|助力了?)$/;
  // Stacked rows: a line ending with a verb ("帮你砍了", "小明 砍掉") over a line that is only an amount.
  const VERB_END_RE = new RegExp(`(?:${HELPER_VERBS})\\s{0,2}:?$`);
  const VERB_ONLY_RE = new RegExp(`^(?:${HELPER_VERBS})$`);
  const AMOUNT_LINE_RE = new RegExp(`^[+-]?\\s{0,2}(?:¥\\s{0,2})?${NUM}\\s{0,2}(?:${UNIT})?$`);
  const NOT_A_HELPER_BEFORE_BARE_VERB = /(?:已经|已|共|累计|总共|你|您|我|还|再|可|能|将|会|最多|最高|自己)$/;
  // "小红帮TA砍了¥2.00", "用户王**刚刚帮好友砍了¥3": someone helping someone else (another
  // product's card, a marquee of other people's bargains), never our helper.
  const FOR_SOMEONE_ELSE_RE = /(?:帮|为|给|替)\s{0,2}(?:TA|Ta|ta|他|她|它|别人|朋友|好友)(?:们)?$/;
  const NAME_SEPARATOR = /[\s，,、|·•;；。！!]/;
  const NAME_EDGE = /[\s:：，,、|·•\-—！!【】[\]「」]/;
  const BADGE_RE = /手气最佳|砍价进度第一|砍价王|助力王|最佳助力|首次助力|新人/g;
  const NAME_REJECT_RE = /邀请|分享|每位|每个|每人|最多|最高|最少|可以|预计|点击|立即|即可|就能|免费|规则|活动|还差|已砍|仅差|砍价|助力|帮你砍|你帮|我帮|您帮|后结束|剩余|倒计时|查看|更多|去砍|继续|自己|首刀|拼单|价格|原价|券|红包|秒杀|特价|特卖|优惠|折扣|满减|无门槛|[¥%]/;

  // ---------------------------------------------------------------- sections

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
      if (!field || countLike || !validNumber(field, value) || isCouponThreshold(scan, field, m.index, end)) {
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
        if (guard && COUNT_GUARD_RE.test(scan.slice(Math.max(0, m.index - 6), m.index))) {
          re.lastIndex = m.index + 1;
          continue;
        }
        const n = parseInt(m.groups.n, 10);
        if (!Number.isSafeInteger(n)) continue;
        if (!best || m.index < best.start) best = { value: n, start: m.index, end: m.index + m[0].length };
        break;
      }
    }
    return best;
  }

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
    lines.forEach((_, k) => {
      if (excluded[k]) blank(k);
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

  globalThis.BargainWitnessReader = { readPage, readFacts, readText, parseText, VERSION };
})();
