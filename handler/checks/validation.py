"""`triage-line validate`: everything that must hold before a flow reaches a
patient. Structural rules first (schema, references, reachability, dead ends,
concept codes, red flags, advice content), then, on a flow that passes them,
the exhaustive safety walk and the SMS cost of every message it can send."""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from handler.checks import safety_walk
from handler.core.flow import Flow, FlowError
from handler.infra.flow_files import CONCEPTS_FILE, SCHEMA_FILE, load_concepts, read_json, schema_problems, schema_validator
from handler.channels.sms.segments import encoding, non_gsm_characters, segments
from handler.channels.sms.rendering import MAX_SEGMENTS

GSM_ONLY_LANGUAGES = {"en"}   # these must never fall back to UCS-2
FIRST_SENTENCE = re.compile(r"^.*?[.!?](\s|$)", re.DOTALL)


@dataclass
class Report:
    file: str
    problems: list[str] = field(default_factory=list)
    nodes: int = 0
    paths: int = 0
    longest_turns: int = 0
    longest_messages: int = 0
    messages: list[tuple[str, str, int]] = field(default_factory=list)  # (text, encoding, segments)

    def problem(self, where: str, what: str) -> None:
        self.problems.append(f"{self.file}: {where}: {what}")

    @property
    def ok(self) -> bool:
        return not self.problems


def _targets(node: Mapping) -> Iterator[tuple[str, str]]:
    """(label, node id) for every edge out of a node."""
    if node["type"] == "question":
        if node["kind"] == "yes_no":
            yield "yes", node["yes"]
            yield "no", node["no"]
        for n, choice in enumerate(node.get("choices", []), 1):
            if "next" in choice:
                yield f"choice {n}", choice["next"]
        if "next" in node:
            yield "next", node["next"]
    elif node["type"] == "message":
        yield "next", node["next"]
    elif node["type"] == "route":
        yield from node["by_disposition"].items()


def _texts(data: Mapping) -> Iterator[tuple[str, Mapping]]:
    """(where, {lang: text}) for every patient-facing text in the flow."""
    yield "title", data["title"]
    for key, text in data["texts"].items():
        yield f"texts/{key}", text
    for kind, text in data["sms"]["hints"].items():
        yield f"sms/hints/{kind}", text
    for key, text in data["voice"]["texts"].items():
        yield f"voice/texts/{key}", text
    for check in data["emergency_checks"]:
        yield f"emergency check {check['concept']}", check["confirm"]
    for node_id, node in data["nodes"].items():
        if "text" in node:
            yield f"node {node_id}", node["text"]
        for n, choice in enumerate(node.get("choices", []), 1):
            yield f"node {node_id} choice {n}", choice["text"]
        for n, part in enumerate(node.get("parts", []), 1):
            if "text" in part:
                yield f"node {node_id} part {n}", part["text"]


def _concept_uses(data: Mapping) -> Iterator[tuple[str, str]]:
    for check in data["emergency_checks"]:
        yield f"emergency check {check['concept']}", check["concept"]
    for node_id, node in data["nodes"].items():
        if "concept" in node:
            yield f"node {node_id}", node["concept"]
        for n, choice in enumerate(node.get("choices", []), 1):
            if "concept" in choice:
                yield f"node {node_id} choice {n}", choice["concept"]
        for n, part in enumerate(node.get("parts", []), 1):
            for code in part.get("when", []):
                yield f"node {node_id} part {n}", code


