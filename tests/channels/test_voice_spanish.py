"""The phone line in Spanish: the language menu every call starts at (each language's line
in its own locale, nothing stored), 9 or "español" for Spanish, 1, "English" or silence
for English, and from the choice on every Say and Gather in the chosen language: the
opening, the questions, list items, repeat (asterisco), the nurse (0) and emergencies.
Speech at the menu that names no language is the caller's first words.

The Spanish free-text vocabulary is being written separately: the emergency tests that
need Spanish phrases run on a copy of the flow with a few of them added
(`with_spanish_phrases`), so they test the line, not the vocabulary's coverage."""
from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from urllib.parse import urlsplit

import pytest

from handler.app import create_app
from handler.core.vocabulary import ConceptWords
from tests.channels.voice_helpers import (
    LOCALE,
    NURSE_NUMBER,
    PATIENTS,
    STAGE,
    TABLE,
    Caller,
    advice_opening,
    assert_advice_end,
    assert_emergency,
    disposition_heard,
    is_menu,
    item_for,
    no_input_params,
    outcomes_heard,
    query_of,
    question_of,
    scripted_answer,
    sealed_path,
    stored_state,
    text_of,
    verbs,
    voice_params,
    vtext,
    walk,
)

ES = "es-US"
SPANISH_EMERGENCIES = {"emergency.breathing": ("no puedo respirar",),
                       "emergency.chest_pain": ("me duele mucho el pecho",)}


def with_spanish_phrases(flow, phrases: dict[str, tuple[str, ...]]):
    """The flow with these clear Spanish phrases added to its vocabulary (test only)."""
    vocabulary = flow.vocabulary
    concepts = {code: dict(by_lang) for code, by_lang in vocabulary.concepts.items()}
    for code, clear in phrases.items():
        concepts.setdefault(code, {})["es"] = ConceptWords(clear=clear)
    vocabulary = replace(vocabulary, languages=tuple(dict.fromkeys((*vocabulary.languages, "es"))),
                         concepts=MappingProxyType({code: MappingProxyType(by) for code, by in concepts.items()}))
    return replace(flow, vocabulary=vocabulary, _readers={}, _scanners={})


@pytest.fixture
def es_flow(flow):
    return with_spanish_phrases(flow, SPANISH_EMERGENCIES)


@pytest.fixture
def es_caller(settings, store, flows, es_flow, json_log):
    """A caller into a line whose flow understands a few Spanish emergency phrases."""
    app = create_app(settings, store=store, flows={**flows, es_flow.id: es_flow})
    return Caller(app, settings)


def stored_lang(dynamodb, caller) -> str | None:
    _version, state = stored_state(dynamodb, caller.key)
    return state["lang"] if state else None


def assert_spanish(twiml) -> None:
    """Every Say and Gather of the response in Spanish."""
    for element in twiml.root.iter():
        if element.tag in ("Say", "Gather"):
            assert element.get("language") == ES, (element.tag, element.attrib)


# --- the menu ----------------------------------------------------------------------------------

def test_the_menu_says_english_then_spanish_each_in_its_locale_and_stores_nothing(caller, flow, dynamodb):
    turn = caller.call()
    assert len(turn.responses) == 1
    menu = turn.last
    assert menu.tags == ["Gather", "Redirect"]
    gather, redirect = verbs(menu.root)
    assert is_menu(gather) and gather.get("numDigits") == "1" and gather.get("input") == "dtmf speech"
    says = list(gather)
    assert [(text_of(s), s.get("language")) for s in says] == [
        (vtext(flow, "language_menu", "en"), LOCALE), (vtext(flow, "language_menu", "es"), ES)]
    assert "press 1" in text_of(says[0]).lower()
    spanish = text_of(says[1]).lower()
    assert spanish.startswith("para español") and "oprima 9" in spanish and "diga español" in spanish
    hints = [h.strip() for h in gather.get("hints").split(",")]
    assert "español" in hints and "english" in hints
    assert urlsplit(text_of(redirect)).path == STAGE + "/voice/language"
    assert query_of(text_of(redirect)).get("timeout") == "1"
    assert item_for(dynamodb, caller.key) is None                 # stateless until the choice
    caller.call()                                                 # asked again: the menu again
    assert caller.at_menu and item_for(dynamodb, caller.key) is None


