"""The dashboard (issue #4): campaigns list, campaign page (chart, findings, timeline), capture page,
settings, thumbnails. Data goes in through the real capture API; the browser tests drive Debian's
Chromium against the companion started as a subprocess, and save screenshots to test-artifacts/."""

from __future__ import annotations

import hashlib
import io
import json
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from helpers import CST, ROOT, capture_payload, launch_chromium, png_bytes
from markupsafe import escape
from PIL import Image, ImageDraw, ImageFont

from companion.campaigns import views as dashboard
from companion.campaigns.charts import ChartPoint, downsample, progress_domain, render_svg

START = datetime(2026, 11, 20, 14, 0, tzinfo=CST)
ARTIFACTS = ROOT / "test-artifacts"
CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SVG_NS = "{http://www.w3.org/2000/svg}"


# ---------------------------------------------------------------------------------------------
# Data: a bargain that rises, stalls at ¥99.18 while friends keep helping, goes backwards, and
# changes its rules. Screenshots are drawn like a phone page so the thumbnails look like evidence.


def phone_png(lines: list[str], seed: int) -> bytes:
    img = Image.new("RGB", (300, 560), (255, 244, 240))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, 300, 60), fill=(224, 46, 36))
    try:
        big, small = ImageFont.truetype(str(CJK_FONT), 26), ImageFont.truetype(str(CJK_FONT), 18)
    except OSError:
        big = small = ImageFont.load_default()
    draw.text((16, 14), "砍价免费拿", fill="white", font=big)
    for i, line in enumerate(lines):
        draw.text((16, 90 + 44 * i), line, fill=(40, 40, 40), font=big if i < 2 else small)
    draw.rectangle((16, 480, 284, 530), fill=(255, 210, 0))
    draw.text((90, 490), f"邀请好友 #{seed}", fill=(120, 40, 0), font=small)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


RULES = "1. 活动时间为24小时。\n2. 每位好友每天可帮砍1次。"


def bargain_series(url: str = "https://mobile.yangkeduo.com/bargain.html?goods_id=777&refer_share_id=x"):
    cuts = [80.00, 90.50, 95.20, 97.80, 98.90, 99.18, 99.18, 99.18, 99.18, 99.10, 99.10, 99.10]
    for i, cut in enumerate(cuts):
        remaining = round(99.28 - cut, 2)
        helpers = 1 + 2 * i if i < 9 else 16 + i
        rules = RULES if i < 8 else RULES + "\n3. 最后阶段需新用户助力。"
        yield capture_payload(
            url=url,
            taken_at=START + timedelta(minutes=15 * i),
            image=phone_png([f"已砍 ¥{cut:.2f}", f"还差 ¥{remaining:.2f}", f"{helpers} 位好友已帮砍"], i),
            facts={
                "cut_amount": cut,
                "remaining_amount": remaining,
                "helper_count": helpers,
                "rules_text": rules,
                "countdown_seconds": 86400 - 900 * i,
            },
            page={"url": url, "title": "【砍价免费拿】九阳豆浆机 DJ13B"},
        )


def stalled_series(n: int = 4, url: str = "https://mobile.yangkeduo.com/assist.html?activity_id=A1"):
    """99.9 % on display while two friends help between captures (a critical stall)."""
    for i in range(n):
        yield capture_payload(
            url=url,
            taken_at=START + timedelta(minutes=10 * i),
            seed=i,
            facts={
                "cut_percent": 99.9,
                "remaining_percent": 0.1,
                "helper_count": 10 + 2 * i,
                "raw": {"cut_percent": "已砍99.9%", "remaining_percent": "仅差0.1%"},
            },
        )


def post_all(client, bodies) -> list[dict]:
    answers = []
    for body in bodies:
        resp = client.post("/api/v1/captures", json=body)
        assert resp.status_code == 201, resp.get_json()
        answers.append(resp.get_json())
    return answers


def html(resp) -> str:
    assert resp.status_code == 200, resp.status_code
    assert resp.mimetype == "text/html"
    return resp.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# Flask-level


def test_empty_list_explains_how_to_start(client):
    page = html(client.get("/"))
    assert "还没有存证记录" in page and "/settings" in page and "/demo/" in page


