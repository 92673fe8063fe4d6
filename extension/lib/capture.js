// One capture: screenshot of the visible tab + the figures read from the page text, sent to the
// companion (or queued when it can't be reached). A page the reader does not recognise as a bargain
// (a shop, a product page, an order list: docs/reader.md) is not sent until the user confirms it.

import { flushAttachments, queuedCount as queuedFiles } from "./attachments.js";
import { CompanionError, postCapture } from "./companion.js";
import { rfc3339 } from "./format.js";
import { KINDS } from "./messages.js";
import * as outbox from "./outbox.js";
import { loadSettings } from "./settings.js";

export { rfc3339 } from "./format.js";

/** Why a page is not archived without asking (the popup and the badge title start with it). */
export const NOT_BARGAIN_SENTENCE = "这个页面看起来不是砍价页面，还没有存证。";

/**
 * Inject the page-text reader (and the product-name reader) and read the page: {facts, bargain, reasons}, `reasons` being the
 * reader's Chinese sentences saying why a page is not a bargain page (docs/reader.md). Pages we may
 * not script (chrome://, store) throw.
 */
export async function readPage(tabId) {
  await chrome.scripting.executeScript({ target: { tabId }, files: ["content/reader.js", "content/product.js"] });
  const [first] = await chrome.scripting.executeScript({
    target: { tabId },
    func: () => {
      const reading = globalThis.BargainWitnessReader.readPage(document);
      // The product names the campaign (docs/reader.md, "The product name"); a bargain page only.
      const product = reading && reading.bargain !== false && globalThis.BargainWitnessProduct.productName(document);
      return product ? { ...reading, facts: { ...reading.facts, product_name: product } } : reading;
    },
  });
  const reading = first && first.result;
  if (!reading || typeof reading !== "object") return { facts: {}, bargain: true };
  return {
    facts: reading.facts && typeof reading.facts === "object" ? reading.facts : {},
    bargain: reading.bargain !== false,
    reasons: Array.isArray(reading.reasons) ? reading.reasons.map((r) => String(r.text || "")).filter(Boolean) : [],
  };
}

function browserName() {
  const ua = navigator.userAgent;
  return ua.includes("Firefox/") ? `Firefox ${ua.split("Firefox/")[1]}` : ua;
}

const QUOTA_ERROR = "MAX_CAPTURE_VISIBLE_TAB_CALLS_PER_SECOND";

/**
 * Chromium allows ~2 captures per second; a double click or a held shortcut must not lose one. Any
 * other failure is tried once more after a moment: a click now captures at once (docs/performance.md),
 * not after the popup has loaded, and a busy browser's first readback can fail.
 */
async function captureVisible(windowId, attempts = 4) {
  for (let i = 1; ; i += 1) {
    try {
      return { takenAt: new Date(), dataUrl: await chrome.tabs.captureVisibleTab(windowId, { format: "png" }) };
    } catch (err) {
      const quota = String(err.message).includes(QUOTA_ERROR);
      if (i >= attempts || (!quota && i >= 2)) throw err;
      await new Promise((resolve) => setTimeout(resolve, quota ? 550 * i : 150));
    }
  }
}

export async function buildMessage(tab) {
  const { takenAt, dataUrl } = await captureVisible(tab.windowId);
  let page = { facts: {}, bargain: true, reasons: [] };
  let readError = "";
  try {
    page = await readPage(tab.id);
  } catch (err) {
    // Browser-internal and protected pages refuse scripts; the screenshot is still evidence.
    console.warn("砍价存证: page text not readable:", err.message);
    readError = "浏览器不允许读取此页面的文字（例如浏览器内部页面），仅保存了截图。";
  }
  const manifest = chrome.runtime.getManifest();
  return {
    message: {
      capture_id: crypto.randomUUID(),
      taken_at: rfc3339(takenAt),
      source: "extension",
      page: { url: tab.url || "about:blank", title: (tab.title || "").slice(0, 1000) },
      image: { mime: "image/png", data_base64: dataUrl.slice(dataUrl.indexOf(",") + 1) },
      facts: page.facts,
      client: { name: "bargain-witness-extension", version: manifest.version, browser: browserName().slice(0, 300) },
    },
    readError,
    bargain: page.bargain,
    reasons: page.reasons,
  };
}

/** Send (or queue) a built message; returns what the popup shows. */
export async function deliver(message) {
  const settings = await loadSettings();
  await outbox.enqueue(message); // durable first: the worker can die mid-request
  try {
    const { status, data } = await postCapture(settings, message);
    await outbox.remove(message.capture_id);
    return { ok: true, status, ...data, settingsUrl: settings.url };
  } catch (err) {
    if (!(err instanceof CompanionError)) throw err;
    if (!err.retryable) await outbox.remove(message.capture_id);
    return { ok: false, queued: err.retryable, errorKind: err.kind, error: err.message, settingsUrl: settings.url };
  }
}

/**
 * Resend everything queued, oldest first, then the queued files of those captures; stops at the first failure that is not the capture's fault.
 * `onProgress()` runs after each capture leaves the queue (the badge counts down as it drains).
 */
export async function flushOutbox(onProgress = async () => {}) {
  const settings = await loadSettings();
  let sent = 0;
  let rejected = 0;
  for (const message of await outbox.all()) {
    try {
      await postCapture(settings, message);
      await outbox.remove(message.capture_id);
      sent += 1;
    } catch (err) {
      if (!(err instanceof CompanionError) || err.retryable) break;
      await outbox.remove(message.capture_id);
      rejected += 1;
    }
    await onProgress();
  }
  // Then the files of the captures that have arrived (never before their capture: lib/attachments.js).
  const files = await flushAttachments();
  return { sent, rejected, remaining: await outbox.count(), files };
}

/**
 * Capture a tab and send it. A page that is not a bargain page is neither sent nor queued unless
 * `notBargainConfirmed` (the user said 「仍然存证」): the answer is then {ok: false, notBargain: true,
 * errorKind: not_bargain, error, reasons}. Confirmed, it is archived like any capture, with the
 * reader's facts for such a page (none: its figures are not a bargain's).
 */
export async function captureTab(tab, { notBargainConfirmed = false } = {}) {
  const { message, readError, bargain, reasons } = await buildMessage(tab);
  const notBargain = !bargain;
  if (notBargain && !notBargainConfirmed) {
    return { ok: false, queued: false, notBargain, errorKind: KINDS.NOT_BARGAIN, error: NOT_BARGAIN_SENTENCE, reasons, facts: {} };
  }
  // Older queued captures go first, so the companion receives the campaign in page order.
  const flushed = (await outbox.count()) + (await queuedFiles()) > 0 ? await flushOutbox() : null;
  const result = await deliver(message);
  return {
    ...result, flushed, capture_id: message.capture_id, taken_at: message.taken_at, facts: message.facts, readError,
    notBargain, reasons,
  };
}
