"""Sessions in DynamoDB: keyed by a keyed hash, small, expiring, idempotent for
Twilio retries and safe when messages from one number race each other."""
from __future__ import annotations

import threading

import pytest

from handler.core import engine
from handler.core.engine import MAX_MISSES, Message
from handler.infra.store import TTL_ATTRIBUTE
from handler.line import id_tag
from tests.channels.sms_helpers import (
    LONGEST_PATH,
    OTHER_PATIENT,
    PATIENT,
    SELF_CARE_PATH,
    TABLE,
    advice_opening,
    flatten_item,
    get_item,
    item_size,
    item_state,
    patient_key,
    phone_forms,
    question_prompt,
    scan_items,
    stored_findings,
    stored_position,
    text,
    the_flow,
)

DAY = 24 * 60 * 60
BODIES = ("my calf cramped up after my run yesterday", "whatever you say doctor", "purple elephant")


def walk(sender, answers, number=PATIENT):
    replies = []
    for body in answers:
        reply = sender.send(body, sender=number)
        assert reply.status == 200 and reply.messages, body
        replies.append(reply)
    return replies


# --- what is stored ----------------------------------------------------------------------

def test_item_is_keyed_by_hmac_and_holds_no_phone_number_or_body(sms_sender, dynamodb):
    walk(sms_sender, (BODIES[0], "1", BODIES[1], "0", "3", BODIES[2], "0", "no", "0"))
    items = scan_items(dynamodb)
    assert len(items) == 1
    item = items[0]
    assert item["pk"]["S"] == patient_key(PATIENT)
    assert item["pk"]["S"].startswith("sms#") and len(item["pk"]["S"]) == 4 + 64
    stored = flatten_item(item)
    for form in phone_forms(PATIENT):
        assert form not in item["pk"]["S"]
        assert form not in stored
    for body in BODIES:
        assert body not in stored
        for word in body.split():
            if len(word) > 4:
                assert word not in stored, word
    for location in ("94105", "SAN FRANCISCO", "+14155550100"):   # FromZip, FromCity, To
        assert location not in stored


def test_no_item_at_any_step_holds_phi(sms_sender, dynamodb):
    for body in (BODIES[0], "1", "0", "1", BODIES[1], "0", "0", "1 2", "yes", "1"):
        sms_sender.send(body)
        stored = flatten_item(scan_items(dynamodb))
        assert not any(form in stored for form in phone_forms(PATIENT))
        assert not any(b in stored for b in BODIES)


def test_item_pins_the_flow_id_and_version(sms_sender, dynamodb):
    walk(sms_sender, ("HI", "1"))
    state = item_state(get_item(dynamodb))
    flow = the_flow()
    assert state["flow"] == flow.id == "muscle-spasms"
    assert state["version"] == flow.version


def test_a_conversation_started_on_another_flow_version_starts_over(sms_sender, dynamodb):
    import json

    walk(sms_sender, ("HI", "1"))
    item = get_item(dynamodb)
    state = {**item_state(item), "version": "0.0.1-old"}
    dynamodb.put_item(TableName=TABLE, Item={**item, "state": {"S": json.dumps(state)}})
    reply = sms_sender.send("0")
    assert reply.messages[0].startswith(text("flow_updated"))
    assert item_state(get_item(dynamodb))["version"] == the_flow().version


def test_item_stays_under_1kb_on_the_longest_path(sms_sender, dynamodb, json_log):
    sizes, said = [], []
    for body in LONGEST_PATH:
        said.append(sms_sender.send(body).text)
        sizes.append(item_size(get_item(dynamodb)))
    assert json_log.outcomes() == ["routine_advice"] and advice_opening("routine_advice") in said[-1]
    questions = [n for n, node in the_flow().nodes.items() if node.type == "question"]
    asked = [n for n in questions if any(question_prompt(n) in text_ for text_ in said)]
    assert asked == questions                                          # every question was asked, and answered
    assert max(sizes) < 1024, sizes


