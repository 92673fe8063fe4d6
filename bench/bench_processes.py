"""Benchmark (not a test): would several request processes let four clients beat one? (#13)

The goal "4 clients into one campaign reach >= 1.5x one client's captures/s" is not met by the one
companion process: a capture's CPU runs under one GIL (docs/performance.md). The way around a GIL is
processes, so this measures a prototype of that design before anyone builds it: K copies of the
companion's app in K forked processes, serving the one listening socket (whichever process accepts
a connection serves it) or, the upper bound, each its own port with the clients spread evenly
over them (a perfect balancer), meeting at a blocking cross-process write lock (``flock`` on a file in the
data dir, taken where the app takes its in-process lock; SQLite's own busy handler sleeps instead).
Each process keeps its own analysis cache: a capture stored by the other process is folded in by
the next ``findings`` (the cache's catch-up), as a real multi-process companion would have to.

Printed for each set-up: captures/s, the server processes' CPU per capture (summed; from /proc) and
how it was shared between them. No job worker runs in any of them (the same for every set-up).

POSIX only (``os.fork`` hands the listening socket to the children); on Windows it says so and stops.

Run: .venv/bin/python bench/bench_processes.py [--processes 2] [--per-client 60] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_ingest import body, page_png  # noqa: E402
from served import CaptureClient  # noqa: E402


class FileWriteLock:
    """The in-process lock's stand-in: re-entrant in this process, and ``flock`` across processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    def __enter__(self) -> FileWriteLock:
        import fcntl

        self._local.acquire()
        self._depth += 1
        if self._depth == 1:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc) -> None:
        import fcntl

        self._depth -= 1
        if self._depth == 0:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._local.release()


def serve_child(sock: socket.socket, data: Path) -> None:
    """In a forked child: the companion's app on the inherited socket, the file lock in place."""
    from waitress import create_server

    from companion.core import db as dbmod
    from companion.core.group_commit import WriteGroup

    lock, group = FileWriteLock(data / "write.lock"), WriteGroup()
    dbmod._writers = lambda _path: (lock, group)  # the prototype's one change to the app
    from companion.app import create_app

    app = create_app({"DATA_DIR": str(data)})
    create_server(app, sockets=[sock], threads=4).run()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(processes: int, n_clients: int, per_client: int, balanced: bool) -> tuple[float, float, list[float]]:
    """(captures/s, server CPU ms a capture, each process's share of that CPU). ``balanced``: each
    process listens on its own port and client c posts to process c mod K (a perfect balancer, the
    upper bound); else all share one socket and whichever process accepts a connection serves it."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        from companion.app import create_app

        token = create_app({"DATA_DIR": str(data)}).config["API_TOKEN"]  # the schema made once, here
        socks = [_listen() for _ in range(processes if balanced else 1)]
        clients = []
        for sock in socks:
            client = CaptureClient()
            client.token, client.port = token, sock.getsockname()[1]
            clients.append(client)
        pids = []
        for k in range(processes):
            pid = os.fork()
            if pid == 0:
                try:
                    serve_child(socks[k % len(socks)], data)
                finally:
                    os._exit(0)
            pids.append(pid)
        try:
            return _measure(clients, pids, n_clients, per_client)
        finally:
            for pid in pids:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
            for sock in socks:
                sock.close()


def _listen() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def _measure(clients: list[CaptureClient], pids: list[int], n_clients: int, per_client: int):
    deadline = time.monotonic() + 60
    for client in clients:  # until each port answers (the processes start in parallel)
        while True:
            try:
                client.post(client.connection(), body(page_png(390, 844, 0), 0))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
    for n in range(1, 4 * len(pids)):  # new connections: on one socket each process likely serves some
        client = clients[n % len(clients)]
        client.post(client.connection(), body(page_png(390, 844, n), n))
    start = 4 * len(pids)
    bodies = [
        [body(page_png(390, 844, 1000 + 100 * c + i), start + c + n_clients * i) for i in range(per_client)]
        for c in range(n_clients)
    ]
    barrier = threading.Barrier(n_clients + 1)

    def go(client: CaptureClient, mine: list[bytes]) -> None:
        conn = client.connection()
        barrier.wait()
        for raw in mine:
            client.post(conn, raw)

    threads = [threading.Thread(target=go, args=(clients[c % len(clients)], b)) for c, b in enumerate(bodies)]
    for t in threads:
        t.start()
    cpu0 = [cpu_seconds(p) for p in pids]
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    used = [cpu_seconds(p) - c for p, c in zip(pids, cpu0, strict=True)]
    total = n_clients * per_client
    shares = [u / sum(used) if sum(used) else 0 for u in used]
    return total / elapsed, sum(used) * 1000 / total, shares


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--per-client", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3, help="alternated set-ups (medians)")
    args = parser.parse_args()
    if not hasattr(os, "fork") or not Path("/proc/self/stat").exists():
        print("bench_processes.py needs os.fork and /proc (Linux); nothing measured here.")
        return
    setups = [(1, 1, False), (1, 4, False), (args.processes, 4, False), (args.processes, 4, True)]
    results: dict[tuple, list[tuple[float, float, list[float]]]] = {s: [] for s in setups}
    print(f"request processes sharing one socket ({os.cpu_count()} logical cores here)")
    for _ in range(args.rounds):
        for procs, clients, balanced in setups:
            per = args.per_client * 4 // clients  # the same number of captures in every set-up
            rate, cpu, shares = run(procs, clients, per, balanced)
            results[(procs, clients, balanced)].append((rate, cpu, shares))
            split = " / ".join(f"{s:.0%}" for s in shares)
            print(
                f"  {_name(procs, clients, balanced)}: {rate:4.0f} captures/s, "
                f"server CPU {cpu:.1f} ms a capture ({split})",
                flush=True,
            )
    base = statistics.median(r[0] for r in results[setups[0]])
    for setup in setups:
        rate = statistics.median(r[0] for r in results[setup])
        cpu = statistics.median(r[1] for r in results[setup])
        print(
            f"median: {_name(*setup)}: {rate:.0f} captures/s "
            f"({rate / base:.2f}x one client on one process), {cpu:.1f} ms of server CPU a capture"
        )


def _name(procs: int, clients: int, balanced: bool) -> str:
    how = ", a port each" if balanced else (", one socket" if procs > 1 else "")
    return f"{procs} process(es){how}, {clients} client(s)"


if __name__ == "__main__":
    main()