def test_campaigns_list_shows_item_page_start_progress_count_and_worst_finding(client):
    stalled = post_all(client, stalled_series())
    healthy = post_all(
        client,
        [
            capture_payload(
                url="https://mobile.yangkeduo.com/bargain.html?goods_id=555",
                taken_at=START + timedelta(minutes=5 * i),
                seed=i,
                facts={"cut_amount": 50 + i, "remaining_amount": 49.28 - i, "helper_count": i},
            )
            for i in range(3)
        ],
    )
    page = html(client.get("/"))
    rows = re.findall(r"<tr>.*?</tr>", page[page.index("<tbody>") :], re.S)
    assert len(rows) == 2
    stall_row = next(r for r in rows if stalled[0]["campaign_id"] in r)
    healthy_row = next(r for r in rows if healthy[0]["campaign_id"] in r)
    assert "mobile.yangkeduo.com/assist.html?activity_id=A1" in stall_row  # page identity
    assert "2026-11-20 14:00" in stall_row  # started
    assert "已砍 99.9%" in stall_row and "好友 16 人" in stall_row  # progress now
    assert re.search(r'class="num">4<', stall_row)  # captures
    assert 'class="badge sev-critical">严重 1<' in stall_row  # worst finding + count
    assert "已砍 ¥52.00" in healthy_row and "还差 ¥47.28" in healthy_row
    assert "未发现异常" in healthy_row and "sev-" not in healthy_row


def test_campaign_page_has_chart_findings_timeline_and_actions(client):
    answers = post_all(client, bargain_series())
    campaign_id = answers[0]["campaign_id"]
    answer = client.get(f"/api/v1/campaigns/{campaign_id}/findings").get_json()
    findings, incidents = answer["findings"], answer["incidents"]
    assert {f["type"] for f in findings} >= {"stall", "regression", "rule_change"}
    assert 0 < len(incidents) < len(findings)  # a period's findings are one incident
    page = html(client.get(f"/campaigns/{campaign_id}"))

    # Chart: one link per capture, with a tooltip giving the time and figures.
    svg = ET.fromstring(page[page.index("<svg") : page.index("</svg>") + 6])
    links = {a.get("href"): a for a in svg.iter(f"{SVG_NS}a") if a.get("href", "").startswith("/captures/")}
    assert set(links) == {f"/captures/{a['capture_id']}" for a in answers}
    first = links[f"/captures/{answers[0]['capture_id']}"]
    assert first.find(f"{SVG_NS}title").text == "2026-11-20 14:00:00 · 已砍 ¥80.00 · 还差 ¥19.28 · 好友 1 人"
    assert first.find(f"{SVG_NS}circle") is not None
    assert len(svg.findall(f".//{SVG_NS}polyline")) == 2  # progress and helper count
    shaded = [a.get("href") for a in svg.iter(f"{SVG_NS}a") if a.get("href", "").startswith("#incident-")]
    assert sorted(shaded) == sorted(f"#incident-{x['incident_id']}" for x in incidents)

    # One entry per incident: severity, its sentence, before/after screenshots side by side, and
    # every finding inside it.
    cards = re.findall(r'<article class="finding sev-(\w+)" id="incident-(\w+)">(.*?)</article>', page, re.S)
    assert [i for _, i, _ in cards] == [x["incident_id"] for x in incidents]
    for x, (severity, _, card) in zip(incidents, cards, strict=True):
        assert severity == x["severity"] and f'<p class="summary">{x["summary_zh"]}</p>' in card
        for i in x["findings"]:
            assert f'<p class="summary">{findings[i]["summary_zh"]}</p>' in card
    for x in incidents:
        [(_, _, card)] = [c for c in cards if c[1] == x["incident_id"]]
        f = x
        pair = re.search(r'<div class="pair">(.*?)</div>', card, re.S).group(1)
        assert f"/captures/{f['before_capture_id']}/thumb" in pair
        assert f"/captures/{f['after_capture_id']}/thumb" in pair
        assert pair.index("之前") < pair.index(f["before_capture_id"]) < pair.index("之后")
    assert 'class="badge sev-critical">严重<' in page and "进度倒退" in page and "规则被修改" in page

    # Timeline: thumbnails with time, figures and short hash, newest first.
    timeline = page[page.index('id="timeline"') :]
    ids = re.findall(r'<li id="capture-([0-9a-f-]+)">', timeline)
    assert ids == [a["capture_id"] for a in reversed(answers)]
    assert answers[0]["sha256"][:12] in timeline and "14:00:00" in timeline and "已砍 ¥80.00" in timeline

    # Actions built by later issues: present, marked as coming soon.
    assert f'href="/campaigns/{campaign_id}/complaints">起草投诉</a>' in page
    assert f'href="/campaigns/{campaign_id}/export" download>导出证据包</a>' in page


