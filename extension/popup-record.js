// The popup's recording controls (docs/recording.md): 「开始录屏」/「停止录屏」 and the elapsed time
// while the tab is recorded. Firefox has no tab capture: the section says so instead of offering a
// button that cannot work.

import { MSG, send } from "./lib/messages.js";
import { UNSUPPORTED_SENTENCE, canRecordTabs, formatElapsed } from "./lib/recording-core.js";

const $ = (id) => document.getElementById(id);

let ticker = null;

function describe(recording, tabId, clockSkew) {
  if (!recording) return "先截一张图，再连续录下这个标签页，每 2 秒一段存证。";
  if (recording.tabId !== tabId) return "另一个标签页正在录屏：请先在那个标签页停止录屏。";
  const elapsed = formatElapsed(Date.now() + clockSkew - recording.startedAt);
  const queued = recording.queued ? `，其中 ${recording.queued} 段暂存在扩展中等助手可用后补传` : "";
  const error = recording.lastError ? ` ${recording.lastError}` : "";
  return `正在录屏：已录 ${elapsed}，已发送 ${recording.chunks} 段${queued}。${error}`;
}

function show(state, tabId) {
  const { recording, clockSkew } = state;
  const mine = Boolean(recording && recording.tabId === tabId);
  $("record-start").hidden = mine;
  $("record-start").disabled = Boolean(recording);
  $("record-stop").hidden = !mine;
  $("record-status").textContent = describe(recording, tabId, clockSkew);
  document.body.dataset.recording = mine ? "on" : "off";
  clearInterval(ticker);
  if (mine) ticker = setInterval(() => refresh(tabId), 1000);
}

async function refresh(tabId) {
  const status = await send(MSG.RECORD_STATUS);
  if (!status.ok) {
    $("record-status").textContent = status.error;
    return;
  }
  show({ recording: status.data.recording, clockSkew: status.data.now - Date.now() }, tabId);
}

export async function showRecording(tabId) {
  const section = $("record");
  section.hidden = false;
  if (!canRecordTabs()) {
    $("record-start").remove();
    $("record-stop").remove();
    $("record-status").textContent = UNSUPPORTED_SENTENCE;
    document.body.dataset.recording = "unsupported";
    return;
  }
  $("record-start").addEventListener("click", async () => {
    $("record-start").disabled = true;
    $("record-status").textContent = "正在截图并开始录屏…";
    const answer = await send(MSG.RECORD_START, { tabId });
    if (!answer.ok) {
      $("record-start").disabled = false;
      $("record-status").textContent = answer.error;
      document.body.dataset.recording = "error";
      return;
    }
    await refresh(tabId);
  });
  $("record-stop").addEventListener("click", async () => {
    $("record-stop").disabled = true;
    clearInterval(ticker);
    $("record-status").textContent = "正在停止录屏并发送最后一段…";
    const answer = await send(MSG.RECORD_STOP);
    $("record-stop").disabled = false;
    if (!answer.ok) {
      $("record-status").textContent = answer.error;
      return;
    }
    await refresh(tabId);
    const done = answer.data.recording;
    if (done) $("record-status").textContent = "录屏已停止并保存。在控制台的这张截图页面可以播放录像。";
    document.body.dataset.recording = "stopped";
  });
  await refresh(tabId);
}
