"""Properties of free text at every place of a conversation (hypothesis): any
message holding an undenied emergency or red-flag phrase, with noise of any
script around it (punctuation, symbols, emoji, format characters, case, filler
words, one typo), ends in emergency advice at every question, while confirming
and after the advice; plain cramp talk and denials do not; no text raises."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handler.checks.free_text_walk import places
from handler.checks.vocabulary import spoken_form, with_one_typo
from handler.core import engine
from handler.core.events import Event
from tests.paths import TESTS_DIR

NOISE = st.text(st.characters(categories=("Po", "Ps", "Pe", "Pi", "Pf", "Pd", "Pc", "Sm", "Sc", "Sk", "So", "Cf",
                                          "Zs")), max_size=4)
FILLERS = st.sampled_from(["", "ok so", "um", "hi", "pls help", "lol", "and", "also", "right now", "today"])


@pytest.fixture(scope="module")
def acting(flow):
    """(concept, phrase) for every clear phrase of every emergency and red flag."""
    return [(concept, phrase) for concept in flow.checks_by_concept
            for phrase in flow.vocabulary.words(concept, "en").clear]


@pytest.fixture(scope="module")
def where(flow):
    return list(places(flow, "en"))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), before=NOISE, after=NOISE, lead=FILLERS, tail=FILLERS, shout=st.booleans(),
       typo=st.booleans())
def test_an_undenied_emergency_phrase_in_any_noise_ends_in_emergency_anywhere(
        flow, acting, where, data, before, after, lead, tail, shout, typo):
    concept, phrase = data.draw(st.sampled_from(acting))
    said = spoken_form(phrase, "en")
    if typo:
        said = with_one_typo(said, flow.reader("en").is_known) or said
    text = f"{lead} {before}{said.upper() if shout else said}{after} {tail}"
    place, state = data.draw(st.sampled_from(where))
    step = engine.step(flow, state, text)
    assert step.event == Event.EMERGENCY, (concept, text, place)
    assert engine.start(flow, "en", text).event == Event.EMERGENCY, (concept, text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), text=st.text(max_size=200))
def test_no_text_raises_anywhere(flow, where, data, text):
    _place, state = data.draw(st.sampled_from(where))
    step = engine.step(flow, state, text)
    assert step.replies


def benign():
    return json.loads((TESTS_DIR / "fixtures" / "benign-messages.json").read_text(encoding="utf-8"))["en"]


def denials():
    return json.loads((TESTS_DIR / "fixtures" / "denials.json").read_text(encoding="utf-8"))["en"]


@pytest.mark.parametrize("text", benign())
def test_plain_cramp_talk_is_no_emergency(flow, text):
    assert engine.start(flow, "en", text).event != Event.EMERGENCY


@pytest.mark.parametrize("entry", denials(), ids=lambda e: e["text"][:40])
def test_a_denial_reports_nothing_it_denies(flow, entry):
    reading = flow.reader("en").read(entry["text"])
    assert not set(entry["denies"]) & set(reading.clear)
    assert engine.start(flow, "en", entry["text"]).event != Event.EMERGENCY
