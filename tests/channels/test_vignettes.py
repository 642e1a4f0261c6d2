"""`triage-line vignettes FILE`: scripted patients through the real webhook path,
JSON Lines out as the clinical team's VIGNETTES.md specifies, a summary on stderr.

tests/vignettes/sample.json is a copy of the clinical team's sample; tests/vignettes/sms.json
holds this project's own SMS vignettes (every red flag, every urgent and routine
finding, out of scope, volunteered emergencies, negated and joking mentions)."""
from __future__ import annotations

import contextlib
import io
import json
import re

import pytest

from handler.channels.sms.segments import segments
from handler.infra import logs
from handler.tools import cli
from tests.channels.sms_helpers import TESTS_DIR, WEBHOOKS_FILE, advice_opening, first_sentence, the_flow

SAMPLE = TESTS_DIR / "vignettes" / "sample.json"
OWN = TESTS_DIR / "vignettes" / "sms.json"
CONCEPTS = TESTS_DIR.parent / "flows" / "concepts.json"
DISPOSITIONS = ("emergency", "urgent", "routine", "self_care", "none")
SUMMARY = re.compile(r"^total (\d+), correct (\d+), undertriaged (\d+), overtriaged (\d+), none (\d+)$")
RANK = {"self_care": 0, "routine": 1, "urgent": 2, "emergency": 3}


