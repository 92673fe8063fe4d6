"""A local RFC 3161 time-stamping authority for tests: ``openssl ts -reply`` behind http.server.

An EC P-256 root (CA:true) signs a TSA leaf with ``extendedKeyUsage = critical,timeStamping``. The
config leaves out ``certs``: OpenSSL would write the certificate set out of DER order, which
rfc3161-client rejects. ``offline`` makes it answer 503, as an unreachable authority would fail.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TSA_CNF = """
[ tsa ]
default_tsa = tsa_config1

[ tsa_config1 ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""
LEAF_EXT = (
    "basicConstraints=CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n"
)


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_pki(folder: Path, name: str = "Test TSA") -> Path:
    """Root and TSA leaf in ``folder``; returns the root certificate's path."""
    folder.mkdir(parents=True, exist_ok=True)
    _openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "root.key", cwd=folder)
    _openssl(
        "req", "-new", "-x509", "-key", "root.key", "-subj", f"/CN={name} Root", "-days", "3650",
        "-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-out", "root.crt", cwd=folder,
    )  # fmt: skip
    _openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "tsa.key", cwd=folder)
    _openssl("req", "-new", "-key", "tsa.key", "-subj", f"/CN={name}", "-out", "tsa.csr", cwd=folder)
    (folder / "leaf.ext").write_text(LEAF_EXT)
    _openssl(
        "x509", "-req", "-in", "tsa.csr", "-CA", "root.crt", "-CAkey", "root.key", "-CAcreateserial",
        "-days", "3650", "-extfile", "leaf.ext", "-out", "tsa.crt", cwd=folder,
    )  # fmt: skip
    (folder / "serial").write_text("01\n")
    (folder / "tsa.cnf").write_text(TSA_CNF.format(dir=folder))
    return folder / "root.crt"


class LocalTsa:
    def __init__(self, folder: Path, name: str = "Test TSA") -> None:
        self.folder = folder
        self.root = make_pki(folder, name)
        self.offline = False
        self.requests = 0
        self._lock = threading.Lock()
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with tsa._lock:
                    tsa.requests += 1
                    if tsa.offline:
                        self.send_error(503)
                        return
                    reply = tsa.reply(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsr"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reply(self, query: bytes) -> bytes:
        with tempfile.TemporaryDirectory(dir=self.folder) as tmp:
            q, r = Path(tmp, "q.tsq"), Path(tmp, "r.tsr")
            q.write_bytes(query)
            _openssl("ts", "-reply", "-queryfile", str(q), "-config", str(self.folder / "tsa.cnf"),
                     "-out", str(r), cwd=self.folder)  # fmt: skip
            return r.read_bytes()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
