"""Helpers for the voice line tests (the fixtures are in tests/channels/conftest.py).

Everything runs against moto's in-memory DynamoDB (`mock_aws`) with fake AWS
credentials. The caller posts Twilio's real voice parameter sets
(tests/fixtures/twilio-webhooks.json: voice_incoming_call, voice_gather_digits,
voice_gather_speech) with CallSid / Digits / SpeechResult replaced, signed for
the exact URL (query string included) as Twilio signs it, and follows
<Redirect>s as Twilio does.

Every TwiML response any voice test receives through the caller passes
`check_twiml`: the structural invariants of the voice line (every Gather is
followed by its no-input path, every Say carries the call's language, every URL
is absolute under PUBLIC_BASE_URL, a response never ends in silence).

A call starts at the language menu (/voice: each language's line in its own
locale, then /voice/language). `Caller.start()` picks English there (1), as every
English test's caller does; `start(lang="es")` picks Spanish (9), and `call()`
stops at the menu.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs, parse_qsl, urlsplit
from xml.etree import ElementTree

from handler.core import engine
from handler.infra.pseudonyms import pseudonym
from handler.infra.query_seal import SEAL, opened, seal_key, sealed_query
from handler.infra.settings import Settings
from handler.infra.signature import sign
from tests.channels.line_under_test import (  # noqa: F401
    ACCOUNT_SID,
    AUTH_TOKEN,
    BASE_URL,
    HASH_KEY,
    ORIGIN,
    REGION,
    STAGE,
    TABLE,
)
from tests.fakes import START_TIME, FakeClock  # noqa: F401  (tests import them from here)
from tests.flow_words import advice_opening
from tests.paths import TESTS_DIR

WEBHOOKS_FILE = TESTS_DIR / "fixtures" / "twilio-webhooks.json"   # Twilio's real parameter sets

LOCALE = "en-US"
# (findings, disposition, outcome): one patient per disposition the flow can reach
PATIENTS = [
    ({"red_flag.groin_numbness"}, "emergency", "emergency"),
    ({"red_flag.dark_urine", "context.exercise"}, "emergency", "emergency"),
    ({"tizanidine.taking", "tizanidine.interacting_drug"}, "urgent", "urgent_advice"),
    ({"tizanidine.taking", "tizanidine.hallucinations"}, "urgent", "urgent_advice"),
    ({"pattern.wakes_from_sleep"}, "routine", "routine_advice"),
    ({"tizanidine.taking", "tizanidine.side_effects"}, "routine", "routine_advice"),
    ({"condition.neurological"}, "routine", "routine_advice"),
    ({"context.dehydration"}, "self_care", "self_care_advice"),
    (set(), "self_care", "self_care_advice"),
]
LOCALES = {"en": "en-US", "es": "es-US"}            # the flow's voice.locale
MENU_KEYS = {"en": "1", "es": "9"}                  # the language menu's keys
YES_NO_SAID = {"en": ("Yes.", "No."), "es": ("Sí.", "No.")}
NURSE_NUMBER = "+15005550009"
CALL_SID = "CA0123456789abcdef0123456789abcdef"     # the one in Twilio's sample parameter sets
CALLER_NUMBER = "+14155550123"

VERBS_AFTER_GATHER = ("Redirect", "Say")     # Say must then be followed by Hangup


def webhooks() -> dict:
    return json.loads(WEBHOOKS_FILE.read_text(encoding="utf-8"))


def voice_params(kind: str, call_sid: str, **replace) -> dict:
    """A real Twilio voice parameter set ('voice_incoming_call', 'voice_gather_digits',
    'voice_gather_speech') for the test account (ACCOUNT_SID), with CallSid and the given
    values replaced; a value of None removes the parameter."""
    params = copy.deepcopy(webhooks()[kind])
    params.update(CallSid=call_sid, AccountSid=ACCOUNT_SID)
    for name, value in replace.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    return params


def no_input_params(call_sid: str) -> dict:
    """What Twilio posts when it follows a Redirect: the call's parameters, no Digits/SpeechResult."""
    return voice_params("voice_incoming_call", call_sid, CallStatus="in-progress")


# --- reading TwiML structurally --------------------------------------------------------------

def text_of(element) -> str:
    return "".join(element.itertext()).strip()


def verbs(root) -> list:
    """The top-level verbs of a <Response>, in order."""
    return list(root)


def tags(root) -> list[str]:
    return [element.tag for element in root]


def gathers(root) -> list:
    return [element for element in root if element.tag == "Gather"]


