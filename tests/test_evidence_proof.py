"""Issue #10: a bundle proves what it can (completeness, trusted time from a local RFC 3161 TSA) and
says plainly what it cannot. Every kind of tampering is caught and named, even with every hash
recomputed, once a trusted timestamp covers the records."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import CST, capture_payload, session_client, wait_for
from helpers.bundles import export_bundle
from helpers.local_tsa import LocalTsa

from companion.app import create_app
from companion.cli import cli
from companion.core.db import connect
from companion.core.services import services_of
from companion.evidence.chain import GENESIS_HASH, chain_hash
from companion.jobs.worker import Worker

URL = "https://mobile.yangkeduo.com/bargain.html?goods_id=777"
START = datetime(2026, 11, 20, 14, 0, tzinfo=CST)
CHROME_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@pytest.fixture(scope="module")
def local_tsa(tmp_path_factory):
    server = LocalTsa(tmp_path_factory.mktemp("tsa"))
    yield server
    server.close()


def make_app(data: Path, tsa: LocalTsa | None):
    data.mkdir(parents=True, exist_ok=True)
    if tsa is not None:
        shutil.copy(tsa.root, data / "tsa-root.pem")
        config = {"tsa_urls": [tsa.url], "tsa_ca_file": "tsa-root.pem"}
        (data / "config.json").write_text(json.dumps(config), encoding="utf-8")
    app = create_app(
        {"TESTING": True, "DATA_DIR": str(data), "TSA_BATCH_SECONDS": 0, "OCR_CROSS_CHECK": False}
    )
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['API_TOKEN']}"
    client.environ_base["HTTP_USER_AGENT"] = CHROME_UA
    return app, client


def post(client, i: int, **extra):
    body = capture_payload(
        url=URL,
        seed=i,
        taken_at=START + timedelta(minutes=10 * i),
        facts={"cut_amount": 90 + i, "remaining_amount": 9 - i, "helper_count": 3 + i},
        **extra,
    )
    resp = client.post("/api/v1/captures", json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def run_jobs(app) -> None:
    services_of(app).jobs.run_due(app)


def verify(*args):
    return CliRunner().invoke(cli, ["verify", *map(str, args)], catch_exceptions=False)


def unpack(path: Path) -> tuple[str, dict[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        top = zf.namelist()[0].split("/")[0]
        return top, {n.removeprefix(top + "/"): zf.read(n) for n in zf.namelist()}


def pack(path: Path, top: str, files: dict[str, bytes], *, dirs: bool = False) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        if dirs and top:
            zf.writestr(f"{top}/", b"")
            zf.writestr(f"{top}/images/", b"")
        for name, data in files.items():
            zf.writestr(f"{top}/{name}" if top else name, data)
    return path


def reseal(files: dict[str, bytes], change_records) -> None:
    """What a careful forger does: change the records, then recompute every hash there is."""
    manifest = json.loads(files["manifest.json"])
    records = manifest["captures"]
    change_records(records)
    prev = GENESIS_HASH
    for i, rec in enumerate(records, 1):
        rec["facts_json"] = json.dumps(rec["facts"], ensure_ascii=False, sort_keys=True)
        rec["campaign_seq"], rec["campaign_prev_hash"], rec["prev_hash"] = i, prev, prev
        rec["record_hash"] = prev = chain_hash(rec, prev)
    manifest["chain"].update(count=len(records), head=prev)
    for entry in manifest["files"]:
        if entry["path"] in files:
            entry["sha256"] = hashlib.sha256(files[entry["path"]]).hexdigest()
    files["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    files["SHA256SUMS"] = "".join(
        f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in files.items() if n != "SHA256SUMS"
    ).encode()


@pytest.fixture
def stamped(tmp_path, local_tsa):
    """Three captures, time-stamped; a fourth that anchors to that timestamp; stamped again."""
    app, client = make_app(tmp_path / "data", local_tsa)
    answers = [post(client, i) for i in range(3)]
    run_jobs(app)
    answers.append(post(client, 3))
    run_jobs(app)
    path = export_bundle(client, answers[0]["campaign_id"], tmp_path / "bundle.zip")
    return app, client, answers, path


def test_capture_is_time_stamped_and_the_bundle_verifies(stamped, tmp_path):
    app, _client, answers, path = stamped
    db = connect(app.config["DATABASE"])
    assert db.execute("SELECT COUNT(*) FROM timestamp_tokens").fetchone()[0] == 2
    row = db.execute("SELECT anchor, browser, os, companion_version FROM captures ORDER BY seq").fetchall()
    assert row[0][0] is None and row[3][0]  # the fourth names the checkpoint stamped before it
    assert row[0][1:3] == ("Chrome 131.0.0.0", "Windows 10/11") and row[0][3]
    db.close()
    result = verify(path)
    assert result.exit_code == 0, result.output
    assert "全部完好" in result.output and "可信时间戳（RFC 3161）来自：CN=Test TSA" in result.output
    assert result.output.count("：可信时间不晚于 ") == 4  # every capture, its earliest trusted time
    top, files = unpack(path)
    assert top == f"bargain-witness-{answers[0]['campaign_id']}"
    assert {"report.html", "timestamps/roots.pem", "timestamps/0001-checkpoint.json"} <= set(files)
    html = files["report.html"].decode()
    assert "不是中立的第三方" in html and "sha256sum -c SHA256SUMS" in html and "<svg" in html


def test_an_untouched_bundle_verifies_however_it_is_repacked(stamped, tmp_path):
    path = stamped[3]
    top, files = unpack(path)
    for name, kwargs in (("flat.zip", {"top": ""}), ("dirs.zip", {"top": top, "dirs": True})):
        repacked = pack(tmp_path / name, kwargs["top"], files, dirs=kwargs.get("dirs", False))
        assert verify(repacked).exit_code == 0, name
    shutil.unpack_archive(path, tmp_path / "out")
    assert verify(tmp_path / "out").exit_code == 0  # the folder it was unzipped into
    assert verify(tmp_path / "out" / top).exit_code == 0  # the bundle's own folder


def forged(path: Path, tmp_path: Path, change) -> Path:
    top, files = unpack(path)
    change(files)
    return pack(tmp_path / "forged.zip", top, files)


def edit_figures_and_time(records):
    records[1]["facts"]["helper_count"] = 99
    records[1]["taken_at"] = "2026-11-20T13:00:00.000+08:00"


@pytest.mark.parametrize(
    ("kind", "change", "named"),
    [
        (
            "a byte flipped in an image",
            lambda f: f.update(
                {n: f[n][:-1] + bytes([f[n][-1] ^ 1]) for n in [min(k for k in f if "images/" in k)]}
            ),
            "文件已被改动：images/",
        ),
        (
            "figures and time edited, every hash recomputed",
            lambda f: reseal(f, edit_figures_and_time),
            "另有内容",
        ),
        ("a capture deleted, chain recomputed", lambda f: reseal(f, lambda r: r.pop(1)), "另有内容"),
        (
            "records re-ordered, chain recomputed",
            lambda f: reseal(f, lambda r: r.reverse()),
            "记录顺序被调换",
        ),
        (
            "a file added",
            lambda f: f.update({"images/extra.png": b"\x89PNG"}),
            "多出未登记的文件：images/extra.png",
        ),
        (
            "the manifest edited",
            lambda f: f.update({"manifest.json": f["manifest.json"] + b" "}),
            "清单被改动",
        ),
        (
            "a timestamp token swapped",
            lambda f: f.update({"timestamps/0001-1.tsr": f["timestamps/0002-1.tsr"]}),
            "时间戳凭证无效：timestamps/0001-1.tsr",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and " " in v else None,
)
def test_tampering_is_caught_and_named(stamped, tmp_path, kind, change, named):
    result = verify(forged(stamped[3], tmp_path, change))
    assert result.exit_code == 1, kind
    assert named in result.output, result.output


def test_a_removed_token_is_caught_even_with_the_manifest_recomputed(stamped, tmp_path):
    def drop_first_stamp(files):
        manifest = json.loads(files["manifest.json"])
        gone = manifest["timestamps"]["checkpoints"].pop(0)
        files.pop(gone["checkpoint"])
        for token in gone["tokens"]:
            files.pop(token["file"])
        manifest["files"] = [e for e in manifest["files"] if e["path"] in files]
        files["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode()
        files["SHA256SUMS"] = "".join(
            f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in files.items() if n != "SHA256SUMS"
        ).encode()

    result = verify(forged(stamped[3], tmp_path, drop_first_stamp))
    assert result.exit_code == 1 and "时间戳被删除或替换：记录" in result.output


def test_a_root_the_user_trusts_instead_of_the_bundled_one(stamped, tmp_path):
    other = LocalTsa(tmp_path / "other", "Other TSA")
    try:
        assert verify("--tsa-ca", other.root, stamped[3]).exit_code == 1  # not signed under that root
    finally:
        other.close()
    ok = verify("--tsa-ca", stamped[0].config["DATA_DIR"] + "/tsa-root.pem", stamped[3])
    assert ok.exit_code == 0 and "你用 --tsa-ca 指定的" in ok.output


def test_without_a_tsa_completeness_is_checked_and_the_limits_said(tmp_path):
    _app, client = make_app(tmp_path / "data", None)
    answers = [post(client, i) for i in range(3)]
    path = export_bundle(client, answers[0]["campaign_id"], tmp_path / "b.zip")
    result = verify(path)
    assert result.exit_code == 0 and "没有任何第三方为这些截图的时间作证" in result.output

    def drop_middle(files):  # a careless deletion: the campaign's chain shows the gap
        manifest = json.loads(files["manifest.json"])
        manifest["captures"].pop(1)
        files["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode()
        files["SHA256SUMS"] = "".join(
            f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in files.items() if n != "SHA256SUMS"
        ).encode()

    result = verify(forged(path, tmp_path, drop_middle))
    assert result.exit_code == 1 and "本活动的记录有缺漏" in result.output


def test_archive_verify_catches_a_recomputed_edit_after_the_timestamp(stamped):
    app, _client, _answers, _ = stamped
    data_dir = Path(app.config["DATA_DIR"])
    assert verify("--data-dir", data_dir).exit_code == 0
    db = connect(app.config["DATABASE"])
    rows = [dict(r) for r in db.execute_returning_dicts("SELECT * FROM captures ORDER BY seq")]
    db.execute("DROP TRIGGER captures_no_update")
    rows[1]["facts_json"] = '{"helper_count":99}'
    prev = GENESIS_HASH
    for row in rows:  # the owner rewrites the record and every later hash
        row["prev_hash"] = prev
        row["campaign_prev_hash"] = (
            rows[rows.index(row) - 1]["record_hash"] if rows.index(row) else GENESIS_HASH
        )
        row["record_hash"] = prev = chain_hash(row, prev)
        db.execute(
            "UPDATE captures SET facts_json = ?, prev_hash = ?, campaign_prev_hash = ?, record_hash = ? "
            "WHERE seq = ?",
            [row["facts_json"], row["prev_hash"], row["campaign_prev_hash"], row["record_hash"], row["seq"]],
        )
    db.close()
    result = verify("--data-dir", data_dir)
    assert result.exit_code == 1 and "与现在的记录不符" in result.output, result.output


def test_archive_verify_names_image_files_no_record_names(tmp_path):
    app, client = make_app(tmp_path / "data", None)
    post(client, 0)
    stray = Path(app.config["DATA_DIR"], "blobs", "ab", "ab" + "0" * 62 + ".png")
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(b"\x89PNG")
    result = verify("--data-dir", app.config["DATA_DIR"])
    assert result.exit_code == 1 and f"没有任何存证记录指向的图片文件：blobs/ab/{stray.name}" in result.output


def test_offline_tsa_is_retried_by_the_worker(tmp_path, local_tsa):
    app, client = make_app(tmp_path / "data", local_tsa)
    local_tsa.offline = True
    try:
        post(client, 0)
        run_jobs(app)
    finally:
        local_tsa.offline = False
    db = connect(app.config["DATABASE"])
    assert db.execute("SELECT state, attempts FROM jobs WHERE kind = 'tsa_stamp'").fetchone() == ("queued", 1)
    worker = Worker(app, poll_seconds=0.2).start()
    try:
        wait_for(
            lambda: db.execute("SELECT COUNT(*) FROM timestamp_tokens").fetchone()[0],
            timeout=30,
            message="the retried timestamp",
        )
    finally:
        worker.stop()
        db.close()


def test_a_burst_of_captures_costs_one_request(tmp_path, local_tsa):
    app, client = make_app(tmp_path / "data", local_tsa)
    before = local_tsa.requests
    for i in range(5):
        post(client, i)
    run_jobs(app)
    assert local_tsa.requests - before == 1


def test_a_capture_with_a_clock_far_ahead_is_flagged_and_left_out(tmp_path):
    app, client = make_app(tmp_path / "data", None)
    answers = [post(client, i) for i in range(2)]
    future = datetime.now(timezone.utc) + timedelta(days=3)
    bad = client.post(
        "/api/v1/captures",
        json=capture_payload(
            url=URL, seed=9, taken_at=future, facts={"cut_amount": 1, "remaining_amount": 98}
        ),
    ).get_json()
    campaign_id = answers[0]["campaign_id"]
    body = client.get(f"/api/v1/campaigns/{campaign_id}").get_json()
    assert bad["capture_id"] not in [r["capture_id"] for r in body["readings"]]
    assert client.get(f"/api/v1/captures/{bad['capture_id']}").get_json()["clock_flag"] == "clock_ahead"
    page = session_client(app).get(f"/captures/{bad['capture_id']}").get_data(as_text=True)
    assert "时间不可信" in page
    late = client.post(  # taken well before what the campaign already has, delivered after it
        "/api/v1/captures",
        json=capture_payload(url=URL, seed=8, taken_at=START - timedelta(hours=3)),
    ).get_json()
    assert client.get(f"/api/v1/captures/{late['capture_id']}").get_json()["clock_flag"] == "out_of_order"


def test_captures_are_ordered_by_the_instant_not_the_text(tmp_path):
    _app, client = make_app(tmp_path / "data", None)
    first = post(client, 0)  # 14:00 +08:00 = 06:00 UTC
    tokyo = (START - timedelta(minutes=30)).astimezone(timezone(timedelta(hours=9)))
    assert tokyo.isoformat() > START.isoformat()  # 14:30+09:00: later as text, 30 minutes earlier in fact
    earlier = client.post(
        "/api/v1/captures", json=capture_payload(url=URL, seed=5, taken_at=tokyo)
    ).get_json()
    listed = client.get(f"/api/v1/campaigns/{first['campaign_id']}").get_json()["captures"]
    assert [c["id"] for c in listed] == [earlier["capture_id"], first["capture_id"]]


def test_settings_page_saves_the_tsa_choice(tmp_path):
    app, _client = make_app(tmp_path / "data", None)
    page = session_client(app)
    resp = page.post(
        "/settings/tsa",
        data={"tsa": ["https://freetsa.org/tsr"], "tsa_extra": "http://127.0.0.1:9/tsr\n"},
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    assert resp.status_code == 302
    config = json.loads(Path(app.config["DATA_DIR"], "config.json").read_text(encoding="utf-8"))
    assert config["tsa_urls"] == ["https://freetsa.org/tsr", "http://127.0.0.1:9/tsr"]
    html = page.get("/settings").get_data(as_text=True)
    assert 'value="https://freetsa.org/tsr" checked' in html


def test_page_text_is_escaped_in_every_file(tmp_path):
    _app, client = make_app(tmp_path / "data", None)
    evil = '<script>alert(1)</script> =HYPERLINK("x") \u202egpj.exe [a](javascript:x)'
    body = capture_payload(url=URL, seed=1, facts={"cut_amount": 1, "remaining_amount": 2})
    body["page"]["title"] = evil
    answer = client.post("/api/v1/captures", json=body).get_json()
    _top, files = unpack(export_bundle(client, answer["campaign_id"], tmp_path / "e.zip"))
    assert "<script>" not in files["report.html"].decode() and "\u202e" not in files["report.html"].decode()
    assert "<script>" not in files["report.md"].decode() and "\\[a\\]" in files["report.md"].decode()
    for name, data in files.items():
        if name.endswith(".txt"):
            assert "\u202e" not in data.decode(), name
    assert io.BytesIO(files["manifest.json"]).read()  # JSON: escaped by its own format
