"""`triage-line vignettes FILE`: scripted test patients through the real
webhook path (signed requests into the app, sessions in DynamoDB).

The scripted patient only reads what the line sends: it recognises the
question in the line's last message by its text in the flow (in the vignette's
`language` first, then in the flow's others), answers from its list of present
findings (and says yes when the line checks something it said in words), in the
language the question was asked in, and the disposition is read off the advice
sent; the findings and language come from the session the line stored. A
Spanish patient (`"language": "es"`) opens a text with HOLA, and picks Spanish
at a call's language menu (9, or "español" said).
Input and output follow the project's vignette format (JSON list in, JSON
Lines out, a summary line on stderr)."""
from __future__ import annotations

import json
import secrets
from collections.abc import Set
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from handler.channels.sms import rendering
from handler.channels.sms.segments import segments
from handler.channels.voice.menu import LANGUAGE_KEYS, Place
from handler.core.disposition import Disposition
from handler.core.engine import Question, confirm_question, findings, is_current, question_at, question_for
from handler.core.flow import RANK, Flow
from handler.core.nodes import OutcomeNode, QuestionKind, QuestionNode
from handler.core.state import State
from handler.infra import logs
from handler.infra.pseudonyms import pseudonym
from handler.tools.local_line import SignedClient, local_settings, local_store
from handler.tools.twiml_reading import sms_messages, twiml_verbs

MAX_TURNS = 40
OPENINGS = {"en": "HI", "es": "HOLA"}              # the first text, when the vignette gives none
YES_NO = {"en": ("yes", "no"), "es": ("sí", "no")}
LANGUAGE_NAMES = {"en": "English", "es": "español"}   # what a caller says at the language menu


@dataclass(frozen=True)
class KnownQuestion:
    question: Question
    sms: str
    lang: str = "en"


def known_questions(flow: Flow, lang: str) -> list[KnownQuestion]:
    """Every question the line can ask, as it reads by SMS in one language (longest first,
    so the most specific text wins)."""
    questions = [question_at(flow, node_id, lang) for node_id, node in flow.nodes.items()
                 if isinstance(node, QuestionNode)]
    confirmable = {*flow.checks_by_concept, *(code for code in flow.dispositions if flow.asking_node(code))}
    questions += [confirm_question(flow, concept, lang) for concept in sorted(confirmable)]
    known = [KnownQuestion(q, rendering.question_text(flow, lang, q), lang) for q in questions]
    return sorted(known, key=lambda k: -len(k.sms))


def questions_heard(flow: Flow, lang: str) -> list[KnownQuestion]:
    """The questions a patient of this language recognises: in it first, then in the flow's
    other languages (the line moves to the one a message is plainly written in)."""
    others = [other for other in flow.languages if other != lang]
    return [known for each in (lang, *others) if each in flow.languages for known in known_questions(flow, each)]


def advice_openings(flow: Flow, lang: str | None = None) -> list[tuple[str, Disposition | None]]:
    """(first text of each outcome's advice, its disposition), in one language or in all."""
    openings: list[tuple[str, Disposition | None]] = []
    for each in (lang,) if lang is not None else flow.languages:
        for node in flow.nodes.values():
            if isinstance(node, OutcomeNode):
                first = node.parts[0]
                text = first.text[each] if first.text is not None else flow.text(first.include or "", each)
                openings.append((text, node.disposition))
    return openings


def yes_no_word(yes: bool, lang: str) -> str:
    yes_word, no_word = YES_NO.get(lang, YES_NO["en"])
    return yes_word if yes else no_word


def answer(question: Question, present: set[str], said: Set[str] = frozenset(), lang: str = "en") -> str:
    """What the scripted patient replies (yes and no in `lang`): from what is present; a
    question that confirms something the patient said in words is answered yes."""
    if question.kind == QuestionKind.YES_NO:
        meant = present | said if question.confirming else present
        return yes_no_word(question.concepts[0] in meant, lang)
    if question.kind == QuestionKind.ALL_THAT_APPLY:
        picked = [str(n) for n, code in enumerate(question.concepts, 1) if code in present]
        return " ".join(picked) or "0"
    for n, code in enumerate(question.concepts, 1):
        if code is not None and code in present:
            return str(n)
    plain = [n for n, code in enumerate(question.concepts, 1) if code is None]
    return str(plain[0] if plain else 1)


