"""Phone numbers and call ids never reach storage or logs: they become keyed
hashes (HMAC-SHA256 with PHONE_HASH_KEY), so equal numbers still match."""
from __future__ import annotations

import hashlib
import hmac


def pseudonym(secret: str, value: str) -> str:
    return hmac.new(secret.encode("utf-8"), value.strip().encode("utf-8"), hashlib.sha256).hexdigest()
