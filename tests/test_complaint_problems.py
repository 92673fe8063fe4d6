"""Issue #16 (part): the sixth channel (微博/微信公众号私信) and the problem types every draft adapts to.

Every channel's draft for each problem type (progress, goods, account): the matching demands and
legal basis, the figures traced to the stored records, the private message's length limit, the
choice stored per campaign (API and page), and the complaints page at 390 px in real Chromium.
"""

from __future__ import annotations

import json
import re
import sqlite3
import urllib.parse
import urllib.request
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from helpers import CST, SERIES_URL, capture_payload, launch_chromium, png_bytes, post_series
from helpers.companion_proc import start_companion, stop_companion

from companion.app import create_app
from companion.complaints.case import DEMANDS, PROBLEM_DEMANDS, case_facts
from companion.complaints.channels import social_dm
from companion.core.schema import Schema
from companion.core.vocab import CHANNELS, PROBLEMS

SHOTS = Path("/tmp/shots-channel")
SERIES_START_CST = datetime(2026, 11, 20, 14, 0, tzinfo=CST)
MESSAGE_MAX = 500  # docs/complaints.md: the private message's limit
RULES = "1. 活动时间为24小时。\n2. 每位好友可帮砍1次。"
# 已砍 ¥98.90 / 还差 ¥0.10 frozen while six friends help (critical), then the rules change (warning).
STALL = [
    {
        "cut_amount": 98.9,
        "remaining_amount": 0.1,
        "cut_percent": 99.8,
        "helper_count": 10 + 2 * i,
        "rules_text": RULES if i < 3 else RULES + "\n3. 平台有权根据活动情况调整规则。",
    }
    for i in range(4)
]
# Per problem: a demand only it offers, an article only its basis cites, and one it never cites.
EXPECTED = {
    "progress": ("恢复砍价进度", "长宁区人民法院", "第二十四条"),
    "goods": ("更换与活动页面描述相符", "《中华人民共和国消费者权益保护法》第二十四条", "长宁区人民法院"),
    "account": ("解除对本人账号的限制", "《中华人民共和国电子商务法》第五十九条", "第二十四条"),
}
STATEMENT = {"goods": "与活动页面的描述不符", "account": "以“账号异常”为由限制"}
# The channels whose draft carries the full text with the legal basis (the others are a call script
# and a short private message: demands, no articles).
WITH_BASIS = ("pdd_chat", "email", "12315", "heimao")


@pytest.fixture
def stalled(client):
    return post_series(client, STALL)


