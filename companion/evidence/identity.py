"""Group captures of one bargain into a campaign by a normalised page identity.

The same bargain is reached through share links that add tracking parameters (refer_*, _x_*, share
ids, timestamps); only host + path + id-like parameters name the bargain itself.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlsplit

# Keys that name the thing being bargained for: goods_id, activity_id, act_no, order_sn, kanjia_id...
_ID_KEY = re.compile(
    r"(^|_)(id|sn|no|code)$|^(goods|activity|act|bargain|kanjia|cut|group|order)[_a-z]*$", re.I
)
# ...but not the ones that identify the share, the sharer's session or the moment.
_VOLATILE_KEY = re.compile(
    r"^(_.*|refer.*|share.*|src.*|utm_.*|from.*|page_from|ts|t|timestamp|time|rand.*|nonce|sign|token|"
    r"session.*|uid|user_?id|union_?id|msn|launch_.*|pid|cpid|sp|scene)$",
    re.I,
)


def page_identity(url: str) -> str:
    """``host/path?k=v&...`` with only stable id-like parameters, sorted; lower-cased host, no www."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    host = host.removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = re.sub(r"/+", "/", parts.path or "/").rstrip("/") or "/"
    params = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=False)
        if _ID_KEY.search(k) and not _VOLATILE_KEY.match(k) and v.strip()
    )
    query = "&".join(f"{k}={v}" for k, v in params)
    return f"{host}{path}" + (f"?{query}" if query else "")


def campaign_id_for(identity: str) -> str:
    """Stable, URL-safe id derived from the identity, so re-imports land in the same campaign."""
    return "c" + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:15]
