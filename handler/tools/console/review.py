"""What a clinician reads to sign a flow off: every reply the line can send, per language,
with its SMS encoding, segments and reading level; the provenance and review status of the
flow and its vocabulary; the validator's result and the safety walk's figures.

Validating walks every combination of answers (seconds), so a review is made once per
version of the flow files and kept."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from handler.channels.sms.segments import encoding, segments
from handler.checks import safety_walk
from handler.checks.validation import validate
from handler.core.flow import Flow
from handler.infra.flow_files import read_json, vocabulary_path
from handler.tools.console.readability import flesch_kincaid_grade


@dataclass(frozen=True)
class Reply:
    text: str
    where: str                   # the answers that first lead to it
    encoding: str
    segments: int
    grade: float | None


@dataclass
class Review:
    flow_id: str
    version: str
    file: str
    provenance: dict[str, Any]
    vocabulary_version: str
    vocabulary_review: dict[str, dict[str, str]]
    ok: bool
    problems: list[str]
    nodes: int
    paths: int
    longest_turns: int
    longest_messages: int
    longest_reply: int
    replies: dict[str, list[Reply]] = field(default_factory=dict)   # by language


def make_review(flow: Flow, flows_dir: Path) -> Review:
    path = Path(flow.source)
    data = read_json(path)
    report = validate([path], flows_dir)[0]
    replies = {}
    for lang in flow.languages:
        # the validator's own walk where it got that far (a flow it stopped on is walked here)
        sent = report.sent_by_language.get(lang)
        if sent is None:
            sent = safety_walk.walk(flow, lang).messages
        replies[lang] = sorted((Reply(text, where, encoding(text), segments(text), flesch_kincaid_grade(text, lang))
                                for text, where in sent.items()),
                               key=lambda reply: (-reply.segments, reply.text))
    return Review(
        flow_id=flow.id, version=flow.version, file=shown_path(path, flows_dir),
        provenance=data.get("provenance", {}),
        vocabulary_version=flow.vocabulary.version,
        vocabulary_review={lang: dict(review) for lang, review in flow.vocabulary.review.items()},
        ok=report.ok, problems=report.problems, nodes=report.nodes, paths=report.paths,
        longest_turns=report.longest_turns, longest_messages=report.longest_messages,
        longest_reply=report.longest_reply, replies=replies)


def shown_path(path: Path, flows_dir: Path) -> str:
    """The flow file as the repository names it (flows/muscle-spasms.json) where it can."""
    try:
        return str(path.resolve().relative_to(flows_dir.resolve().parent))
    except ValueError:
        return str(path)


class Reviews:
    """One review per version of the flow files (their modification times), made on first ask."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._made: dict[tuple[str, float, float], Review] = {}

    def of(self, flow: Flow, flows_dir: Path) -> Review:
        path = Path(flow.source)
        vocabulary = vocabulary_path(path, read_json(path))
        key = (str(path), path.stat().st_mtime, vocabulary.stat().st_mtime if vocabulary.exists() else 0.0)
        with self._lock:                 # two tabs asking at once wait for one walk, not two
            if key not in self._made:
                self._made[key] = make_review(flow, flows_dir)
            return self._made[key]
