"""What one message does to a conversation: keywords that win over the flow
(emergencies first, then opting out, HELP), then the engine. A new conversation
starts in the language its first message is written in (or the one a call's
language menu picked). Pure: the session
comes in as data and what to store and reply goes out as data; handler.line
reads and writes the store around it."""
from __future__ import annotations

from dataclasses import dataclass, replace

from handler.core import engine, keywords
from handler.core.engine import Message, Outcome, Reply
from handler.core.events import Event
from handler.core.flow import Flow
from handler.core.session import Session
from handler.core.state import State, language_of


@dataclass(frozen=True)
class Decision:
    """What to store and what to reply for one message."""
    state: State | None                # the conversation after this message (None: none)
    opted_out: bool
    replies: tuple[Reply, ...] = ()    # empty: answer with nothing
    outcome: Outcome | None = None
    event: Event = Event.ANSWERED
    write: bool = True                 # False: nothing changes in the store


def decide(flow: Flow, session: Session, text: str, opt_out_type: str | None = None,
           sms_keywords: bool = True, language: str | None = None) -> Decision:
    """What one message does to a conversation. sms_keywords: opting out and back in
    by text (not on a phone call). language: the language a new conversation starts in
    (one of the flow's; a call's language menu picked it), instead of the one its first
    message is written in; a conversation under way keeps its own."""
    chosen = language if language in flow.languages else None
    lang = language_of(session.state, "") or chosen or flow.first_language(text)
    clear_emergency = bool(engine.scan(flow, lang, text)[1].clear)   # in any language, it wins over every keyword
    keyword = keywords.classify(text, session.opted_out) if sms_keywords and not clear_emergency else None
    if (opt_out_type or "").upper() == "STOP":
        keyword = keywords.Keyword(keywords.OPT_OUT_TWILIO)        # Twilio already handled and answered it
    kind = keyword.kind if keyword is not None else None
    if keyword is not None and keyword.lang in flow.languages:
        lang = keyword.lang        # PARAR or AYUDA is answered in Spanish

    if kind in (keywords.OPT_OUT_TWILIO, keywords.OPT_OUT_PLAIN):
        confirmation = Message(flow.text("opted_out", lang), key="opted_out")
        replies = () if kind == keywords.OPT_OUT_TWILIO else (confirmation,)
        return Decision(None, True, replies, event=Event.OPTED_OUT)
    if session.opted_out:
        if kind == keywords.OPT_IN or (opt_out_type or "").upper() == "START":
            return Decision(None, False, (), event=Event.OPTED_IN)   # Twilio sends the confirmation
        emergency = engine.start(flow, lang, text)
        if emergency.event == Event.EMERGENCY:      # never silent in an emergency, opted out or not
            return Decision(None, True, emergency.replies, emergency.outcome, Event.EMERGENCY, write=False)
        return Decision(None, True, (), event=Event.IGNORED_OPTED_OUT, write=False)

    state = session.state
    notes: list[Reply] = []
    if state is not None and not engine.is_current(flow, state):
        state, notes = None, [Message(flow.text("flow_updated", lang), key="flow_updated")]
    elif state is None and session.expired:
        notes = [Message(flow.text("expired", lang), key="expired")]
    if state is None and kind == keywords.HELP:
        return Decision(None, False, (Message(flow.text("help", lang), key="help"),), event=Event.HELP, write=False)

    if state is None:
        step = engine.start(flow, lang, text)
        if sms_keywords and step.event != Event.EMERGENCY:
            step = _with_language_offer(flow, step)
    else:
        step = engine.step(flow, state, text)
    if step.event == Event.EMERGENCY:
        notes = []                              # emergency advice first, nothing before it
    return Decision(step.state, False, (*notes, *step.replies), step.outcome, step.event)


def _with_language_offer(flow: Flow, step: engine.Step) -> engine.Step:
    """By text, the opening offers the flow's other language in one line, right after it
    (a call picks its language at the phone menu instead)."""
    lang = step.state["lang"]
    if "language_offer" not in flow.texts or lang not in flow.texts["language_offer"]:
        return step
    replies = list(step.replies)
    at = next((i + 1 for i, reply in enumerate(replies) if isinstance(reply, Message) and reply.key == "opening"), 0)
    replies.insert(at, Message(flow.text("language_offer", lang), key="language_offer"))
    return replace(step, replies=tuple(replies))
