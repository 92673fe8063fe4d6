// The toolbar click IS the capture (docs/api.md): the service worker starts it on the click and
// opens this popup, which shows what was archived (opened any other way, it asks for a capture). A page that does not look like a bargain page
// (docs/reader.md) is not archived until the user answers 「仍然存证」; 「取消」 archives nothing.
// ?tabId=N lets tests and power users aim at a specific tab when the popup is opened as a page.

import { extrasOf, watchExtras } from "./lib/extras.js";
import { explainCaptureError, forbiddenPage } from "./lib/forbidden.js";
import { sessionLink } from "./lib/companion.js";
import { figureRows } from "./lib/format.js";
import { KINDS, MSG, send } from "./lib/messages.js";
import { CAPTURE_MODES, loadCaptureMode, loadSettings, saveCaptureMode } from "./lib/settings.js";
import { showRecording } from "./popup-record.js";

const $ = (id) => document.getElementById(id);
const SEVERITY_ZH = { critical: "严重", warning: "警告", info: "提示" };

async function targetTab() {
  const explicit = Number(new URLSearchParams(location.search).get("tabId"));
  if (explicit) {
    const tab = await chrome.tabs.update(explicit, { active: true });
    return tab;
  }
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  return tab;
}

function showStatus(kind, text) {
  const el = $("status");
  el.className = `status ${kind}`;
  el.textContent = text;
}

function showFigures(facts) {
  const rows = figureRows(facts || {});
  const list = $("figures");
  list.replaceChildren();
  for (const [label, value] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = label;
    const dd = document.createElement("dd");
    dd.textContent = value;
    list.append(dt, dd);
  }
  list.hidden = rows.length === 0;
  return rows.length;
}

/**
 * The campaign's incidents after this capture (docs/detection.md, Incidents): the worst one, how
 * many there are, and which ones this capture started or extended (their after_capture_id is this
 * capture). One frozen period is one incident, so the popup stays short however long it lasts.
 * An older companion that sends only findings: each finding is shown as its own incident.
 */
function showIncidents(result) {
  const incidents = Array.isArray(result.incidents)
    ? result.incidents
    : (result.findings || []).map((f) => ({ ...f, types: [f.type] }));
  const list = $("finding-list");
  list.replaceChildren();
  $("findings").hidden = incidents.length === 0;
  if (incidents.length === 0) return;
  $("findings-title").textContent = incidents.length > 1 ? `异常事件（共 ${incidents.length} 起）` : "发现的异常";
  const fresh = incidents.filter((x) => x.after_capture_id && x.after_capture_id === result.capture_id);
  const shown = [incidents[0], ...fresh.filter((x) => x !== incidents[0])].slice(0, 3);
  for (const x of shown) {
    const li = document.createElement("li");
    li.className = x.severity;
    const isNew = fresh.includes(x) ? "（本次截图新增或延续）" : "";
    li.textContent = `【${SEVERITY_ZH[x.severity] || x.severity}】${x.summary_zh}${isNew}`;
    list.append(li);
  }
  const more = incidents.length - shown.length;
  $("findings-more").textContent = more > 0 ? `另有 ${more} 起，请在控制台查看。` : "";
}

/**
 * The dashboard needs a session (docs/security.md): ask the companion, with this browser's token,
 * for a one-time link to the page and open that instead of the bare address.
 */
async function openDashboard(event, path) {
  event.preventDefault();
  try {
    const url = await sessionLink(await loadSettings(), path);
    await chrome.tabs.create({ url });
  } catch (err) {
    $("details").textContent = `无法打开控制台：${err.message}`;
  }
}

/**
 * The choice 「可见区域」/「整页」 (#15): remembered, and used by the next toolbar click and the
 * shortcut. The capture this popup shows was already taken with the choice it found.
 */
async function showMode() {
  const mode = await loadCaptureMode();
  for (const radio of document.querySelectorAll('input[name="mode"]')) {
    radio.checked = radio.value === mode;
    radio.addEventListener("change", async () => {
      const saved = await saveCaptureMode(radio.value);
      document.body.dataset.mode = saved;
      const hint = $("mode-hint");
      hint.textContent = saved === CAPTURE_MODES.FULL_PAGE ? "下次截图起会同时截取整页。" : "下次截图起只截取可见区域。";
      hint.hidden = false;
    });
  }
  document.body.dataset.mode = mode;
}

/** The lines of what was saved with the capture (page source, full page: lib/extras.js). */
function showExtras(lines) {
  const list = $("extras");
  list.replaceChildren();
  for (const line of lines) {
    const li = document.createElement("li");
    li.className = line.state;
    li.textContent = line.text;
    list.append(li);
  }
  list.hidden = lines.length === 0;
}

async function followExtras(captureId) {
  watchExtras(captureId, showExtras);
  showExtras(await extrasOf(captureId));
}

/** Show a capture reply: {ok: true, data: capture} or {ok: false, kind, error, data?: details}. */
function render(reply) {
  const result = { ...(reply.data || {}), ok: reply.ok, error: reply.error };
  const figures = showFigures(result.facts);
  if (result.ok) {
    const when = (result.taken_at || "").slice(11, 19);
    const note = result.notBargain
      ? "（按你的确认存证：此页面不是砍价页面，只保存了截图）"
      : figures || result.readError ? "" : "（未在页面上读到砍价进度，仅保存了截图）";
    showStatus("ok", `已存证 ✓ ${when}${note}`);
    $("details").textContent = `SHA-256 ${result.sha256.slice(0, 16)}…${result.duplicate ? "（重复提交，未重复保存）" : ""}`;
    const link = $("dashboard-link");
    const path = `/campaigns/${encodeURIComponent(result.campaign_id)}`;
    link.href = `${result.settingsUrl}${path}`;
    link.addEventListener("click", (event) => openDashboard(event, path));
    link.hidden = false;
    showIncidents(result);
  } else if (result.queued) {
    showStatus("queued", `${result.error} 截图已暂存在扩展中，助手可用后会自动补传。`);
  } else {
    showStatus("error", result.error || "截图失败。");
  }
  if (result.readError) $("details").textContent += ` ${result.readError}`;
  if (result.capture_id && (result.ok || result.queued)) followExtras(result.capture_id);
  document.body.dataset.state = result.ok ? "ok" : result.queued ? "queued" : "error";
}

