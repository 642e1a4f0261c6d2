"""Which language a patient writes or speaks: a message that asks for one (ESPAÑOL,
ENGLISH), and otherwise the common words of each language the flow lists, and the
findings each language's reader sees in it. Pure: the message in, a language code out."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from handler.core.reader import Reader, unaccented
from handler.core.texts import Words, words_from

MOVE_AT = 2     # a conversation moves to another language on this many of its words and none of its own


@dataclass(frozen=True)
class LanguageWords:
    """The flow's `language_words`: whole messages that ask for a language, and the common
    words that tell each language apart."""
    switch: Words = words_from(None)
    markers: Words = words_from(None)

    @classmethod
    def from_json(cls, raw: Mapping[str, Mapping[str, list[str]]] | None) -> LanguageWords:
        raw = raw or {}
        return cls(words_from(raw.get("switch")), words_from(raw.get("markers")))

    @cached_property
    def _switch(self) -> dict[str, frozenset[str]]:
        return {lang: frozenset(map(unaccented, words)) for lang, words in self.switch.items()}

    @cached_property
    def _markers(self) -> dict[str, frozenset[str]]:
        return {lang: frozenset(map(unaccented, words)) for lang, words in self.markers.items()}

    def asked_for(self, text: str) -> str | None:
        """The language a whole message asks for ("español", "ENGLISH"), or None."""
        said = unaccented(text)
        return next((lang for lang, words in self._switch.items() if said in words), None)

    def scores(self, text: str, readers: Mapping[str, Reader]) -> dict[str, int]:
        """For each language: how many of its common words the message holds, and two more
        when its reader also finds a finding in it (a drug name alone is no language)."""
        said = set(unaccented(text).split())
        scores = {lang: len(said & words) for lang, words in self._markers.items()}
        for lang, reader in readers.items():
            if scores.get(lang, 0) > 0:
                reading = reader.read(text)
                if reading or reading.denied:
                    scores[lang] += MOVE_AT
        return scores


def first_language(words: LanguageWords, text: str | None, readers: Mapping[str, Reader], default: str) -> str:
    """The language of a first message: the one asked for, or the one with most evidence
    (the default on a tie, or with none)."""
    if not text:
        return default
    asked = words.asked_for(text)
    if asked is not None:
        return asked
    scores = words.scores(text, readers)
    best = max(scores, key=lambda lang: (scores[lang], lang == default), default=default)
    return best if scores.get(best, 0) > scores.get(default, 0) else default


def language_now(words: LanguageWords, text: str, readers: Mapping[str, Reader], current: str) -> str:
    """The language a conversation goes on in after this message: it moves only on clear
    evidence (MOVE_AT or more of another language and nothing of its own), so a "1" or a
    "no" never moves it."""
    scores = words.scores(text, readers)
    if scores.get(current, 0) > 0:
        return current
    best = max(scores, key=lambda lang: scores[lang], default=current)
    return best if scores.get(best, 0) >= MOVE_AT else current
