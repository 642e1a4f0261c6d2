"""No input and bad input (the question once more, then the safe advice: urgent, never
self-care), * and "repeat", and the nurse line with and without NURSE_LINE_NUMBER."""
from __future__ import annotations

import pytest

from handler.core import engine
from tests.channels.voice_helpers import (
    BASE_URL,
    NURSE_NUMBER,
    assert_advice_end,
    disposition_heard,
    no_input_params,
    outcomes_heard,
    query_of,
    stored_state,
    text_of,
    verbs,
    vtext,
    walk,
)

PLACES = [("topic", 0), ("red_flags", 0), ("red_flags", 3), ("medicine", 0), ("pattern", 4),
          ("condition", 0), ("context", 1)]
PLACE_IDS = [f"{q}-{i}" for q, i in PLACES]


def at(twiml) -> tuple[str, int]:
    place = twiml.place
    return place["q"], int(place.get("i", "0"))


def assert_asked_again(flow, turn, place, lead_key):
    """One response: the 'did not hear' / 'did not understand' Say, then the same
    question (the same item of a list) as a Gather, then its no-input Redirect."""
    assert len(turn.responses) == 1
    twiml = turn.last
    assert twiml.tags == ["Say", "Gather", "Redirect"]
    assert text_of(verbs(twiml.root)[0]) == vtext(flow, lead_key)
    assert at(twiml) == place


def assert_safe_advice(flow, turn):
    assert outcomes_heard(flow, turn) == [flow.fallback]
    assert disposition_heard(flow, turn) == "urgent"
    assert "self_care_advice" not in outcomes_heard(flow, turn)
    assert_advice_end(flow, turn.last)


@pytest.mark.parametrize("place", PLACES, ids=PLACE_IDS)
def test_no_input_asks_once_more_then_gives_the_safe_advice(caller, flow, json_log, place):
    walk(caller, flow, until=place)
    prompt = caller.current.prompt()
    redirect = caller.current.redirect
    assert query_of(redirect)["timeout"] == "1"
    turn = caller.no_input()
    assert_asked_again(flow, turn, place, "no_input")
    assert turn.last.prompt() == prompt
    turn = caller.no_input()
    assert_safe_advice(flow, turn)
    assert json_log.outcomes() == [flow.fallback]      # recorded as the fallback advice


@pytest.mark.parametrize("bad", [("press", "7"), ("say", "banana bread"), ("say", "I don't know")],
                         ids=["digit-7", "garbled", "unsure"])
@pytest.mark.parametrize("place", PLACES, ids=PLACE_IDS)
def test_bad_input_asks_once_more_then_gives_the_safe_advice(caller, flow, place, bad):
    walk(caller, flow, until=place)
    how, value = bad
    send = caller.press if how == "press" else caller.say
    turn = send(value)
    assert_asked_again(flow, turn, place, "not_understood")
    turn = send(value)
    assert_safe_advice(flow, turn)


def test_a_good_answer_after_one_miss_goes_on(caller, flow):
    walk(caller, flow, until=("condition", 0))
    caller.no_input()
    turn = caller.press("2")
    assert at(turn.last) == ("context", 0)
    caller.no_input()                       # a miss at the next question starts a new count
    turn = caller.press("2")
    assert at(turn.last) == ("context", 1)


def test_a_miss_then_an_answer_keeps_the_earlier_list_items(caller, flow, dynamodb):
    walk(caller, flow, until=("pattern", 1))
    caller.press("1")                       # several times a week: yes
    caller.no_input()                       # item 2: did not hear
    for _ in range(3):
        caller.press("2")
    _version, state = stored_state(dynamodb, caller.key)
    # the yes before the miss is kept, the noes after it too
    assert [c for c in engine.findings(flow, state) if c.startswith("pattern.")] == ["pattern.several_per_week"]


@pytest.mark.parametrize("how", [("press", "*"), ("say", "repeat"), ("say", "Say that again."),
                                 ("say", "Sorry?")], ids=["star", "repeat", "say-that-again", "sorry"])
