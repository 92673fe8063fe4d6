// The page source saved with every capture (issue #15): Chromium's MHTML of the tab
// (chrome.pageCapture, the "pageCapture" permission), else the serialised DOM (doctype +
// documentElement.outerHTML as UTF-8 text/html): Firefox has no pageCapture, and any failure of it
// falls back too. The activeTab grant of the click or shortcut covers both for as long as the tab
// stays on the page, so this runs right after the capture in the same flow (docs/api.md, "Capture files").

import { sendFile } from "./attachments.js";

const MAX_BYTES = 30 * 1024 * 1024; // the companion's cap for a page source
const MHTML_ATTEMPTS = 3;

/** Bytes as Base64, in slices (String.fromCharCode of a whole 30 MB array overflows the stack). */
export function toBase64(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

/**
 * The tab as MHTML bytes. The blob is read at once, inside the callback: Chromium keeps the MHTML
 * in a temporary file it may delete as soon as the call has answered ("A requested file or
 * directory could not be found" when read a moment later from a service worker).
 */
function saveMhtml(tabId) {
  if (!globalThis.chrome?.pageCapture?.saveAsMHTML) return Promise.reject(new Error("no pageCapture"));
  return new Promise((resolve, reject) => {
    chrome.pageCapture.saveAsMHTML({ tabId }, (blob) => {
      const failure = chrome.runtime.lastError;
      if (failure || !blob) reject(new Error(failure ? failure.message : "no MHTML"));
      else if (blob.size > MAX_BYTES) reject(new Error(`MHTML ${blob.size} bytes`));
      else blob.arrayBuffer().then((buffer) => resolve(new Uint8Array(buffer)), reject);
    });
  });
}

async function serialisedDom(tabId) {
  const [first] = await chrome.scripting.executeScript({
    target: { tabId },
    func: () => {
      const type = document.doctype ? new XMLSerializer().serializeToString(document.doctype) + "\n" : "";
      return type + document.documentElement.outerHTML;
    },
  });
  const html = first && typeof first.result === "string" ? first.result : "";
  if (!html) throw new Error("no DOM");
  return new TextEncoder().encode(html);
}

/**
 * The tab's source as a file for lib/attachments.js: {kind, mime, data_base64, part, meta}, or
 * {error} (Chinese) when neither form could be read (a page the browser protects).
 */
export async function readPageSource(tabId) {
  let why = "";
  // Chromium sometimes loses the MHTML's temporary file before it can be read (NotFoundError, seen
  // in about half the e2e runs): asked again, it comes. Any other failure goes to the DOM at once.
  for (let attempt = 1; attempt <= MHTML_ATTEMPTS; attempt += 1) {
    try {
      const bytes = await saveMhtml(tabId);
      if (bytes.length > 0) {
        const meta = { form: "mhtml", ...(attempt > 1 ? { attempts: attempt } : {}) };
        return { kind: "page_source", mime: "multipart/related", data_base64: toBase64(bytes), part: 0, meta };
      }
      why = "MHTML empty";
    } catch (err) {
      why = String(err.message || err); // Firefox, or Chromium refused (a protected page): the DOM instead
      if (err.name !== "NotFoundError") break;
    }
  }
  let bytes;
  try {
    bytes = await serialisedDom(tabId);
  } catch {
    return { error: "浏览器不允许读取此页面的源代码（例如浏览器内部页面）" };
  }
  if (bytes.length > MAX_BYTES) return { error: "页面源代码超过 30 MB，未保存" };
  const meta = { form: "dom", mhtml_unavailable: why.slice(0, 200) }; // kept: why this is not MHTML
  return { kind: "page_source", mime: "text/html", data_base64: toBase64(bytes), part: 0, meta };
}

/** Read the tab's source and send (or queue) it with the capture; the popup's line for it. */
export async function savePageSource(captureId, tabId) {
  const file = await readPageSource(tabId);
  if (file.error) return { state: "failed", text: `网页源文件：未保存（${file.error}）` };
  const sent = await sendFile(captureId, file);
  if (sent.ok) return { state: "saved", text: "网页源文件：已保存" };
  if (sent.queued) return { state: "queued", text: "网页源文件：已暂存，助手可用后自动补传" };
  return { state: "failed", text: `网页源文件：未保存（${sent.error}）` };
}