def test_item_stays_under_1kb_with_misses_confirmations_and_back(sms_sender, dynamodb):
    sizes = []
    for body in ("HI", "1", "0", "1", "what", "0", "my chest feels odd", "no", "1 2 3",
                 "back", "1 2 3", "1 2 3 4 5", "yes", "1 2", "thanks"):
        sms_sender.send(body)
        sizes.append(item_size(get_item(dynamodb)))
    assert max(sizes) < 1024, sizes


def test_ttl_attribute_is_24_hours_after_the_last_message(sms_sender, dynamodb, clock):
    sms_sender.send("HI")
    first = int(get_item(dynamodb)[TTL_ATTRIBUTE]["N"])
    assert first == int(clock()) + DAY
    clock.advance(3600)
    sms_sender.send("1")
    assert int(get_item(dynamodb)[TTL_ATTRIBUTE]["N"]) == int(clock()) + DAY


def test_table_has_ttl_enabled_on_the_ttl_attribute(dynamodb):
    ttl = dynamodb.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] in ("ENABLED", "ENABLING")
    assert ttl["AttributeName"] == TTL_ATTRIBUTE


def test_create_table_twice_is_harmless(sms_sender, dynamodb):
    from handler.infra.store import create_table

    sms_sender.send("HI")
    item = get_item(dynamodb)
    result = create_table(dynamodb, TABLE)          # a second time: nothing lost
    assert "exists" in str(result)
    assert get_item(dynamodb) == item
    assert dynamodb.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"][
        "AttributeName"] == TTL_ATTRIBUTE


# --- expiry ------------------------------------------------------------------------------

def test_expired_session_starts_over_with_a_note(sms_sender, dynamodb, clock):
    walk(sms_sender, ("HI", "1", "0"))
    clock.advance(DAY + 1)
    assert get_item(dynamodb) is not None            # DynamoDB deletes expired items late
    reply = sms_sender.send("3")
    assert reply.messages[0].startswith(text("expired"))
    assert text("opening") in reply.text
    assert question_prompt("topic") in reply.text
    assert stored_position(dynamodb) == "topic" and stored_findings(dynamodb) == []
    # and it goes on normally from there
    assert question_prompt("red_flags") in sms_sender.send("1").text


def test_expiry_after_the_advice_starts_over(sms_sender, clock):
    walk(sms_sender, SELF_CARE_PATH)
    clock.advance(DAY * 3)
    reply = sms_sender.send("hi again")
    assert reply.messages[0].startswith(text("expired"))
    assert question_prompt("topic") in reply.text


def test_just_before_expiry_the_conversation_goes_on(sms_sender, clock):
    walk(sms_sender, ("HI", "1"))
    clock.advance(DAY - 60)
    reply = sms_sender.send("0")
    assert text("expired") not in reply.text
    assert question_prompt("medicine") in reply.text


def test_expired_session_read_twice_does_not_repeat_the_note(sms_sender, clock):
    walk(sms_sender, ("HI",))
    clock.advance(DAY + 5)
    sms_sender.send("hello")
    assert text("expired") not in sms_sender.send("1").text


# --- Twilio retries ----------------------------------------------------------------------

@pytest.mark.parametrize("before, body", [
    ((), "HI"),                                    # the very first message
    (("HI",), "1"),
    (("HI", "1"), "0"),
    (("HI", "1"), "not sure"),                     # not understood
    (("HI", "1", "0", "3", "0", "no"), "0"),       # the answer that gives the advice
    (("HI", "1"), "I can't breathe"),              # an emergency
    (("HI", "1"), "STOP"),
    (("HI", "1"), "stop texting me"),
    (("HI", "1", "0"), "HELP"),
    (("HI", "1", "0"), "RESTART"),
])
def test_duplicate_message_sid_gets_the_same_reply_and_changes_nothing(sms_sender, dynamodb, json_log,
                                                                        before, body):
    walk(sms_sender, before)
    sid = sms_sender.new_sid()
    first = sms_sender.send(body, sid=sid)
    item = get_item(dynamodb)
    outcomes = [e for e in json_log.events() if e.get("event") == "outcome"]
    for _retry in range(2):
        again = sms_sender.send(body, sid=sid)
        assert again.status == 200
        assert again.body == first.body
        assert get_item(dynamodb) == item          # same version, same everything
    assert [e for e in json_log.events() if e.get("event") == "outcome"] == outcomes


