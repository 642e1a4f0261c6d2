"""Golden transcripts: whole conversations a clinician can read, replayed through the
engine. Each reply must match the transcript exactly, and the conversation must end
in the disposition the transcript names (the highest one reached)."""
import json
from dataclasses import replace

import pytest

from handler.channels.sms import rendering
from handler.core import engine
from handler.core.decide import decide
from handler.core.flow import RANK
from handler.core.session import Session
from handler.core.state import language_of
from tests.paths import TESTS_DIR

TRANSCRIPTS = TESTS_DIR / "transcripts"
SPANISH = TRANSCRIPTS / "es"      # conversations in Spanish, as a Spanish-speaking patient has them
FILES = sorted(TRANSCRIPTS.glob("*.json")) + sorted(SPANISH.glob("*.json"))
DISPOSITIONS = ("emergency", "urgent", "routine", "self_care", "none")


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def language(path) -> str:
    return "es" if path.parent == SPANISH else "en"


def replay(flow, transcript):
    """The steps the engine takes for the transcript's patient messages."""
    turns = transcript["turns"]
    steps = [engine.start(flow, "en", turns[0]["patient"])]
    for turn in turns[1:]:
        steps.append(engine.step(flow, steps[-1].state, turn["patient"]))
    return steps


def replay_spanish(flow, transcript):
    """The Spanish ones go through decide, as the SMS line does: the first message picks
    the language, the opening offers the other one, AYUDA and ESPAÑOL are keywords.
    Each decision comes with the messages the patient reads."""
    session, said = Session("transcript"), []
    for turn in transcript["turns"]:
        decision = decide(flow, session, turn["patient"])
        session = replace(session, state=decision.state or session.state)
        said.append((decision, rendering.render(flow, language_of(session.state, "es"), decision.replies)))
    return said


def replay_said(flow, path, transcript):
    """(steps, the SMS messages of each) for a transcript in its language."""
    if language(path) == "es":
        pairs = replay_spanish(flow, transcript)
        return [step for step, _ in pairs], [messages for _, messages in pairs]
    steps = replay(flow, transcript)
    return steps, [rendering.render(flow, "en", step.replies) for step in steps]


def reached(steps):
    """The highest disposition of any advice given, or 'none'."""
    dispositions = [step.outcome.disposition for step in steps if step.outcome and step.outcome.disposition]
    return max(dispositions, key=RANK.__getitem__) if dispositions else "none"


@pytest.fixture(scope="module")
def replayed_all(flow):
    """Every transcript by language and file name, with the steps taken for it."""
    out: dict[str, dict] = {"en": {}, "es": {}}
    for path in FILES:
        transcript = load(path)
        out[language(path)][path.name] = (transcript, replay_said(flow, path, transcript)[0])
    return out


@pytest.fixture(scope="module")
def replayed(replayed_all):
    """The English transcripts (the Spanish ones are checked with `replayed_all`)."""
    return replayed_all["en"]


def test_there_are_transcripts():
    assert len([path for path in FILES if language(path) == "en"]) >= 20
    assert len([path for path in FILES if language(path) == "es"]) >= 11


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_transcript_is_readable(path):
    transcript = load(path)
    assert set(transcript) == {"title", "about", "turns", "disposition"}
    assert transcript["title"].strip()
    about = transcript["about"].strip()
    assert about.endswith(".") and ". " not in about, "about is one plain sentence"
    assert transcript["disposition"] in DISPOSITIONS
    assert transcript["turns"]
    for turn in transcript["turns"]:
        assert set(turn) == {"patient", "line"}
        assert isinstance(turn["patient"], str)
        assert turn["line"] and all(isinstance(message, str) and message for message in turn["line"])


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_transcript_replays_exactly(flow, path):
    transcript = load(path)
    steps, messages = replay_said(flow, path, transcript)
    for number, (turn, said) in enumerate(zip(transcript["turns"], messages, strict=False), 1):
        assert said == turn["line"], f"{path.name}, turn {number}, patient said {turn['patient']!r}"
    assert reached(steps) == transcript["disposition"]


