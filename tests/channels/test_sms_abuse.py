"""Abuse and cost: one number cannot run up the SMS bill (an hourly limit: one
notice, then silence until the hour is over, but an emergency is always
answered), and a replayed older signed request changes nothing."""
from dataclasses import replace

import pytest

from tests.channels.sms_helpers import OTHER_PATIENT, get_item, item_state, text

LIMIT = 5


@pytest.fixture
def settings(settings):            # a small limit, so the tests stay short
    return replace(settings, max_messages_per_hour=LIMIT)


def test_after_the_limit_one_notice_then_silence_until_the_hour_is_over(sms_sender, dynamodb, clock):
    clock.now = 1_700_002_000.0        # early in an hour: the window cannot roll over mid-test
    for body in ["hi", "1", "0", "3", "0"]:
        assert sms_sender.send(body).messages
    state_before = item_state(get_item(dynamodb))

    notice = sms_sender.send("1")
    assert notice.status == 200 and notice.messages == [text("rate_limited")]
    assert "911" in notice.messages[0]
    for _ in range(3):
        quiet = sms_sender.send("1")
        assert quiet.status == 200 and quiet.messages == []       # no more texts to pay for
    assert item_state(get_item(dynamodb)) == state_before     # and nothing was applied

    clock.advance(60 * 60)
    assert sms_sender.send("1").messages                          # a new hour: the talk goes on
    assert item_state(get_item(dynamodb)) != state_before


def test_an_emergency_is_answered_even_over_the_limit(sms_sender, clock):
    clock.now = 1_700_002_000.0
    for _ in range(LIMIT + 3):
        sms_sender.send("hello")
    reply = sms_sender.send("I can't breathe")
    assert reply.messages and "911" in reply.messages[0].split(".")[0]


def test_an_emergency_in_the_other_language_is_answered_even_over_the_limit(sms_sender, clock):
    clock.now = 1_700_002_000.0
    for _ in range(LIMIT + 3):
        sms_sender.send("hello")                              # an English conversation
    reply = sms_sender.send("no puedo respirar")
    assert reply.messages and "911" in reply.messages[0].split(".")[0]


def test_the_limit_is_per_number(sms_sender, clock):
    clock.now = 1_700_002_000.0
    for _ in range(LIMIT + 2):
        sms_sender.send("hello")
    assert sms_sender.send("hi", sender=OTHER_PATIENT).messages[0].startswith("Triage Line")


def test_a_replayed_older_request_changes_nothing(sms_sender, dynamodb):
    first = sms_sender.send("hi")
    sms_sender.send("1")
    sms_sender.send("0")
    before = get_item(dynamodb)

    replayed = sms_sender.send("hi", sid=first.sid)          # the same signed request, sent again later
    assert replayed.status == 200
    after = get_item(dynamodb)
    assert after["v"] == before["v"] and item_state(after) == item_state(before)
    # It is told where the talk stands, not started over.
    assert not any(m.startswith("Triage Line") for m in replayed.messages)


def test_a_replayed_request_to_an_opted_out_number_sends_nothing(sms_sender, dynamodb):
    first = sms_sender.send("hi")
    sms_sender.send("STOP")
    replayed = sms_sender.send("hi", sid=first.sid)
    assert replayed.status == 200 and replayed.messages == []
    assert get_item(dynamodb)["opted_out"]["BOOL"] is True


def test_possible_emergency_words_cannot_keep_a_conversation_going_past_the_limit(sms_sender, dynamodb, clock):
    """Alternating "heart" (a possible emergency) with any text used to be answered every
    time. Over the limit a possible one gets the emergency advice once, in place of the
    notice, and then counts like any message: silence."""
    clock.now = 1_700_002_000.0
    for _ in range(LIMIT):
        sms_sender.send("hello")
    state_before = item_state(get_item(dynamodb))
    first = sms_sender.send("heart")
    assert first.messages and first.messages[0].startswith("Call 911")   # advice, not a question
    answered = [bool(sms_sender.send(body).messages) for body in ["heart", "ok", "breathing", "hi"] * 25]
    assert not any(answered)
    assert item_state(get_item(dynamodb)) == state_before                 # no conversation was made
    assert sms_sender.send("chest pain").messages[0].startswith("Call 911")   # a clear one, always
