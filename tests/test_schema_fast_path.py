"""The compiled schema check (jsonschema-rs) only ever says "valid" where jsonschema does (#13).

``core/schema.py`` lets jsonschema-rs answer "valid" on the hot path and leaves every other answer
(and its message) to jsonschema. That is the contract unchanged only if the fast one never accepts
what jsonschema refuses: checked here on mutated captures and arbitrary JSON, and on the edge
cases of the two formats the schema uses (date-time, uuid) and of numbers.
"""

from __future__ import annotations

import copy

import pytest
from helpers import capture_payload
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companion.core.schema import Schema

SCHEMA = Schema()
BASE = capture_payload()
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.sampled_from(
        ["2026-11-20T08:00:00+08:00", "2026-02-30T00:00:00Z", "A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D"]
    ),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
PATHS = [
    ("capture_id",),
    ("taken_at",),
    ("source",),
    ("page", "url"),
    ("page", "title"),
    ("image", "mime"),
    ("image", "data_base64"),
    ("facts",),
    ("facts", "cut_amount"),
    ("facts", "helper_count"),
    ("facts", "helpers"),
    ("facts", "deadline"),
    ("facts", "raw"),
    ("client",),
    ("client", "sent_at"),
    ("campaign_id",),
]


def agrees(name: str, instance: object) -> None:
    if SCHEMA.fast_valid(name, instance):
        assert SCHEMA.validator(name).is_valid(instance), (
            f"fast path accepts what the schema refuses: {instance!r}"
        )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), json_values)
def test_a_mutated_capture_is_never_accepted_by_the_fast_path_alone(path, value):
    payload = copy.deepcopy(BASE)
    node = payload
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    agrees("capture", payload)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_arbitrary_json_is_never_accepted_by_the_fast_path_alone(value):
    agrees("capture", value)


@pytest.mark.parametrize(
    "capture_id",
    [
        "a1b2c3d4e5f64a7b8c9d0e1f2a3b4c5d",
        "{a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d}",
        "urn:uuid:a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
        "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5\u0661",
        "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d\n",
    ],
)
def test_odd_uuids(capture_id):
    agrees("capture", {**BASE, "capture_id": capture_id})


@pytest.mark.parametrize(
    "taken_at",
    [
        "2026-11-20 08:00:00+08:00",
        "2026-11-20T08:00:00",
        "2026-11-20T08:00:00+08:00\n",
        "２026-11-20T08:00:00Z",
    ],
)
def test_odd_times(taken_at):
    agrees("capture", {**BASE, "taken_at": taken_at})
    assert not SCHEMA.fast_valid("capture", {**BASE, "taken_at": taken_at})


def test_the_fast_path_takes_a_valid_capture_and_every_message_type_compiles():
    assert SCHEMA.fast_valid("capture", BASE) and SCHEMA.first_error("capture", BASE) is None
    for name in SCHEMA.document["$defs"]:
        SCHEMA.fast_valid(name, {})  # each definition compiles (a bad one would raise here, not at a POST)
    print(f"\nschema fast path: {len(SCHEMA.document['$defs'])} definitions compiled")