def check_structure(data: Mapping, concepts: Mapping[str, str | None], report: Report) -> None:
    nodes = data["nodes"]
    languages = data["languages"]

    for where, text in _texts(data):
        for lang in languages:
            if lang not in text:
                report.problem(where, f"no text in language '{lang}'")

    for name in ("start", "fallback"):
        if data[name] not in nodes:
            report.problem(name, f"'{data[name]}' is not a node")
    for node_id, node in nodes.items():
        for label, target in _targets(node):
            if target not in nodes:
                report.problem(f"node {node_id}", f"{label} goes to '{target}', which is not a node")
        for n, part in enumerate(node.get("parts", []), 1):
            if "include" in part and part["include"] not in data["texts"]:
                report.problem(f"node {node_id} part {n}", f"includes '{part['include']}', which is not in texts")
    for check in data["emergency_checks"]:
        if check["outcome"] not in nodes:
            report.problem(f"emergency check {check['concept']}", f"outcome '{check['outcome']}' is not a node")

    for where, code in _concept_uses(data):
        if code not in concepts:
            report.problem(where, f"unknown concept code '{code}'")
    if report.problems:
        return  # the rules below follow references

    outcome_of = {node_id: node["disposition"] for node_id, node in nodes.items() if node["type"] == "outcome"}

    def is_emergency_outcome(node_id: str) -> bool:
        return outcome_of.get(node_id, "-") == "emergency"

    # Reachability: from the start, the fallback, and the emergency checks' outcomes.
    roots = [data["start"], data["fallback"], *(check["outcome"] for check in data["emergency_checks"])]
    seen, stack = set(), list(roots)
    while stack:
        node_id = stack.pop()
        if node_id not in seen:
            seen.add(node_id)
            stack.extend(target for _label, target in _targets(nodes[node_id]))
    for node_id in nodes:
        if node_id not in seen:
            report.problem(f"node {node_id}", "cannot be reached")

    # Loops and dead ends: every walk along the edges must reach an outcome.
    state: dict[str, str] = {}

    def visit(node_id: str, trail: list[str]) -> None:
        state[node_id] = "open"
        for _label, target in _targets(nodes[node_id]):
            if state.get(target) == "open":
                loop = trail[trail.index(target):] + [target] if target in trail else [node_id, target]
                report.problem(f"node {node_id}", "loop without an exit: " + " > ".join(loop))
            elif target not in state:
                visit(target, trail + [target])
        if nodes[node_id]["type"] != "outcome" and not any(True for _ in _targets(nodes[node_id])):
            report.problem(f"node {node_id}", "dead end: leads nowhere and gives no advice")
        state[node_id] = "done"

    for root in roots:
        if root not in state:
            visit(root, [root])

    # Red flags (any finding whose disposition is emergency) lead straight to emergency advice.
    for node_id, node in nodes.items():
        if node["type"] != "question":
            continue
        if node["kind"] == "yes_no" and concepts.get(node.get("concept")) == "emergency":
            if not is_emergency_outcome(node["yes"]):
                report.problem(f"node {node_id}", f"red flag {node['concept']}: yes goes to '{node['yes']}', "
                               "not straight to an emergency outcome")
        for n, choice in enumerate(node.get("choices", []), 1):
            if concepts.get(choice.get("concept")) == "emergency":
                target = choice.get("next", node.get("next"))
                if not is_emergency_outcome(target):
                    report.problem(f"node {node_id} choice {n}", f"red flag {choice['concept']} goes to "
                                   f"'{target}', not straight to an emergency outcome")

    for check in data["emergency_checks"]:
        if concepts.get(check["concept"]) != "emergency":
            report.problem(f"emergency check {check['concept']}", "is not an emergency concept")
        if not is_emergency_outcome(check["outcome"]):
            report.problem(f"emergency check {check['concept']}", f"outcome '{check['outcome']}' is not emergency advice")

    # Advice content.
    fallback_disposition = outcome_of.get(data["fallback"], "-")
    if fallback_disposition not in ("urgent", "emergency"):
        report.problem("fallback", f"'{data['fallback']}' must be urgent or emergency advice, "
                       f"not {fallback_disposition} (never self-care by default)")
    for lang in languages:
        if "911" not in data["texts"]["safety_net"].get(lang, ""):
            report.problem("texts/safety_net", f"[{lang}] does not say to call 911")
        for key in ("opening", "help"):
            if "911" not in data["texts"][key].get(lang, ""):
                report.problem(f"texts/{key}", f"[{lang}] does not say to call 911")
        for key in ("opening", "help", "emergency_lead", "no_nurse_line", "nurse_unreachable"):
            if "911" not in data["voice"]["texts"][key].get(lang, ""):
                report.problem(f"voice/texts/{key}", f"[{lang}] does not say to call 911")
        if lang not in data["voice"]["locale"]:
            report.problem("voice/locale", f"no speech locale for language '{lang}'")
    for node_id, disposition in outcome_of.items():
        parts = nodes[node_id]["parts"]
        if disposition == "emergency":
            first = parts[0]
            if "when" in first or "text" not in first:
                report.problem(f"node {node_id}", "emergency advice must open with its own text, given always")
                continue
            for lang in languages:
                opening = FIRST_SENTENCE.match(first["text"].get(lang, ""))
                sentence = opening.group(0) if opening else first["text"].get(lang, "")
                if "911" not in sentence:
                    report.problem(f"node {node_id}", f"[{lang}] emergency advice does not say 911 in its first sentence")
        elif disposition is None:
            always = [p for p in parts if "when" not in p and "text" in p]
            for lang in languages:
                if not any("911" in p["text"].get(lang, "") for p in always):
                    report.problem(f"node {node_id}", f"[{lang}] advice without a disposition must say 911")


def check_messages(flow: Flow, report: Report, sent: Mapping[str, str]) -> None:
    """SMS cost of every message the walk saw sent, and of every text on its own."""
    seen = set()
    for text, where in sent.items():
        seen.add(text)
        report.messages.append((text, encoding(text), segments(text)))
        if segments(text) > MAX_SEGMENTS:
            report.problem(where, f"a reply of {segments(text)} segments (at most {MAX_SEGMENTS}): {text[:60]!r}")
    for where, text in _texts(flow.data):
        for lang, value in text.items():
            if lang in GSM_ONLY_LANGUAGES and encoding(value) != "GSM-7":
                shown = " ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in non_gsm_characters(value))
                report.problem(where, f"[{lang}] not GSM-7 because of {shown}: each SMS costs 2-3 times more")
            if segments(value) > MAX_SEGMENTS:
                report.problem(where, f"[{lang}] {segments(value)} segments on its own (at most {MAX_SEGMENTS})")


def validate_file(path: Path, concepts: Mapping[str, str | None], validator) -> Report:
    report = Report(file=str(path))
    try:
        data = read_json(path)
    except FlowError as error:
        report.problems.append(str(error))
        return report
    for problem in schema_problems(data, validator):
        report.problem("schema", problem)
    if report.problems:
        return report
    report.nodes = len(data["nodes"])
    check_structure(data, concepts, report)
    if report.problems:
        return report
    flow = Flow(data=data, dispositions=concepts, source=str(path))
    sent: dict[str, str] = {}
    for lang in flow.languages:
        walked = safety_walk.walk(flow, lang)
        for problem in walked.problems:
            report.problem("safety walk", problem)
        report.paths += walked.paths
        report.longest_turns = max(report.longest_turns, walked.longest_turns)
        report.longest_messages = max(report.longest_messages, walked.longest_messages)
        for text, where in walked.messages.items():
            sent.setdefault(text, where)
    check_messages(flow, report, sent)
    return report


def validate(paths: list[Path], flows_dir: Path) -> list[Report]:
    concepts = load_concepts(flows_dir / CONCEPTS_FILE)
    validator = schema_validator(flows_dir / SCHEMA_FILE)
    return [validate_file(path, concepts, validator) for path in paths]
