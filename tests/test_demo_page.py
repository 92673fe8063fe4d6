"""Behaviour of the demo bargain page (companion/static/demo/), driven in a real Chromium.

The page is served by a plain http.server (the same files the companion serves at /demo/), so this
test needs neither the Flask app nor the extension. It checks what the extension relies on: the
exact text forms of the figures, that the figures stay consistent (integer fen, cut + remaining =
target, truncated percent), that normal mode really finishes, that anomaly mode stalls at 99.9 %
while helpers keep appearing, and that state survives a reload and is cleared by a reset.
"""

from __future__ import annotations

import functools
import http.server
import itertools
import re
import threading
from pathlib import Path

import pytest
from helpers import launch_chromium

pytestmark = pytest.mark.browser

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

DEMO_DIR = Path(__file__).resolve().parent.parent / "companion" / "static" / "demo"
TARGET_FEN = 9900

AMOUNT_RE = {
    "cut": re.compile(r"^已砍 ¥(\d+)\.(\d{2})$"),
    "remain": re.compile(r"^还差 ¥(\d+)\.(\d{2})$"),
}
PERCENT_RE = re.compile(r"^已砍 (100|\d{1,2}\.\d)%$")
ROW_RE = re.compile(r"^(?P<name>\S.*?)\s+帮你砍了 ¥(?P<yuan>\d+)\.(?P<fen>\d{2})\s+(?P<time>\d{2}:\d{2})$")
COUNTDOWN_RE = re.compile(r"^(\d{2}):(\d{2}):(\d{2}) 后结束$")


# ------------------------------------------------------------------------------------ fixtures
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="module")
def base_url():
    assert (DEMO_DIR / "index.html").is_file(), DEMO_DIR
    handler = functools.partial(_QuietHandler, directory=str(DEMO_DIR))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser(playwright):
    """One Playwright driver per test process (conftest's session fixture), one browser here."""
    b = launch_chromium(playwright)
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def new_page(browser, base_url):
    """Factory: a page in a fresh context (empty localStorage), opened at base_url + suffix."""
    contexts = []
    problems = []

    def make(suffix="", viewport=(390, 844)):
        ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN")
        contexts.append(ctx)
        page = ctx.new_page()
        page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
        page.on("console", lambda msg: msg.type == "error" and problems.append(f"console: {msg.text}"))
        # Offline-safe: nothing may be fetched from anywhere but the page's own server.
        page.on("request", lambda req: req.url.startswith((base_url, "data:")) or problems.append(req.url))
        page.goto(base_url + suffix)
        expect(page.locator("#helper-count")).to_have_text(re.compile(r"^已有 \d+ 位好友帮你砍价$"))
        return page

    yield make
    for ctx in contexts:
        ctx.close()
    assert not problems, problems


@pytest.fixture
def page(new_page):
    return new_page()


# ------------------------------------------------------------------------------------ helpers
def invite(page):
    page.get_by_role("button", name="邀请好友助力").click()


def amount_fen(page, which):
    text = page.locator(f"#{which}-amount").inner_text().strip()
    m = AMOUNT_RE[which].match(text)
    assert m, f"{which}: unexpected text {text!r}"
    return int(m.group(1)) * 100 + int(m.group(2))


def percent_text(page):
    text = page.locator("#cut-percent").inner_text().strip()
    assert PERCENT_RE.match(text), text
    return text


def expected_percent(cut_fen):
    tenths = cut_fen * 1000 // TARGET_FEN  # truncated, never rounded
    return "已砍 100%" if tenths >= 1000 else f"已砍 {tenths // 10}.{tenths % 10}%"


def rows(page):
    out = []
    for text in page.locator("#helper-list > li").all_inner_texts():
        m = ROW_RE.match(" ".join(text.split()))
        assert m, f"helper row text {text!r}"
        out.append((m["name"], int(m["yuan"]) * 100 + int(m["fen"]), m["time"]))
    return out


def figures(page):
    return {
        "cut": page.locator("#cut-amount").inner_text(),
        "remain": page.locator("#remain-amount").inner_text(),
        "percent": page.locator("#cut-percent").inner_text(),
        "count": page.locator("#helper-count").inner_text(),
        "rows": page.locator("#helper-list > li").all_inner_texts(),
        "activity": page.locator("#activity-no").inner_text(),
    }


def check_consistent(page):
    cut, remain = amount_fen(page, "cut"), amount_fen(page, "remain")
    assert cut + remain == TARGET_FEN, (cut, remain)
    assert percent_text(page) == expected_percent(cut)
    return cut, remain


def invite_until(page, predicate, limit=40):
    for clicks in range(1, limit + 1):
        invite(page)
        check_consistent(page)
        if predicate():
            return clicks
    raise AssertionError(f"condition not reached within {limit} assists")