def draft(client, cid, channel):
    resp = client.get(f"/api/v1/campaigns/{cid}/complaints/{channel}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert Schema().first_error("complaint_draft", body) is None
    return body, {f["key"]: f["value"] for f in body["fields"]}


def set_problem(client, cid, problem, channel="email", **extra):
    resp = client.put(f"/api/v1/campaigns/{cid}/complaints/{channel}", json={"problem": problem, **extra})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def findings(client, cid):
    return client.get(f"/api/v1/campaigns/{cid}/findings").get_json()["findings"]


def test_progress_is_the_default_and_every_channel_is_drafted(client, stalled):
    cid = stalled[0]["campaign_id"]
    assert CHANNELS[-1] == "social_dm" and len(CHANNELS) == 6
    for channel in CHANNELS:
        body, _ = draft(client, cid, channel)
        assert body["problem"] == "progress" and body["problem_options"].keys() == set(PROBLEMS)
        assert set(body["demand_options"]) == {"restore", "ship", "explain", "compensate"}
        assert body["demands"] == ["restore", "explain"]
    body, fields = draft(client, cid, "social_dm")
    assert body["channel_name"] == "拼多多官方微博/微信公众号私信"
    assert list(fields) == ["to", "message"] and "未核实" in body["fields"][0]["hint"]


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("channel", CHANNELS)
def test_every_channel_adapts_to_the_problem(client, stalled, channel, problem):
    cid = stalled[0]["campaign_id"]
    set_problem(client, cid, problem)
    body, _ = draft(client, cid, channel)
    demand, cited, never = EXPECTED[problem]
    assert body["problem"] == problem and body["problem_name"]
    text = body["text"]
    assert demand in text, (channel, problem)
    if problem in STATEMENT:
        assert STATEMENT[problem] in text
    else:
        assert not any(s in text for s in STATEMENT.values())
    if channel in WITH_BASIS:
        assert cited in text and never not in text, (channel, problem)
        assert "（大意）" in text
    # The stored figures reach every channel, whatever the problem: the worst incident's times.
    assert "2026-11-20 14:00 至 14:33" in text and "新增 6 位好友助力" in text
    for word in ("95188", "400-8822-888", "产品质量法", "!", "！", "骗子"):
        assert word not in text


def test_goods_and_account_titles_and_problem_fields(client, stalled):
    cid = stalled[0]["campaign_id"]
    set_problem(client, cid, "goods")
    _, gov = draft(client, cid, "12315")
    _, heimao = draft(client, cid, "heimao")
    assert gov["problem_type"] == "商品质量问题（与描述不符）" == heimao["problem"]
    assert gov["title"].endswith("商品与描述不符") and len(heimao["title"]) <= 30
    assert gov["demand"].startswith("更换与活动页面描述相符")
    set_problem(client, cid, "account")
    _, gov = draft(client, cid, "12315")
    assert gov["problem_type"] == "账号被以“异常”为由限制" and gov["title"].endswith("账号被限制")
    assert gov["demand"].startswith("解除对本人账号的限制")
    assert "第三十四条" in gov["content"]  # the rule change found still cites §34


def test_ticked_demands_follow_the_problem(client, stalled):
    cid = stalled[0]["campaign_id"]
    put = client.put(f"/api/v1/campaigns/{cid}/complaints/heimao", json={"demands": ["ship", "compensate"]})
    assert put.get_json()["demands"] == ["ship", "compensate"]
    # A new problem: every channel starts from its defaults; demands of another problem are dropped.
    body = set_problem(client, cid, "goods", channel="heimao")
    assert body["demands"] == ["replace", "explain_goods"]
    body = set_problem(client, cid, "goods", channel="heimao", demands=["return", "ship"])
    assert body["demands"] == ["return"]
    assert draft(client, cid, "heimao")[1]["demand"] == "办理退货，退货运费由经营者承担"
    # Re-choosing the same problem keeps the ticks.
    assert set_problem(client, cid, "goods", channel="12315")["problem"] == "goods"
    assert draft(client, cid, "heimao")[0]["demands"] == ["return"]


@pytest.mark.parametrize(
    "body",
    [{"problem": "refund"}, {"problem": None}, {"problem": ["goods"]}, {"demands": ["refund"]}],
)
def test_bad_problems_are_refused_and_change_nothing(client, stalled, body):
    cid = stalled[0]["campaign_id"]
    resp = client.put(f"/api/v1/campaigns/{cid}/complaints/email", json=body)
    assert resp.status_code in (400, 422) and resp.get_json()["error"]
    assert draft(client, cid, "email")[0]["problem"] == "progress"


def test_the_problem_survives_a_restart_and_reaches_the_bundle_case(tmp_path):
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path)})
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['API_TOKEN']}"
    cid = post_series(c, STALL)[0]["campaign_id"]
    set_problem(c, cid, "account")
    app.extensions["bargain_witness_db"].close_all()
    again = create_app({"TESTING": True, "DATA_DIR": str(tmp_path)})
    c2 = again.test_client()
    c2.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {again.config['API_TOKEN']}"
    for channel in CHANNELS:
        assert draft(c2, cid, channel)[0]["problem"] == "account"
    again.extensions["bargain_witness_db"].close_all()


def test_the_message_names_the_worst_incident_traced_to_the_records(client, stalled):
    cid = stalled[0]["campaign_id"]
    found = findings(client, cid)
    assert {f["severity"] for f in found} == {"critical", "warning"}
    worst = next(f for f in found if f["severity"] == "critical")["summary_zh"]
    for problem in PROBLEMS:
        set_problem(client, cid, problem)
        _, fields = draft(client, cid, "social_dm")
        msg = fields["message"]
        assert len(msg) <= MESSAGE_MAX
        assert "「砍价免费拿」" in msg and "KJ2026112012" in msg  # the campaign, its id from the page URL
        assert worst.rstrip("。") in msg  # the worst incident: times and figures as the analysis wrote them
        assert "活动规则发生了变化" not in msg and "另有 1 项异常记录" in msg
        assert f"我保存了 {len(stalled)} 张" in msg
        # Every figure in the message is one the records hold (the campaign id, the finding, the count).
        recorded = worst + "KJ2026112012" + str(len(stalled)) + "SHA-256"
        for number in re.findall(r"\d+(?:\.\d+)?", msg):
            assert number in recorded, number
        assert "请：" in msg


