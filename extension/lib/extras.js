// What is saved with a capture besides its visible screenshot (issue #15): the page source
// (lib/pagesource.js), the full page (lib/fullpage.js). The service worker runs them after the
// visible capture is stored or queued (never before: its POST is the benchmarked click → stored
// time, docs/performance.md), one after another, and each reports one Chinese line
// (「网页源文件：已保存」) that the popup shows as it arrives (chrome.storage.session, per capture).

import { fullPageExtra } from "./fullpage.js";
import { savePageSource } from "./pagesource.js";

const KEY = "extras";
const KEPT = 5; // the newest captures' lines; a popup only ever shows its own capture's

async function readAll() {
  if (!chrome.storage?.session) return {};
  const stored = await chrome.storage.session.get(KEY).catch(() => ({}));
  return (stored && stored[KEY]) || {};
}

/** Record one extra's line for a capture: {state: saving|saved|queued|failed, text}. */
export async function reportExtra(captureId, name, line) {
  if (!chrome.storage?.session) return;
  const all = await readAll();
  const entry = all[captureId] || { at: Date.now(), lines: {} };
  entry.lines[name] = line;
  all[captureId] = entry;
  const newest = Object.entries(all).sort((a, b) => b[1].at - a[1].at).slice(0, KEPT);
  await chrome.storage.session.set({ [KEY]: Object.fromEntries(newest) }).catch(() => {});
}

/** The lines of one capture's extras, in the order they were started. */
export async function extrasOf(captureId) {
  const entry = (await readAll())[captureId];
  return entry ? Object.values(entry.lines) : [];
}

/** Call `listener(lines)` whenever this capture's lines change (the popup). */
export function watchExtras(captureId, listener) {
  if (!chrome.storage?.session) return;
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area !== "session" || !changes[KEY]) return;
    const entry = (changes[KEY].newValue || {})[captureId];
    if (entry) listener(Object.values(entry.lines));
  });
}

async function step(captureId, name, savingText, run) {
  await reportExtra(captureId, name, { state: "saving", text: savingText });
  let line;
  try {
    line = await run();
  } catch (err) {
    line = { state: "failed", text: `${savingText.replace("正在保存…", "")}未保存（${err.message}）` };
  }
  await reportExtra(captureId, name, line);
}

/**
 * After a capture (click, shortcut or watch): the extras for its capture id, when it was stored
 * or queued (a page not archived gets none). Not awaited by the caller.
 */
export async function runExtras(tab, result, options = {}) {
  if (!result || !result.capture_id || !(result.ok || result.queued)) return;
  const id = result.capture_id;
  // The full page first when the popup's choice is 「整页」 (never for the watch: options.fullPage
  // false): its frames should follow the visible screenshot as closely as possible, and in Firefox
  // a capture right after the page source's script injection was seen to hang.
  if (options.fullPage !== false) await fullPageExtra(tab, id, (line) => reportExtra(id, "full_page", line));
  await step(id, "page_source", "网页源文件：正在保存…", () => savePageSource(id, tab.id));
}
