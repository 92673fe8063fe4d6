"""Fixtures only; what tests share otherwise is in ``tests/helpers/`` (tests never import this file).

Every test that drives a real browser carries the ``browser`` mark: a test that uses the
``playwright`` fixture without it fails at collection, so ``-m "not browser"`` is always honest.
"""

from __future__ import annotations

import pytest
from helpers.companion_proc import start_companion, stop_companion

from companion.app import create_app

BROWSER_FIXTURES = frozenset({"playwright"})


def pytest_collection_modifyitems(config, items):
    unmarked = [
        item.nodeid
        for item in items
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ()))
        and not item.get_closest_marker("browser")
    ]
    if unmarked:
        raise pytest.UsageError(
            "tests that drive a browser must be marked `browser`:\n" + "\n".join(unmarked)
        )


@pytest.fixture
def app(tmp_path):
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data")})
    yield app
    app.extensions["bargain_witness_db"].close_all()  # the kept connections (core/db.py), as serve does


@pytest.fixture
def client(app):
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['API_TOKEN']}"
    return c


@pytest.fixture(scope="session")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture
def companion(tmp_path):
    comp = start_companion(tmp_path / "data")
    yield comp
    stop_companion(comp)
