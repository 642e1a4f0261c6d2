"""Which language a message is in (handler.core.language), and how a conversation follows
the patient's language in the engine: pure, no store, no webhook."""
from __future__ import annotations

import pytest

from handler.core import engine
from handler.core.events import Event


@pytest.mark.parametrize(("text", "lang"), [
    ("HI", "en"), ("hello", "en"), ("", "en"), ("1", "en"), ("ok", "en"), ("my legs cramp at night", "en"),
    ("hola", "es"), ("Buenas noches", "es"), ("tengo calambres", "es"), ("ESPAÑOL", "es"), ("spanish", "es"),
    ("necesito ayuda por favor", "es"), ("me duelen las piernas en la noche", "es"),
])
def test_the_first_message_picks_the_language(flow, text, lang):
    assert flow.first_language(text) == lang


@pytest.mark.parametrize("text", ["1", "2 3", "0", "no", "si", "ok", "yes", "Zanaflex", "???", "😭"])
def test_a_short_answer_never_moves_a_conversation(flow, text):
    assert flow.language_after(text, "en") == "en"
    assert flow.language_after(text, "es") == "es"


def test_a_sentence_in_the_other_language_moves_it(flow):
    assert flow.language_after("tengo calambres en las piernas", "en") == "es"
    assert flow.language_after("my legs cramp every night", "es") == "en"
    assert flow.language_after("la pierna, the cramps are bad", "en") == "en"   # its own words: it stays


def test_asking_for_a_language_keeps_the_answers_and_asks_again(flow):
    state = engine.step(flow, engine.step(flow, engine.start(flow, "en").state, "1").state, "0").state
    switched = engine.step(flow, state, "Español")
    assert switched.event == Event.LANGUAGE
    assert switched.state["lang"] == "es"
    assert {**switched.state, "lang": "en"} == state
    assert switched.replies[-1].prompt == flow.question(state["node"]).text["es"]


def test_asking_for_a_language_after_the_advice_says_so_in_it(flow):
    state = engine.start(flow, "en").state
    for answer in ("1", "0", "3", "0", "no", "0"):
        state = engine.step(flow, state, answer).state
    assert state["done"]
    switched = engine.step(flow, state, "ESPANOL")
    assert switched.state["lang"] == "es" and switched.replies[-1].text == flow.text("finished", "es")


def test_ayuda_in_an_english_conversation_is_help_in_spanish(flow):
    helped = engine.step(flow, engine.start(flow, "en").state, "AYUDA")
    assert helped.event == Event.HELP and helped.state["lang"] == "es"
    assert helped.replies[0].text == flow.text("help", "es")


@pytest.mark.parametrize(("answer", "picked"), [("sí", (0,)), ("Si", (0,)), ("claro que sí", (0,)),
                                                ("no", (1,)), ("para nada", (1,)), ("no sé", None),
                                                ("a lo mejor", None), ("no estoy segura", None)])
def test_spanish_yes_no_and_not_sure(flow, answer, picked):
    from handler.core.answers import yes_or_no
    assert yes_or_no(answer, "es", flow.answer_words) == picked
