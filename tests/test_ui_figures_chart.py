"""Figures quoted as the page showed them, and the interactive chart's data (issue #12); no browser."""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from datetime import datetime, timedelta

import pytest
from helpers import CST, post_series

from companion.campaigns.chart_json import chart_payload, compress, fmt_gap, gap_cap, to_x
from companion.campaigns.charts import ChartPoint
from companion.campaigns.formatting import figures, fmt_local

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=CST)


@pytest.mark.parametrize(
    ("row", "shown"),
    [
        ({"cut_percent": 52.0, "raw": {"cut_percent": "已砍52.0%"}}, "已砍 52.0%"),
        ({"cut_percent": 0.0, "raw": {"cut_percent": "已砍 0.0 %"}}, "已砍 0.0%"),
        ({"cut_percent": 99.9, "raw": {"cut_percent": "已砍99.9%"}}, "已砍 99.9%"),
        ({"cut_percent": 52.0, "raw_cut_percent": "进度52.00％"}, "已砍 52.00%"),  # a card's column
        ({"remaining_percent": 0.1, "raw": {"remaining_percent": "仅差0.10%"}}, "还差 0.10%"),
        ({"cut_percent": 52.0}, "已砍 52%"),  # no page text kept: the number alone
    ],
)
def test_percent_figures_keep_the_page_decimals(row, shown):
    assert figures(row)[0] == shown


def test_local_time_names_its_clock():
    assert fmt_local("2026-11-20T09:20:00+08:00") == "2026-11-20 09:20:00（北京时间）"
    assert fmt_local("2026-11-20T01:20:00.123Z") == "2026-11-20 01:20:00（UTC）"
    assert fmt_local("2026-11-20T10:20:00+09:00") == "2026-11-20 10:20:00（UTC+9）"
    assert fmt_local("2026-11-20T06:50:00+05:30") == "2026-11-20 06:50:00（UTC+5:30）"
    assert fmt_local("9999-01-01T00:00:00+08:00") == "9999-01-01T00:00:00+08:00"  # odd: as stored


def test_pages_and_bundle_quote_the_displayed_figures(client):
    facts = [
        {"cut_percent": v, "helper_count": i, "raw": {"cut_percent": f"已砍{v:.1f}%"}}
        for i, v in enumerate([0.0, 52.0, 80.0])
    ]
    answers = post_series(client, facts)
    cid = answers[0]["campaign_id"]
    campaign = client.get(f"/campaigns/{cid}").get_data(as_text=True)
    assert "已砍 0.0%" in campaign and "已砍 52.0%" in campaign and "已砍 52%" not in campaign
    assert "已砍 80.0%" in client.get("/").get_data(as_text=True)
    assert "已砍 52.0%" in client.get(f"/captures/{answers[1]['capture_id']}").get_data(as_text=True)
    with client.get(f"/api/v1/campaigns/{cid}/export") as resp:
        bundle = zipfile.ZipFile(io.BytesIO(resp.data))
    name = next(n for n in bundle.namelist() if n.endswith("timeline.csv"))
    rows = list(csv.DictReader(io.StringIO(bundle.read(name).decode("utf-8-sig"))))
    assert [r["displayed"] for r in rows] == [
        "已砍 0.0% · 好友 0 人",
        "已砍 52.0% · 好友 1 人",
        "已砍 80.0% · 好友 2 人",
    ]
    report = bundle.read(next(n for n in bundle.namelist() if n.endswith("report.html"))).decode()
    assert "已砍 52.0%" in report


def test_long_pauses_are_collapsed_and_marked():
    minutes = [0, 10, 20, 30, 570, 580, 590]  # a 9-hour pause after 09:30
    times = [(T0 + timedelta(minutes=m)).timestamp() for m in minutes]
    cap = gap_cap(times)
    assert cap == 60 * 60  # six usual 10-minute steps
    xs, gaps = compress(times, cap)
    assert gaps == [4]
    assert [round(b - a) for a, b in itertools.pairwise(xs)] == [600, 600, 600, 3600, 600, 600]
    assert to_x(times[5], times, xs) == xs[5] and to_x(times[0] - 60, times, xs) == xs[0] - 60
    assert fmt_gap(540 * 60) == "中断 9 小时" and fmt_gap(50 * 60) == "中断 50 分钟"
    assert fmt_gap(50 * 3600) == "中断 2 天 2 小时"


def test_payload_has_remaining_for_the_log_panel_and_spans_on_the_compressed_axis():
    progress = [0.0, 52.0, 99.9, 99.9, 100.0]
    minutes = [0, 10, 20, 600, 610]
    points = [
        ChartPoint(f"id{i}", T0 + timedelta(minutes=m), p, i, f"label {i}")
        for i, (m, p) in enumerate(zip(minutes, progress, strict=True))
    ]
    finding = {
        "severity": "critical",
        "started_at": (T0 + timedelta(minutes=20)).isoformat(),
        "ended_at": (T0 + timedelta(minutes=600)).isoformat(),
        "summary_zh": "停滞",
    }
    d = chart_payload(
        points,
        [finding],
        capture_url="/captures/CAPTURE_ID",
        thumb_url="/captures/CAPTURE_ID/thumb",
        finding_href=lambda i: f"#incident-{i}",
        total=5,
    )
    assert d["remaining"] == [100.0, 48.0, pytest.approx(0.1), pytest.approx(0.1), None]
    assert d["offset_minutes"] == 480 and d["id"][2] == "id2" and d["drawn"] == d["total"] == 5
    [span] = d["spans"]
    assert span["x0"] == d["x"][2] and span["x1"] == d["x"][3]  # the pause collapsed inside it too
    assert span["label"] == "严重：停滞" and span["href"] == "#incident-0"
    assert [g["text"] for g in d["gaps"]] == ["中断 9 小时"]
    assert chart_payload([], [], capture_url="", thumb_url="", finding_href=str, total=0)["x"] == []
