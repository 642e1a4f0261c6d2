"""Checking that a request really comes from Twilio: X-Twilio-Signature over
the URL Twilio called and every POST parameter, with the twilio package's
RequestValidator. There is no way to turn it off; local tools sign too.

The signature alone is not enough. Twilio signs the URL followed by every name and
value run together, with nothing between them, so a captured request can be changed
and keep its signature: characters move across a boundary (MessageSid=SM... sent as
MessageSi=dSM..., or a URL's last characters sent as a form field's name that sorts
first). So every webhook must also carry our AccountSid, once and exactly, and its
channel's id (MessageSid, CallSid) once and well formed; what a voice gather URL
carries is sealed by the app itself (handler.infra.query_seal)."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

if TYPE_CHECKING:
    from handler.infra.settings import Settings


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


def carries_account(form, account_sid: str) -> bool:
    """AccountSid once, and ours (an empty setting matches nothing)."""
    return bool(account_sid) and form.getlist("AccountSid") == [account_sid]


def carries_id(form, name: str, shape: re.Pattern) -> bool:
    """The parameter `name` once, with the shape of a Twilio id."""
    values = form.getlist(name)
    return len(values) == 1 and shape.fullmatch(values[0]) is not None


def refusal(request, settings: Settings, required_id: tuple[str, re.Pattern] | None) -> str | None:
    """Why a webhook request is refused (the name of the log event), or None to answer it.
    `required_id`: the id parameter the route's channel must carry, and its shape."""
    if not is_from_twilio(request, settings.twilio_auth_token, settings.public_base_url):
        return "signature_rejected"
    if not carries_account(request.form, settings.twilio_account_sid):
        return "account_rejected"
    if required_id is not None and not carries_id(request.form, *required_id):
        return "sid_rejected"
    return None


def sign(auth_token: str, url: str, params: dict) -> str:
    """The signature Twilio would send for these parameters (for local tools and tests)."""
    return RequestValidator(auth_token).compute_signature(url, params)