def test_capture_page_shows_every_stored_field(client):
    answers = post_all(client, bargain_series())
    middle = answers[5]
    stored = client.get(f"/api/v1/captures/{middle['capture_id']}").get_json()
    page = html(client.get(f"/captures/{middle['capture_id']}"))
    for field in ("id", "taken_at", "received_at", "page_url", "sha256", "prev_hash", "record_hash"):
        assert str(escape(stored[field])) in page, field
    assert "截图电脑的时钟" in page and "本机助手的时钟" in page and "两者之差" in page
    # A record for a person (#12): local times first, ids, hashes and the raw JSON under 技术信息.
    assert "2026-11-20 15:15:00（北京时间）" in page
    assert page.index("技术信息") < page.index(stored["sha256"]) and page.index("技术信息") < page.index(
        "&#34;cut_amount"
    )
    assert stored["client"]["name"] in page and stored["client"]["browser"] in page
    assert f"{stored['width']}×{stored['height']}" in page and f"{stored['bytes']:,} 字节" in page
    # Facts as read, pretty-printed (one key per line), and the deadline the companion derived.
    assert "  &#34;cut_amount&#34;: 99.18,\n" in page and "&#34;countdown_seconds&#34;: 81900" in page
    assert "推算的截止时间" in page
    assert f'src="/captures/{middle["capture_id"]}/image" width="300" height="560"' in page
    assert f'href="/captures/{answers[4]["capture_id"]}" rel="prev"' in page
    assert f'href="/captures/{answers[6]["capture_id"]}" rel="next"' in page
    first = html(client.get(f"/captures/{answers[0]['capture_id']}"))
    assert "已是第一张" in first and 'rel="prev"' not in first
    last = html(client.get(f"/captures/{answers[-1]['capture_id']}"))
    assert "已是最新一张" in last and 'rel="next"' not in last
    # A capture that a finding cites says so.
    assert "这张截图是以下发现的证据" in html(client.get(f"/captures/{answers[8]['capture_id']}"))


def test_clock_difference_is_received_minus_taken(client):
    taken = datetime.now(CST) - timedelta(hours=2, minutes=3)
    [answer] = post_all(client, [capture_payload(taken_at=taken)])
    page = html(client.get(f"/captures/{answer['capture_id']}"))
    assert re.search(r'class="nowrap">\+2 小时 3 分</span>', page)


@pytest.mark.parametrize("path", ["/campaigns/nope", "/captures/nope", "/captures/nope/thumb"])
def test_unknown_ids_are_html_404_pages(client, path):
    resp = client.get(path)
    assert resp.status_code == 404 and resp.mimetype == "text/html"
    assert "出错了（404）" in resp.get_data(as_text=True)


def test_thumbnail_is_made_once_cached_and_original_unchanged(app, client):
    big = png_bytes(width=1366, height=768, seed=7)
    [answer] = post_all(client, [capture_payload(image=big)])
    thumbs = app.extensions["bargain_witness"].thumbnails
    original = Path(app.config["DATA_DIR"], "blobs", answer["sha256"][:2], f"{answer['sha256']}.png")
    before = original.stat()

    first = client.get(f"/captures/{answer['capture_id']}/thumb")
    assert first.status_code == 200 and first.mimetype == "image/webp"
    assert "sandbox" in first.headers["Content-Security-Policy"]
    path = Path(app.config["DATA_DIR"], "thumbs", f"{answer['sha256']}.webp")
    stat1 = path.stat()
    with Image.open(io.BytesIO(first.data)) as img:
        assert img.size == (320, 180)
    first.close()
    second = client.get(f"/captures/{answer['capture_id']}/thumb")
    assert second.status_code == 200 and second.data == path.read_bytes()
    second.close()
    stat2 = path.stat()
    assert thumbs.generated == 1
    assert (stat2.st_ino, stat2.st_mtime_ns) == (stat1.st_ino, stat1.st_mtime_ns)
    assert hashlib.sha256(original.read_bytes()).hexdigest() == answer["sha256"]
    assert (original.stat().st_mtime_ns, original.stat().st_size) == (before.st_mtime_ns, before.st_size)
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp-")]


