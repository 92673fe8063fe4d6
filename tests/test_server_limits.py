"""A body too big for the server gets the same JSON 413 as one Flask refuses, through waitress (#11).

Waitress refuses a body over its own limit before Flask sees it (by Content-Length at once, or
while a chunked body arrives); Flask refuses one over MAX_CONTENT_LENGTH. The client here sends a
real body, reading the answer as soon as it comes, as a browser does.
"""

from __future__ import annotations

import json
import select
import socket
import urllib.request

import pytest
from helpers.companion_proc import start_companion, stop_companion

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def comp(tmp_path_factory):
    running = start_companion(tmp_path_factory.mktemp("limits") / "data")
    yield running
    stop_companion(running)


def status_ok(comp) -> bool:
    req = urllib.request.Request(
        comp.url + "/api/v1/status", headers={"Authorization": f"Bearer {comp.token}"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status == 200


def oversized(comp, size: int, chunked: bool = False) -> tuple[bytes, int]:
    """POST ``size`` body bytes the way a client does (the answer may come before the body is all
    sent: read it as soon as it comes); the raw answer and how many bytes went out."""
    port = int(comp.url.rsplit(":", 1)[1])
    head = [
        "POST /api/v1/captures HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"Authorization: Bearer {comp.token}",
        "Content-Type: application/json",
        "Connection: close",
        "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}",
    ]
    piece = b"a" * MiB
    sent, answer = 0, b""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("ascii"))
        try:
            while sent < size and not select.select([sock], [], [], 0)[0]:
                part = piece[: size - sent]
                sock.sendall(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
                sent += len(part)
            if chunked and sent >= size:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed while the body was still arriving
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    return answer, sent


def test_bodies_too_big_get_the_same_json_413_through_waitress(comp):
    answers = {}
    for label, size, chunked in (
        ("over Flask's limit", 32 * MiB + MiB // 2, False),
        # waitress's own limit is the largest request any route takes (a capture file's, #15) + 1 MiB
        ("over waitress's limit", 56 * MiB, False),
        ("chunked, over waitress's limit", 56 * MiB, True),
    ):
        raw, sent = oversized(comp, size, chunked)
        head, _, body = raw.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 413"), (label, raw[:300])
        assert b"content-type: application/json" in head.lower() and b"nosniff" in head.lower(), label
        answers[label] = (json.loads(body), sent)
    bodies = {json.dumps(a, sort_keys=True) for a, _ in answers.values()}
    assert len(bodies) == 1 and json.loads(bodies.pop())["error"] == "payload_too_large"
    # The companion still answers, and nothing was stored.
    assert status_ok(comp)
    assert not [p for p in (comp.data_dir / "blobs").rglob("*") if p.is_file()]
    print(
        "\n413 through waitress: "
        + "; ".join(
            f"{label}: JSON 413 after {sent / MiB:.1f} MiB sent" for label, (_, sent) in answers.items()
        )
    )