function describeWatch(watch, tabId) {
  if (!watch) return "开启后，只要此标签页保持在前台且不跳转，会按间隔自动截图存证。";
  if (watch.stoppedReason) return watch.stoppedReason;
  if (watch.tabId !== tabId) return `正在定时存证另一个标签页（${watch.title || watch.url}）；在这里开启会改为存证此页。`;
  const skipped = watch.skipped ? `，${watch.skipped} 次因不在前台跳过` : "";
  return `定时存证中：每 ${watch.intervalMinutes} 分钟一次，已自动存证 ${watch.captures} 张${skipped}。${watch.lastError || ""}`;
}

async function showWatch(tabId) {
  const status = await send(MSG.WATCH_STATUS);
  const watch = status.ok ? status.data.watch : null;
  const toggle = $("watch-toggle");
  const interval = $("watch-interval");
  const active = Boolean(watch && !watch.stoppedReason && watch.tabId === tabId);
  toggle.checked = active;
  if (active) interval.value = String(watch.intervalMinutes);
  $("watch-status").textContent = describeWatch(watch, tabId);
  toggle.addEventListener("change", async () => {
    const answer = toggle.checked
      ? await send(MSG.WATCH_START, { tabId, intervalMinutes: Number(interval.value) })
      : await send(MSG.WATCH_STOP);
    if (!answer.ok) $("watch-status").textContent = answer.error;
    else $("watch-status").textContent = toggle.checked ? describeWatch(answer.data.watch, tabId) : "定时存证已停止。";
    document.body.dataset.watch = toggle.checked ? "on" : "off";
  });
  $("watch").hidden = false;
}

/**
 * The page is not a bargain page: say so and why, and ask. Nothing was sent; 「仍然存证」 captures
 * again with the user's confirmation, 「取消」 closes the popup.
 */
function ask(tabId, reply) {
  showStatus("ask", reply.error);
  const list = $("ask-reasons");
  list.replaceChildren();
  for (const reason of (reply.data && reply.data.reasons) || []) {
    const li = document.createElement("li");
    li.textContent = reason;
    list.append(li);
  }
  const confirm = $("ask-confirm");
  const cancel = $("ask-cancel");
  $("ask").hidden = false;
  document.body.dataset.state = "ask";
  confirm.focus();
  confirm.addEventListener("click", async () => {
    confirm.disabled = true;
    cancel.disabled = true;
    $("ask").hidden = true;
    showStatus("busy", "正在截图存证…");
    delete document.body.dataset.state;
    const answer = await send(MSG.CAPTURE, { tabId, confirmNotBargain: true });
    const delivered = answer.kind !== KINDS.NO_ANSWER && answer.kind !== KINDS.DISCONNECTED;
    render(delivered ? answer : { ok: false, error: "扩展后台没有响应，请重试。" });
    if (answer.ok) await showWatch(tabId);
  }, { once: true });
  cancel.addEventListener("click", () => {
    confirm.disabled = true;
    cancel.disabled = true;
    $("ask").hidden = true;
    showStatus("cancelled", "已取消：这个页面没有存证。");
    document.body.dataset.state = "cancelled";
    window.close();
  }, { once: true });
}

async function main() {
  await showMode();
  const tab = await targetTab();
  if (!tab) {
    render({ ok: false, error: "找不到要截图的标签页。" });
    return;
  }
  // A page the browser forbids (about:blank, chrome://, the web store…): say so in Chinese (#12).
  const fileAccess = await chrome.extension.isAllowedFileSchemeAccess().catch(() => false);
  const blocked = forbiddenPage(tab.url || tab.pendingUrl, { fileAccess });
  if (blocked) {
    showStatus("forbidden", blocked);
    document.body.dataset.state = "forbidden";
    return;
  }
  showRecording(tab.id).catch((err) => {
    $("record-status").textContent = `录屏不可用：${err.message}`;
  });
  // The click already started the capture in the service worker; take its result, else capture now.
  const started = await send(MSG.CLICK_RESULT, { tabId: tab.id });
  const none = started.ok && started.data && started.data.inFlight === false;
  const reply = none || started.kind === KINDS.UNKNOWN_TYPE ? await send(MSG.CAPTURE, { tabId: tab.id }) : started;
  if (!reply.ok && reply.kind === KINDS.CAPTURE) reply.error = explainCaptureError(reply.error, tab.url, { fileAccess });
  if (!reply.ok && reply.kind === KINDS.NOT_BARGAIN) {
    ask(tab.id, reply);
    return;
  }
  const delivered = reply.kind !== KINDS.NO_ANSWER && reply.kind !== KINDS.DISCONNECTED;
  render(delivered ? reply : { ok: false, error: "扩展后台没有响应，请重试。" });
  if (reply.ok) await showWatch(tab.id);
}

main().catch((err) => render({ ok: false, error: explainCaptureError(`截图失败：${err.message}`) }));
