"""Every dashboard page, readable on a phone and on a laptop (issue #12), in real Chromium.

One companion subprocess holds a seeded archive: a bargain that starts at 0.0 %, passes 52.0 %,
stalls at 99.9 % while friends keep helping and pauses for nine hours in between; a second bargain
read in yuan; complaint filings (one overdue). Every GET route of ``app.url_map`` that renders HTML
is visited at 390x844 (no page wider than the screen) and 1366x768, screenshots go to
/tmp/shots-ui/, and the interactive chart is driven like a user (hover, click, range).
Pages are fetched through ``open_page`` only, so a session cookie (pairing) is one edit away.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from helpers import CST, capture_payload, comm_samples, launch_chromium, png_bytes
from helpers.companion_proc import start_companion, stop_companion

from companion.app import create_app

SHOTS = Path("/tmp/shots-ui")
START = datetime(2026, 11, 20, 9, 0, tzinfo=CST)
STALL_URL = "https://mobile.yangkeduo.com/assist.html?activity_id=UI12"
AMOUNT_URL = "https://mobile.yangkeduo.com/bargain.html?goods_id=1212&refer_share_id=u"
# (minutes after START, cut percent as the page printed it, helpers): a 9-hour pause after 12:00.
STALL = [
    (0, "0.0", 0),
    (10, "20.0", 2),
    (20, "52.0", 4),
    (30, "80.0", 6),
    (40, "95.0", 8),
    (50, "99.0", 10),
    (60, "99.9", 12),
    (70, "99.9", 14),
    (80, "99.9", 16),
    (620, "99.9", 18),
    (630, "99.9", 20),
    (640, "99.9", 22),
]
ROUTE_ARGS = {
    *("campaign_id", "capture_id", "filename", "channel", "filing_id", "secret", "seq", "file_id"),
    "recording_id",
}


def form_post(comp, path: str, fields: dict) -> None:
    req = urllib.request.Request(comp.url + path, data=urllib.parse.urlencode(fields).encode(), method="POST")
    with comp.session_opener().open(req, timeout=15) as resp:
        assert resp.status == 200


def add_recording(comp, campaign_id: str) -> None:
    """A call recording on the case timeline (#16), through the campaign page's multipart form."""
    boundary = "----bw-ui-test"
    fields = {"occurred_at": "2026-11-02T10:15:00", "phone_number": "021-61897088", "agent_id": "KF0231"}
    fields["note"] = "客服承认活动进度停在 99.9%，无法完成"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    ]
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="call.wav"\r\n\r\n'
    body = ("".join(parts) + head).encode() + comm_samples.wav(0.5) + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(
        f"{comp.url}/campaigns/{campaign_id}/communications",
        data=body,
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with comp.session_opener().open(req, timeout=15) as resp:
        assert resp.status == 200 and f"/campaigns/{campaign_id}" in resp.url


def seed(comp) -> dict:
    stall = []
    for i, (minutes, shown, helpers) in enumerate(STALL):
        cut = float(shown)
        facts = {
            "cut_percent": cut,
            "remaining_percent": round(100 - cut, 1),
            "helper_count": helpers,
            "raw": {"cut_percent": f"已砍{shown}%", "remaining_percent": f"仅差{100 - cut:.1f}%"},
        }
        body = capture_payload(
            url=STALL_URL,
            taken_at=START + timedelta(minutes=minutes),
            image=png_bytes(300, 560, seed=i),
            facts=facts,
            page={
                "url": STALL_URL,
                "title": "【助力免费拿】蓝牙耳机 Pro 超长标题用来检查手机上的换行是否正常",
            },
        )
        stall.append(comp.post("/api/v1/captures", body))
    for i in range(4):
        body = capture_payload(
            url=AMOUNT_URL,
            taken_at=START + timedelta(minutes=15 * i),
            image=png_bytes(300, 560, seed=50 + i),
            facts={"cut_amount": 90 + i, "remaining_amount": 9.28 - i, "helper_count": 3 * i},
            page={"url": AMOUNT_URL, "title": "砍价免费拿 豆浆机"},
        )
        comp.post("/api/v1/captures", body)
    single = comp.post(
        "/api/v1/captures",
        capture_payload(url="https://mobile.yangkeduo.com/bargain.html?goods_id=1", taken_at=START, seed=99),
    )
    campaign_id = stall[0]["campaign_id"]
    form_post(
        comp,
        f"/campaigns/{campaign_id}/filings",
        {"channel": "pdd_chat", "sent_on": "2026-11-02", "ticket": "KF-20261102-0001"},
    )
    form_post(
        comp, f"/campaigns/{campaign_id}/filings", {"channel": "12315", "sent_on": "2026-11-25", "ticket": ""}
    )
    add_recording(comp, campaign_id)
    # The files a capture carries (#15): a tall full page and a page source, on the capture page.
    capture_id = stall[2]["capture_id"]
    source = "<!DOCTYPE html><html><body><p>已砍 99.9%，仅差 0.1%</p></body></html>".encode()
    for kind, mime, data in (
        ("full_page", "image/png", png_bytes(300, 1800, seed=7)),
        ("page_source", "text/html", source),
    ):
        answer = comp.post(
            f"/api/v1/captures/{capture_id}/files",
            {"kind": kind, "mime": mime, "data_base64": base64.b64encode(data).decode("ascii")},
        )
        if kind == "page_source":
            file_id = answer["file"]["id"]
    # A recording's chunks (never finished): one row in the files table, the player and the chunks below.
    recording_id = "3f0d2a8e-5c1b-4e7a-9d6f-2b8c4a1e7f90"
    for part in range(3):
        chunk = b"\x1aE\xdf\xa3" + bytes([part]) * 2000
        comp.post(
            f"/api/v1/captures/{capture_id}/files",
            {
                "kind": "video_chunk",
                "mime": "video/webm;codecs=vp9",
                "data_base64": base64.b64encode(chunk).decode("ascii"),
                "part": part,
                "recording_id": recording_id,
            },
        )
    return {
        "campaign_id": campaign_id,
        "capture_id": capture_id,
        "file_id": file_id,
        "answers": stall,
        "single_campaign_id": single["campaign_id"],
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    comp = start_companion(tmp_path_factory.mktemp("ui") / "data")
    try:
        yield comp, seed(comp)
    finally:
        stop_companion(comp)


@pytest.fixture(scope="module")
def chromium(playwright):
    browser = launch_chromium(playwright)
    yield browser
    browser.close()


def open_page(chromium, comp, path: str, width: int, height: int, *, javascript: bool = True):
    """The one way this module fetches a dashboard page: (context, page, problems)."""
    ctx = chromium.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", java_script_enabled=javascript
    )
    page = comp.login(ctx)  # dashboard pages need a session (docs/security.md)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(comp.url + path)
    page.wait_for_load_state("load")
    return ctx, page, problems


def html_pages(data_dir: Path, seeded: dict) -> list[tuple[str, str]]:
    """(name, path) of every GET route that renders a page, arguments filled from the seeded archive."""
    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir)})
    values = {
        "campaign_id": seeded["campaign_id"],
        "capture_id": seeded["capture_id"],
        "file_id": str(seeded["file_id"]),
        "filename": "index.html",
    }
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/api/", "/static")):
            continue
        assert set(rule.arguments) <= ROUTE_ARGS, f"new route argument in {rule.rule}: teach this test"
        if rule.endpoint in (
            "dashboard.capture_image",
            "dashboard.capture_thumb",
            "export_ui.export_ui",
            "intake.screen_png",
            "intake.communication_file",
            "recording.original",
            "recording.derived",
        ):
            continue  # an image, a recording or a ZIP, not a page
        if rule.endpoint in ("dashboard.demo_redirect", "access.login") or not set(rule.arguments) <= set(
            values
        ):
            continue
        path = rule.rule
        for arg in rule.arguments:
            for form in (f"<{arg}>", f"<path:{arg}>", f"<int:{arg}>"):
                path = path.replace(form, values[arg])
        pages.append((rule.endpoint.replace(".", "-"), path))
    return sorted(set(pages))


