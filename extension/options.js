// Options page: writes chrome.storage.local "companion" {url, token} and tests them at once, so a
// wrong token or a stopped companion is found here rather than at the next bargain.

import { getStatus } from "./lib/companion.js";
import { MSG, send } from "./lib/messages.js";
import { loadSettings, saveSettings } from "./lib/settings.js";

const $ = (id) => document.getElementById(id);

function showResult(kind, text) {
  $("result").className = `result ${kind}`;
  $("result").textContent = text;
  document.body.dataset.result = kind;
}

async function refreshOutbox() {
  const reply = await send(MSG.OUTBOX_COUNT);
  if (reply.ok) $("outbox-count").textContent = String(reply.data.count);
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
  try {
    const { data } = await getStatus(settings);
    const flushed = await send(MSG.FLUSH_OUTBOX);
    const extra = flushed.ok && flushed.data.sent ? `，并补传了 ${flushed.data.sent} 张暂存的截图` : "";
    showResult("ok", `已保存。连接成功：砍价存证助手 ${data.version}${extra}。`);
  } catch (err) {
    showResult("error", `已保存，但连接失败：${err.message}`);
  }
  await refreshOutbox();
}

async function onFlush() {
  const reply = await send(MSG.FLUSH_OUTBOX);
  if (!reply.ok) {
    showResult("error", reply.error);
  } else {
    const flushed = reply.data;
    showResult(flushed.remaining ? "error" : "ok",
      flushed.remaining ? `补传了 ${flushed.sent} 张，还有 ${flushed.remaining} 张未能发送（助手是否已运行、令牌是否正确？）。` : `补传完成：${flushed.sent} 张。`);
  }
  await refreshOutbox();
}

async function main() {
  // Listeners first, before anything is awaited: a click on 保存 must never fall through to the
  // form's native submit (which would reload the page with the token in its URL).
  $("settings-form").addEventListener("submit", onSave);
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
  await refreshOutbox();
}

main();
