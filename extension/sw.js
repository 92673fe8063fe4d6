// Background service worker: the only place captures are made and sent. Every message is an
// envelope {type, target, data} (lib/messages.js) and every answer a reply {ok: true, data} or
// {ok: false, kind, error}; only our own extension pages may ask for a capture. The form
// filler's content script (complaint sites only) may ask for campaigns and complaint drafts.

import { queuedCount as queuedFiles } from "./lib/attachments.js";
import { captureTab, flushOutbox } from "./lib/capture.js";
import { runExtras } from "./lib/extras.js";
import { COMPLAINT_TYPES, complaintSenderChannel, handleComplaintMessage } from "./lib/complaints.js";
import { KINDS, MSG, fail, isEnvelope, ok, replyFromError, unknownType } from "./lib/messages.js";
import * as outbox from "./lib/outbox.js";
import { canRecordTabs } from "./lib/recording-core.js";
import * as recording from "./lib/recording.js";
import { ALARM as WATCH_ALARM, getWatch, startWatch, stopWatch, watchTick } from "./lib/watch.js";

const RETRY_ALARM = "flush-outbox";
const NOT_ARCHIVED_BADGE = "未存";

async function updateBadge(result) {
  const pending = await outbox.count();
  if (result && !result.ok && !result.queued) {
    await chrome.action.setBadgeBackgroundColor({ color: "#cf222e" });
    await chrome.action.setBadgeText({ text: "!" });
    await chrome.action.setTitle({ title: `砍价存证：${result.error}` });
  } else if (pending > 0) {
    await chrome.action.setBadgeBackgroundColor({ color: "#bf8700" });
    await chrome.action.setBadgeText({ text: String(pending) });
    await chrome.action.setTitle({ title: `砍价存证：${pending} 张截图等待发送到助手` });
  } else {
    await chrome.action.setBadgeText({ text: "" });
    await chrome.action.setTitle({ title: "砍价存证：截图并读取进度" });
  }
}

/** Per-tab warning: the campaign on this tab has a critical finding (docs/detection.md). */
async function updateTabBadge(tabId, result) {
  const critical = (result && result.ok && result.findings ? result.findings : []).filter((f) => f.severity === "critical");
  // No critical finding: leave the tab alone so the global badge (queued captures) shows through;
  // Chromium clears tab-specific badges on navigation by itself.
  if (critical.length === 0) return;
  await chrome.action.setBadgeBackgroundColor({ tabId, color: "#cf222e" });
  await chrome.action.setBadgeText({ tabId, text: "!" });
  await chrome.action.setTitle({ tabId, title: `砍价存证：发现 ${critical.length} 项严重异常：${critical[0].summary_zh}` });
}

/**
 * A page the reader does not take for a bargain page was not archived: without a popup to ask in
 * (the keyboard shortcut), the tab's badge and title say so and why. Chromium clears tab-specific
 * badges when the tab navigates.
 */
async function showNotArchived(tabId, result) {
  const why = (result.reasons || []).join("");
  await chrome.action.setBadgeBackgroundColor({ tabId, color: "#6e7781" });
  await chrome.action.setBadgeText({ tabId, text: NOT_ARCHIVED_BADGE });
  await chrome.action.setTitle({
    tabId,
    title: `砍价存证：${result.error}${why}如确实要存证，请点击工具栏上的砍价存证按钮，再选「仍然存证」。`,
  });
}

/** Archived after all: the tab's "未存" badge and its sentence go, the global ones show through. */
async function clearNotArchived(tabId) {
  await chrome.action.setBadgeText({ tabId, text: null });
  await chrome.action.setTitle({ tabId, title: await chrome.action.getTitle({}) });
}

