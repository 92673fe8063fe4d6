/**
 * The product a bargain page is for, as the page names it: the campaign's name (issue #12;
 * docs/reader.md, "The product name"). The page title is often just "砍价免费拿 - 拼多多", so the
 * title is the last place looked: first a top-level heading (h1, then h2), then the page's
 * og:title, then the title with the site's name cut off. A candidate that is only bargain
 * vocabulary ("我的砍价", "好友助力榜 (4)", "砍价免费拿") or reads like a progress line
 * ("还差¥0.52", "已砍99.9%") is skipped. Injected after reader.js; a classic script, so each
 * injection reassigns globalThis.BargainWitnessProduct.
 */
(() => {
  const MAX = 200;
  // Words that say "bargain page", never which product.
  const GENERIC_RE =
    /砍价|砍一刀|帮砍|免费拿|免费领|0元|零元|助力|拼多多|好友|邀请|帮我|我的|我发起的|发起|其他|记录|明细|须知|规则|活动|领取|榜|测试页|首页|详情|[\d\s()（）[\]【】\-–—|｜·:：!！?？,，.。、~～]/g;
  const PROGRESS_RE = /还差|已砍|仅差|已有|位好友|倒计时|剩余|[¥￥]|\d\s*[%％元]/;
  const SITE_SUFFIX_RE = /\s*[-–—|｜_]\s*(拼多多|多多|PDD|pinduoduo)[^-–—|｜_]*$/i;

  function clean(text) {
    return String(text || "").replace(/\s+/g, " ").trim();
  }

  function plausible(text) {
    if (!text || text.length > 80 || PROGRESS_RE.test(text)) return false;
    return text.replace(GENERIC_RE, "").length >= 2;
  }

  /** The product name from what a page shows: {headings: [{text, level}], metaTitle, title}. */
  function productNameOf({ headings = [], metaTitle = "", title = "" } = {}) {
    const byLevel = [1, 2].flatMap((level) => headings.filter((h) => h.level === level).map((h) => h.text));
    const candidates = [...byLevel, metaTitle, clean(title).replace(SITE_SUFFIX_RE, "")];
    for (const raw of candidates) {
      const text = clean(raw);
      if (plausible(text)) return text.slice(0, MAX);
    }
    return "";
  }

  /** The product name of a rendered page ("" when it names none). */
  function productName(doc = globalThis.document) {
    if (!doc || !doc.body) return "";
    const headings = Array.from(doc.body.querySelectorAll("h1,h2"), (el) => ({
      text: el.innerText || el.textContent || "",
      level: Number(el.tagName[1]),
    }));
    const meta = doc.querySelector('meta[property="og:title"]');
    const title = typeof doc.title === "string" ? doc.title : "";
    return productNameOf({ headings, metaTitle: meta ? meta.getAttribute("content") || "" : "", title });
  }

  globalThis.BargainWitnessProduct = { productName, productNameOf };
})();
