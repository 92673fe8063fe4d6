// The popup's Chinese line for a capture's full page (issue #15): lib/fullpage.js reports it
// through lib/extras.js as the screens are taken and when it is saved, queued or not. Kept apart
// so node's test runner checks the wording (tests/js/fullpage-plan.test.mjs).

/**
 * The line for a status {state: saving (step/steps) | saved | queued | failed, parts, error}, or ""
 * when there is nothing to say.
 */
export function describeFullPage(status) {
  if (!status || typeof status !== "object") return "";
  const parts = Number(status.parts) > 1 ? `（${status.parts} 段）` : "";
  switch (status.state) {
    case "saving":
      return status.steps > 0 ? `正在截取整页（第 ${status.step}/${status.steps} 屏）…` : "正在截取整页…";
    case "saved":
      return `整页截图：已保存${parts}`;
    case "queued":
      return `整页截图：已暂存在扩展中${parts}，助手可用后会自动补传。`;
    case "failed":
      return `整页截图：未保存。${status.error || ""}`;
    default:
      return "";
  }
}
