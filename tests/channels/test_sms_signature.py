"""POST /sms accepts only requests signed by Twilio (X-Twilio-Signature over the
URL Twilio called and every POST parameter); a rejected request stores nothing."""
from __future__ import annotations

import json

import pytest

from handler.app import create_app
from handler.infra.settings import Settings
from handler.infra.store import SessionStore
from tests.channels.sms_helpers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    BASE_URL,
    PATIENT,
    TABLE,
    Sender,
    phone_forms,
    scan_items,
    sms_params,
    text,
)

SID = "SM" + "ab" * 16


def params(body: str = "Hi", **extra) -> dict:
    return sms_params(PATIENT, body, SID, **extra)


def assert_rejected(response, dynamodb, log=None) -> None:
    assert response.status_code == 403
    assert b"<Message>" not in response.data
    assert scan_items(dynamodb) == []
    if log is not None:
        rejected = [e for e in log.events() if e.get("event") == "signature_rejected"]
        assert rejected, log.lines()
        for line in log.lines():
            for form in phone_forms(PATIENT):
                assert form not in line


def test_valid_signature_gets_the_opening(sms_sender, dynamodb):
    response = sms_sender.post_params(params())
    assert response.status_code == 200
    assert response.mimetype in ("text/xml", "application/xml")
    assert text("opening").encode() in response.data
    assert len(scan_items(dynamodb)) == 1


def test_missing_signature_header_is_403(app, dynamodb, json_log):
    response = app.test_client().post("/sms", data=params(), base_url=BASE_URL)
    assert_rejected(response, dynamodb, json_log)


def test_empty_signature_header_is_403(app, dynamodb):
    response = app.test_client().post("/sms", data=params(), base_url=BASE_URL,
                                          headers={"X-Twilio-Signature": ""})
    assert_rejected(response, dynamodb)


def test_wrong_auth_token_is_403(sms_sender, dynamodb, json_log):
    response = sms_sender.post_params(params(), token="not-the-auth-token")
    assert_rejected(response, dynamodb, json_log)


@pytest.mark.parametrize("url", [
    "https://attacker.test/sms",          # another host
    "http://example.test/sms",            # the right host over http
    BASE_URL + "/voice",                  # another path
    BASE_URL + "/sms?x=1",                # a query string Twilio did not call
    BASE_URL + "/dev/sms",                # another stage
])
def test_signed_for_the_wrong_url_is_403(sms_sender, dynamodb, url):
    assert_rejected(sms_sender.post_params(params(), url=url), dynamodb)


@pytest.mark.parametrize("change", [
    {"Body": "2"},                        # the answer changed in flight
    {"From": "+14155550999"},             # someone else's number
    {"MessageSid": "SM" + "cd" * 16},
    {"OptOutType": "STOP"},               # a parameter added in flight
])
def test_tampered_parameter_is_403(sms_sender, dynamodb, change):
    signed = params(body="1")
    sent = {**signed, **change}
    assert_rejected(sms_sender.post_params(sent, signed_params=signed), dynamodb)


def test_dropped_parameter_is_403(sms_sender, dynamodb):
    signed = params()
    sent = {k: v for k, v in signed.items() if k != "FromZip"}
    assert_rejected(sms_sender.post_params(sent, signed_params=signed), dynamodb)


def test_unknown_extra_parameters_are_accepted(sms_sender, dynamodb):
    extra = {"AddOns": json.dumps({"status": "successful", "results": {}}),
             "SomeParameterTwilioAddsLater": "value", "ReferralNumMedia": "0"}
    response = sms_sender.post_params(params(**extra))
    assert response.status_code == 200
    assert text("opening").encode() in response.data
    assert len(scan_items(dynamodb)) == 1


def test_every_real_sms_parameter_set_is_accepted(sms_sender):
    from tests.channels.sms_helpers import webhooks

    for name, param_set in webhooks().items():
        if name.startswith("sms_"):
            response = sms_sender.post_params(dict(param_set))
            assert response.status_code == 200, name


