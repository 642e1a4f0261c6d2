"""The dev phone's side on the server: a text or a call turn sent to the line exactly as
Twilio sends it (a signed webhook request to /sms or /voice, answered by the real app in
this process), the TwiML read back, and the session as DynamoDB then holds it."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

from handler.channels.sms.segments import encoding, segments
from handler.core import engine
from handler.core.state import language_of
from handler.infra.pseudonyms import pseudonym
from handler.tools.local_line import LINE_NUMBER, SignedClient
from handler.tools.twiml_reading import sms_messages

MAX_HOPS = 10                      # redirects followed in one turn, as Twilio would follow them
NUMBER = re.compile(r"\+[1-9][0-9]{6,14}")
CALL_SID = re.compile(r"CA[0-9a-f]{32}")
KEYS = set("0123456789*#")


class BadRequest(ValueError):
    """What the browser sent cannot be a patient's text or call turn."""


def item_size(item: dict | None) -> int:
    """The item's size as DynamoDB counts it, for the types the store writes: each attribute
    name's UTF-8 bytes plus its value's (a string's UTF-8 bytes, a number one byte per two
    significant digits plus one, a boolean one). bench/item_size.py prices every type."""
    size = 0
    for name, value in (item or {}).items():
        (kind, data), = value.items()
        if kind == "S":
            size += len(data.encode("utf-8"))
        elif kind == "N":
            digits = data.lstrip("-").replace(".", "").strip("0") or "0"
            size += (len(digits) + 1) // 2 + 1
        else:
            size += 1
        size += len(name.encode("utf-8"))
    return size


@dataclass
class CallTurn:
    """One TwiML answer to a call: what the caller hears, and what happens next."""
    heard: list[str]
    gather: dict[str, Any] | None = None     # the open question: where keys and speech go
    redirect: str | None = None              # a Redirect to follow at once (no gather before it)
    ended: bool = False


def read_call_twiml(twiml: bytes | str) -> CallTurn:
    """Twilio's reading of voice TwiML: Say in order; a Gather waits for the caller, and
    what follows it is what happens on silence (a Redirect, or more Say and a Hangup)."""
    turn = CallTurn(heard=[])
    after: list[str] = []
    for element in ElementTree.fromstring(twiml):
        said = "".join(element.itertext()).strip()
        if turn.gather is None:
            if element.tag == "Say":
                turn.heard.append(said)
            elif element.tag == "Gather":
                turn.heard.extend("".join(s.itertext()) for s in element.iter("Say"))
                turn.gather = {"action": path_of(element.get("action", "")), "timeout": None,
                               "after_silence": after, "hangs_up_after_silence": False}
            elif element.tag == "Redirect":
                turn.redirect = path_of(said)
                return turn
            elif element.tag == "Dial":
                turn.heard.append(f"[put through to {said}]")
                turn.ended = True
            elif element.tag == "Hangup":
                turn.ended = True
                return turn
        elif element.tag == "Redirect" and turn.gather["timeout"] is None:
            turn.gather["timeout"] = path_of(said)
        elif element.tag == "Say":
            after.append(said)
        elif element.tag == "Hangup":
            turn.gather["hangs_up_after_silence"] = True
    if turn.gather is None:
        turn.ended = True                    # TwiML that runs out ends the call
    return turn


def path_of(url: str) -> str:
    """The path and query of a URL the line wrote (the client adds its own base back)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class DevPhone:
    """Texts and calls from made-up numbers, through the line app's real webhooks."""

    def __init__(self, line_app: Any, settings: Any):
        self.client = SignedClient(line_app, settings)
        self.texts = line_app.extensions["triage_line"]
        self.calls = line_app.extensions["triage_call"]
        self.hash_key = settings.phone_hash_key
        self.account_sid = settings.twilio_account_sid   # the line refuses any other account

    def text(self, number: str, body: str) -> dict[str, Any]:
        if not NUMBER.fullmatch(number):
            raise BadRequest("a number in E.164 form, e.g. +15555550100")
        response = self.client.sms(number, body)
        replies = sms_messages(response.data) if response.status_code == 200 else []
        return {"status": response.status_code,
                "replies": [{"text": text, "encoding": encoding(text), "segments": segments(text)}
                            for text in replies],
                "session": self.session("sms#" + pseudonym(self.hash_key, number), self.texts)}

    def call(self, call_sid: str, number: str, action: str, path: str | None = None,
             said: str = "") -> dict[str, Any]:
        """One call turn: "ring" (a new call), "press" keys or "say" words to the gather at
        `path`, "silence" (the gather's timeout Redirect at `path`), "hangup"."""
        if not CALL_SID.fullmatch(call_sid) or not NUMBER.fullmatch(number):
            raise BadRequest("a call sid (CA and 32 hex digits) and a number in E.164 form")
        call = {"CallSid": call_sid, "AccountSid": self.account_sid, "From": number, "To": LINE_NUMBER,
                "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01"}
        key = "call#" + pseudonym(self.hash_key, call_sid)
        if action == "hangup":
            return {"heard": [], "gather": None, "ended": True, "session": self.session(key, self.calls)}
        if action == "ring":
            path, params = "/voice", {**call, "CallStatus": "ringing"}
        elif action in ("press", "say", "silence"):
            if not path or not path.startswith("/voice"):
                raise BadRequest("a path on the line's voice webhook")
            params = dict(call)
            if action == "press":
                if not said or any(key_ not in KEYS for key_ in said):
                    raise BadRequest("keys 0-9, * and #")
                params["Digits"] = said
            elif action == "say":
                params.update(SpeechResult=said.strip(), Confidence="0.9")
        else:
            raise BadRequest(f"no call action {action!r}")
        heard: list[str] = []
        turn = CallTurn(heard=[])
        for _hop in range(MAX_HOPS):
            response = self.client.post(path, params)
            if response.status_code != 200:
                heard.append(f"[HTTP {response.status_code}]")
                turn = CallTurn(heard=[], ended=True)
                break
            turn = read_call_twiml(response.data)
            heard.extend(turn.heard)
            if turn.redirect is None:
                break
            path, params = turn.redirect, dict(call)
        return {"heard": heard, "gather": turn.gather, "ended": turn.ended or turn.redirect is not None,
                "session": self.session(key, self.calls)}

    def session(self, key: str, line: Any) -> dict[str, Any]:
        """The stored item, and what the conversation has come to: the state, the opt-out
        mark, the disposition and findings once advice was given."""
        item = line.store.item(key)
        stored = line.store.load(key)
        flow = line.flow
        state = stored.state
        view: dict[str, Any] = {"key": key, "item": item, "size": item_size(item),
                                "opted_out": stored.opted_out, "state": state, "expired": stored.expired,
                                "disposition": None, "findings": []}
        if state is not None and engine.is_current(flow, state) and state.get("done"):
            outcome = flow.outcome(state["done"] or "")
            lang = language_of(state, flow.languages[0])
            view["disposition"] = (outcome.disposition.value if outcome and outcome.disposition
                                   else "out of scope")
            view["findings"] = [{"code": code, "label": flow.finding_label(code, lang)}   # None: no choice names it
                                for code in engine.findings(flow, state)]
        return view
