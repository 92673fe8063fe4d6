// samePage (extension/lib/pagekey.js), which the watch uses to decide that its tab is still on the
// bargain it started on. pageIdentity itself is checked case by case against Python in
// tests/test_pagekey.py. Run by tests/test_extension_libs.py.
import assert from "node:assert/strict";
import { test } from "node:test";

import { pageIdentity, samePage } from "../../extension/lib/pagekey.js";

const START = "https://mobile.yangkeduo.com/bargain.html?activity_id=A1&refer_share_id=x1";

test("a new share or tracking parameter is still the same page", () => {
  for (const url of [
    "https://mobile.yangkeduo.com/bargain.html?activity_id=A1&refer_share_id=x2&_x_src=wx",
    "https://mobile.yangkeduo.com/bargain.html?refer_share_uid=9&activity_id=A1&utm_source=qq&ts=1700000000",
    "http://www.mobile.yangkeduo.com//bargain.html/?activity_id=A1#rules",
    "https://MOBILE.yangkeduo.com:443/bargain.html?activity_id=A1&goods_id=",
  ]) {
    assert.ok(samePage(START, url), url);
    assert.ok(samePage(url, START), url);
  }
});

test("another bargain, path or host is another page", () => {
  for (const url of [
    "https://mobile.yangkeduo.com/bargain.html?activity_id=A2",
    "https://mobile.yangkeduo.com/bargain.html?activity_id=A1&goods_id=5",
    "https://mobile.yangkeduo.com/bargain.html",
    "https://mobile.yangkeduo.com/goods.html?activity_id=A1",
    "https://mobile.yangkeduo.com:8443/bargain.html?activity_id=A1",
    "https://m.yangkeduo.com/bargain.html?activity_id=A1",
  ]) {
    assert.equal(samePage(START, url), false, url);
  }
});

test("no URL (a tab whose URL the extension may no longer read) is never the same page", () => {
  for (const missing of [undefined, null, "", 42]) {
    assert.equal(samePage(missing, START), false);
    assert.equal(samePage(START, missing), false);
  }
  assert.equal(samePage(undefined, undefined), false);
});

test("a URL Python refuses (ValueError) is never the same page, even as itself", () => {
  assert.throws(() => pageIdentity("http://example.com:99999/"));
  assert.equal(samePage("http://example.com:99999/", "http://example.com:99999/"), false);
  assert.throws(() => pageIdentity(undefined), TypeError);
});
