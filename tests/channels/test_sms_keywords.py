"""Keywords win over the flow: opting out and back in, HELP, RESTART."""
from __future__ import annotations

import pytest

from tests.channels.sms_helpers import (
    OPT_OUT_WORDS,
    PATIENT,
    get_item,
    question_prompt,
    stored_findings,
    stored_position,
    text,
    webhooks,
)

EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response />'


def in_conversation(sender, answers=("HI", "1")):
    for body in answers:
        reply = sender.send(body)
        assert reply.status == 200 and reply.messages
    return reply


def assert_opted_out_mark(dynamodb) -> dict:
    item = get_item(dynamodb)
    assert item is not None, "the opt-out must be recorded"
    assert item.get("opted_out") == {"BOOL": True}
    assert "state" not in item, "the conversation must be deleted"
    assert "exp" not in item, "an opt-out is kept: no TTL attribute"
    return item


def cases(word: str) -> list[str]:
    return sorted({word, word.lower(), word.capitalize(), f"  {word.lower()}  "})


@pytest.mark.parametrize("body", [case for word in OPT_OUT_WORDS for case in cases(word)])
def test_twilio_opt_out_words_get_empty_twiml_and_a_kept_mark(sms_sender, dynamodb, body):
    in_conversation(sms_sender)
    reply = sms_sender.send(body)
    assert reply.status == 200
    assert reply.body == EMPTY_TWIML
    assert reply.messages == []
    assert_opted_out_mark(dynamodb)


def test_opt_out_as_the_very_first_message_is_recorded(sms_sender, dynamodb):
    reply = sms_sender.send("STOP")
    assert reply.body == EMPTY_TWIML
    assert_opted_out_mark(dynamodb)


@pytest.mark.parametrize("body", [
    "stop texting me", "Please stop texting me.", "opt me out", "Opt me out please",
    "unsubscribe me", "no more texts", "Stop!",
])
def test_plain_language_opt_out_gets_a_one_line_confirmation(sms_sender, dynamodb, body):
    in_conversation(sms_sender)
    reply = sms_sender.send(body)
    assert reply.status == 200
    assert reply.messages == [text("opted_out")]
    assert "\n" not in reply.messages[0]
    assert_opted_out_mark(dynamodb)


def test_opt_out_type_stop_parameter_gets_empty_reply_and_a_mark(sms_sender, dynamodb):
    in_conversation(sms_sender)
    stop = dict(webhooks()["sms_incoming_stop_with_advanced_opt_out"])
    stop.update({"From": PATIENT, "Body": "please stop", "MessageSid": "SM" + "ee" * 16})
    response = sms_sender.post_params(stop)
    assert response.status_code == 200
    assert response.data == EMPTY_TWIML
    assert_opted_out_mark(dynamodb)


def test_opt_out_type_stop_with_a_custom_keyword_body(sms_sender, dynamodb):
    # Advanced Opt-Out can have custom keywords: OptOutType decides, whatever the body says.
    in_conversation(sms_sender)
    reply = sms_sender.send("ENOUGH", OptOutType="STOP")
    assert reply.body == EMPTY_TWIML
    assert_opted_out_mark(dynamodb)


@pytest.mark.parametrize("body", ["hi", "1", "HELP", "RESTART", "0", "my leg cramps", "STOP"])
def test_while_opted_out_ordinary_messages_get_nothing_and_change_nothing(sms_sender, dynamodb, body):
    in_conversation(sms_sender)
    sms_sender.send("STOP")
    before = get_item(dynamodb)
    reply = sms_sender.send(body)
    assert reply.status == 200
    assert reply.messages == []
    after = get_item(dynamodb)
    if body != "STOP":
        assert after == before
    assert_opted_out_mark(dynamodb)


@pytest.mark.parametrize("word", ["START", "start", "UNSTOP", "Unstop", "YES", "yes"])
def test_opt_in_words_clear_the_opt_out(sms_sender, dynamodb, word):
    in_conversation(sms_sender)
    sms_sender.send("STOP")
    reply = sms_sender.send(word)
    assert reply.status == 200
    assert reply.messages == []                   # Twilio sends its own confirmation
    item = get_item(dynamodb)
    assert "opted_out" not in item
    assert "state" not in item
    following = sms_sender.send("hello")
    assert following.messages[0].startswith(text("opening"))
    assert question_prompt("topic") in following.text
    assert stored_position(dynamodb) == "topic"


