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


@pytest.fixture(autouse=True, scope="session")
def _private_runtime_records(tmp_path_factory):
    """Companions started by tests record themselves here, not in the user's state dir (#12:
    ``token`` without --data-dir would otherwise find a test's companion)."""
    import os

    os.environ["BARGAIN_WITNESS_RUNTIME"] = str(tmp_path_factory.mktemp("running"))
    yield


@pytest.fixture(scope="session")
def ocr_engine():
    """One OCR engine for the whole session: loading it takes seconds and ~0.6 GB."""
    from companion.ocr.engine import OcrEngine

    return OcrEngine()


@pytest.fixture
def app(tmp_path):
    # Browser captures are not cross-checked by OCR here (it would load the engine into every test
    # that runs jobs); tests/test_ocr_engine.py builds its app with the cross-check on.
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "OCR_CROSS_CHECK": False})
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
