"""`triage-line validate`: a good flow passes, and each deliberately broken flow in
tests/flows/broken/ is rejected for the one reason its name gives, and no other.

Every broken flow is tests/flows/minimal.json with one edit (its
provenance.review.note says which); tests/flows/broken/EXPECTED.json gives the
issue codes the validator must find in it, and no others."""
from __future__ import annotations

import contextlib
import copy
import io
import json
import re
from pathlib import Path

import pytest

from handler.channels.sms.rendering import MAX_SEGMENTS
from handler.channels.sms.segments import encoding, segments
from handler.checks import safety_walk, validation
from handler.checks.issues import Report
from handler.checks.rules import check_structure
from handler.checks.validation import validate
from handler.core.flow import parse_flow
from handler.infra.flow_files import (
    CONCEPTS_FILE,
    FLOWS_DIR,
    load_concepts,
    read_json,
    schema_problems,
    schema_validator,
)
from handler.tools import cli
from tests.paths import TESTS_DIR

TEST_FLOWS = TESTS_DIR / "flows"
MINIMAL = TEST_FLOWS / "minimal.json"
BROKEN = TEST_FLOWS / "broken"
REAL_FLOW = FLOWS_DIR / "muscle-spasms.json"
EXPECTED = {name: set(codes)
            for name, codes in json.loads((BROKEN / "EXPECTED.json").read_text(encoding="utf-8")).items()
            if not name.startswith("_")}


def validate_one(path: Path) -> Report:
    [report] = validate([path], FLOWS_DIR)
    return report


def validated_by_the_command(path: Path) -> tuple[int, list[str], Report]:
    """`triage-line validate FILE`: what the command returned and printed, and the report
    it printed from (one validation serves the command's tests and the report's)."""
    real_validate, reports = validation.validate, []

    def keeping_the_report(paths, flows_dir):
        reports.extend(real_validate(paths, flows_dir))
        return reports

    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.setattr(validation, "validate", keeping_the_report)   # the command imports it when run
        returned = cli.main(["validate", str(path)])
    [report] = reports
    return returned, printed.getvalue().splitlines(), report


@pytest.fixture(scope="module")
def real_run() -> tuple[int, list[str], Report]:
    """The real flow validated once (the longest check here)."""
    return validated_by_the_command(REAL_FLOW)


@pytest.fixture(scope="module")
def real_report(real_run) -> Report:
    return real_run[2]


@pytest.fixture(scope="module")
def broken_runs() -> dict[str, tuple[int, list[str], Report]]:
    """Each broken flow validated once, by the command."""
    return {name: validated_by_the_command(BROKEN / name) for name in EXPECTED}


# --- flows that must pass ---------------------------------------------------------------------

def test_minimal_flow_validates_ok():
    report = validate_one(MINIMAL)
    assert report.problems == []
    assert report.ok


def test_real_flow_validates_ok(real_report):
    assert real_report.problems == []
    assert real_report.ok


def test_real_flow_report_counts_nodes_paths_and_reply_size(real_report):
    assert real_report.nodes == len(read_json(REAL_FLOW)["nodes"]) > 0
    assert real_report.paths > 0
    assert real_report.longest_turns > 0 and real_report.longest_messages > 0
    assert real_report.messages, "the report lists no messages, so nothing about SMS cost was checked"
    budgets = read_json(REAL_FLOW)["sms"]["max_segments"]
    for sent in real_report.messages:
        assert sent.segments <= budgets[sent.language], sent
    assert max(sent.segments for sent in real_report.messages if sent.language == "en") <= MAX_SEGMENTS


def test_every_english_message_the_real_flow_can_send_is_gsm7(real_report):
    english = [sent for sent in real_report.messages if sent.language == "en"]
    assert english
    for text, enc, count, _lang in english:
        assert enc == "GSM-7", f"UCS-2 message: {text!r}"
        assert encoding(text) == "GSM-7"
        assert count == segments(text)


def test_every_message_is_counted_in_its_own_encoding(real_report):
    for text, enc, count, _lang in real_report.messages:
        assert (enc, count) == (encoding(text), segments(text))


# --- the broken flows ------------------------------------------------------------------------

def test_manifest_covers_every_broken_flow_and_nothing_else():
    on_disk = {path.name for path in BROKEN.glob("*.json")} - {"EXPECTED.json"}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_flow_is_rejected_for_its_one_reason(name, broken_runs):
    path = BROKEN / name
    report = broken_runs[name][2]
    assert not report.ok, f"{name} passed validation"
    for line in report.problems:
        assert line.startswith(f"{path}: "), f"problem line does not name the file: {line}"
    assert report.codes == EXPECTED[name], f"{name} failed for another reason: {report.problems}"


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if n != "not-json.json"))
def test_broken_flow_is_a_flow_of_its_own(name):
    """Each broken file is identified by its name, so a failure points at the right fixture."""
    data = read_json(BROKEN / name)
    assert data["id"] == name.removesuffix(".json")


def test_walk_undertriage_passes_every_structural_rule_and_only_the_walk_catches_it():
    path = BROKEN / "walk-undertriage.json"
    data = read_json(path)
    concepts = load_concepts(FLOWS_DIR / CONCEPTS_FILE)
    assert schema_problems(data, schema_validator()) == []
    assert check_structure(parse_flow(data, concepts, source=str(path))) == []

    walked = safety_walk.walk(parse_flow(data, concepts, source=str(path)), "en")
    assert walked.problems
    assert all("below routine" in problem for problem in walked.problems)
    assert {issue.code for issue in walked.issues} == {"walk-undertriage"}