def test_the_message_stays_within_the_limit_and_keeps_what_matters(client, stalled):
    cid = stalled[0]["campaign_id"]
    long_name = "【限时助力免费拿】" + "超长商品名称用来检查私信长度限制" * 8
    assert client.put(f"/api/v1/campaigns/{cid}/name", json={"name": long_name}).status_code == 200
    worst = next(f for f in findings(client, cid) if f["severity"] == "critical")["summary_zh"].rstrip("。")
    for problem in PROBLEMS:
        set_problem(client, cid, problem)
        body = client.get(f"/api/v1/campaigns/{cid}/complaints/social_dm").get_json()
        every = list(body["demand_options"])
        put = client.put(f"/api/v1/campaigns/{cid}/complaints/social_dm", json={"demands": every})
        msg = {f["key"]: f["value"] for f in put.get_json()["fields"]}["message"]
        assert len(msg) <= MESSAGE_MAX, (problem, len(msg))
        assert worst in msg  # figures and times
        assert f"「{long_name[:39]}…」" in msg  # the campaign named, its long name cut to 40
        assert all(body["demand_options"][d] in msg for d in every)  # room for every demand
    # The user's edit of the message is kept as written (theirs to shorten).
    edited = client.put(
        f"/api/v1/campaigns/{cid}/complaints/social_dm", json={"fields": {"message": "自己写的私信"}}
    ).get_json()
    assert {f["key"]: f["value"] for f in edited["fields"]}["message"] == "自己写的私信"


def long_case(summary: str, problem: str):
    """A case whose worst incident's sentence is long (many figures), to make the message shrink."""
    return case_facts(
        {"title": "【限时助力免费拿】" + "超长商品名称" * 10, "first_url": SERIES_URL},
        [],
        [],
        [],
        problem,
    ), {
        "severity": "critical",
        "types": ["stall"],
        "summary_zh": summary,
    }


@pytest.mark.parametrize("problem", PROBLEMS)
def test_a_long_incident_makes_the_message_shrink_in_order(problem):
    times = "、".join(f"2026-11-20 14:{m:02d} 已砍 ¥98.{m:02d}" for m in range(0, 60, 5))
    summary = f"{times}，期间新增 37 位好友助力，页面显示的砍价进度始终没有变化。"
    f, incident = long_case(summary, problem)
    f.incidents = [incident, {**incident, "severity": "warning", "summary_zh": "另一项。"}]
    f.captures = 41
    every = list(PROBLEM_DEMANDS[problem])
    msg = social_dm.message(f, every)
    assert len(msg) <= MESSAGE_MAX, len(msg)
    assert summary.rstrip("。") in msg  # the worst incident whole, with every figure and time
    assert "另一项" not in msg and "我保存了" not in msg and "KJ2026112012" not in msg  # dropped first
    assert "「【限时助力免费拿】超长商品名称…」" in msg  # named, shortened to 16
    assert DEMANDS[every[0]] in msg  # the demand stays
    # Room enough: the full message, nothing dropped.
    f.title = "蓝牙耳机"
    f.incidents = [{**incident, "summary_zh": "2026-11-20 14:00 至 14:33 期间新增 6 位好友助力。"}]
    short = social_dm.message(f, every[:1])
    assert "「蓝牙耳机」" in short and "KJ2026112012" in short and "我保存了 41 张" in short
    # A sentence no rule writes (longer than the limit itself): cut at the limit, marked.
    f.incidents = [{**incident, "summary_zh": "已砍 ¥98.90" * 60}]
    cut = social_dm.message(f, every)
    assert len(cut) == MESSAGE_MAX and cut.endswith("…")


def test_a_healthy_campaign_message_claims_no_incident(client):
    facts = [{"cut_amount": 50 + 5 * i, "remaining_amount": 50 - 5 * i, "helper_count": i} for i in range(3)]
    cid = post_series(client, facts)[0]["campaign_id"]
    _, fields = draft(client, cid, "social_dm")
    assert "暂未检测到明显的进度异常" in fields["message"] and "最严重" not in fields["message"]
    set_problem(client, cid, "goods")
    _, fields = draft(client, cid, "social_dm")
    assert "与活动页面的描述不符" in fields["message"] and "暂未检测到" not in fields["message"]