def test_nine_opens_the_call_in_spanish_and_asks_the_first_question_in_es_us(caller, flow, dynamodb):
    caller.call()
    turn = caller.choose("es")
    twiml = turn.first
    assert twiml.tags == ["Say", "Gather", "Redirect"]
    opening, gather, redirect = verbs(twiml.root)
    assert text_of(opening) == vtext(flow, "opening", "es") and opening.get("language") == ES
    assert "911" in text_of(opening) and "asterisco" in text_of(opening)
    assert gather.get("language") == ES
    question = question_of(flow, flow.start, "es")
    prompt = twiml.prompt()
    assert prompt.startswith(question.prompt)
    for number, label in enumerate(question.choices, 1):
        assert f"Para {label}, oprima {number}" in prompt
    hints = [h.strip() for h in gather.get("hints").split(",")]
    assert all(label.replace(",", "") in hints for label in question.choices)
    assert "repetir" in hints and "enfermera" in hints
    assert query_of(gather.get("action")) == {"q": flow.start, "l": "es"}
    assert query_of(text_of(redirect)) == {"q": flow.start, "l": "es", "timeout": "1"}
    assert_spanish(twiml)
    assert stored_lang(dynamodb, caller) == "es"


@pytest.mark.parametrize("said", ["español", "Español.", "espanol", "Spanish", "en español", "nueve"])
def test_saying_espanol_at_the_menu_picks_spanish(caller, flow, dynamodb, said):
    caller.call()
    caller.locale = ES
    turn = caller.say(said)
    assert text_of(verbs(turn.first.root)[0]) == vtext(flow, "opening", "es")
    assert stored_lang(dynamodb, caller) == "es"


@pytest.mark.parametrize("said", [("Digits", "1"), ("SpeechResult", "English"), ("SpeechResult", "inglés"),
                                  ("SpeechResult", "ingles"), ("Digits", "5")])
def test_one_english_or_another_key_at_the_menu_picks_english(caller, flow, dynamodb, said):
    kind, value = said
    caller.call()
    turn = caller.press(value) if kind == "Digits" else caller.say(value)
    assert text_of(verbs(turn.first.root)[0]) == vtext(flow, "opening", "en")
    assert query_of(turn.last.gather.get("action")) == {"q": flow.start}      # no language mark for English
    assert stored_lang(dynamodb, caller) == "en"


def test_a_call_whose_menu_times_out_goes_on_in_english(caller, flow, dynamodb):
    caller.call()
    turn = caller.no_input()
    assert text_of(verbs(turn.first.root)[0]) == vtext(flow, "opening", "en")
    assert turn.last.prompt().startswith(question_of(flow, flow.start).prompt)
    assert stored_lang(dynamodb, caller) == "en"
    turn = walk_on(caller, flow, set(), "en")
    assert disposition_heard(flow, turn) == "self_care"


def test_star_at_the_menu_says_it_again(caller, dynamodb):
    caller.call()
    turn = caller.press("*")
    assert is_menu(turn.last.gather) and item_for(dynamodb, caller.key) is None


# --- a Spanish call ------------------------------------------------------------------------------

def walk_on(caller, flow, present, lang, speech=False):
    """Answer from where the call is, as walk() does."""
    turn = None
    for _ in range(60):
        place = caller.current.place
        if place["q"] == "advice":
            return turn
        answer = scripted_answer(flow, place, present, speech, lang=lang)
        turn = caller.say(answer) if speech else caller.press(answer)
        if turn.last.gather is None:
            return turn
    raise AssertionError("the call did not end")



