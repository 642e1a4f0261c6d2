"""Helpers for the SMS line tests (the fixtures are in tests/channels/conftest.py).

Everything runs against moto's in-memory DynamoDB (`mock_aws`), with fake AWS
credentials, a table made by `handler.infra.store.create_table`, a store whose clock
the test controls, and a sender that posts Twilio's real incoming-message
parameter set (tests/fixtures/twilio-webhooks.json), signed as Twilio signs it.
"""
from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass, field
from itertools import count

from handler.core import engine
from handler.infra.pseudonyms import pseudonym
from handler.infra.settings import Settings
from handler.infra.signature import sign
from handler.tools.twiml_reading import sms_messages
from tests.channels.line_under_test import (  # noqa: F401
    ACCOUNT_SID,
    AUTH_TOKEN,
    BASE_URL,
    HASH_KEY,
    ORIGIN,
    REGION,
    TABLE,
)
from tests.fakes import START_TIME, FakeClock  # noqa: F401  (tests import them from here)
from tests.flow_words import advice_opening, question_prompt, text, the_flow  # noqa: F401  (tests import them from here)
from tests.paths import TESTS_DIR

WEBHOOKS_FILE = TESTS_DIR / "fixtures" / "twilio-webhooks.json"   # Twilio's real parameter sets

PATIENT = "+14155550123"            # the number in Twilio's sample parameter set
OTHER_PATIENT = "+14155550199"

OPT_OUT_WORDS = ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT")


def webhooks() -> dict:
    return json.loads(WEBHOOKS_FILE.read_text(encoding="utf-8"))


def sms_params(sender: str, body: str, message_sid: str, **extra) -> dict:
    """Twilio's real incoming-SMS parameter set with From, Body and the message ids replaced,
    for the test account (ACCOUNT_SID)."""
    params = copy.deepcopy(webhooks()["sms_incoming"])
    params.update({"From": sender, "Body": body, "MessageSid": message_sid,
                   "SmsSid": message_sid, "SmsMessageSid": message_sid, "AccountSid": ACCOUNT_SID})
    params.update(extra)
    return params


def digits_of(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def phone_forms(number: str) -> list[str]:
    """Ways a phone number could leak: E.164, digits only, without the country code."""
    digits = digits_of(number)
    return [number, digits, digits[-10:], digits[-7:]]



@dataclass
class Reply:
    status: int
    body: bytes
    messages: list[str]
    sid: str

    @property
    def text(self) -> str:
        return "\n\n".join(self.messages)


@dataclass
class Sender:
    """Posts signed webhook requests to the app, as Twilio would."""
    app: object
    settings: Settings
    url: str = BASE_URL + "/sms"
    sent_bodies: list = field(default_factory=list)
    _ids: object = field(default_factory=lambda: count(1))
    _lock: object = field(default_factory=threading.Lock)

    def new_sid(self) -> str:
        with self._lock:
            return f"SM{next(self._ids):032x}"

    def post_params(self, params: dict, *, token: str | None = None, url: str | None = None,
                    signed_params: dict | None = None, headers: dict | None = None,
                    base_url: str = ORIGIN, client=None):
        """POST params to /sms, signed over `signed_params` (default: params) for `url`."""
        signature = sign(token or self.settings.twilio_auth_token, url or self.url,
                         params if signed_params is None else signed_params)
        all_headers = {"X-Twilio-Signature": signature, **(headers or {})}
        client = client or self.app.test_client()
        return client.post("/sms", data=params, headers=all_headers, base_url=base_url)

    def send(self, body: str, sender: str = PATIENT, sid: str | None = None, client=None,
             **extra) -> Reply:
        sid = sid or self.new_sid()
        with self._lock:
            self.sent_bodies.append(body)
        response = self.post_params(sms_params(sender, body, sid, **extra), client=client)
        messages = sms_messages(response.data) if response.status_code == 200 else []
        return Reply(response.status_code, response.data, messages, sid)


def patient_key(number: str = PATIENT) -> str:
    return "sms#" + pseudonym(HASH_KEY, number)


def get_item(client, number: str = PATIENT) -> dict | None:
    return client.get_item(TableName=TABLE, Key={"pk": {"S": patient_key(number)}},
                           ConsistentRead=True).get("Item")


def scan_items(client) -> list[dict]:
    items, kwargs = [], {}
    while True:
        page = client.scan(TableName=TABLE, ConsistentRead=True, **kwargs)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def item_state(item: dict) -> dict | None:
    return json.loads(item["state"]["S"]) if "state" in item else None


def stored_position(client, number: str = PATIENT) -> str | None:
    """Where the stored conversation stands, as the line reads it: the question being
    asked ('topic', 'confirm:<concept>'...), 'advice' once advice was given, None if none."""
    state = item_state(get_item(client, number) or {})
    return None if state is None else str(engine.position(state))


def stored_findings(client, number: str = PATIENT) -> list[str]:
    """What the patient has reported in the stored conversation, in the order reported."""
    return engine.findings(the_flow(), item_state(get_item(client, number)))


def item_size(item: dict) -> int:
    """DynamoDB's item size: attribute names plus values (UTF-8 bytes; numbers and
    booleans counted generously)."""
    size = 0
    for name, value in item.items():
        size += len(name.encode("utf-8"))
        (kind, raw), = value.items()
        if kind == "S":
            size += len(raw.encode("utf-8"))
        elif kind == "N":
            size += 21
        elif kind == "BOOL":
            size += 1
        else:
            size += len(json.dumps(raw).encode("utf-8"))
    return size


def flatten_item(item: dict) -> str:
    return json.dumps(item, ensure_ascii=False)


def first_sentence(message: str) -> str:
    return message.split(". ", 1)[0]


# Answers that walk the whole flow. Each list starts with the opening message.
SELF_CARE_PATH = ("HI", "1", "0", "3", "0", "no", "0")           # nothing reported
LONGEST_PATH = ("hello there", "1", "0", "1", "0", "1 2 3", "1 2 3 4 5", "yes", "1 2")  # every question
ROUTINE_PATH = ("hi", "1", "0", "3", "1", "no", "0")              # cramps wake them from sleep
