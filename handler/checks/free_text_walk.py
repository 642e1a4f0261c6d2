"""The free-text proof at the level of the conversation: at every question the
flow can ask, at an emergency confirmation and after the advice, a message
holding an emergency or red-flag phrase (alone, wrapped in the sentences
patients use, shouted, with a typo) ends in emergency advice at once, as the
same red flag picked by number does; and its denial never ends there by itself.
The reader-level proof of every phrase is handler.checks.vocabulary; this walk
takes each finding's first phrases in every wrapping through the engine."""
from __future__ import annotations

from collections.abc import Iterator

from handler.checks.issues import Issue
from handler.checks.vocabulary import wrapped
from handler.core import engine
from handler.core.disposition import Disposition
from handler.core.events import Event
from handler.core.flow import Flow
from handler.core.nodes import OutcomeNode, QuestionNode
from handler.core.state import State

PHRASES_PER_FINDING = 3      # the first phrases of each finding, in every wrapping, at every place


def places(flow: Flow, lang: str) -> Iterator[tuple[str, State]]:
    """(where, state) for every question of the flow, a pending confirmation, and the advice."""
    fresh = engine.start(flow, lang).state
    for node_id, node in flow.nodes.items():
        if isinstance(node, QuestionNode):
            yield f"question {node_id}", {**fresh, "node": node_id}
    if flow.checks_by_concept:
        concept = next(iter(flow.checks_by_concept))
        yield f"confirming {concept}", {**fresh, "check": concept}
    advice = next((node.id for node in flow.nodes.values()
                   if isinstance(node, OutcomeNode) and node.disposition == Disposition.SELF_CARE), None)
    if advice is not None:
        yield "after the advice", {**fresh, "done": advice}


def walk(flow: Flow) -> Iterator[Issue]:
    """Every wrapped emergency and red-flag phrase at every place ends in emergency advice."""
    for lang in flow.languages:
        state_at = list(places(flow, lang))
        for concept in flow.checks_by_concept:
            for phrase in flow.vocabulary.words(concept, lang).clear[:PHRASES_PER_FINDING]:
                for sentence in wrapped(phrase, lang):
                    opening = engine.start(flow, lang, sentence)
                    if opening.event != Event.EMERGENCY:
                        yield Issue("free-text-not-emergency", "free text", f"[{lang}] {sentence!r} as a first "
                                    f"message does not end in emergency advice ({concept})", language=lang)
                        break
                    missed = next((where for where, state in state_at
                                   if engine.step(flow, state, sentence).event != Event.EMERGENCY), None)
                    if missed is not None:
                        yield Issue("free-text-not-emergency", "free text", f"[{lang}] {sentence!r} at {missed} "
                                    f"does not end in emergency advice ({concept})", language=lang)
                        break
