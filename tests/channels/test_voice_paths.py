"""Keypad and speech paths to every disposition, and the end of a call: the advice,
the offer to hear it again, goodbye."""
from __future__ import annotations

import pytest

from handler.core import engine
from tests.channels.voice_helpers import (
    PATIENTS,
    advice_opening,
    assert_advice_end,
    assert_emergency,
    disposition_heard,
    outcomes_heard,
    query_of,
    question_of,
    stored_state,
    vtext,
    walk,
)


@pytest.mark.parametrize("speech", [False, True], ids=["keypad", "speech"])
@pytest.mark.parametrize("present,disposition,outcome", PATIENTS,
                         ids=["-".join(sorted(p)) or "nothing" for p, _, _ in PATIENTS])
def test_every_disposition_by_keypad_and_by_speech(caller, flow, dynamodb, json_log, present, disposition,
                                                   outcome, speech):
    turn = walk(caller, flow, present=present, speech=speech)
    last = turn.last
    assert outcomes_heard(flow, turn) == [outcome]
    assert disposition_heard(flow, turn) == disposition
    if disposition == "emergency":
        assert_emergency(flow, last)
        assert caller.current.place["q"] != "advice"
    else:
        advice = assert_advice_end(flow, last)
        assert advice[0] == advice_opening(outcome, flow=flow)
        if disposition in ("urgent", "routine", "self_care"):
            assert any("911" in said for said in advice), "every non-emergency outcome ends with 911"
    _version, state = stored_state(dynamodb, caller.key)
    assert json_log.outcomes() == [outcome] and str(engine.position(state)) == "advice"


@pytest.mark.parametrize("answer", ["2", "Something else.", "two"])
def test_out_of_scope_by_keypad_and_speech(caller, flow, answer):
    caller.start()
    turn = caller.press(answer) if answer.isdigit() else caller.say(answer)
    assert outcomes_heard(flow, turn) == ["out_of_scope"]
    advice = assert_advice_end(flow, turn.last)
    assert "911" in advice[0]


@pytest.mark.parametrize("item", range(6))
@pytest.mark.parametrize("speech", [False, True], ids=["keypad", "speech"])
def test_a_yes_to_any_red_flag_item_ends_at_once_with_emergency_advice(caller, flow, dynamodb, json_log,
                                                                       item, speech):
    walk(caller, flow, until=("red_flags", item), speech=speech)
    turn = caller.say("Yes.") if speech else caller.press("1")
    assert len(turn.responses) == 1
    assert_emergency(flow, turn.last)
    assert outcomes_heard(flow, turn) == ["emergency"]
    _version, state = stored_state(dynamodb, caller.key)
    concept = question_of(flow, "red_flags").concepts[item]
    assert json_log.outcomes() == ["emergency"] and str(engine.position(state)) == "advice"
    assert [c for c in engine.findings(flow, state) if c.startswith("red_flag.")] == [concept], state


def test_a_yes_to_a_tizanidine_warning_ends_at_once_with_urgent_advice(caller, flow):
    walk(caller, flow, present={"tizanidine.taking"}, until=("medicine_warning", 1))
    turn = caller.say("yes")
    assert outcomes_heard(flow, turn) == ["urgent_advice"]
    advice = assert_advice_end(flow, turn.last)
    tizanidine_part = flow.nodes["urgent_advice"].parts
    assert any(p.when == ("tizanidine.low_blood_pressure",) and p.text["en"] in advice
               for p in tizanidine_part)


def test_yes_items_of_a_list_without_their_own_next_are_all_kept(caller, flow, dynamodb):
    present = {"pattern.wakes_from_sleep", "pattern.daily_life"}
    turn = walk(caller, flow, present=present)
    _version, state = stored_state(dynamodb, caller.key)
    assert {c for c in engine.findings(flow, state) if c.startswith("pattern.")} == present
    assert outcomes_heard(flow, turn) == ["routine_advice"]


@pytest.mark.parametrize("said,expected", [("Yes, I take it now.", "medicine_warning"), ("No.", "pattern"),
                                           ("one", "medicine_warning"), ("three", "pattern")])
def test_one_of_questions_by_label_word_or_spoken_number(caller, flow, said, expected):
    walk(caller, flow, until=("medicine", 0))
    caller.say(said)
    assert caller.current.place["q"] == expected


@pytest.mark.parametrize("said", ["none of those", "None of these.", "Nope.", "no", "two"])
def test_a_no_to_a_list_item_by_speech_goes_on_to_the_next_item(caller, flow, said):
    walk(caller, flow, until=("red_flags", 0), speech=True)
    turn = caller.say(said)
    assert turn.last.place == {"q": "red_flags", "i": "1"}
    assert vtext(flow, "not_understood") not in turn.says()


def test_pressing_1_at_the_end_repeats_the_advice(caller, flow, dynamodb):
    turn = walk(caller, flow, present={"pattern.wakes_from_sleep"})
    first = assert_advice_end(flow, turn.last)
    before = stored_state(dynamodb, caller.key)
    again = caller.press("1")
    assert len(again.responses) == 1
    assert assert_advice_end(flow, again.last) == first
    again = caller.say("repeat")
    assert assert_advice_end(flow, again.last) == first
    assert stored_state(dynamodb, caller.key) == before


@pytest.mark.parametrize("key", ["2", "9", "#"])
def test_any_other_key_at_the_end_says_goodbye(caller, flow, key):
    walk(caller, flow)
    turn = caller.press(key)
    assert turn.last.tags == ["Say", "Hangup"]
    assert turn.last.says() == [vtext(flow, "goodbye")]


def test_the_offer_to_repeat_ends_politely_when_the_caller_says_nothing(caller, flow):
    turn = walk(caller, flow)
    tags = turn.last.tags
    gather_at = tags.index("Gather")
    assert tags[gather_at:] == ["Gather", "Say", "Hangup"]          # no silence, no dead end
    assert query_of(turn.last.gather.get("action"))["q"] == "advice"


def test_something_else_said_after_the_advice_ends_the_call_politely(caller, flow):
    walk(caller, flow)
    turn = caller.say("thank you")
    assert turn.last.tags[-2:] == ["Say", "Hangup"]
    assert turn.last.says()[-1] == vtext(flow, "goodbye")
    assert "911" in turn.last.says()[0]
