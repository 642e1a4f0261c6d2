"""A conversation's engine state: the small JSON dict kept in the store (well
under 1 KB), so that any process holding the same flow version can go on."""
from __future__ import annotations

from typing import Any, NotRequired, TypedDict

# One answer: [question node, [positions picked]], or [concept] for an emergency found in free
# text. Lists, not tuples, because that is how the state comes back from JSON.
AnswerEntry = list[Any]


class State(TypedDict):
    flow: str                   # the flow's id and version: a state is only read with its own
    version: str
    lang: str
    node: str                   # the question being asked (the last one, once done)
    answers: list[AnswerEntry]
    misses: int                 # answers not understood in a row
    check: str | None           # an emergency being confirmed, by concept
    done: str | None            # the outcome node once the advice is given
    queue: NotRequired[list[str]]   # further possible emergencies of one message, to ask next


def language_of(state: State | None, default: str) -> str:
    """The conversation's language, or the flow's first when there is no conversation."""
    return state.get("lang", default) if state is not None else default