def test_thumbnail_generation_holds_no_database_connection(app, client, monkeypatch):
    from flask import g

    [answer] = post_all(client, [capture_payload()])
    thumbs = app.extensions["bargain_witness"].thumbnails
    real = thumbs._generate
    seen = []

    def spy(original, path):
        seen.append("db" in g)
        real(original, path)

    monkeypatch.setattr(thumbs, "_generate", spy)
    resp = client.get(f"/captures/{answer['capture_id']}/thumb")
    assert resp.status_code == 200
    resp.close()
    assert seen == [False]


def test_same_image_in_two_captures_shares_one_thumbnail(app, client):
    image = png_bytes(width=200, height=400, seed=3)
    answers = post_all(client, [capture_payload(image=image, seed=i) for i in range(2)])
    for a in answers:
        client.get(f"/captures/{a['capture_id']}/thumb").close()
    assert app.extensions["bargain_witness"].thumbnails.generated == 1
    assert len(list(Path(app.config["DATA_DIR"], "thumbs").glob("*.webp"))) == 1


def test_timeline_is_paginated_100_per_page_newest_first(client):
    url = "https://mobile.yangkeduo.com/bargain.html?goods_id=9"
    answers = post_all(
        client,
        [
            capture_payload(url=url, taken_at=START + timedelta(minutes=i), seed=i, facts={"helper_count": i})
            for i in range(205)
        ],
    )
    newest_first = [a["capture_id"] for a in reversed(answers)]
    cid = answers[0]["campaign_id"]

    def timeline_ids(query: str) -> list[str]:
        page = html(client.get(f"/campaigns/{cid}{query}"))
        return re.findall(r'<li id="capture-([0-9a-f-]+)">', page)

    assert timeline_ids("") == newest_first[:100]
    assert timeline_ids("?page=2") == newest_first[100:200]
    assert timeline_ids("?page=3") == newest_first[200:]
    assert timeline_ids("?page=99") == newest_first[200:]  # past the end: the last page
    assert timeline_ids("?page=abc") == newest_first[:100]
    page2 = html(client.get(f"/campaigns/{cid}?page=2"))
    assert "第 2 / 3 页" in page2 and f"/campaigns/{cid}?page=3#timeline" in page2
    assert f"/campaigns/{cid}?page=1#timeline" in page2
    # The chart still shows the whole campaign, whatever the timeline page.
    assert len(set(re.findall(r'<a href="(/captures/[0-9a-f-]+)"><title>', page2))) == 205
    # The capture page links back to the timeline page that holds it.
    capture = html(client.get(f"/captures/{answers[50]['capture_id']}"))
    assert f"/campaigns/{cid}?page=2#capture-{answers[50]['capture_id']}" in capture


def _our_scripts_removed(page: str) -> str:
    """The page without its own scripts: files from /static/, and the chart's JSON data block (whose
    text ``tojson`` escapes, so page text can't close it). Whatever <script> is left came from data."""
    page = re.sub(r'<script src="/static/[^"<>]+" defer></script>', "", page)
    data = re.search(r'<script type="application/json" id="chart-data">([^<]*)</script>', page)
    if data:
        json.loads(data.group(1))
        page = page.replace(data.group(0), "")
    return page


