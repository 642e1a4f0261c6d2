"""The read-only Flow the engine works from: a flow file parsed once (at load) into
frozen, typed parts. Pure: reading flow files from disk is handler.infra.flow_files."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any

from handler.core.disposition import DISPOSITIONS, RANK, Disposition, disposition_from, highest
from handler.core.emergency_scan import EmergencyCheck, EmergencyScanner
from handler.core.language import LanguageWords, first_language, language_now
from handler.core.nodes import Node, OutcomeNode, QuestionKind, QuestionNode, node_from_json
from handler.core.reader import Reader
from handler.core.texts import AnswerWords, ByLanguage, Commands, Texts, Words, texts_from, words_from
from handler.core.vocabulary import EMPTY, Vocabulary

__all__ = ["DISPOSITIONS", "RANK", "Disposition", "Flow", "FlowError", "Voice", "highest", "parse_flow"]


DEFAULT_MAX_SEGMENTS = 3   # a message's SMS segments, when the flow sets none for a language


class FlowError(Exception):
    """A flow file that cannot be used: unreadable, not JSON, or not the schema's shape."""


@dataclass(frozen=True)
class Voice:
    """How the flow sounds on the phone."""
    locale: Mapping[str, str]              # speech locale per language
    texts: Mapping[str, Texts]             # by name: opening, yes_no, item, goodbye, ...
    words: Mapping[str, Words]             # spoken commands: repeat, nurse

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Voice:
        return cls(MappingProxyType(dict(raw["locale"])),
                   MappingProxyType({key: texts_from(text) for key, text in raw["texts"].items()}),
                   MappingProxyType({name: words_from(words) for name, words in raw["words"].items()}))


