"""Scripted patients who say their findings in words (tests/vignettes/free-text.json
and emergency-phrasings.json, and their Spanish es-free-text.json and
es-emergency-phrasings.json), through the real webhook path, in each language: every red flag or
emergency said in words ends in emergency advice, at least 95% of the other
findings said in words are understood (recorded as findings), and no whole first
message ends below its disposition. None of them logs or stores a phone number or a body
(tests/channels/privacy_watch.py). The figures are written to
build/free-text-summary.txt, which `make test` prints."""
from __future__ import annotations

import json

import pytest

from handler.core.disposition import RANK
from handler.tools.vignettes import summary
from tests.channels.privacy_watch import run_watched
from tests.flow_words import the_flow
from tests.paths import REPO, TESTS_DIR

FREE_TEXT = {"en": "free-text.json", "es": "es-free-text.json"}
PHRASINGS = {"en": "emergency-phrasings.json", "es": "es-emergency-phrasings.json"}
FILES = (*FREE_TEXT.values(), *PHRASINGS.values())
AT_LEAST = {"en": 200, "es": 100}          # scripted patients in each free-text file
UNDERSTOOD_AT_LEAST = 0.95


@pytest.fixture(scope="module")
def watched_runs():
    """Each file run once, watched for privacy too (the longest files: two runs cost much)."""
    runs = {}
    for name in FILES:
        cases = json.loads((TESTS_DIR / "vignettes" / name).read_text(encoding="utf-8"))
        results, problems = run_watched(cases)
        runs[name] = (cases, results, problems)
    return runs


@pytest.fixture(scope="module")
def runs(watched_runs):
    return {name: (cases, results) for name, (cases, results, _problems) in watched_runs.items()}


@pytest.mark.parametrize("name", FILES)
def test_the_free_text_patients_log_and_store_no_phone_number_call_id_or_body(watched_runs, name):
    """As tests/channels/test_privacy_all_vignettes.py asks of every other vignette file."""
    _cases, _results, problems = watched_runs[name]
    assert problems == []


def said_in_words(vignette: dict) -> list[str]:
    return [*vignette.get("opening_means", ()), *(vignette.get("volunteer") or {}).get("means", ())]


def acts_at_once(code: str) -> bool:
    return code in the_flow().checks_by_concept


def test_every_red_flag_or_emergency_said_in_words_ends_in_emergency(runs):
    missed = [(v["id"], r["disposition"]) for name in FILES for v, r in zip(*runs[name], strict=True)
              if any(acts_at_once(code) for code in said_in_words(v)) and r["disposition"] != "emergency"]
    assert missed == []


@pytest.mark.parametrize("lang", FREE_TEXT)
def test_other_findings_said_in_words_are_understood(runs, lang):
    vignettes, results = runs[FREE_TEXT[lang]]
    meant = [(code, r) for v, r in zip(vignettes, results, strict=True)
             for code in said_in_words(v) if not acts_at_once(code)]
    understood = [code for code, r in meant if code in r["findings"] or r["disposition"] == "emergency"]
    assert len(meant) >= 30
    assert len(understood) / len(meant) >= UNDERSTOOD_AT_LEAST, \
        [(code, r["id"]) for code, r in meant if code not in r["findings"]]


def test_no_whole_first_message_is_undertriaged(runs):
    under = [(v["id"], r["disposition"], v["expected"]) for name in FILES for v, r in zip(*runs[name], strict=True)
             if v.get("opening_means") and RANK.get(r["disposition"], -1) < RANK[v["expected"]]]
    assert under == []


@pytest.mark.parametrize("lang", FREE_TEXT)
def test_denials_are_not_taken_as_red_flags(runs, lang):
    """A vignette that denies red flags in words (and reports none) does not end in emergency."""
    vignettes, results = runs[FREE_TEXT[lang]]
    denials = [(v, r) for v, r in zip(vignettes, results, strict=True) if "-deny-" in v["id"]]
    assert len(denials) >= 18
    taken = [v["id"] for v, r in denials if v["expected"] != "emergency" and r["disposition"] == "emergency"]
    assert len(taken) <= len(denials) // 10, taken


def test_the_summary_is_written_for_make_test(runs):
    lines = [f"{name}: {summary(results)}" for name, (_vignettes, results) in runs.items()]
    out = REPO / "build" / "free-text-summary.txt"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for lang in FREE_TEXT:
        vignettes, results = runs[FREE_TEXT[lang]]
        correct = sum(r["disposition"] == r["expected"] for r in results)
        assert len(vignettes) >= AT_LEAST[lang] and correct / len(results) >= 0.95, lines
        _vignettes, emergencies = runs[PHRASINGS[lang]]
        assert all(r["disposition"] == "emergency" for r in emergencies), lines


def test_the_spanish_patients_speak_spanish(runs):
    for lang in FREE_TEXT:
        for name in (FREE_TEXT[lang], PHRASINGS[lang]):
            vignettes, results = runs[name]
            assert all(v.get("language", "en") == lang for v in vignettes), name
            wrong = [r["id"] for r in results if r["language"] != lang]
            assert len(wrong) <= len(results) // 50, (name, wrong)    # a patient may switch on purpose
