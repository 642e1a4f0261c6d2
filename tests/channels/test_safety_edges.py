"""Edges found in review, each a way a patient could have been let down:
unclear answers to an emergency question, an emergency inside an opt-out,
numbers typed with words, limits and lost races in an emergency, and what an
opt-out leaves behind."""
from dataclasses import replace

import pytest

from handler.channels.voice import menu
from handler.core import answers, engine
from handler.infra.store import Conflict
from handler.line import id_tag
from tests.channels.sms_helpers import get_item, text


def walk(flow, *messages):
    step = engine.start(flow, "en", messages[0])
    for message in messages[1:]:
        step = engine.step(flow, step.state, message)
    return step


@pytest.mark.parametrize("messages", [
    ("hi", "1", "my chest feels weird", "not sure", "idk"),
    ("hi", "1", "0", "i keep thinking i should die", "maybe", "dunno"),
])
def test_unclear_answers_to_an_emergency_question_end_in_emergency_advice(flow, messages):
    step = walk(flow, *messages)
    assert step.outcome is not None and step.outcome.disposition == "emergency"


def test_after_emergency_advice_unclear_answers_never_lower_it(flow):
    step = walk(flow, "hi", "1", "I cant breathe", "my heart", "hmm", "hmm")
    assert str(engine.position(step.state)) == "advice"
    assert all(m.disposition == "emergency" for m in engine.current_replies(flow, step.state))


@pytest.mark.parametrize("typed, picked", [("yes 2", (1,)), ("I have number 3", (2,)), ("2 bladder", (1,))])
def test_numbers_typed_with_words_are_read(typed, picked):
    assert answers.parse_all_that_apply(typed, 6) == picked


@pytest.mark.parametrize("typed", ["yes", "not 2", "none but 3", "maybe 2"])
def test_unclear_list_answers_are_asked_again(typed):
    assert answers.parse_all_that_apply(typed, 6) is None


def test_an_emergency_inside_an_opt_out_gets_emergency_advice(sms_sender, dynamodb):
    sms_sender.send("hi")
    reply = sms_sender.send("Stop texting me. I want to kill myself")
    assert "988" in reply.text and "911" in reply.text
    assert not get_item(dynamodb).get("opted_out")


def test_talk_of_coming_off_a_medicine_is_not_an_opt_out(sms_sender, dynamodb):
    sms_sender.send("hi")
    reply = sms_sender.send("my doctor wants to take me off tizanidine")
    assert reply.messages and not get_item(dynamodb).get("opted_out")


def test_an_opt_out_keeps_no_earlier_answers_and_no_message_ids(sms_sender, dynamodb):
    first = sms_sender.send("hi")
    sms_sender.send("1")
    stop = sms_sender.send("STOP")
    item = get_item(dynamodb)
    assert item["opted_out"]["BOOL"] is True
    assert "state" not in item and "prev" not in item
    stored = str(item)
    assert first.sid not in stored and stop.sid not in stored
    assert item["sid"]["S"] == id_tag(stop.sid)


@pytest.fixture
def settings(settings):
    return replace(settings, max_messages_per_hour=3)


def test_the_hourly_limit_never_blocks_an_emergency_question(sms_sender, clock):
    clock.now = 1_700_002_000.0
    for body in ["hi", "1", "my chest feels odd"]:                # the last asks "chest pain now?"
        sms_sender.send(body)
    reply = sms_sender.send("yes")                                # over the limit, still answered
    assert reply.messages and "911" in reply.messages[0]


def test_emergency_advice_does_not_wait_for_a_store_that_keeps_conflicting(app, sms_sender, monkeypatch):
    sms_sender.send("hi")
    store = app.extensions["triage_line"].store

    def always_conflicts(session, expected_version):
        raise Conflict("put_item")

    monkeypatch.setattr(store, "save", always_conflicts)
    reply = sms_sender.send("I can't breathe")
    assert reply.messages and reply.messages[0].startswith("Call 911")
    assert text("resend") not in reply.text


@pytest.mark.parametrize("speech", ["what I have is cramps", "no sorry", "someone in my family has MS"])
def test_speech_that_merely_contains_a_command_word_is_an_answer(flow, speech):
    assert not menu.wants(flow, "en", "repeat", "", speech)
    assert not menu.wants(flow, "en", "nurse", "", speech)


def test_an_emergency_in_a_late_answer_still_gets_emergency_advice(app):
    """A gather callback for an earlier question (late or duplicated) changes nothing,
    unless what the caller said is an emergency."""
    line = app.extensions["triage_call"]
    line.handle("call#late", "", channel="voice")                      # the call starts: topic
    line.handle("call#late", "1", channel="voice", answering="topic")  # now at red_flags
    late = line.handle("call#late", "1", channel="voice", answering="topic")
    assert late.event == "stale" and late.outcome is None
    emergency = line.handle("call#late", "I can't breathe", channel="voice", answering="topic")
    assert emergency.outcome is not None and emergency.outcome.disposition == "emergency"
