"""The complaint-form filler (extension/content/formfill.js, #5) in Debian's Chromium.

End to end: the real extension, the real companion subprocess (a stalled campaign posted to it over
HTTP), and fixture copies of the 12315 and 黑猫投诉 forms built with a real Vue 3, served under the
sites' real host names (mapped to 127.0.0.1 by --host-resolver-rules in tests/browser.py), so the
manifest's own content-script match patterns decide where the button appears. The fill must land in
the form's own Vue state, paste must really be blocked on the 12315 copy (so filling is the only
way), and nothing may ever be submitted.

The fixture forms are served over https (a throwaway certificate): the filler runs over https only.
The panel is a closed shadow root, read through the content script's own world (helpers/panel.py).

Unit-ish: the label matcher on a page of differently laid-out forms, run in the page's main world.
See docs/formfill.md.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from helpers import CST, EXTENSION_DIR, capture_payload, launch_chromium, wait_for
from helpers.browser import ExtensionBrowser, https_static_server, static_server
from helpers.companion_proc import start_companion, stop_companion
from helpers.panel import IsolatedWorld, Panel
from playwright.sync_api import expect

FORMS = Path(__file__).parent / "fixtures" / "forms"
# The filler's scripts in the order manifest.json runs them (after lib/messages-core.js).
FORMFILL_FILES = [
    f
    for f in json.loads((EXTENSION_DIR / "manifest.json").read_text())["content_scripts"][0]["js"]
    if f.startswith("content/")
]
ACTIVITY_URL = "https://mobile.yangkeduo.com/bargain.html?activity_id=KJ20261120&refer_share_id=7"
START = datetime(2026, 11, 20, 14, 0, tzinfo=CST)

pytestmark = pytest.mark.browser


# ---------------------------------------------------------------- helpers


def api(comp, path: str, body: dict | None = None):
    req = urllib.request.Request(
        comp.url + path,
        data=json.dumps(body).encode("utf-8") if body is not None else None,
        headers={"Authorization": f"Bearer {comp.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


def post_stalled_campaign(comp) -> str:
    """已砍 ¥98.90 / 还差 ¥0.10 frozen while friends keep helping: a campaign worth complaining about."""
    campaign_id = ""
    for i in range(4):
        facts = {"cut_amount": 98.9, "remaining_amount": 0.1, "cut_percent": 99.8, "helper_count": 10 + 2 * i}
        body = capture_payload(
            url=ACTIVITY_URL, taken_at=START + timedelta(minutes=11 * i), seed=i, facts=facts
        )
        campaign_id = api(comp, "/api/v1/captures", body)["campaign_id"]
    return campaign_id


def vue_form(page) -> dict:
    return page.evaluate("() => JSON.parse(JSON.stringify(window.__form))")


def submitted(page) -> bool:
    return page.evaluate("() => window.__submitted")


def field_box(page, label: str):
    """The input/textarea of an element-ui form item, found by its label as a user would."""
    return page.locator(".el-form-item", has=page.locator(".el-form-item__label", has_text=label)).locator(
        "input, textarea"
    )


@pytest.fixture(scope="module")
def port(tmp_path_factory):
    """The fixture forms over https (the filler runs over https only), under the sites' names."""
    with https_static_server(FORMS, tmp_path_factory.mktemp("tls")) as https_port:
        yield https_port


@pytest.fixture(scope="module")
def plain_port():
    with static_server(FORMS) as base:
        yield int(base.rsplit(":", 1)[1])


@pytest.fixture
def browser(playwright, tmp_path):
    b = ExtensionBrowser(
        playwright, tmp_path / "profile", viewport={"width": 1280, "height": 900}, ignore_https_errors=True
    )
    yield b
    b.close()


