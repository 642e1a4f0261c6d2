"""Per-language texts and word lists as the flow gives them, read-only, and the
word lists the flow adds to the engine: commands, answer words, negation words."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

V = TypeVar("V")


class ByLanguage(Mapping[str, V], Generic[V]):
    """One value per language code (a text, or a list of words). Read-only and hashable,
    so the frozen flow model that holds it stays frozen."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, V] | None = None) -> None:
        self._values: dict[str, V] = dict(values or {})

    def __getitem__(self, lang: str) -> V:
        return self._values[lang]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __hash__(self) -> int:
        return hash(tuple(self._values.items()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._values!r})"


Texts = ByLanguage[str]
Words = ByLanguage[tuple[str, ...]]

NO_WORDS: Words = ByLanguage()


def texts_from(raw: Mapping[str, str]) -> Texts:
    """A flow file's {lang: text}."""
    return ByLanguage({lang: str(text) for lang, text in raw.items()})


def words_from(raw: Mapping[str, Any] | None) -> Words:
    """A flow file's {lang: [word, ...]} (absent: no words in any language)."""
    return ByLanguage({lang: tuple(words) for lang, words in (raw or {}).items()})


def in_language(words: Words, lang: str) -> tuple[str, ...]:
    """The words for one language, none when the flow gives none."""
    return words.get(lang, ())


@dataclass(frozen=True)
class Commands:
    """Words that work at any question: start over, go back, ask for help."""
    restart: Words = NO_WORDS
    back: Words = NO_WORDS
    help: Words = NO_WORDS

    @classmethod
    def from_json(cls, raw: Mapping[str, Any] | None) -> Commands:
        raw = raw or {}
        return cls(words_from(raw.get("restart")), words_from(raw.get("back")), words_from(raw.get("help")))

    def words(self, name: str, lang: str) -> tuple[str, ...]:
        """The words of one command ('restart', 'back' or 'help') in one language."""
        by_name = {"restart": self.restart, "back": self.back, "help": self.help}
        return in_language(by_name[name], lang)


@dataclass(frozen=True)
class AnswerWords:
    """Words beyond the built-in English ones that mean yes, no, none, or not sure."""
    yes: Words = NO_WORDS
    no: Words = NO_WORDS
    none: Words = NO_WORDS
    unsure: Words = NO_WORDS

    @classmethod
    def from_json(cls, raw: Mapping[str, Any] | None) -> AnswerWords:
        raw = raw or {}
        return cls(*(words_from(raw.get(name)) for name in ("yes", "no", "none", "unsure")))


@dataclass(frozen=True)
class Negation:
    """Words that, just before a phrase, deny it (cues) or only hedge it (hedges);
    fillers may stand between ("no real chest pain")."""
    cues: Words = NO_WORDS
    fillers: Words = NO_WORDS
    hedges: Words = field(default=NO_WORDS)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any] | None) -> Negation:
        raw = raw or {}
        return cls(words_from(raw.get("cues")), words_from(raw.get("fillers")), words_from(raw.get("hedges")))