/** Capture a tab (click, shortcut or watch) and show the outcome on the toolbar button. */
async function captureAndReport(tab, options = {}) {
  let result;
  try {
    result = await captureTab(tab, options);
  } catch (err) {
    result = { ok: false, queued: false, errorKind: KINDS.CAPTURE, error: `截图失败：${err.message}` };
  }
  await chrome.storage.session?.set({ lastResult: result }).catch(() => {});
  // The page source (and the full page) after the capture is stored or queued, never delaying it;
  // the popup shows their lines as they arrive (lib/extras.js, issue #15).
  runExtras(tab, result, options).catch((err) => console.warn("砍价存证: extras failed:", err.message));
  if (result.errorKind === KINDS.NOT_BARGAIN) {
    await showNotArchived(tab.id, result);
    return result;
  }
  await updateBadge(result);
  if (result.ok && (await chrome.action.getBadgeText({ tabId: tab.id })) === NOT_ARCHIVED_BADGE) {
    await clearNotArchived(tab.id);
  }
  if (result.ok) await updateTabBadge(tab.id, result);
  return result;
}

/** A capture's outcome as a reply: the details (figures, queued or not) travel in data either way. */
function captureReply(result) {
  const { ok: delivered, error, errorKind, ...details } = result;
  if (delivered) return ok(details);
  return fail(errorKind || KINDS.CAPTURE, error || "截图失败。", details);
}

// The toolbar click captures at once (docs/performance.md, "The toolbar click"): once this worker has
// run, the action has no popup (see the end of this file), so the click reaches this worker directly
// instead of waiting for a popup to load;
// the popup opens beside the capture and shows its result (MSG.CLICK_RESULT). The promise is kept
// only until the popup asks (or a minute): a worker restarted meanwhile has none, and the popup
// then captures itself, as it did before.
const clicked = new Map(); // tabId -> the capture its last toolbar click started

chrome.action.onClicked.addListener((tab) => {
  // Popup first, in the click's own turn (Firefox opens one only from a user action's handler);
  // the capture starts in the same turn, so neither waits for the other.
  const set = chrome.action.setPopup({ tabId: tab.id, popup: "popup.html" });
  // Opened in the same turn, openPopup can lose the race with setPopup under load (no popup, seen
  // once in twenty runs): then it is asked once more after the popup is set (Chromium needs no user
  // action for that; where one is needed the retry fails quietly and the badge still shows the outcome).
  const shown = Promise.all([set, chrome.action.openPopup()]).catch(() => set.then(() => chrome.action.openPopup()));
  const capture = captureAndReport(tab);
  clicked.set(tab.id, capture);
  setTimeout(() => clicked.get(tab.id) === capture && clicked.delete(tab.id), 60_000);
  // No popup (an older browser, no focused window): the toolbar badge shows the outcome. Either
  // way the next click comes here again.
  shown.catch(() => {}).finally(() => chrome.action.setPopup({ tabId: tab.id, popup: "" }).catch(() => {}));
});

async function handle(message) {
  const data = message.data || {};
  switch (message.type) {
    case MSG.CLICK_RESULT: {
      const capture = clicked.get(data.tabId);
      if (!capture) return ok({ inFlight: false });
      clicked.delete(data.tabId);
      return captureReply(await capture);
    }
    case MSG.CAPTURE: {
      // confirmNotBargain: the user saw the popup's question about this page and chose 「仍然存证」.
      const tab = await chrome.tabs.get(data.tabId);
      return captureReply(await captureAndReport(tab, { notBargainConfirmed: data.confirmNotBargain === true }));
    }
    case MSG.FLUSH_OUTBOX: {
      const flushed = await flushOutbox(() => updateBadge(null));
      await updateBadge(null);
      await recording.retryFinishes(); // finished recordings the companion has not been told of
      return ok(flushed);
    }
    case MSG.OUTBOX_COUNT:
      return ok({ count: await outbox.count() });
    case MSG.WATCH_START: {
      const tab = await chrome.tabs.get(data.tabId);
      return ok({ watch: await startWatch(tab, data.intervalMinutes) });
    }
    case MSG.WATCH_STOP:
      return ok({ watch: await stopWatch() });
    case MSG.WATCH_STATUS:
      return ok({ watch: await getWatch() });
    case MSG.RECORD_START: {
      // The user chose to record this very tab: its opening capture needs no bargain-page question.
      const tab = await chrome.tabs.get(data.tabId);
      try {
        const started = await recording.startRecording(tab, (t) => captureAndReport(t, { notBargainConfirmed: true }));
        return ok({ recording: started.recording, capture: started.capture });
      } catch (err) {
        return fail(KINDS.CAPTURE, err.message);
      }
    }
    case MSG.RECORD_STOP:
      return ok({ recording: await recording.stopRecording() });
    case MSG.RECORD_STATUS:
      return ok({ supported: canRecordTabs(), recording: await recording.getRecording(), now: Date.now() });
    case MSG.RECORD_CHUNK:
      return ok(await recording.takeChunk(data));
    case MSG.RECORD_ENDED:
      return ok(await recording.recordingEnded(data));
    case MSG.COMPLAINT_CAMPAIGNS:
    case MSG.COMPLAINT_DRAFT:
      return handleComplaintMessage(message, "");
    default:
      return unknownType(message.type);
  }
}