# ------------------------------------------------------------------------------------ tests
def test_initial_figures(page, base_url):
    expect(page.locator(".demo-banner")).to_be_visible()
    expect(page.locator(".demo-banner")).to_contain_text("演示页面")
    expect(page.locator(".demo-banner")).to_contain_text("不是拼多多")
    expect(page).to_have_title(re.compile("演示页面"))
    expect(page.locator("#cut-amount")).to_have_text("已砍 ¥0.00")
    expect(page.locator("#remain-amount")).to_have_text("还差 ¥99.00")
    expect(page.locator("#cut-percent")).to_have_text("已砍 0.0%")
    expect(page.locator("#target-price")).to_have_text("活动价 ¥99.00")
    expect(page.locator("#helper-count")).to_have_text("已有 0 位好友帮你砍价")
    expect(page.locator("#helper-list > li")).to_have_count(0)
    expect(page.locator("#success")).to_be_hidden()
    expect(page.get_by_role("button", name="邀请好友助力")).to_be_enabled()
    expect(page.get_by_label("正常模式")).to_be_checked()
    m = COUNTDOWN_RE.match(page.locator("#countdown").inner_text())
    assert m and 23 * 3600 + 59 * 60 + 50 <= int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3]) <= 24 * 3600

    body = page.locator("body").inner_text()
    for decoy in (
        "加厚保温杯 316不锈钢 500ml 2只装",
        "原价 ¥129.00",
        "砍到0元免费拿",
        "已有1000万人免费拿到",
        "活动规则",
        "24小时内",
        "1次",
        "异常模式：永远差一点",
        "重置演示",
    ):
        assert decoy in body, decoy
    assert len(page.locator("#rules > li").all()) >= 3
    # Hidden states carry no text, so even a textContent reader cannot mistake them for the page.
    text_content = page.evaluate("document.body.textContent")
    for hidden in ("砍价成功", "活动已结束", "预计再邀请"):
        assert hidden not in text_content, hidden
    # The campaign is named by a stable id in the URL and nothing volatile.
    assert re.fullmatch(re.escape(base_url) + r"\?activity_id=demo\d{9}", page.url), page.url
    assert page.locator("#activity-no").inner_text() == "活动编号：" + page.url.split("=", 1)[1]


def test_invites_in_normal_mode_move_the_figures(page):
    previous_rows, previous_cut = [], 0
    for n in range(1, 7):
        invite(page)
        expect(page.locator("#helper-count")).to_have_text(f"已有 {n} 位好友帮你砍价")
        cut, remain = check_consistent(page)
        assert cut > previous_cut and remain < TARGET_FEN - previous_cut
        current = rows(page)
        assert len(current) == n
        assert current[1:] == previous_rows  # newest first
        name, amount, _ = current[0]
        assert amount == cut - previous_cut > 0
        assert name not in [r[0] for r in previous_rows]
        previous_rows, previous_cut = current, cut
    # Healthy campaign: the listed amounts add up to the total, each cut smaller than the first.
    assert sum(r[1] for r in previous_rows) == previous_cut
    assert previous_rows[-1][1] == max(r[1] for r in previous_rows)
    expect(page.locator("#lead-tip")).to_contain_text("进度领先99.99%的用户")


def test_normal_mode_finishes_at_100_percent(page):
    percents = []

    def done():
        percents.append(page.locator("#cut-percent").inner_text())
        return page.locator("#success").is_visible()

    clicks = invite_until(page, done)
    assert 15 <= clicks <= 25, clicks
    # A healthy campaign: every assist visibly moves the (truncated) percent.
    tenths = [1000 if p == "已砍 100%" else round(float(p[3:-1]) * 10) for p in percents]
    assert all(b > a for a, b in itertools.pairwise(tenths)), percents
    expect(page.locator("#cut-amount")).to_have_text("已砍 ¥99.00")
    expect(page.locator("#remain-amount")).to_have_text("还差 ¥0.00")
    expect(page.locator("#cut-percent")).to_have_text("已砍 100%")
    expect(page.locator("#success")).to_contain_text("砍价成功")
    expect(page.locator("#helper-count")).to_have_text(f"已有 {clicks} 位好友帮你砍价")
    expect(page.get_by_role("button", name="邀请好友助力")).to_be_hidden()
    listed = rows(page)
    assert len(listed) == clicks and sum(r[1] for r in listed) == TARGET_FEN
    # Each friend cut less than the one before, and the shrinking cuts still reached the end.
    amounts = [r[1] for r in reversed(listed)]
    assert all(b < a for a, b in itertools.pairwise(amounts)), amounts