def test_unsigned_request_never_reaches_the_store(settings, dynamodb, json_log):
    calls = []

    class CountingClient:
        def __getattr__(self, name):
            calls.append(name)
            return getattr(dynamodb, name)

    app = create_app(settings, store=SessionStore(CountingClient(), TABLE))
    response = app.test_client().post("/sms", data=params(), base_url=BASE_URL)
    assert response.status_code == 403
    assert calls == []


@pytest.fixture
def proxied_app(store, json_log):
    """No PUBLIC_BASE_URL (local tools): the URL the request reached, never X-Forwarded-*."""
    settings = Settings(twilio_auth_token=AUTH_TOKEN, twilio_account_sid=ACCOUNT_SID, phone_hash_key="k",
                        public_base_url=None, sessions_table=TABLE)
    return create_app(settings, store=store)


def test_without_public_base_url_forwarded_proto_is_not_honoured(proxied_app, dynamodb):
    sender = Sender(proxied_app, proxied_app.config["SETTINGS"], url="https://public.example/sms")
    response = sender.post_params(params(), base_url="http://public.example",
                                  headers={"X-Forwarded-Proto": "https"})
    assert_rejected(response, dynamodb)


def test_without_public_base_url_forwarded_host_is_not_honoured(proxied_app, dynamodb):
    sender = Sender(proxied_app, proxied_app.config["SETTINGS"], url="https://public.example/sms")
    response = sender.post_params(params(), base_url="http://10.0.0.5:8080",
                                  headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "public.example"})
    assert_rejected(response, dynamodb)


def test_without_public_base_url_a_signature_for_https_fails_over_plain_http(proxied_app, dynamodb):
    sender = Sender(proxied_app, proxied_app.config["SETTINGS"], url="https://public.example/sms")
    response = sender.post_params(params(), base_url="http://public.example")   # no forwarding headers
    assert_rejected(response, dynamodb)


def test_healthz_needs_no_signature_and_no_store(settings):
    calls = []

    class ExplodingClient:
        def __getattr__(self, name):
            calls.append(name)
            raise AssertionError(f"/healthz touched the store: {name}")

    app = create_app(settings, store=SessionStore(ExplodingClient(), TABLE))
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert calls == []
    body = response.get_data(as_text=True)
    assert AUTH_TOKEN not in body and settings.phone_hash_key not in body


def test_body_over_the_size_limit_is_413(sms_sender, dynamodb):
    from handler.app import MAX_REQUEST_BYTES

    big = params(body="cramp " * (MAX_REQUEST_BYTES // 6 + 100))
    response = sms_sender.post_params(big)
    assert response.status_code == 413
    assert b"Traceback" not in response.data
    assert scan_items(dynamodb) == []


def test_unsigned_body_over_the_size_limit_is_refused(app, dynamodb):
    from handler.app import MAX_REQUEST_BYTES

    response = app.test_client().post("/sms", data=params(body="x" * (MAX_REQUEST_BYTES + 10)),
                                          base_url=BASE_URL)
    assert response.status_code in (403, 413)
    assert scan_items(dynamodb) == []


@pytest.mark.parametrize("content_type, encode", [
    ("application/json", lambda p: json.dumps(p)),
    ("text/plain", lambda p: "&".join(f"{k}={v}" for k, v in p.items())),
    ("application/xml", lambda p: "<Request/>"),
])
def test_non_form_content_type_gets_a_clean_4xx(sms_sender, dynamodb, content_type, encode):
    from handler.infra.signature import sign

    sent = params()
    headers = {"X-Twilio-Signature": sign(AUTH_TOKEN, BASE_URL + "/sms", sent), "Content-Type": content_type}
    response = sms_sender.app.test_client().post("/sms", data=encode(sent), headers=headers, base_url=BASE_URL)
    assert 400 <= response.status_code < 500
    assert b"Traceback" not in response.data
    assert scan_items(dynamodb) == []
