// Unit tests of extension/lib/messages.js (and its classic-script core) under node's test runner,
// with a stubbed chrome.runtime. Run by tests/test_extension_libs.py.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { afterEach, describe, test } from "node:test";
import vm from "node:vm";

import { CompanionError } from "../../extension/lib/companion.js";
import * as messages from "../../extension/lib/messages.js";

const { KINDS, MSG, TARGET, fail, isEnvelope, isReply, ok, replyFromError, send, unknownType } = messages;
const CORE = new URL("../../extension/lib/messages-core.js", import.meta.url);

afterEach(() => {
  delete globalThis.chrome;
});

/** A chrome.runtime whose sendMessage records the envelope and answers with `answer(envelope)`. */
function stubRuntime(answer, id = "bargain-witness-test") {
  const sent = [];
  globalThis.chrome = {
    runtime: {
      id,
      sendMessage: async (envelope) => {
        sent.push(structuredClone(envelope));
        return answer(envelope);
      },
    },
  };
  return sent;
}

describe("constants", () => {
  test("every message type used by the extension, frozen, unique", () => {
    assert.deepEqual(Object.values(MSG).sort(), [
      "capture",
      "click-result",
      "complaint-campaigns",
      "complaint-draft",
      "flush-outbox",
      "outbox-count",
      "record-chunk",
      "record-ended",
      "record-start",
      "record-status",
      "record-stop",
      "recorder-start",
      "recorder-stop",
      "watch-start",
      "watch-status",
      "watch-stop",
    ]);
    assert.ok(Object.isFrozen(MSG));
    assert.throws(() => {
      MSG.CAPTURE = "x";
    }, TypeError);
    assert.equal(TARGET, "background");
  });

  test("the reply kinds include the companion's and the router's", () => {
    for (const kind of ["offline", "unpaired", "auth", "rejected", "server", "unknown_type", "internal"]) {
      assert.ok(Object.values(KINDS).includes(kind), kind);
    }
    assert.ok(Object.isFrozen(KINDS));
  });

  test("the module re-exports the very objects of the global the content script uses", () => {
    const core = globalThis.BargainWitnessMessages;
    assert.equal(MSG, core.MSG);
    assert.equal(KINDS, core.KINDS);
    assert.equal(send, core.send);
    assert.equal(fail, core.fail);
  });

  test("messages-core.js runs as a classic script (as the manifest loads it before formfill.js)", () => {
    const sandbox = vm.createContext({});
    vm.runInContext(readFileSync(CORE, "utf8"), sandbox, { filename: "messages-core.js" });
    const core = sandbox.BargainWitnessMessages;
    assert.deepEqual({ ...core.MSG }, { ...MSG });
    assert.deepEqual({ ...core.KINDS }, { ...KINDS });
    assert.equal(typeof core.send, "function");
  });
});

