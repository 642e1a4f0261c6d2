"""Emergencies found in free text: clear ones act at once, denied ones are ignored,
unsure ones get one confirming question."""
import pytest

CHEST = "emergency.chest_pain"
BREATHING = "emergency.breathing"
STROKE = "emergency.stroke_signs"
UNRESPONSIVE = "emergency.unresponsive"
SELF_HARM = "emergency.self_harm"


def scan(flow, text):
    detection = flow.scanner("en").scan(text)
    return ([check.concept for check in detection.clear],
            [check.concept for check in detection.possible])


@pytest.mark.parametrize("text, concept", [
    ("my chest hurts", CHEST),
    ("I have chest pain", CHEST),
    ("i cant breathe", BREATHING),
    ("I can't breathe!!", BREATHING),
    ("I CAN\u2019T BREATHE", BREATHING),
    ("short of breath after the cramp", BREATHING),
    ("his face is drooping and his speech is slurred", STROKE),
    ("I want to kill myself", SELF_HARM),
    ("I don't want to live anymore", SELF_HARM),
    ("my dad passed out", UNRESPONSIVE),
    ("my wife is unresponsive", UNRESPONSIVE),
])
def test_clear_phrases_act(flow, text, concept):
    clear, _possible = scan(flow, text)
    assert clear == [concept]


@pytest.mark.parametrize("text", [
    "leg cramp last night, no chest pain",
    "I don't have any chest pain",
    "never had chest pain",
    "no chest pain, just a calf cramp",
    "this cramp is killing me",
    "these cramps are killing me",
    "I'm dying of cramps",
    "my calf cramps at night",
])
def test_denials_and_figures_of_speech_are_ignored(flow, text):
    assert scan(flow, text) == ([], [])


@pytest.mark.parametrize("text", ["1", "0", "1 3", "yes", "no", "none", "Nope", "help", "back", "restart"])
def test_ordinary_answers_are_not_emergencies(flow, text):
    assert scan(flow, text) == ([], [])


@pytest.mark.parametrize("text, concept", [
    ("No. My chest hurts", CHEST),
    ("no cramps today, but my chest hurts", CHEST),
    ("No chest pain but I can't breathe", BREATHING),
    ("I have no chest pain and trouble breathing", BREATHING),
])
def test_a_denial_does_not_hide_an_emergency_elsewhere(flow, text, concept):
    clear, _possible = scan(flow, text)
    assert concept in clear


def test_worry_about_a_stroke_happening_now_acts_at_once(flow):
    clear, _possible = scan(flow, "I think I might be having a stroke")
    assert clear == [STROKE]


def test_two_emergencies_in_one_message(flow):
    clear, _possible = scan(flow, "my chest hurts and I want to kill myself")
    assert set(clear) == {CHEST, SELF_HARM}


@pytest.mark.parametrize("text, concept", [
    ("I nearly fainted", UNRESPONSIVE),
    ("I almost passed out", UNRESPONSIVE),
    ("my chest feels weird", CHEST),
    ("my heart is racing", CHEST),
    ("I had a stroke years ago", STROKE),
    ("breathing feels off", BREATHING),
])
def test_hedged_or_possible_mentions_ask_to_confirm(flow, text, concept):
    clear, possible = scan(flow, text)
    assert clear == []
    assert possible == [concept]


@pytest.mark.parametrize("text", ["I'm not suicidal", "I am not suicidal, just tired of cramps",
                                  "never suicidal"])
def test_denied_self_harm_still_gets_a_confirm(flow, text):
    clear, possible = scan(flow, text)
    assert clear == []
    assert SELF_HARM in possible


@pytest.mark.parametrize("text", ["I'm thinking about suicide", "I might kill myself",
                                  "maybe I should end my life"])
def test_hedged_self_harm_gets_988_at_once_not_a_question(flow, text):
    detection = flow.scanner("en").scan(text)
    assert [check.concept for check in detection.clear] == ["emergency.self_harm"]