# ---------------------------------------------------------------- end to end: 12315


ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def test_12315_fill_lands_in_vue_state_paste_blocked_nothing_submitted(browser, companion, port):
    campaign_id = post_stalled_campaign(companion)
    draft = api(companion, f"/api/v1/campaigns/{campaign_id}/complaints/12315")
    values = {f["key"]: f["value"] for f in draft["fields"]}
    assert values["address"] == "" and values["order_id"] == "KJ20261120"
    assert "虚假宣传" in values["problem_type"]
    assert "连接成功" in browser.pair(companion.url, companion.token)

    page = browser.ctx.new_page()
    page.goto(f"https://www.12315.cn:{port}/12315.html")

    # The copy blocks paste the way 12315 does: a real Ctrl+V works in the site's search box but
    # changes neither the box nor the Vue state of a complaint field.
    page.fill("#site-search", "粘贴进来的文字")
    page.focus("#site-search")
    page.keyboard.press("Control+A")
    page.keyboard.press("Control+C")
    page.fill("#site-search", "")
    page.keyboard.press("Control+V")
    expect(page.locator("#site-search")).to_have_value("粘贴进来的文字")
    for label in ("被投诉企业全称", "投诉内容/问题描述"):
        field_box(page, label).focus()
        page.keyboard.press("Control+V")
        expect(field_box(page, label)).to_have_value("")
    assert page.evaluate("() => window.__pasteAttempts") == 2
    assert vue_form(page)["company"] == "" and vue_form(page)["content"] == ""

    # The user's path: the button, the picker, the campaign (all inside the closed shadow root).
    panel = Panel(browser, page)
    panel.open()
    panel.wait_state("picking")
    choice = panel.text(".bw-ff-campaign")
    assert "砍价免费拿" in choice and "4 张截图" in choice and "2026-11-20 14:33" in choice
    assert "选择要投诉的砍价活动，扩展会把它的全国12315平台投诉草稿填入本页表单" in panel.text()
    panel.click(".bw-ff-campaign", "砍价免费拿")
    panel.wait_state("done")

    form = vue_form(page)
    assert form["company"] == "上海寻梦信息技术有限公司"
    assert form["consumeDate"] == "2026-11-20"
    assert form["orderNo"] == "KJ20261120"
    assert form["amount"] == values["amount"] == "99.00"
    assert form["problemType"] == "xc"  # the <option> 虚假宣传, chosen by its text
    assert form["content"] == values["content"] and "SHA-256" in form["content"]
    assert form["demand"] == values["demand"]
    # Nothing else was touched: the user's own details, the optional code, the address (empty draft).
    assert [form[k] for k in ("name", "mobile", "contactAddress", "creditCode", "companyAddress")] == [""] * 5
    assert form["evidence"] == []
    # The DOM agrees with the model (element-ui style inputs re-render from the model).
    expect(field_box(page, "被投诉企业全称")).to_have_value("上海寻梦信息技术有限公司")
    expect(field_box(page, "投诉内容/问题描述")).to_have_value(values["content"])
    assert not submitted(page)

    # The summary: what was filled, what is left for the user, the files to upload with SHA-256.
    text = panel.text()
    assert "已填写 7 项" in text and "扩展不会替您提交" in text
    # This form has no title box: the complaint title is listed for the user, with its text.
    assert panel.count(".bw-ff-manual li") == 2
    assert panel.attr('.bw-ff-manual li[data-key="title"]', "data-reason") == "not_found"
    assert values["title"] in panel.text('.bw-ff-manual li[data-key="title"]')
    assert "国家企业信用信息公示系统" in panel.text('.bw-ff-manual li[data-key="address"]')
    assert "需要您手动处理的 2 项" in text
    assert panel.count(".bw-ff-files li") == len(draft["attachments"]) >= 2
    for item in draft["attachments"]:
        entry = panel.text(f'.bw-ff-files li[data-sha256="{item["sha256"]}"]')
        assert item["file"] in entry and f"SHA-256：{item['sha256']}" in entry
    assert f"{companion.url}/campaigns/{campaign_id}" in text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "formfill-12315.png"))  # for a person to look at

    # Filling again (another pick) never submits either, and does not duplicate anything.
    panel.click(".bw-ff-action", "换一个活动重新填写")
    panel.wait_state("picking")
    panel.click(".bw-ff-campaign", "砍价免费拿")
    panel.wait_state("done")
    assert vue_form(page)["content"] == values["content"]
    assert not submitted(page)


