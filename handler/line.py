"""The line: one message in, the decision applied to the session in the
store. One read, one conditional write, a retried message answered again
without a write, and a message that lost a race re-applied once. What the
message decides is handler.core.decide; this module adds the store."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace

from handler.core import engine
from handler.core.decide import Decision, decide
from handler.core.disposition import Disposition
from handler.core.engine import Message
from handler.core.events import Event
from handler.core.flow import Flow
from handler.core.position import Position
from handler.core.session import Session
from handler.core.state import language_of
from handler.infra import logs
from handler.infra.store import Conflict, SessionStore, StoreError

SEEN_KEPT = 10           # recent message ids remembered per conversation
ID_TAG_CHARS = 16        # message ids are kept only as short hashes (a MessageSid leads back to
                         # the number and body through the Twilio account)
HOUR = 60 * 60


def id_tag(message_id: str) -> str:
    return hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:ID_TAG_CHARS]


def _remember(seen: tuple[str, ...], tag: str) -> tuple[str, ...]:
    return (*seen, tag)[-SEEN_KEPT:]


class Line:
    """The line for one flow and one store. `max_per_hour` caps the messages one
    number may send in an hour (texts only): after it, one notice, then silence
    until the hour is over, except that an emergency is always answered."""

    def __init__(self, flow: Flow, store: SessionStore, max_per_hour: int | None = None):
        self.flow = flow
        self.store = store
        self.max_per_hour = max_per_hour

    def current(self, key: str) -> Decision:
        """Where a conversation stands, read only (to repeat a question or the advice)."""
        session = self.store.load(key)
        if session.state is None or not engine.is_current(self.flow, session.state):
            return Decision(None, session.opted_out, (), event=Event.NO_CONVERSATION, write=False)
        return Decision(session.state, False, engine.current_replies(self.flow, session.state),
                        event=Event.REPEATED, write=False)

    def handle(self, key: str, text: str, message_id: str | None = None,
               opt_out_type: str | None = None, channel: str = "sms", answering: str | None = None,
               language: str | None = None) -> Decision:
        """Apply one message. `answering` names the question the answer was given to
        (str of a Position); an answer to anything but the current question changes nothing.
        `language`: the language a new conversation starts in (a call's language menu), not
        the one its first message is written in.
        When the store fails, a clear emergency still gets its emergency advice (the reader
        needs no store); anything else raises, and the channel answers with the safe message."""
        try:
            return self._handle(key, text, message_id, opt_out_type, channel, answering, language)
        except StoreError:
            emergency = self.emergency_without_store(text)
            if emergency is None:
                raise
            logs.event("emergency_without_store", channel=channel)
            return emergency

    def emergency_without_store(self, text: str) -> Decision | None:
        """The emergency advice for a clear emergency or red flag in the text, with no session:
        in the language it is said in (the session that would say which could not be read)."""
        lang, detection = engine.scan(self.flow, self.flow.first_language(text), text)
        if not detection.clear:
            return None
        step = engine.start(self.flow, lang, text)
        return Decision(None, False, step.replies, step.outcome, Event.EMERGENCY, write=False)

    def _handle(self, key: str, text: str, message_id: str | None, opt_out_type: str | None,
                channel: str, answering: str | None, language: str | None = None) -> Decision:
        # A message without an id (a call's callback) gets one, so that a write that landed but
        # whose answer was lost (botocore's retry then fails the condition) is recognised on the
        # re-read as this message's own, not applied a second time.
        tag = id_tag(message_id or secrets.token_hex(8))
        for _attempt in range(2):
            session = self.store.load(key)
            decision = self._decide(session, text, tag, opt_out_type, channel, answering, language)
            if not decision.write:
                return decision
            same_talk = session.state is not None and decision.state is not None and \
                engine.is_current(self.flow, session.state) and decision.event != Event.RESTARTED
            turns = session.turns + 1 if same_talk else (1 if decision.state is not None else 0)
            window, count = self._window(session)
            if decision.event == Event.RATE_LIMITED:   # the notice: count it, leave the talk as it is
                updated = replace(session, seen=_remember(session.seen, tag), window=window,
                                  count=count + 1)
            else:
                # An opt-out forgets the conversation: no earlier answers are kept with the mark.
                previous = None if decision.opted_out else session.state
                updated = replace(session, state=decision.state, previous=previous,
                                  previously_opted_out=session.opted_out, last_message=tag,
                                  seen=_remember(session.seen, tag), turns=turns,
                                  opted_out=decision.opted_out, window=window, count=count + 1)
            try:
                self.store.save(updated, session.version)
            except Conflict:
                logs.event("write_conflict", channel=channel)
                continue                        # another message got there first: re-apply on the fresh state
            self._log(decision, channel, turns)
            return decision
        if decision.outcome is not None and decision.outcome.disposition == Disposition.EMERGENCY:
            return replace(decision, write=False)   # emergency advice does not wait for the store
        lang = language_of(session.state, language if language in self.flow.languages else self.flow.languages[0])
        return Decision(None, False, (Message(self.flow.text("resend", lang), key="resend"),),
                        event=Event.RESEND, write=False)

    def _window(self, session: Session) -> tuple[int, int]:
        """This hour's start, and how many messages the number sent in it so far."""
        now = int(self.store.clock())
        window = now - now % HOUR
        return window, (session.count if session.window == window else 0)

    def _decide(self, session: Session, text: str, tag: str, opt_out_type: str | None,
                channel: str, answering: str | None, language: str | None = None) -> Decision:
        flow = self.flow
        lang = language_of(session.state, flow.languages[0])
        if tag == session.last_message:
            # Twilio retried a message we already applied (or our own write landed but its answer
            # was lost): answer it the same way, change nothing. Before the stale check, which
            # would otherwise take our own applied answer for a late one.
            before = Session(session.key, state=session.previous, opted_out=session.previously_opted_out)
            logs.event("duplicate_message", channel=channel)
            # (the replayed event is kept: a call says goodbye after "finished" again, as the first time)
            return replace(decide(flow, before, text, opt_out_type, channel == "sms", language), write=False)
        # A late answer changes nothing, but an emergency (said in any language) still acts.
        if answering is not None and session.state is not None and engine.is_current(flow, session.state) \
                and engine.position(session.state) != Position.parse(answering) \
                and not engine.scan(flow, lang, text)[1].clear:   # a late answer, but an emergency still acts
            logs.event("stale_answer", channel=channel)
            return Decision(session.state, False, engine.current_replies(flow, session.state),
                            event=Event.STALE, write=False)
        if tag in session.seen:
            # An older message sent again (a late retry, or a replayed request): change nothing,
            # say where the conversation stands (nothing at all to an opted-out number).
            logs.event("replayed_message", channel=channel)
            replies = () if session.opted_out or session.state is None or \
                not engine.is_current(flow, session.state) else engine.current_replies(flow, session.state)
            return Decision(session.state, session.opted_out, replies, event=Event.REPLAYED, write=False)
        _window, count = self._window(session)
        pending_check = session.state is not None and session.state.get("check")   # its answer is heard
        if channel == "sms" and self.max_per_hour and count >= self.max_per_hour and not pending_check:
            over = self._over_the_limit(session, text, lang, count, self.max_per_hour)
            if over is not None:
                return over
        decision = decide(flow, session, text, opt_out_type, channel == "sms", language)
        if not decision.write:
            self._log(decision, channel, session.turns)
        return decision

    def _over_the_limit(self, session: Session, text: str, lang: str, count: int, limit: int) -> Decision | None:
        """A number over its hourly limit: a clear emergency is answered as always (None: decide
        as usual). A possible one gets the emergency advice, not a conversation, in place of the
        one notice; after that it counts like any message, so words that only might be an
        emergency ("heart") cannot keep a conversation going past the limit."""
        lang, detection = engine.scan(self.flow, lang, text)    # in any language of the flow
        if detection.clear:
            return None
        if count > limit:
            return Decision(session.state, session.opted_out, (), event=Event.RATE_LIMITED_QUIET, write=False)
        logs.event("rate_limited", channel="sms")
        if detection.possible:
            advice = engine.emergency_advice(self.flow, lang, detection.possible)
            return Decision(session.state, session.opted_out, advice, event=Event.RATE_LIMITED)
        return Decision(session.state, session.opted_out,
                        (Message(self.flow.text("rate_limited", lang), key="rate_limited"),), event=Event.RATE_LIMITED)

    def _log(self, decision: Decision, channel: str, turns: int) -> None:
        logs.event("message", channel=channel, step=decision.event)
        if decision.outcome is not None:
            logs.event("outcome", flow=self.flow.id, version=self.flow.version, channel=channel,
                       disposition=decision.outcome.disposition or "none", outcome=decision.outcome.node,
                       turns=turns)
