// Settings live in chrome.storage.local under "companion" {url, token} (docs/api.md): the service
// worker may be killed at any time, so nothing is kept in its globals.

export const DEFAULT_URL = "http://127.0.0.1:8765";
const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

export async function loadSettings() {
  const { companion } = await chrome.storage.local.get("companion");
  return { url: DEFAULT_URL, token: "", ...(companion || {}) };
}

export async function saveSettings({ url, token }) {
  const companion = { url: normaliseUrl(url), token: String(token || "").trim() };
  await chrome.storage.local.set({ companion });
  return companion;
}

/** Returns the URL without a trailing slash, or throws an Error with a Chinese message. */
export function normaliseUrl(url) {
  let parsed;
  try {
    parsed = new URL(String(url || "").trim() || DEFAULT_URL);
  } catch {
    throw new Error("助手地址格式不正确，应类似 http://127.0.0.1:8765");
  }
  if (parsed.protocol !== "http:" || !LOCAL_HOSTS.has(parsed.hostname)) {
    throw new Error("助手只在本机运行：地址必须是 http://127.0.0.1:端口 或 http://localhost:端口");
  }
  return parsed.origin;
}

/** The popup's choice of what a capture takes: the visible area, or the full page as well (#15). */
export const CAPTURE_MODES = Object.freeze({ VISIBLE: "visible", FULL_PAGE: "full_page" });

/** The last choice made in the popup; the toolbar click and the shortcut use it. */
export async function loadCaptureMode() {
  const { captureMode } = await chrome.storage.local.get("captureMode");
  return captureMode === CAPTURE_MODES.FULL_PAGE ? CAPTURE_MODES.FULL_PAGE : CAPTURE_MODES.VISIBLE;
}

export async function saveCaptureMode(mode) {
  const captureMode = mode === CAPTURE_MODES.FULL_PAGE ? CAPTURE_MODES.FULL_PAGE : CAPTURE_MODES.VISIBLE;
  await chrome.storage.local.set({ captureMode });
  return captureMode;
}