def run_cli(path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    level = logs.logger.level                  # the runner quiets the project's logger: put it back
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.delenv("DYNAMODB_ENDPOINT_URL", raising=False)   # the embedded DynamoDB, always
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = cli.main(["vignettes", str(path)])
    finally:
        logs.logger.setLevel(level)
    return code, out.getvalue(), err.getvalue()


class Run:
    def __init__(self, path):
        self.vignettes = json.loads(path.read_text(encoding="utf-8"))
        self.code, self.stdout, self.stderr = run_cli(path)
        self.results = [json.loads(line) for line in self.stdout.splitlines() if line.strip()]
        self.by_id = {r["id"]: r for r in self.results}
        self.sms = [v for v in self.vignettes if v.get("channel", "sms") == "sms"]

    def summary(self) -> tuple[int, ...]:
        lines = [line for line in self.stderr.splitlines() if SUMMARY.match(line)]
        assert len(lines) == 1, self.stderr
        return tuple(int(n) for n in SUMMARY.match(lines[0]).groups())


@pytest.fixture(scope="module")
def sample_run():
    return Run(SAMPLE)


@pytest.fixture(scope="module")
def own_run():
    return Run(OWN)


def check_format(run: Run) -> None:
    assert run.code == 0
    for line in run.stdout.splitlines():
        assert line.strip(), "no blank lines in JSON Lines"
        json.loads(line)
    ids_in = [v["id"] for v in run.vignettes]
    ids_out = [r["id"] for r in run.results]
    assert ids_out == [i for i in ids_in if i in set(ids_out)], "output keeps the input order"
    assert {v["id"] for v in run.sms} <= set(ids_out), "every SMS vignette has an output line"
    for vignette in run.sms:
        result = run.by_id[vignette["id"]]
        keys = ["id", "disposition", *(["expected"] if "expected" in vignette else []),
                "turns", "segments", "findings", "language", "transcript"]
        assert list(result) == keys
        assert result["language"] == vignette.get("language", "en")
        assert all(code in the_flow().dispositions for code in result["findings"])
        assert len(set(result["findings"])) == len(result["findings"])
        if "expected" in vignette:
            assert result["expected"] == vignette["expected"]
        assert result["disposition"] in DISPOSITIONS
        transcript = result["transcript"]
        assert isinstance(transcript, list) and transcript
        for turn in transcript:
            assert list(turn) == ["from", "text"] and turn["from"] in ("patient", "line")
            assert isinstance(turn["text"], str) and turn["text"]
        assert transcript[0] == {"from": "patient", "text": vignette.get("opening", "HI")}
        assert result["turns"] == sum(t["from"] == "patient" for t in transcript)
        assert result["segments"] == sum(segments(t["text"]) for t in transcript if t["from"] == "line")
        assert all(segments(t["text"]) <= 3 for t in transcript if t["from"] == "line")
        if "volunteer" in vignette:
            sent = [t["text"] for t in transcript if t["from"] == "patient"]
            assert vignette["volunteer"]["text"] in sent


def check_summary(run: Run) -> None:
    total, correct, under, over, none = run.summary()
    assert total == len(run.results)
    scored = [r for r in run.results if "expected" in r]
    assert correct == sum(r["disposition"] == r["expected"] for r in scored)
    assert under == sum(RANK.get(r["disposition"], -1) < RANK.get(r["expected"], -1)
                        for r in scored if r["disposition"] != "none")
    assert over == sum(RANK.get(r["disposition"], -1) > RANK.get(r["expected"], -1) for r in scored)
    assert none == sum(r["disposition"] == "none" for r in run.results)


# --- the shared sample -------------------------------------------------------------------

def test_sample_output_follows_the_format(sample_run):
    check_format(sample_run)


def test_every_sample_sms_vignette_reaches_its_expected_disposition(sample_run):
    assert sample_run.sms
    for vignette in sample_run.sms:
        result = sample_run.by_id[vignette["id"]]
        assert result["disposition"] == vignette["expected"], (vignette["id"], result["transcript"])


def test_sample_summary_line_on_stderr(sample_run):
    check_summary(sample_run)
    total, correct, under, over, none = sample_run.summary()
    sms_ids = {v["id"] for v in sample_run.sms}
    sms_results = [r for r in sample_run.results if r["id"] in sms_ids]
    assert sum(r["disposition"] == r["expected"] for r in sms_results) == len(sample_run.sms)
    assert under == 0                    # voice results, if any, never count as undertriage here


def test_sample_voice_vignettes_are_run_or_reported_skipped(sample_run):
    voice = [v["id"] for v in sample_run.vignettes if v.get("channel") == "voice"]
    assert voice
    skipped = "\n".join(line for line in sample_run.stderr.splitlines() if "skipped" in line)
    for vignette_id in voice:
        assert vignette_id in sample_run.by_id or vignette_id in skipped


def test_sample_emergency_opening_gets_911_first(sample_run):
    result = sample_run.by_id["P08"]
    first_reply = next(t["text"] for t in result["transcript"] if t["from"] == "line")
    assert "911" in first_sentence(first_reply)


# --- the project's own SMS vignettes -----------------------------------------------------

def test_own_output_follows_the_format(own_run):
    check_format(own_run)
    check_summary(own_run)


def test_every_own_vignette_reaches_its_expected_disposition(own_run):
    wrong = [(v["id"], v["expected"], own_run.by_id[v["id"]]["disposition"])
             for v in own_run.sms if "expected" in v
             and own_run.by_id[v["id"]]["disposition"] != v["expected"]]
    assert not wrong
    total, correct, under, over, none = own_run.summary()
    assert (under, over) == (0, 0)
    assert correct == sum("expected" in v for v in own_run.vignettes)


def test_out_of_scope_ends_with_no_disposition_and_911(own_run):
    result = own_run.by_id["S-out-of-scope"]
    assert result["disposition"] == "none"
    last = [t["text"] for t in result["transcript"] if t["from"] == "line"][-1]
    assert advice_opening("out_of_scope") in last
    assert "911" in last


def test_volunteered_emergencies_get_911_at_once(own_run):
    for vignette in own_run.sms:
        if vignette.get("expected") != "emergency" or "volunteer" not in vignette:
            continue
        transcript = own_run.by_id[vignette["id"]]["transcript"]
        said = vignette["volunteer"]["text"]
        at = max(i for i, t in enumerate(transcript) if t == {"from": "patient", "text": said})
        answer = transcript[at + 1]
        assert answer["from"] == "line"
        if "emergency.chest_pain" in vignette["present"] and "weird" in said:
            answer = transcript[at + 3]          # one confirming question, answered yes
        assert "911" in first_sentence(answer["text"]), (vignette["id"], answer)
        if any(w in said.lower() for w in ("kill myself", "end my life")):
            assert "988" in answer["text"]


def test_negated_and_joking_mentions_do_not_end_as_emergencies(own_run):
    for vignette_id in ("S-negated-opening", "S-negated-opening-routine", "S-negated-volunteer",
                        "S-joking-opening", "S-joking-volunteer-routine", "S-unsure-denied"):
        result = own_run.by_id[vignette_id]
        assert result["disposition"] != "emergency"
        for turn in result["transcript"]:
            if turn["from"] == "line":
                assert advice_opening("emergency_now") not in turn["text"]
                assert advice_opening("emergency_self_harm") not in turn["text"]


def test_own_vignettes_cover_every_finding(own_run):
    concepts = json.loads(CONCEPTS.read_text(encoding="utf-8"))["concepts"]
    present = set()
    for vignette in own_run.sms:
        present.update(vignette["present"])
    flow_findings = {c["code"] for c in concepts
                     if c["code"].split(".")[0] in ("red_flag", "tizanidine", "pattern", "condition", "context")}
    assert flow_findings <= present, sorted(flow_findings - present)
    # every finding with a disposition has a vignette of its own, expecting exactly that disposition
    for concept in concepts:
        if concept["code"] in flow_findings and concept["disposition"]:
            alone = [v for v in own_run.sms if concept["code"] in v["present"] and "volunteer" not in v
                     and set(v["present"]) <= {concept["code"], "tizanidine.taking"}]
            assert alone, concept["code"]
            assert all(v["expected"] == concept["disposition"] for v in alone), concept["code"]
    for kind in ("emergency", "urgent", "routine", "self_care"):
        assert any(v.get("expected") == kind for v in own_run.sms)
    assert any("volunteer" in v and v["volunteer"]["after"] >= 20 for v in own_run.sms), "after the advice"


# --- the copies kept in tests/ are whole (the tests never read outside the repository) ----

WEBHOOK_SETS = ("sms_incoming", "sms_incoming_stop_with_advanced_opt_out", "voice_incoming_call",
                "voice_gather_digits", "voice_gather_speech")


def whole_sample(data) -> None:
    assert isinstance(data, list) and data
    assert len({v["id"] for v in data}) == len(data), "vignette ids are unique"
    for vignette in data:
        assert isinstance(vignette["present"], list), vignette["id"]
        assert vignette.get("expected", "none") in DISPOSITIONS, vignette["id"]


def whole_webhooks(data) -> None:
    for name in WEBHOOK_SETS:                       # every parameter set the helpers post
        params = data[name]
        assert params["AccountSid"].startswith("AC") and params["From"].startswith("+"), name
    assert data["sms_incoming"]["Body"] and data["voice_gather_digits"]["Digits"]


@pytest.mark.parametrize("copy, check", [(SAMPLE, whole_sample), (WEBHOOKS_FILE, whole_webhooks)],
                         ids=["sample", "webhooks"])
def test_copies_of_the_shared_files_are_whole(copy, check):
    check(json.loads(copy.read_text(encoding="utf-8")))


# --- the same vignettes in Spanish ---------------------------------------------------------

def in_spanish(path, tmp_path_factory, name: str):
    """A copy of a vignette file with every vignette's language set to es (its SMS ones)."""
    vignettes = [{**v, "language": "es"} for v in json.loads(path.read_text(encoding="utf-8"))
                 if v.get("channel", "sms") == "sms"]
    copy = tmp_path_factory.mktemp("es") / name
    copy.write_text(json.dumps(vignettes, ensure_ascii=False), encoding="utf-8")
    return copy


def english_free_text(vignette: dict) -> bool:
    """The vignette says something in English words (its opening or volunteered text): the
    line may rightly go on in English from there."""
    return "opening" in vignette or "volunteer" in vignette


@pytest.fixture(scope="module")
def spanish_runs(tmp_path_factory):
    return {name: Run(in_spanish(path, tmp_path_factory, f"{name}-es.json"))
            for name, path in (("sample", SAMPLE), ("own", OWN))}


@pytest.mark.parametrize("name", ["sample", "own"])
def test_every_sms_vignette_in_spanish_gets_the_english_disposition(spanish_runs, sample_run, own_run, name):
    spanish, english = spanish_runs[name], {"sample": sample_run, "own": own_run}[name]
    assert spanish.code == 0 and spanish.sms
    check_summary(spanish)
    total, correct, under, over, none = spanish.summary()
    assert under == 0 and total == len(spanish.sms)
    for vignette in spanish.sms:
        result, same = spanish.by_id[vignette["id"]], english.by_id[vignette["id"]]
        assert result["disposition"] == same["disposition"], (vignette["id"], result["transcript"])
        assert result["findings"] == same["findings"], vignette["id"]
        assert list(result) == list(same)
        transcript = result["transcript"]
        assert transcript[0] == {"from": "patient", "text": vignette.get("opening", "HOLA")}
        assert result["segments"] == sum(segments(t["text"]) for t in transcript if t["from"] == "line")
        if not english_free_text(vignette):          # a Spanish patient all the way: a Spanish conversation
            assert result["language"] == "es", vignette["id"]
            assert any("¿" in t["text"] for t in transcript if t["from"] == "line"), vignette["id"]
            answers = [t["text"] for t in transcript[1:] if t["from"] == "patient"]
            assert "yes" not in answers, "a Spanish patient answers sí"
        else:
            assert result["language"] in ("es", "en")
