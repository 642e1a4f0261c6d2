"""Call state in DynamoDB: keyed by a hash of the CallSid (no raw numbers), a short TTL,
duplicate / out-of-order gather callbacks and retried /voice requests change nothing;
bad signatures are refused and store errors still give the caller the safe message."""
from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from handler.core import engine
from handler.infra.pseudonyms import pseudonym
from handler.infra.signature import sign
from tests.channels.voice_helpers import (
    AUTH_TOKEN,
    CALL_SID,
    CALLER_NUMBER,
    HASH_KEY,
    ORIGIN,
    STAGE,
    START_TIME,
    assert_advice_end,
    assert_emergency,
    item_for,
    scan_items,
    stored_state,
    text_of,
    verbs,
    voice_params,
    vtext,
    walk,
)


def digits_only(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def test_the_call_is_stored_under_a_hash_of_the_call_sid_only(caller, flow, dynamodb):
    walk(caller, flow, present={"pattern.wakes_from_sleep"})
    items = scan_items(dynamodb)
    assert len(items) == 1
    item = items[0]
    assert item["pk"]["S"] == "call#" + pseudonym(HASH_KEY, CALL_SID)
    raw = json.dumps(item)
    forbidden = [CALL_SID, CALL_SID[2:], CALLER_NUMBER, digits_only(CALLER_NUMBER),
                 digits_only(CALLER_NUMBER)[-10:], digits_only(CALLER_NUMBER)[-7:], "+14155550100",
                 "4155550100"]
    for value in forbidden:
        assert value not in raw, f"{value!r} stored"


def test_the_call_state_expires_after_hours_not_a_day(caller, flow, dynamodb):
    walk(caller, flow, until=("medicine", 0))
    item = item_for(dynamodb, caller.key)
    ttl = int(item["exp"]["N"]) - START_TIME
    assert 10 * 60 <= ttl <= 4 * 60 * 60, ttl
    assert ttl < 24 * 60 * 60 / 4


def test_two_calls_do_not_share_state(new_caller, flow, dynamodb):
    first, second = new_caller(), new_caller()
    walk(first, flow, until=("medicine", 0))
    walk(second, flow, until=("red_flags", 0))
    assert str(engine.position(stored_state(dynamodb, first.key)[1])) == "medicine"
    assert str(engine.position(stored_state(dynamodb, second.key)[1])) == "red_flags"
    assert first.key != second.key


@pytest.mark.parametrize("place,answer", [(("topic", 0), "1"), (("medicine", 0), "3"),
                                          (("condition", 0), "2"), (("red_flags", 5), "2"),
                                          (("context", 1), "2")])
def test_a_duplicated_gather_callback_changes_nothing(caller, flow, dynamodb, place, answer):
    walk(caller, flow, until=place)
    action = caller.current.gather.get("action")
    first = caller.press(answer, action=action)
    after_first = stored_state(dynamodb, caller.key)
    again = caller.press(answer, action=action)            # Twilio retried the same request
    assert stored_state(dynamodb, caller.key) == after_first
    # ...and the caller hears where the call stands, not a second answer applied
    assert again.last.tags == first.last.tags
    if first.last.place.get("q") != "advice":
        assert again.last.place == first.last.place
        assert again.last.prompt() == first.last.prompt()
    else:
        assert assert_advice_end(flow, again.last) == assert_advice_end(flow, first.last)


def test_a_duplicated_red_flag_yes_repeats_the_emergency_advice(caller, flow, dynamodb):
    walk(caller, flow, until=("red_flags", 1))
    action = caller.current.gather.get("action")
    assert_emergency(flow, caller.press("1", action=action).last)
    after = stored_state(dynamodb, caller.key)
    again = caller.press("1", action=action)
    assert_emergency(flow, again.last)                    # the lead first, then Hangup, again
    assert stored_state(dynamodb, caller.key) == after


@pytest.mark.parametrize("stale_answer", ["1", "2", "7", "Yes.", "none of those"])
def test_an_answer_to_an_earlier_question_changes_nothing(caller, flow, dynamodb, stale_answer):
    caller.start()
    topic_action = caller.current.gather.get("action")
    walk_to = ("pattern", 0)
    walk(caller, flow, until=walk_to)       # the same CallSid: walk() re-posts /voice first
    version, state = stored_state(dynamodb, caller.key)
    assert str(engine.position(state)) == "pattern"
    send = caller.press if stale_answer[0].isdigit() else caller.say
    turn = send(stale_answer, action=topic_action)
    assert stored_state(dynamodb, caller.key) == (version, state)
    # the caller is asked the current question again
    assert turn.last.tags == ["Gather", "Redirect"]
    assert turn.last.place == {"q": "pattern"}


def test_a_late_last_item_of_an_earlier_list_changes_nothing(caller, flow, dynamodb):
    walk(caller, flow, until=("red_flags", 5))
    last_item = caller.current.gather.get("action")
    caller.press("2")
    walk(caller, flow, until=("condition", 0))
    before = stored_state(dynamodb, caller.key)
    for answer in ("1", "2"):              # a yes here would be a red flag if it were applied
        turn = caller.press(answer, action=last_item)
        assert stored_state(dynamodb, caller.key) == before
        assert turn.last.place == {"q": "condition"}
    assert str(engine.position(before[1])) == "condition"


def test_an_answer_to_a_question_not_yet_asked_changes_nothing(caller, flow, dynamodb):
    walk(caller, flow, until=("red_flags", 0))
    before = stored_state(dynamodb, caller.key)
    action = caller.current.gather.get("action").replace("q=red_flags", "q=condition")
    turn = caller.press("1", action=action)
    assert stored_state(dynamodb, caller.key) == before
    assert turn.last.place == {"q": "red_flags"}


def test_a_stale_timeout_changes_nothing(caller, flow, dynamodb):
    walk(caller, flow, until=("medicine", 0))
    old_redirect = caller.log[1].redirect             # the no-input path of the first question (after the menu)
    assert "q=topic" in old_redirect
    before = stored_state(dynamodb, caller.key)
    turn = caller._follow(caller.post(old_redirect, voice_params("voice_incoming_call", caller.call_sid,
                                                                   CallStatus="in-progress")))
    assert stored_state(dynamodb, caller.key) == before
    assert before[1]["misses"] == 0
    assert turn.last.place == {"q": "medicine"}


def test_a_retried_incoming_call_speaks_the_current_question_again(caller, flow, dynamodb):
    walk(caller, flow, until=("condition", 0))
    before = stored_state(dynamodb, caller.key)
    asked = caller.current
    turn = caller.start()
    assert stored_state(dynamodb, caller.key) == before
    assert turn.last.tags[-2:] == ["Gather", "Redirect"]
    assert turn.last.place == asked.place and turn.last.prompt() == asked.prompt()
    assert vtext(flow, "opening") not in turn.says()        # not a new call


def test_a_retried_incoming_call_after_an_emergency_repeats_the_emergency_advice(caller, flow, dynamodb):
    walk(caller, flow, present={"red_flag.worsening_weakness"})
    before = stored_state(dynamodb, caller.key)
    turn = caller.start()
    assert_emergency(flow, turn.last)
    assert stored_state(dynamodb, caller.key) == before


def test_the_state_version_moves_once_per_applied_answer(caller, flow, dynamodb):
    caller.start()
    assert stored_state(dynamodb, caller.key)[0] == 1
    caller.press("1")                                   # topic: stored
    assert stored_state(dynamodb, caller.key)[0] == 2
    for _ in range(5):                                  # the red flag items travel in the URL
        caller.press("2")
        assert stored_state(dynamodb, caller.key)[0] == 2
    caller.press("2")                                   # the last item: the list answer is stored
    version, state = stored_state(dynamodb, caller.key)
    assert version == 3 and not [c for c in engine.findings(flow, state) if c.startswith("red_flag.")]
    assert str(engine.position(state)) == "medicine"


# --- signatures --------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["wrong-token", "missing", "url-without-query", "url-without-stage",
                                 "other-params"])