def test_anomaly_mode_stalls_at_99_9_percent(page):
    page.get_by_label("异常模式：永远差一点").check()
    clicks = invite_until(page, lambda: page.locator("#cut-percent").inner_text() == "已砍 99.9%")
    stalled = figures(page)
    stalled_cut = amount_fen(page, "cut")
    assert 0 < TARGET_FEN - stalled_cut < 10
    expect(page.locator("#remain-percent")).to_have_text("仅差 0.1%")
    expect(page.locator("#close-hint")).to_have_text("预计再邀请2人直接免费拿")

    for extra in range(1, 6):
        invite(page)
        n = clicks + extra
        expect(page.locator("#helper-count")).to_have_text(f"已有 {n} 位好友帮你砍价")
        expect(page.locator("#helper-list > li")).to_have_count(n)
        newest = rows(page)[0]
        assert newest[1] > 0, newest  # the friend "helped" with an amount...
        assert page.locator("#cut-amount").inner_text() == stalled["cut"]  # ...but nothing moved
        assert page.locator("#remain-amount").inner_text() == stalled["remain"]
        assert page.locator("#cut-percent").inner_text() == "已砍 99.9%"
    expect(page.locator("#success")).to_be_hidden()
    # The listed amounts now exceed the total cut: assists were swallowed.
    assert sum(r[1] for r in rows(page)) > stalled_cut

    # Back to normal mode: the next assist finishes the bargain.
    page.get_by_label("正常模式").check()
    invite(page)
    expect(page.locator("#cut-percent")).to_have_text("已砍 100%")
    expect(page.locator("#remain-amount")).to_have_text("还差 ¥0.00")


def test_reload_keeps_state(page):
    page.get_by_label("异常模式：永远差一点").check()
    for _ in range(3):
        invite(page)
    before, url = figures(page), page.url
    page.reload()
    expect(page.locator("#helper-count")).to_have_text("已有 3 位好友帮你砍价")
    assert figures(page) == before
    assert page.url == url
    expect(page.get_by_label("异常模式：永远差一点")).to_be_checked()
    # Opening the bare /demo/ again returns to the same campaign.
    page.goto(url.split("?", 1)[0])
    expect(page.locator("#helper-count")).to_have_text("已有 3 位好友帮你砍价")
    assert page.url == url


def test_reset_starts_a_new_campaign(page):
    for _ in range(4):
        invite(page)
    old_url = page.url
    page.get_by_role("button", name="重置演示").click()
    expect(page.locator("#cut-amount")).to_have_text("已砍 ¥0.00")
    expect(page.locator("#remain-amount")).to_have_text("还差 ¥99.00")
    expect(page.locator("#cut-percent")).to_have_text("已砍 0.0%")
    expect(page.locator("#helper-count")).to_have_text("已有 0 位好友帮你砍价")
    expect(page.locator("#helper-list > li")).to_have_count(0)
    expect(page.locator("#countdown")).to_have_text(re.compile(r"^(24:00:00|23:59:5\d) 后结束$"))
    # A new bargain gets a new id, so the companion does not mix it with the old one.
    assert page.url != old_url and "activity_id=demo" in page.url
    page.reload()
    expect(page.locator("#helper-count")).to_have_text("已有 0 位好友帮你砍价")


def test_same_seed_same_flow(new_page):
    flows = []
    for _ in range(2):
        page = new_page("#seed=42")
        for _ in range(5):
            invite(page)
        flows.append([(name, amount) for name, amount, _ in rows(page)])
        assert "#" not in page.url and "seed" not in page.url
        expect(page.locator("#demo-meta")).to_contain_text("随机种子 42")
    assert flows[0] == flows[1]
    other = new_page("#seed=43")
    for _ in range(5):
        invite(other)
    assert [(n, a) for n, a, _ in rows(other)] != flows[0]


def test_countdown_ticks_and_expires(new_page):
    page = new_page("#seed=1&elapsed=3600")
    countdown = page.locator("#countdown")
    first = countdown.inner_text()
    m = COUNTDOWN_RE.match(first)
    assert m and 22 * 3600 + 59 * 60 + 50 <= int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3]) <= 23 * 3600, first
    expect(countdown).not_to_have_text(first, timeout=3000)  # it ticks
    expect(countdown).to_have_text(COUNTDOWN_RE)

    late = new_page("#seed=1&elapsed=86400")
    expect(late.locator("#countdown")).to_have_text("活动已结束")
    expect(late.locator("#expired")).to_be_visible()
    expect(late.get_by_role("button", name="邀请好友助力")).to_be_disabled()


def test_explicit_activity_id_is_kept(new_page, base_url):
    page = new_page("?activity_id=demo123")
    assert page.url == base_url + "?activity_id=demo123"
    expect(page.locator("#activity-no")).to_have_text("活动编号：demo123")
    invite(page)
    invite(page)
    page.goto(base_url)
    assert page.url == base_url + "?activity_id=demo123"
    expect(page.locator("#helper-count")).to_have_text("已有 2 位好友帮你砍价")


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 800)])
def test_layout_fits(new_page, viewport):
    page = new_page("#seed=5", viewport=viewport)
    for _ in range(3):
        invite(page)
    width = viewport[0]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    box = page.locator("#app").bounding_box()
    assert box["width"] <= 430
    assert abs((box["x"] + box["width"] / 2) - width / 2) <= 1  # centred
    for sel in ("#cut-amount", "#remain-amount", "#cut-percent", ".demo-banner"):
        b = page.locator(sel).bounding_box()
        assert b["x"] >= 0 and b["x"] + b["width"] <= width, sel
    expect(page.get_by_role("button", name="邀请好友助力")).to_be_in_viewport()