def test_duplicate_after_expiry_is_still_answered_the_same(sms_sender, dynamodb, clock):
    walk(sms_sender, ("HI", "1"))
    sid = sms_sender.new_sid()
    first = sms_sender.send("0", sid=sid)
    item = get_item(dynamodb)
    clock.advance(DAY + 1)
    again = sms_sender.send("0", sid=sid)
    assert again.body == first.body
    assert get_item(dynamodb) == item


def test_a_new_message_after_a_retry_goes_on_normally(sms_sender, dynamodb):
    walk(sms_sender, ("HI",))
    sid = sms_sender.new_sid()
    sms_sender.send("1", sid=sid)
    sms_sender.send("1", sid=sid)
    assert question_prompt("medicine") in sms_sender.send("0").text
    assert int(get_item(dynamodb)["v"]["N"]) == 3


# --- concurrency -------------------------------------------------------------------------

class RacingClient:
    """The moto client, with each DynamoDB request made atomic (as DynamoDB's are; moto's
    in-memory backend is not thread-safe) and GetItem calls grouped in waves: no thread in
    a wave goes on until every thread in it has read, so they all read the same version
    before any of them writes."""

    def __init__(self, client, waves: list[int]):
        self._client = client
        self._lock = threading.Lock()
        self._waves = [threading.Barrier(n, timeout=20) for n in waves]
        self._gets = 0

    def get_item(self, **kwargs):
        with self._lock:
            index = self._gets
            self._gets += 1
        wave, offset = None, index
        for barrier in self._waves:
            if offset < barrier.parties:
                wave = barrier
                break
            offset -= barrier.parties
        with self._lock:
            item = self._client.get_item(**kwargs)
        if wave is not None:
            wave.wait()            # nobody in this wave goes on until all of it has read
        return item

    def put_item(self, **kwargs):
        with self._lock:
            return self._client.put_item(**kwargs)

    def __getattr__(self, name):
        return getattr(self._client, name)


