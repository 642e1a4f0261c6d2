"""Golden transcripts: whole conversations a clinician can read, replayed through the
engine. Each reply must match the transcript exactly, and the conversation must end
in the disposition the transcript names (the highest one reached)."""
import json

import pytest

from handler.channels.sms import rendering
from handler.core import engine
from handler.core.flow import RANK
from tests.paths import TESTS_DIR

TRANSCRIPTS = TESTS_DIR / "transcripts"
FILES = sorted(TRANSCRIPTS.glob("*.json"))
DISPOSITIONS = ("emergency", "urgent", "routine", "self_care", "none")


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def replay(flow, transcript):
    """The steps the engine takes for the transcript's patient messages."""
    turns = transcript["turns"]
    steps = [engine.start(flow, "en", turns[0]["patient"])]
    for turn in turns[1:]:
        steps.append(engine.step(flow, steps[-1].state, turn["patient"]))
    return steps


def reached(steps):
    """The highest disposition of any advice given, or 'none'."""
    dispositions = [step.outcome.disposition for step in steps if step.outcome and step.outcome.disposition]
    return max(dispositions, key=RANK.__getitem__) if dispositions else "none"


@pytest.fixture(scope="module")
def replayed(flow):
    """Every transcript by file name, with the steps the engine takes for it."""
    return {path.name: (load(path), replay(flow, load(path))) for path in FILES}


def test_there_are_transcripts():
    assert len(FILES) >= 20


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
    steps = replay(flow, transcript)
    for number, (turn, step) in enumerate(zip(transcript["turns"], steps, strict=False), 1):
        said = rendering.render(flow, "en", step.replies)
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


def test_every_disposition_has_a_transcript(replayed):
    assert {transcript["disposition"] for transcript, _steps in replayed.values()} == set(DISPOSITIONS)


def test_every_emergency_finding_is_shown_present(flow, replayed):
    """Each red flag and each general emergency ends some transcript with emergency advice."""
    emergencies = {code for code, disposition in flow.dispositions.items() if disposition == "emergency"}
    assert len({code for code in emergencies if code.startswith("red_flag.")}) == 6
    shown = set()
    for outcome in final_outcomes(replayed).values():
        if outcome is not None and outcome.disposition == "emergency":
            shown.update(outcome.findings)
    assert emergencies <= shown, f"no transcript shows {sorted(emergencies - shown)}"


def test_each_red_flag_has_its_own_transcript(flow, replayed):
    red_flags = {code for code in flow.dispositions if code.startswith("red_flag.")}
    alone = {outcome.findings[0] for outcome in final_outcomes(replayed).values()
             if outcome is not None and len(outcome.findings) == 1 and outcome.findings[0] in red_flags}
    assert alone == red_flags


def test_self_harm_transcript_gives_988_after_911(replayed):
    last_lines = [transcript["turns"][-1]["line"] for transcript, steps in replayed.values()
                  if steps[-1].outcome and "emergency.self_harm" in steps[-1].outcome.findings]
    assert last_lines
    for line in last_lines:
        said = " ".join(line)
        assert "911" in said and "988" in said and said.index("911") < said.index("988")


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
