"""GET /api/v1/campaigns/<id> pages through captures (#13, docs/api.md "Paging")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import SERIES_START, SERIES_URL, capture_payload

from companion.core.schema import Schema

ORDER = [3, 0, 6, 1, 5, 2, 4]  # arrival order: time order is 0..6


@pytest.fixture
def campaign(client):
    answers = []
    for i in ORDER:
        body = capture_payload(
            url=SERIES_URL,
            taken_at=SERIES_START + timedelta(minutes=7 * i),
            seed=i,
            facts={"cut_amount": 90 + i, "remaining_amount": 9 - i},
        )
        answers.append(client.post("/api/v1/captures", json=body).get_json())
    return {
        "id": answers[0]["campaign_id"],
        "by_minute": {i: a["capture_id"] for i, a in zip(ORDER, answers, strict=True)},
    }


def pages(client, campaign_id, limit):
    cursor, out = None, []
    while True:
        query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(f"/api/v1/campaigns/{campaign_id}{query}").get_json()
        out.append(body)
        cursor = body["page"]["next_cursor"]
        if cursor is None:
            return out


def test_pages_walk_every_capture_once_in_time_order(client, campaign):
    walked = pages(client, campaign["id"], 3)
    assert [len(p["captures"]) for p in walked] == [3, 3, 1]
    ids = [c["id"] for p in walked for c in p["captures"]]
    assert ids == [campaign["by_minute"][i] for i in range(7)]
    for p in walked:
        assert Schema().first_error("campaign_page", p["page"]) is None
        assert p["page"]["total"] == 7
        assert [r["capture_id"] for r in p["readings"]] == [c["id"] for c in p["captures"]]
        assert p["findings"] == walked[0]["findings"]  # always the whole campaign's


def test_old_clients_get_the_first_page_with_everything_in_a_small_campaign(client, campaign):
    body = client.get(f"/api/v1/campaigns/{campaign['id']}").get_json()
    assert len(body["captures"]) == len(body["readings"]) == 7
    assert body["page"] == {"limit": 500, "next_cursor": None, "total": 7}


def test_a_capture_stored_while_paging_is_not_repeated_and_a_later_one_appears(client, campaign):
    first = client.get(f"/api/v1/campaigns/{campaign['id']}?limit=4").get_json()
    late = capture_payload(url=SERIES_URL, taken_at=SERIES_START + timedelta(minutes=7 * 6 + 1), seed=99)
    early = capture_payload(url=SERIES_URL, taken_at=SERIES_START - timedelta(minutes=1), seed=98)
    client.post("/api/v1/captures", json=late)
    client.post("/api/v1/captures", json=early)  # before the cursor: not on a later page
    cursor = first["page"]["next_cursor"]
    rest = client.get(f"/api/v1/campaigns/{campaign['id']}?limit=10&cursor={cursor}").get_json()
    seen = [c["id"] for c in first["captures"]] + [c["id"] for c in rest["captures"]]
    assert len(seen) == len(set(seen)) == 8
    assert seen[-1] == late["capture_id"]
    assert early["capture_id"] not in seen


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=-1", "limit=abc", "limit=2001", "cursor=%%%", "cursor=WzFd", "cursor=eyJhIjoxfQ"],
)
def test_bad_paging_parameters_are_a_clear_400(client, campaign, query):
    resp = client.get(f"/api/v1/campaigns/{campaign['id']}?{query}")
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["error"] == "invalid_parameter"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])
