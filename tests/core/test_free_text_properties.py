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
FILLERS = {"en": st.sampled_from(["", "ok so", "um", "hi", "pls help", "lol", "and", "also", "right now", "today"]),
           "es": st.sampled_from(["", "oiga", "este", "hola", "ayuda porfa", "jaja", "y", "tambien", "ahorita",
                                  "hoy"])}
LANGUAGES = ("en", "es")


@pytest.fixture(scope="module", params=LANGUAGES)
def lang(request):
    return request.param


@pytest.fixture(scope="module")
def acting(flow, lang):
    """(concept, phrase) for every clear phrase of every emergency and red flag."""
    return [(concept, phrase) for concept in flow.checks_by_concept
            for phrase in flow.vocabulary.words(concept, lang).clear]


@pytest.fixture(scope="module")
def where(flow, lang):
    return list(places(flow, lang))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), before=NOISE, after=NOISE, shout=st.booleans(), typo=st.booleans())
def test_an_undenied_emergency_phrase_in_any_noise_ends_in_emergency_anywhere(
        flow, lang, acting, where, data, before, after, shout, typo):
    concept, phrase = data.draw(st.sampled_from(acting))
    lead, tail = data.draw(FILLERS[lang]), data.draw(FILLERS[lang])
    said = spoken_form(phrase, lang)
    if typo:
        said = with_one_typo(said, flow.reader(lang).is_known) or said
    text = f"{lead} {before}{said.upper() if shout else said}{after} {tail}"
    place, state = data.draw(st.sampled_from(where))
    step = engine.step(flow, state, text)
    assert step.event == Event.EMERGENCY, (concept, text, place)
    assert engine.start(flow, lang, text).event == Event.EMERGENCY, (concept, text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), text=st.text(max_size=200))
def test_no_text_raises_anywhere(flow, where, data, text):
    _place, state = data.draw(st.sampled_from(where))
    step = engine.step(flow, state, text)
    assert step.replies


def by_language(name: str) -> list[tuple[str, object]]:
    """(language, entry) for each entry of a fixture file keyed by language."""
    data = json.loads((TESTS_DIR / "fixtures" / name).read_text(encoding="utf-8"))
    return [(lang, entry) for lang in LANGUAGES for entry in data[lang]]


@pytest.mark.parametrize("lang, text", by_language("benign-messages.json"))
def test_plain_cramp_talk_is_no_emergency(flow, lang, text):
    assert engine.start(flow, lang, text).event != Event.EMERGENCY
    assert not any(flow.scanner(each).scan(text).clear for each in flow.languages)   # in neither language


@pytest.mark.parametrize("lang, entry", by_language("denials.json"), ids=lambda e: str(e)[:40])
def test_a_denial_reports_nothing_it_denies(flow, lang, entry):
    reading = flow.reader(lang).read(entry["text"])
    assert not set(entry["denies"]) & set(reading.clear)
    assert engine.start(flow, lang, entry["text"]).event != Event.EMERGENCY