# ---------------------------------------------------------------- end to end: 黑猫投诉


def test_heimao_fill_lists_what_is_left_to_do(browser, companion, port):
    campaign_id = post_stalled_campaign(companion)
    draft = api(companion, f"/api/v1/campaigns/{campaign_id}/complaints/heimao")
    values = {f["key"]: f["value"] for f in draft["fields"]}
    assert "连接成功" in browser.pair(companion.url, companion.token)

    page = browser.ctx.new_page()
    page.goto(f"https://tousu.sina.com.cn:{port}/heimao.html")
    panel = Panel(browser, page)
    panel.open()
    panel.wait_state("picking")
    # 黑猫投诉 is already a complaint: the sentence must not say 投诉 twice (#12).
    assert "扩展会把它的黑猫投诉草稿填入本页表单" in panel.text()
    assert "投诉投诉" not in panel.text()
    panel.click(".bw-ff-campaign", "砍价免费拿")
    panel.wait_state("done")

    form = vue_form(page)
    assert form["target"] == "拼多多"
    assert form["title"] == values["title"] and 0 < len(form["title"]) <= 30  # the box's maxlength
    assert form["problem"] == values["problem"]
    assert form["amount"] == "99.00"
    assert form["content"] == values["content"]
    # 投诉要求 is a set of tick boxes on this site: not filled, listed for the user with the text.
    assert form["demands"] == [] and form["phone"] == "" and form["agree"] is False
    assert not submitted(page)
    assert "已填写 5 项" in panel.text()
    assert panel.attr('.bw-ff-manual li[data-key="demand"]', "data-reason") == "not_found"
    demand = panel.text('.bw-ff-manual li[data-key="demand"]')
    assert "页面上找不到这一栏" in demand and values["demand"] in demand
    for item in draft["attachments"]:
        assert item["file"] in panel.text(f'.bw-ff-files li[data-sha256="{item["sha256"]}"]')


# ---------------------------------------------------------------- errors, in Chinese, in the page


def test_unpaired_wrong_token_and_companion_down_are_explained(browser, tmp_path, port):
    page = browser.ctx.new_page()
    page.goto(f"https://www.12315.cn:{port}/12315.html")
    panel = Panel(browser, page)

    panel.open()
    panel.wait_state("error")
    assert "尚未配对" in panel.text(".bw-ff-error")

    comp = start_companion(tmp_path / "data")
    try:
        browser.pair(comp.url, "not-the-token")
        page.bring_to_front()
        panel.click(".bw-ff-action", "重试")
        wait_for(lambda: "访问令牌不正确" in panel.text(".bw-ff-error"), message="the token error")

        assert "连接成功" in browser.pair(comp.url, comp.token)
        page.bring_to_front()
        panel.click(".bw-ff-action", "重试")
        panel.wait_state("empty")
        assert "助手中还没有砍价活动" in panel.text()
    finally:
        stop_companion(comp)

    panel.click(".bw-ff-close")
    panel.wait_state("closed")
    panel.open()
    wait_for(lambda: "无法连接砍价存证助手" in panel.text(".bw-ff-error"), message="the offline error")
    assert "启动.bat" in panel.text(".bw-ff-error")
    assert all(v in ("", [], False) for v in vue_form(page).values())
    assert not submitted(page)


# ---------------------------------------------------------------- who may ask the service worker