def test_a_bad_signature_is_refused_and_nothing_is_stored(caller, flow, dynamodb, how):
    params = voice_params("voice_incoming_call", CALL_SID)
    path = STAGE + "/voice"
    url = ORIGIN + path
    signature = {"wrong-token": sign("not-the-token", url, params),
                 "missing": "",
                 "url-without-query": sign(AUTH_TOKEN, url, params),
                 "url-without-stage": sign(AUTH_TOKEN, ORIGIN + "/voice", params),
                 "other-params": sign(AUTH_TOKEN, url, {**params, "From": "+15555550000"})}[how]
    if how == "url-without-query":
        path += "?q=topic"                                 # signed without the query string
    response = caller.post(path, params, signature=signature)
    assert response.status == 403
    assert scan_items(dynamodb) == []


@pytest.mark.parametrize("how", ["wrong-token", "query-changed", "digits-changed"])
def test_a_bad_signature_on_a_gather_callback_is_refused_and_changes_nothing(caller, flow, dynamodb, how):
    walk(caller, flow, until=("red_flags", 0))
    before = scan_items(dynamodb)
    action = caller.current.gather.get("action")
    params = voice_params("voice_gather_digits", CALL_SID, Digits="1")
    signature = {"wrong-token": sign("not-the-token", action, params),
                 "query-changed": sign(AUTH_TOKEN, action.replace("q=red_flags", "q=medicine"), params),
                 "digits-changed": sign(AUTH_TOKEN, action, {**params, "Digits": "2"})}[how]
    response = caller.post(action, params, signature=signature)
    assert response.status == 403
    assert scan_items(dynamodb) == before
    for path in (STAGE + "/voice/nurse-done?q=red_flags", STAGE + "/voice"):
        assert caller.post(path, params, signature=signature).status == 403