function fromOwnPage(sender) {
  return sender.id === chrome.runtime.id && (!sender.tab || Boolean(sender.url?.startsWith(chrome.runtime.getURL(""))));
}

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (!isEnvelope(message)) return false;
  // Only our own pages (popup, options) may drive captures. A content script may only ask for
  // complaint campaigns/drafts, and only from a complaint site (12315.cn, tousu.sina.com.cn: the
  // browser-reported URL of the sending frame decides, never anything in the message).
  let answer;
  if (fromOwnPage(sender)) {
    answer = handle(message);
  } else if (COMPLAINT_TYPES.has(message.type)) {
    const channel = complaintSenderChannel(message.type, sender);
    if (!channel) return false;
    answer = handleComplaintMessage(message, channel);
  } else {
    return false;
  }
  answer.then(sendResponse, (err) => sendResponse(replyFromError(err)));
  return true;
});

chrome.commands.onCommand.addListener((command, tab) => {
  if (command === "capture-tab" && tab) captureAndReport(tab);
});

chrome.alarms.onAlarm.addListener(async (alarm) => {
  if (alarm.name === WATCH_ALARM) {
    // The watch was switched on from the popup after a capture of this very page (one the user
    // confirmed, if it was not a bargain page): its rounds need no new question.
    // Visible area only: scrolling the user's page every few minutes would get in the way.
    await watchTick((tab) => captureAndReport(tab, { notBargainConfirmed: true, fullPage: false }));
    return;
  }
  if (alarm.name !== RETRY_ALARM) return;
  if ((await outbox.count()) + (await queuedFiles()) > 0) {
    await flushOutbox(() => updateBadge(null));
    await updateBadge(null);
  }
  await recording.retryFinishes(); // after the queued chunks they finish
});

// A recorded tab that closes or leaves its page ends the recording cleanly (docs/recording.md).
chrome.tabs.onRemoved.addListener((tabId) => recording.onTabGone(tabId));
chrome.tabs.onUpdated.addListener((tabId, changeInfo) => {
  if (changeInfo.url) recording.onTabGone(tabId, changeInfo.url);
});

// Queued captures are retried every 30 s (Chromium's shortest alarm period for an installed
// extension), so they reach the companion within half a minute of it starting (issue #11).
const RETRY_PERIOD_MINUTES = 0.5;
chrome.runtime.onInstalled.addListener(() => {
  chrome.alarms.create(RETRY_ALARM, { periodInMinutes: RETRY_PERIOD_MINUTES });
});
chrome.runtime.onStartup.addListener(() => {
  chrome.alarms.create(RETRY_ALARM, { periodInMinutes: RETRY_PERIOD_MINUTES });
});

// The manifest keeps popup.html as the action's popup, and only this worker, after registering its
// listeners above, takes it away so that clicks come to action.onClicked. A click that arrives
// before then (the first seconds after install, update or a browser start, while the worker is
// still loading) would otherwise be lost: Chromium drops an event that has no listener yet (seen
// as a popup that never opened). Such an early click opens the popup instead, which captures
// through MSG.CAPTURE as it always could.
chrome.action.setPopup({ popup: "" }).catch(() => {});