def test_opt_out_type_start_parameter_clears_the_opt_out(sms_sender, dynamodb):
    sms_sender.send("STOP")
    reply = sms_sender.send("Resume", OptOutType="START")
    assert reply.messages == []
    assert "opted_out" not in get_item(dynamodb)
    assert sms_sender.send("hi").messages[0].startswith(text("opening"))


def test_plain_opt_out_then_start(sms_sender, dynamodb):
    in_conversation(sms_sender)
    sms_sender.send("stop texting me")
    sms_sender.send("START")
    assert "opted_out" not in get_item(dynamodb)
    assert text("opening") in sms_sender.send("hi").text


def test_yes_when_not_opted_out_is_an_ordinary_answer(sms_sender, dynamodb):
    in_conversation(sms_sender, ("HI", "1", "0"))            # now at the tizanidine question
    assert stored_position(dynamodb) == "medicine"
    reply = sms_sender.send("YES")
    assert question_prompt("medicine_warning") in reply.text
    assert stored_position(dynamodb) == "medicine_warning"
    assert stored_findings(dynamodb)[-1] == "tizanidine.taking"           # the YES picked choice 1


def test_yes_as_a_first_message_starts_a_conversation(sms_sender, dynamodb):
    reply = sms_sender.send("YES")
    assert reply.messages[0].startswith(text("opening"))
    assert "opted_out" not in get_item(dynamodb)


def test_start_when_not_opted_out_starts_a_conversation(sms_sender):
    assert sms_sender.send("START").messages[0].startswith(text("opening"))


@pytest.mark.parametrize("word", ["HELP", "help", "Help", "INFO", "info"])
def test_help_and_info_give_the_help_text(sms_sender, dynamodb, word):
    reply = sms_sender.send(word)
    assert reply.status == 200
    help_text = reply.messages[0]
    assert help_text.startswith(text("help"))
    assert "Triage Line" in help_text
    assert "911" in help_text
    assert "Msg & data rates may apply" in help_text
    assert "Reply STOP" in help_text
    assert get_item(dynamodb) is None            # HELP alone starts nothing


def test_help_mid_flow_re_asks_the_current_question(sms_sender, dynamodb):
    in_conversation(sms_sender, ("HI", "1"))
    before = get_item(dynamodb)["state"]
    reply = sms_sender.send("HELP")
    assert reply.text.startswith(text("help"))
    assert question_prompt("red_flags") in reply.text
    assert reply.text.rstrip().endswith("Reply 0 if none.")
    assert stored_position(dynamodb) == "red_flags"
    assert get_item(dynamodb)["state"] == before         # the conversation as it was
    # and the answer after HELP still counts
    assert question_prompt("medicine") in sms_sender.send("0").text


def test_info_after_the_advice_says_the_advice_was_given(sms_sender):
    in_conversation(sms_sender, ("HI", "1", "0", "3", "0", "no", "0"))
    reply = sms_sender.send("INFO")
    assert reply.text.startswith(text("help"))
    assert text("finished") in reply.text


@pytest.mark.parametrize("word", ["RESTART", "restart", "start over"])
def test_restart_starts_over(sms_sender, dynamodb, word):
    in_conversation(sms_sender, ("HI", "1", "0", "3"))
    assert stored_position(dynamodb) == "pattern"
    reply = sms_sender.send(word)
    assert reply.messages[0].startswith(text("restarted"))
    assert question_prompt("topic") in reply.text
    assert stored_position(dynamodb) == "topic" and stored_findings(dynamodb) == []


def test_restart_after_the_advice_starts_a_new_conversation(sms_sender, dynamodb):
    in_conversation(sms_sender, ("HI", "1", "2"))           # a red flag: emergency advice
    assert stored_position(dynamodb) == "advice"
    reply = sms_sender.send("RESTART")
    assert question_prompt("topic") in reply.text
    assert stored_position(dynamodb) == "topic"
