"""The page source with every capture (issue #15), end to end: Debian's Chromium, the real extension,
a real toolbar click. The companion holds the tab's MHTML (chrome.pageCapture), its figures are in
it, it verifies against its hash; with the companion down the capture and its source wait in the
extension and arrive, capture first, when it is back."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import wait_for
from helpers.browser import indexeddb_keys_js, mobile_extension_browser, static_server
from helpers.companion_proc import start_companion, stop_companion

from companion.campaigns.sources import source_text
from companion.cli import cli

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = pytest.mark.browser

QUEUED_FILES = indexeddb_keys_js("attachments")


@pytest.fixture
def browser(playwright, tmp_path):
    b = mobile_extension_browser(playwright, tmp_path / "profile")
    yield b
    b.close()


def _popup_line(browser, page, words: str) -> str:
    return wait_for(
        lambda: (
            (text := browser.popup_eval("document.getElementById('extras').innerText", page))
            and words in text
            and text
        ),
        20,
        message=f"the popup to say {words}",
    )


def _source_of(comp, capture_id: str) -> tuple[dict, bytes]:
    files = wait_for(
        lambda: [
            f for f in comp.api(f"/api/v1/captures/{capture_id}")["files"] if f["kind"] == "page_source"
        ],
        20,
        message="the page source to arrive",
    )
    [source] = files
    with comp.session_opener().open(comp.url + source["url"]) as resp:
        return source, resp.read()


def test_toolbar_click_saves_the_page_source_with_its_figures(browser, companion, pages_dir=FIXTURES / "e2e"):
    assert "连接成功" in browser.pair(companion.url, companion.token)
    with static_server(pages_dir) as pages:
        page = browser.ctx.new_page()
        page.goto(f"{pages}/bargain.html?goods_id=808&refer_share_id=s1")
        popup = browser.click_toolbar_button(page)
        assert popup["state"] == "ok", popup
        line = _popup_line(browser, page, "网页源文件：已保存")
    [capture] = companion.api(
        "/api/v1/campaigns/" + companion.api("/api/v1/campaigns")["campaigns"][0]["id"]
    )["captures"]
    source, data = _source_of(companion, capture["id"])
    shown = source_text(data, source["mime"])
    print(f"\npage source: {source['mime']}, {len(data):,} bytes, meta {source['meta']}, popup line {line!r}")
    # MHTML (Chromium's pageCapture), read on the first or a later attempt (lib/pagesource.js).
    assert source["mime"] == "multipart/related" and source["meta"]["form"] == "mhtml", source["meta"]
    assert hashlib.sha256(data).hexdigest() == source["sha256"] and len(data) == source["size"]
    # The page's own figures, in the source as the page had them.
    for figure in ("还差", "¥0.52", "已砍99.4%", "小明 帮你砍了 ¥0.03", "每位好友每天可帮砍1次"):
        assert figure in shown.text, figure
    ok = CliRunner().invoke(cli, ["verify", "--data-dir", str(companion.data_dir)])
    assert ok.exit_code == 0, ok.output


def test_offline_capture_and_source_queued_then_both_arrive_capture_first(playwright, tmp_path):
    browser = mobile_extension_browser(playwright, tmp_path / "profile")
    comp = start_companion(tmp_path / "data")
    port = int(comp.url.rsplit(":", 1)[1])
    try:
        assert "连接成功" in browser.pair(comp.url, comp.token)
        stop_companion(comp)
        with static_server(FIXTURES / "e2e") as pages:
            page = browser.ctx.new_page()
            page.goto(f"{pages}/bargain.html?goods_id=909")
            popup = browser.click_toolbar_button(page)
            assert popup["state"] == "queued", popup
            _popup_line(browser, page, "网页源文件：已暂存")
            queued = wait_for(
                lambda: browser.sw.evaluate(QUEUED_FILES), 10, message="the source to be queued"
            )
            assert [key[1] for key in queued] == ["page_source"]
            comp = start_companion(tmp_path / "data", port=port)
            assert "补传了 1 张" in browser.pair(comp.url, comp.token)  # the options page flushes the queue
            wait_for(lambda: not browser.sw.evaluate(QUEUED_FILES), 20, message="the queued source to leave")
        [campaign] = comp.api("/api/v1/campaigns")["campaigns"]
        [capture] = comp.api(f"/api/v1/campaigns/{campaign['id']}")["captures"]
        source, data = _source_of(comp, capture["id"])
        assert capture["id"] == queued[0][0]
        assert capture["received_at"] <= source["received_at"]
        assert "¥0.52" in source_text(data, source["mime"]).text
    finally:
        if comp.proc.poll() is None:
            stop_companion(comp)
        browser.close()


def test_without_page_capture_the_serialised_dom_is_saved(browser, companion):
    """What Firefox does (it has no pageCapture), here by taking the API away in Chromium's worker."""
    assert "连接成功" in browser.pair(companion.url, companion.token)
    gone = browser.sw.evaluate(
        "() => { chrome.pageCapture.saveAsMHTML = undefined; return !chrome.pageCapture.saveAsMHTML; }"
    )
    assert gone
    with static_server(FIXTURES / "e2e") as pages:
        page = browser.ctx.new_page()
        page.goto(f"{pages}/bargain.html?goods_id=707")
        assert browser.click_toolbar_button(page)["state"] == "ok"
        _popup_line(browser, page, "网页源文件：已保存")
    [campaign] = companion.api("/api/v1/campaigns")["campaigns"]
    [capture] = companion.api(f"/api/v1/campaigns/{campaign['id']}")["captures"]
    source, data = _source_of(companion, capture["id"])
    assert source["mime"] == "text/html" and source["meta"]["form"] == "dom", source
    text = data.decode("utf-8")
    assert text.startswith("<!DOCTYPE html>") and '还差 <em id="left">¥0.52</em>' in text
    assert hashlib.sha256(data).hexdigest() == source["sha256"]
