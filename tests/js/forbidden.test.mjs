// Unit tests of extension/lib/forbidden.js: every page the browser forbids is explained in Chinese,
// and no English error of the browser reaches the popup (issue #12). Run by tests/test_extension_libs.py.
import assert from "node:assert/strict";
import { test } from "node:test";

import { FORBIDDEN_GENERIC, explainCaptureError, forbiddenPage } from "../../extension/lib/forbidden.js";

const LATIN_WORD = /[A-Za-z]{4,}/;

test("forbidden pages get a Chinese reason", () => {
  for (const url of [
    "about:blank",
    "chrome://extensions/",
    "chrome://newtab/",
    "edge://settings",
    "view-source:https://mobile.yangkeduo.com/",
    "https://chromewebstore.google.com/detail/abc",
    "https://chrome.google.com/webstore/category/extensions",
    "https://microsoftedge.microsoft.com/addons/detail/x",
    "https://addons.mozilla.org/zh-CN/firefox/",
    "file:///home/me/bargain.html",
    "https://example.com/rules.pdf",
    "chrome-extension://abcdefghijklmnop/options.html",
  ]) {
    const reason = forbiddenPage(url);
    assert.ok(reason, url);
    assert.match(reason, /[\u4e00-\u9fff]/, url);
  }
});

test("ordinary pages and file pages with access are not forbidden", () => {
  assert.equal(forbiddenPage("https://mobile.yangkeduo.com/bargain.html?goods_id=1"), "");
  assert.equal(forbiddenPage("http://127.0.0.1:8765/demo/index.html"), "");
  assert.equal(forbiddenPage("file:///home/me/bargain.html", { fileAccess: true }), "");
  assert.equal(forbiddenPage(undefined), "");
});

test("the browser's English capture errors become Chinese", () => {
  for (const error of [
    "截图失败：Cannot access contents of url \"chrome://extensions/\". Extension manifest must request permission to access this host.",
    "截图失败：The extensions gallery cannot be scripted.",
    "截图失败：Either the '<all_urls>' or 'activeTab' permission is required.",
  ]) {
    assert.equal(explainCaptureError(error, undefined), FORBIDDEN_GENERIC);
  }
  const odd = explainCaptureError("截图失败：Something unexpected happened", undefined);
  assert.doesNotMatch(odd, LATIN_WORD);
  assert.equal(explainCaptureError("截图失败：找不到标签页。", undefined), "截图失败：找不到标签页。");
  assert.match(explainCaptureError("x", "chrome://settings"), /浏览器自己的页面/);
});
