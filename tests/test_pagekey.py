"""One page identity on both sides: companion.evidence.identity.page_identity (Python) and
extension/lib/pagekey.js's pageIdentity (JS, run with node) against the same pinned cases in
tests/fixtures/pagekey_cases.json, plus generated URLs from a fixed seed.

A case's identity null means page_identity raises ValueError (and pageIdentity throws)."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from companion.evidence.identity import page_identity

ROOT = Path(__file__).resolve().parent.parent
CASES_FILE = ROOT / "tests" / "fixtures" / "pagekey_cases.json"
RUNNER = ROOT / "tests" / "js" / "pagekey_cases.mjs"
CASES = json.loads(CASES_FILE.read_text(encoding="utf-8"))


def node() -> str:
    path = shutil.which("node")
    if not path:
        pytest.fail(
            "node is not on PATH: the extension's JS (extension/lib/pagekey.js) is checked with node "
            "(Node.js 20+; scripts/test installs the npm tooling that needs it)",
            pytrace=False,
        )
    return path


def python_identity(url: str) -> str | None:
    try:
        return page_identity(url)
    except ValueError:
        return None


def js_identities(cases: list[dict], tmp_path: Path) -> list[str | None]:
    """pageIdentity for every case, in order (None where it threw)."""
    cases_file = tmp_path / "cases.json"
    cases_file.write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(
        [node(), str(RUNNER), str(cases_file)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert [r["url"] for r in results] == [c["url"] for c in cases]
    return [r["identity"] for r in results]


def test_the_cases_cover_what_they_must():
    assert len(CASES) >= 30
    urls = " ".join(c["url"] for c in CASES)
    for needle in (
        "refer_",
        "_x_",
        "utm_",
        "share",
        "goods_id",
        "activity_id",
        "order_sn",
        "kanjia_id",
        "act_no",
    ):
        assert needle in urls, needle
    for needle in (":80/", ":443/", ":8443/", "www.", "WWW.", "%E7", "+", "#", "[::1]", "//x///", "砍价"):
        assert needle in urls, needle
    assert any(c["identity"] is None for c in CASES), "a case where Python raises ValueError"
    assert len({c["url"] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_python_page_identity(case):
    assert python_identity(case["url"]) == case["identity"]


def test_js_page_identity_matches_every_case(tmp_path):
    got = js_identities(CASES, tmp_path)
    wrong = [
        {"url": c["url"], "want": c["identity"], "got": g, "note": c["note"]}
        for c, g in zip(CASES, got, strict=True)
        if g != c["identity"]
    ]
    assert not wrong, json.dumps(wrong, ensure_ascii=False, indent=1)


# Pieces that hit the rule's corners: ports, brackets, escapes, +, the key patterns and their
# case-insensitivity, whitespace, fragments, non-ASCII.
ATOMS = [
    "http", "https", "HTTP", ":", "//", "/", "///", "?", "#", "&", "=", "+", "%", "%2", "%20",
    "%e7%a0%8d", "%E7%A0", "%EF%BB%BF", "%0A", "%C4%B1", "%C5%BF", "[", "]", "::1", "1.2.3.4", "@",
    "user:pw", "www.", "WWW.", "Example.COM", ":80", ":443", ":8080", ":0", ":99999", "砍价", "例子.中国",
    "Ä", "ſ", "ı", "K", "\t", " ", "\u3000", "\x01", "goods_id", "GOODS_ID", "activity_id",
    "refer_share_id", "_x_a", "utm_source", "uid", "t", "share_code", "order", "kanjia_id", "act_no",
    "id", "1", "a b", ";", "..", "😀", "！", "\ufeff", "\u2100", "／", "%zz", "%F0%9F%98%80",
]  # fmt: skip
KEYS = [
    "goods_id", "GOODS_ID", "activity_id", "refer_share_id", "_x_a", "utm_id", "uid", "t", "order",
    "kanjia_id", "goods%5Fid", "goods+id", "%C5%BFhare_id", "goods_%C4%B1d", "goods_id%0A", "Kanjia_code",
]  # fmt: skip
VALUES = [
    "1", "", "+", "%20", "a+b", "%2B", "%E7%A0%8D", "%E7%A0", "%zz", "=", "😀", "%EF%BC%81",
    "%F0%9F%98%80", "%E3%80%80", "%C2%85",
]  # fmt: skip


def generated_urls(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    urls = []
    for i in range(count):
        if i % 2:
            urls.append("".join(rng.choice(ATOMS) for _ in range(rng.randint(1, 14))))
            continue
        host = rng.choice(
            ["Example.COM", "www.a.com", "[::1]", "[FE80::A%25Z]", "例子.中国", "a.com:80", "u@b.com:443"]
        )
        path = rng.choice(["", "/", "//x//", "/砍价/", "/%E7%A0%8D", "/a/./b"])
        fields = [
            rng.choice([f"{rng.choice(KEYS)}={rng.choice(VALUES)}", rng.choice(KEYS), ""])
            for _ in range(rng.randint(0, 5))
        ]
        query = "&".join(fields)
        fragment = rng.choice(["", "#x", "#/a?goods_id=2"])
        urls.append(
            f"{rng.choice(['http', 'HTTPS'])}://{host}{path}" + (f"?{query}" if query else "") + fragment
        )
    return urls


def test_js_agrees_with_python_on_generated_urls(tmp_path):
    cases = [{"url": u, "identity": python_identity(u)} for u in generated_urls(seed=20261120, count=1500)]
    got = js_identities(cases, tmp_path)
    wrong = [
        {"url": c["url"], "python": c["identity"], "js": g}
        for c, g in zip(cases, got, strict=True)
        if g != c["identity"]
    ]
    assert not wrong, json.dumps(wrong[:10], ensure_ascii=False, indent=1)
