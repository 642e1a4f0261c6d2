"""Anything failing after the signature check (DynamoDB throttled, down, timing out,
or a plain bug) still gets the patient a 200 with the static safe message, and the
error is logged without PHI. The botocore budget stays well inside Twilio's 15 s."""
from __future__ import annotations

import threading

import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber

from handler.channels.safe_reply import safe_text
from handler.infra import store_budget
from handler.infra.store import CLIENT_CONFIG
from tests.channels.sms_helpers import OTHER_PATIENT, PATIENT, get_item, phone_forms, question_prompt

ENDPOINT = "https://dynamodb.us-east-1.amazonaws.com/"
TWILIO_TIMEOUT_SECONDS = 15
SECRET_BODY = "my calf cramped up badly after the marathon"


def client_error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": f"{code} for {operation}"},
                        "ResponseMetadata": {"HTTPStatusCode": 400}}, operation)


FAULTS = {
    "throughput_exceeded": lambda op: client_error("ProvisionedThroughputExceededException", op),
    "throttling": lambda op: client_error("ThrottlingException", op),
    "internal_server_error": lambda op: client_error("InternalServerError", op),
    "read_timeout": lambda op: ReadTimeoutError(endpoint_url=ENDPOINT),
    "connect_timeout": lambda op: ConnectTimeoutError(endpoint_url=ENDPOINT),
    "endpoint_down": lambda op: EndpointConnectionError(endpoint_url=ENDPOINT),
    # a bug, with PHI in its message: the message must never reach the logs
    "bug": lambda op: RuntimeError(f"bug while handling {PATIENT}: {SECRET_BODY}"),
}
OPERATIONS = {"get_item": "GetItem", "put_item": "PutItem"}


def assert_safe_reply(reply, nurse_line: str | None = None) -> None:
    assert reply.status == 200
    assert reply.messages == [safe_text(nurse_line)]
    message = reply.messages[0]
    assert "911" in message and "988" in message
    if nurse_line:
        assert nurse_line in message


def assert_error_logged_without_phi(log, bodies) -> None:
    errors = [e for e in log.events() if e.get("level") == "error"]
    assert errors, log.lines()
    for line in log.lines():
        for form in phone_forms(PATIENT):
            assert form not in line
        for body in bodies:
            if len(body) > 3:
                assert body not in line
        assert "From" not in line


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("fault", FAULTS)
def test_store_failure_on_first_message_answers_safely(sms_sender, dynamodb, json_log,
                                                        monkeypatch, operation, fault):
    def fail(**_kwargs):
        raise FAULTS[fault](OPERATIONS[operation])

    monkeypatch.setattr(dynamodb, operation, fail)
    reply = sms_sender.send(SECRET_BODY)
    assert_safe_reply(reply)
    assert_error_logged_without_phi(json_log, [SECRET_BODY])


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("fault", FAULTS)
def test_store_failure_mid_flow_answers_safely_and_keeps_the_state(sms_sender, dynamodb, json_log,
                                                                   monkeypatch, operation, fault):
    for body in ("HI", "1"):
        sms_sender.send(body)
    item = get_item(dynamodb)

    def fail(**_kwargs):
        raise FAULTS[fault](OPERATIONS[operation])

    with monkeypatch.context() as patch:
        patch.setattr(dynamodb, operation, fail)
        reply = sms_sender.send("0")
    assert_safe_reply(reply)
    assert_error_logged_without_phi(json_log, ["HI"])
    assert get_item(dynamodb) == item              # nothing half-written
    # once the store is back, the patient can go on where they were
    assert question_prompt("medicine") in sms_sender.send("0").text


def test_emergency_text_during_an_outage_still_gets_911(sms_sender, dynamodb, monkeypatch):
    def fail(**_kwargs):
        raise FAULTS["endpoint_down"]("GetItem")

    monkeypatch.setattr(dynamodb, "get_item", fail)
    reply = sms_sender.send("I can't breathe")
    assert reply.status == 200
    assert "911" in reply.text