@pytest.mark.parametrize("speech", [False, True], ids=["keypad", "speech"])
@pytest.mark.parametrize("present,disposition,outcome", PATIENTS,
                         ids=["-".join(sorted(p)) or "nothing" for p, _, _ in PATIENTS])
def test_every_disposition_in_spanish(caller, flow, dynamodb, json_log, present, disposition, outcome, speech):
    turn = walk(caller, flow, present=present, speech=speech, lang="es")
    assert outcomes_heard(flow, turn, "es") == [outcome]
    assert disposition_heard(flow, turn, "es") == disposition
    assert_spanish(turn.last)
    if disposition == "emergency":
        assert_emergency(flow, turn.last, "es")
    else:
        advice = assert_advice_end(flow, turn.last, "es")
        assert advice[0] == advice_opening(outcome, "es", flow)
        assert any("911" in said for said in advice)
    assert json_log.outcomes() == [outcome]
    assert stored_lang(dynamodb, caller) == "es"
    for response in caller.log[1:]:                  # after the menu, nothing but Spanish
        assert_spanish(response)


def test_a_list_question_is_read_item_by_item_in_spanish(caller, flow):
    walk(caller, flow, until=("red_flags", 0), lang="es")
    question = question_of(flow, "red_flags", "es")
    for item, label in enumerate(question.choices):
        assert int(caller.current.place.get("i", "0")) == item and caller.current.place["l"] == "es"
        prompt = caller.current.prompt()
        assert prompt.endswith(vtext(flow, "item", "es").format(choice=label))
        if item == 0:
            assert prompt.startswith(question.prompt) and vtext(flow, "list_intro", "es") in prompt
        assert_spanish(caller.current)
        turn = caller.say("No.") if item % 2 else caller.press("2")
    assert caller.current.place["q"] == "medicine"       # every red flag answered no
    assert turn.last.prompt().startswith(question_of(flow, "medicine", "es").prompt)


@pytest.mark.parametrize("said", ["ninguno", "nada", "no tengo", "para nada"])
def test_spanish_no_words_answer_a_list_item_no(caller, flow, said):
    walk(caller, flow, until=("pattern", 0), lang="es")
    turn = caller.say(said)
    assert turn.last.place == {"q": "pattern", "i": "1", "l": "es"}


@pytest.mark.parametrize("said", ["sí", "Sí.", "si", "claro que sí"])
def test_spanish_yes_words_answer_a_list_item_yes(caller, flow, said):
    walk(caller, flow, until=("pattern", 0), lang="es")
    turn = caller.say(said)
    assert turn.last.place == {"q": "pattern", "i": "1", "p": "0", "l": "es"}


@pytest.mark.parametrize("said", ["no sé", "no estoy seguro"])
def test_not_sure_at_a_list_item_is_not_a_no(caller, flow, said):
    walk(caller, flow, until=("pattern", 0), lang="es")
    turn = caller.say(said)
    assert text_of(verbs(turn.last.root)[0]) == vtext(flow, "not_understood", "es")
    assert turn.last.place == {"q": "pattern", "l": "es"}


@pytest.mark.parametrize("repeat", [("Digits", "*"), ("SpeechResult", "repita"), ("SpeechResult", "otra vez")])
@pytest.mark.parametrize("place", [("topic", 0), ("red_flags", 2), ("medicine", 0)])
def test_repeat_in_spanish_asks_the_same_thing_again(caller, flow, dynamodb, repeat, place):
    walk(caller, flow, until=place, lang="es")
    asked = caller.current
    before = stored_state(dynamodb, caller.key)
    kind, value = repeat
    turn = caller.press(value) if kind == "Digits" else caller.say(value)
    assert turn.last.place == asked.place and turn.last.prompt() == asked.prompt()
    assert_spanish(turn.last)
    assert stored_state(dynamodb, caller.key) == before


