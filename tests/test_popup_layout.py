"""The popup on a phone-sized Chromium with the real extension (issue #12): within 600 px however
many findings the campaign has, status, figures, watch switch and dashboard link first, and pages
the browser forbids explained in Chinese instead of the browser's English error."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from helpers import CST, capture_payload
from helpers.browser import mobile_extension_browser, static_server

FIXTURES = Path(__file__).parent / "fixtures"
SHOTS = Path("/tmp/shots-ui")
pytestmark = pytest.mark.browser


@pytest.fixture
def browser(playwright, tmp_path):
    b = mobile_extension_browser(playwright, tmp_path / "profile")
    yield b
    b.close()


@pytest.fixture(scope="module")
def pages():
    with static_server(FIXTURES / "e2e") as base:
        yield base


def seed_many_incidents(comp, url: str) -> None:
    """A day of earlier captures of the same page with a separate regression every two hours."""
    start = datetime.now(CST) - timedelta(days=1)
    cut = 90.0
    for i in range(40):
        # Every fourth capture goes backwards: one regression incident each time.
        cut = round(cut - 0.3, 1) if i % 4 == 3 else round(min(99.8, cut + 0.4), 1)
        facts = {"cut_percent": cut, "helper_count": i, "raw": {"cut_percent": f"已砍{cut:.1f}%"}}
        comp.post(
            "/api/v1/captures",
            capture_payload(url=url, taken_at=start + timedelta(minutes=30 * i), seed=i, facts=facts),
        )


def popup_box(browser, page) -> dict:
    expr = """JSON.stringify({
      height: Math.max(document.documentElement.scrollHeight,
                       Math.ceil(document.body.getBoundingClientRect().bottom)),
      order: [...document.body.children].filter(e => !e.hidden && e.offsetHeight > 0)
        .map(e => e.id || e.tagName.toLowerCase()),
      items: document.querySelectorAll('#finding-list li').length,
      inner: [innerWidth, innerHeight], body: document.body.scrollWidth,
    })"""
    return json.loads(browser.popup_eval(expr, page))


def test_popup_stays_within_600px_with_many_findings(browser, companion, pages):
    url = f"{pages}/stall.html?activity_id=many12"
    seed_many_incidents(companion, url)
    [campaign] = companion.api("/api/v1/campaigns")["campaigns"]
    incidents = {
        f["incident_id"] for f in companion.api(f"/api/v1/campaigns/{campaign['id']}/findings")["findings"]
    }
    assert len(incidents) >= 6
    assert "连接成功" in browser.pair(companion.url, companion.token)
    page = browser.ctx.new_page()
    page.goto(url)
    popup = browser.click_toolbar_button(page)
    assert popup["state"] == "ok", popup
    box = popup_box(browser, page)
    print("popup with", len(incidents), "incidents:", box)
    SHOTS.mkdir(exist_ok=True)
    browser.popup_screenshot(SHOTS / "popup-many-findings.png", page)
    assert box["height"] <= 600, box
    assert box["items"] <= 3 and re.search(r"另有 \d+ 起", popup["text"])
    # Status, figures, the watch switch and the dashboard link come before the findings.
    order = box["order"]
    assert order.index("status") < order.index("figures") < order.index("watch") < order.index("footer")
    assert order.index("footer") < order.index("findings")
    assert "已砍进度" in popup["text"] and "99.9%" in popup["text"]


@pytest.mark.parametrize("url", ["about:blank", "chrome://extensions/", "chrome://version/"])
def test_forbidden_pages_are_explained_in_chinese(browser, companion, url):
    """Without the "tabs" permission the popup may not see such a page's URL: then the browser's
    refusal (or the unreadable text) is what it explains, in Chinese either way."""
    assert "连接成功" in browser.pair(companion.url, companion.token)
    page = browser.ctx.new_page()
    page.goto(url)
    popup = browser.click_toolbar_button(page)
    SHOTS.mkdir(exist_ok=True)
    browser.popup_screenshot(SHOTS / f"popup-forbidden-{re.sub(r'[^a-z]+', '-', url)}.png", page)
    assert popup["state"] in ("forbidden", "error", "ok"), popup
    assert "浏览器" in popup["text"] and ("不允许" in popup["text"] or "空白页" in popup["text"]), popup
    assert not re.search(r"Cannot|Error|permission|[Ee]xtension", popup["text"]), popup["text"]
