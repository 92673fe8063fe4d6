"""RFC 3161 trusted timestamps: ask an authority (TSA) to sign "these bytes existed at time T", and
check such a token offline later. All the ASN.1 is rfc3161-client's; no Flask, no SQLite here.

A token is kept as the whole TimeStampResp the authority sent, so a third party can also check it
with ``openssl ts -verify`` (docs/evidence.md).
"""

from __future__ import annotations

import hashlib
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

MAX_RESPONSE_BYTES = 256 * 1024
USER_AGENT = "bargain-witness (RFC 3161 client)"


class TsaError(Exception):
    """The authority could not be reached or its answer is not a valid token for our request."""


@dataclass(frozen=True)
class Token:
    response: bytes  # the TimeStampResp (DER)
    gen_time: str  # RFC 3339, UTC
    serial: str
    tsa_name: str | None


@dataclass(frozen=True)
class TokenCheck:
    """The offline check of one token: ``ok`` when it is a valid signature over the data by a TSA
    certificate that chains to one of the given roots; otherwise ``error`` says why (Chinese)."""

    ok: bool
    gen_time: str | None = None
    tsa_name: str | None = None
    root_name: str | None = None
    root_sha256: str | None = None
    error: str | None = None


def request_token(url: str, data: bytes, timeout: float = 15.0) -> Token:
    """POST a timestamp query for SHA-256(data) and return the checked answer; ``TsaError`` if not."""
    query = (
        TimestampRequestBuilder()
        .data(data)
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    req = urllib.request.Request(
        url,
        data=query.as_bytes(),
        method="POST",
        headers={
            "Content-Type": "application/timestamp-query",
            "Accept": "application/timestamp-reply",
            "User-Agent": USER_AGENT,
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read(MAX_RESPONSE_BYTES + 1)
    except OSError as exc:
        raise TsaError(f"无法连接时间戳服务 {url}：{exc}") from exc
    if len(body) > MAX_RESPONSE_BYTES:
        raise TsaError(f"时间戳服务 {url} 的回应过大。")
    try:
        answer = decode_timestamp_response(body)
    except ValueError as exc:
        raise TsaError(f"时间戳服务 {url} 的回应不是 RFC 3161 格式：{exc}") from exc
    if PKIStatus(answer.status) not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        raise TsaError(f"时间戳服务 {url} 拒绝了请求（状态 {answer.status}）。")
    info = answer.tst_info
    if info.nonce != query.nonce:
        raise TsaError(f"时间戳服务 {url} 的回应与请求不对应（nonce 不符）。")
    if info.message_imprint.message != hashlib.sha256(data).digest():
        raise TsaError(f"时间戳服务 {url} 签署的不是我们发送的摘要。")
    return Token(body, utc_text(info.gen_time), str(info.serial_number), signer_name(answer))


def utc_text(dt: datetime) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def embedded_certificates(answer: TimeStampResponse) -> list[x509.Certificate]:
    return [x509.load_der_x509_certificate(c) for c in answer.signed_data.certificates]


def signer_name(answer: TimeStampResponse) -> str | None:
    """The subject of the certificate that signed the token (as the token names it)."""
    infos = list(answer.signed_data.signer_infos)
    for cert in embedded_certificates(answer):
        if infos and cert.issuer == infos[0].issuer and cert.serial_number == infos[0].serial_number:
            return cert.subject.rfc4514_string()
    return None


def load_certificates(pem: bytes) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(pem)
    except ValueError:
        return []


def certificates_from_file(path: Path | None) -> list[x509.Certificate]:
    """The PEM roots in ``path``; none when it is not a readable file. A user-typed path may be
    one the OS refuses to look up (too long: OSError), which must not turn an export into a 500."""
    try:
        if path is None or not path.is_file():
            return []
        return load_certificates(path.read_bytes())
    except OSError:
        return []


def is_self_signed(cert: x509.Certificate) -> bool:
    return cert.issuer == cert.subject


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.PEM)


def check_token(
    response: bytes, data: bytes, roots: Sequence[x509.Certificate], intermediates: Iterable = ()
) -> TokenCheck:
    """Verify a stored TimeStampResp over ``data`` offline against each root in turn."""
    try:
        answer = decode_timestamp_response(response)
    except ValueError as exc:
        return TokenCheck(False, error=f"不是有效的 RFC 3161 时间戳：{exc}")
    gen_time, name = utc_text(answer.tst_info.gen_time), signer_name(answer)
    if answer.tst_info.message_imprint.message != hashlib.sha256(data).digest():
        return TokenCheck(
            False, gen_time, name, error="时间戳签署的摘要与检查点文件不符（凭证被替换，或检查点被改动）"
        )
    extra = [c for c in intermediates if not is_self_signed(c)]
    last_error = "没有可用的根证书来核对签名"
    for root in roots:
        builder = VerifierBuilder(roots=[root], intermediates=list(extra))
        try:
            builder.build().verify_message(answer, data)
        except (VerificationError, ValueError) as exc:
            last_error = f"签名无法用根证书 {root.subject.rfc4514_string()} 核对：{exc}"
            continue
        return TokenCheck(True, gen_time, name, root.subject.rfc4514_string(), fingerprint(root))
    return TokenCheck(False, gen_time, name, error=last_error)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