def test_the_page_chooses_the_problem(tmp_path):
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "TODAY": date(2026, 12, 3)})
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['API_TOKEN']}"
    cid = post_series(c, STALL)[0]["campaign_id"]
    html = c.get(f"/campaigns/{cid}/complaints").get_data(as_text=True)
    assert "拼多多官方微博/微信公众号私信" in html and 'id="ch-social_dm"' in html
    assert 'value="progress" checked' in html and "投诉的问题类型" in html
    same = {"Sec-Fetch-Site": "same-origin"}
    resp = c.post(f"/campaigns/{cid}/complaint-problem", data={"problem": "account"}, headers=same)
    assert resp.status_code == 303 and "saved=problem" in resp.headers["Location"]
    html = c.get(f"/campaigns/{cid}/complaints").get_data(as_text=True)
    assert 'value="account" checked' in html and "解除对本人账号的限制" in html
    assert 'value="restore"' in html and 'value="replace"' not in html  # account's demands only
    bad = c.post(f"/campaigns/{cid}/complaint-problem", data={"problem": "x"}, headers=same)
    assert bad.status_code == 400 and "问题类型" in bad.get_data(as_text=True)
    assert c.get(f"/api/v1/campaigns/{cid}/complaints/pdd_chat").get_json()["problem"] == "account"
    cross = c.post(
        f"/campaigns/{cid}/complaint-problem",
        data={"problem": "goods"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert cross.status_code == 403
    assert c.get(f"/api/v1/campaigns/{cid}/complaints/pdd_chat").get_json()["problem"] == "account"
    app.extensions["bargain_witness_db"].close_all()


@pytest.mark.browser
def test_the_complaints_page_at_390px(playwright, tmp_path):
    """The page with the problem choice and the sixth channel fits a phone; screenshots for a look."""
    comp = start_companion(tmp_path / "data")
    browser = launch_chromium(playwright)
    try:
        start = SERIES_START_CST
        cid = None
        for i, facts in enumerate(STALL):
            body = capture_payload(
                url=SERIES_URL,
                taken_at=start + timedelta(minutes=11 * i),
                image=png_bytes(300, 560, seed=i),
                facts=facts,
                page={
                    "url": SERIES_URL,
                    "title": "【助力免费拿】蓝牙耳机 Pro 超长标题用来检查手机上的换行是否正常",
                },
            )
            cid = comp_post(comp, "/api/v1/captures", body)["campaign_id"]
        SHOTS.mkdir(exist_ok=True)
        for problem in ("progress", "goods"):
            form = urllib.parse.urlencode({"problem": problem}).encode()
            req = urllib.request.Request(
                f"{comp.url}/campaigns/{cid}/complaint-problem", data=form, method="POST"
            )
            with comp.session_opener().open(req, timeout=15) as resp:
                assert resp.status == 200  # followed the 303 to the page
            ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
            page = comp.login(ctx)
            problems: list[str] = []
            page.on("pageerror", lambda e, p=problems: p.append(str(e)))
            page.on("console", lambda m, p=problems: p.append(m.text) if m.type == "error" else None)
            page.goto(f"{comp.url}/campaigns/{cid}/complaints")
            page.wait_for_load_state("load")
            assert page.locator(f'input[name="problem"][value="{problem}"]').is_checked()
            section = page.locator("#ch-social_dm")
            assert section.is_visible()
            message = section.locator("textarea").input_value()
            assert 0 < len(message) <= MESSAGE_MAX and "新增 6 位好友助力" in message
            scroll = page.evaluate("document.scrollingElement.scrollWidth")
            page.screenshot(path=str(SHOTS / f"complaints-{problem}-390x844.png"), full_page=True)
            section.screenshot(path=str(SHOTS / f"social_dm-{problem}-390.png"))
            page.locator("#problem").screenshot(path=str(SHOTS / f"problem-form-{problem}-390.png"))
            ctx.close()
            assert scroll <= 390, f"complaints page is {scroll}px wide at 390px"
            assert problems == []
    finally:
        browser.close()
        stop_companion(comp)


def comp_post(comp, path: str, body: dict) -> dict:
    req = urllib.request.Request(
        comp.url + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {comp.token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=15) as resp:
        return json.load(resp)


def test_an_odd_stored_problem_reads_as_progress(tmp_path, caplog):
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path)})
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['API_TOKEN']}"
    cid = post_series(c, STALL)[0]["campaign_id"]
    set_problem(c, cid, "goods")
    app.extensions["bargain_witness_db"].close_all()
    with sqlite3.connect(tmp_path / "bargain-witness.sqlite3") as db:
        db.execute("UPDATE complaint_problems SET problem = 'refund' WHERE campaign_id = ?", [cid])
    again = create_app({"TESTING": True, "DATA_DIR": str(tmp_path)})
    c2 = again.test_client()
    c2.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {again.config['API_TOKEN']}"
    body, _ = draft(c2, cid, "social_dm")
    assert body["problem"] == "progress" and "complaint_problems.problem" in caplog.text
    again.extensions["bargain_witness_db"].close_all()
