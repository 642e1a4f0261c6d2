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
from typing import Any, Literal

from handler.core.answers import normalize
from handler.core.texts import Negation, Texts, Words, in_language, texts_from, words_from

# Clause breaks: a denial in one clause says nothing of the next ("No. My chest hurts").
CLAUSE_BREAK = re.compile(r"[.!?;,:\n]+|\bbut\b|\bthough\b|\balthough\b", re.IGNORECASE)


Strength = Literal["clear", "possible"]


@dataclass(frozen=True)
class EmergencyCheck:
    """One emergency looked for in every message, and the advice it leads to."""
    concept: str
    outcome: str                     # the emergency outcome node
    clear: Words                     # phrases that mean it is happening
    possible: Words                  # phrases that might mean it: ask `confirm` first
    confirm: Texts
    confirm_when_negated: bool = False   # ask even when denied ("I'm not suicidal")
    hedged_is_clear: bool = False        # "I might kill myself" is not a maybe

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> EmergencyCheck:
        return cls(raw["concept"], raw["outcome"], words_from(raw.get("clear")), words_from(raw.get("possible")),
                   texts_from(raw["confirm"]), bool(raw.get("confirm_when_negated", False)),
                   bool(raw.get("hedged_is_clear", False)))

    def phrases(self, strength: Strength, lang: str) -> tuple[str, ...]:
        """The clear or the possible phrases in one language."""
        return in_language(self.clear if strength == "clear" else self.possible, lang)


@dataclass(frozen=True)
class Detection:
    """The checks a message sets off: clear ones act at once, possible ones ask first."""
    clear: tuple[EmergencyCheck, ...] = ()
    possible: tuple[EmergencyCheck, ...] = ()

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

    def __init__(self, checks: tuple[EmergencyCheck, ...], negation: Negation, lang: str) -> None:
        def words(listed: Words) -> frozenset[str]:
            return frozenset(normalize(w) for w in in_language(listed, lang))

        self.cues = words(negation.cues)
        self.hedges = words(negation.hedges)
        self.fillers = words(negation.fillers)
        self.checks = checks
        self.lang = lang
        strengths: tuple[Strength, ...] = ("clear", "possible")
        # Each check's phrases as word lists, made once: (check, [(strength, words), ...]).
        self.phrases = [(check, [(strength, normalize(phrase).split())
                                 for strength in strengths
                                 for phrase in check.phrases(strength, lang)])
                        for check in self.checks]

    def _verdict(self, clauses: list[list[str]], check: EmergencyCheck,
                 phrases: list[tuple[Strength, list[str]]]) -> Strength | None:
        verdict: Strength | None = None
        asks_when_denied = check.confirm_when_negated
        hedges_count = check.hedged_is_clear
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
        """The checks this text sets off."""
        clauses = [normalize(part).split() for part in CLAUSE_BREAK.split(text)]
        clauses = [words for words in clauses if words]
        clear: list[EmergencyCheck] = []
        possible: list[EmergencyCheck] = []
        for check, phrases in self.phrases:
            verdict = self._verdict(clauses, check, phrases)
            if verdict == "clear":
                clear.append(check)
            elif verdict == "possible":
                possible.append(check)
        return Detection(tuple(clear), tuple(possible))
