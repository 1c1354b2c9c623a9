"""The signature of a webhook (docs/webhooks.md, "Verifying a delivery"):

    X-PMS-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>

The receiver recomputes the HMAC over the timestamp, a dot and the raw body it received,
compares in constant time, and refuses a timestamp older than a few minutes (replays)."""
from __future__ import annotations

import hashlib
import hmac

HEADER = "X-PMS-Signature"


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def signature_verify(*, secret: str, header: str, body: bytes, now: int, tolerance_s: int = 300) -> bool:
    """The receiver's check (also what the tests' receiver runs)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = signature(secret=secret, timestamp=timestamp, body=body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
