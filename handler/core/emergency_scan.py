"""The findings that act at once, wherever they are said: the flow's emergency
checks (chest pain, trouble breathing, stroke signs, someone who will not wake,
self-harm) and its red flags said in words. The reader finds them; a clear one
that the patient does not deny ends the conversation with emergency advice, a
possible one (unsure, or denied for a check that asks even then) gets one
confirming question first."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from handler.core.reader import ConceptRules, Reader
from handler.core.texts import Texts, texts_from


@dataclass(frozen=True)
class EmergencyCheck:
    """One finding looked for in every message, and the advice it leads to."""
    concept: str
    outcome: str                     # the emergency outcome node
    confirm: Texts                   # the yes/no question for a possible one
    confirm_when_negated: bool = False   # ask even when denied ("I'm not suicidal")
    hedged_is_clear: bool = False        # "I might kill myself" is not a maybe

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> EmergencyCheck:
        return cls(raw["concept"], raw["outcome"], texts_from(raw["confirm"]),
                   bool(raw.get("confirm_when_negated", False)), bool(raw.get("hedged_is_clear", False)))

    @property
    def rules(self) -> ConceptRules:
        """How the reader treats a hedge or a denial of this finding."""
        return ConceptRules(self.hedged_is_clear, self.confirm_when_negated)


@dataclass(frozen=True)
class Detection:
    """The checks a message sets off: clear ones act at once, possible ones ask first."""
    clear: tuple[EmergencyCheck, ...] = ()
    possible: tuple[EmergencyCheck, ...] = ()
    denied: tuple[str, ...] = ()      # the checks' concepts the message denies ("no chest pain")

    def __bool__(self) -> bool:
        return bool(self.clear or self.possible)

    def settles(self, concept: str) -> bool:
        """This reading already says something of the finding: unsure, or denied."""
        return concept in self.denied or any(check.concept == concept for check in self.possible)


class EmergencyScanner:
    """The reader, looking only at the findings that act at once."""

    def __init__(self, checks: Sequence[EmergencyCheck], reader: Reader) -> None:
        self.checks = tuple(checks)
        self.reader = reader

    def scan(self, text: str) -> Detection:
        """The checks this text sets off, in the flow's order."""
        reading = self.reader.read(text)
        return Detection(tuple(c for c in self.checks if c.concept in reading.clear),
                         tuple(c for c in self.checks if c.concept in reading.possible),
                         tuple(c.concept for c in self.checks if c.concept in reading.denied))