def test_nurse_line_is_in_the_safe_message_when_set(store, dynamodb, monkeypatch, json_log):
    from dataclasses import replace

    from handler.app import create_app
    from handler.infra.settings import Settings
    from tests.channels.sms_helpers import ACCOUNT_SID, AUTH_TOKEN, BASE_URL, HASH_KEY, Sender

    settings = Settings(twilio_auth_token=AUTH_TOKEN, twilio_account_sid=ACCOUNT_SID, phone_hash_key=HASH_KEY,
                        public_base_url=BASE_URL, nurse_line_number="+18005550199")
    settings = replace(settings, sessions_table=store.table)
    sender = Sender(create_app(settings, store=store), settings)

    def fail(**_kwargs):
        raise FAULTS["throttling"]("GetItem")

    monkeypatch.setattr(dynamodb, "get_item", fail)
    assert_safe_reply(sender.send("hello"), nurse_line="+18005550199")


@pytest.mark.parametrize("operation, code", [
    ("get_item", "ProvisionedThroughputExceededException"),
    ("get_item", "ThrottlingException"),
    ("put_item", "ProvisionedThroughputExceededException"),
    ("put_item", "RequestLimitExceeded"),
])
def test_stubbed_dynamodb_errors_answer_safely(sms_sender, dynamodb, json_log, operation, code):
    """The same with botocore's Stubber: the error comes through the client's own machinery."""
    with Stubber(dynamodb) as stubber:
        if operation == "put_item":
            stubber.add_response("get_item", {})          # no conversation yet
        stubber.add_client_error(operation, service_error_code=code, http_status_code=400)
        reply = sms_sender.send(SECRET_BODY)
    assert_safe_reply(reply)
    assert_error_logged_without_phi(json_log, [SECRET_BODY])
    assert get_item(dynamodb) is None


def test_a_bug_in_the_conversation_code_answers_safely(sms_sender, json_log, monkeypatch):
    import handler.line

    def broken(*_args, **_kwargs):
        raise KeyError(f"{PATIENT} {SECRET_BODY}")

    monkeypatch.setattr(handler.line, "decide", broken)
    assert_safe_reply(sms_sender.send(SECRET_BODY))
    assert_error_logged_without_phi(json_log, [SECRET_BODY])


def test_a_bug_in_rendering_answers_safely(sms_sender, json_log, monkeypatch):
    import handler.channels.sms.rendering

    def broken(*_args, **_kwargs):
        raise ValueError(SECRET_BODY)

    monkeypatch.setattr(handler.channels.sms.rendering, "render", broken)
    assert_safe_reply(sms_sender.send(SECRET_BODY))
    assert_error_logged_without_phi(json_log, [SECRET_BODY])


def test_the_safe_message_is_short_and_needs_nothing_that_can_fail():
    from handler.channels.sms.segments import encoding, segments

    for nurse_line in (None, "+18005550199"):
        text = safe_text(nurse_line)
        assert encoding(text) == "GSM-7"
        assert segments(text) <= 3


def test_the_safe_message_is_said_in_english_and_in_spanish():
    english, spanish = safe_text("+18005550199").split("\n\n")
    assert "emergency" in english and "911" in english and "988" in english
    assert "Emergencia" in spanish and "911" in spanish
    assert "988 y oprima 2" in spanish and "AYUDA al 988" in spanish   # 988's Spanish line
    assert "+18005550199" in english and "+18005550199" in spanish


# --- how many DynamoDB calls a message costs, and the time budget ------------------------

class CountingClient:
    def __init__(self, client):
        self._client = client
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def __getattr__(self, name):
        target = getattr(self._client, name)
        if not callable(target):
            return target

        def call(**kwargs):
            with self._lock:
                self.calls.append(name)
                return target(**kwargs)
        return call