@pytest.mark.browser
def test_every_page_fits_a_phone_and_is_screenshotted(site, chromium, tmp_path):
    comp, seeded = site
    SHOTS.mkdir(exist_ok=True)
    pages = html_pages(tmp_path / "routes", seeded)
    names = {name for name, _ in pages}
    assert {"dashboard-index", "dashboard-campaign", "dashboard-capture", "dashboard-settings"} <= names
    assert {"complaints_ui-drafts", "complaints_ui-followups"} <= names
    widths = {}
    for name, path in pages:
        for width, height in ((390, 844), (1366, 768)):
            ctx, page, problems = open_page(chromium, comp, path, width, height)
            assert "text/html" in (page.evaluate("document.contentType") or "")
            page.evaluate(
                "document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })"
            )
            page.wait_for_function("() => [...document.images].every(i => i.complete)")
            scroll = page.evaluate("document.scrollingElement.scrollWidth")
            widths[f"{name}@{width}"] = scroll
            page.screenshot(path=str(SHOTS / f"{name}-{width}x{height}.png"), full_page=True)
            ctx.close()
            assert scroll <= width, f"{path} is {scroll}px wide at {width}px"
            assert problems == [], (path, problems)  # no CSP violation, no script error, no 4xx
    print("page widths at 390/1366:", json.dumps(widths, ensure_ascii=False))


