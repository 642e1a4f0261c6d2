"""Emergencies in free text are read before anything else, at any point; denied
or joking mentions do not end the conversation as an emergency."""
from __future__ import annotations

import pytest

from tests.channels.sms_helpers import (
    PATIENT,
    advice_opening,
    first_sentence,
    get_item,
    question_prompt,
    stored_position,
    text,
)

EMERGENCY_NOW = advice_opening("emergency_now")
RED_FLAG_ADVICE = advice_opening("emergency")
SELF_HARM_ADVICE = advice_opening("emergency_self_harm")
EMERGENCY_ADVICE = (EMERGENCY_NOW, RED_FLAG_ADVICE, SELF_HARM_ADVICE)


def walk(sender, answers):
    reply = None
    for body in answers:
        reply = sender.send(body)
        assert reply.status == 200 and reply.messages, body
    return reply


def assert_emergency_first(reply, advice=EMERGENCY_NOW):
    assert reply.status == 200
    first = reply.messages[0]
    assert first.startswith(advice), reply.messages
    assert "911" in first_sentence(first)
    assert text("opening") not in reply.text      # nothing before (or instead of) the advice


def assert_no_emergency(reply):
    for advice in EMERGENCY_ADVICE:
        assert advice not in reply.text


@pytest.mark.parametrize("opening", [
    "my chest hurts",
    "My chest hurts and my legs keep cramping",
    "I can't breathe",
    "cramps and now I have chest pain",
    "my husband passed out",
    "her face is drooping and her speech is slurred",
])
def test_emergency_in_the_opening_message_is_answered_first(sms_sender, dynamodb, json_log, opening):
    reply = sms_sender.send(opening)
    assert_emergency_first(reply)
    assert json_log.outcomes() == ["emergency_now"] and stored_position(dynamodb) == "advice"


@pytest.mark.parametrize("answers", [
    ("HI", "1"),                       # at the red flags
    ("HI", "1", "0"),                  # at the tizanidine question
    ("HI", "1", "0", "3", "1 2"),      # at the yes/no condition question
])
@pytest.mark.parametrize("emergency", ["my chest hurts", "I cant breathe", "He collapsed"])
def test_emergency_mid_flow_interrupts(sms_sender, dynamodb, json_log, answers, emergency):
    walk(sms_sender, answers)
    reply = sms_sender.send(emergency)
    assert_emergency_first(reply)
    assert json_log.outcomes() == ["emergency_now"] and stored_position(dynamodb) == "advice"


@pytest.mark.parametrize("words", ["I want to kill myself", "i want to die", "I feel suicidal"])
@pytest.mark.parametrize("answers", [(), ("HI", "1", "0")])
def test_self_harm_gets_988_and_911(sms_sender, answers, words):
    walk(sms_sender, answers)
    reply = sms_sender.send(words)
    assert reply.messages[0].startswith(SELF_HARM_ADVICE)
    assert "988" in reply.text
    assert "911" in first_sentence(reply.messages[0])


@pytest.mark.parametrize("answers", [(), ("HI", "1", "0")])
def test_hedged_self_harm_is_asked_about_at_once_and_yes_gets_988(sms_sender, answers):
    # "about" is a hedge word, so this asks one confirming question before the advice.
    walk(sms_sender, answers)
    reply = sms_sender.send("I'm thinking about suicide")
    if not reply.messages[0].startswith(SELF_HARM_ADVICE):
        assert reply.messages[-1].rstrip().endswith("Reply YES or NO.")
        assert "?" in reply.messages[-1]
        reply = sms_sender.send("yes")
    assert reply.messages[0].startswith(SELF_HARM_ADVICE)
    assert "988" in reply.text and "911" in first_sentence(reply.messages[0])


def test_self_harm_and_chest_pain_together_get_both(sms_sender):
    reply = sms_sender.send("my chest hurts and I want to kill myself")
    assert "911" in first_sentence(reply.messages[0])
    assert "988" in reply.text


def test_emergency_after_the_advice_still_gets_emergency_advice(sms_sender, dynamodb):
    walk(sms_sender, ("HI", "1", "0", "3", "0", "no", "0"))
    reply = sms_sender.send("now I can't breathe")
    assert_emergency_first(reply)


def test_emergency_after_an_expired_session_comes_before_the_timed_out_note(sms_sender, clock):
    walk(sms_sender, ("HI", "1"))
    clock.advance(25 * 60 * 60)
    reply = sms_sender.send("my chest hurts")
    assert_emergency_first(reply)
    assert text("expired") not in reply.text


def test_emergency_while_opted_out_is_still_answered(sms_sender, dynamodb):
    walk(sms_sender, ("HI",))
    sms_sender.send("STOP")
    reply = sms_sender.send("I can't breathe")
    assert_emergency_first(reply)
    assert get_item(dynamodb).get("opted_out") == {"BOOL": True}   # still opted out