@dataclass(frozen=True)
class Flow:
    """One flow, read-only. Built by parse_flow; never changed after loading."""
    id: str
    version: str
    title: Texts
    languages: tuple[str, ...]
    start: str
    fallback: str
    texts: Mapping[str, Texts]                 # by name: opening, help, safety_net, snippets...
    commands: Commands
    sms_hints: Mapping[QuestionKind, Texts]    # how to answer each kind of question by text
    sms_max_segments: Mapping[str, int]        # the most segments one SMS may cost, per language
    voice: Voice
    emergency_checks: tuple[EmergencyCheck, ...]
    nodes: Mapping[str, Node]
    dispositions: Mapping[str, Disposition | None]   # every concept code the flow may use
    answer_words: AnswerWords = AnswerWords()
    language_words: LanguageWords = LanguageWords()
    vocabulary: Vocabulary = EMPTY
    source: str = ""
    _readers: dict[str, Reader] = field(default_factory=dict, compare=False, repr=False)
    _scanners: dict[str, EmergencyScanner] = field(default_factory=dict, compare=False, repr=False)

    def max_segments(self, lang: str) -> int:
        """The most SMS segments one message may cost in this language."""
        return self.sms_max_segments.get(lang, DEFAULT_MAX_SEGMENTS)

    def text(self, key: str, lang: str) -> str:
        """A text of the flow's `texts` (opening, help, a snippet...) in one language."""
        return self.texts[key][lang]

    @cached_property
    def red_flag_checks(self) -> tuple[EmergencyCheck, ...]:
        """The red flags, as checks that act wherever they are said in words: each leads
        where picking it leads, and is confirmed with the flow's `confirm_finding` text."""
        checks = []
        for node in self.nodes.values():
            if not isinstance(node, QuestionNode):
                continue
            for concept, target in node.leads_at_once():
                outcome = self.outcome(target)
                if outcome is not None and outcome.disposition == Disposition.EMERGENCY:
                    checks.append(EmergencyCheck(concept, target, self.confirm_text(concept)))
        return tuple(checks)

    @cached_property
    def checks_by_concept(self) -> Mapping[str, EmergencyCheck]:
        """Every finding that acts at once, by concept: emergency checks, then red flags."""
        checks = {check.concept: check for check in self.red_flag_checks}
        checks.update((check.concept, check) for check in self.emergency_checks)
        return checks

    def asking_node(self, concept: str) -> str | None:
        """The question that asks about a finding (None: no question does)."""
        for node in self.nodes.values():
            if isinstance(node, QuestionNode) and concept in node.concepts():
                return node.id
        return None

    def finding_label(self, concept: str, lang: str) -> str | None:
        """How the flow names a finding to the patient: the text of the choice that reports it."""
        for node in self.nodes.values():
            if isinstance(node, QuestionNode):
                for choice in node.choices:
                    if choice.concept == concept:
                        return choice.text[lang]
        return None

    def confirm_text(self, concept: str) -> Texts:
        """The yes/no question that confirms a finding said unsure: a yes/no question's own
        text, or the flow's `confirm_finding` text around the choice that reports it."""
        for node in self.nodes.values():
            if isinstance(node, QuestionNode) and node.kind == QuestionKind.YES_NO and node.concept == concept:
                return node.text
            for choice in node.choices if isinstance(node, QuestionNode) else ():
                if choice.concept == concept and choice.confirm is not None:
                    return choice.confirm
        template = self.texts.get("confirm_finding")
        return ByLanguage({lang: template[lang].format(finding=self.finding_label(concept, lang) or concept)
                           for lang in self.languages if template is not None and lang in template})

    def reader(self, lang: str) -> Reader:
        """The free-text reader for one language, made on first use."""
        if lang not in self._readers:
            rules = {check.concept: check.rules for check in self.emergency_checks}
            self._readers[lang] = Reader.from_vocabulary(self.vocabulary, lang, rules)
        return self._readers[lang]

    def question(self, node_id: str) -> QuestionNode | None:
        """The question node of that id (None: no such node, or not a question)."""
        node = self.nodes.get(node_id)
        return node if isinstance(node, QuestionNode) else None

    def outcome(self, node_id: str) -> OutcomeNode | None:
        """The outcome node of that id (None: no such node, or not an outcome)."""
        node = self.nodes.get(node_id)
        return node if isinstance(node, OutcomeNode) else None

    def scanner(self, lang: str) -> EmergencyScanner:
        """The emergency scanner for one language, made on first use."""
        if lang not in self._scanners:
            acting = (*self.emergency_checks, *self.red_flag_checks)
            self._scanners[lang] = EmergencyScanner(acting, self.reader(lang))
        return self._scanners[lang]

    def readers(self) -> dict[str, Reader]:
        """The free-text reader of every language of the flow."""
        return {lang: self.reader(lang) for lang in self.languages}

    def first_language(self, text: str | None) -> str:
        """The language a conversation starts in for this first message."""
        if len(self.languages) == 1:
            return self.languages[0]
        return first_language(self.language_words, text, self.readers(), self.languages[0])

    def language_after(self, text: str, current: str) -> str:
        """The language a conversation goes on in after this message."""
        if len(self.languages) == 1:
            return current
        return language_now(self.language_words, text, self.readers(), current)

    def language_asked_for(self, text: str) -> str | None:
        """The language a whole message asks for ("ESPAÑOL"), if it is one of the flow's."""
        asked = self.language_words.asked_for(text)
        return asked if asked in self.languages else None

    def disposition_of(self, findings: Iterable[str]) -> Disposition | None:
        """The highest disposition of these concepts."""
        return highest(self.dispositions.get(code) for code in findings)


def parse_flow(data: Mapping[str, Any], dispositions: Mapping[str, str | None], source: str = "",
               vocabulary: Vocabulary = EMPTY) -> Flow:
    """A flow file's JSON (already checked against the schema), the concept codes' dispositions
    and the flow's vocabulary."""
    return Flow(
        id=data["id"],
        version=data["version"],
        title=texts_from(data["title"]),
        languages=tuple(data["languages"]),
        start=data["start"],
        fallback=data["fallback"],
        texts=MappingProxyType({key: texts_from(text) for key, text in data["texts"].items()}),
        commands=Commands.from_json(data.get("commands")),
        sms_hints=MappingProxyType({QuestionKind(kind): texts_from(text)
                                    for kind, text in data["sms"]["hints"].items()}),
        sms_max_segments=MappingProxyType(dict(data["sms"].get("max_segments", {}))),
        voice=Voice.from_json(data["voice"]),
        emergency_checks=tuple(EmergencyCheck.from_json(check) for check in data["emergency_checks"]),
        nodes=MappingProxyType({node_id: node_from_json(node_id, node) for node_id, node in data["nodes"].items()}),
        dispositions=MappingProxyType({code: disposition_from(d) for code, d in dispositions.items()}),
        answer_words=AnswerWords.from_json(data.get("answer_words")),
        language_words=LanguageWords.from_json(data.get("language_words")),
        vocabulary=vocabulary,
        source=source,
    )
