"""The court papers of the bundle (#16): the 证据目录 and the 民事起诉状 draft.

Both are in every bundle, listed in manifest.json and SHA256SUMS (so verify covers them), rendered
in real Chromium at A4 width (screenshots and PDFs in /tmp/shots-court/), and every figure, time
and hash in them is traced to the stored records: the campaign, its captures and readings in
SQLite, and its findings.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import re
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import launch_chromium, post_series
from helpers.bundles import rewrite
from helpers.local_tsa import LocalTsa

from companion.analysis.incidents import group
from companion.app import create_app
from companion.cli import cli
from companion.complaints.case import (
    DEFAULT_DEMANDS,
    DEMANDS,
    LEGAL_BASIS,
    OPERATOR,
    RULE_CHANGE_BASIS,
    activity_id_from,
    evidence_name,
)
from companion.core.services import services_of
from companion.export.court import DRAFT_BANNER

SHOTS = Path("/tmp/shots-court")
# A regression (95.2 -> 93.1) and then a stall at 98.9 while six more friends help.
FACTS = [
    {"cut_amount": 90.5, "remaining_amount": 9.5, "helper_count": 3},
    {"cut_amount": 95.2, "remaining_amount": 4.8, "helper_count": 5},
    {"cut_amount": 93.1, "remaining_amount": 6.9, "helper_count": 6},
] + [{"cut_amount": 98.9, "remaining_amount": 0.1, "helper_count": 8 + 2 * i} for i in range(4)]
QUIET = [{"cut_percent": 10.0 + 20 * i, "helper_count": i} for i in range(3)]
PAPERS = ("evidence_list.html", "complaint_draft.html")


def export(app, client, tmp_path: Path, facts, run_jobs: bool = False) -> dict:
    answers = post_series(client, facts)
    cid = answers[0]["campaign_id"]
    if run_jobs:  # the time-stamping job among them
        services_of(app).jobs.run_due(app)
    with client.get(f"/api/v1/campaigns/{cid}/export") as resp:
        assert resp.status_code == 200
        data = resp.data
    path = tmp_path / f"{cid}.zip"
    path.write_bytes(data)
    out = tmp_path / f"{cid}-unzipped"
    with zipfile.ZipFile(path) as zf:
        zf.extractall(out)
    (folder,) = out.iterdir()
    findings = client.get(f"/api/v1/campaigns/{cid}/findings").get_json()["findings"]
    return {"zip": path, "folder": folder, "campaign_id": cid, "records": records(app, cid, findings)}


def records(app, campaign_id: str, findings: list[dict]) -> dict:
    """What the papers may quote: the stored rows of the campaign, and its findings."""
    db = sqlite3.connect(Path(app.config["DATA_DIR"], "bargain-witness.sqlite3"))
    db.row_factory = sqlite3.Row
    campaign = dict(db.execute("SELECT * FROM campaigns WHERE id = ?", [campaign_id]).fetchone())
    captures = [dict(r) for r in db.execute("SELECT * FROM captures WHERE campaign_id = ?", [campaign_id])]
    readings = [dict(r) for r in db.execute("SELECT * FROM readings WHERE campaign_id = ?", [campaign_id])]
    stamps = [dict(r) for r in db.execute("SELECT gen_time, tsa_name FROM timestamp_tokens")]
    db.close()
    rows = [campaign, *captures, *readings, *stamps]
    texts = [str(v) for row in rows for v in row.values() if v is not None]
    texts.append(json.dumps(findings, ensure_ascii=False))
    corpus = "\n".join(texts)
    # Figures: the readings' numbers and the findings' own (their sentences and data), never a time.
    figures = [v for r in readings for k, v in r.items() if isinstance(v, (int, float)) and "utc" not in k]
    said = json.dumps([(f["summary_zh"], f.get("data")) for f in findings], ensure_ascii=False)
    said = re.sub(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?|\d{2}:\d{2}", " ", said)
    return {
        "campaign": campaign,
        "captures": captures,
        "findings": findings,
        "corpus": corpus,
        "numbers": {float(v) for v in figures} | {float(n) for n in re.findall(r"\d+(?:\.\d+)?", said)},
    }


def stamps(app) -> list[dict]:
    db = sqlite3.connect(Path(app.config["DATA_DIR"], "bargain-witness.sqlite3"))
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute("SELECT gen_time FROM timestamp_tokens")]
    finally:
        db.close()


def page_text(html: str) -> str:
    """The text a reader sees, without a browser (the quick loop; the browser test reads innerText)."""
    body = re.sub(r"(?s)<head>.*?</head>", "", html)
    return html_lib.unescape(re.sub(r"<[^>]+>", "\n", body))


def untraced(text: str, recs: dict, items: int, incidents: int) -> list[str]:
    """Every figure, time, hash or file name in ``text`` that no stored record holds."""
    corpus, bad = recs["corpus"], []
    for item in legal_items_all():  # the checked legal basis (case.py), not the user's figures
        text = text.replace(item, " ")
    hashes = {c["sha256"] for c in recs["captures"]}
    for h in re.findall(r"[0-9a-f]{64}", text):
        bad += [] if h in hashes else [h]
    text = re.sub(r"[0-9a-f]{64}", " ", text)
    names = {_file_name(c) for c in recs["captures"]}
    for name in re.findall(r"images/[\w.-]+", text):
        bad += [] if name in names else [name]
    text = re.sub(r"images/[\w.-]+", " ", text)
    url = recs["campaign"]["first_url"]
    text = (
        text.replace(url, " ")
        .replace(activity_id_from(url) or url, " ")
        .replace(f"bargain-witness-{recs['campaign']['id']}", " ")
    )
    for date, clock in re.findall(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)", text):
        if f"{date} {clock}" not in corpus and f"{date}T{clock}" not in corpus:
            bad.append(f"{date} {clock}")
    text = re.sub(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?", " ", text)
    for clock in re.findall(r"\d{2}:\d{2}(?::\d{2})?", text):
        if f" {clock}" not in corpus and f"T{clock}" not in corpus:
            bad.append(clock)
    text = re.sub(r"\d{2}:\d{2}(?::\d{2})?", " ", text)
    # Numbering and counts, each checked against the records.
    for n in re.findall(r"证据(\d+)", text):
        bad += [] if 1 <= int(n) <= items else [f"证据{n}"]
    for n in re.findall(r"事件(\d+)", text):
        bad += [] if 1 <= int(n) <= incidents else [f"事件{n}"]
    for n in re.findall(r"共 (\d+) 项", text):
        bad += [] if int(n) == items else [f"共 {n} 项"]
    for n in re.findall(r"存证 (\d+) 次", text):
        bad += [] if int(n) == len(recs["captures"]) else [f"存证 {n} 次"]
    for n in re.findall(r"(\d+) 个异常事件", text):
        bad += [] if int(n) == incidents else [f"{n} 个异常事件"]
    text = re.sub(r"证据\d+|事件\d+|共 \d+ 项|存证 \d+ 次|\d+ 个异常事件|RFC 3161|SHA-?256(SUMS)?", " ", text)
    for n in re.findall(r"\d+(?:\.\d+)?", text):
        bad += [] if float(n) in recs["numbers"] else [n]
    return bad


def legal_items_all() -> list[str]:
    return [*LEGAL_BASIS, RULE_CHANGE_BASIS]


def _file_name(capture: dict) -> str:
    return f"images/{evidence_name(capture)}"


def serious_incidents(findings: list[dict]) -> int:
    return sum(1 for x in group(findings) if x["severity"] in ("critical", "warning"))


@pytest.fixture
def case(app, client, tmp_path):
    return export(app, client, tmp_path, FACTS)


def test_papers_are_in_the_bundle_listed_and_verified(case, tmp_path):
    folder = case["folder"]
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    sums = dict(reversed(line.split("  ", 1)) for line in (folder / "SHA256SUMS").read_text().splitlines())
    for name in PAPERS:
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        assert listed[name] == sums[name] == digest
        html = (folder / name).read_text("utf-8")
        assert "<script" not in html and 'src="http' not in html and "@page { size: A4" in html
        assert DRAFT_BANNER in html
    result = CliRunner().invoke(cli, ["verify", str(case["zip"])], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    # An edited draft is named by verify.
    bad = tmp_path / "edited.zip"

    def fill_in_the_draft(files):
        for name in [n for n in files if n.endswith("complaint_draft.html")]:
            files[name] = files[name].replace("【请填写：XX】".encode(), "上海市某区".encode())

    rewrite(case["zip"], bad, fill_in_the_draft)
    result = CliRunner().invoke(cli, ["verify", str(bad)], catch_exceptions=False)
    assert result.exit_code == 1 and "complaint_draft.html" in result.output


def test_the_captures_that_prove_incidents_come_first(case):
    recs = case["records"]
    html = (case["folder"] / "evidence_list.html").read_text("utf-8")
    rows = re.findall(r'<tr id="evidence-(\d+)">.*?images/([\w.-]+)', html, flags=re.S)
    by_file = {_file_name(c).removeprefix("images/"): c for c in recs["captures"]}
    assert [int(n) for n, _ in rows] == list(range(1, len(recs["captures"]) + 1))
    assert sorted(f for _, f in rows) == sorted(by_file)  # every capture once
    serious = [x for x in group(recs["findings"]) if x["severity"] in ("critical", "warning")]
    assert len(serious) == 2
    proving = [x[k] for x in serious for k in ("before_capture_id", "after_capture_id")]
    assert [by_file[f]["id"] for _, f in rows[:4]] == proving
    rest = [by_file[f]["taken_at"] for _, f in rows[4:]]
    assert rest == sorted(rest)  # the others in time order
    assert "事件1（进度倒退）之前的页面。与证据2对照，证明：" in html
    assert "证明该时刻活动页面显示：已砍 ¥90.50、还差 ¥9.50、好友 3 人。" in html
    # The last item is the records and checks themselves.
    assert f'<tr id="evidence-{len(rows) + 1}">' in html and "manifest.json" in html


def test_the_complaint_draft_names_the_parties_and_cites_the_evidence(case):
    text = page_text((case["folder"] / "complaint_draft.html").read_text("utf-8"))
    assert DRAFT_BANNER in text and "民事起诉状" in text
    for label in ("姓名：", "身份证号：", "住址：", "联系电话："):
        assert text.split(label, 1)[1].lstrip().startswith("【请填写")  # the plaintiff fills these
    assert f"名称：{OPERATOR}" in text
    for label in ("住所地：", "统一社会信用代码：", "法定代表人："):  # not checked facts: left to fill
        assert text.split(label, 1)[1].lstrip().startswith("【请填写")
    for d in DEFAULT_DEMANDS:
        assert f"判令被告{DEMANDS[d]}；" in text
    assert "（见证据1、证据2）" in text and "（见证据3、证据4）" in text
    assert "已砍 ¥95.20、还差 ¥4.80" in text and "新增 6 位好友助力" in text
    assert "《证据目录》" in text and "【请填写：XX】" in text and "人民法院" in text


def test_a_campaign_without_incidents(app, client, tmp_path):
    quiet = export(app, client, tmp_path, QUIET)
    listing = page_text((quiet["folder"] / "evidence_list.html").read_text("utf-8"))
    draft = page_text((quiet["folder"] / "complaint_draft.html").read_text("utf-8"))
    assert "事件1" not in listing and listing.count("活动页面截图") == 3
    assert "未检测到明显的进度异常" in draft and "见证据" not in draft
    assert untraced(listing + draft, quiet["records"], items=4, incidents=0) == []


def test_every_figure_is_traced_to_a_record(case):
    recs = case["records"]
    n = serious_incidents(recs["findings"])
    for name in PAPERS:
        text = page_text((case["folder"] / name).read_text("utf-8"))
        assert untraced(text, recs, items=len(recs["captures"]) + 1, incidents=n) == [], name
    # The check can fail: a figure, a time, a hash and a count that no record holds.
    text = "已砍 ¥95.21 · 2026-11-20 14:12 · 14:13 · " + "ab" * 32 + " · 证据9 · 存证 8 次 · 事件3"
    assert untraced(text, recs, items=8, incidents=n) == [
        "ab" * 32, "2026-11-20 14:12", "14:13", "证据9", "事件3", "存证 8 次", "95.21",
    ]  # fmt: skip


@pytest.mark.browser
def test_papers_in_chromium_at_a4(case, playwright):
    """Rendered and printed by real Chromium; screenshots and PDFs for a person to look at."""
    SHOTS.mkdir(exist_ok=True)
    recs = case["records"]
    n = serious_incidents(recs["findings"])
    browser = launch_chromium(playwright)
    try:
        page = browser.new_page(viewport={"width": 794, "height": 1123})  # A4 at 96 dpi
        for name in PAPERS:
            page.goto((case["folder"] / name).as_uri())
            stem = name.removesuffix(".html")
            page.screenshot(path=str(SHOTS / f"{stem}.png"), full_page=True)
            pdf = page.pdf(path=str(SHOTS / f"{stem}.pdf"), format="A4", print_background=True)
            assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 1
            assert page.evaluate("document.documentElement.scrollWidth") <= 794  # nothing wider than A4
            text = page.evaluate("document.body.innerText")
            assert DRAFT_BANNER in text
            assert untraced(text, recs, items=len(recs["captures"]) + 1, incidents=n) == [], name
            page.emulate_media(media="print")
            assert page.evaluate("document.documentElement.scrollWidth") <= 794
            page.screenshot(path=str(SHOTS / f"{stem}-print.png"), full_page=True)
            page.emulate_media(media="screen")
    finally:
        browser.close()


def test_page_text_is_escaped(app, client, tmp_path):
    """A product name chosen by the page never becomes markup or reorders what a reader sees."""
    facts = [{**f, "product_name": "<img src=x onerror=alert(1)>\u202egnp.exe"} for f in QUIET]
    papers = export(app, client, tmp_path, facts)
    for name in PAPERS:
        html = (papers["folder"] / name).read_text("utf-8")
        assert "<img" not in html and "\u202e" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;&lt;U+202E&gt;gnp.exe" in html


def test_trusted_times_are_the_authoritys(tmp_path):
    """With an RFC 3161 authority, each item's 可信时间 is the token's own time, traced to its record."""
    tsa = LocalTsa(tmp_path / "tsa")
    try:
        data = tmp_path / "data"
        data.mkdir()
        shutil.copy(tsa.root, data / "tsa-root.pem")
        config = {"tsa_urls": [tsa.url], "tsa_ca_file": "tsa-root.pem"}
        (data / "config.json").write_text(json.dumps(config), encoding="utf-8")
        app = create_app(
            {"TESTING": True, "DATA_DIR": str(data), "TSA_BATCH_SECONDS": 0, "OCR_CROSS_CHECK": False}
        )
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['API_TOKEN']}"
        papers = export(app, client, tmp_path, FACTS[:3], run_jobs=True)
    finally:
        tsa.close()
    app.extensions["bargain_witness_db"].close_all()
    recs = papers["records"]
    listing = page_text((papers["folder"] / "evidence_list.html").read_text("utf-8"))
    assert listing.count("可信时间：不晚于") == 3
    shown = set(re.findall(r"可信时间：不晚于 (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})（UTC）", listing))
    stamped = {r["gen_time"] for r in stamps(app)}
    assert shown and {f"{d}T{t}Z" for d, t in shown} <= stamped  # the authority's time, as it signed it
    assert untraced(listing, recs, items=4, incidents=serious_incidents(recs["findings"])) == []