def query_of(url: str) -> dict:
    """What a URL's query carries, its seal left out (Caller checks every seal)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items() if k != SEAL}


def sealed_path(settings: Settings, path: str, **params: str) -> str:
    """A callback path with a query sealed as the line seals its own (under the settings'
    PHONE_HASH_KEY): for tests that name a place the line did not hand out."""
    return f"{path}?{sealed_query(seal_key(settings.phone_hash_key), params)}"


def check_seals(root, settings: Settings) -> None:
    """Every callback URL the line hands out carries a query whose seal holds."""
    urls = [text_of(e) for e in root.iter("Redirect")] + [e.get("action") for e in root.iter("Gather")] + \
        [e.get("action") for e in root.iter("Dial")]
    for url in urls:
        query = urlsplit(url).query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            assert opened(seal_key(settings.phone_hash_key), dict(pairs)) == dict(p for p in pairs if p[0] != SEAL), \
                f"a URL whose seal does not hold: {url}"


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def check_url(url: str) -> None:
    assert url.startswith(BASE_URL + "/"), f"not an absolute URL under PUBLIC_BASE_URL: {url!r}"
    assert urlsplit(url).path.startswith(urlsplit(BASE_URL).path + "/"), url


def is_static_safe_message(root) -> bool:
    from handler.channels.safe_reply import SAFE_TEXT, SAFE_TEXT_ES
    says = verbs(root)[:2]
    return tags(root) == ["Say", "Say", "Hangup"] and [e.get("language") for e in says] == ["en-US", "es-US"] \
        and text_of(says[0]).startswith(SAFE_TEXT) and text_of(says[1]).startswith(SAFE_TEXT_ES)


def check_twiml(root, locale: str = LOCALE) -> None:
    """The structural invariants of every voice TwiML response; every Say and Gather (but
    the language menu's Says, each in its own language) carries `locale`, the call's."""
    assert root.tag == "Response"
    elements = verbs(root)
    assert elements, "an empty response: the caller would hear silence"
    allowed = {"Say", "Gather", "Redirect", "Hangup", "Dial"}
    assert set(tags(root)) <= allowed, tags(root)
    safe_message = is_static_safe_message(root)   # it cannot know the call's language: English, then Spanish
    for index, element in enumerate(elements):
        if element.tag == "Say":
            assert text_of(element), "an empty <Say>"
            assert element.get("language") == locale or safe_message, element.attrib
            assert len(element) == 0
        elif element.tag == "Gather" and is_menu(element):
            check_menu_gather(element)
            assert [e.tag for e in elements[index + 1:]] == ["Redirect"], tags(root)
            assert urlsplit(text_of(elements[index + 1])).path.endswith("/voice/language")
        elif element.tag == "Gather":
            check_gather(element, locale)
            rest = elements[index + 1:]
            assert rest, "a <Gather> with nothing after it: a dead end when the caller says nothing"
            following = rest[0]
            if following.tag == "Redirect":
                pass
            else:
                assert following.tag == "Say", f"<Gather> followed by <{following.tag}>"
                after_says = [e.tag for e in rest if e.tag != "Say"]
                assert after_says and after_says[0] == "Hangup", \
                    f"<Gather> followed by Say but not Hangup: {tags(root)}"
        elif element.tag == "Redirect":
            check_url(text_of(element))
            assert element.get("method") == "POST"
            assert index == len(elements) - 1, f"verbs after a <Redirect> are never reached: {tags(root)}"
        elif element.tag == "Hangup":
            assert index == len(elements) - 1, f"verbs after <Hangup>: {tags(root)}"
        elif element.tag == "Dial":
            assert element.get("action"), "a <Dial> without an action: the call would end silently"
            check_url(element.get("action"))
            assert element.get("method") == "POST"
            assert [child.tag for child in element] == ["Number"], [c.tag for c in element]
            assert index == len(elements) - 1
    last = elements[-1].tag
    assert last in ("Redirect", "Hangup", "Dial"), f"response ends in <{last}>: {tags(root)}"


def is_menu(gather) -> bool:
    return urlsplit(gather.get("action", "")).path.endswith("/voice/language")


def check_menu_gather(gather) -> None:
    """The language menu: one key, speech too, a short wait, and one line per language, the
    first language's first, each said in its own locale."""
    attrs = gather.attrib
    assert attrs.get("input") == "dtmf speech" and attrs.get("method") == "POST", attrs
    check_url(attrs.get("action", ""))
    assert attrs.get("numDigits") == "1", attrs
    assert 3 <= int(attrs.get("timeout", "0")) <= 10, attrs
    assert attrs.get("language") == LOCALE, attrs
    says = list(gather)
    assert [s.tag for s in says] == ["Say"] * len(LOCALES), [s.tag for s in says]
    assert [s.get("language") for s in says] == list(LOCALES.values())
    assert all(text_of(s) for s in says)


def check_gather(gather, locale: str = LOCALE) -> None:
    attrs = gather.attrib
    assert attrs.get("input") == "dtmf speech", attrs
    assert attrs.get("method") == "POST", attrs
    check_url(attrs.get("action", ""))
    assert urlsplit(attrs["action"]).path.endswith("/voice/answer"), attrs["action"]
    assert 5 <= int(attrs.get("timeout", "0")) <= 15, attrs      # time to answer, in seconds
    assert attrs.get("numDigits") == "1", attrs
    assert attrs.get("language") == locale, attrs
    hints = [h.strip() for h in attrs.get("hints", "").split(",")]
    assert hints and all(hints), attrs
    says = list(gather)
    assert says and all(s.tag == "Say" for s in says), [s.tag for s in says]
    for say in says:
        assert text_of(say)
        assert say.get("language") == locale


# --- the caller ------------------------------------------------------------------------------

@dataclass
class Twiml:
    """One response: status, XML root, and readings of it."""
    status: int
    body: bytes
    root: object = None

    @property
    def tags(self) -> list[str]:
        return tags(self.root)

    @property
    def gather(self):
        found = gathers(self.root)
        return found[0] if found else None

    @property
    def redirect(self) -> str | None:
        found = [text_of(e) for e in self.root if e.tag == "Redirect"]
        return found[0] if found else None

    def says(self) -> list[str]:
        """Every Say in order, those inside a Gather included."""
        return [text_of(e) for e in self.root.iter("Say")]

    def standalone_says(self) -> list[str]:
        return [text_of(e) for e in self.root if e.tag == "Say"]

    def prompt(self) -> str:
        """The question asked inside the Gather."""
        return " ".join(text_of(s) for s in self.gather.iter("Say"))

    @property
    def place(self) -> dict:
        return query_of(self.gather.get("action")) if self.gather is not None else {}


@dataclass
class Turn:
    """One input from the caller and every response until Twilio stops following Redirects."""
    responses: list[Twiml] = field(default_factory=list)

    @property
    def first(self) -> Twiml:
        return self.responses[0]

    @property
    def last(self) -> Twiml:
        return self.responses[-1]

    def says(self) -> list[str]:
        return [text for r in self.responses for text in r.says()]

    @property
    def heard(self) -> str:
        return " ".join(self.says())

    @property
    def hung_up(self) -> bool:
        return self.last.tags[-1] == "Hangup"


class Caller:
    """One phone call into the app, signed like Twilio. `start`, `press`, `say` and
    `no_input` send one input and follow the Redirects that need no input, like Twilio."""

    MAX_REDIRECTS = 10

    def __init__(self, app, settings: Settings, call_sid: str = CALL_SID):
        self.client = app.test_client()
        self.settings = settings
        self.call_sid = call_sid
        self.current: Twiml | None = None     # the last response that holds a Gather
        self.log: list[Twiml] = []
        self.locale = LOCALE                  # what every Say and Gather must carry (the call's language)

    @property
    def key(self) -> str:
        return "call#" + pseudonym(self.settings.phone_hash_key, self.call_sid)

    def post(self, path_qs: str, params: dict, signature: str | None = None, url: str | None = None) -> Twiml:
        """One signed POST; path_qs is the path with its query string (or an absolute URL)."""
        if path_qs.startswith("http"):
            path_qs = path_and_query(path_qs)
        assert path_qs.startswith(STAGE + "/"), path_qs
        signed_url = url or ORIGIN + path_qs
        headers = {"X-Twilio-Signature": signature if signature is not None
                   else sign(self.settings.twilio_auth_token, signed_url, params)}
        # The app is mounted at / (API Gateway strips the stage): drop the stage prefix.
        app_path = path_qs[len(STAGE):]
        response = self.client.post(app_path, data=params, headers=headers)
        twiml = Twiml(response.status_code, response.data)
        if response.status_code == 200:
            assert response.mimetype == "text/xml", response.mimetype
            twiml.root = ElementTree.fromstring(response.data)
            check_twiml(twiml.root, self.locale)
            check_seals(twiml.root, self.settings)
        self.log.append(twiml)
        return twiml

    def _follow(self, first: Twiml) -> Turn:
        turn = Turn([first])
        response = first
        for _ in range(self.MAX_REDIRECTS):
            if response.status != 200:
                break
            if response.gather is not None:
                self.current = response
                break
            if response.redirect is None:
                break
            response = self.post(response.redirect, no_input_params(self.call_sid))
            turn.responses.append(response)
        else:
            raise AssertionError("Redirects without end")
        return turn

    def call(self, **replace) -> Turn:
        """The incoming call (/voice): the language menu, unless the call is under way."""
        params = voice_params("voice_incoming_call", self.call_sid, **replace)
        return self._follow(self.post(STAGE + "/voice", params))

    @property
    def at_menu(self) -> bool:
        return self.current is not None and self.current.gather is not None and is_menu(self.current.gather)

    def choose(self, lang: str = "en") -> Turn:
        """Press the language's key at the language menu; the call goes on in it."""
        assert self.at_menu, "not at the language menu"
        self.locale = LOCALES[lang]
        return self.press(MENU_KEYS[lang])

    def start(self, lang: str | None = "en", **replace) -> Turn:
        """The incoming call, and the language picked at its menu (None: stay at the menu).
        Returns the turn after the choice: the opening and the first question."""
        turn = self.call(**replace)
        if lang is None or turn.last.status != 200 or turn.last.gather is None or not is_menu(turn.last.gather):
            return turn
        return self.choose(lang)

    def action(self) -> str:
        assert self.current is not None and self.current.gather is not None, "nothing is being asked"
        return self.current.gather.get("action")

    def press(self, digits: str, action: str | None = None) -> Turn:
        params = voice_params("voice_gather_digits", self.call_sid, Digits=digits)
        return self._follow(self.post(action or self.action(), params))

    def say(self, speech: str, action: str | None = None, confidence: str = "0.9104783") -> Turn:
        params = voice_params("voice_gather_speech", self.call_sid, SpeechResult=speech, Confidence=confidence)
        return self._follow(self.post(action or self.action(), params))

    def no_input(self) -> Turn:
        """The Gather timed out: Twilio follows the Redirect after it, without Digits."""
        redirect = next(text_of(e) for e in self.current.root if e.tag == "Redirect")
        assert query_of(redirect).get("timeout") == "1", redirect
        return self._follow(self.post(redirect, no_input_params(self.call_sid)))

    def prompts(self) -> int:
        """Prompts heard so far: Says inside Gathers (the language menu's left out)."""
        return sum(len(list(r.gather.iter("Say"))) for r in self.log
                   if r.status == 200 and r.gather is not None and not is_menu(r.gather))


# --- the store -------------------------------------------------------------------------------


def scan_items(client) -> list[dict]:
    return client.scan(TableName=TABLE)["Items"]


def item_for(client, key: str) -> dict | None:
    return client.get_item(TableName=TABLE, Key={"pk": {"S": key}}, ConsistentRead=True).get("Item")


def stored_state(client, key: str) -> tuple[int, dict | None]:
    item = item_for(client, key)
    if item is None:
        return 0, None
    return int(item["v"]["N"]), (json.loads(item["state"]["S"]) if "state" in item else None)


# --- what the flow says, and a scripted caller ----------------------------------------------

def vtext(flow, key: str, lang: str | None = None) -> str:
    return flow.voice.texts[key][lang or flow.languages[0]]


def outcomes_heard(flow, turn, lang: str | None = None) -> list[str]:
    """The outcomes whose advice opens one of the Says heard (in flow order)."""
    heard = turn.says() if isinstance(turn, Turn) else turn.says()
    return [node_id for node_id, node in flow.nodes.items()
            if node.type == "outcome"
            and any(advice_opening(node_id, lang or flow.languages[0], flow) in said for said in heard)]


def disposition_heard(flow, turn, lang: str | None = None) -> str | None:
    found = outcomes_heard(flow, turn, lang)
    assert len(found) == 1, f"expected one outcome's advice, heard {found}: {turn.says()}"
    return flow.nodes[found[0]].disposition


def question_of(flow, q: str, lang: str | None = None):
    lang = lang or flow.languages[0]
    if q.startswith("confirm:"):
        return engine.confirm_question(flow, q.removeprefix("confirm:"), lang)
    return engine.question_at(flow, q, lang)


SPOKEN_NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def scripted_answer(flow, place: dict, present: set, speech: bool, choose: dict | None = None,
                    lang: str | None = None) -> str:
    """A caller's answer at a gather: keypad digits or speech (in `lang`, the call's)."""
    q, item = place["q"], int(place.get("i", "0"))
    lang = lang or flow.languages[0]
    question = question_of(flow, q, lang)
    if choose and q in choose:
        index = choose[q]
        if question.kind == "one_of":
            return question.choices[index] if speech else str(index + 1)
        yes = index == 0
    elif question.kind == "one_of":
        index = next((n for n, code in enumerate(question.concepts) if code in present),
                     next(n for n, code in enumerate(question.concepts) if code is None))
        return question.choices[index] if speech else str(index + 1)
    elif question.kind == "yes_no":
        yes = question.concepts[0] in present
    else:
        yes = question.concepts[item] in present
    if speech:
        return YES_NO_SAID[lang][0 if yes else 1]
    return "1" if yes else "2"


def walk(caller: Caller, flow, present=(), speech: bool = False, choose: dict | None = None,
         until: tuple | None = None, max_inputs: int = 60, lang: str = "en") -> Turn:
    """Call, pick `lang` at the language menu, and answer as a patient with these findings
    until the advice (or `until`, a (question, item) place, is being asked). Returns the last turn."""
    present = set(present)
    turn = caller.start(lang)
    for _ in range(max_inputs):
        if caller.current is None or turn.last.gather is None:
            return turn
        place = turn.last.place
        if place["q"] == "advice":
            return turn
        if until is not None and (place["q"], int(place.get("i", "0"))) == until:
            return turn
        answer = scripted_answer(flow, place, present, speech, choose, lang)
        turn = caller.say(answer) if speech else caller.press(answer)
    raise AssertionError("the call did not end")


HANG_UP = {"en": "hang up", "es": "cuelgue"}
PRESS_1 = {"en": "press 1", "es": "oprima 1"}


def assert_emergency(flow, twiml: Twiml, lang: str = "en") -> None:
    """Emergency advice: the lead ('hang up ... call 911') first, nothing to answer, Hangup last."""
    elements = verbs(twiml.root)
    first = elements[0]
    assert first.tag == "Say", twiml.tags
    lead = text_of(first).lower()
    assert HANG_UP[lang] in lead and "911" in lead, lead
    assert text_of(first) == vtext(flow, "emergency_lead", lang)
    assert first.get("language") == LOCALES[lang]
    assert twiml.tags[-1] == "Hangup"
    assert set(twiml.tags[:-1]) == {"Say"}, twiml.tags


def assert_advice_end(flow, twiml: Twiml, lang: str = "en") -> list[str]:
    """Non-emergency advice: its Says, then a Gather offering to repeat it (press 1), then
    goodbye and Hangup. Returns the advice said."""
    tags_ = twiml.tags
    assert tags_[-3:] == ["Gather", "Say", "Hangup"], tags_
    assert set(tags_[:-3]) == {"Say"} and len(tags_) > 3, tags_
    gather = twiml.gather
    assert query_of(gather.get("action")).get("q") == "advice"
    offer = [text_of(s) for s in gather.iter("Say")]
    assert offer == [vtext(flow, "offer_repeat", lang)]
    assert PRESS_1[lang] in offer[0].lower()
    assert text_of(verbs(twiml.root)[-2]) == vtext(flow, "goodbye", lang)
    return twiml.standalone_says()


def longest_prompts(flow) -> tuple[int, list[str]]:
    """The most prompts (Says inside Gathers) a caller can hear before the advice, walking
    the flow's graph as the phone menu reads it: one prompt per question, one per item of
    a list question (a yes to an item with its own next node ends the list there)."""
    memo: dict[str, tuple[int, list[str]]] = {}

    def best(node_id: str, seen: frozenset) -> tuple[int, list[str]]:
        if node_id in memo:
            return memo[node_id]
        assert node_id not in seen, f"loop at {node_id}"
        seen = seen | {node_id}
        node = flow.nodes[node_id]
        if node.type == "outcome":
            return 0, [node_id]
        if node.type == "message":
            return best(node.next, seen)
        if node.type == "route":
            options = [best(n, seen) for n in node.by_disposition.values()]
        elif node.kind == "yes_no":
            options = [(1 + c, [node_id, *p]) for c, p in (best(node.yes, seen), best(node.no, seen))]
        elif node.kind == "one_of":
            options = [(1 + c, [node_id, *p]) for c, p in (best(ch.next, seen) for ch in node.choices)]
        else:
            options = [(len(node.choices) + c, [node_id, *p]) for c, p in [best(node.next, seen)]]
            options += [(i + 1 + c, [node_id, *p]) for i, ch in enumerate(node.choices) if ch.next is not None
                        for c, p in [best(ch.next, seen)]]
        memo[node_id] = max(options, key=lambda o: o[0])
        return memo[node_id]

    return best(flow.start, frozenset())