# --- store errors ------------------------------------------------------------------------

def _fail(*_args, **_kwargs):
    raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}},
                      "GetItem")


def assert_static_safe_message(twiml):
    assert twiml.status == 200
    assert twiml.tags == ["Say", "Say", "Hangup"]
    english, spanish = verbs(twiml.root)[:2]
    assert english.get("language") == "en-US" and spanish.get("language") == "es-US"
    for said in (text_of(english), text_of(spanish)):
        assert "911" in said and "988" in said


@pytest.mark.parametrize("operation", ["get_item", "put_item"])
def test_a_store_error_on_the_incoming_call_gives_the_safe_message(caller, dynamodb, monkeypatch, operation):
    monkeypatch.setattr(dynamodb, operation, _fail)
    assert_static_safe_message(caller.start().last)


@pytest.mark.parametrize("operation", ["get_item", "put_item"])
@pytest.mark.parametrize("place,answer", [(("topic", 0), "1"), (("red_flags", 5), "2"), (("condition", 0), "yes")])
def test_a_store_error_on_a_gather_callback_gives_the_safe_message(caller, flow, dynamodb, monkeypatch,
                                                                   operation, place, answer):
    walk(caller, flow, until=place)
    monkeypatch.setattr(dynamodb, operation, _fail)
    turn = caller.say(answer) if answer.isalpha() else caller.press(answer)
    assert_static_safe_message(turn.last)


def test_a_store_error_on_a_timeout_gives_the_safe_message(caller, flow, dynamodb, monkeypatch):
    walk(caller, flow, until=("medicine", 0))
    monkeypatch.setattr(dynamodb, "get_item", _fail)
    assert_static_safe_message(caller.no_input().last)


class TestSafeMessageWithANurseLine:
    @pytest.fixture
    def nurse_number(self):
        return "+15005550009"

    def test_names_the_nurse_line(self, caller, dynamodb, monkeypatch):
        monkeypatch.setattr(dynamodb, "get_item", _fail)
        twiml = caller.start().last
        assert_static_safe_message(twiml)
        assert "+15005550009" in text_of(verbs(twiml.root)[0])


def test_an_incoming_call_without_a_call_sid_is_refused(caller, dynamodb):
    """Twilio always sends one: a call without it was changed on the way (test_request_tampering)."""
    twiml = caller.post(STAGE + "/voice", voice_params("voice_incoming_call", "", CallSid=None))
    assert twiml.status == 403
    assert scan_items(dynamodb) == []