def test_everything_from_the_page_is_escaped(client):
    evil = '<script>alert("x")</script>'
    url = 'https://mobile.yangkeduo.com/bargain.html?goods_id=1&x="><script>alert(1)</script>'
    bodies = [
        capture_payload(
            url=url,
            page={"url": url, "title": f"砍价 {evil}"},
            taken_at=START + timedelta(minutes=i),
            seed=i,
            facts={
                "cut_percent": 50.0,
                "rules_text": f"规则 {i} <img src=x onerror=alert(1)>",
                "raw": {"x": evil},
            },
            client={"name": evil, "version": "1", "browser": "<b>b</b>"},
        )
        for i in range(2)
    ]
    answers = post_all(client, bodies)
    cid = answers[0]["campaign_id"]
    pages = [
        html(client.get("/")),
        html(client.get(f"/campaigns/{cid}")),
        html(client.get(f"/captures/{answers[1]['capture_id']}")),
    ]
    for page in pages:
        assert "<script" not in _our_scripts_removed(page)
        assert "<img src=x" not in page and "<b>b</b>" not in page
    assert "砍价 &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in pages[0]
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[1]  # the rule_change summary, in SVG and card
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[2]  # the page URL
    # A javascript: page URL is shown, never linked.
    [js] = post_all(client, [capture_payload(url="javascript:alert(1)//goods_id=2")])
    assert 'href="javascript:' not in html(client.get(f"/captures/{js['capture_id']}"))


def test_pages_have_no_inline_scripts_or_styles(client):
    answers = post_all(client, bargain_series())
    for path in (
        "/",
        f"/campaigns/{answers[0]['campaign_id']}",
        f"/captures/{answers[3]['capture_id']}",
        "/settings",
    ):
        resp = client.get(path)
        page = html(resp)
        assert "<script" not in _our_scripts_removed(page), path
        assert " style=" not in page and "<style" not in page, path
        assert "script-src 'self'" in resp.headers["Content-Security-Policy"]


def test_settings_page_shows_data_dir_version_and_pairing_but_never_the_token(app, client):
    from companion import __version__

    page = html(client.get("/settings"))
    assert app.config["API_TOKEN"] not in page and app.config["DATA_DIR"] in page
    assert __version__ in page and "加载已解压的扩展程序" in page and "与助手配对" in page
    assert "配对的浏览器" in page
    assert "http://localhost/" in page


# ---------------------------------------------------------------------------------------------
# The chart module


def _points(n: int) -> list[ChartPoint]:
    return [
        ChartPoint(f"id{i}", START + timedelta(seconds=30 * i), 50 + (i % 97) / 2, i // 10, f"p{i}")
        for i in range(n)
    ]


def test_downsampling_keeps_extremes_finding_captures_and_the_ends():
    points = _points(10_000)
    points[4321] = ChartPoint("dip", points[4321].t, 1.0, 0, "dip")  # a regression spike
    keep = {"id17", "id5000", "id9998"}
    kept = downsample(points, 1000, keep)
    ids = [p.capture_id for p in kept]
    assert len(kept) <= 1000
    assert ids == sorted(ids, key=lambda i: next(k for k, p in enumerate(points) if p.capture_id == i))
    assert {"id0", "id9999", "dip"} | keep <= set(ids)
    assert max(p.progress for p in kept) == max(p.progress for p in points)
    assert max(p.helpers for p in kept) == max(p.helpers for p in points)
    assert downsample(points[:500], 1000) == points[:500]


def test_svg_is_well_formed_and_escapes_text():
    pts = _points(3)
    pts[1] = ChartPoint('a"b', pts[1].t, 99.9, 3, '<script>"&')
    finding = {
        "severity": "warning",
        "started_at": pts[0].t.isoformat(),
        "ended_at": pts[2].t.isoformat(),
        "summary_zh": "</title><script>",
    }
    svg = str(render_svg(pts, [finding], href=lambda c: f"/captures/{c}"))
    root = ET.fromstring(svg)  # well-formed XML
    assert "<script" not in svg
    titles = [t.text for t in root.iter(f"{SVG_NS}title")]
    assert '<script>"&' in titles and "警告：</title><script>" in titles
    assert any(a.get("href") == '/captures/a"b' for a in root.iter(f"{SVG_NS}a"))
    empty = ET.fromstring(str(render_svg([], href=str)))
    assert "暂无截图" in "".join(empty.itertext())


def test_progress_axis_zooms_only_when_everything_is_high():
    assert progress_domain([10, 99.9]) == (0.0, 100.0, 20.0)
    lo, hi, _step = progress_domain([99.9, 99.9])
    assert 99.5 <= lo < 99.9 and hi == 100


def test_dashboard_constants_are_as_documented():
    assert dashboard.PER_PAGE == 100
    doc = (ROOT / "docs/dashboard.md").read_text(encoding="utf-8").lower()
    assert "100 per page" in doc and "newest first" in doc


# ---------------------------------------------------------------------------------------------
# Real Chromium against the companion subprocess


@pytest.fixture(scope="module")
def chromium(playwright):
    browser = launch_chromium(playwright)
    yield browser
    browser.close()


def _open(chromium, companion, **viewport):
    """A browser context with a dashboard session (``Companion.login``) and a page that records
    console errors, page errors and failed responses."""
    ctx = chromium.new_context(viewport=viewport or {"width": 1366, "height": 768}, locale="zh-CN")
    page = companion.login(ctx)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return ctx, page, problems


def _all_images_loaded(page) -> None:
    """Load the lazy thumbnails too (for full-page screenshots) and wait until every image decoded."""
    page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })")
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")


