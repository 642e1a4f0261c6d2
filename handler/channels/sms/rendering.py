"""Rendering the engine's replies as SMS text: numbered choices, a hint on how
to answer, and replies packed into as few messages as fit in the language's
segment budget (the flow's sms.max_segments)."""
from __future__ import annotations

from collections.abc import Iterable

from handler.channels.sms.segments import segments
from handler.core.engine import Message, Question, Reply
from handler.core.flow import DEFAULT_MAX_SEGMENTS, Flow
from handler.core.nodes import QuestionKind

MAX_SEGMENTS = DEFAULT_MAX_SEGMENTS   # English, and any language the flow sets no budget for
PART_BREAK = "\n\n"


def question_text(flow: Flow, lang: str, question: Question) -> str:
    hint = flow.sms_hints[question.kind][lang]
    if question.kind == QuestionKind.YES_NO:
        return f"{question.prompt} {hint}"
    lines = [question.prompt, *(f"{n}) {label}" for n, label in enumerate(question.choices, 1)), hint]
    return "\n".join(lines)


def reply_text(flow: Flow, lang: str, reply: Message | Question) -> str:
    return question_text(flow, lang, reply) if isinstance(reply, Question) else reply.text


def pack(parts: list[str], max_segments: int = MAX_SEGMENTS) -> list[str]:
    """Join parts into messages of at most max_segments each, keeping their order.
    A part that is too long by itself is sent alone (the validator forbids those)."""
    messages: list[str] = []
    for part in parts:
        joined = messages[-1] + PART_BREAK + part if messages else None
        if joined is not None and segments(joined) <= max_segments:
            messages[-1] = joined
        else:
            messages.append(part)
    return messages


def render(flow: Flow, lang: str, replies: Iterable[Reply]) -> list[str]:
    """The SMS messages to send for one step's replies."""
    return pack([reply_text(flow, lang, reply) for reply in replies], flow.max_segments(lang))