def test_no_input_in_spanish_asks_again_in_spanish(caller, flow):
    walk(caller, flow, until=("medicine", 0), lang="es")
    prompt = caller.current.prompt()
    turn = caller.no_input()
    assert text_of(verbs(turn.last.root)[0]) == vtext(flow, "no_input", "es")
    assert turn.last.prompt() == prompt
    assert_spanish(turn.last)


class TestTheNurseInSpanish:
    @pytest.fixture
    def nurse_number(self):
        return NURSE_NUMBER

    @pytest.mark.parametrize("asked", [("Digits", "0"), ("SpeechResult", "enfermera"),
                                       ("SpeechResult", "quiero hablar con una persona")])
    def test_zero_or_enfermera_puts_the_caller_through_in_spanish(self, caller, flow, asked):
        walk(caller, flow, until=("medicine", 0), lang="es")
        kind, value = asked
        turn = caller.press(value) if kind == "Digits" else caller.say(value)
        twiml = turn.last
        assert twiml.tags == ["Say", "Dial"]
        assert text_of(verbs(twiml.root)[0]) == vtext(flow, "nurse_connecting", "es")
        assert_spanish(twiml)
        dial = verbs(twiml.root)[1]
        assert query_of(dial.get("action")) == {"q": "medicine", "l": "es"}
        # the nurse line did not answer: said in Spanish, and the question again
        unanswered = caller._follow(caller.post(dial.get("action"), voice_params(
            "voice_incoming_call", caller.call_sid, CallStatus="in-progress", DialCallStatus="no-answer")))
        assert unanswered.says()[0] == vtext(flow, "nurse_unreachable", "es")
        assert unanswered.last.prompt().startswith(question_of(flow, "medicine", "es").prompt)
        for response in unanswered.responses:
            assert_spanish(response)


def test_no_nurse_line_is_said_in_spanish(caller, flow):
    walk(caller, flow, until=("topic", 0), lang="es")
    turn = caller.press("0")
    assert turn.says()[0] == vtext(flow, "no_nurse_line", "es")
    assert turn.last.place == {"q": "topic", "l": "es"}
    for response in turn.responses:
        assert_spanish(response)


# --- emergencies -------------------------------------------------------------------------------

def test_an_emergency_said_in_spanish_at_the_menu_gets_spanish_emergency_advice(es_caller, es_flow, dynamodb):
    es_caller.call()
    es_caller.locale = ES
    turn = es_caller.say("no puedo respirar")
    assert len(turn.responses) == 1
    assert_emergency(es_flow, turn.last, "es")
    assert_spanish(turn.last)
    assert outcomes_heard(es_flow, turn, "es") == ["emergency_now"]
    assert stored_lang(dynamodb, es_caller) == "es"


def test_an_emergency_said_in_english_at_the_menu_gets_english_emergency_advice(caller, flow, dynamodb):
    caller.call()
    turn = caller.say("I can't breathe")
    assert_emergency(flow, turn.last, "en")
    assert stored_lang(dynamodb, caller) == "en"


@pytest.mark.parametrize("place", [("topic", 0), ("red_flags", 2), ("medicine", 0), ("pattern", 1)])
@pytest.mark.parametrize("said", ["no puedo respirar", "perdón, me duele mucho el pecho"])
def test_an_emergency_said_in_spanish_mid_call(es_caller, es_flow, place, said):
    walk(es_caller, es_flow, until=place, lang="es")
    turn = es_caller.say(said)
    assert_emergency(es_flow, turn.last, "es")
    assert_spanish(turn.last)


@pytest.mark.parametrize("place", [("topic", 0), ("red_flags", 2), ("pattern", 1)])
def test_an_emergency_said_in_english_in_a_spanish_call_is_answered_in_english(caller, flow, dynamodb, place):
    walk(caller, flow, until=place, lang="es")
    caller.locale = LOCALE
    turn = caller.say("I can't breathe")
    assert_emergency(flow, turn.last, "en")
    assert stored_lang(dynamodb, caller) == "en"


