"""The complaint pages of the dashboard: drafts, edits by form, filings, follow-up (#5)."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import post_series

from companion.app import create_app

STALL = [{"cut_amount": 98.9, "remaining_amount": 0.1, "helper_count": 10 + 2 * i} for i in range(4)]
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


@pytest.fixture
def dash(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path), "TODAY": date(2026, 12, 3)})
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['API_TOKEN']}"
    return c


def test_drafts_page_shows_every_channel(dash):
    cid = post_series(dash, STALL)[0]["campaign_id"]
    html = dash.get(f"/campaigns/{cid}/complaints").get_data(as_text=True)
    for name in ("拼多多官方客服", "拼多多客服电话", "电子邮件", "全国12315平台", "黑猫投诉"):
        assert name in html
    assert "上海寻梦信息技术有限公司" in html and "021-53395288" in html
    assert "新增 6 位好友助力" in html and 'class="copy"' in html


def test_editing_by_form_keeps_only_changes(dash):
    cid = post_series(dash, STALL)[0]["campaign_id"]
    api = f"/api/v1/campaigns/{cid}/complaints/12315"
    fields = {f"field:{f['key']}": f["value"] for f in dash.get(api).get_json()["fields"]}
    fields["field:address"] = "上海市某区某路1号"
    resp = dash.post(
        f"/campaigns/{cid}/complaints/12315",
        data={**fields, "demand": ["ship"], "action": "save"},
        headers=SAME_ORIGIN,
    )
    assert resp.status_code == 303 and resp.headers["Location"].endswith("#ch-12315")
    draft = dash.get(api).get_json()
    edited = [f["key"] for f in draft["fields"] if f.get("edited")]
    assert edited == ["address"] and draft["demands"] == ["ship"]
    dash.post(f"/campaigns/{cid}/complaints/12315", data={"action": "reset"}, headers=SAME_ORIGIN)
    assert dash.get(api).get_json()["edited"] is False


def test_cross_site_form_posts_are_refused(dash):
    cid = post_series(dash, STALL)[0]["campaign_id"]
    resp = dash.post(
        f"/campaigns/{cid}/complaints/12315",
        data={"field:address": "x"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert resp.status_code == 403
    assert dash.get(f"/api/v1/campaigns/{cid}/complaints/12315").get_json()["edited"] is False


def test_filing_and_followup_page(dash):
    cid = post_series(dash, STALL)[0]["campaign_id"]
    resp = dash.post(
        f"/campaigns/{cid}/filings",
        data={"channel": "pdd_chat", "sent_on": "2026-11-20", "ticket": "KF-88"},
        headers=SAME_ORIGIN,
    )
    assert resp.status_code == 303
    html = dash.get("/followups").get_data(as_text=True)
    assert "已逾期" in html and "KF-88" in html and "去写全国12315平台投诉" in html
    filing_id = dash.get(f"/api/v1/campaigns/{cid}/filings").get_json()["filings"][0]["id"]
    dash.post(f"/filings/{filing_id}/answered", data={"next": "https://evil.example/"}, headers=SAME_ORIGIN)
    assert "已答复" in dash.get("/followups").get_data(as_text=True)
    assert (
        dash.post(
            f"/campaigns/{cid}/filings",
            data={"channel": "pdd_chat", "sent_on": "yesterday"},
            headers=SAME_ORIGIN,
        ).status_code
        == 400
    )


def test_open_redirect_is_refused(dash):
    cid = post_series(dash, STALL)[0]["campaign_id"]
    dash.post(
        f"/campaigns/{cid}/filings", data={"channel": "12315", "sent_on": "2026-11-20"}, headers=SAME_ORIGIN
    )
    fid = dash.get(f"/api/v1/campaigns/{cid}/filings").get_json()["filings"][0]["id"]
    resp = dash.post(f"/filings/{fid}/answered", data={"next": "//evil.example/x"}, headers=SAME_ORIGIN)
    assert resp.headers["Location"].endswith("/followups")
