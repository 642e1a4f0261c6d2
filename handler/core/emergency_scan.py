"""Looking for emergencies in free text, before any flow logic runs.

Each of the flow's emergency checks lists clear phrases ("cant breathe") and
possible ones ("breathing"). A clear phrase that the patient does not deny
("no chest pain") ends the conversation with emergency advice; a possible
one, a hedged one ("nearly fainted") or a denied one for a check that asks
even then (self-harm) gets one confirming question first.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from handler.core.answers import normalize

# Clause breaks: a denial in one clause says nothing of the next ("No. My chest hurts").
CLAUSE_BREAK = re.compile(r"[.!?;,:\n]+|\bbut\b|\bthough\b|\balthough\b", re.IGNORECASE)


@dataclass(frozen=True)
class Detection:
    """The checks a message sets off: clear ones act at once, possible ones ask first."""
    clear: tuple[Mapping, ...] = ()
    possible: tuple[Mapping, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.clear or self.possible)


def _occurrences(words: list[str], target: list[str]) -> list[int]:
    size = len(target)
    return [i for i in range(len(words) - size + 1) if words[i:i + size] == target]


def _led_by(words: list[str], start: int, cues: frozenset[str], fillers: frozenset[str]) -> bool:
    """True when a cue word stands just before `start`, with only filler words between."""
    position = start - 1
    while position >= 0 and start - position <= 4:
        if words[position] in cues:
            return True
        if words[position] not in fillers:
            return False
        position -= 1
    return False


class EmergencyScanner:
    """Built once per flow and language; `scan` is then a pure function of the text."""

    def __init__(self, flow_data: Mapping, lang: str):
        negation = flow_data.get("negation", {})

        def words(name: str) -> frozenset[str]:
            return frozenset(normalize(w) for w in negation.get(name, {}).get(lang, []))

        self.cues = words("cues")
        self.hedges = words("hedges")
        self.fillers = words("fillers")
        self.checks = tuple(flow_data.get("emergency_checks", ()))
        self.lang = lang
        # Each check's phrases as word lists, made once: (check, [(strength, words), ...]).
        self.phrases = [(check, [(strength, normalize(phrase).split())
                                 for strength in ("clear", "possible")
                                 for phrase in check.get(strength, {}).get(lang, [])])
                        for check in self.checks]

    def _verdict(self, clauses: list[list[str]], check: Mapping, phrases) -> str | None:
        verdict = None
        asks_when_denied = check.get("confirm_when_negated", False)
        hedges_count = check.get("hedged_is_clear", False)   # "I might kill myself" is not a maybe
        for strength, target in phrases:
            for words in clauses:
                for start in _occurrences(words, target):
                    denied = _led_by(words, start, self.cues, self.fillers)
                    hedged = _led_by(words, start, self.hedges, self.fillers)
                    if strength == "clear" and not denied and (not hedged or hedges_count):
                        return "clear"
                    if not denied or asks_when_denied:
                        verdict = "possible"
        return verdict

    def scan(self, text: str) -> Detection:
        clauses = [normalize(part).split() for part in CLAUSE_BREAK.split(text)]
        clauses = [words for words in clauses if words]
        clear, possible = [], []
        for check, phrases in self.phrases:
            verdict = self._verdict(clauses, check, phrases)
            if verdict == "clear":
                clear.append(check)
            elif verdict == "possible":
                possible.append(check)
        return Detection(tuple(clear), tuple(possible))
