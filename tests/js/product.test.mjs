// Unit tests of extension/content/product.js (the product name that names a campaign, #12),
// loaded as the classic script it is. Run by tests/test_extension_libs.py.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import vm from "node:vm";

const SOURCE = readFileSync(new URL("../../extension/content/product.js", import.meta.url), "utf8");
const context = vm.createContext({});
vm.runInContext(SOURCE, context);
const { productNameOf } = context.BargainWitnessProduct;

test("a top-level heading that names a product wins over the generic title", () => {
  const headings = [
    { text: "砍价免费拿", level: 2 },
    { text: "加厚保温杯 316不锈钢 500ml 2只装", level: 1 },
  ];
  assert.equal(productNameOf({ headings, title: "砍价免费拿 - 拼多多" }), "加厚保温杯 316不锈钢 500ml 2只装");
});

test("bargain vocabulary and progress lines are never a name", () => {
  for (const text of ["我的砍价", "我发起的砍价", "好友助力榜 (4)", "砍价记录（3）", "还差¥0.52免费拿", "已砍99.9%", "砍价免费拿"]) {
    assert.equal(productNameOf({ headings: [{ text, level: 1 }] }), "", text);
  }
});

test("then og:title, then the title without the site's name", () => {
  assert.equal(productNameOf({ metaTitle: "  蓝牙耳机  降噪款 " }), "蓝牙耳机 降噪款");
  assert.equal(productNameOf({ title: "iPhone 16 手机壳 - 拼多多" }), "iPhone 16 手机壳");
  assert.equal(productNameOf({ title: "砍价免费拿 - 拼多多" }), "");
  assert.equal(productNameOf({}), "");
});

test("h3 and deeper are other sections (other products' cards), not the product", () => {
  assert.equal(productNameOf({ headings: [{ text: "电动牙刷", level: 3 }] }), "");
});

test("a name is at most 200 characters and a paragraph is not a name", () => {
  assert.equal(productNameOf({ headings: [{ text: "长".repeat(81), level: 1 }] }), "");
});
