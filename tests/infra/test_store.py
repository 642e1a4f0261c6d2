"""The session store's contract, on two independent DynamoDBs: moto (Python, in-process)
and dynalite (Node, on LevelDB; see tests/dynalite_fixtures.py). Every test that takes
`backend` runs on both: what one accepts and the other rejects is a bug to find here,
not in production.

Covered: a missing key, the first save, save-if-unchanged (stale versions, creating what
exists), every Session field round-tripped, expiry by the read-side check with a fake
clock, opt-out marks without a TTL, the item size on the longest path, create_table (twice,
and on an endpoint without TTL or backups), whole conversations through the app to every
disposition with no phone number in any item, and threads posting from one number.
"""
from __future__ import annotations

import json
import logging
import threading
import uuid
from dataclasses import dataclass, replace

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from handler.app import create_app
from handler.core import engine
from handler.infra import logs
from handler.infra.flow_files import load_flows
from handler.infra.pseudonyms import pseudonym
from handler.infra.settings import Settings, SettingsError
from handler.infra.store import (
    TTL_ATTRIBUTE,
    Conflict,
    Session,
    SessionStore,
    StoreError,
    create_table,
    dynamodb_client,
)
from handler.line import id_tag
from handler.tools.local_line import LINE_NUMBER, SignedClient
from handler.tools.twiml_reading import sms_messages, twiml_verbs
from handler.tools.vignettes import path_of
from tests.fakes import START_TIME as START
from tests.fakes import FakeClock
from tests.flow_words import advice_opening, emergency_openings

REGION = "us-east-1"
AUTH_TOKEN = "store-test-auth-token-0123456789"
ACCOUNT_SID = "AC" + "57" * 16
HASH_KEY = "store-test-phone-hash-key"
BASE_URL = "https://line.example.test"
TTL = 24 * 60 * 60

FLOW = load_flows()["muscle-spasms"]

# (name, what the patient sends, the outcome node reached, its disposition)
CONVERSATIONS = (
    ("self_care", ("HI", "1", "0", "3", "0", "no", "0"), "self_care_advice", "self_care"),
    ("routine_every_question", ("hello there", "1", "0", "1", "0", "1 2 3", "1 2 3 4 5", "yes", "1 2"),
     "routine_advice", "routine"),
    ("urgent_medicine_warning", ("hi", "1", "0", "1", "1"), "urgent_advice", "urgent"),
    ("urgent_after_two_misses", ("hi", "banana", "banana"), "safe_advice", "urgent"),
    ("emergency_red_flag", ("hi", "1", "1"), "emergency", "emergency"),
    ("emergency_in_free_text", ("my legs cramp and I have chest pain",), "emergency_now", "emergency"),
    ("out_of_scope", ("hi", "2"), "out_of_scope", None),
)
LONGEST_PATH = CONVERSATIONS[1][1]



@dataclass
class Backend:
    name: str
    client: object
    endpoint: str | None = None

    def new_table(self) -> str:
        table = f"triage-sessions-{uuid.uuid4().hex[:12]}"
        create_table(self.client, table)
        return table


@pytest.fixture(params=["moto", "dynalite"])
def backend(request, monkeypatch):
    if request.param == "moto":
        client = request.getfixturevalue("moto_client")
        for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                            ("AWS_DEFAULT_REGION", REGION), ("AWS_REGION", REGION)):
            monkeypatch.setenv(name, value)
        for name in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "DYNAMODB_ENDPOINT_URL"):
            monkeypatch.delenv(name, raising=False)
        with mock_aws():
            yield Backend("moto", client)
    else:
        endpoint = request.getfixturevalue("dynalite_endpoint")
        request.getfixturevalue("dynalite_aws_env")
        yield Backend("dynalite", dynamodb_client(REGION, endpoint), endpoint)


@pytest.fixture
def dynalite(dynalite_endpoint, dynalite_aws_env):
    return Backend("dynalite", dynamodb_client(REGION, dynalite_endpoint), dynalite_endpoint)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def table(backend):
    return backend.new_table()