def test_a_red_flag_by_keypad_in_spanish_is_an_emergency_at_once(caller, flow):
    walk(caller, flow, until=("red_flags", 0), lang="es")
    turn = caller.press("1")
    assert_emergency(flow, turn.last, "es")


# --- retries -----------------------------------------------------------------------------------

def test_a_retried_language_callback_does_not_restart_the_call(caller, flow, dynamodb):
    caller.call()
    menu_action = caller.action()
    caller.choose("es")
    caller.press("1")                                  # the topic answered: now at the red flags
    before = stored_state(dynamodb, caller.key)
    for digits in ("9", "1"):
        turn = caller.press(digits, action=menu_action)
        assert stored_state(dynamodb, caller.key) == before
        assert vtext(flow, "opening", "es") not in turn.heard
        assert turn.last.place == {"q": "red_flags", "l": "es"}
        assert_spanish(turn.last)
    timeout = caller.post(caller.log[0].redirect, no_input_params(caller.call_sid))   # the menu's time-out, late
    assert stored_state(dynamodb, caller.key) == before
    assert query_of(timeout.gather.get("action")) == {"q": "red_flags", "l": "es"}


def test_a_retried_incoming_call_speaks_the_current_question_in_spanish(caller, flow, dynamodb):
    walk(caller, flow, until=("medicine", 0), lang="es")
    before = stored_state(dynamodb, caller.key)
    turn = caller.call()
    assert not caller.at_menu
    assert turn.last.place == {"q": "medicine", "l": "es"}
    assert turn.last.prompt().startswith(question_of(flow, "medicine", "es").prompt)
    assert_spanish(turn.last)
    assert stored_state(dynamodb, caller.key) == before


def test_a_language_callback_whose_seal_does_not_hold_goes_back_to_the_call_start(caller, dynamodb):
    caller.call()
    forged = caller.action().replace("menu=language", "menu=languag")
    turn = caller.press("9", action=forged)
    assert turn.first.redirect.endswith(STAGE + "/voice")
    assert caller.at_menu and item_for(dynamodb, caller.key) is None


def test_again_after_the_conversation_is_gone_starts_the_call_at_the_menu(caller, flow, dynamodb):
    walk(caller, flow, until=("medicine", 0), lang="es")
    dynamodb.delete_item(TableName=TABLE, Key={"pk": {"S": caller.key}})    # the call's session is gone
    again = sealed_path(caller.settings, STAGE + "/voice/answer", **{**caller.current.place, "again": "1"})
    turn = caller.press("1", action=again)
    assert caller.at_menu
    assert turn.last.tags == ["Gather", "Redirect"]
    caller.choose("es")
    assert stored_lang(dynamodb, caller) == "es"


# --- asking for the other language mid-call ----------------------------------------------------

@pytest.mark.parametrize("place", [("topic", 0), ("red_flags", 2), ("medicine", 0)])
def test_saying_espanol_mid_call_goes_on_in_spanish_with_the_answers_kept(caller, flow, dynamodb, place):
    walk(caller, flow, until=place)
    before = stored_state(dynamodb, caller.key)[1]
    caller.locale = ES
    turn = caller.say("español")
    _version, state = stored_state(dynamodb, caller.key)
    assert state["lang"] == "es" and state["answers"] == before["answers"] and state["node"] == before["node"]
    assert turn.last.place["q"] == place[0] and turn.last.place["l"] == "es"
    assert int(turn.last.place.get("i", "0")) == place[1]            # a list goes on at the same item
    question = question_of(flow, place[0], "es")
    prompt = turn.last.prompt()
    assert prompt.startswith(question.prompt) if place[1] == 0 else \
        prompt == vtext(flow, "item", "es").format(choice=question.choices[place[1]])
    caller.locale = LOCALE
    back = caller.say("English")
    assert stored_lang(dynamodb, caller) == "en" and "l" not in back.last.place