def test_one_read_and_one_conditional_write_per_message(sms_sender, store, dynamodb):
    counting = CountingClient(dynamodb)
    store.client = counting
    for body in ("HI", "1", "0", "3", "0", "no", "0"):
        counting.calls.clear()
        sms_sender.send(body)
        assert counting.calls == ["get_item", "put_item"], body
    counting.calls.clear()
    sid = sms_sender.new_sid()
    sms_sender.send("RESTART", sid=sid)
    counting.calls.clear()
    sms_sender.send("RESTART", sid=sid)               # a retry: read only
    assert counting.calls == ["get_item"]


def max_store_calls_per_message(sms_sender, store, dynamodb) -> int:
    """Make one message lose the race twice (the most work a message can cause) and count."""
    counting = CountingClient(dynamodb)

    class Racing:
        def __getattr__(self, name):
            return getattr(counting, name)

        def put_item(self, **kwargs):
            counting.calls.append("put_item")
            raise client_error("ConditionalCheckFailedException", "PutItem")

    store.client = Racing()
    reply = sms_sender.send("1")
    store.client = dynamodb
    assert reply.status == 200 and reply.messages                    # asked to resend
    return len(counting.calls)


def test_botocore_timeouts_and_retries_stay_well_inside_twilios_15_seconds(sms_sender, store, dynamodb):
    sms_sender.send("HI")
    calls = max_store_calls_per_message(sms_sender, store, dynamodb)
    assert calls == 4                                                 # read+write, then once more

    retries = CLIENT_CONFIG.retries or {}
    attempts = retries.get("total_max_attempts") or (retries.get("max_attempts", 0) + 1)
    assert retries.get("mode") == "legacy"         # a fixed, known pause (store_budget.py says why)
    assert attempts >= 1
    connect, read = CLIENT_CONFIG.connect_timeout, CLIENT_CONFIG.read_timeout
    assert connect is not None and read is not None
    per_call = store_budget.worst_case_seconds_per_call(connect, read, attempts)
    assert per_call * 2 <= TWILIO_TIMEOUT_SECONDS / 2, "one read and one write: well inside 15 s"
    assert per_call * calls < TWILIO_TIMEOUT_SECONDS - 2, (
        f"worst case {per_call * calls:.1f} s for {calls} calls leaves no room inside Twilio's 15 s")


def test_the_default_client_uses_the_short_config(aws_env):
    from handler.infra.store import dynamodb_client

    client = dynamodb_client("us-east-1", "http://127.0.0.1:1")
    assert client.meta.config.connect_timeout == CLIENT_CONFIG.connect_timeout
    assert client.meta.config.read_timeout == CLIENT_CONFIG.read_timeout
    assert client.meta.config.retries == CLIENT_CONFIG.retries


@pytest.mark.parametrize("operation", ["get_item", "put_item"])
@pytest.mark.parametrize("body", ["chest pain", "I can't breathe", "my pee is like coke after my marathon"])
def test_an_emergency_gets_its_emergency_advice_when_the_store_fails(sms_sender, dynamodb, monkeypatch,
                                                                    operation, body):
    """The reader needs no store: with DynamoDB refusing every call, a clear emergency gets
    the same emergency advice it gets when the store works, not the generic safe message."""
    expected = sms_sender.send(body, sender=OTHER_PATIENT).messages

    def fail(**_kwargs):
        raise EndpointConnectionError(endpoint_url=ENDPOINT)

    monkeypatch.setattr(dynamodb, operation, fail)
    reply = sms_sender.send(body)
    assert reply.status == 200 and reply.messages == expected and expected[0].startswith("Call 911")


def test_without_the_store_a_plain_message_still_gets_the_safe_message(sms_sender, dynamodb, monkeypatch):
    def fail(**_kwargs):
        raise EndpointConnectionError(endpoint_url=ENDPOINT)

    monkeypatch.setattr(dynamodb, "get_item", fail)
    assert_safe_reply(sms_sender.send("my calf cramps"))
