"""`triage-line validate`: everything that must hold before a flow reaches a
patient. The schema first, then the structural rules (handler.checks.rules),
then, on a flow that passes them, the exhaustive safety walk and the SMS cost
of every message it can send. The issues are handler.checks.issues."""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from handler.channels.sms.segments import encoding, non_gsm_characters, segments
from handler.checks import free_text_walk, safety_walk
from handler.checks.issues import Issue, Report, SentMessage
from handler.checks.rules import check_structure, flow_texts
from handler.checks.vocabulary import check_vocabulary
from handler.core.flow import Flow, FlowError, parse_flow
from handler.core.vocabulary import Vocabulary, parse_vocabulary
from handler.infra.flow_files import (
    CONCEPTS_FILE,
    SCHEMA_FILE,
    VOCABULARY_SCHEMA_FILE,
    load_concepts,
    read_json,
    schema_problems,
    schema_validator,
    vocabulary_path,
)

__all__ = ["Issue", "Report", "check_messages", "check_structure", "validate", "validate_file"]

GSM_ONLY_LANGUAGES = {"en"}   # these must never fall back to UCS-2


def check_messages(flow: Flow, sent: Mapping[str, tuple[str, str]]) -> Iterator[Issue]:
    """SMS cost of every message the walk saw sent (text -> (language, where)), each within its
    language's budget, and of every text on its own."""
    for text, (lang, where) in sent.items():
        budget = flow.max_segments(lang)
        if segments(text) > budget:
            yield Issue("reply-over-segments", where,
                        f"[{lang}] a reply of {segments(text)} segments (at most {budget}): {text[:60]!r}",
                        language=lang)
    for where, node, by_lang in flow_texts(flow):
        for lang, value in by_lang.items():
            if lang in GSM_ONLY_LANGUAGES and encoding(value) != "GSM-7":
                shown = " ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in non_gsm_characters(value))
                yield Issue("not-gsm7", where, f"[{lang}] not GSM-7 because of {shown}: each SMS costs 2-3 times more",
                            node, lang)
            if segments(value) > flow.max_segments(lang):
                yield Issue("text-over-segments", where,
                            f"[{lang}] {segments(value)} segments on its own (at most {flow.max_segments(lang)})",
                            node, lang)


def _unreadable(path: Path, error: FlowError) -> Issue:
    code = "not-json" if isinstance(error.__cause__, json.JSONDecodeError) else "unreadable-file"
    return Issue(code, "", str(error).removeprefix(f"{path}: "))


def _vocabulary(path: Path, data: Mapping[str, Any], validator: Any, report: Report) -> Vocabulary | None:
    """The flow's vocabulary file, read and schema-checked (None, with issues, when it cannot be)."""
    where = vocabulary_path(path, data)
    try:
        raw = read_json(where)
    except FlowError as error:
        report.issues.append(Issue("vocabulary-unreadable", "vocabulary", str(error)))
        return None
    problems = schema_problems(raw, validator)
    report.issues.extend(Issue("vocabulary-schema-violation", f"vocabulary {where.name}", p) for p in problems)
    return None if problems else parse_vocabulary(raw)


def validate_file(path: Path, concepts: Mapping[str, str | None], validator: Any,
                  vocabulary_validator: Any = None) -> Report:
    """Every check on one flow file and its vocabulary, in order, stopping at the first stage
    that fails."""
    report = Report(file=str(path))
    try:
        data = read_json(path)
    except FlowError as error:
        report.issues.append(_unreadable(path, error))
        return report
    report.issues.extend(Issue("schema-violation", "schema", problem) for problem in schema_problems(data, validator))
    if report.issues:
        return report
    report.nodes = len(data["nodes"])
    vocabulary = _vocabulary(path, data, vocabulary_validator or schema_validator(
        path.parent / VOCABULARY_SCHEMA_FILE if (path.parent / VOCABULARY_SCHEMA_FILE).exists()
        else Path(__file__).resolve().parents[2] / "flows" / VOCABULARY_SCHEMA_FILE), report)
    if vocabulary is None:
        return report
    flow = parse_flow(data, concepts, source=str(path), vocabulary=vocabulary)
    report.issues.extend(check_structure(flow))
    if report.issues:
        return report
    report.issues.extend(check_vocabulary(flow))
    report.issues.extend(free_text_walk.walk(flow))
    sent: dict[str, tuple[str, str]] = {}
    for lang in flow.languages:
        walked = safety_walk.walk(flow, lang)
        report.issues.extend(Issue(issue.code, "safety walk", issue.text, language=lang) for issue in walked.issues)
        report.paths += walked.paths
        report.longest_turns = max(report.longest_turns, walked.longest_turns)
        report.longest_messages = max(report.longest_messages, walked.longest_messages)
        report.sent_by_language[lang] = walked.messages
        for text, where in walked.messages.items():
            sent.setdefault(text, (lang, where))
    report.messages.extend(SentMessage(text, encoding(text), segments(text), lang)
                           for text, (lang, _where) in sent.items())
    report.issues.extend(check_messages(flow, sent))
    return report


def validate(paths: list[Path], flows_dir: Path) -> list[Report]:
    """A report for each flow file, checked against the schema and concepts in flows_dir."""
    concepts = load_concepts(flows_dir / CONCEPTS_FILE)
    validator = schema_validator(flows_dir / SCHEMA_FILE)
    vocabulary_validator = schema_validator(flows_dir / VOCABULARY_SCHEMA_FILE)
    return [validate_file(path, concepts, validator, vocabulary_validator) for path in paths]
