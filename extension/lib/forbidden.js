// Pages the browser forbids extensions to capture or read, explained in Chinese (issue #12): the
// browser's own error ("Cannot access contents of url …") must never reach the user.
// Pure: no chrome.* calls, so node's test runner checks it (tests/js/forbidden.test.mjs).

const STORES = [
  /^https:\/\/chrome\.google\.com\/webstore/i,
  /^https:\/\/chromewebstore\.google\.com/i,
  /^https:\/\/microsoftedge\.microsoft\.com\/addons/i,
  /^https:\/\/addons\.mozilla\.org/i,
];
const BROWSER_PAGES = /^(chrome|edge|brave|opera|vivaldi|chrome-untrusted|devtools|about|moz-extension|chrome-extension|extension|resource|chrome-search|view-source):/i;

export const FORBIDDEN_GENERIC =
  "浏览器不允许扩展在这个页面上截图或读取文字。浏览器内部页面（about:、chrome://、edge://）、扩展商店、" +
  "查看源代码页、PDF 查看器，以及未允许访问的本机文件（file://）都是如此。请切换到砍价页面后再点击按钮。";

/**
 * Why the browser will refuse this page, as a Chinese sentence, or "" when it should work.
 * `fileAccess`: whether the user allowed this extension to read file:// pages.
 */
export function forbiddenPage(url, { fileAccess = false } = {}) {
  if (typeof url !== "string" || url === "") return "";
  if (/^about:blank/i.test(url) || url === "about:newtab") {
    return "这是空白页（about:blank），没有可以存证的内容。请先打开砍价页面，再点击「砍价存证」按钮。";
  }
  if (/^view-source:/i.test(url)) {
    return "这是网页的源代码视图（view-source:），浏览器不允许扩展在这里截图。请回到砍价页面本身再点击按钮。";
  }
  if (BROWSER_PAGES.test(url)) {
    return "这是浏览器自己的页面（如设置、扩展程序、新标签页），浏览器不允许任何扩展在这里截图或读取文字。请切换到砍价页面后再点击按钮。";
  }
  if (STORES.some((re) => re.test(url))) {
    return "这是浏览器的扩展商店页面，浏览器禁止扩展在商店页面上运行。请切换到砍价页面后再点击按钮。";
  }
  if (/^file:/i.test(url) && !fileAccess) {
    return "这是本机文件（file://）。要为本机文件截图，请在浏览器的扩展详情页为「砍价存证」开启「允许访问文件网址」，然后重试。";
  }
  if (/\.pdf(?:[?#]|$)/i.test(url)) {
    return "这是 PDF 文件，浏览器用内置的 PDF 查看器显示它，不允许扩展在其中截图或读取文字。请在砍价页面上使用。";
  }
  return "";
}

/**
 * A capture failure in Chinese: the page's reason when the URL says it, the general one when the
 * browser's own (English) message names a forbidden page, else a short Chinese sentence.
 */
export function explainCaptureError(error, url, options) {
  const reason = forbiddenPage(url, options);
  if (reason) return reason;
  const text = String(error || "");
  if (/cannot access|cannot be scripted|extensions gallery|chrome:\/\/|edge:\/\/|permission|activeTab|all_urls/i.test(text)) {
    return FORBIDDEN_GENERIC;
  }
  if (/[A-Za-z]{3,}/.test(text.replace(/bargain-witness\s+\w+|SHA-256|https?:\/\/\S+/g, ""))) {
    return "截图失败：浏览器拒绝了这次截图。请刷新页面后重试；若仍失败，请确认当前是普通网页（不是浏览器内部页面或扩展商店）。";
  }
  return text || "截图失败。";
}
