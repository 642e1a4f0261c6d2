"""What `triage-line validate` finds: typed issues, and the report for one file."""
from __future__ import annotations

from dataclasses import dataclass, field


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


@dataclass
class Report:
    """Everything `triage-line validate` found in one file, and the walk's figures for it."""
    file: str
    issues: list[Issue] = field(default_factory=list)
    nodes: int = 0
    paths: int = 0
    longest_turns: int = 0
    longest_messages: int = 0
    messages: list[tuple[str, str, int]] = field(default_factory=list)  # (text, encoding, segments)

    @property
    def problems(self) -> list[str]:
        """The issues as printed, one line each."""
        return [issue.line(self.file) for issue in self.issues]

    @property
    def codes(self) -> set[str]:
        """The distinct issue codes found."""
        return {issue.code for issue in self.issues}

    @property
    def ok(self) -> bool:
        return not self.issues
