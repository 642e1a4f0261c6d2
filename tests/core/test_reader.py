"""The free-text reader on a small vocabulary of its own: phrases, gaps, typos,
denials, hedges and clause breaks. The real vocabulary is proved by the
validator (tests/checks) and the free-text vignettes."""
import json
import subprocess
import sys

import pytest

from handler.core.answers import normalize
from handler.core.reader import ConceptRules, Reader
from handler.core.vocabulary import parse_vocabulary
from tests.paths import REPO

VOCABULARY = {
    "version": "1.0.0", "languages": ["en"], "review": {"en": {"status": "draft"}},
    "concepts": {
        "red_flag.dark_urine": {"en": {"clear": ["pee * dark", "dark pee", "pee * like cola"],
                                       "denied": ["pee is normal"]}},
        "red_flag.bladder_bowel_control": {"en": {"clear": ["cant hold my pee", "peeing myself"],
                                                  "denied": ["can hold my pee"]}},
        "emergency.chest_pain": {"en": {"clear": ["chest pain"], "possible": ["chest"]}},
        "emergency.self_harm": {"en": {"clear": ["kill myself"], "possible": ["suicidal"]}},
        "pattern.wakes_from_sleep": {"en": {"clear": ["wake me up", "wakes me"]}},
    },
    "negation": {"en": {"cues": ["no", "not", "never", "dont"], "hedges": ["maybe", "i think", "a bit"],
                        "fillers": ["my", "any", "is", "was", "have"], "clause_breaks": ["but"]}},
}
RULES = {"emergency.self_harm": ConceptRules(hedged_is_clear=True, asks_when_denied=True)}


@pytest.fixture(scope="module")
def reader():
    return Reader.from_vocabulary(parse_vocabulary(VOCABULARY), "en", RULES)


@pytest.mark.parametrize("text, clear", [
    ("my pee is dark brown like cola", {"red_flag.dark_urine"}),
    ("pee looks kind of dark", {"red_flag.dark_urine"}),            # a gap of three words
    ("PEEING MYSELF", {"red_flag.bladder_bowel_control"}),
    ("peeing mysefl", {"red_flag.bladder_bowel_control"}),          # one edit on a long word
    ("chest pian", {"emergency.chest_pain"}),                       # a swap on a four-letter word
    ("they wake me up every night", {"pattern.wakes_from_sleep"}),
    ("no chest pain but my pee is dark", {"red_flag.dark_urine"}),  # a denial stays in its clause
    ("i might kill myself", {"emergency.self_harm"}),               # hedged, but clear for this one
])
def test_reports_what_is_said_plainly(reader, text, clear):
    assert set(reader.read(text).clear) == clear


@pytest.mark.parametrize("text, denied", [
    ("no chest pain, just cramps", "emergency.chest_pain"),
    ("pee is not dark", "red_flag.dark_urine"),                     # a cue inside the gap
    ("i can hold my pee fine", "red_flag.bladder_bowel_control"),   # a declared denial form
    ("my pee is normal", "red_flag.dark_urine"),
])
def test_denials_report_nothing(reader, text, denied):
    reading = reader.read(text)
    assert not reading and reading.denied == (denied,)


@pytest.mark.parametrize("text, possible", [
    ("i think my pee was a bit dark", "red_flag.dark_urine"),
    ("my chest", "emergency.chest_pain"),
    ("not suicidal", "emergency.self_harm"),                        # denied, but still asked
])
def test_unsure_words_are_possible(reader, text, possible):
    reading = reader.read(text)
    assert reading.possible == (possible,) and not reading.clear


def test_a_plain_finding_wins_over_a_denial_elsewhere(reader):
    reading = reader.read("no dark pee. wait actually my pee is dark")
    assert reading.clear == ("red_flag.dark_urine",)


def test_typos_never_make_a_denial(reader):
    assert reader.read("i cna hold my pee").denied == ()


@pytest.mark.parametrize("text", ["chess pain", "pea is dark", "peeing", "cheap"])
def test_near_words_that_are_not_typos(reader, text):
    assert not reader.read(text).clear


@pytest.mark.parametrize("noise", ["\u2014", "\u201c", "\u201d", "\u200b", "\u200f", "\u2026", "\U0001f62d",
                                   "\u3002", "\u2019", "\u00a0"])
def test_unicode_punctuation_and_format_characters_break_words(reader, noise):
    assert reader.read(f"{noise}chest pain{noise}").clear == ("emergency.chest_pain",)


@pytest.mark.parametrize("text, words", [
    ("I can\u2019t breathe\u2014help", "i cant breathe help"),
    ("\u201cchest pain\u201d", "chest pain"),
    ("chest\u200bpain\u200f", "chest pain"),
    ("Me caí, ¿qué hago?", "me caí qué hago"),
    ("Привет, мир", "привет мир"),
])
def test_normalize_keeps_letters_of_every_script(text, words):
    assert normalize(text) == words


def test_a_common_word_is_checked_for_typos_as_the_reader_sees_it_without_accents():
    from handler.checks.typo_collisions import collisions
    # "lesión" is read as "lesion", a word of its own: never a typo of anything
    spanish = Reader.from_vocabulary(parse_vocabulary({
        **VOCABULARY, "languages": ["es"], "review": {"es": {"status": "draft"}},
        "concepts": {"red_flag.spasticity_after_injury": {"es": {"clear": ["lesion de espalda"],
                                                                 "possible": ["lesion"]}}},
        "negation": {"es": {"cues": ["no"], "hedges": [], "fillers": [], "clause_breaks": []}}}), "es")
    assert dict(collisions(spanish, ["lesión", "lección", "legión"])) == {"legión": ("lesion",)}


def test_a_typed_word_longer_than_any_phrase_word_by_two_is_no_typo_of_one(reader):
    """One edit changes a word's length by one at most: so longer words are not looked up
    (a 100,000-letter "word" once took seconds to read, making every one-letter deletion)."""
    assert reader.spelled_like("peeingg") == ("peeing",)       # one letter more than a phrase word
    assert reader.spelled_like("myselfff") == ()                # two more
    assert reader.read("x" * 100_000 + " chest pain").clear == ("emergency.chest_pain",)


def test_findings_said_in_the_same_words_come_in_one_order_whatever_the_hash_seed():
    """Two phrases matched where the same words start are read in the phrases' order, not in
    the order a set of words happens to give (which varies with each process's hash seed):
    the validator's process and the line's then read a message alike."""
    vocabulary = {**VOCABULARY, "concepts": {
        "pattern.b_cramp": {"en": {"clear": ["leg cramp"]}},
        "pattern.a_calf": {"en": {"clear": ["leg cramp at night"]}},
        "pattern.c_night": {"en": {"clear": ["leg"]}}}}
    script = ("import json, sys; from handler.core.reader import Reader; "
              "from handler.core.vocabulary import parse_vocabulary; "
              "r = Reader.from_vocabulary(parse_vocabulary(json.loads(sys.argv[1])), 'en'); "
              "print(r.read('leg cramp at night').clear)")
    seen = {subprocess.run([sys.executable, "-c", script, json.dumps(vocabulary)], cwd=REPO,
                           env={"PYTHONHASHSEED": str(seed), "PYTHONPATH": str(REPO)}, capture_output=True,
                           text=True, check=True).stdout.strip() for seed in range(6)}
    assert seen == {"('pattern.a_calf', 'pattern.b_cramp', 'pattern.c_night')"}
