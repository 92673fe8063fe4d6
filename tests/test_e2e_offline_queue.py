"""The offline queue in real Chromium (issue #11): companion stopped, 5 captures from the popup,
companion started on the same port: all 5 arrive, each exactly once, by capture_id, and the
toolbar badge counts the queue up (1 … 5) and down (4 … 1, then nothing) as it drains by itself
(the retry alarm in extension/sw.js; nobody clicks anything after the restart)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import wait_for
from helpers.browser import indexeddb_keys_js, mobile_extension_browser, static_server
from helpers.companion_proc import start_companion, stop_companion

FIXTURES = Path(__file__).parent / "fixtures"
CAPTURES = 5
DRAIN_DEADLINE = 90.0  # the retry alarm fires every 30 s; under load Chromium may delay it
pytestmark = pytest.mark.browser

QUEUED_IDS = indexeddb_keys_js("outbox")


BADGE_SPY = """() => {
  self.__badges = [];
  const set = chrome.action.setBadgeText.bind(chrome.action);
  chrome.action.setBadgeText = (details) => {
    if (details.tabId === undefined) self.__badges.push(details.text);
    return set(details);
  };
}"""


def badge(browser) -> str:
    return browser.sw.evaluate("() => chrome.action.getBadgeText({})")


def test_five_captures_queued_offline_arrive_exactly_once_when_the_companion_is_back(playwright, tmp_path):
    browser = mobile_extension_browser(playwright, tmp_path / "profile")
    comp = start_companion(tmp_path / "data")
    port = int(comp.url.rsplit(":", 1)[1])
    try:
        assert "连接成功" in browser.pair(comp.url, comp.token)
        stop_companion(comp)
        assert comp.status() is None

        with static_server(FIXTURES / "e2e") as pages:
            page = browser.ctx.new_page()
            badges = []
            for n in range(CAPTURES):
                page.goto(f"{pages}/bargain.html?goods_id=55&n={n}")
                popup = browser.click_toolbar_button(page)
                assert popup["state"] == "queued", popup
                assert "无法连接砍价存证助手" in popup["text"] and "暂存" in popup["text"]
                badges.append(wait_for(lambda n=n: badge(browser) == str(n + 1) and badge(browser)))
            queued = sorted(browser.sw.evaluate(QUEUED_IDS))
            assert len(queued) == CAPTURES == len(set(queued))

            # Watch the toolbar badge's text as the service worker sets it (a spy that records and
            # passes every call on), to see it count down while the queue drains.
            browser.sw.evaluate(BADGE_SPY)
            comp = start_companion(tmp_path / "data", port=port)

            def drained():
                return badge(browser) == "" and not browser.sw.evaluate(QUEUED_IDS)

            wait_for(drained, DRAIN_DEADLINE, 0.5, "the queue to drain after the restart")
            seen = browser.sw.evaluate("() => self.__badges")
        [campaign] = comp.api("/api/v1/campaigns")["campaigns"]
        detail = comp.api(f"/api/v1/campaigns/{campaign['id']}")
        arrived = sorted(c["id"] for c in detail["captures"])
        print(
            f"\noffline queue: badges while offline {badges}, {len(queued)} queued, "
            f"badges while draining {seen}, {len(arrived)} arrived "
            f"({len(set(arrived))} distinct)"
        )
        assert badges == ["1", "2", "3", "4", "5"]
        assert seen[-1] == "" and [b for b in seen if b][-4:] == ["4", "3", "2", "1"], seen
        assert arrived == queued, "each queued capture must arrive exactly once"
        assert campaign["capture_count"] == CAPTURES
    finally:
        if comp.proc.poll() is None:
            stop_companion(comp)
        browser.close()
