"""shared/openapi.yaml read for tests: its operations, its routes in Flask's spelling, and requests
generated from it with Hypothesis (issue #11: >= 10,000 fuzzed requests over every route, 0 5xx).

The request bodies come from the spec's schemas (``$ref``s into shared/schema.json resolved here,
drawn by ``from_schema`` below: hypothesis-jsonschema 0.23 fails on current Hypothesis), mixed
with arbitrary JSON, raw bytes, mutations of a valid capture and the ids of rows that exist, so
that requests get past the first check as well as fail it.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml
from hypothesis import strategies as st

from helpers import ROOT, SCHEMA_PATH, capture_payload

SPEC_PATH = ROOT / "shared" / "openapi.yaml"
SHARED_REF = "schema.json#/$defs/"
METHODS = ("get", "put", "post", "delete", "patch")


@cache
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


@cache
def _shared_defs() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["$defs"]


def resolve(node: Any) -> Any:
    """The node with local ``#/components/...`` refs replaced; a shared/schema.json ref becomes that
    definition carrying every ``$defs`` (its own ``#/$defs/...`` refs keep working)."""
    if isinstance(node, list):
        return [resolve(x) for x in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(SHARED_REF):
        return {**_shared_defs()[ref[len(SHARED_REF) :]], "$defs": _shared_defs()}
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = spec()
        for part in ref[2:].split("/"):
            target = target[part]
        return resolve(target)
    return {k: resolve(v) for k, v in node.items()}


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str  # OpenAPI spelling: /campaigns/{campaign_id}
    params: tuple[dict[str, Any], ...]  # resolved parameter objects (path and query)
    body: tuple[str, dict[str, Any]] | None  # (media type, resolved schema)
    secured: bool

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"

    def __repr__(self) -> str:  # Hypothesis prints strategies built from operations
        return f"Operation({self.name!r})"


def operations() -> list[Operation]:
    found = []
    default_security = spec().get("security", [])
    for path, item in spec()["paths"].items():
        shared_params = resolve(item.get("parameters", []))
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = tuple(shared_params + resolve(op.get("parameters", [])))
            body = None
            content = resolve(op.get("requestBody", {})).get("content", {})
            if content:
                media, entry = next(iter(content.items()))
                body = (media, entry.get("schema", {}))
            found.append(
                Operation(method.upper(), path, params, body, bool(op.get("security", default_security)))
            )
    return found


def flask_rule_as_openapi(rule: str) -> str:
    """``/filings/<int:filing_id>/answered`` -> ``/filings/{filing_id}/answered``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def served_operations(app) -> set[str]:
    """Every (method, path) the app routes, HEAD and OPTIONS (answered by Flask itself) aside."""
    return {
        f"{method} {flask_rule_as_openapi(rule.rule)}"
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


# ---------------------------------------------------------------- requests from the spec


def from_schema(schema: dict[str, Any], defs: dict[str, Any] | None = None) -> st.SearchStrategy:
    """Values (mostly) valid against the subset of JSON Schema that shared/schema.json and the
    spec use: $ref, enum, const, type (one or several), properties/required, items, string
    pattern and lengths, number bounds. Anything else: arbitrary JSON."""
    defs = schema.get("$defs", defs) or {}
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return st.deferred(lambda: from_schema(defs[ref[len("#/$defs/") :]], defs))
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    types = schema.get("type")
    if isinstance(types, list):
        return st.one_of([from_schema({**schema, "type": t}, defs) for t in types])
    if types == "object" or "properties" in schema:
        props = schema.get("properties", {})
        required = [k for k in schema.get("required", []) if k in props]
        optional = {k: from_schema(v, defs) for k, v in props.items() if k not in required}
        return st.fixed_dictionaries({k: from_schema(props[k], defs) for k in required}, optional=optional)
    if types == "array":
        items = from_schema(schema.get("items", {}), defs)
        return st.lists(items, max_size=min(schema.get("maxItems", 4), 4))
    if types == "string":
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True)
        return st.text(min_size=schema.get("minLength", 0), max_size=min(schema.get("maxLength", 40), 40))
    if types == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if types == "number":
        return st.floats(schema.get("minimum"), schema.get("maximum"), allow_nan=False, allow_infinity=False)
    if types == "boolean":
        return st.booleans()
    if types == "null":
        return st.none()
    return JSON_VALUES


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=10,
)
ODD_TEXT = st.text(max_size=40) | st.sampled_from(
    [
        "",
        "..",
        "../settings",
        "%00",
        "0",
        "-1",
        "99999999999999999999",
        "a" * 300,
        "\ud800",
        "../../etc/passwd",
    ]
)


@dataclass
class Request:
    method: str
    path: str
    query: str  # already encoded (odd text included, as %-escapes)
    headers: dict[str, str]
    data: bytes | None


@cache
def _capture_bases() -> tuple[dict[str, Any], ...]:
    return tuple(capture_payload(seed=n) for n in range(3))  # made once: a PNG each


@st.composite
def _mutated_capture(draw) -> dict[str, Any]:
    """A valid capture with one field (top level or one level down) replaced by anything."""
    body = copy.deepcopy(draw(st.sampled_from(_capture_bases())))
    key = draw(st.sampled_from([*body, "page.url", "facts.cut_amount", "image.data_base64", "extra"]))
    target = body
    if "." in key:
        outer, key = key.split(".")
        target = body[outer]
    target[key] = draw(JSON_VALUES | ODD_TEXT)
    return body


@st.composite
def _import_file(draw) -> dict[str, Any]:
    """A real screenshot as the import page sends it: a name with a time or not, a time or not."""
    body: dict[str, Any] = {
        "name": draw(
            st.sampled_from(["IMG_20261120_140312.png", "Screenshot_2026-11-20-14-03-12.png", "x.png"])
        ),
        "data_base64": draw(st.sampled_from(_capture_bases()))["image"]["data_base64"],
    }
    if draw(st.booleans()):
        body["taken_at"] = draw(
            st.sampled_from(["2026-11-20T14:03:12+08:00", "2026-13-40T99:00:00Z"]) | ODD_TEXT
        )
    if draw(st.booleans()):
        body["campaign"] = draw(ODD_TEXT)
    return body


def requests_for(op: Operation, known: dict[str, list[str]], authenticate: Callable) -> st.SearchStrategy:
    """Requests for ``op``: known ids or odd text in the path, a body from the schema or not.
    Every strategy is built here once (building them per draw costs more than the requests)."""
    params = [
        (
            p["name"],
            p["in"],
            st.sampled_from(known.get(p["name"]) or ["x"])
            | from_schema(p.get("schema", {})).map(str)
            | ODD_TEXT,
        )
        for p in op.params
    ]
    bodies = _bodies(*op.body, op.path) if op.body else st.just((None, None))

    @st.composite
    def one(draw) -> Request:
        path = op.path
        query: dict[str, str] = {}
        for name, where, values in params:
            value = draw(values)
            if where == "path":
                safe = "/" if name == "filename" else ""
                quoted = urllib.parse.quote(value, safe, errors="surrogatepass") or "x"
                path = path.replace("{" + name + "}", quoted)
            elif draw(st.booleans()):
                query[name] = value
        headers: dict[str, str] = {}
        data, media = draw(bodies)
        if media:
            headers["Content-Type"] = media
        if draw(st.integers(0, 9)):  # mostly as the real client sends it; sometimes without
            authenticate(headers)
        encoded = urllib.parse.urlencode(query, errors="surrogatepass")
        return Request(op.method, path, encoded, headers, data)

    return one()


def _bodies(media: str, schema: dict[str, Any], path: str) -> st.SearchStrategy:
    if media == "application/json":
        documents = from_schema(schema) | JSON_VALUES
        if path == "/api/v1/captures":
            documents = documents | _mutated_capture()
        if path == "/import/file":
            documents = documents | _import_file()
        encoded = documents.map(lambda d: json.dumps(d, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        odd_type = st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded"])
        return st.tuples(encoded, st.just("application/json")) | st.tuples(st.binary(max_size=200), odd_type)
    names = sorted(schema.get("properties", {})) or ["field:x"]
    form = st.dictionaries(
        st.sampled_from([*names, "field:title", "field:content", "next"]) | st.text(max_size=10),
        ODD_TEXT | st.dates().map(str),
        max_size=5,
    ).map(lambda d: urllib.parse.urlencode(d, encoding="utf-8", errors="surrogatepass").encode("ascii"))
    return st.tuples(form, st.just(media))


def known_ids(client, authenticate: Callable) -> dict[str, list[str]]:
    """Seed two campaigns and a filing through the API, pairing requests from the fuzz's extension
    origin, one-time dashboard links and two other paired browsers (the legacy token from their own
    extension origins): the ids the path parameters pick from."""
    headers: dict[str, str] = {}
    authenticate(headers)
    captures, campaigns = [], []
    for n in range(2):
        body = capture_payload(seed=n, url=f"https://mobile.yangkeduo.com/bargain.html?goods_id={n}")
        answer = client.post("/api/v1/captures", json=body, headers=headers).get_json()
        captures.append(answer["capture_id"])
        campaigns.append(answer["campaign_id"])
    filing = client.post(
        f"/api/v1/campaigns/{campaigns[0]}/filings",
        json={"channel": "12315", "sent_on": "2026-11-21"},
        headers=headers,
    ).get_json()
    # Waiting pairing requests: the handle the extension polls with, its hash the settings page confirms.
    handles = []
    for _ in range(3):
        started = client.post("/api/v1/pairing", json={"browser": "fuzz"}, headers=headers)
        assert started.status_code == 201, started.get_data(as_text=True)
        handles.append(started.get_json()["request_id"])
    secrets = []
    for _ in range(3):
        link = client.post("/api/v1/session-link", json={"next": "/"}, headers=headers).get_json()["url"]
        secrets.append(urllib.parse.urlsplit(link).path.rsplit("/", 1)[1])
    legacy = {"Authorization": f"Bearer {client.application.config['API_TOKEN']}"}
    for n in range(2):
        assert (
            client.get(
                "/api/v1/status", headers={**legacy, "Origin": f"moz-extension://other-{n}"}
            ).status_code
            == 200
        )
    settings_page = client.get("/settings", headers=headers).get_data(as_text=True)
    others = re.findall(
        r'data-origin="moz-extension://other-\d">.*?/settings/browsers/(\d+)/revoke', settings_page, re.S
    )
    assert len(others) == 2, "the settings page lists the paired browsers"
    return {
        "campaign_id": campaigns,
        "capture_id": captures,
        "filing_id": [str(filing["id"]), "0"],
        "channel": ["12315", "heimao", "email"],
        "filename": ["index.html", "demo.js", "style.css", "demo/demo.css"],
        "request_id": handles,
        "id_hash": [hashlib.sha256(h.encode()).hexdigest() for h in handles],
        "answer": ["confirm", "deny"],
        "secret": secrets,
        "browser_id": others,
    }
