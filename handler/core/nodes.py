"""The kinds of node a flow is made of, each parsed from its JSON once (at load)
and knowing its own way through: a question (yes/no, one of, all that apply),
a message, a route by disposition, an outcome with its parts of advice."""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from handler.core.disposition import Disposition, disposition_from
from handler.core.texts import NO_WORDS, Texts, Words, texts_from, words_from

Edge = tuple[str, str]     # (label, node id): "yes", "choice 2", "next", "urgent", ...


class NodeKind(StrEnum):
    """A node's `type` in the flow file."""
    QUESTION = "question"
    MESSAGE = "message"
    ROUTE = "route"
    OUTCOME = "outcome"


class QuestionKind(StrEnum):
    """A question's `kind` in the flow file."""
    YES_NO = "yes_no"
    ONE_OF = "one_of"
    ALL_THAT_APPLY = "all_that_apply"


YES_NO_LABELS = ("Yes", "No")   # a yes/no question's implied choices: yes is 0, no is 1


@dataclass(frozen=True)
class Choice:
    """One choice of a one_of or all_that_apply question."""
    text: Texts
    concept: str | None = None       # what picking it reports
    next: str | None = None          # where it leads (one_of), or leads at once (a red flag)
    words: Words = NO_WORDS          # answers that pick it besides its number
    confirm: Texts | None = None     # the yes/no question that checks it when said unsure in words

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Choice:
        return cls(texts_from(raw["text"]), raw.get("concept"), raw.get("next"), words_from(raw.get("words")),
                   texts_from(raw["confirm"]) if "confirm" in raw else None)


@dataclass(frozen=True)
class QuestionNode:
    """A question: its kind says how it is answered and where each answer leads."""
    id: str
    kind: QuestionKind
    text: Texts
    choices: tuple[Choice, ...] = ()  # none for yes_no: YES_NO_LABELS are implied
    concept: str | None = None        # yes_no: what a yes reports
    yes: str = ""                     # yes_no: where each answer leads
    no: str = ""
    next: str | None = None           # all_that_apply: where the list leads (unless a choice overrides)
    type: ClassVar[NodeKind] = NodeKind.QUESTION

    @classmethod
    def from_json(cls, node_id: str, raw: Mapping[str, Any]) -> QuestionNode:
        return cls(node_id, QuestionKind(raw["kind"]), texts_from(raw["text"]),
                   tuple(Choice.from_json(choice) for choice in raw.get("choices", ())),
                   raw.get("concept"), raw.get("yes", ""), raw.get("no", ""), raw.get("next"))

    def labels(self, lang: str) -> tuple[str, ...]:
        """The choices as the patient reads them."""
        if self.kind == QuestionKind.YES_NO:
            return YES_NO_LABELS
        return tuple(choice.text[lang] for choice in self.choices)

    def concepts(self) -> tuple[str | None, ...]:
        """What each choice reports (None: nothing)."""
        if self.kind == QuestionKind.YES_NO:
            return (self.concept, None)
        return tuple(choice.concept for choice in self.choices)

    def reported(self, picked: Sequence[int]) -> list[str]:
        """The concepts an answer (the positions picked) reports."""
        if self.kind == QuestionKind.YES_NO:
            return [self.concept] if len(picked) == 1 and picked[0] == 0 and self.concept is not None else []
        concepts = (self.choices[i].concept for i in picked)
        return [code for code in concepts if code is not None]

    def next_after(self, picked: Sequence[int]) -> str:
        """Where an answer leads. In a list, the first picked choice with its own next wins."""
        if self.kind == QuestionKind.YES_NO:
            return self.yes if tuple(picked) == (0,) else self.no
        chosen = [self.choices[i] for i in picked]
        if self.kind == QuestionKind.ONE_OF:
            return chosen[0].next or ""
        overrides = [choice.next for choice in chosen if choice.next is not None]
        return overrides[0] if overrides else (self.next or "")

    def leads_at_once(self) -> Iterator[tuple[str, str]]:
        """(concept, node id) for each answer that leads somewhere of its own (a red flag
        picked goes straight to its advice)."""
        if self.kind == QuestionKind.YES_NO:
            if self.concept is not None:
                yield self.concept, self.yes
            return
        for choice in self.choices:
            if choice.concept is not None and choice.next is not None:
                yield choice.concept, choice.next

    def edges(self) -> Iterator[Edge]:
        """(label, node id) for every edge out of this node."""
        if self.kind == QuestionKind.YES_NO:
            yield "yes", self.yes
            yield "no", self.no
        for n, choice in enumerate(self.choices, 1):
            if choice.next is not None:
                yield f"choice {n}", choice.next
        if self.next is not None:
            yield "next", self.next


