"""Friends' proofs (#16): a friend's 助力成功 screenshot read into an assist, and an assist the
initiator's page never shows found as a swallowed_assist backed by both pictures."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from click.testing import CliRunner
from helpers import CST, capture_payload, phone_shots

from companion.analysis.friends import proof_findings, same_person
from companion.analysis.points import to_points
from companion.cli import cli
from companion.core.db import connect
from companion.core.services import services_of
from companion.intake.importer import store_file
from companion.intake.times import FoundTime
from companion.ocr.engine import PixelRead
from companion.ocr.friend import read_friend_proof
from companion.ocr.layout import Box

T = datetime(2026, 11, 20, 14, 20, tzinfo=CST)
PROOF = {
    "capture_id": "f01",
    "given_name": None,
    "name": "小红",
    "amount": 0.03,
    "amount_raw": "已帮好友砍掉0.03元",
    "assisted_at": T.isoformat(),
    "time_source": "page",
}


def recorded_boxes() -> list[Box]:
    return [Box(text, score, *rect) for text, score, rect in phone_shots.friend_proof_boxes()]


def reading(cid: str, minutes: int, count: int | None, helpers: list | None, **more) -> dict:
    out = {"capture_id": cid, "taken_at": (T + timedelta(minutes=minutes)).isoformat(), **more}
    if count is not None:
        out["helper_count"] = count
    if helpers is not None:
        out["helpers"] = [{"name": n, "amount": a} for n, a in helpers]
    return out


TWO = [("小明", 0.1), ("阿强", 0.05)]


# ------------------------------------------------------------------------------ reading the page


def test_the_friends_page_read_from_recorded_boxes():
    assert read_friend_proof(recorded_boxes(), CST) == {
        "success": True,
        "amount": 0.03,
        "amount_raw": "已帮好友砍掉0.03元",
        "name": "小红",
        "assisted_at": T,
    }


def test_other_wordings_a_bare_clock_and_doubtful_boxes():
    def box(text, score=0.95, y=100):
        return Box(text, score, 10, y, 200, y + 20)

    shown = read_friend_proof([box("你已成功帮TA砍了 ０.05 元"), box("14:20", y=0)], CST)
    assert shown == {"success": True, "amount": 0.05, "amount_raw": "你已成功帮TA砍了 ０.05 元"}
    assert read_friend_proof([box("助力成功")], CST) == {"success": True}
    assert read_friend_proof([box("帮好友砍了0.08元", score=0.5)], CST) == {}
    assert read_friend_proof([box("已砍¥98.76"), box("还差¥1.24")], CST) == {}  # the initiator's page


def test_names_match_after_nfkc_and_through_masks():
    assert same_person("小红", " 小红 ")
    assert same_person("Ａｍｙ", "amy")
    assert same_person("张**", "张三丰") and same_person("张三丰", "张*")
    assert same_person("张*丰", "张三丰") and not same_person("张*丰", "张三")
    assert same_person("张**", "张*") and not same_person("李**", "张*")
    assert not same_person("小红", "小明") and not same_person("", "小红")


# ------------------------------------------------------------------------------ the rule


def test_a_complete_list_after_the_assist_without_the_friend_is_a_swallowed_assist():
    readings = [
        reading("c01", -17, 2, TWO, cut_amount=98.76, remaining_amount=1.24),
        reading("c02", 11, 2, TWO, cut_amount=98.76, remaining_amount=1.24),
        reading("c03", 40, 2, TWO, cut_amount=98.76, remaining_amount=1.24),
    ]
    (f,) = proof_findings([PROOF], to_points(readings))
    assert (f["type"], f["severity"]) == ("swallowed_assist", "warning")
    assert (f["before_capture_id"], f["after_capture_id"]) == ("f01", "c03")
    assert f["started_at"] == T.isoformat() and f["data"]["shown_by"] == "list"
    assert f["summary_zh"] == (
        "好友 小红的助力成功截图显示「已帮好友砍掉0.03元」，时间 2026-11-20 14:20；"
        "但到 2026-11-20 15:00，页面的助力列表（共 2 人，已全部显示）中没有这位好友。"
    )


def test_no_finding_when_the_page_may_show_the_friend():
    for rows in ([*TWO, ("小红", 0.03)], [*TWO, ("小*", 0.03)]):
        readings = [reading("c01", -5, 2, TWO), reading("c02", 10, 3, rows)]
        assert proof_findings([PROOF], to_points(readings)) == []
    # only captures before the assist: nothing to judge
    assert proof_findings([PROOF], to_points([reading("c01", -5, 2, TWO)])) == []
    # without a name, a row with the friend's amount may be them
    nameless = {**PROOF, "name": None}
    readings = [reading("c01", -5, 2, TWO), reading("c02", 10, 3, [*TWO, ("用户***", 0.03)])]
    assert proof_findings([nameless], to_points(readings)) == []


def test_a_window_onto_a_longer_list_falls_back_to_the_count():
    window = [reading("c01", -5, 5, TWO), reading("c02", 10, 5, TWO)]
    (f,) = proof_findings([PROOF], to_points(window))
    assert f["data"]["shown_by"] == "count" and f["after_capture_id"] == "c02"
    assert "助力好友人数仍为 5 人（此前为 5 人）" in f["summary_zh"]
    rose = [reading("c01", -5, 5, TWO), reading("c02", 10, 6, TWO)]
    assert proof_findings([PROOF], to_points(rose)) == []  # the new helper may be the friend
    no_count_before = [reading("c02", 10, 5, TWO)]
    assert proof_findings([PROOF], to_points(no_count_before)) == []


# ------------------------------------------------------------------------------ end to end


class RecordedEngine:
    """What the engine reads from ``phone_shots.friend_proof`` (the real engine is slow here)."""

    def __init__(self) -> None:
        self.reads = 0

    def read(self, data: bytes) -> PixelRead:
        self.reads += 1
        return PixelRead(recorded_boxes(), 360, 800, 0.01)


def test_a_friends_proof_imported_becomes_a_swallowed_assist_with_both_captures(app, client):
    svc = services_of(app)
    svc.ocr.engine = RecordedEngine()
    helpers = [{"name": n, "amount": a} for n, a in TWO]
    ids = []
    for minutes, seed in ((-17, 1), (25, 2)):
        facts = {"cut_amount": 98.76, "remaining_amount": 1.24, "helper_count": 2, "helpers": helpers}
        body = capture_payload(facts=facts, taken_at=T + timedelta(minutes=minutes), seed=seed)
        answer = client.post("/api/v1/captures", json=body).get_json()
        ids.append(answer["capture_id"])
    campaign_id = answer["campaign_id"]

    buf = io.BytesIO()
    phone_shots.friend_proof(1).save(buf, format="PNG")
    db = connect(app.config["DATABASE"])
    found = FoundTime(T + timedelta(minutes=2), "file_name")
    stored = store_file(
        app,
        db,
        buf.getvalue(),
        "Screenshot_20261120-142200.png",
        found,
        campaign=campaign_id,
        friend_proof=True,
    )
    assert stored.result.status == 201
    proof_id = stored.result.body["capture_id"]
    row = db.execute("SELECT state FROM friend_proofs WHERE capture_id = ?", [proof_id]).fetchone()
    assert row == ("pending",)
    assert svc.jobs.run_due(app) >= 1 and svc.ocr.engine.reads == 1
    kept = db.execute_returning_dicts("SELECT * FROM friend_proofs WHERE capture_id = ?", [proof_id])[0]
    assert (kept["state"], kept["name"], kept["amount"], kept["amount_raw"]) == (
        "done",
        "小红",
        0.03,
        "已帮好友砍掉0.03元",
    )
    assert kept["assisted_at"] == "2026-11-20T14:20:00.000+08:00" and kept["time_source"] == "page"
    reading_row = db.execute_returning_dicts("SELECT * FROM readings WHERE capture_id = ?", [proof_id])[0]
    assert reading_row["cut_amount"] is None  # the friend's page never becomes a reading
    db.close()

    answer = client.get(f"/api/v1/campaigns/{campaign_id}/findings").get_json()
    (f,) = [f for f in answer["findings"] if f["data"].get("friend_proof")]
    assert f["type"] == "swallowed_assist"
    assert (f["before_capture_id"], f["after_capture_id"]) == (proof_id, ids[1])
    # every figure in the sentence is the stored record's
    assert kept["amount_raw"] in f["summary_zh"] and kept["name"] in f["summary_zh"]
    assert "2026-11-20 14:20" in f["summary_zh"] and "2026-11-20 14:45" in f["summary_zh"]
    page = client.get(f"/captures/{proof_id}").get_data(as_text=True)
    assert "好友助力证明" in page and "「已帮好友砍掉0.03元」" in page and "好友 小红" in page
    (incident,) = [i for i in answer["incidents"] if i["incident_id"] == f["incident_id"]]
    assert (incident["before_capture_id"], incident["after_capture_id"]) == (proof_id, ids[1])


def test_cli_marks_friends_proofs(tmp_path):
    path = tmp_path / "Screenshot_20261120-142200.png"
    phone_shots.friend_proof(1).save(path, format="PNG")
    runner = CliRunner()
    args = ["import", str(path), "--data-dir", str(tmp_path / "data"), "--campaign", "充电宝"]
    refused = runner.invoke(cli, [*args, "--friend", "小红"])
    assert refused.exit_code != 0 and "--friend-proof" in refused.output
    result = runner.invoke(cli, [*args, "--friend-proof", "--friend", "小红"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "好友助力证明" in result.output
    db = connect(tmp_path / "data" / "bargain-witness.sqlite3")
    assert db.execute("SELECT given_name, state FROM friend_proofs").fetchall() == [("小红", "pending")]
    db.close()


def test_drop_page_offers_the_friends_proof_choice(client):
    from helpers import login_test_client

    login_test_client(client)
    page = client.get("/import").get_data(as_text=True)
    assert 'id="friend-proof"' in page and "助力成功" in page


def test_the_real_engine_reads_the_rendered_page_as_the_recorded_boxes_say(ocr_engine):
    """The one engine test: the phone-sized (3x) picture read as the recorded boxes are."""
    buf = io.BytesIO()
    phone_shots.friend_proof(3).save(buf, format="PNG")
    pixels = ocr_engine.read(buf.getvalue())
    assert read_friend_proof(pixels.boxes, CST) == read_friend_proof(recorded_boxes(), CST)
