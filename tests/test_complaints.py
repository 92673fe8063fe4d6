"""Complaint drafts per channel, the user's edits, and follow-up due dates (#5)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from helpers import ROOT, SERIES_URL, post_series

from companion.app import create_app
from companion.complaints.channels import REGISTRY
from companion.complaints.followup import Calendar, due_dates, status
from companion.core.schema import Schema
from companion.core.vocab import CHANNELS

URL = SERIES_URL
EMOTIONAL = ("骗子", "无耻", "垃圾", "黑心", "愤怒", "气愤", "坑人", "强烈谴责", "欺骗消费者", "!", "！")


@pytest.fixture
def stalled(client):
    """已砍 ¥98.90 / 还差 ¥0.10 frozen while six friends help, then the rules change."""
    rules = "1. 活动时间为24小时。\n2. 每位好友可帮砍1次。"
    facts = [
        {
            "cut_amount": 98.9,
            "remaining_amount": 0.1,
            "cut_percent": 99.8,
            "helper_count": 10 + 2 * i,
            "rules_text": rules if i < 3 else rules + "\n3. 平台有权根据活动情况调整规则。",
        }
        for i in range(4)
    ]
    return post_series(client, facts)


def get_draft(client, campaign_id, channel):
    resp = client.get(f"/api/v1/campaigns/{campaign_id}/complaints/{channel}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert Schema().first_error("complaint_draft", body) is None
    return body, {f["key"]: f["value"] for f in body["fields"]}


def test_12315_draft_field_by_field(client, stalled):
    cid = stalled[-1]["campaign_id"]
    draft, fields = get_draft(client, cid, "12315")
    assert list(fields) == [
        "company",
        "title",
        "address",
        "date",
        "order_id",
        "amount",
        "problem_type",
        "content",
        "demand",
    ]
    assert fields["company"] == "上海寻梦信息技术有限公司"
    assert fields["address"] == "" and "国家企业信用信息公示系统" in draft["fields"][2]["hint"]
    assert fields["title"] == "拼多多砍价「砍价免费拿」单方面变更规则"
    assert fields["date"] == "2026-11-20"
    assert fields["order_id"] == "KJ2026112012"
    assert fields["amount"] == "99.00"
    assert fields["problem_type"] == "单方面变更活动规则"
    content = fields["content"]
    assert "2026-11-20 14:00 至 14:33 期间新增 6 位好友助力" in content  # the stall, with times and figures
    assert "活动规则发生了变化" in content and "第三十四条" in content  # rule change cites §34
    assert "第十七条" in content and "第二十条" in content and "长宁" in content
    assert fields["demand"].startswith("恢复砍价进度")
    # The captures that prove the findings are attached, each with its full SHA-256.
    proving = {stalled[0]["capture_id"], stalled[-1]["capture_id"], stalled[2]["capture_id"]}
    attached = {a["capture_id"]: a for a in draft["attachments"]}
    assert proving <= set(attached)
    for a in draft["attachments"]:
        assert a["sha256"] in content and re.fullmatch(r"\d{8}-\d{6}_[0-9a-f]{8}\.png", a["file"])


def test_heimao_draft_fields(client, stalled):
    _, fields = get_draft(client, stalled[-1]["campaign_id"], "heimao")
    assert list(fields) == ["target", "title", "problem", "demand", "amount", "content"]
    assert len(fields["title"]) <= 30 and "砍价免费拿" in fields["title"]
    assert fields["target"] == "拼多多" and fields["amount"] == "99.00"
    assert "新增 6 位好友助力" in fields["content"]


def test_chat_hotline_and_email_drafts(client, stalled):
    cid = stalled[-1]["campaign_id"]
    _, chat = get_draft(client, cid, "pdd_chat")
    assert "KJ2026112012" in chat["message"] and "新增 6 位好友助力" in chat["message"]
    assert len(chat["message"]) < 600  # a chat message, not an essay; details are a separate field
    _, hotline = get_draft(client, cid, "pdd_hotline")
    assert hotline["phone"].startswith("021-53395288") and "8:00–21:30" in hotline["phone"]
    assert "工号" in hotline["checklist"] and "工号" in hotline["script"]
    draft, email = get_draft(client, cid, "email")
    assert email["to"] == "" and "未能核实" in draft["fields"][0]["hint"]
    assert "KJ2026112012" in email["subject"] and "SHA-256" in email["body"]


@pytest.mark.parametrize("channel", CHANNELS)
def test_no_wrong_numbers_and_no_emotional_words(client, stalled, channel):
    draft, _ = get_draft(client, stalled[-1]["campaign_id"], channel)
    text = draft["text"] + str(draft["fields"])
    assert "95188" not in text and "400-8822-888" not in text and "4008822888" not in text
    for word in EMOTIONAL:
        assert word not in text, word


def test_healthy_campaign_draft_claims_no_anomaly(client):
    facts = [
        {"cut_amount": 50.0 + 10 * i, "remaining_amount": 49.0 - 10 * i, "helper_count": i} for i in range(4)
    ]
    answers = post_series(client, facts, url="https://mobile.yangkeduo.com/b.html?goods_id=7")
    _, fields = get_draft(client, answers[-1]["campaign_id"], "12315")
    assert "未检测到明显的进度异常" in fields["content"]
    assert fields["problem_type"] == "活动规则与进度信息不透明"


def test_edits_are_kept_and_used_from_then_on(client, stalled):
    cid = stalled[-1]["campaign_id"]
    url = f"/api/v1/campaigns/{cid}/complaints/12315"
    resp = client.put(
        url,
        json={
            "fields": {"address": "上海市某区某路1号", "order_id": "2026112012345"},
            "demands": ["ship", "compensate"],
        },
    )
    assert resp.status_code == 200
    _, fields = get_draft(client, cid, "12315")
    assert fields["address"] == "上海市某区某路1号" and fields["order_id"] == "2026112012345"
    assert fields["demand"].startswith("按活动规则认定砍价成功") and "补偿" in fields["demand"]
    assert "恢复砍价进度" not in fields["demand"]
    # A new capture regenerates the facts but keeps the user's edits.
    post_series(client, [{"cut_amount": 98.9, "remaining_amount": 0.1, "helper_count": 30}])
    draft, fields = get_draft(client, cid, "12315")
    assert fields["address"] == "上海市某区某路1号" and draft["edited"] is True
    assert next(f for f in draft["fields"] if f["key"] == "address")["edited"] is True
    # Other channels are untouched; null returns one field to the generated text; DELETE resets all.
    assert get_draft(client, cid, "heimao")[0]["edited"] is False
    client.put(url, json={"fields": {"order_id": None}})
    assert get_draft(client, cid, "12315")[1]["order_id"] == "KJ2026112012"
    client.delete(url)
    draft, fields = get_draft(client, cid, "12315")
    assert fields["address"] == "" and draft["edited"] is False


def test_edits_survive_a_restart(tmp_path):
    def make():
        app = create_app({"DATA_DIR": str(tmp_path)})
        c = app.test_client()
        c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['API_TOKEN']}"
        return c

    c = make()
    cid = post_series(c, [{"cut_amount": 1.0, "remaining_amount": 98.0}])[0]["campaign_id"]
    c.put(f"/api/v1/campaigns/{cid}/complaints/email", json={"fields": {"to": "service@example.com"}})
    assert get_draft(make(), cid, "email")[1]["to"] == "service@example.com"


@pytest.mark.parametrize(
    "body,status_code,code",
    [
        ({"fields": {"nope": "x"}}, 422, "unknown_field"),
        ({"fields": {"address": 5}}, 422, "schema_violation"),
        ({"demands": ["free money"]}, 422, "schema_violation"),
        ({"extra": 1}, 422, "schema_violation"),
        ([1], 400, "invalid_json"),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(client, stalled, body, status_code, code):
    cid = stalled[-1]["campaign_id"]
    resp = client.put(f"/api/v1/campaigns/{cid}/complaints/12315", json=body)
    assert resp.status_code == status_code and resp.get_json()["error"] == code
    assert get_draft(client, cid, "12315")[0]["edited"] is False


def test_unknown_channel_and_campaign(client, stalled):
    cid = stalled[-1]["campaign_id"]
    assert client.get(f"/api/v1/campaigns/{cid}/complaints/weibo").get_json()["error"] == "unknown_channel"
    assert client.get("/api/v1/campaigns/none/complaints/12315").status_code == 404


# ------------------------------------------------------------------------------- follow-up


def test_working_days_skip_weekends():
    cal = Calendar()
    friday = date(2026, 11, 20)
    assert cal.add_workdays(friday, 1) == date(2026, 11, 23)  # Monday
    assert due_dates("pdd_chat", friday, cal) == (date(2026, 11, 25), date(2026, 12, 1))
    assert due_dates("12315", friday, cal) == (date(2026, 12, 1), date(2026, 12, 1))
    saturday = date(2026, 11, 21)
    assert cal.add_workdays(saturday, 1) == date(2026, 11, 23)
    assert due_dates("12315", date(2026, 11, 23), cal)[1] == date(2026, 12, 2)  # Mon + 7 = next Wed


def test_configured_holidays_and_swapped_workdays():
    cal = Calendar.from_lists(holidays=["2026-11-23", "2026-11-24"], extra_workdays=["2026-11-22"])
    friday = date(2026, 11, 20)
    assert cal.add_workdays(friday, 1) == date(2026, 11, 22)  # a Sunday worked in exchange
    assert cal.add_workdays(friday, 2) == date(2026, 11, 25)  # Mon and Tue are holidays


def test_status_says_when_to_escalate():
    cal = Calendar()
    sent = date(2026, 11, 20)
    assert status("pdd_chat", sent, None, date(2026, 11, 24), cal)["state"] == "waiting"
    assert status("pdd_chat", sent, None, date(2026, 11, 25), cal)["state"] == "due"
    late = status("pdd_chat", sent, None, date(2026, 12, 2), cal)
    assert (
        late["state"] == "overdue"
        and late["next_channel"] == "12315"
        and "全国12315平台" in late["advice_zh"]
    )
    assert status("12315", sent, None, date(2026, 12, 2), cal)["next_channel"] == "heimao"
    assert status("12315", sent, date(2026, 11, 30), date(2026, 12, 9), cal)["state"] == "answered"


def test_filings_through_the_api(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path), "TODAY": date(2026, 12, 2)})
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['API_TOKEN']}"
    cid = post_series(c, [{"cut_amount": 1.0, "remaining_amount": 98.0}])[0]["campaign_id"]
    chat = c.post(
        f"/api/v1/campaigns/{cid}/filings",
        json={"channel": "pdd_chat", "sent_on": "2026-11-20", "ticket": "KF123"},
    )
    assert chat.status_code == 201
    assert (
        chat.get_json()["status"]["state"] == "overdue"
        and chat.get_json()["status"]["due_by"] == "2026-12-01"
    )
    gov = c.post(
        f"/api/v1/campaigns/{cid}/filings", json={"channel": "12315", "sent_on": "2026-11-30"}
    ).get_json()
    assert gov["status"]["state"] == "waiting" and gov["status"]["due_by"] == "2026-12-09"
    listed = c.get("/api/v1/followups").get_json()["filings"]
    assert [f["channel"] for f in listed] == ["pdd_chat", "12315"]  # overdue first
    answered = c.put(
        f"/api/v1/filings/{chat.get_json()['id']}", json={"answered_on": "2026-12-02"}
    ).get_json()
    assert answered["status"]["state"] == "answered" and answered["ticket"] == "KF123"
    assert (
        c.post(f"/api/v1/campaigns/{cid}/filings", json={"channel": "x", "sent_on": "2026-11-20"}).status_code
        == 422
    )
    assert c.post(f"/api/v1/campaigns/{cid}/filings", json={"sent_on": "2026-11-20"}).status_code == 400
    assert c.put("/api/v1/filings/999", json={"note": "x"}).status_code == 404


def test_drafts_speak_per_incident_and_list_the_assists_inside_it(client):
    """A frozen period with a helper list yields a stall and a swallowed_assist per pair of captures;
    the draft says it once, as one incident, and names the friends who helped meanwhile (#9)."""
    facts = [
        {
            "cut_amount": 98.9,
            "remaining_amount": 0.1,
            "helper_count": 2 + i,
            "helpers": [{"name": f"好友{j}", "amount": 0.01} for j in range(2 + i)],
        }
        for i in range(8)
    ]
    answers = post_series(client, facts)
    cid = answers[-1]["campaign_id"]
    last = answers[-1]
    assert len(last["findings"]) > len(last["incidents"]) >= 1
    draft, fields = get_draft(client, cid, "heimao")
    listed = fields["content"].split("存证中发现的情况：\n", 1)[1].split("\n\n", 1)[0]
    items = [line for line in listed.splitlines() if line[:1].isdigit()]
    serious = [x for x in last["incidents"] if x["severity"] in ("warning", "critical")]
    assert len(items) == len(serious)  # one item per incident, not per finding
    assert "期间新增助力：" in listed and "好友7（¥0.01）" in listed
    assert len(draft["text"]) < 5000


def test_channel_names_never_double_the_word_complaint(tmp_path):
    """黑猫投诉 is already a complaint: the pages say 去写黑猫投诉, never 黑猫投诉投诉 (#12)."""
    assert {k: ch.complaint_name for k, ch in REGISTRY.items()}["heimao"] == "黑猫投诉"
    assert REGISTRY["12315"].complaint_name == "全国12315平台投诉"
    app = create_app({"DATA_DIR": str(tmp_path), "TODAY": date(2026, 12, 30)})
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['API_TOKEN']}"
    cid = post_series(c, [{"cut_amount": 1.0, "remaining_amount": 98.0}])[0]["campaign_id"]
    for key in CHANNELS:
        c.post(f"/api/v1/campaigns/{cid}/filings", json={"channel": key, "sent_on": "2026-11-02"})
    pages = [c.get("/followups"), c.get(f"/campaigns/{cid}/complaints")]
    texts = [p.get_data(as_text=True) for p in pages]
    assert "去写黑猫投诉 →" in texts[0]
    assert not any("投诉投诉" in t for t in texts)
    sources = [p for p in (ROOT / "companion").rglob("*") if p.suffix in (".py", ".html", ".js")]
    sources += [p for p in (ROOT / "extension").rglob("*") if p.suffix in (".js", ".html", ".json")]
    assert not [p for p in sources if "投诉投诉" in p.read_text(encoding="utf-8")]