def test_service_worker_answers_only_complaint_sites_and_only_complaint_questions(
    browser, companion, port, plain_port
):
    post_stalled_campaign(companion)
    assert "连接成功" in browser.pair(companion.url, companion.token)

    page = browser.ctx.new_page()
    world = IsolatedWorld(browser, page)
    page.goto(f"https://www.12315.cn:{port}/12315.html")
    panel = Panel(browser, page)
    wait_for(lambda: panel.rect(".bw-ff-open"), message="the button")

    # From the content script on 12315.cn: campaigns yes; its own channel only; captures never.
    listed = world.send({"type": "complaint-campaigns", "target": "background"})
    assert listed["answer"]["ok"] is True and len(listed["answer"]["data"]["campaigns"]) == 1
    assert set(listed["answer"]["data"]["campaigns"][0]) == {"id", "title", "capture_count", "last_taken_at"}
    campaign_id = listed["answer"]["data"]["campaigns"][0]["id"]
    other = world.send(
        {
            "type": "complaint-draft",
            "target": "background",
            "data": {"campaign_id": campaign_id, "channel": "heimao"},
        }
    )
    assert other["answer"] == {"ok": False, "kind": "rejected", "error": "投诉渠道与当前网站不符。"}
    bad_id = world.send(
        {
            "type": "complaint-draft",
            "target": "background",
            "data": {"campaign_id": "../status", "channel": "12315"},
        }
    )
    assert bad_id["answer"]["ok"] is False and "格式不正确" in bad_id["answer"]["error"]
    page.bring_to_front()
    tab_id = browser.sw.evaluate("() => chrome.tabs.query({active: true}).then(t => t[0].id)")
    for forbidden in ("capture", "flush-outbox", "outbox-count"):
        reply = world.send({"type": forbidden, "target": "background", "data": {"tabId": tab_id}})
        assert not (reply.get("answer") or {}).get("ok"), (forbidden, reply)
        assert "count" not in (reply.get("answer") or {})
    [campaign] = api(companion, "/api/v1/campaigns")["campaigns"]
    assert campaign["capture_count"] == 4  # nothing was captured

    # The panel is a closed shadow root: the page's scripts see an empty host and cannot reach in,
    # before or after the campaign list (the user's data) is shown; nothing is listed before a click.
    assert panel.state() == "closed" and panel.count(".bw-ff-campaign") == 0
    peek = """() => {
        const host = document.querySelector("bargain-witness-formfill");
        return {host: !!host, shadow: host ? host.shadowRoot : "none",
                children: host ? host.children.length : -1, text: document.documentElement.innerText};
    }"""
    before = page.evaluate(peek)
    assert before["host"] and before["shadow"] is None and before["children"] == 0
    page.evaluate("() => document.querySelector('bargain-witness-formfill').click()")
    assert panel.state() == "closed"
    panel.open()
    panel.wait_state("picking")
    after = page.evaluate(peek)
    assert (
        after["shadow"] is None
        and "砍价免费拿" not in after["text"]
        and "用砍价存证填写" not in after["text"]
    )
    assert (
        page.evaluate(
            "() => { try { document.querySelector('bargain-witness-formfill').attachShadow({mode: 'open'});"
            " return 'attached'; } catch (e) { return e.name; } }"
        )
        == "NotSupportedError"
    )

    # The same site over plain http: no content script (the manifest matches https only; the
    # extension has no access to such a page at all), so no panel.
    insecure = browser.ctx.new_page()
    insecure.goto(f"http://www.12315.cn:{plain_port}/12315.html")
    expect(insecure.locator("#app .el-form")).to_be_visible()
    insecure.wait_for_timeout(1000)  # document_idle has passed; the panel would be there by now
    assert insecure.locator("bargain-witness-formfill").count() == 0
    inject = """async ([pattern, files]) => {
        const [tab] = await chrome.tabs.query({url: pattern});
        await chrome.scripting.executeScript({target: {tabId: tab.id}, files});
    }"""
    files = ["lib/messages-core.js", *FORMFILL_FILES]

    # Not a complaint site: no content script, no button (same page served from 127.0.0.1) ...
    plain = browser.ctx.new_page()
    plain_world = IsolatedWorld(browser, plain)
    plain.goto(f"http://127.0.0.1:{plain_port}/12315.html")
    expect(plain.locator("#app .el-form")).to_be_visible()
    assert plain.locator("bargain-witness-formfill").count() == 0
    # ... and even the same scripts, injected there, get no answer from the service worker (and,
    # the page being neither a complaint site nor https, show no panel).
    browser.sw.evaluate(inject, ["http://127.0.0.1/*", files])
    reply = plain_world.send({"type": "complaint-campaigns", "target": "background"})
    assert not (reply.get("answer") or {}).get("ok"), reply
    assert plain.locator("bargain-witness-formfill").count() == 0