class Patient:
    """What both channels share: the findings, the volunteered text, the transcript."""

    def __init__(self, flow: Flow, vignette: dict):
        self.flow = flow
        self.lang = vignette.get("language", "en")
        self.present = set(vignette["present"])
        self.said_in_words = set(vignette.get("opening_means", ()))   # what the patient said, not picked
        self.volunteer = vignette.get("volunteer")
        self.transcript: list[dict] = []
        self.reached: list[str] = []
        self.answered = 0
        self.openings = advice_openings(flow)         # the advice is known in every language
        self.volunteered_means = set((self.volunteer or {}).get("means", ()))

    def heard(self, text: str) -> None:
        self.transcript.append({"from": "line", "text": text})
        self.reached.extend(d for opening, d in self.openings if opening in text and d is not None)

    def said(self, text: str) -> None:
        self.transcript.append({"from": "patient", "text": text})

    def turns(self) -> int:
        return sum(1 for t in self.transcript if t["from"] == "patient")

    def volunteers_now(self, asked: bool) -> str | None:
        """The volunteered text, once: after N answers, or right after the advice."""
        if self.volunteer and (self.answered == self.volunteer["after"] or not asked):
            text, self.volunteer = self.volunteer["text"], None
            self.said_in_words.update(self.volunteered_means)
            return text
        return None

    def result(self, vignette: dict, segments_sent: int, recorded: State | None) -> dict:
        disposition = max(self.reached, key=RANK.__getitem__) if self.reached else "none"
        result = {"id": vignette["id"], "disposition": disposition}
        if "expected" in vignette:
            result["expected"] = vignette["expected"]
        result.update(turns=self.turns(), segments=segments_sent,
                      findings=findings(self.flow, recorded) if recorded else [],
                      language=recorded["lang"] if recorded else self.lang, transcript=self.transcript)
        return result


def stored_state(app: Any, key: str) -> State | None:
    """The conversation as the line stored it (its findings, its language)."""
    line = app.extensions["triage_line"]
    state = line.store.load(key).state
    return state if state is not None and is_current(line.flow, state) else None


def run_sms(app: Any, client: SignedClient, vignette: dict, number: str, hash_key: str) -> dict:
    flow = app.extensions["triage_line"].flow
    patient = Patient(flow, vignette)
    questions = questions_heard(flow, patient.lang)
    sent_segments = 0

    def send(text: str) -> list[str]:
        nonlocal sent_segments
        patient.said(text)
        response = client.sms(number, text)
        messages = sms_messages(response.data) if response.status_code == 200 else []
        for message in messages:
            patient.heard(message)
            sent_segments += segments(message)
        return messages

    messages = send(vignette.get("opening", OPENINGS.get(patient.lang, OPENINGS["en"])))
    while patient.turns() < MAX_TURNS:
        last = messages[-1] if messages else ""
        known = next((k for k in questions if last.endswith(k.sms)), None)
        volunteered = patient.volunteers_now(known is not None)
        if volunteered:
            messages = send(volunteered)
            continue
        if known is None:
            break  # advice given (or nothing asked): the conversation is over
        asked = known.question
        messages = send(answer(asked, patient.present, patient.said_in_words, known.lang))
        patient.answered += not asked.confirming
    return patient.result(vignette, sent_segments, stored_state(app, "sms#" + pseudonym(hash_key, number)))


def spoken_answer(question: Question, reply: str, lang: str = "en") -> str:
    """The keypad answer as a caller would say it (in the language it was asked in)."""
    if question.kind == QuestionKind.ONE_OF:
        return question.choices[int(reply) - 1]
    return yes_no_word(reply == "1", lang)


def heard_language(flow: Flow, gather: dict[str, str]) -> str:
    """The language a gather listens in (its locale), as one of the flow's."""
    locale = gather.get("language")
    return next((lang for lang in flow.languages if flow.voice.locale.get(lang) == locale), flow.languages[0])


def is_language_menu(gather: dict[str, str]) -> bool:
    return urlsplit(gather.get("action", "")).path.endswith("/voice/language")