# --- what the transcripts must cover, together --------------------------------------------------

def final_outcomes(replayed):
    """For each transcript, the last advice it reached (None if it reached none)."""
    outcomes = {}
    for name, (_transcript, steps) in replayed.items():
        ended = [step.outcome for step in steps if step.outcome]
        outcomes[name] = ended[-1] if ended else None
    return outcomes


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_disposition_has_a_transcript(replayed_all, lang):
    assert {transcript["disposition"] for transcript, _steps in replayed_all[lang].values()} == set(DISPOSITIONS)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_emergency_finding_is_shown_present(flow, replayed_all, lang):
    """Each red flag and each general emergency ends some transcript with emergency advice."""
    emergencies = {code for code, disposition in flow.dispositions.items() if disposition == "emergency"}
    assert len({code for code in emergencies if code.startswith("red_flag.")}) == 6
    shown = set()
    for outcome in final_outcomes(replayed_all[lang]).values():
        if outcome is not None and outcome.disposition == "emergency":
            shown.update(outcome.findings)
    assert emergencies <= shown, f"no transcript shows {sorted(emergencies - shown)}"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_each_red_flag_has_its_own_transcript(flow, replayed_all, lang):
    red_flags = {code for code in flow.dispositions if code.startswith("red_flag.")}
    alone = {outcome.findings[0] for outcome in final_outcomes(replayed_all[lang]).values()
             if outcome is not None and len(outcome.findings) == 1 and outcome.findings[0] in red_flags}
    assert alone == red_flags


@pytest.mark.parametrize("lang", ["en", "es"])
def test_self_harm_transcript_gives_988_after_911(replayed_all, lang):
    last_lines = [transcript["turns"][-1]["line"] for transcript, steps in replayed_all[lang].values()
                  if steps[-1].outcome and "emergency.self_harm" in steps[-1].outcome.findings]
    assert last_lines
    for line in last_lines:
        said = " ".join(line)
        assert "911" in said and "988" in said and said.index("911") < said.index("988")
        if lang == "es":
            assert "988 y oprima 2" in said      # 988's Spanish line


def test_spanish_transcripts_are_answered_in_spanish(replayed_all):
    for name, (_transcript, steps) in replayed_all["es"].items():
        languages = [step.state["lang"] for step in steps if step.state is not None]
        assert languages and languages[-1] == "es", name


@pytest.mark.parametrize("finding, disposition", [
    ("tizanidine.interacting_drug", "urgent"),
    ("tizanidine.wants_to_stop", "routine"),
    ("tizanidine.considering", "routine"),
])
def test_tizanidine_transcripts(replayed, finding, disposition):
    assert any(outcome is not None and finding in outcome.findings and outcome.disposition == disposition
               for outcome in final_outcomes(replayed).values())


@pytest.mark.parametrize("event", ["fallback", "restarted", "back", "help", "not_understood",
                                   "confirm_emergency"])
def test_transcripts_show_each_kind_of_turn(replayed, event):
    assert any(step.event == event for _transcript, steps in replayed.values() for step in steps)


def test_the_fallback_is_never_self_care(replayed):
    fallbacks = [step for _transcript, steps in replayed.values() for step in steps if step.event == "fallback"]
    assert fallbacks and all(step.outcome.disposition == "urgent" for step in fallbacks)


def test_a_denied_chest_pain_stays_self_care(flow, replayed):
    denied = [transcript for transcript, _steps in replayed.values()
              if any("no chest pain" in turn["patient"].lower() for turn in transcript["turns"])]
    assert denied and all(transcript["disposition"] == "self_care" for transcript in denied)


def test_an_emergency_after_advice_still_gets_emergency_advice(replayed):
    assert any(len([step for step in steps if step.outcome]) >= 2 and steps[-1].event == "emergency"
               for _transcript, steps in replayed.values())