# ---------------------------------------------------------------- the label matcher, unit-ish

DRAFT_12315 = {
    "campaign_id": "c0123456789abcde",
    "channel": "12315",
    "title": "全国12315平台：砍价免费拿",
    "fields": [
        {
            "key": "company",
            "label": "被投诉企业全称",
            "aliases": ["被投诉方", "企业名称"],
            "value": "上海寻梦信息技术有限公司",
        },
        {
            "key": "address",
            "label": "地址",
            "aliases": ["企业地址", "被投诉企业地址"],
            "value": "上海市长宁区某路 1 号",
        },
        {
            "key": "date",
            "label": "购买/参与日期",
            "aliases": ["购买日期", "消费日期", "参与日期"],
            "value": "2026-11-20",
        },
        {
            "key": "order_id",
            "label": "订单号/活动编号",
            "aliases": ["订单号", "订单编号", "活动编号"],
            "value": "KJ1",
        },
        {"key": "amount", "label": "金额", "aliases": ["涉及金额", "涉诉金额", "购买金额"], "value": "99.00"},
        {
            "key": "problem_type",
            "label": "问题类型",
            "aliases": ["投诉问题类型"],
            "value": "虚假宣传（砍价进度与宣传不符）",
        },
        {
            "key": "content",
            "label": "投诉内容",
            "aliases": ["问题描述", "投诉内容/问题描述", "详细说明"],
            "value": "第一行事实。\n" + "进度始终显示99.9%。" * 10,
            "multiline": True,
        },
        {
            "key": "demand",
            "label": "诉求",
            "aliases": ["投诉诉求", "投诉要求"],
            "value": "恢复砍价进度；说明真实进度",
        },
        {"key": "region", "label": "所在地区", "aliases": [], "value": "上海市"},
        {"key": "price", "label": "价格", "aliases": ["金额"], "value": "1.00"},
        {"key": "postcode", "label": "邮政编码", "aliases": [], "value": "200000"},
        {"key": "credit_code", "label": "统一社会信用代码", "aliases": [], "value": "见营业执照"},
    ],
    "attachments": [
        {"file": "20261120-140000_ab12cd34.png", "sha256": "ab12cd34" + "0" * 56, "capture_id": "x"}
    ],
}


@pytest.fixture(scope="module")
def layouts(playwright, plain_port):
    browser = launch_chromium(playwright)
    page = browser.new_page()
    page.goto(f"http://127.0.0.1:{plain_port}/layouts.html")
    for name in FORMFILL_FILES:  # main world: no extension runtime, so no button
        page.add_script_tag(path=str(EXTENSION_DIR / name))
    yield page
    browser.close()


