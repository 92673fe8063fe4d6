"""The form filler's panel never covers the form (#11, #12), checked with element geometry at a
laptop's 1366x768 and a phone's 390x844, on both fixture sites over https; screenshots of each
state go to test-artifacts/ (and $BW_SHOTS when set) for a person to look at.

Wide: the panel is a column at the right and the page is narrowed by as much, so no box of the form
reaches under it. Narrow: a sheet at the bottom, collapsible, and every box can be scrolled to
above it (the page gets the sheet's height of room below its end). See docs/formfill.md.
"""

from __future__ import annotations

import json
import os
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from helpers import CST, ROOT, capture_payload
from helpers.browser import ExtensionBrowser, https_static_server
from helpers.panel import Panel

FORMS = Path(__file__).parent / "fixtures" / "forms"
SHOTS = Path(os.environ.get("BW_SHOTS") or ROOT / "test-artifacts")
URL = "https://mobile.yangkeduo.com/bargain.html?activity_id=KJ20261120&refer_share_id=7"
pytestmark = pytest.mark.browser

SIZES = {
    "1366": {"viewport": {"width": 1366, "height": 768}},
    "390": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 1,
        "is_mobile": True,
        "has_touch": True,
    },
}
SITES = {
    "heimao": "https://tousu.sina.com.cn:{port}/heimao.html",
    "12315": "https://www.12315.cn:{port}/12315.html",
}

# Every box of the page's own form, with its rectangle after scrolling it to the top of the window.
BOXES_AT_TOP = """() => [...document.querySelectorAll("input, textarea, select")]
    .filter((e) => e.getClientRects().length && e.type !== "hidden")
    .map((e) => {
        e.scrollIntoView({block: "start"});
        const r = e.getBoundingClientRect();
        return {name: e.name || e.placeholder || e.tagName, left: r.left, top: r.top, right: r.right,
                bottom: r.bottom};
    })"""


def post_campaign(comp) -> None:
    for i in range(3):
        body = capture_payload(
            url=URL,
            taken_at=datetime(2026, 11, 20, 14, 0, tzinfo=CST) + timedelta(minutes=11 * i),
            seed=i,
            facts={"cut_amount": 98.9, "remaining_amount": 0.1, "helper_count": 10 + 2 * i},
        )
        req = urllib.request.Request(
            comp.url + "/api/v1/captures",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {comp.token}", "Content-Type": "application/json"},
        )
        urllib.request.urlopen(req, timeout=10).close()


@pytest.fixture(scope="module")
def port(tmp_path_factory):
    with https_static_server(FORMS, tmp_path_factory.mktemp("tls")) as https_port:
        yield https_port


def overlap(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


@pytest.mark.parametrize("size", list(SIZES))
def test_the_open_panel_never_covers_a_box_of_the_form(playwright, companion, port, tmp_path, size):
    post_campaign(companion)
    browser = ExtensionBrowser(playwright, tmp_path / "profile", ignore_https_errors=True, **SIZES[size])
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        assert "连接成功" in browser.pair(companion.url, companion.token)
        for site, url in SITES.items():
            page = browser.ctx.new_page()
            page.goto(url.format(port=port))
            panel = Panel(browser, page)
            button = panel.rect(".bw-ff-open") or {}
            page.screenshot(path=str(SHOTS / f"formfill-{site}-{size}-button.png"))
            panel.open()
            panel.wait_state("picking")
            page.screenshot(path=str(SHOTS / f"formfill-{site}-{size}-picking.png"))
            panel.click(".bw-ff-campaign", "砍价免费拿")
            panel.wait_state("done")
            page.evaluate("() => window.scrollTo(0, 0)")
            page.screenshot(path=str(SHOTS / f"formfill-{site}-{size}-done.png"))
            assert "投诉投诉" not in panel.text()

            dock = panel.js("return host.dataset.dock;")
            covered = []
            for box in page.evaluate(BOXES_AT_TOP):
                sheet = panel.rect(".bw-ff-panel")
                if overlap(box, sheet):
                    covered.append((box, sheet))
            print(f"\n{site} at {size}: panel docked {dock}, {panel.rect('.bw-ff-panel')}, button {button}")
            assert dock == ("side" if size == "1366" else "bottom")
            assert not covered, covered[:3]
            if dock == "side":  # the whole form beside the panel, without scrolling sideways
                assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
            else:  # collapsible to its title bar
                panel.click(".bw-ff-collapse", "收起")
                zoom = panel.js("return Number(host.style.zoom) || 1;")
                assert panel.rect(".bw-ff-panel")["height"] <= 44 * zoom + 1
                page.screenshot(path=str(SHOTS / f"formfill-{site}-{size}-collapsed.png"))
                panel.click(".bw-ff-collapse", "展开")
                assert panel.rect(".bw-ff-panel")["height"] > 200
            panel.click(".bw-ff-close")
            panel.wait_state("closed")
            # Closed, the page gets its room back.
            assert page.evaluate("() => document.documentElement.style.marginRight") in ("", "0px")
            page.close()
    finally:
        browser.close()