@pytest.fixture
def store(backend, table, clock):
    return SessionStore(backend.client, table, TTL, clock=clock)


@pytest.fixture
def events():
    """The project's log events (dicts) as the app logs them. A handler of its own on the
    project's logger: its records do not propagate to the root, where caplog listens."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    keep = Keep(logging.DEBUG)
    level = logs.logger.level
    logs.logger.addHandler(keep)
    logs.logger.setLevel(logging.DEBUG)
    try:
        yield lambda: [record.fields for record in records if hasattr(record, "fields")]
    finally:
        logs.logger.removeHandler(keep)
        logs.logger.setLevel(level)


def settings_for(table: str) -> Settings:
    return Settings(twilio_auth_token=AUTH_TOKEN, twilio_account_sid=ACCOUNT_SID, phone_hash_key=HASH_KEY,
                    public_base_url=BASE_URL,
                    sessions_table=table, aws_region=REGION)


def raw_item(backend: Backend, table: str, key: str) -> dict | None:
    return backend.client.get_item(TableName=table, Key={"pk": {"S": key}}, ConsistentRead=True).get("Item")


def all_items(backend: Backend, table: str) -> list[dict]:
    items, kwargs = [], {}
    while True:
        page = backend.client.scan(TableName=table, ConsistentRead=True, **kwargs)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def item_size(item: dict) -> int:
    """DynamoDB's item size, counted generously: names and strings in UTF-8 bytes,
    every number as its 21-byte maximum."""
    size = 0
    for name, value in item.items():
        size += len(name.encode("utf-8"))
        (kind, raw), = value.items()
        if kind == "S":
            size += len(raw.encode("utf-8"))
        else:
            size += {"N": 21, "BOOL": 1}.get(kind) or len(json.dumps(raw).encode("utf-8"))
    return size


def sms_key(number: str) -> str:
    return "sms#" + pseudonym(HASH_KEY, number)


def phone_forms(number: str) -> list[str]:
    digits = "".join(ch for ch in number if ch.isdigit())
    return [number, digits, digits[-10:], digits[-7:]]


def a_session(key: str, **fields) -> Session:
    state = engine.start(FLOW, "en", "hi").state
    values = dict(state=state, previous={**state, "misses": 1}, previously_opted_out=True,
                  last_message="SM" + "ab" * 16, seen=("0123456789", "abcdef0123", "ffffffffff"),
                  turns=7, opted_out=False, window=1_699_999_200, count=12)
    values.update(fields)
    return Session(key, **values)


# --- reading and writing --------------------------------------------------------------------

def test_loading_a_missing_key_gives_an_empty_session(store):
    assert store.load("sms#nobody") == Session("sms#nobody")


def test_saving_a_new_session_makes_version_1(store, backend, table):
    saved = store.save(Session("sms#new", state={"a": 1}, turns=1), expected_version=0)
    assert saved.version == 1
    loaded = store.load("sms#new")
    assert loaded.version == 1 and loaded.state == {"a": 1} and loaded.turns == 1
    assert raw_item(backend, table, "sms#new")["v"] == {"N": "1"}


def test_creating_what_exists_is_a_conflict(store):
    store.save(Session("sms#k", state={"first": True}), expected_version=0)
    with pytest.raises(Conflict):
        store.save(Session("sms#k", state={"second": True}), expected_version=0)
    assert store.load("sms#k").state == {"first": True}


def test_saving_over_a_stale_version_is_a_conflict(store):
    first = store.save(Session("sms#k", turns=1), expected_version=0)
    second = store.save(replace(first, turns=2), expected_version=first.version)
    assert second.version == 2
    for stale in (0, 1, 3):                  # behind, one behind, and ahead of the stored item
        with pytest.raises(Conflict):
            store.save(replace(second, turns=99), expected_version=stale)
    loaded = store.load("sms#k")
    assert (loaded.version, loaded.turns) == (2, 2)
    assert issubclass(Conflict, StoreError)


@pytest.mark.parametrize("opted_out", [False, True])
def test_every_session_field_round_trips(store, opted_out):
    session = a_session("sms#round-trip", opted_out=opted_out)
    saved = store.save(session, expected_version=0)
    assert store.load(session.key) == replace(session, version=1)
    assert saved == replace(session, version=1)
    # and again over the stored one, with the optional fields cleared
    cleared = replace(saved, state=None, previous=None, previously_opted_out=False, last_message=None,
                      seen=(), turns=0, opted_out=False, window=0, count=0)
    store.save(cleared, expected_version=1)
    assert store.load(session.key) == replace(cleared, version=2)


def test_unicode_in_the_state_round_trips(store):
    state = {"note": "crampe \u00e0 la jambe \U0001f9b5 \u0000 \ud7ff", "list": [1, [2, "\u2028"]]}
    store.save(Session("sms#u", state=state), expected_version=0)
    assert store.load("sms#u").state == state


def test_a_session_expires_by_the_read_side_check(store, clock):
    session = a_session("sms#expiring")
    store.save(session, expected_version=0)
    clock.advance(TTL - 1)
    assert store.load(session.key).expired is False
    clock.advance(1)                         # the moment it expires: gone, though DynamoDB keeps it
    expired = store.load(session.key)
    assert expired.expired is True and expired.state is None and expired.turns == 0
    # what is not the conversation is kept: the version (for the next save), ids, the hour's count
    assert expired.version == 1 and expired.seen == session.seen and expired.count == session.count
    again = store.save(replace(expired, state={"new": 1}, turns=1), expected_version=expired.version)
    assert store.load(session.key) == replace(again, expired=False)


def test_opted_out_items_have_no_ttl_and_never_expire(store, backend, table, clock):
    store.save(a_session("sms#out", state=None, opted_out=True), expected_version=0)
    store.save(a_session("sms#in"), expected_version=0)
    assert TTL_ATTRIBUTE not in raw_item(backend, table, "sms#out")
    assert raw_item(backend, table, "sms#in")[TTL_ATTRIBUTE] == {"N": str(int(START) + TTL)}
    clock.advance(365 * TTL)
    kept = store.load("sms#out")
    assert kept.opted_out is True and kept.expired is False


def test_a_store_with_another_ttl_writes_that_expiry(store, backend, table):
    store.with_ttl(7200).save(Session("call#x", state={"a": 1}), expected_version=0)
    assert raw_item(backend, table, "call#x")[TTL_ATTRIBUTE] == {"N": str(int(START) + 7200)}


def test_a_missing_table_is_a_store_error_not_a_conflict(backend, clock):
    store = SessionStore(backend.client, "triage-sessions-missing", TTL, clock=clock)
    with pytest.raises(StoreError) as raised:
        store.load("sms#x")
    assert not isinstance(raised.value, Conflict)
    with pytest.raises(StoreError) as raised:
        store.save(Session("sms#x"), expected_version=0)
    assert not isinstance(raised.value, Conflict)


# --- create_table ---------------------------------------------------------------------------

def test_create_table_works_twice(backend, events):
    name = f"triage-sessions-{uuid.uuid4().hex[:8]}"
    first = create_table(backend.client, name)
    assert first[0].startswith(f"created table {name} (on-demand")
    client = backend.client
    store = SessionStore(client, name, TTL)
    store.save(Session("sms#kept", state={"a": 1}), expected_version=0)
    second = create_table(client, name)
    assert second[0] == f"table {name} exists"
    assert store.load("sms#kept").state == {"a": 1}
    described = client.describe_table(TableName=name)["Table"]
    assert described["TableStatus"] == "ACTIVE"
    assert described["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    skipped = [e for e in events() if e["event"] == "table_setup_skipped"]
    if backend.name == "moto":               # moto has TTL and backups: turned on once, then left alone
        assert "TTL turned on (attribute 'exp')" in first and "point-in-time recovery turned on" in first
        assert second == [f"table {name} exists"]
        assert client.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
            "TimeToLiveStatus": "ENABLED", "AttributeName": TTL_ATTRIBUTE}
        assert skipped == []
    else:                                    # dynalite has neither: noted and skipped, every time
        notes = ["TTL not supported by this endpoint: skipped",
                 "point-in-time recovery not supported by this endpoint: skipped"]
        assert first[1:] == notes and second[1:] == notes
        assert [(e["step"], e["error"]) for e in skipped] == [
            ("ttl", "UnknownOperationException"), ("point_in_time_recovery", "UnknownOperationException")] * 2


def test_create_table_with_a_kms_key_on_both(backend):
    name = f"triage-sessions-{uuid.uuid4().hex[:8]}"
    key = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    if backend.name == "moto":
        key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    assert create_table(backend.client, name, kms_key_id=key)[0] == \
        f"created table {name} (on-demand, encrypted with KMS key {key})"


def test_create_table_waits_for_a_table_still_creating(start_dynalite, dynalite_aws_env):
    """Real DynamoDB takes a while to create a table (moto never does): dynalite with its
    default delay keeps it CREATING, and create_table returns only once it is ACTIVE."""
    with start_dynalite() as endpoint:
        client = dynamodb_client(REGION, endpoint)
        create_table(client, "triage-sessions-slow")
        assert client.describe_table(TableName="triage-sessions-slow")["Table"]["TableStatus"] == "ACTIVE"
        SessionStore(client, "triage-sessions-slow").save(Session("sms#x"), expected_version=0)


class _Endpoint:
    """A client whose TTL calls fail with `code`, everything else answered as on moto."""

    def __init__(self, code: str, status: int = 400):
        self.code, self.status = code, status

    def create_table(self, **kwargs):
        raise ClientError({"Error": {"Code": "ResourceInUseException"}}, "CreateTable")

    def get_waiter(self, name):
        return type("Waiter", (), {"wait": lambda *args, **kwargs: None})()

    def describe_time_to_live(self, **kwargs):
        raise ClientError({"Error": {"Code": self.code, "Message": ""},
                           "ResponseMetadata": {"HTTPStatusCode": self.status}}, "DescribeTimeToLive")

    def describe_continuous_backups(self, **kwargs):
        return {"ContinuousBackupsDescription": {"PointInTimeRecoveryDescription": {
            "PointInTimeRecoveryStatus": "ENABLED"}}}


@pytest.mark.parametrize("code", ["AccessDeniedException", "ThrottlingException", "ResourceNotFoundException"])
def test_create_table_skips_only_what_the_endpoint_lacks(code):
    """A real table must not quietly lack its TTL: only 'no such operation' is skipped."""
    with pytest.raises(ClientError):
        create_table(_Endpoint(code), "triage-sessions")
    assert create_table(_Endpoint("UnknownOperationException"), "triage-sessions") == [
        "table triage-sessions exists", "TTL not supported by this endpoint: skipped"]
    assert create_table(_Endpoint("Whatever", status=501), "triage-sessions")[1] == \
        "TTL not supported by this endpoint: skipped"


@pytest.mark.parametrize("name", ["ab", "my table", "t" * 256, "tabl\u00e9", "sessions/prod", "triage:sessions"])
def test_table_names_dynamodb_rejects_stop_the_app_at_start(name, dynalite):
    """moto accepts any table name; DynamoDB and dynalite do not. The settings catch it at
    start instead of every patient getting the safe message."""
    with pytest.raises(ClientError) as raised:
        dynalite.client.create_table(TableName=name, AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"}], KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST")
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(SettingsError, match="SESSIONS_TABLE"):
        Settings.from_env({"TWILIO_AUTH_TOKEN": "t", "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "PHONE_HASH_KEY": "k",
                           "SESSIONS_TABLE": name})


@pytest.mark.parametrize("name", ["abc", "triage-sessions", "Triage_Sessions.v2", "t" * 255])
def test_table_names_dynamodb_accepts_are_accepted(name, dynalite):
    assert Settings.from_env({"TWILIO_AUTH_TOKEN": "t", "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "PHONE_HASH_KEY": "k",
                              "SESSIONS_TABLE": name}).sessions_table == name
    create_table(dynalite.client, name)
    SessionStore(dynalite.client, name).save(Session("sms#x"), expected_version=0)
    dynalite.client.delete_table(TableName=name)


# --- whole conversations through the app ----------------------------------------------------

@pytest.fixture
def line(backend, table, store):
    settings = settings_for(table)
    return create_app(settings, store=store), settings


def post_sms(client: SignedClient, sender: str, body: str, sid: str):
    return client.post("/sms", {
        "MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid, "AccountSid": ACCOUNT_SID,
        "From": sender, "To": LINE_NUMBER, "Body": body, "NumMedia": "0", "NumSegments": "1",
        "SmsStatus": "received", "ApiVersion": "2010-04-01"})


def outcome_node(store: SessionStore, number: str) -> str | None:
    """The outcome whose advice the stored conversation repeats when asked (None: no advice yet)."""
    state = store.load(sms_key(number)).state
    if state is None or str(engine.position(state)) != "advice":
        return None
    repeated = engine.current_replies(FLOW, state)[0].text
    return next(node_id for node_id, node in FLOW.nodes.items()
                if node.type == "outcome" and advice_opening(node_id, flow=FLOW) == repeated)


@pytest.mark.parametrize("name, messages, node, disposition", CONVERSATIONS, ids=[c[0] for c in CONVERSATIONS])
def test_a_whole_conversation_reaches_its_disposition(backend, line, store, events, name, messages, node,
                                                      disposition):
    app, settings = line
    client = SignedClient(app, settings)
    number = f"+1415555{[c[0] for c in CONVERSATIONS].index(name):04d}"
    replies = []
    for body in messages:
        response = client.sms(number, body)
        assert response.status_code == 200
        replies.append(sms_messages(response.data))
    assert outcome_node(store, number) == node
    assert FLOW.nodes[node].disposition == disposition
    outcomes = [e for e in events() if e["event"] == "outcome"]
    assert [(e["outcome"], e["disposition"]) for e in outcomes] == [(node, disposition or "none")]
    assert all(replies), "every message got an answer"
    assert not [e for e in events() if e["event"] == "error"]
    session = store.load(sms_key(number))
    assert session.turns == len(messages) and session.count == len(messages) and session.version == len(messages)


def test_no_item_holds_a_phone_number_and_opt_outs_keep_no_ttl(backend, table, line, store):
    app, settings = line
    client = SignedClient(app, settings)
    numbers = [f"+1212555{n:04d}" for n in range(len(CONVERSATIONS))]
    for number, (_name, messages, _node, _disposition) in zip(numbers, CONVERSATIONS, strict=False):
        for body in messages:
            assert client.sms(number, body).status_code == 200
    quitter = "+447700900123"
    for body in ("hi", "1", "STOP"):
        assert client.sms(quitter, body).status_code == 200
    items = all_items(backend, table)
    assert len(items) == len(numbers) + 1
    flat = json.dumps(items, ensure_ascii=False)
    for number in (*numbers, quitter):
        for form in phone_forms(number):
            assert form not in flat
    assert {item["pk"]["S"] for item in items} == {sms_key(n) for n in (*numbers, quitter)}
    out = raw_item(backend, table, sms_key(quitter))
    assert out["opted_out"] == {"BOOL": True} and TTL_ATTRIBUTE not in out and "state" not in out
    assert client.sms(quitter, "START").status_code == 200
    back_in = raw_item(backend, table, sms_key(quitter))
    assert "opted_out" not in back_in and TTL_ATTRIBUTE in back_in


def test_the_longest_conversation_keeps_its_item_under_1_kb(backend, table, line, store):
    app, settings = line
    client = SignedClient(app, settings)
    number = "+13105550142"
    sizes = []
    for body in (*LONGEST_PATH, "BACK", "1"):     # after the advice, too
        assert client.sms(number, body).status_code == 200
        sizes.append(item_size(raw_item(backend, table, sms_key(number))))
    assert max(sizes) < 1024, sizes


def test_a_call_through_the_app(backend, table, line, store):
    app, settings = line
    client = SignedClient(app, settings)
    call = {"CallSid": "CA" + "12" * 16, "AccountSid": ACCOUNT_SID, "From": "+14155550123",
            "To": LINE_NUMBER, "CallStatus": "ringing", "Direction": "inbound", "ApiVersion": "2010-04-01"}
    response = client.post("/voice", call)
    assert response.status_code == 200 and b"<Gather" in response.data       # the language menu: nothing stored
    key = "call#" + pseudonym(HASH_KEY, call["CallSid"])
    assert raw_item(backend, table, key) is None
    menu = twiml_verbs(response.data)[0][1]["action"]
    response = client.post(path_of(menu), {**call, "CallStatus": "in-progress", "Digits": "1"})
    assert response.status_code == 200 and b"<Gather" in response.data       # English: the first question
    item = raw_item(backend, table, key)
    assert item[TTL_ATTRIBUTE] == {"N": str(int(START) + 2 * 60 * 60)}
    assert "+14155550123" not in json.dumps(item) and call["CallSid"] not in json.dumps(item)


# --- threads posting from one number --------------------------------------------------------

def test_threads_posting_from_one_number_lose_and_double_nothing(dynalite, clock, events):
    """Eight requests at once from one number (two of them the same retried message) on
    dynalite: each is answered, and the item is exactly what the applied messages imply,
    applied once each in the order the item records."""
    backend = dynalite
    table = backend.new_table()
    store = SessionStore(backend.client, table, TTL, clock=clock)
    app = create_app(settings_for(table), store=store)
    number = "+14155550177"
    assert post_sms(SignedClient(app, settings_for(table)), number, "hi", "SM" + "0" * 31 + "1").status_code == 200

    bodies = {f"SM{n:032x}": body for n, body in enumerate(("1", "0", "3", "0", "no", "0", "2"), start=2)}
    sends = [*bodies.items(), ("SM" + f"{2:032x}", bodies["SM" + f"{2:032x}"])]   # a retry of the first
    barrier = threading.Barrier(len(sends))
    results: list = [None] * len(sends)

    def send(index: int, sid: str, body: str) -> None:
        client = SignedClient(app, settings_for(table))
        barrier.wait()
        try:
            response = post_sms(client, number, body, sid)
            results[index] = (response.status_code, sms_messages(response.data))
        except BaseException as error:          # pragma: no cover - reported below
            results[index] = error

    threads = [threading.Thread(target=send, args=(i, sid, body)) for i, (sid, body) in enumerate(sends)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert all(isinstance(r, tuple) and r[0] == 200 for r in results), results
    assert not [e for e in events() if e["event"] == "error"]

    item = raw_item(backend, table, sms_key(number))
    applied_tails = item["seen"]["S"].split()
    assert len(applied_tails) == len(set(applied_tails)), "a message applied twice"
    by_tail = {id_tag(sid): (sid, body) for sid, body in bodies.items()}   # ids are kept as hashes
    first_tail = id_tag("SM" + "0" * 31 + "1")
    assert applied_tails[0] == first_tail
    applied = [by_tail[tail] for tail in applied_tails[1:]]
    resend = FLOW.text("resend", "en")
    applied_sids = {sid for sid, _body in applied}
    # Emergency advice is sent even when the write keeps losing the race (it may not be stored).
    emergency = emergency_openings(FLOW)
    for sid in bodies:      # every message was applied, or its sender was told (resend or emergency advice)
        told = [r for (s, _b), r in zip(sends, results, strict=False) if s == sid
                and (any(resend in m for m in r[1]) or (r[1] and r[1][0] in emergency))]
        assert sid in applied_sids or told, sid
    assert int(item["v"]["N"]) == 1 + len(applied) and int(item["cnt"]["N"]) == 1 + len(applied)

    # the same messages one by one, in the order the item records, give the same item
    replay_table = backend.new_table()
    replay_store = SessionStore(backend.client, replay_table, TTL, clock=clock)
    replay_app = create_app(settings_for(replay_table), store=replay_store)
    replay = SignedClient(replay_app, settings_for(replay_table))
    post_sms(replay, number, "hi", "SM" + "0" * 31 + "1")
    for sid, body in applied:
        post_sms(replay, number, body, sid)
    assert replay_store.load(sms_key(number)) == store.load(sms_key(number))
