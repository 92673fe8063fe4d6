"""Bad input never gives a 500 or a stack trace: arbitrary JSON and mutated captures at the API."""

from __future__ import annotations

import copy

from helpers import capture_payload
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
BASE = capture_payload()
FACT_FIELDS = (
    "cut_amount",
    "remaining_amount",
    "cut_percent",
    "remaining_percent",
    "target_price",
    "countdown_seconds",
    "deadline",
    "helper_count",
    "helpers",
    "rules_text",
    "unit",
    "raw",
)
PATHS = [
    ("capture_id",),
    ("taken_at",),
    ("source",),
    ("page", "url"),
    ("page",),
    ("image", "mime"),
    ("image", "data_base64"),
    ("image",),
    ("facts",),
    ("client",),
    ("campaign_id",),
    *(("facts", k) for k in FACT_FIELDS),
]
huge_numbers = st.sampled_from([10**20, -(10**20), 2**63, 1e308, -1e308, 1e-320, 31_622_401])
edge_times = st.sampled_from(
    [
        "9999-12-31T23:59:59+00:00",
        "0001-01-01T00:00:00+14:00",
        "2026-02-30T00:00:00Z",
        "2026-11-20T24:00:00+08:00",
        "2026-11-20T14:03:00+25:00",
    ]
)
ALLOWED = {200, 201, 400, 404, 409, 413, 415, 422}


def check(resp):
    assert resp.status_code in ALLOWED, (resp.status_code, resp.get_data(as_text=True)[:300])
    if resp.status_code >= 400:
        body = resp.get_json()
        assert set(body) >= {"error", "message"} and "Traceback" not in resp.get_data(as_text=True)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=json_values)
def test_arbitrary_json_bodies(client, value):
    check(client.post("/api/v1/captures", json=value))
    check(client.put("/api/v1/campaigns/c0/complaints/12315", json=value))
    check(client.post("/api/v1/campaigns/c0/filings", json=value))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(PATHS), value=json_values | huge_numbers | edge_times)
def test_one_field_replaced_by_anything(client, path, value):
    body = copy.deepcopy(BASE)
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    check(client.post("/api/v1/captures", json=body))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200))
def test_arbitrary_bytes(client, raw):
    check(client.post("/api/v1/captures", data=raw, content_type="application/json"))