def run_voice(app: Any, client: SignedClient, vignette: dict, call_id: str, hash_key: str) -> dict:
    """A phone call: follows the TwiML as Twilio would (Say, Gather, Redirect, Hangup)."""
    flow = app.extensions["triage_line"].flow
    patient = Patient(flow, vignette)
    by_speech = vignette.get("input", "dtmf") == "speech"
    call = {"CallSid": call_id, "AccountSid": client.settings.twilio_account_sid, "From": "+15555550199",
            "To": "+15005550006", "CallStatus": "in-progress", "Direction": "inbound"}
    response = client.post("/voice", {**call, "CallStatus": "ringing"})
    hops = 0
    while response.status_code == 200 and patient.turns() < MAX_TURNS and hops < 4 * MAX_TURNS:
        hops += 1
        verbs = twiml_verbs(response.data)
        for verb, text in verbs:
            if verb == "Say":
                patient.heard(text)
        gather = next((attrs for verb, attrs in verbs if verb == "Gather"), None)
        redirect = next((text for verb, text in verbs if verb == "Redirect"), None)
        if gather is None:
            if redirect is None:
                break                               # hung up
            response = client.post(path_of(redirect), call)
            continue
        if is_language_menu(gather):               # the patient's language, by key or by name
            said = LANGUAGE_NAMES.get(patient.lang, "English") if by_speech else LANGUAGE_KEYS.get(patient.lang, "1")
            patient.said(said)
            params = {"SpeechResult": said, "Confidence": "0.9"} if by_speech else {"Digits": said}
            response = client.post(path_of(gather["action"]), {**call, **params})
            continue
        lang = heard_language(flow, gather)
        place = place_of(gather["action"])
        asked = asked_at(flow, place, lang)
        volunteered = patient.volunteers_now(asked is not None)
        if volunteered:
            patient.said(volunteered)
            response = client.post(path_of(gather["action"]), {**call, "SpeechResult": volunteered,
                                                               "Confidence": "0.9"})
            continue
        if asked is None:
            break                                   # the advice, offered again: hang up
        question, item = asked
        if question.kind == QuestionKind.ONE_OF:
            reply = answer(question, patient.present)
        else:  # a yes/no question, or one item of a list: a key (1 yes, 2 no), as the prompt asks
            concept = question.concepts[item if question.kind == QuestionKind.ALL_THAT_APPLY else 0]
            meant = patient.present | patient.said_in_words if question.confirming else patient.present
            reply = "1" if concept in meant else "2"
        said = spoken_answer(question, reply, lang) if by_speech else reply
        patient.said(said)
        patient.answered += not question.confirming and (
            question.kind != QuestionKind.ALL_THAT_APPLY or item + 1 == len(question.choices))
        params = {"SpeechResult": said, "Confidence": "0.9"} if by_speech else {"Digits": reply}
        response = client.post(path_of(gather["action"]), {**call, **params})
    return patient.result(vignette, 0, stored_state(app, "call#" + pseudonym(hash_key, call_id)))


def asked_at(flow: Flow, place: Place | None, lang: str | None = None) -> tuple[Question, int] | None:
    """The question (and list item) a gather asks, in `lang`; None for the advice."""
    if place is None or place.position.is_advice:
        return None
    question = question_for(flow, place.position, lang or flow.languages[0])
    if question is None:
        raise KeyError(f"the line asked {place.position}, which flow {flow.id} does not have")
    return question, (0 if question.confirming else place.item)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def place_of(url: str) -> Place | None:
    return Place.from_query({k: v[0] for k, v in parse_qs(urlsplit(url).query).items()})


def summary(results: list[dict]) -> str:
    scored = [r for r in results if "expected" in r]
    def rank(name):
        return RANK.get(name, -1)
    correct = sum(r["disposition"] == r["expected"] for r in scored)
    under = sum(rank(r["disposition"]) < rank(r["expected"]) for r in scored if r["disposition"] != "none")
    over = sum(rank(r["disposition"]) > rank(r["expected"]) for r in scored)
    none = sum(r["disposition"] == "none" for r in results)
    return (f"total {len(results)}, correct {correct}, undertriaged {under}, "
            f"overtriaged {over}, none {none}")


def run_vignettes(vignettes: list[dict]) -> list[dict]:
    from handler.app import create_app

    logs.only_problems()
    with local_settings(server=False) as (settings, _supplied):
        app = create_app(settings, store=local_store(settings))
        return run_on(app, SignedClient(app, settings), settings.phone_hash_key, vignettes)


def run_on(app: Any, client: SignedClient, hash_key: str, vignettes: list[dict]) -> list[dict]:
    """The vignettes against an app already running (the console runs them on its line)."""
    # Fresh numbers and call ids on every run: a store that outlives the run (one named by
    # DYNAMODB_ENDPOINT_URL, the console's, or a second run in this process) must not resume
    # old conversations.
    run = secrets.randbelow(10 ** 6)
    return [run_voice(app, client, v, f"CA{run:08x}{n:024x}", hash_key) if v.get("channel") == "voice"
            else run_sms(app, client, v, f"+1555{run:06d}{n:04d}", hash_key)
            for n, v in enumerate(vignettes, 1)]


def run_file(path, out, err) -> int:
    vignettes = json.loads(path.read_text(encoding="utf-8"))
    results = run_vignettes(vignettes)
    for result in results:
        out.write(json.dumps(result) + "\n")
    err.write(summary(results) + "\n")
    return 0
