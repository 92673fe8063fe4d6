// Watch: capture the same tab every N minutes (docs/api.md, "Watch"). The toolbar click's activeTab grant
// lasts until the tab navigates or closes, so watching needs no extra permission; when the grant
// is gone (the page was reloaded or left) the watch stops and says so. State lives in storage.
// "The same page" is the companion's campaign identity (lib/pagekey.js): a share or tracking
// parameter may change, the bargain may not.

import { samePage } from "./pagekey.js";

export const ALARM = "watch";
export const INTERVALS = [1, 5, 10, 30];

export async function getWatch() {
  const { watch } = await chrome.storage.local.get("watch");
  return watch || null;
}

async function setWatch(watch) {
  if (watch) await chrome.storage.local.set({ watch });
  else await chrome.storage.local.remove("watch");
}

export async function startWatch(tab, intervalMinutes) {
  const minutes = Number(intervalMinutes);
  if (!(minutes > 0)) throw new Error("定时间隔无效");
  const watch = {
    tabId: tab.id, url: tab.url, title: tab.title || "", intervalMinutes: minutes,
    startedAt: new Date().toISOString(), captures: 0, skipped: 0, lastError: "", stoppedReason: "",
  };
  await setWatch(watch);
  await chrome.alarms.create(ALARM, { periodInMinutes: minutes });
  return watch;
}

export async function stopWatch(reason = "") {
  await chrome.alarms.clear(ALARM);
  const watch = await getWatch();
  if (!watch) return null;
  const stopped = { ...watch, stoppedReason: reason || "已手动停止", active: false };
  await setWatch(reason ? stopped : null);
  return stopped;
}

const PERMISSION_LOST = /activeTab|permission|Cannot access|Missing host/i;

/** One watch round: capture the watched tab (with ``capture``, the same path as a click) if it is
 * still in front; stop when the tab is gone or the browser took the capture grant back. */
let ticking = false; // in-flight guard only: a worker restart also ends the tick it guarded

export async function watchTick(capture) {
  if (ticking) return null; // the previous round is still capturing: skip rather than overlap
  ticking = true;
  try {
    return await tick(capture);
  } finally {
    ticking = false;
  }
}

async function tick(capture) {
  const watch = await getWatch();
  if (!watch || watch.stoppedReason) {
    await chrome.alarms.clear(ALARM);
    return null;
  }
  let tab;
  try {
    tab = await chrome.tabs.get(watch.tabId);
  } catch {
    return stopWatch("标签页已关闭，定时存证已停止。");
  }
  if (!samePage(tab.url, watch.url)) {
    return stopWatch("标签页已离开开始定时存证的砍价页面，定时存证已停止：回到该页面后再次点击扩展按钮并重新开启。");
  }
  if (!tab.active) {
    await setWatch({ ...watch, skipped: watch.skipped + 1, lastError: "标签页不在前台，本次跳过。" });
    return null;
  }
  const result = await capture(tab).catch((err) => ({ ok: false, error: err.message }));
  if (result.ok || result.queued) {
    await setWatch({ ...watch, captures: watch.captures + 1, lastError: result.ok ? "" : result.error });
  } else if (PERMISSION_LOST.test(result.error || "")) {
    return stopWatch("页面已刷新或跳转，浏览器收回了截图授权，定时存证已停止：请在砍价页面上再次点击扩展按钮并重新开启。");
  } else {
    await setWatch({ ...watch, lastError: result.error || "截图失败" });
  }
  return result;
}
