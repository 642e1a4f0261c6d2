"""The voice channel: Twilio's incoming-call webhook and gather callbacks in,
TwiML (VoiceResponse) out. The same flow and engine as SMS, spoken; how a
question sounds on the phone is decided in handler.channels.voice.menu."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from handler.channels.safe_reply import voice_twiml
from handler.channels.voice import menu
from handler.channels.voice.menu import ADVICE_PLACE, ListMove, Place
from handler.core import engine
from handler.core.disposition import Disposition
from handler.core.engine import Message, Question
from handler.core.events import Event
from handler.infra import logs
from handler.infra.pseudonyms import pseudonym
from handler.infra.query_seal import opened, seal_key, sealed_query
from handler.infra.signature import public_base
from handler.line import Decision

blueprint = Blueprint("voice", __name__)

GATHER_SECONDS = 8          # time to start answering; generous for someone in pain
MENU_SECONDS = 5            # the language menu: silence picks the flow's first language
DIAL_SECONDS = 25
MAX_SPEECH_CHARS = 500
NEW_CALL = "call:start"     # what an incoming call "answers": never a question's Position


class Call:
    """One callback of one call: the settings, the line and how to speak.

    The call's language is the stored conversation's (state["lang"]): each decision the line
    returns sets it, and the URLs handed to Twilio carry it, sealed, to the next callback
    (`l`, left out for the flow's first language), so that what is said before the line is
    asked again (a question repeated, the nurse line) is in it too, with no extra read."""

    def __init__(self):
        self.settings = current_app.config["SETTINGS"]
        self.line = current_app.extensions["triage_call"]
        self.flow = self.line.flow
        self.base = public_base(request, self.settings.public_base_url)
        self.key = "call#" + pseudonym(self.settings.phone_hash_key, request.form.get("CallSid", ""))
        self.seal_key = seal_key(self.settings.phone_hash_key)
        self.response = VoiceResponse()
        self._query: dict[str, str] | None = None
        carried = self.query().get("l", "")
        self.speak_in(carried if carried in self.flow.languages else self.flow.languages[0])

    def speak_in(self, lang: str) -> None:
        """From now on this callback speaks (and listens) in this language of the flow."""
        self.lang = lang if lang in self.flow.languages else self.flow.languages[0]
        self.locale = menu.locale(self.flow, self.lang)

    def text(self, key: str, **values) -> str:
        return menu.voice_text(self.flow, key, self.lang, **values)

    def say(self, text: str, into=None) -> None:
        (into or self.response).say(text, language=self.locale)

    def params(self, place: Place, **extra: str) -> dict[str, str]:
        """A place's query parameters, with the call's language unless it is the flow's first."""
        if self.lang != self.flow.languages[0]:
            extra = {"l": self.lang, **extra}
        return place.params(**extra)

    def answer_url(self, place: Place, **extra) -> str:
        return f"{self.base}/voice/answer?{sealed_query(self.seal_key, self.params(place, **extra))}"

    def language_url(self, **extra: str) -> str:
        return f"{self.base}/voice/language?{sealed_query(self.seal_key, {'menu': 'language', **extra})}"

    def language_menu(self) -> Response:
        """The first thing a caller hears: each language's line, said in its own locale. Nothing
        is stored until the caller picks (or says their first words, or the menu times out)."""
        gather = Gather(input="dtmf speech", action=self.language_url(), method="POST",
                        timeout=MENU_SECONDS, speech_timeout="auto", language=self.locale,
                        hints=menu.language_menu_hints(self.flow), num_digits=1)
        for text, lang in menu.language_menu(self.flow):
            gather.say(text, language=menu.locale(self.flow, lang))
        self.response.append(gather)
        self.response.redirect(self.language_url(timeout="1"), method="POST")
        return self.twiml()

    def query(self) -> dict[str, str]:
        """This callback's URL query as the line made it; empty when its seal does not hold
        (a URL changed on the way, or made by an earlier key): no place, no flags."""
        if self._query is None:
            self._query = opened(self.seal_key, request.args)
            if self._query is None:
                if request.args:
                    logs.event("gather_url_rejected", channel="voice")
                self._query = {}
        return self._query

    def place(self) -> Place | None:
        """Where the gather this answers was, or None (then the current question is asked)."""
        query = self.query()
        return Place.from_query(query) if query else None

    def flag(self, name: str) -> bool:
        return self.query().get(name) == "1"

    def ask(self, question: Question, place: Place) -> None:
        """A question as a Gather, and what happens when it times out."""
        if menu.is_list(question) and place.item >= len(question.choices):
            place = Place(question.position)   # an item the list does not have (a URL not made here): from the top
        gather = Gather(input="dtmf speech", action=self.answer_url(place), method="POST",
                        timeout=GATHER_SECONDS, speech_timeout="auto", language=self.locale,
                        hints=menu.hints(self.flow, self.lang, question), num_digits=1)
        self.say(menu.prompt(self.flow, self.lang, question, place.item), into=gather)
        self.response.append(gather)
        self.response.redirect(self.answer_url(place, timeout="1"), method="POST")

    def goodbye(self) -> Response:
        self.say(self.text("goodbye"))
        self.response.hangup()
        return self.twiml()

    def twiml(self) -> Response:
        return Response(str(self.response), status=200, mimetype="text/xml")

    def speak(self, decision: Decision, place: Place | None = None, no_input: bool = False) -> Response:
        """Say the engine's replies; a question becomes a gather (at `place`'s item, when
        the same list question is asked again), advice ends with an offer to repeat it."""
        if decision.state is not None:
            self.speak_in(decision.state["lang"])           # the stored conversation's language
        if self._emergency(decision):
            self.say(self.text("emergency_lead"))           # first, before anything else
            for reply in decision.replies:
                self.say(reply.text if isinstance(reply, Message) else reply.prompt)
            self.say(self.text("emergency_lead"))
            self.response.hangup()
            return self.twiml()
        for reply in decision.replies:
            if isinstance(reply, Question):
                same = place is not None and place.position == reply.position
                self.ask(reply, place if same and place is not None else Place(reply.position))
                return self.twiml()
            self.say(self.spoken(reply, no_input))
        state = decision.state
        if state is not None and state["done"]:
            if decision.event == Event.FINISHED:
                return self.goodbye()
            gather = Gather(input="dtmf speech", action=self.answer_url(ADVICE_PLACE), method="POST",
                            timeout=GATHER_SECONDS, speech_timeout="auto", language=self.locale,
                            hints=", ".join(menu.spoken_words(self.flow, "repeat", self.lang)[:2]), num_digits=1)
            self.say(self.text("offer_repeat"), into=gather)
            self.response.append(gather)
            return self.goodbye()
        if state is None and decision.event == Event.NO_CONVERSATION:   # none stored: start the call over
            self.response.redirect(f"{self.base}/voice", method="POST")  # (asking the store again would loop)
        elif state is None:  # nothing to go on (e.g. asked to resend): ask again from the store
            self.response.redirect(self.answer_url(place or ADVICE_PLACE, again="1"), method="POST")
        return self.twiml()

    def _emergency(self, decision: Decision) -> bool:
        """An emergency outcome, just reached or said again (a retried or stale callback)."""
        if decision.outcome is not None:
            return decision.outcome.disposition == Disposition.EMERGENCY
        state = decision.state
        if state is None or not state.get("done") or state.get("check") or not decision.replies \
                or any(isinstance(r, Question) for r in decision.replies):
            return False
        outcome = self.flow.outcome(state["done"] or "")
        return outcome is not None and outcome.disposition == Disposition.EMERGENCY

    def spoken(self, reply: Message, no_input: bool) -> str:
        if reply.key == "not_understood" and no_input:
            return self.text("no_input")
        if reply.key is not None and reply.key in self.flow.voice.texts:
            return self.text(reply.key)
        return reply.text

    def nurse(self, place: Place) -> Response:
        number = self.settings.nurse_line_number
        if not number:
            self.say(self.text("no_nurse_line"))
            self.response.redirect(self.answer_url(place, again="1"), method="POST")
            return self.twiml()
        self.say(self.text("nurse_connecting"))
        dial = Dial(action=f"{self.base}/voice/nurse-done?{sealed_query(self.seal_key, self.params(place))}",
                    method="POST", timeout=DIAL_SECONDS)
        dial.number(number)
        self.response.append(dial)
        return self.twiml()


def _safely(handler):
    """Anything that goes wrong still gives the caller the safe message."""
    def wrapped():
        try:
            return handler(Call())
        except Exception as error:
            logs.event("error", level=logging.ERROR, channel="voice", error=type(error).__name__)
            nurse = current_app.config["SETTINGS"].nurse_line_number
            return Response(voice_twiml(nurse), status=200, mimetype="text/xml")
    wrapped.__name__ = handler.__name__
    return wrapped


@blueprint.post("/voice")
@_safely
def incoming_call(call: Call) -> Response:
    existing = call.line.current(call.key)
    if existing.state is not None:   # Twilio asked again for a call already under way
        return call.speak(existing)
    return call.language_menu()      # stateless: nothing is stored before the choice


@blueprint.post("/voice/language")
@_safely
def language_chosen(call: Call) -> Response:
    """The language menu's answer: a key or a language's name starts the call in that language;
    silence or another key in the flow's first; other speech is the caller's first words, read
    (for emergencies first) in the language they are said in."""
    query = call.query()
    if query.get("menu") != "language":       # not a URL the menu made: the call from its start
        call.response.redirect(f"{call.base}/voice", method="POST")
        return call.twiml()
    digits = request.form.get("Digits", "").strip()
    speech = request.form.get("SpeechResult", "").strip()[:MAX_SPEECH_CHARS]
    if call.flag("timeout"):
        digits = speech = ""
    if digits == "*" and not query.get("l"):  # the menu again
        return call.language_menu()
    carried = query.get("l")                   # a start that could not be stored, tried again
    chosen = carried if carried in call.flow.languages else menu.language_choice(call.flow, digits, speech)
    text = "" if chosen is not None else speech
    call.speak_in(chosen or call.flow.first_language(text))
    # Tagged as answering no question: if a call is stored by the time it is read (a retried
    # callback, or one that raced another), it is said again (stale), never started over.
    decision = call.line.handle(call.key, text, channel="voice", answering=NEW_CALL, language=call.lang)
    if decision.state is None and decision.event == Event.RESEND:   # not stored: start it again
        for reply in decision.replies:
            call.say(call.spoken(reply, no_input=False) if isinstance(reply, Message) else reply.prompt)
        call.response.redirect(call.language_url(l=call.lang), method="POST")
        return call.twiml()
    return call.speak(decision)


@blueprint.post("/voice/answer")
@_safely
def gathered(call: Call) -> Response:
    place = call.place()
    digits = request.form.get("Digits", "").strip()
    speech = request.form.get("SpeechResult", "").strip()[:MAX_SPEECH_CHARS]
    lang = call.lang
    if place is None or call.flag("again"):
        return call.speak(call.line.current(call.key), place)
    # Emergency words win over the spoken commands ("sorry, I can't breathe", "someone passed out"),
    # in any language of the flow.
    emergency = bool(speech) and engine.alarms(call.flow, speech)
    if not emergency and menu.wants(call.flow, lang, "nurse", digits, speech):
        return call.nurse(place)
    question = engine.question_for(call.flow, place.position, lang)
    if not emergency and menu.wants(call.flow, lang, "repeat", digits, speech):
        if question is None:
            return call.speak(call.line.current(call.key), place)
        call.ask(question, place)
        return call.twiml()

    answering = str(place.position)
    if place.position.is_advice:
        if digits == "1":
            return call.speak(call.line.current(call.key), place)
        if not speech:
            return call.goodbye()
        return call.speak(call.line.handle(call.key, speech, channel="voice", answering=answering), place)

    no_input = call.flag("timeout") or not (digits or speech)
    if question is not None and menu.is_list(question) and not no_input:
        turn = menu.list_turn(call.flow, lang, question, place, digits, speech)
        if turn.move in (ListMove.READ_AGAIN, ListMove.ASK_ITEM):
            call.ask(question, turn.place or place)
            return call.twiml()
        if turn.move == ListMove.NOT_UNDERSTOOD:
            return call.speak(call.line.handle(call.key, "", channel="voice", answering=answering), place)
        if turn.move == ListMove.ANSWER:
            return call.speak(call.line.handle(call.key, turn.answer, channel="voice", answering=answering))
    text = "" if no_input else (speech or digits)
    decision = call.line.handle(call.key, text, channel="voice", answering=answering)
    return call.speak(decision, place, no_input=no_input)


@blueprint.post("/voice/nurse-done")
@_safely
def nurse_done(call: Call) -> Response:
    if request.form.get("DialCallStatus") == "completed":
        return call.goodbye()
    call.say(call.text("nurse_unreachable"))
    place = call.place() or ADVICE_PLACE
    call.response.redirect(call.answer_url(place, again="1"), method="POST")
    return call.twiml()