@pytest.mark.browser
def test_dates_do_not_wrap_on_a_phone(site, chromium):
    comp, seeded = site
    for path in (
        "/followups",
        f"/campaigns/{seeded['campaign_id']}/complaints",
        f"/captures/{seeded['capture_id']}",
    ):
        ctx, page, _ = open_page(chromium, comp, path, 390, 844)
        wrapped = page.evaluate(
            """() => [...document.querySelectorAll('td.nowrap, time')]
                .filter(e => e.getClientRects().length > 1 || e.getBoundingClientRect().height > 30)
                .map(e => e.textContent)"""
        )
        ctx.close()
        assert wrapped == [], (path, wrapped)


@pytest.mark.browser
def test_capture_page_is_a_record_with_the_image_fitted(site, chromium):
    comp, seeded = site
    ctx, page, problems = open_page(chromium, comp, f"/captures/{seeded['capture_id']}", 390, 844)
    text = page.inner_text("main")
    assert "已砍 52.0%" in text
    assert "截图时间" in text and "2026-11-20 09:20:00（北京时间）" in text
    tech = page.locator("details#tech")
    assert not tech.evaluate("d => d.open")
    assert seeded["answers"][2]["sha256"] not in page.inner_text("main")  # hashes folded away
    tech.locator("summary").click()
    assert seeded["answers"][2]["sha256"] in page.inner_text("details.tech")
    img = page.locator("figure.original img")
    page.wait_for_function("() => document.querySelector('figure.original img').naturalWidth === 300")
    fitted = img.bounding_box()["width"]
    assert fitted <= 390 - 20
    img.click()  # the original size
    assert img.bounding_box()["width"] == 300 or img.bounding_box()["width"] > fitted
    assert problems == []
    ctx.close()