@pytest.mark.parametrize("opening", [
    "leg cramp last night, no chest pain",
    "no chest pain, just cramps",
    "my calf cramps but I don't have chest pain",
    "cramps in my legs, never passed out",
])
def test_negated_mentions_continue_the_flow(sms_sender, dynamodb, json_log, opening):
    reply = sms_sender.send(opening)
    assert_no_emergency(reply)
    assert reply.messages[0].startswith(text("opening"))
    assert question_prompt("topic") in reply.text
    assert json_log.outcomes() == [] and stored_position(dynamodb) == "topic"
    final = walk(sms_sender, ("1", "0", "3", "0", "no", "0"))
    assert advice_opening("self_care_advice") in final.text


def test_a_denied_mention_that_still_sounds_unsure_is_asked_about_not_ended(sms_sender, dynamodb, json_log):
    # "breath" alone is a possible sign: one confirming question is allowed, never the advice.
    reply = sms_sender.send("cramps in my legs, not short of breath")
    assert_no_emergency(reply)
    assert json_log.outcomes() == []
    if stored_position(dynamodb).startswith("confirm:"):
        reply = sms_sender.send("no")
        assert_no_emergency(reply)
    assert question_prompt("topic") in reply.text
    assert json_log.outcomes() == [] and stored_position(dynamodb) == "topic"


def test_negated_mention_mid_flow_is_not_an_emergency(sms_sender, dynamodb, json_log):
    walk(sms_sender, ("HI", "1"))
    reply = sms_sender.send("none of these, no chest pain")
    assert_no_emergency(reply)
    assert json_log.outcomes() == [] and stored_position(dynamodb) != "advice"


@pytest.mark.parametrize("words", ["this cramp is killing me", "These cramps are killing me!",
                                   "my leg is killing me lol"])
def test_joking_mention_is_not_an_emergency(sms_sender, dynamodb, json_log, words):
    reply = sms_sender.send(words)
    assert_no_emergency(reply)
    assert "988" not in reply.text
    assert json_log.outcomes() == [] and stored_position(dynamodb) != "advice"
    # mid-flow too
    walk(sms_sender, ("1",))
    reply = sms_sender.send(words)
    assert_no_emergency(reply)
    assert json_log.outcomes() == [] and stored_position(dynamodb) != "advice"


def test_unsure_mention_gets_one_confirming_question(sms_sender, dynamodb):
    walk(sms_sender, ("HI", "1"))
    reply = sms_sender.send("my chest feels a bit weird")
    assert_no_emergency(reply)
    assert "?" in reply.messages[-1]
    assert stored_position(dynamodb) == "confirm:emergency.chest_pain"
    assert_emergency_first(sms_sender.send("yes"))


def test_unsure_mention_denied_goes_back_to_the_question(sms_sender, dynamodb):
    walk(sms_sender, ("HI", "1"))
    sms_sender.send("my chest feels a bit weird")
    reply = sms_sender.send("no")
    assert_no_emergency(reply)
    assert question_prompt("red_flags") in reply.text
    assert stored_position(dynamodb) == "red_flags"


@pytest.mark.parametrize("choice", ["1", "2", "3", "4", "5", "6", "2 6", "1 2 3 4 5 6"])
def test_a_red_flag_answer_ends_with_emergency_advice(sms_sender, dynamodb, json_log, choice):
    walk(sms_sender, ("HI", "1"))
    reply = sms_sender.send(choice)
    assert reply.messages[-1].endswith(RED_FLAG_ADVICE) or RED_FLAG_ADVICE in reply.messages[-1]
    assert "911" in first_sentence(reply.messages[0])
    assert "?" not in reply.text                      # no further question
    assert json_log.outcomes() == ["emergency"] and stored_position(dynamodb) == "advice"
    # the conversation is over: the next ordinary message does not reopen the questions
    after = sms_sender.send("ok thanks")
    assert question_prompt("medicine") not in after.text


def test_red_flag_after_an_unclear_answer_still_ends_in_emergency(sms_sender):
    walk(sms_sender, ("HI", "1"))
    assert text("not_understood") in sms_sender.send("what?").text
    reply = sms_sender.send("3")
    assert RED_FLAG_ADVICE in reply.text


def test_two_unclear_answers_never_give_self_care(sms_sender):
    walk(sms_sender, ("HI", "1"))
    sms_sender.send("purple")
    reply = sms_sender.send("banana")
    assert advice_opening("self_care_advice") not in reply.text
    assert advice_opening("safe_advice") in reply.text
    assert "911" in reply.text


def test_emergency_from_one_number_does_not_touch_another(sms_sender, dynamodb, json_log):
    other = "+14155550777"
    walk(sms_sender, ("HI", "1"))
    sms_sender.send("hello", sender=other)
    sms_sender.send("I can't breathe")
    assert stored_position(dynamodb, other) == "topic"
    assert stored_position(dynamodb, PATIENT) == "advice" and json_log.outcomes() == ["emergency_now"]