@pytest.mark.browser
def test_browser_pages_chart_click_and_screenshots(chromium, companion):
    from playwright.sync_api import expect

    answers = [companion.post("/api/v1/captures", b) for b in bargain_series()]
    [companion.post("/api/v1/captures", b) for b in stalled_series()]
    campaign_id = answers[0]["campaign_id"]
    ARTIFACTS.mkdir(exist_ok=True)

    ctx, page, problems = _open(chromium, companion, width=1366, height=768)
    page.goto(companion.url + "/")
    expect(page.locator("h1")).to_have_text("我的砍价")
    expect(page.locator("table.campaigns tbody tr")).to_have_count(2)
    page.get_by_role("link", name="【砍价免费拿】九阳豆浆机 DJ13B").click()
    expect(page).to_have_url(f"{companion.url}/campaigns/{campaign_id}")
    # The interactive chart replaces the SVG (kept for pages without scripts, see below).
    expect(page.locator("#chart-app[data-ready='1']")).to_be_visible()
    expect(page.locator(".chart-fallback")).to_be_hidden()
    expect(page.locator("article.finding").first).to_be_visible()
    _all_images_loaded(page)
    page.screenshot(path=str(ARTIFACTS / "dashboard-campaign-1366x768.png"))
    page.screenshot(path=str(ARTIFACTS / "dashboard-campaign-1366x768-full.png"), full_page=True)

    # A capture's page, with the original image shown (chart clicks: tests/test_ui_pages.py).
    target = answers[7]["capture_id"]
    page.goto(f"{companion.url}/captures/{target}")
    expect(page.locator("h1")).to_contain_text("截图记录")
    expect(page.locator("details.tech dl.record")).to_contain_text(answers[7]["sha256"])
    original = page.locator("figure.original img")
    expect(original).to_be_visible()
    page.wait_for_function("() => document.querySelector('figure.original img').naturalWidth === 300")
    page.get_by_role("link", name="下一张（较新）›").click()
    expect(page).to_have_url(f"{companion.url}/captures/{answers[8]['capture_id']}")
    page.screenshot(path=str(ARTIFACTS / "dashboard-capture-1366x768.png"), full_page=True)

    # An incident's shaded span on the chart leads to its entry.
    page.goto(f"{companion.url}/campaigns/{campaign_id}")
    page.locator("#chart-main a.span-link").first.click()
    expect(page).to_have_url(re.compile(r"#incident-[0-9a-f]+$"))
    target = page.url.rsplit("#", 1)[1]
    expect(page.locator(f"article#{target}")).to_be_in_viewport()

    page.goto(companion.url + "/settings")
    expect(page.locator("h2#browsers")).to_have_text("配对的浏览器")
    assert companion.token not in page.content()  # never shown once pairing exists (#11)
    page.screenshot(path=str(ARTIFACTS / "dashboard-settings-1366x768.png"))
    page.goto(companion.url + "/")
    page.screenshot(path=str(ARTIFACTS / "dashboard-list-1366x768.png"))
    assert problems == [], problems  # no CSP violations, no script errors
    ctx.close()

    # A narrow window: nothing wider than the screen except the chart's own scroll box.
    ctx, page, problems = _open(chromium, companion, width=390, height=844)
    page.goto(f"{companion.url}/campaigns/{campaign_id}")
    expect(page.locator("#chart-app[data-ready='1']")).to_be_visible()
    _all_images_loaded(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    pair = page.locator("article.finding .pair").first.locator("figure")
    before, after = pair.nth(0).bounding_box(), pair.nth(1).bounding_box()
    assert after["y"] >= before["y"] + before["height"]  # stacked vertically
    page.screenshot(path=str(ARTIFACTS / "dashboard-campaign-390x844.png"))
    page.screenshot(path=str(ARTIFACTS / "dashboard-campaign-390x844-full.png"), full_page=True)
    page.goto(companion.url + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "dashboard-list-390x844.png"))
    page.goto(f"{companion.url}/captures/{answers[9]['capture_id']}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "dashboard-capture-390x844.png"), full_page=True)
    assert problems == [], problems
    ctx.close()


@pytest.mark.browser
def test_browser_pages_work_without_javascript(chromium, companion):
    from playwright.sync_api import expect

    answers = [companion.post("/api/v1/captures", b) for b in stalled_series()]
    ctx = chromium.new_context(java_script_enabled=False, viewport={"width": 1366, "height": 768})
    page = companion.login(ctx)  # the one-time link's page moves on without JavaScript too
    page.goto(f"{companion.url}/campaigns/{answers[0]['campaign_id']}")
    page.locator(f'svg.chart.wide a[href="/captures/{answers[2]["capture_id"]}"] circle.pt-h').click()
    expect(page).to_have_url(f"{companion.url}/captures/{answers[2]['capture_id']}")
    expect(page.locator("details.tech dl.record")).to_contain_text(answers[2]["sha256"])
    ctx.close()
    # On a phone the narrow drawing is the one shown, and its points are links too.
    ctx = chromium.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = companion.login(ctx)
    page.goto(f"{companion.url}/campaigns/{answers[0]['campaign_id']}")
    expect(page.locator("svg.chart.narrow")).to_be_visible()
    expect(page.locator("svg.chart.wide")).to_be_hidden()
    page.locator(f'svg.chart.narrow a[href="/captures/{answers[1]["capture_id"]}"] circle.pt-p').click()
    expect(page).to_have_url(f"{companion.url}/captures/{answers[1]['capture_id']}")
    ctx.close()


def test_capture_id_in_urls_is_case_insensitive(client):
    capture_id = str(uuid.uuid4())
    post_all(client, [capture_payload(capture_id=capture_id)])
    assert client.get(f"/captures/{capture_id.upper()}").status_code == 200


def test_chart_is_redrawn_after_a_new_capture(client):
    answers = post_all(client, stalled_series(3))
    cid = answers[0]["campaign_id"]
    assert client.get(f"/campaigns/{cid}").status_code == 200
    cached = html(client.get(f"/campaigns/{cid}"))  # served from the chart cache
    [late] = post_all(client, list(stalled_series(4))[3:])
    fresh = html(client.get(f"/campaigns/{cid}"))
    assert f'<a href="/captures/{late["capture_id"]}"><title>' not in cached
    assert f'<a href="/captures/{late["capture_id"]}"><title>' in fresh
    assert "共 4 次截图" in fresh


def test_timeline_marks_a_capture_whose_time_cannot_be_trusted(client):
    """A capture dated after it arrived is kept as evidence, marked on its timeline card (#10)."""
    ahead = datetime.now(CST) + timedelta(hours=3)
    ok = client.post("/api/v1/captures", json=capture_payload(seed=1)).get_json()
    bad = client.post("/api/v1/captures", json=capture_payload(seed=2, taken_at=ahead)).get_json()
    page = client.get(f"/campaigns/{ok['campaign_id']}").get_data(as_text=True)
    cards = dict(re.findall(r'<li id="capture-([0-9a-f-]+)">(.*?)</li>', page, re.S))
    assert "时间不可信" in cards[bad["capture_id"]] and "时间不可信" not in cards[ok["capture_id"]]
