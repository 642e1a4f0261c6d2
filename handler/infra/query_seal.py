"""The app's own seal over the state it carries in a URL it hands to Twilio (a voice
gather's question, list item and items picked so far, and its flags).

Twilio's signature does not protect that state: it runs the URL and every form name and
value together, so the URL's last characters can be sent as a form field whose name sorts
first (`...&p=0` becomes `...&p=` and a field `0`) with the same signature. The seal is an
HMAC-SHA256 over the query's parameters, under a key derived from PHONE_HASH_KEY, cut to
128 bits. A query whose seal does not match was not made here as it is."""
from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from urllib.parse import urlencode

SEAL = "seal"
SEAL_HEX_DIGITS = 32
# The salt of the key's derivation (HKDF's extract step): the seal's key is never
# PHONE_HASH_KEY itself, so a seal is never a phone number's or a call's pseudonym.
KEY_LABEL = b"triage-line: the seal on the URLs the line hands to Twilio"


def seal_key(secret: str) -> bytes:
    return hmac.new(KEY_LABEL, secret.encode("utf-8"), hashlib.sha256).digest()


def seal_of(key: bytes, pairs: list[tuple[str, str]]) -> str:
    # JSON of the sorted pairs: one text for one set of parameters, whatever characters they hold
    message = json.dumps(sorted(pairs), ensure_ascii=True).encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:SEAL_HEX_DIGITS]


def sealed_query(key: bytes, params: Mapping[str, str]) -> str:
    """The query string for these parameters, the seal first (any order would do: it is
    checked over the parameters, not over the text)."""
    pairs = list(params.items())
    return urlencode([(SEAL, seal_of(key, pairs)), *pairs])


def opened(key: bytes, args) -> dict[str, str] | None:
    """The query's parameters, without the seal, if its one seal matches them; else None.
    `args`: request.args (every value of a repeated name counts) or a plain mapping."""
    pairs = list(args.items(multi=True)) if hasattr(args, "getlist") else list(args.items())
    seals = [value for name, value in pairs if name == SEAL]
    rest = [(name, value) for name, value in pairs if name != SEAL]
    if len(seals) != 1:
        return None
    expected = seal_of(key, rest).encode("ascii")
    if not hmac.compare_digest(expected, seals[0].encode("utf-8", "surrogatepass")):
        return None
    return dict(rest)