@pytest.mark.browser
def test_chart_hover_click_range_under_the_strict_csp(site, chromium):
    comp, seeded = site
    cid = seeded["campaign_id"]
    ctx, page, problems = open_page(chromium, comp, f"/campaigns/{cid}", 1366, 768)
    page.wait_for_selector("#chart-app[data-ready='1']")
    assert page.locator(".chart-fallback").is_hidden()
    data = json.loads(page.inner_text("#chart-data"))
    assert [g["text"] for g in data["gaps"]] == ["中断 9 小时"]
    # The pause is drawn no wider than six ordinary steps: the points after it are not squeezed.
    steps = [b - a for a, b in zip(data["x"], data["x"][1:], strict=False)]
    assert max(steps) <= 6 * 600 + 1 and data["t"][9] - data["t"][8] == 540 * 60
    assert data["remaining"][-1] == pytest.approx(0.1)

    over = page.locator("#chart-main .u-over")
    box = over.bounding_box()
    x_of = (box["width"] * (data["x"][2] - data["x"][0]) / (data["x"][-1] - data["x"][0])) + box["x"]
    page.mouse.move(x_of, box["y"] + box["height"] / 2)
    tip = page.locator("#chart-tip")
    tip.wait_for(state="visible")
    assert "已砍 52.0%" in tip.inner_text() and "09:20" in tip.inner_text()
    page.wait_for_function("() => document.querySelector('#chart-tip img').naturalWidth > 0")
    page.screenshot(path=str(SHOTS / "chart-hover-1366x768.png"))

    page.get_by_role("button", name="最近 1 天").click()
    before = page.inner_text(".chart-range")
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + 40)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.9, box["y"] + 40, steps=5)
    page.mouse.up()
    assert page.inner_text(".chart-range") != before  # a range was chosen
    page.get_by_role("button", name="全部").click()
    assert page.inner_text(".chart-range") == before

    page.mouse.move(x_of, box["y"] + box["height"] / 2)
    page.mouse.click(x_of, box["y"] + box["height"] / 2)
    page.wait_for_url(f"**/captures/{seeded['capture_id']}")
    assert problems == [], problems  # uPlot's styles come through the CSSOM: no CSP report
    ctx.close()


@pytest.mark.browser
def test_figures_keep_the_page_decimals_everywhere(site, chromium):
    comp, seeded = site
    cid = seeded["campaign_id"]
    ctx, page, _ = open_page(chromium, comp, f"/campaigns/{cid}", 1366, 768)
    text = page.inner_text("main")
    assert "已砍 0.0%" in text and "已砍 52.0%" in text and "已砍 52%" not in text
    page.goto(comp.url + "/")
    assert "已砍 99.9%" in page.inner_text("main")
    ctx.close()


@pytest.mark.browser
def test_chart_of_a_single_capture_draws_without_errors(site, chromium):
    comp, seeded = site
    ctx, page, problems = open_page(chromium, comp, f"/campaigns/{seeded['single_campaign_id']}", 390, 844)
    page.wait_for_selector("#chart-app[data-ready='1']")
    page.screenshot(path=str(SHOTS / "chart-single-capture-390x844.png"))
    assert page.inner_text(".chart-range") == "11-20 08:30 至 11-20 09:30"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    assert problems == [], problems
    ctx.close()


@pytest.mark.browser
def test_chart_on_a_phone_first_tap_shows_the_tip_second_opens(site, playwright):
    comp, seeded = site
    browser = launch_chromium(playwright)
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = comp.login(ctx)
    page.goto(f"{comp.url}/campaigns/{seeded['campaign_id']}")
    page.wait_for_selector("#chart-app[data-ready='1']")
    data = json.loads(page.inner_text("#chart-data"))
    box = page.locator("#chart-main .u-over").bounding_box()
    x = box["x"] + box["width"] * (data["x"][2] - data["x"][0]) / (data["x"][-1] - data["x"][0])
    page.touchscreen.tap(x, box["y"] + box["height"] / 2)
    page.locator("#chart-tip").wait_for(state="visible")
    assert "已砍 52.0%" in page.inner_text("#chart-tip")
    page.screenshot(path=str(SHOTS / "chart-tap-390x844.png"))
    assert page.url.endswith(f"/campaigns/{seeded['campaign_id']}")
    page.touchscreen.tap(x, box["y"] + box["height"] / 2)
    page.wait_for_url(f"**/captures/{seeded['capture_id']}")
    ctx.close()
    browser.close()