@dataclass(frozen=True)
class MessageNode:
    """Said on the way to the next node, without waiting for an answer."""
    id: str
    text: Texts
    next: str
    type: ClassVar[NodeKind] = NodeKind.MESSAGE

    @classmethod
    def from_json(cls, node_id: str, raw: Mapping[str, Any]) -> MessageNode:
        return cls(node_id, texts_from(raw["text"]), raw["next"])

    def edges(self) -> Iterator[Edge]:
        """(label, node id) for every edge out of this node."""
        yield "next", self.next


@dataclass(frozen=True)
class RouteNode:
    """Goes on by the highest disposition of the findings so far (self_care when none)."""
    id: str
    by_disposition: Mapping[Disposition, str]
    type: ClassVar[NodeKind] = NodeKind.ROUTE

    @classmethod
    def from_json(cls, node_id: str, raw: Mapping[str, Any]) -> RouteNode:
        return cls(node_id, {Disposition(name): target for name, target in raw["by_disposition"].items()})

    def next_for(self, disposition: Disposition | None) -> str:
        """Where the route goes for the highest disposition so far (None: self_care)."""
        return self.by_disposition[disposition or Disposition.SELF_CARE]

    def edges(self) -> Iterator[Edge]:
        """(label, node id) for every edge out of this node."""
        yield from ((str(name), target) for name, target in self.by_disposition.items())


@dataclass(frozen=True)
class Part:
    """One part of an outcome's advice: its own text or a flow text by name, given
    always or only `when` one of those concepts was reported."""
    text: Texts | None = None
    include: str | None = None
    when: tuple[str, ...] | None = None

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Part:
        when = raw.get("when")
        return cls(texts_from(raw["text"]) if "text" in raw else None, raw.get("include"),
                   tuple(when) if when is not None else None)

    def applies(self, reported: set[str]) -> bool:
        """Given always, or when one of its `when` concepts was reported."""
        return self.when is None or any(code in reported for code in self.when)


@dataclass(frozen=True)
class OutcomeNode:
    """Advice: the end of a conversation."""
    id: str
    disposition: Disposition | None   # None: advice outside triage (out of scope)
    parts: tuple[Part, ...]
    type: ClassVar[NodeKind] = NodeKind.OUTCOME

    @classmethod
    def from_json(cls, node_id: str, raw: Mapping[str, Any]) -> OutcomeNode:
        return cls(node_id, disposition_from(raw["disposition"]), tuple(Part.from_json(p) for p in raw["parts"]))

    def edges(self) -> Iterator[Edge]:
        """(label, node id) for every edge out of this node."""
        return iter(())


Node = QuestionNode | MessageNode | RouteNode | OutcomeNode

_KINDS: dict[str, type[QuestionNode] | type[MessageNode] | type[RouteNode] | type[OutcomeNode]] = {
    NodeKind.QUESTION: QuestionNode, NodeKind.MESSAGE: MessageNode,
    NodeKind.ROUTE: RouteNode, NodeKind.OUTCOME: OutcomeNode,
}


def node_from_json(node_id: str, raw: Mapping[str, Any]) -> Node:
    """One node of a flow file (already checked against the schema)."""
    return _KINDS[raw["type"]].from_json(node_id, raw)
