/*
 * Bargain Witness page reader, part 1 of 5: the limits, the normalised text (full-width forms,
 * zero-width characters, figures split by markup) and the vocabulary every other part matches against.
 *
 * A classic script injected before content/reader.js (lib/capture.js READER_FILES, in that order),
 * possibly several times into one page: it fills globalThis.BargainWitnessReaderParts, the parts'
 * shared namespace, and takes what it needs from the parts before it. The reading rules are
 * documented in docs/reader.md; keep the two in step.
 */
(function () {
  "use strict";

  const P = (globalThis.BargainWitnessReaderParts = globalThis.BargainWitnessReaderParts || {});

  const VERSION = "1.2.0";
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
  const COUNT_GUARD_RE = /邀|再|需|差|剩|还要|最多|每|可|只要|满|达到|凑齐|集齐/;
  // After a count: what makes it a condition ("3人助力即可领取", "只要3位好友助力，就能免费拿") or
  // other people's success ("已有12345人砍价成功"), not how many helped this bargain.
  // On the count's own line only (spaces, not line breaks): a button under our count is not a condition.
  // 成功 only after 砍价 ("12345人砍价成功"): "5位好友助力成功" is this bargain's own count.
  const NOT_A_COUNT_AFTER_RE = /^[ \t\u3000]{0,2}[，,]?[ \t\u3000]{0,2}(?:即可|就能|就可|便可|才能|才可|可以|可领|可得|可获|免费拿|领取|领到|拿到)/;
  const SOCIAL_PROOF_AFTER_RE = /^[ \t\u3000]{0,2}(?:成功|免费拿到|拿到)/;
  // A line of other people's news: "恭喜 用户小** 已砍¥99.00 成功免费拿走", "138****2211 已砍¥59.90
  // 免费领到…" (a congratulation not addressed to the user, or a masked name that succeeded). Its
  // figures are someone else's.
  const NEWS_LINE_RE = /恭喜[\s!！,，、]*(?:用户|网友|买家|[^\s你您!！,，、*]{1,6}\*)|[^\s*]\*{2,}[^\n]{0,30}?(?:成功|拿走|领到|领取|到手)/;
  // After a 价值 amount: a gift or voucher's value ("价值¥100大礼包"), not the product being cut.
  const NOT_A_TARGET_AFTER_RE = /^\s{0,2}(?:的)?(?:新人|无门槛|通用|店铺)?(?:大礼包|礼包|好礼|礼品|奖品|红包|优惠券|券(?!后))/;

  const ENUM_RE = /^\s*(?:[QA问答]\s*:|\d{1,2}\s*[.、):）](?!\d)|[（(]\s*\d{1,2}\s*[)）]|[一二三四五六七八九十]{1,3}\s*[、.:]|[\u2460-\u2473\u2776-\u277F]|[•·●▪◆■\-–—*]\s*\S)/;
  const RULE_WORDS_RE = /活动|规则|用户|好友|参与|有效|期间|平台|邀请/;
  const RULES_HEADER_RE = /^[\s【[〔「(（<《—–\-·•*]*(?:活动规则|活动说明|活动细则|活动须知|规则说明|玩法说明|玩法规则|玩法介绍|砍价规则|砍价须知|砍价说明|助力规则|助力须知|参与须知|常见问题|常见问答|问题解答|规则)[\s】\]〕」)）>》—–\-·•*›〉]*(?::\s*(?<inline>.*))?$/;
  const HELPER_HEADER_RE = /^[\s【[—–\-·•]*(?:好友助力榜|好友助力记录|好友助力|助力好友|帮砍好友|砍价好友|好友帮砍|助力记录|帮砍记录|砍价记录|助力明细|帮砍明细|砍价明细|助力榜|砍价榜|帮砍榜|谁帮我砍了)/;
  // Other products on the page (recommendations, other people's bargains): a header line, optionally
  // with a short link after it ("更多 >", "查看全部").
  const OTHERS_HEADER_RE = /^[\s【[—–\-·•]*(?:为你推荐|猜你喜欢|热门推荐|精选推荐|相关推荐|好物推荐|今日推荐|店铺推荐|爆款推荐|推荐商品|推荐好物|你可能(?:还)?(?:会)?喜欢|相似商品|看了又看|更多好物|更多好货|更多商品|更多免费拿|更多砍价|大家都在砍|大家都在拿|大家都在买|大家还在砍|他们都在砍|热门砍价|热销榜单?|同店好货|其他商品|(?:我的)?其[他它]砍价|其[他它]免费拿|(?:这些|以下|更多)(?:商品|好物)?也能免费拿|你?(?:可能)?还想砍)[\s】\]—–\-·•]*(?:(?:查看)?(?:更多|全部)\s*[>›〉»]?|[>›〉»])?$/;
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

  Object.assign(P, {
    AMOUNT_FIELDS, AMOUNT_LINE_RE, BADGE_RE, BARE_VERB_RE, BARGAIN_WORD_RE, BLANK, CAPTION_RE, CLOSE_RE,
    COUNTDOWN_AFTER_SRC, COUNTDOWN_BEFORE_SRC, COUNT_GUARD_RE, COUPON_AFTER_RE, DATE_BEFORE_RE, DURATION_START_RE,
    ENUM_RE, NEWS_LINE_RE, NOT_A_COUNT_AFTER_RE, NOT_A_TARGET_AFTER_RE, SOCIAL_PROOF_AFTER_RE, FOR_SOMEONE_ELSE_RE, HELPER_COUNT_SRCS, HELPER_HEADER_RE, HELPER_VERBS, HELPER_VERB_RE, HELPER_VERB_SRC,
    LABELLED_SRC, LABEL_GROUPS, LIST_END_RE, MAX_BLOCKS, MAX_HELPERS, MAX_NAME_CHARS, MAX_RAW_CHARS, MAX_RULES_CHARS,
    NAME_EDGE, NAME_REJECT_RE, NAME_SEPARATOR, NOT_A_HELPER_BEFORE_BARE_VERB, NOT_MONEY_AFTER, OTHERS_HEADER_RE,
    PAREN_PERCENT_RE, PROGRESS_LINE_RE, PROMO_WORD_RE, RULES_HEADER_RE, RULE_WORDS_RE, SCALAR_FIELDS, SECTION_ROW_RE,
    SHOP_LINE_RE, SHOP_OFFER_RE, TIME_ONLY_RE, TIME_RE, VALUE_LINE_RE, VERB_END_RE, VERB_ONLY_RE, ZERO_WIDTH_ALL,
    normalise, sourceSlice, tidy, VERSION,
  });
})();
