"""Checking that a request really comes from Twilio: X-Twilio-Signature over
the URL Twilio called and every POST parameter, with the twilio package's
RequestValidator. There is no way to turn it off; local tools sign too."""
from __future__ import annotations

from twilio.request_validator import SIGNATURE_HEADER, SIGNATURE_SETTINGS_HEADER, RequestValidator, \
    get_signature_algorithm


def public_url(request, public_base_url: str | None) -> str:
    """The URL Twilio called. Behind API Gateway or a proxy the app cannot see it,
    so PUBLIC_BASE_URL names it; without it, rebuild it from the forwarded headers."""
    query = request.query_string.decode("latin-1")
    suffix = request.path + (f"?{query}" if query else "")
    if public_base_url:
        return public_base_url.rstrip("/") + suffix
    proto = request.headers.get("X-Forwarded-Proto", request.scheme).split(",")[0].strip()
    host = request.headers.get("X-Forwarded-Host") or request.host
    return f"{proto}://{host.split(',')[0].strip()}{request.script_root}{suffix}"


def is_from_twilio(request, auth_token: str, public_base_url: str | None) -> bool:
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signature:
        return False
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    return RequestValidator(auth_token).validate(public_url(request, public_base_url), request.form,
                                                 signature, algorithm)


def sign(auth_token: str, url: str, params: dict) -> str:
    """The signature Twilio would send for these parameters (for local tools and tests)."""
    return RequestValidator(auth_token).compute_signature(url, params)
