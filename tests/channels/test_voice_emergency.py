"""Emergency speech: interrupts at any question and after the advice, exactly as in SMS;
the emergency outcome is spoken first and short ("hang up and call 911") and the call
ends; thoughts of self-harm get 988."""
from __future__ import annotations

import pytest

from handler.core import engine
from tests.channels.voice_helpers import assert_advice_end, assert_emergency, outcomes_heard, stored_state, walk

# Every place a caller on the longest path is asked something: (question, item)
LONGEST_PATH_PLACES = [("topic", 0), *((("red_flags", i)) for i in range(6)), ("medicine", 0),
                       *((("medicine_warning", i)) for i in range(4)),
                       *((("medicine_concerns", i)) for i in range(3)),
                       *((("pattern", i)) for i in range(5)), ("condition", 0), ("context", 0), ("context", 1)]


@pytest.mark.parametrize("place", LONGEST_PATH_PLACES, ids=[f"{q}-{i}" for q, i in LONGEST_PATH_PLACES])
def test_i_cant_breathe_interrupts_at_any_question(caller, flow, dynamodb, json_log, place):
    walk(caller, flow, present={"tizanidine.taking"}, until=place)
    assert (caller.current.place["q"], int(caller.current.place.get("i", "0"))) == place
    turn = caller.say("I can't breathe")
    assert len(turn.responses) == 1
    assert_emergency(flow, turn.last)
    assert outcomes_heard(flow, turn) == ["emergency_now"]
    _version, state = stored_state(dynamodb, caller.key)
    assert json_log.outcomes() == ["emergency_now"] and str(engine.position(state)) == "advice"
    assert "emergency.breathing" in engine.findings(flow, state)


@pytest.mark.parametrize("where", [("pattern", 2), ("condition", 0)], ids=["list-item", "yes-no"])
@pytest.mark.parametrize("speech", ["my chest hurts", "I have chest pain.", "My husband passed out",
                                    "her face is drooping", "I can't breathe"])
def test_emergency_words_interrupt_a_list_item_and_a_yes_no_question(caller, flow, speech, where):
    walk(caller, flow, until=where)
    turn = caller.say(speech)
    assert_emergency(flow, turn.last)
    assert outcomes_heard(flow, turn) == ["emergency_now"]


@pytest.mark.parametrize("speech", ["sorry, I can't breathe", "my chest hurts again", "what? my chest hurts",
                                    "someone passed out", "operator, my chest hurts",
                                    "repeat that, I can't breathe"])
def test_emergency_words_win_over_the_spoken_commands(caller, flow, speech):
    """'sorry', 'again', 'what', 'repeat' (hear it again) and 'someone', 'operator' (the
    nurse) must not swallow an emergency said in the same breath."""
    walk(caller, flow, until=("red_flags", 2))
    turn = caller.say(speech)
    assert_emergency(flow, turn.last)
    assert outcomes_heard(flow, turn) == ["emergency_now"]


@pytest.mark.parametrize("speech", ["sorry, I can't breathe", "my chest hurts"])
def test_emergency_words_win_over_commands_at_a_one_of_question(caller, flow, speech):
    walk(caller, flow, until=("medicine", 0))
    assert_emergency(flow, caller.say(speech).last)


@pytest.mark.parametrize("speech", ["I can't breathe", "my chest hurts", "say that again, my chest hurts"])
def test_emergency_words_after_the_advice_still_get_emergency_advice(caller, flow, dynamodb, json_log, speech):
    turn = walk(caller, flow, present={"context.exercise"})
    assert_advice_end(flow, turn.last)
    turn = caller.say(speech)
    assert_emergency(flow, turn.last)
    assert outcomes_heard(flow, turn) == ["emergency_now"]
    _version, state = stored_state(dynamodb, caller.key)
    assert json_log.outcomes()[-1] == "emergency_now" and str(engine.position(state)) == "advice"


def test_emergency_words_at_the_first_question(caller, flow):
    caller.start()
    turn = caller.say("My chest hurts and my legs keep cramping")
    assert_emergency(flow, turn.last)


@pytest.mark.parametrize("speech", ["I want to kill myself", "I don't want to live anymore", "I want to die"])
@pytest.mark.parametrize("where", [("red_flags", 0), ("medicine", 0), ("advice", 0)])
def test_self_harm_speech_gets_988(caller, flow, speech, where):
    walk(caller, flow, until=where if where[0] != "advice" else None)
    turn = caller.say(speech)
    assert_emergency(flow, turn.last)
    assert outcomes_heard(flow, turn) == ["emergency_self_harm"]
    assert any("988" in said for said in turn.says())


def test_a_possible_emergency_is_confirmed_first_then_acted_on(caller, flow):
    walk(caller, flow, until=("medicine", 0))
    turn = caller.say("my heart feels funny")
    place = turn.last.place
    assert place["q"] == "confirm:emergency.chest_pain"
    assert turn.last.tags[-2:] == ["Gather", "Redirect"]
    turn = caller.press("1")
    assert_emergency(flow, turn.last)
    assert outcomes_heard(flow, turn) == ["emergency_now"]


def test_a_possible_emergency_denied_goes_back_to_the_question(caller, flow):
    walk(caller, flow, until=("medicine", 0))
    caller.say("my heart feels funny")
    turn = caller.say("no")
    assert turn.last.place == {"q": "medicine"}


def test_the_emergency_lead_is_first_and_the_advice_short(caller, flow):
    walk(caller, flow, until=("red_flags", 0))
    twiml = caller.press("1").last
    assert_emergency(flow, twiml)
    says = twiml.says()
    assert len(says) <= 3                              # lead, the advice, the lead again
    assert sum(len(s) for s in says) < 400
    assert twiml.gather is None and twiml.redirect is None


@pytest.mark.parametrize("operation", ["get_item", "put_item"])
@pytest.mark.parametrize("speech", ["chest pain", "I can't breathe"])
def test_spoken_emergency_gets_emergency_advice_when_the_store_fails(caller, flow, dynamodb, monkeypatch,
                                                                     operation, speech):
    """The store refuses every call mid-call: the caller who says an emergency still hears
    the emergency advice, not the generic safe message."""
    from botocore.exceptions import EndpointConnectionError

    walk(caller, flow, until=("pattern", 1))

    def fail(**_kwargs):
        raise EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")

    monkeypatch.setattr(dynamodb, operation, fail)
    turn = caller.say(speech)
    assert_emergency(flow, turn.last)
    assert outcomes_heard(flow, turn) == ["emergency_now"]