@pytest.mark.parametrize("place", PLACES, ids=PLACE_IDS)
def test_star_or_repeat_asks_the_same_question_again_without_changing_anything(
        caller, flow, dynamodb, place, how):
    walk(caller, flow, until=place)
    before = stored_state(dynamodb, caller.key)
    asked = caller.current
    kind, value = how
    turn = (caller.press if kind == "press" else caller.say)(value)
    assert len(turn.responses) == 1
    assert turn.last.tags == ["Gather", "Redirect"]
    assert turn.last.place == asked.place
    assert turn.last.prompt() == asked.prompt()
    assert turn.last.redirect == asked.redirect
    assert stored_state(dynamodb, caller.key) == before
    # repeating is not a miss: two misses after it are still needed for the safe advice
    caller.no_input()
    assert at(caller.current) == place


@pytest.mark.parametrize("how", [("press", "0"), ("say", "nurse"), ("say", "Operator."),
                                 ("say", "can I talk to a real person")])
class TestWithANurseLine:
    @pytest.fixture
    def nurse_number(self):
        return NURSE_NUMBER

    def test_connects_to_the_nurse_line(self, caller, flow, dynamodb, how):
        walk(caller, flow, until=("red_flags", 2))
        before = stored_state(dynamodb, caller.key)
        kind, value = how
        turn = (caller.press if kind == "press" else caller.say)(value)
        twiml = turn.last
        assert len(turn.responses) == 1
        assert twiml.tags == ["Say", "Dial"]
        say, dial = verbs(twiml.root)
        assert text_of(say) == vtext(flow, "nurse_connecting")
        assert [(n.tag, text_of(n)) for n in dial] == [("Number", NURSE_NUMBER)]
        action = dial.get("action")
        assert action.startswith(BASE_URL + "/voice/nurse-done?")
        assert query_of(action) == {"q": "red_flags", "i": "2"}
        assert int(dial.get("timeout")) > 0
        assert stored_state(dynamodb, caller.key) == before

    def test_no_answer_from_the_nurse_returns_to_the_question(self, caller, flow, dynamodb, how):
        walk(caller, flow, until=("red_flags", 2))
        asked = caller.current
        kind, value = how
        dial = verbs((caller.press if kind == "press" else caller.say)(value).last.root)[-1]
        params = {**no_input_params(caller.call_sid), "DialCallStatus": "no-answer",
                  "DialCallSid": "CA" + "d" * 32, "DialCallDuration": "0"}
        turn = caller._follow(caller.post(dial.get("action"), params))
        first = turn.first
        assert first.tags == ["Say", "Redirect"]
        said = text_of(verbs(first.root)[0])
        assert said == vtext(flow, "nurse_unreachable") and "911" in said
        assert turn.last.tags == ["Gather", "Redirect"]
        assert turn.last.place == asked.place and turn.last.prompt() == asked.prompt()

    def test_a_completed_nurse_call_ends_politely(self, caller, flow, how):
        walk(caller, flow, until=("medicine", 0))
        kind, value = how
        dial = verbs((caller.press if kind == "press" else caller.say)(value).last.root)[-1]
        params = {**no_input_params(caller.call_sid), "DialCallStatus": "completed",
                  "DialCallSid": "CA" + "d" * 32, "DialCallDuration": "240"}
        twiml = caller.post(dial.get("action"), params)
        assert twiml.tags == ["Say", "Hangup"]
        assert twiml.says() == [vtext(flow, "goodbye")]


@pytest.mark.parametrize("how", [("press", "0"), ("say", "nurse"), ("say", "operator")])
@pytest.mark.parametrize("place", [("topic", 0), ("red_flags", 4), ("condition", 0)])
def test_without_a_nurse_line_says_so_and_asks_again(caller, flow, dynamodb, how, place):
    walk(caller, flow, until=place)
    asked = caller.current
    before = stored_state(dynamodb, caller.key)
    kind, value = how
    turn = (caller.press if kind == "press" else caller.say)(value)
    first = turn.first
    assert first.tags == ["Say", "Redirect"]
    said = text_of(verbs(first.root)[0])
    assert said == vtext(flow, "no_nurse_line")
    assert "911" in said and "nurse line" in said
    assert all(e.tag != "Dial" for r in turn.responses for e in r.root.iter())
    assert turn.last.tags == ["Gather", "Redirect"]
    assert turn.last.place == asked.place and turn.last.prompt() == asked.prompt()
    assert stored_state(dynamodb, caller.key) == before


def test_nurse_at_the_end_repeats_the_advice(caller, flow):
    turn = walk(caller, flow, present={"pattern.several_per_week"})
    advice = assert_advice_end(flow, turn.last)
    turn = caller.press("0")
    assert turn.first.tags == ["Say", "Redirect"]
    assert assert_advice_end(flow, turn.last) == advice