describe("reply builders", () => {
  test("ok wraps the data; no data is null", () => {
    assert.deepEqual(ok({ count: 2 }), { ok: true, data: { count: 2 } });
    assert.deepEqual(ok(), { ok: true, data: null });
    assert.deepEqual(ok(0), { ok: true, data: 0 });
  });

  test("fail is {ok: false, kind, error}, with data only when given", () => {
    const reply = fail(KINDS.REJECTED, "投诉渠道与当前网站不符。");
    assert.deepEqual(reply, { ok: false, kind: "rejected", error: "投诉渠道与当前网站不符。" });
    assert.ok(!("data" in reply));
    assert.deepEqual(fail(KINDS.AUTH, "令牌不正确。", { queued: true }), {
      ok: false,
      kind: "auth",
      error: "令牌不正确。",
      data: { queued: true },
    });
  });

  test("fail refuses an unknown kind or a missing sentence", () => {
    assert.throws(() => fail("oops", "出错了。"), TypeError);
    assert.throws(() => fail(KINDS.SERVER, ""), TypeError);
    assert.throws(() => fail(KINDS.SERVER), TypeError);
  });

  test("isReply knows the shape and nothing else", () => {
    assert.ok(isReply(ok(null)));
    assert.ok(isReply(fail(KINDS.OFFLINE, "无法连接。")));
    for (const other of [undefined, null, "ok", { ok: true }, { ok: false, error: "x" }, { count: 1 }, { ok: false, kind: "x", error: "y" }]) {
      assert.equal(isReply(other), false, JSON.stringify(other));
    }
  });

  test("replyFromError keeps a CompanionError's kind and sentence", () => {
    const err = new CompanionError(KINDS.UNPAIRED, "尚未配对：请在扩展的「设置」中填写助手地址和访问令牌。");
    assert.deepEqual(replyFromError(err), { ok: false, kind: "unpaired", error: err.message });
  });

  test("replyFromError makes anything else an internal error with a Chinese sentence", () => {
    assert.deepEqual(replyFromError(new Error("No tab with id: 7.")), {
      ok: false,
      kind: "internal",
      error: "扩展内部出错：No tab with id: 7.",
    });
    assert.equal(replyFromError("boom").error, "扩展内部出错：boom");
    assert.equal(replyFromError(Object.assign(new Error("x"), { kind: "not-a-kind" })).kind, "internal");
  });

  test("unknownType warns and answers kind unknown_type", (t) => {
    const warn = t.mock.method(console, "warn", () => {});
    const reply = unknownType("make-coffee");
    assert.equal(reply.ok, false);
    assert.equal(reply.kind, "unknown_type");
    assert.match(reply.error, /make-coffee/);
    assert.match(reply.error, /[\u4e00-\u9fff]/);
    assert.equal(warn.mock.callCount(), 1);
    assert.deepEqual(warn.mock.calls[0].arguments, ["砍价存证: unknown message type", "make-coffee"]);
  });

  test("isEnvelope: only objects addressed to the background", () => {
    assert.ok(isEnvelope({ type: MSG.CAPTURE, target: "background", data: {} }));
    for (const other of [undefined, null, "background", { type: MSG.CAPTURE }, { target: "offscreen" }]) {
      assert.equal(isEnvelope(other), false, JSON.stringify(other));
    }
  });
});

describe("send", () => {
  test("sends one envelope {type, target, data} and resolves to the reply as it is", async () => {
    const sent = stubRuntime(() => ok({ count: 3 }));
    assert.deepEqual(await send(MSG.OUTBOX_COUNT), { ok: true, data: { count: 3 } });
    assert.deepEqual(await send(MSG.CAPTURE, { tabId: 7 }), { ok: true, data: { count: 3 } });
    assert.deepEqual(sent, [
      { type: "outbox-count", target: "background", data: {} },
      { type: "capture", target: "background", data: { tabId: 7 } },
    ]);
  });

  test("a failed reply comes back as it is", async () => {
    const answer = fail(KINDS.AUTH, "访问令牌不正确。", { queued: true });
    stubRuntime(() => answer);
    assert.deepEqual(await send(MSG.CAPTURE, { tabId: 1 }), answer);
  });

  test("an unknown type is a programming error: rejected, nothing sent", async () => {
    const sent = stubRuntime(() => ok());
    await assert.rejects(send("capture-everything"), TypeError);
    assert.deepEqual(sent, []);
  });

  test("no answer, or an answer not in the reply shape, is kind no_answer", async () => {
    for (const answer of [undefined, null, { count: 3 }, { ok: true }]) {
      stubRuntime(() => answer);
      const reply = await send(MSG.WATCH_STATUS);
      assert.equal(reply.ok, false);
      assert.equal(reply.kind, "no_answer", JSON.stringify(answer));
      assert.equal(reply.error, "砍价存证扩展没有回应：请刷新本页面后重试。");
    }
  });

  test("a delivery failure is kind disconnected, never a rejection", async () => {
    stubRuntime(() => {
      throw new Error("Could not establish connection. Receiving end does not exist.");
    });
    assert.deepEqual(await send(MSG.COMPLAINT_CAMPAIGNS), {
      ok: false,
      kind: "disconnected",
      error: "无法联系砍价存证扩展（Could not establish connection. Receiving end does not exist.）：请刷新本页面后重试。",
    });
  });

  test("no extension context (reloaded or disabled extension) is kind disconnected", async () => {
    const expected = { ok: false, kind: "disconnected", error: "扩展已更新或被停用：请刷新本页面后重试。" };
    assert.deepEqual(await send(MSG.COMPLAINT_CAMPAIGNS), expected); // no chrome at all
    stubRuntime(() => ok(), ""); // chrome.runtime.id is gone after an update
    assert.deepEqual(await send(MSG.COMPLAINT_CAMPAIGNS), expected);
  });
});
