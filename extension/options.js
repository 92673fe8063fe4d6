// Options page: pairing with the companion (a code the user confirms on the dashboard, then a
// token bound to this browser), or the legacy pasted token; both end in chrome.storage.local
// "companion" {url, token}. The connection is checked as soon as the page opens, so a stopped
// companion or a revoked pairing shows here rather than at the next bargain (#11, #12).

import { getStatus, pollPairing, sessionLink, startPairing } from "./lib/companion.js";
import { MSG, send } from "./lib/messages.js";
import { loadSettings, normaliseUrl, saveSettings } from "./lib/settings.js";

const $ = (id) => document.getElementById(id);
const POLL_MS = 1000;

function showResult(kind, text) {
  $("result").className = `result ${kind}`;
  $("result").textContent = text;
  document.body.dataset.result = kind;
}

function showConnection(kind, text) {
  $("connection").className = `result ${kind}`;
  $("connection").textContent = text;
  document.body.dataset.connection = kind;
}

async function refreshOutbox() {
  const reply = await send(MSG.OUTBOX_COUNT);
  if (reply.ok) $("outbox-count").textContent = String(reply.data.count);
}

/** The stored settings against the companion: connected, not paired, or why not. */
async function checkConnection() {
  const settings = await loadSettings();
  if (!settings.token) {
    showConnection("error", "尚未配对：请点「与助手配对」。");
    return;
  }
  try {
    const { data } = await getStatus(settings);
    showConnection("ok", `已连接：砍价存证助手 ${data.version}（${settings.url}）。`);
  } catch (err) {
    showConnection("error", err.message);
  }
}

async function connected(settings, prefix) {
  try {
    const { data } = await getStatus(settings);
    const flushed = await send(MSG.FLUSH_OUTBOX);
    const extra = flushed.ok && flushed.data.sent ? `，并补传了 ${flushed.data.sent} 张暂存的截图` : "";
    showResult("ok", `${prefix}连接成功：砍价存证助手 ${data.version}${extra}。`);
  } catch (err) {
    showResult("error", `${prefix}但连接失败：${err.message}`);
  }
  await checkConnection();
  await refreshOutbox();
}

async function onSave(event) {
  event.preventDefault();
  let settings;
  try {
    settings = await saveSettings({ url: $("url").value, token: $("token").value });
  } catch (err) {
    showResult("error", err.message);
    return;
  }
  $("url").value = settings.url;
  await connected(settings, "已保存。");
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function onPair() {
  let url;
  try {
    url = normaliseUrl($("url").value);
  } catch (err) {
    showResult("error", err.message);
    return;
  }
  $("pair").disabled = true;
  try {
    await pair(url);
  } finally {
    $("pair").disabled = false;
    $("pair-box").hidden = true;
    delete document.body.dataset.pairCode;
  }
}

async function pair(url) {
  let started;
  try {
    started = await startPairing(url);
  } catch (err) {
    showResult("error", `无法请求配对：${err.message}`);
    return;
  }
  $("pair-code").textContent = started.code;
  $("pair-box").hidden = false;
  document.body.dataset.pairCode = started.code;
  $("result").className = "result busy";
  $("result").textContent = `配对码 ${started.code}：请在助手控制台的「设置与配对」页确认相同的配对码（5 分钟内有效）。`;
  for (;;) {
    await wait(POLL_MS);
    let answer;
    try {
      answer = await pollPairing(url, started.request_id);
    } catch (err) {
      showResult("error", `配对中断：${err.message}`);
      return;
    }
    if (answer.status === "confirmed") {
      const settings = await saveSettings({ url, token: answer.token });
      $("token").value = settings.token;
      await connected(settings, "配对成功。");
      return;
    }
    if (answer.status === "denied") {
      showResult("error", "配对被拒绝：控制台上拒绝了这个请求。如是误操作，请重新点「与助手配对」。");
      return;
    }
    if (answer.status === "expired") {
      showResult("error", "配对码已过期：请重新点「与助手配对」。");
      return;
    }
  }
}

async function onOpenDashboard() {
  try {
    const url = await sessionLink(await loadSettings(), "/settings");
    await chrome.tabs.create({ url });
  } catch (err) {
    showResult("error", `无法打开控制台：${err.message}`);
  }
}

async function onCopyToken() {
  try {
    await navigator.clipboard.writeText($("token").value);
    showResult("ok", "令牌已复制。请勿告诉他人。");
  } catch {
    showResult("error", "无法复制：请勾选「显示令牌」后手动复制。");
  }
}

async function onFlush() {
  const reply = await send(MSG.FLUSH_OUTBOX);
  if (!reply.ok) {
    showResult("error", reply.error);
  } else {
    const flushed = reply.data;
    showResult(flushed.remaining ? "error" : "ok",
      flushed.remaining ? `补传了 ${flushed.sent} 张，还有 ${flushed.remaining} 张未能发送（助手是否已运行、是否已配对？）。` : `补传完成：${flushed.sent} 张。`);
  }
  await refreshOutbox();
}

async function main() {
  // Listeners first, before anything is awaited: a click on 保存 must never fall through to the
  // form's native submit (which would reload the page with the token in its URL).
  $("settings-form").addEventListener("submit", onSave);
  $("pair").addEventListener("click", onPair);
  $("open-dashboard").addEventListener("click", onOpenDashboard);
  $("copy-token").addEventListener("click", onCopyToken);
  $("flush").addEventListener("click", onFlush);
  $("show-token").addEventListener("change", (e) => {
    $("token").type = e.target.checked ? "text" : "password";
  });
  // The stored settings arrive asynchronously, often after the page has loaded. The fields stay
  // disabled (options.html) until they are in, so nothing typed is overwritten by them.
  try {
    const settings = await loadSettings();
    $("url").value = settings.url;
    $("token").value = settings.token;
  } finally {
    $("settings-fields").disabled = false;
  }
  await Promise.all([checkConnection(), refreshOutbox()]);
}

main();
