// The service worker's message router (extension/sw.js) under node with a stubbed chrome: every
// answer is a reply {ok: true, data} | {ok: false, kind, error}, and who may ask is unchanged.
// Run by tests/test_extension_libs.py. Nothing here touches the network or IndexedDB.
import assert from "node:assert/strict";
import { before, beforeEach, describe, test } from "node:test";

const EXT_ID = "abcdefghijklmnopabcdefghijklmnop";
const store = new Map();
const listeners = {};
const event = (name) => ({ addListener: (fn) => (listeners[name] = fn) });
const tabs = new Map();
const popupCalls = []; // action.setPopup calls, with whether onClicked was listened to by then

globalThis.chrome = {
  runtime: {
    id: EXT_ID,
    getURL: (path) => `chrome-extension://${EXT_ID}/${path}`,
    getManifest: () => ({ version: "0.0.0-test" }),
    onMessage: event("message"),
    onInstalled: event("installed"),
    onStartup: event("startup"),
  },
  commands: { onCommand: event("command") },
  action: {
    onClicked: event("clicked"),
    setPopup: async (details) => {
      popupCalls.push({ ...details, clickedListened: typeof listeners.clicked === "function" });
    },
  },
  alarms: { onAlarm: event("alarm"), create: async () => {}, clear: async () => true },
  tabs: {
    onRemoved: event("tabRemoved"),
    onUpdated: event("tabUpdated"),
    get: async (id) => {
      if (!tabs.has(id)) throw new Error(`No tab with id: ${id}.`);
      return tabs.get(id);
    },
  },
  storage: {
    local: {
      get: async (key) => (store.has(key) ? { [key]: structuredClone(store.get(key)) } : {}),
      set: async (items) => Object.entries(items).forEach(([k, v]) => store.set(k, structuredClone(v))),
      remove: async (key) => store.delete(key),
    },
    session: {
      get: async (key) => (store.has(`session:${key}`) ? { [key]: structuredClone(store.get(`session:${key}`)) } : {}),
      set: async (items) => Object.entries(items).forEach(([k, v]) => store.set(`session:${k}`, structuredClone(v))),
      remove: async (key) => store.delete(`session:${key}`),
    },
  },
};

const POPUP = { id: EXT_ID, url: `chrome-extension://${EXT_ID}/popup.html` };
const OPTIONS_TAB = { id: EXT_ID, tab: { id: 3 }, url: `chrome-extension://${EXT_ID}/options.html` };
const ON_12315 = { id: EXT_ID, tab: { id: 4 }, frameId: 0, url: "https://www.12315.cn/tousu" };
const ON_OTHER_SITE = { id: EXT_ID, tab: { id: 5 }, frameId: 0, url: "https://12315.cn.evil.example/" };
const RECORDER_PAGE = { id: EXT_ID, url: `chrome-extension://${EXT_ID}/offscreen.html` };
const OTHER_EXTENSION = { id: "zyxwvutsrqponmlkzyxwvutsrqponmlk", url: "chrome-extension://zyxwvutsrqponmlkzyxwvutsrqponmlk/x.html" };

let MSG;

/** Deliver a message as the browser would; resolves to the reply, or to NO_ANSWER. */
const NO_ANSWER = Symbol("no answer");
function dispatch(message, sender) {
  return new Promise((resolve) => {
    const keepOpen = listeners.message(message, sender, resolve);
    if (keepOpen !== true) resolve(NO_ANSWER);
  });
}
const envelope = (type, data = {}) => ({ type, target: "background", data });

before(async () => {
  ({ MSG } = await import("../../extension/lib/messages.js"));
  await import("../../extension/sw.js");
  assert.equal(typeof listeners.message, "function");
  assert.equal(typeof listeners.clicked, "function"); // the toolbar click captures in the worker
});

test("the worker takes the manifest's popup away only once it listens to the toolbar click", () => {
  // Before then a click opens the manifest's popup.html (which captures itself) instead of being
  // dropped by the browser for want of a listener (docs/performance.md, "The toolbar click").
  const global = popupCalls.filter((call) => call.tabId === undefined);
  assert.deepEqual(global, [{ popup: "", clickedListened: true }]);
});

describe("the toolbar click's result", () => {
  test("a popup opened without a click in flight is told so, and captures itself", async () => {
    assert.deepEqual(await dispatch(envelope(MSG.CLICK_RESULT, { tabId: 7 }), POPUP), {
      ok: true,
      data: { inFlight: false },
    });
  });
});

beforeEach(() => {
  store.clear();
  tabs.clear();
});

