"""Findings through the API: after every capture, at /findings, and with configured thresholds."""

from __future__ import annotations

from datetime import datetime, timedelta

from helpers import CST, capture_payload

from companion.app import create_app

START = datetime(2026, 11, 20, 14, 0, tzinfo=CST)


def stalled_series(n: int = 4):
    """99.9 % on display while two friends help between captures."""
    for i in range(n):
        yield capture_payload(
            url="https://mobile.yangkeduo.com/assist.html?activity_id=A1",
            taken_at=START + timedelta(minutes=10 * i),
            seed=i,
            facts={
                "cut_percent": 99.9,
                "remaining_percent": 0.1,
                "helper_count": 10 + 2 * i,
                "raw": {"cut_percent": "已砍99.9%", "remaining_percent": "仅差0.1%"},
            },
        )


def test_post_answers_current_findings_and_findings_endpoint_agrees(client):
    answers = [client.post("/api/v1/captures", json=b).get_json() for b in stalled_series()]
    assert answers[0]["findings"] == []
    stall = next(f for f in answers[-1]["findings"] if f["type"] == "stall")
    assert stall["severity"] == "critical" and stall["data"]["assists"] == 6
    assert stall["before_capture_id"] == answers[0]["capture_id"]
    assert stall["after_capture_id"] == answers[-1]["capture_id"]
    assert stall["summary_zh"].startswith("2026-11-20 14:00 至 14:30 期间新增 6 位好友助力")
    campaign_id = answers[-1]["campaign_id"]
    listed = client.get(f"/api/v1/campaigns/{campaign_id}/findings").get_json()["findings"]
    assert listed == answers[-1]["findings"]
    assert client.get(f"/api/v1/campaigns/{campaign_id}").get_json()["findings"] == listed


def test_out_of_order_arrival_gives_the_same_findings(client, tmp_path):
    bodies = list(stalled_series())
    in_order = [client.post("/api/v1/captures", json=b).get_json() for b in bodies][-1]["findings"]
    other = create_app({"DATA_DIR": str(tmp_path / "other")})
    c2 = other.test_client()
    c2.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {other.config['API_TOKEN']}"
    shuffled = [
        c2.post("/api/v1/captures", json=b).get_json() for b in (bodies[2], bodies[0], bodies[3], bodies[1])
    ]
    assert shuffled[-1]["findings"] == in_order


def test_thresholds_are_configurable(tmp_path):
    app = create_app(
        {
            "DATA_DIR": str(tmp_path),
            "DETECT_THRESHOLDS": {"stall_min_assists": 10, "stall_critical_assists": 20},
        }
    )
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['API_TOKEN']}"
    answers = [c.post("/api/v1/captures", json=b).get_json() for b in stalled_series()]
    assert not any(f["type"] == "stall" for f in answers[-1]["findings"])


def test_findings_of_unknown_campaign_is_404(client):
    resp = client.get("/api/v1/campaigns/nope/findings")
    assert resp.status_code == 404 and resp.get_json()["error"] == "campaign_not_found"


def test_thresholds_from_the_data_dir_config_file(tmp_path):
    (tmp_path / "config.json").write_text(
        '{"detect_thresholds": {"stall_min_assists": 10, "stall_critical_assists": 20}}'
    )
    app = create_app(data_dir=tmp_path)
    assert app.extensions["bargain_witness"].thresholds.stall_min_assists == 10


def test_bad_config_stops_the_companion_with_a_chinese_message(tmp_path):
    import subprocess
    import sys

    (tmp_path / "config.json").write_text('{"detect_thresholds": {"stall_min_asists": 4}}')
    proc = subprocess.run(
        [sys.executable, "-m", "companion", "serve", "--port", "0", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "未知的检测阈值：stall_min_asists" in proc.stderr and "Traceback" not in proc.stderr
