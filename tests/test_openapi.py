"""shared/openapi.yaml names every route the companion serves, and nothing it does not (issue #11).

The fuzz (tests/test_fuzz_routes.py) only reaches the routes the spec lists, so a route added
without its description would escape it: this test fails first.
"""

from __future__ import annotations

import re

from helpers.openapi import operations, resolve, served_operations, spec


def test_every_served_route_is_in_the_spec_and_back(app):
    served = served_operations(app)
    described = {op.name for op in operations()}
    assert not served - described, f"routes missing from shared/openapi.yaml: {sorted(served - described)}"
    assert not described - served, f"shared/openapi.yaml lists unserved routes: {sorted(described - served)}"


def test_every_path_parameter_is_declared_and_every_ref_resolves():
    for op in operations():
        in_path = {p["name"] for p in op.params if p["in"] == "path"}
        named = set(re.findall(r"{([^}]+)}", op.path))
        assert in_path == named, op.name
    resolve(spec())  # a dangling $ref raises KeyError here


def test_only_the_pairing_request_and_pages_without_evidence_go_without_credentials():
    # docs/security.md: a token on every API call but the pairing request; a session (or a token)
    # on every page but the login link, the demo and the static files.
    open_paths = ("/api/v1/pairing", "/login/", "/demo", "/static/")
    for op in operations():
        assert op.secured != op.path.startswith(open_paths), op.name
        security = spec()["paths"][op.path][op.method.lower()].get("security", spec()["security"])
        schemes = {name for requirement in security for name in requirement}
        # A capture's stored file (#15) is read by the extension's token or the dashboard's session.
        both = not op.path.startswith("/api/") or op.path == "/api/v1/captures/{capture_id}/files/{file_id}"
        if op.secured:
            assert schemes == ({"session", "bearer"} if both else {"bearer"}), op.name