describe("our own pages", () => {
  test("watch-status answers {ok: true, data: {watch}}", async () => {
    assert.deepEqual(await dispatch(envelope(MSG.WATCH_STATUS), POPUP), { ok: true, data: { watch: null } });
  });

  test("watch-start and watch-stop answer the watch in data", async () => {
    tabs.set(7, { id: 7, url: "https://m.example.com/kj?goods_id=1", title: "砍价" });
    const started = await dispatch(envelope(MSG.WATCH_START, { tabId: 7, intervalMinutes: 5 }), POPUP);
    assert.equal(started.ok, true);
    assert.equal(started.data.watch.tabId, 7);
    assert.equal(started.data.watch.intervalMinutes, 5);
    const stopped = await dispatch(envelope(MSG.WATCH_STOP), OPTIONS_TAB);
    assert.equal(stopped.ok, true);
    assert.equal(stopped.data.watch.stoppedReason, "已手动停止");
  });

  test("a handler that throws answers kind internal with a Chinese sentence", async () => {
    const reply = await dispatch(envelope(MSG.WATCH_START, { tabId: 99, intervalMinutes: 5 }), POPUP);
    assert.deepEqual(reply, { ok: false, kind: "internal", error: "扩展内部出错：No tab with id: 99." });
  });

  test("an unknown type warns and answers kind unknown_type", async (t) => {
    const warn = t.mock.method(console, "warn", () => {});
    const reply = await dispatch(envelope("make-coffee"), POPUP);
    assert.equal(reply.ok, false);
    assert.equal(reply.kind, "unknown_type");
    assert.match(reply.error, /make-coffee/);
    assert.equal(warn.mock.callCount(), 1);
  });

  test("a complaint question while unpaired answers the companion's kind", async () => {
    const reply = await dispatch(envelope(MSG.COMPLAINT_CAMPAIGNS), POPUP);
    assert.equal(reply.ok, false);
    assert.equal(reply.kind, "unpaired");
    assert.match(reply.error, /^尚未配对/);
  });

  test("a message without target is not ours: no answer", async () => {
    assert.equal(await dispatch({ type: MSG.WATCH_STATUS, data: {} }, POPUP), NO_ANSWER);
    assert.equal(await dispatch(undefined, POPUP), NO_ANSWER);
  });
});

describe("content scripts", () => {
  test("on a complaint site: the complaint types are answered, in the reply shape", async () => {
    const reply = await dispatch(envelope(MSG.COMPLAINT_CAMPAIGNS), ON_12315);
    assert.equal(reply.ok, false);
    assert.equal(reply.kind, "unpaired");
    const other = await dispatch(envelope(MSG.COMPLAINT_DRAFT, { campaign_id: "c1", channel: "heimao" }), ON_12315);
    assert.deepEqual(other, { ok: false, kind: "rejected", error: "投诉渠道与当前网站不符。" });
  });

  test("on a complaint site: nothing else, not even an unknown type, gets an answer", async (t) => {
    const warn = t.mock.method(console, "warn", () => {});
    tabs.set(4, { id: 4, url: ON_12315.url });
    for (const type of [MSG.CAPTURE, MSG.CLICK_RESULT, MSG.FLUSH_OUTBOX, MSG.OUTBOX_COUNT, MSG.WATCH_START, MSG.WATCH_STATUS, "make-coffee"]) {
      assert.equal(await dispatch(envelope(type, { tabId: 4, intervalMinutes: 1 }), ON_12315), NO_ANSWER, type);
    }
    assert.equal(warn.mock.callCount(), 0);
    assert.equal(store.has("watch"), false);
  });

  test("recording (#15): the popup is told this browser can't record; pages may not send chunks", async () => {
    // This stub has no chrome.tabCapture, like Firefox.
    assert.deepEqual((await dispatch(envelope(MSG.RECORD_STATUS), POPUP)).data.supported, false);
    assert.equal((await dispatch(envelope(MSG.RECORD_STATUS), RECORDER_PAGE)).data.recording, null);
    const start = await dispatch(envelope(MSG.RECORD_START, { tabId: 4 }), POPUP);
    assert.equal(start.ok, false);
    tabs.set(4, { id: 4, url: ON_12315.url });
    const refused = await dispatch(envelope(MSG.RECORD_START, { tabId: 4 }), POPUP);
    assert.deepEqual(refused, { ok: false, kind: "capture", error: "Firefox 不支持录制标签页，请在 Chrome 或 Edge 中录屏。" });
    for (const type of [MSG.RECORD_CHUNK, MSG.RECORD_ENDED, MSG.RECORD_START, MSG.RECORD_STOP]) {
      assert.equal(await dispatch(envelope(type, { part: 0 }), ON_12315), NO_ANSWER, type);
      assert.equal(await dispatch(envelope(type, { part: 0 }), ON_OTHER_SITE), NO_ANSWER, type);
    }
  });

  test("on any other site, or from another extension: no answer at all", async () => {
    for (const sender of [ON_OTHER_SITE, OTHER_EXTENSION]) {
      for (const type of [MSG.COMPLAINT_CAMPAIGNS, MSG.COMPLAINT_DRAFT, MSG.WATCH_STATUS]) {
        assert.equal(await dispatch(envelope(type), sender), NO_ANSWER, `${type} from ${sender.url}`);
      }
    }
  });
});
