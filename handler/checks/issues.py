"""What `triage-line validate` finds: typed issues, and the report for one file."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


@dataclass(frozen=True)
class Issue:
    """One thing wrong with a flow. `code` is short, stable and kebab-case (tests and tools
    match on it); `where` and `message` make the line printed for people."""
    code: str
    where: str                     # "node pattern", "texts/help", "schema", "" for the whole file
    message: str
    node: str | None = None        # the node it is about, if any
    language: str | None = None    # the language it is about, if any

    @property
    def text(self) -> str:
        """'where: what' (just 'what' for the whole file)."""
        return f"{self.where}: {self.message}" if self.where else self.message

    def line(self, file: str) -> str:
        """As `triage-line validate` prints it: 'file: where: what'."""
        return f"{file}: {self.text}"


class SentMessage(NamedTuple):
    """One SMS the flow can send, as the safety walk saw it, and what it costs."""
    text: str
    encoding: str                  # GSM-7 or UCS-2
    segments: int
    language: str


@dataclass
class Report:
    """Everything `triage-line validate` found in one file, and the walk's figures for it."""
    file: str
    issues: list[Issue] = field(default_factory=list)
    nodes: int = 0
    paths: int = 0
    longest_turns: int = 0
    longest_messages: int = 0
    messages: list[SentMessage] = field(default_factory=list)
    # each language's walk: every SMS text it sent, and the answers that first led there
    sent_by_language: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def problems(self) -> list[str]:
        """The issues as printed, one line each."""
        return [issue.line(self.file) for issue in self.issues]

    @property
    def codes(self) -> set[str]:
        """The distinct issue codes found."""
        return {issue.code for issue in self.issues}

    @property
    def longest_reply(self) -> int:
        """The segments of the costliest message the flow can send."""
        return max((message.segments for message in self.messages), default=0)

    @property
    def ok(self) -> bool:
        return not self.issues
