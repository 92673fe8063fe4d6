// Where a capture's full page stands (issue #15), for the popup: the service worker records it in
// chrome.storage.session under FULL_PAGE_KEY as it goes (screens taken, then saved, queued or why
// not), and the popup words it in Chinese. Kept apart from lib/fullpage.js so the popup loads no
// capture code.

export const FULL_PAGE_KEY = "fullPage";

/** states: running (step/steps), saved, queued, failed (error). */
export const FULL_PAGE_STATES = Object.freeze(["running", "saved", "queued", "failed"]);

let chain = Promise.resolve();

/** Record a status; writes are kept in order, so a late progress line never overwrites the outcome. */
export function recordFullPage(status) {
  chain = chain.then(() => chrome.storage.session?.set({ [FULL_PAGE_KEY]: status })).catch(() => {});
  return chain;
}

/** The popup's line for a status, or "" when there is nothing to say. */
export function describeFullPage(status) {
  if (!status || typeof status !== "object") return "";
  const parts = Number(status.parts) > 1 ? `（${status.parts} 段）` : "";
  switch (status.state) {
    case "running":
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