def test_matcher_finds_fields_by_label_text_in_every_layout(layouts):
    page = layouts
    assert page.locator("bargain-witness-formfill").count() == 0
    report = page.evaluate(
        """async (draft) => {
            const ff = globalThis.BargainWitnessFormFill;
            const matched = ff.matchFields(draft.fields, document.getElementById("layout-main"))
                .map((m) => [m.field.key, m.control ? m.control.id : null]);
            const report = await ff.fillDraft(draft, document.getElementById("layout-main"));
            return {matched, report};
        }""",
        DRAFT_12315,
    )
    assert dict(report["matched"]) == {
        "company": "f-company",  # <label for>, far from the box
        "address": "f-address",  # <th> beside <td>; NOT 联系地址 (the user's own address)
        "date": "f-date",  # wrapping <label>
        "order_id": "f-order",  # label in a separate div above
        "amount": "f-amount",  # placeholder only
        "problem_type": "f-type",  # inline text before a native <select>
        "content": "f-content",  # aria-label
        "demand": "f-demand",  # a hint line between label and box
        "region": "f-region",  # aria-labelledby (read-only: left for the user)
        "price": None,  # the only 金额 box is taken by the better match: never filled twice
        "postcode": None,  # not on the page
        "credit_code": "f-code",  # found, but the page's own script refuses the value
    }
    ids = [i for _, i in report["matched"] if i]
    assert len(ids) == len(set(ids))

    filled = {f["key"]: f for f in report["report"]["filled"]}
    manual = {f["key"]: f["reason"] for f in report["report"]["manual"]}
    assert list(filled) == [
        "company",
        "address",
        "date",
        "order_id",
        "amount",
        "problem_type",
        "content",
        "demand",
    ]
    assert manual == {
        "region": "readonly",
        "price": "not_found",
        "postcode": "not_found",
        "credit_code": "rejected",
    }
    assert filled["problem_type"]["value"] == "虚假宣传"
    assert filled["content"]["truncated"] == 40  # the box's maxlength
    assert report["report"]["attachments"] == DRAFT_12315["attachments"]

    values = page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('#layout-main input, #layout-main textarea, "
        "#layout-main select')].map(e => [e.id, e.type === 'checkbox' ? e.checked : e.value]))"
    )
    assert values == {
        "f-company": "上海寻梦信息技术有限公司",
        "f-contact-address": "",
        "f-address": "上海市长宁区某路 1 号",
        "f-date": "2026-11-20",
        "f-order": "KJ1",
        "f-amount": "99.00",
        "f-type": "7",
        "f-content": DRAFT_12315["fields"][6]["value"][:40],
        "f-demand": "恢复砍价进度；说明真实进度",
        "f-region": "请选择省/市/区",
        "f-code": "",
        "f-hidden-company": "",
        "f-disabled-order": "",
        "f-checkbox": False,
        "f-search": "",
    }
    # Each filled box announced itself with bubbling input and change events; nothing was submitted.
    events = page.evaluate("() => window.__events")
    for box in ("f-company", "f-address", "f-date", "f-order", "f-amount", "f-type", "f-content", "f-demand"):
        assert [e[1] for e in events if e[0] == box] == ["input", "change"], box
    assert not page.evaluate("() => window.__submitted")


def test_matcher_prefers_exact_labels_and_reads_vant_cells(layouts):
    page = layouts
    result = page.evaluate(
        """() => {
            const ff = globalThis.BargainWitnessFormFill;
            const pick = (fields, root) => ff.matchFields(fields, document.getElementById(root))
                .map((m) => m.control && m.control.id);
            return {
                exact: pick([{key: "p", label: "投诉问题", aliases: ["问题"]}], "layout-exact"),
                contained: pick([{key: "t", label: "问题类型", aliases: []}], "layout-exact"),
                vant: pick([{key: "t", label: "投诉对象", aliases: []},
                            {key: "a", label: "涉诉金额", aliases: []}], "layout-vant"),
                norm: [" *被投诉企业全称： ", "＊金额（元）:", "投诉 内容"].map(ff.normalise),
                hosts: ["www.12315.cn", "12315.cn", "tousu.sina.com.cn", "12315.cn.evil.example",
                        "sina.com.cn"].map(ff.channelForHost),
                drafts: ["黑猫投诉", "全国12315平台"].map(ff.draftNameFor),
            };
        }"""
    )
    assert result["exact"] == ["x-problem"]  # exact 投诉问题 beats the earlier 投诉问题类型
    assert result["contained"] == ["x-type"]  # 问题类型 is contained in 投诉问题类型
    assert result["vant"] == ["v-target", "v-amount"]
    assert result["norm"] == ["被投诉企业全称", "金额(元)", "投诉内容"]
    assert result["hosts"] == ["12315", "12315", "heimao", "", ""]
    assert result["drafts"] == ["黑猫投诉草稿", "全国12315平台投诉草稿"]