def test_safety_walk_finds_nothing_wrong_with_the_minimal_flow():
    concepts = load_concepts(FLOWS_DIR / CONCEPTS_FILE)
    walked = safety_walk.walk(parse_flow(read_json(MINIMAL), concepts), "en")
    assert walked.problems == []
    # every outcome a patient can answer their way to was actually reached
    assert {"emergency", "call_doctor", "routine_advice", "self_care_advice", "out_of_scope"} <= walked.outcomes


def test_safety_walk_catches_a_red_flag_that_does_not_end_the_conversation():
    """An earlier choice's `next` wins over the red flag's own, so "1 2" asks another question.
    Every structural rule passes (the red flag choice itself goes to emergency advice)."""
    data = copy.deepcopy(read_json(MINIMAL))
    data["nodes"]["red_flags"]["choices"].insert(
        0, {"text": {"en": "They came after exercise"}, "concept": "context.exercise", "next": "back_pain"})
    concepts = load_concepts(FLOWS_DIR / CONCEPTS_FILE)
    assert check_structure(parse_flow(data, concepts)) == []

    walked = safety_walk.walk(parse_flow(data, concepts), "en")
    assert "[en] > topic=1 > red_flags=1 2: a red flag was reported but the reply is not emergency advice" \
        in walked.problems


def test_a_flow_that_gives_advice_before_any_question_is_walked_not_crashed(tmp_path):
    """A schema-valid flow whose start is an outcome (say, a line that is closed) has one path with
    no answers. The walk used to crash on it (AttributeError) instead of checking it."""
    data = copy.deepcopy(read_json(MINIMAL))
    data["start"] = "out_of_scope"
    data["nodes"] = {node_id: data["nodes"][node_id] for node_id in ("out_of_scope", "call_doctor", "emergency")}
    data["vocabulary"] = str(MINIMAL.with_name(data["vocabulary"]))   # the copy is elsewhere: name it whole
    path = tmp_path / "no-questions.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    report = validate_one(path)
    assert report.problems == []
    assert (report.paths, report.longest_turns) == (1, 1)


def _minimal_with_pattern_as_dead_end() -> dict:
    data = copy.deepcopy(read_json(MINIMAL))
    del data["nodes"]["pattern"]["next"]   # an all-that-apply question with nowhere to go after it
    return data


def test_dead_end_cannot_be_written_in_a_flow_file_because_the_schema_rejects_it():
    """Why there is no broken/dead-end.json: every non-outcome node must name where it goes next,
    so a file with a dead end fails the schema before the dead-end rule is reached."""
    problems = schema_problems(_minimal_with_pattern_as_dead_end(), schema_validator())
    assert any(problem.startswith("at nodes/pattern:") for problem in problems)


def test_dead_end_rule_still_reports_one_if_the_schema_lets_it_through():
    report = Report(file="dead-end")
    report.issues.extend(check_structure(parse_flow(_minimal_with_pattern_as_dead_end(),
                                                    load_concepts(FLOWS_DIR / CONCEPTS_FILE))))
    assert "dead-end: node pattern: dead end: leads nowhere and gives no advice" in report.problems
    assert "dead-end" in report.codes


# --- the CLI ---------------------------------------------------------------------------------

OK_LINE = re.compile(r"^ok (?P<file>\S+): (?P<nodes>\d+) nodes, (?P<paths>\d+) answer paths, .*"
                     r"longest reply (?P<longest>\d+) segments$")


def test_cli_validate_prints_ok_and_returns_0_for_the_real_flow(real_run, flow):
    returned, lines, _report = real_run
    assert returned == 0
    assert len(lines) == 1
    match = OK_LINE.match(lines[0])
    assert match, lines[0]
    assert match["file"] == str(REAL_FLOW)
    assert int(match["nodes"]) > 0 and int(match["paths"]) > 0
    assert 1 <= int(match["longest"]) <= max(flow.max_segments(lang) for lang in flow.languages)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_cli_validate_prints_one_line_per_problem_and_returns_1_for_a_broken_flow(name, broken_runs):
    path = BROKEN / name
    returned, lines, report = broken_runs[name]
    assert returned == 1
    assert lines == report.problems
    assert lines and all(line.startswith(f"{path}: ") for line in lines)
    assert report.codes == EXPECTED[name]


def test_cli_validate_reports_each_file_and_fails_if_any_fails(capsys):
    broken = BROKEN / "dangling-next.json"
    assert cli.main(["validate", str(MINIMAL), str(broken)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert OK_LINE.match(lines[0]) and lines[0].startswith(f"ok {MINIMAL}: ")
    assert lines[1].startswith(f"{broken}: ")


@pytest.mark.parametrize("lang, kind, word", [("es", "no", "PARAR"), ("es", "yes", "ayuda"), ("en", "none", "stop")])
def test_a_keyword_that_is_also_an_answer_is_reported(lang, kind, word):
    """PARAR or AYUDA taken as an answer would opt out or help instead: each language apart."""
    data = copy.deepcopy(read_json(REAL_FLOW))
    data["answer_words"].setdefault(kind, {}).setdefault(lang, []).append(word)
    concepts = load_concepts(FLOWS_DIR / CONCEPTS_FILE)
    issues = [issue for issue in check_structure(parse_flow(data, concepts)) if issue.code == "keyword-is-an-answer"]
    assert [(issue.where, issue.language) for issue in issues] == [(f"answer_words {kind}", lang)]
