"""Checking that a request really comes from Twilio: X-Twilio-Signature over
the URL Twilio called and every POST parameter, with the twilio package's
RequestValidator. There is no way to turn it off; local tools sign too."""
from __future__ import annotations

from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)


def public_base(request, public_base_url: str | None) -> str:
    """The base URL Twilio calls. Behind API Gateway or a proxy the app cannot see it,
    so PUBLIC_BASE_URL names it (Lambda will not start without it; `serve` sets it from its
    own host and port). Without it (tests, local tools) it is the URL this request reached.
    Never X-Forwarded-*: those are the client's word, and the auth token signs for the whole
    account, so trusting them would accept a request signed for another service's URL."""
    if public_base_url:
        return public_base_url.rstrip("/")
    return f"{request.scheme}://{request.host}{request.script_root}"


def public_url(request, public_base_url: str | None) -> str:
    """The full URL Twilio called, query string included (Twilio signs it too)."""
    query = request.query_string.decode("latin-1")
    return public_base(request, public_base_url) + request.path + (f"?{query}" if query else "")


def is_from_twilio(request, auth_token: str, public_base_url: str | None) -> bool:
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signature:
        return False
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    try:
        return RequestValidator(auth_token).validate(public_url(request, public_base_url), request.form,
                                                     signature, algorithm)
    except ValueError:
        # A URL the validator cannot parse, from a forged Host ("h:99999", "h:x", "[::1")
        # when PUBLIC_BASE_URL is unset: urlparse's .port raises. Not from Twilio.
        return False


def sign(auth_token: str, url: str, params: dict) -> str:
    """The signature Twilio would send for these parameters (for local tools and tests)."""
    return RequestValidator(auth_token).compute_signature(url, params)
