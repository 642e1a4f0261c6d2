"""Every voice vignette (the sample file's and tests/vignettes/voice.json) reaches its
expected disposition through `triage-line vignettes FILE`: signed webhooks into the
app, the call followed as Twilio would, sessions in the embedded DynamoDB."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from handler.tools.cli import main
from tests.paths import TESTS_DIR

SAMPLE = TESTS_DIR / "vignettes" / "sample.json"   # the clinical team's sample vignettes, kept in the repository
VOICE = TESTS_DIR / "vignettes" / "voice.json"
SUMMARY = re.compile(r"^total (\d+), correct (\d+), undertriaged (\d+), overtriaged (\d+), none (\d+)$")


@pytest.fixture
def local_env(monkeypatch):
    """The embedded DynamoDB with fake credentials; nothing can reach a real AWS account."""
    for name in ("DYNAMODB_ENDPOINT_URL", "AWS_PROFILE", "NURSE_LINE_NUMBER", "PUBLIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_SESSION_TOKEN", "testing"), ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)


def run(path: Path, capsys) -> tuple[list[dict], str]:
    capsys.readouterr()
    assert main(["vignettes", str(path)]) == 0
    captured = capsys.readouterr()
    results = [json.loads(line) for line in captured.out.splitlines() if line.strip()]
    summary = captured.err.strip().splitlines()[-1]
    return results, summary


def check(vignettes: list[dict], results: list[dict], summary: str) -> None:
    assert [r["id"] for r in results] == [v["id"] for v in vignettes]
    wrong = [(r["id"], r["disposition"], r["expected"]) for r in results if r["disposition"] != r["expected"]]
    assert wrong == []
    match = SUMMARY.match(summary)
    assert match, summary
    total, correct, under, over, none = map(int, match.groups())
    assert (total, correct, under, over, none) == (len(vignettes), len(vignettes), 0, 0, 0)
    for vignette, result in zip(vignettes, results, strict=False):
        said = [t["text"] for t in result["transcript"] if t["from"] == "patient"]
        assert result["turns"] == len(said) > 0
        assert result["segments"] == 0                          # a call sends no SMS
        volunteered = (vignette.get("volunteer") or {}).get("text")
        answers = [s for s in said if s != volunteered]
        if vignette.get("input", "dtmf") == "dtmf":
            assert all(re.fullmatch(r"[0-9]", s) for s in answers), said
        else:
            assert not any(re.fullmatch(r"[0-9*#]", s) for s in answers), said
        if volunteered:
            assert volunteered in said
        heard = [t["text"] for t in result["transcript"] if t["from"] == "line"]
        if result["expected"] == "emergency":
            assert any("911" in h for h in heard)


def test_the_sample_voice_vignettes(local_env, capsys, tmp_path):
    voice = [v for v in json.loads(SAMPLE.read_text(encoding="utf-8")) if v.get("channel") == "voice"]
    ids = {v["id"] for v in voice}
    assert {"P10", "P11"} <= ids
    assert {v.get("input", "dtmf") for v in voice} == {"dtmf", "speech"}
    copy = tmp_path / "sample-voice.json"
    copy.write_text(json.dumps(voice), encoding="utf-8")
    results, summary = run(copy, capsys)
    check(voice, results, summary)
    print(f"\nsample voice vignettes: {summary}")


def test_the_project_voice_vignettes(local_env, capsys):
    vignettes = json.loads(VOICE.read_text(encoding="utf-8"))
    assert all(v["channel"] == "voice" for v in vignettes)
    assert len({v["id"] for v in vignettes}) == len(vignettes)
    inputs = {v.get("input", "dtmf") for v in vignettes}
    assert inputs == {"dtmf", "speech"}
    assert {v["expected"] for v in vignettes} == {"emergency", "urgent", "routine", "self_care"}
    assert any(v.get("input") == "speech" and v.get("volunteer") and v["expected"] == "emergency"
               for v in vignettes), "a volunteered emergency by speech"
    results, summary = run(VOICE, capsys)
    check(vignettes, results, summary)
    with capsys.disabled():
        print(f"\nvoice vignettes ({VOICE.name}): {summary}")


# --- the same vignettes in Spanish: the caller picks Spanish at the language menu ------------

def spanish(vignettes: list[dict]) -> list[dict]:
    return [{**v, "language": "es"} for v in vignettes]


def check_spanish(vignettes: list[dict], results: list[dict], summary: str) -> None:
    """The same dispositions as in English (every one as expected), none undertriaged; the
    caller answered the menu in Spanish and, unless it said English words, stayed in Spanish."""
    check(vignettes, results, summary)
    for vignette, result in zip(vignettes, results, strict=True):
        said = [t["text"] for t in result["transcript"] if t["from"] == "patient"]
        speech = vignette.get("input", "dtmf") == "speech"
        assert said[0] == ("español" if speech else "9"), said
        heard = [t["text"] for t in result["transcript"] if t["from"] == "line"]
        assert heard[:2] == ["For English, press 1, or say English.", "Para español, oprima 9, o diga español."]
        if "volunteer" not in vignette:
            assert result["language"] == "es", vignette["id"]
            assert heard[2].startswith("Le damos la bienvenida")
            if speech:
                assert not {"yes", "no thanks"} & {s.lower() for s in said}
                assert any(s in ("sí", "no") for s in said), said
        else:
            assert result["language"] in ("es", "en")


def test_the_sample_voice_vignettes_in_spanish(local_env, capsys, tmp_path):
    voice = spanish([v for v in json.loads(SAMPLE.read_text(encoding="utf-8")) if v.get("channel") == "voice"])
    copy = tmp_path / "sample-voice-es.json"
    copy.write_text(json.dumps(voice, ensure_ascii=False), encoding="utf-8")
    results, summary = run(copy, capsys)
    check_spanish(voice, results, summary)


def test_the_project_voice_vignettes_in_spanish(local_env, capsys, tmp_path):
    vignettes = spanish(json.loads(VOICE.read_text(encoding="utf-8")))
    copy = tmp_path / "voice-es.json"
    copy.write_text(json.dumps(vignettes, ensure_ascii=False), encoding="utf-8")
    results, summary = run(copy, capsys)
    check_spanish(vignettes, results, summary)
    with capsys.disabled():
        print(f"\nvoice vignettes in Spanish ({VOICE.name}, language es): {summary}")
