"""A flow's vocabulary, parsed once at load: per concept and language, the
phrases that report a finding plainly (clear), unsure (possible), or deny it,
and per language the words that deny, hedge, join or end a clause. The file is
clinical content, reviewed with the flow (flows/VOCABULARY.md)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class ConceptWords:
    """What patients say for one finding in one language."""
    clear: tuple[str, ...] = ()
    possible: tuple[str, ...] = ()
    denied: tuple[str, ...] = ()
    also_reports: tuple[str, ...] = ()   # other concepts its phrases may report, declared

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ConceptWords:
        return cls(tuple(raw.get("clear", ())), tuple(raw.get("possible", ())), tuple(raw.get("denied", ())),
                   tuple(raw.get("also_reports", ())))


@dataclass(frozen=True)
class NegationWords:
    """The words around a phrase that change what it says, in one language."""
    cues: tuple[str, ...] = ()           # deny what follows: "no", "not", "without"
    hedges: tuple[str, ...] = ()         # make it unsure: "maybe", "i think"
    fillers: tuple[str, ...] = ()        # may stand between a cue and a phrase: "any", "really"
    clause_breaks: tuple[str, ...] = ()  # end a clause: "but", "though"
    joiners: tuple[str, ...] = ()        # carry a denial on: "no numbness or weakness"
    not_typos: tuple[str, ...] = ()      # real words never read as a typo of a phrase word

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> NegationWords:
        return cls(*(tuple(raw.get(name, ())) for name in
                     ("cues", "hedges", "fillers", "clause_breaks", "joiners", "not_typos")))


@dataclass(frozen=True)
class Vocabulary:
    """A flow's vocabulary file: per concept and language, the words patients use for it."""
    version: str
    languages: tuple[str, ...]
    review: Mapping[str, Mapping[str, str]]
    negation: Mapping[str, NegationWords]
    concepts: Mapping[str, Mapping[str, ConceptWords]]

    def words(self, concept: str, lang: str) -> ConceptWords:
        """A concept's words in one language (none when the vocabulary has none)."""
        return self.concepts.get(concept, {}).get(lang, ConceptWords())


EMPTY = Vocabulary("0.0.0", (), MappingProxyType({}), MappingProxyType({}), MappingProxyType({}))


def parse_vocabulary(data: Mapping[str, Any]) -> Vocabulary:
    """A vocabulary file's JSON (already checked against its schema)."""
    return Vocabulary(
        version=data["version"],
        languages=tuple(data["languages"]),
        review=MappingProxyType({lang: MappingProxyType(dict(r)) for lang, r in data["review"].items()}),
        negation=MappingProxyType({lang: NegationWords.from_json(n) for lang, n in data["negation"].items()}),
        concepts=MappingProxyType({code: MappingProxyType({lang: ConceptWords.from_json(w) for lang, w in by.items()})
                                   for code, by in data["concepts"].items()}),
    )