def race(sender, bodies, number=PATIENT):
    """Send every body from one number at the same moment; returns the replies in order."""
    replies = [None] * len(bodies)
    errors = []

    def send(i, body):
        try:
            replies[i] = sender.send(body, sender=number, client=sender.app.test_client())
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=send, args=(i, b)) for i, b in enumerate(bodies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert all(r is not None for r in replies)
    return replies


def assert_valid_state(state: dict) -> None:
    """The stored conversation is one the line can go on with: made with this flow, standing
    at a question of the flow (or its advice given), and every answer in it one the flow
    allows, so what was reported reads back without a gap or a repeat."""
    flow = the_flow()
    assert engine.is_current(flow, state)
    position = str(engine.position(state))
    if position == "advice":
        advice = engine.current_replies(flow, state)
        assert advice and all(isinstance(m, Message) and m.disposition for m in advice), advice
    else:
        question = engine.current_question(flow, state)
        assert question is not None and (question.node == position or position.startswith("confirm:"))
        assert position.startswith("confirm:") or flow.nodes[position].type == "question"
        assert state["misses"] < MAX_MISSES         # two misses always end in the safe advice
    reported = engine.findings(flow, state)         # reads every answer against its question
    assert len(reported) == len(set(reported))
    assert all(code in flow.dispositions for code in reported), reported


@pytest.mark.parametrize("n", [2, 4, 6])
def test_messages_from_one_number_at_once_lose_nothing(sms_sender, store, dynamodb, n):
    walk(sms_sender, ("HI", "1", "0", "3"))                # at the 'pattern' question
    before = get_item(dynamodb)
    v0, turns0 = int(before["v"]["N"]), int(before["turns"]["N"])
    # wave 1: all n read the same version, one wins; wave 2: the n-1 losers re-read together,
    # one wins again; the rest are asked to resend.
    store.client = RacingClient(dynamodb, [n, n - 1])
    bodies = [str(i) for i in range(1, n + 1)]
    replies = race(sms_sender, bodies)
    store.client = dynamodb

    resend = text("resend")
    for reply in replies:
        assert reply.status == 200
        assert reply.messages and all(m.strip() for m in reply.messages)
    asked_to_resend = [r for r in replies if r.messages == [resend]]
    applied = [r for r in replies if r.messages != [resend]]
    after = get_item(dynamodb)
    assert int(after["v"]["N"]) == v0 + len(applied)
    assert int(after["turns"]["N"]) == turns0 + len(applied)
    assert len(applied) == min(n, 2) and len(asked_to_resend) == n - len(applied)
    assert after["sid"]["S"] in {id_tag(r.sid) for r in applied}   # ids are kept only as hashes
    state = item_state(after)
    assert_valid_state(state)
    # the first answer applied is recorded at the pattern question, exactly once (the bodies
    # are distinct digits: an answer applied twice there would report two patterns)
    assert len([c for c in engine.findings(the_flow(), state) if c.startswith("pattern.")]) == 1
    # and the conversation goes on from a sound state
    follow = sms_sender.send("RESTART")
    assert question_prompt("topic") in follow.text


def test_free_for_all_from_one_number_keeps_a_valid_state(sms_sender, store, dynamodb):
    """No waves: whatever the interleaving, every reply is an answer or a request to resend,
    and the version counts exactly the answers applied."""
    walk(sms_sender, ("HI", "1"))
    v0 = int(get_item(dynamodb)["v"]["N"])

    class Atomic(RacingClient):
        def __init__(self, client):
            super().__init__(client, [])

    store.client = Atomic(dynamodb)
    bodies = ["0", "0", "1", "3", "2 3", "0", "yes", "no"]
    replies = race(sms_sender, bodies)
    store.client = dynamodb
    resend = text("resend")
    applied = [r for r in replies if r.messages != [resend]]
    assert all(r.status == 200 and r.messages for r in replies)
    after = get_item(dynamodb)
    assert int(after["v"]["N"]) == v0 + len(applied)
    assert_valid_state(item_state(after))


def test_two_numbers_at_once_do_not_interfere(sms_sender, store, dynamodb):
    a_path = SELF_CARE_PATH                              # ends in self care
    b_path = ("HI", "1", "0", "3", "1 2", "yes", "0")   # ends in routine
    store.client = RacingClient(dynamodb, [2] * len(a_path))   # each step read together
    results = {}

    def run(number, path):
        results[number] = [sms_sender.send(body, sender=number, client=sms_sender.app.test_client())
                           for body in path]

    threads = [threading.Thread(target=run, args=(PATIENT, a_path)),
               threading.Thread(target=run, args=(OTHER_PATIENT, b_path))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    store.client = dynamodb

    assert advice_opening("self_care_advice") in results[PATIENT][-1].text
    assert advice_opening("routine_advice") in results[OTHER_PATIENT][-1].text
    for number, path in ((PATIENT, a_path), (OTHER_PATIENT, b_path)):
        replies = results[number]
        assert all(r.status == 200 and r.messages and r.messages != [text("resend")] for r in replies)
        item = get_item(dynamodb, number)
        assert int(item["v"]["N"]) == len(path)
        assert int(item["turns"]["N"]) == len(path)
    assert len(scan_items(dynamodb)) == 2
