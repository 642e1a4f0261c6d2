"""Hostile input: property-based tests (hypothesis) over the whole request to /sms and the
voice routes, and the awkward requests around them (other content types, broken
percent-encoding, bodies over the size limit, huge headers, forged forwarding headers).

The generated requests are signed correctly, over the exact URL and over the form as the
app reads it (werkzeug's own parser; for repeated fields every value, as Twilio's
validator reads a MultiDict), so they get past the signature check; those that carry
our AccountSid and their channel's id well formed (`answerable`) reach the handlers, and
the place in a voice callback's query is mostly sealed as the line seals its own. For
every one of them: never a 5xx, never an 'error' log event (the handlers catch
everything and log it as one: any such event is a crash), and either a 200 whose body
is TwiML (XML with a <Response> root) or a clean 4xx.

The store is moto's in-memory DynamoDB (mock_aws), with fake credentials.
"""
from __future__ import annotations

import io
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from urllib.parse import parse_qsl, quote_plus, urlsplit
from xml.etree import ElementTree

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from werkzeug.datastructures import MultiDict

from handler.app import MAX_REQUEST_BYTES, create_app
from handler.infra import logs
from handler.infra.query_seal import seal_key, seal_of
from handler.infra.settings import Settings
from handler.infra.signature import sign
from handler.infra.store import CLIENT_CONFIG, SessionStore, create_table
from handler.infra.twilio_ids import CALL_SID, MESSAGE_SID

AUTH_TOKEN = "hostile-test-auth-token-0123456789"
ACCOUNT_SID = "AC" + "0" * 32
HASH_KEY = "hostile-test-phone-hash-key"
SEAL_KEY = seal_key(HASH_KEY)
BASE_URL = "https://line.example.test/dev"
TABLE = "triage-sessions-hostile"
REGION = "us-east-1"
FORM = "application/x-www-form-urlencoded"
CLEAN_4XX = {400, 403, 405, 413, 415}

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])

SMS_FIELDS = ("From", "To", "Body", "MessageSid", "SmsSid", "SmsMessageSid", "AccountSid", "MessagingServiceSid",
              "NumMedia", "NumSegments", "OptOutType", "SmsStatus", "ApiVersion", "FromCountry", "ToCity",
              "MediaUrl0", "MediaContentType0", "ReferralNumMedia")
VOICE_FIELDS = ("CallSid", "AccountSid", "From", "To", "CallStatus", "Direction", "ApiVersion", "Digits",
                "SpeechResult", "Confidence", "DialCallStatus", "DialCallSid", "DialCallDuration", "Caller",
                "FinishedOnKey", "msg")
QUERY_KEYS = ("q", "i", "p", "timeout", "again", "bodySHA256")
SENDERS = ("+14155550123", "+447700900123", "+12125550188")
CALL_SIDS = ("CA" + "01" * 16, "CA" + "ab" * 16, "CA" + "ff" * 16)
POSITIONS = ("topic", "red_flags", "medicine", "medicine_warning", "medicine_concerns", "pattern", "condition",
             "context", "advice", "confirm:emergency.chest_pain", "confirm:nothing", "emergency", "nowhere")

SPECIAL = (
    "", " ", "\x00", "\x00\x01\x02\x1b\x7f", "\r\n", "\t", "\x0b\x0c", "\u0085", "\u2028\u2029", "\ufeff",
    "\ufffe", "\uffff", "\U0010ffff", "\ud800", "\udfff", "\udc80\udcff", "\U0001f9b5\U0001f4a5",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\u202e\u2066", "\u0301\u0301\u0301", "\u00b2", "\u0663",
    "\uff11", "\u2460", "STOP", "stop texting me", "START", "HELP", "RESTART", "BACK", "1", "0", "*", "#",
    "1 2 3 4 5 6 7 8 9", "9" * 5000, "yes", "no", "chest pain", "I can't breathe", "911", "nurse",
    "<Response><Say>x</Say></Response>", "]]>", "&amp;", "&", "=", "+", "%", "%%", "%zz", "%E2%82",
    "'; DROP TABLE x; --", "{{7*7}}", "${jndi:ldap://x}", "..\\..\\etc\\passwd", "null", "None",
    "completed", "busy", "1_000", " 3 ", "-1", "1e9", "0x10", "1.2.3", "..", ".",
)

characters = st.one_of(st.characters(), st.characters(categories=["Cs"]), st.characters(max_codepoint=0x1f),
                       st.sampled_from("\U0001f600\U0001f9b5\u200d\ufe0f\u00e9\u4e2d\u0627"))
words = st.one_of(st.sampled_from(SPECIAL), st.text(characters, max_size=40))
hostile_text = st.one_of(
    words,
    st.text(characters, max_size=300),
    st.lists(words, max_size=8).map(" ".join),
    # 1,600 characters (Twilio's limit for one message) and more
    st.tuples(st.text(characters, min_size=1, max_size=8), st.integers(1600, 6000)).map(
        lambda pair: (pair[0] * (pair[1] // len(pair[0]) + 1))[:pair[1]]),
)


def encode(value: str) -> str:
    """Percent-encode as a client would, lone surrogates included: a low surrogate from
    surrogateescape (\\udc80-\\udcff) becomes its raw byte, any other its CESU bytes.
    Either way the bytes are not valid UTF-8, as a broken client would send."""
    raw = bytearray()
    for char in value:
        if 0xdc80 <= ord(char) <= 0xdcff:
            raw += char.encode("utf-8", "surrogateescape")
        else:
            raw += char.encode("utf-8", "surrogatepass")
    return quote_plus(bytes(raw))


def urlencoded(pairs) -> bytes:
    return "&".join(f"{encode(key)}={encode(value)}" for key, value in pairs).encode("ascii")


def form_as_read(body: bytes) -> MultiDict:
    """The form exactly as the app reads an urlencoded body (werkzeug's parser: invalid
    UTF-8 after percent-decoding is kept percent-encoded; an undecodable body is no form)."""
    try:
        return MultiDict(parse_qsl(body.decode(), keep_blank_values=True, errors="werkzeug.url_quote"))
    except ValueError:
        return MultiDict()


def answerable(route: str, body: bytes) -> bool:
    """Does the form as the app reads it carry our AccountSid once and the route's id once,
    well formed? (Otherwise the line refuses it, 403.)"""
    form = form_as_read(body)
    name, shape = ("MessageSid", MESSAGE_SID) if route == "/sms" else ("CallSid", CALL_SID)
    ids = form.getlist(name)
    return form.getlist("AccountSid") == [ACCOUNT_SID] and len(ids) == 1 and shape.fullmatch(ids[0]) is not None


def sealed(query: str) -> str:
    """The query with the line's own seal over what the app reads of it (request.args)."""
    pairs = list(form_as_read(query.encode("ascii")).items(multi=True))
    return (f"{query}&" if query else "") + "seal=" + seal_of(SEAL_KEY, pairs)


def call_form(call: str, *pairs) -> bytes:
    """A gather callback's form: the call, our account and the given fields."""
    return urlencoded([("CallSid", call), ("AccountSid", ACCOUNT_SID), *pairs])


def start_call(line: Line, call: str) -> None:
    """An incoming call, English picked at its language menu: the call is under way."""
    check(line, line.post("/voice", urlencoded({**VOICE_BASE, "CallSid": call}.items())))
    check(line, line.post("/voice/language", call_form(call, ("Digits", "1")), query=sealed("menu=language")))


def place_in(url: str) -> dict:
    """The place a callback URL names, its seal left out."""
    return {k: v for k, v in parse_qsl(urlsplit(url).query) if k != "seal"}


def has_surrogate(pairs) -> bool:
    return any(0xd800 <= ord(ch) <= 0xdfff for pair in pairs for part in pair for ch in part)


def field_pairs(known: tuple[str, ...], base: dict):
    """A form: the realistic fields, some dropped, some repeated or changed, and extra ones."""
    keys = st.one_of(st.sampled_from(known), st.text(characters, max_size=20), st.sampled_from(SPECIAL[:30]))

    @st.composite
    def build(draw):
        pairs = [(k, v) for k, v in base.items() if draw(st.booleans()) or draw(st.booleans())]
        for _ in range(draw(st.integers(0, 6))):
            key = draw(keys)
            value = draw(hostile_text)
            if draw(st.booleans()):
                pairs = [(k, v) for k, v in pairs if k != key]          # replace it
            pairs.append((key, value))                                   # or repeat it
        return draw(st.permutations(pairs)) if draw(st.booleans()) else pairs
    return build()


class Line:
    """The app on moto, a signed poster, and the log events of the current request."""

    def __init__(self, app, client, events: list, settings: Settings, store: SessionStore):
        self.app = app
        self.settings = settings
        self.store = store
        self.client = client
        self.events = events

    def post(self, path: str, body: bytes, *, query: str = "", content_type: str | None = FORM,
             signed_params=None, headers: dict | None = None, signature: str | None = None,
             base_url: str = "https://line.example.test"):
        url = BASE_URL + path + (f"?{query}" if query else "")
        if signed_params is None:
            signed_params = form_as_read(body) if content_type == FORM else MultiDict()
        all_headers = {"X-Twilio-Signature": signature if signature is not None else
                       sign(AUTH_TOKEN, url, signed_params), **(headers or {})}
        if content_type is not None:
            all_headers["Content-Type"] = content_type
        del self.events[:]
        return self.client.post(path + (f"?{query}" if query else ""), data=body, headers=all_headers,
                                base_url=base_url)

    @contextmanager
    def store_calls(self) -> Iterator[list[str]]:
        """Every DynamoDB operation the line makes inside (botocore's own hook on the store's
        client, through which every call of the line goes): none means nothing was read
        and nothing written. Cheaper than comparing the whole table before and after, which
        the property tests above fill."""
        made: list[str] = []

        def record(model, **_kwargs) -> None:
            made.append(model.name)

        events = self.store.client.meta.events
        events.register("before-call.dynamodb", record)
        try:
            yield made
        finally:
            events.unregister("before-call.dynamodb", record)


def check(line: Line, response, *, reached: bool = True) -> ElementTree.Element | None:
    """Never a 5xx or a logged crash; a 200 with TwiML, or a clean 4xx. `reached`: the
    request was signed and well formed, so it must have been answered with TwiML."""
    crashes = [e for e in line.events if e.get("event") == "error"]
    assert not crashes, crashes
    status = response.status_code
    assert status < 500, (status, response.data[:300])
    if reached:
        assert status == 200, (status, response.data[:300])
    if status != 200:
        assert status in CLEAN_4XX, status
        return None
    assert response.mimetype == "text/xml"
    root = ElementTree.fromstring(response.data)       # raises on anything that is not XML
    assert root.tag == "Response"
    return root


@pytest.fixture(scope="module")
def line():
    saved = {name: os.environ.get(name) for name in (
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
        "AWS_DEFAULT_REGION", "AWS_PROFILE", "DYNAMODB_ENDPOINT_URL")}
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)
    for name in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "DYNAMODB_ENDPOINT_URL"):
        os.environ.pop(name, None)
    events: list = []

    class Collect(logging.Handler):
        def emit(self, record):
            events.append(getattr(record, "fields", {"event": "other", "message": record.getMessage()}))

    collector = Collect(level=logging.DEBUG)
    try:
        with mock_aws():
            client = boto3.client("dynamodb", region_name=REGION, config=CLIENT_CONFIG)
            create_table(client, TABLE)
            settings_ = Settings(twilio_auth_token=AUTH_TOKEN, twilio_account_sid=ACCOUNT_SID, phone_hash_key=HASH_KEY,
                                 public_base_url=BASE_URL, sessions_table=TABLE, aws_region=REGION,
                                 nurse_line_number="+15005550009")
            store = SessionStore(client, TABLE)
            app = create_app(settings_, store=store)
            logs.logger.addHandler(collector)
            yield Line(app, app.test_client(), events, settings_, store)
    finally:
        logs.logger.removeHandler(collector)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# --- properties over the whole form body ----------------------------------------------------

SMS_BASE = {"MessageSid": "SM" + "0" * 32, "SmsSid": "SM" + "0" * 32, "AccountSid": ACCOUNT_SID,
            "From": SENDERS[0], "To": "+15005550006", "Body": "hi", "NumMedia": "0", "NumSegments": "1",
            "SmsStatus": "received", "ApiVersion": "2010-04-01"}
VOICE_BASE = {"CallSid": CALL_SIDS[0], "AccountSid": ACCOUNT_SID, "From": SENDERS[0], "To": "+15005550006",
              "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01"}


@PROPERTY
@given(pairs=field_pairs(SMS_FIELDS, SMS_BASE), sender=st.sampled_from(SENDERS), sid=st.uuids())
def test_any_sms_form_gets_twiml(line, pairs, sender, sid):
    pairs = [(k, sender if k == "From" and v == SMS_BASE["From"] else
              f"SM{sid.hex}" if k in ("MessageSid", "SmsSid") and v == SMS_BASE["MessageSid"] else v)
             for k, v in pairs]
    body = urlencoded(pairs)
    if not has_surrogate(pairs):                 # signed over exactly what Twilio would send
        assert form_as_read(body) == MultiDict(pairs)
    response = line.post("/sms", body)
    check(line, response, reached=len(body) <= MAX_REQUEST_BYTES and answerable("/sms", body))


VOICE_ANSWERS = ("1", "2", "3", "0", "*", "#", "9", "yes", "no", "repeat", "nurse", "none of these", "back",
                 "restart", "help", "I can't breathe", "chest pain", "no chest pain", "1 2", "both", "*", "repeat")
LIST_QUESTIONS = ("red_flags", "medicine_concerns", "pattern", "context")
place_queries = st.fixed_dictionaries(
    {"q": st.one_of(st.sampled_from(LIST_QUESTIONS), st.sampled_from(POSITIONS), words)},
    optional={"i": st.one_of(st.integers(0, 7).map(str), st.integers(0, 7).map(str), words),
              "p": st.one_of(st.lists(st.integers(0, 9), max_size=6).map(lambda p: ".".join(map(str, p))), words),
              "timeout": st.sampled_from(("1", "0", "")), "again": st.sampled_from(("1", "0", ""))})
extra_query = st.lists(st.tuples(st.one_of(st.sampled_from(QUERY_KEYS), words), words), max_size=3)


@PROPERTY
@given(path=st.sampled_from(("/voice", "/voice/language", "/voice/answer", "/voice/answer", "/voice/answer",
                             "/voice/nurse-done")),
       pairs=field_pairs(VOICE_FIELDS, VOICE_BASE), call=st.sampled_from(CALL_SIDS), place=place_queries,
       extra=extra_query, answer=st.one_of(st.none(), st.tuples(st.sampled_from(("Digits", "SpeechResult")),
                                                                st.sampled_from(VOICE_ANSWERS))),
       progress=st.sampled_from(("none", "started", "at the list")), seal=st.sampled_from((True, True, True, False)))
def test_any_voice_request_gets_twiml(line, path, pairs, call, place, extra, answer, progress, seal):
    """A call under way (or not), then any callback: a question's place in the query (or
    nonsense there, sealed or not), realistic answers mixed with hostile fields."""
    if progress != "none":
        start_call(line, call)
    if progress == "at the list":
        check(line, line.post("/voice/answer", call_form(call, ("Digits", "1")), query=sealed("q=topic")))
    pairs = [(k, call if k == "CallSid" and v == VOICE_BASE["CallSid"] else v) for k, v in pairs]
    if answer:
        pairs.insert(0, answer)
    body = urlencoded(pairs)
    query_string = "&".join(f"{encode(k)}={encode(v)}" for k, v in (*place.items(), *extra))
    response = line.post(path, body, query=sealed(query_string) if seal else query_string)
    check(line, response, reached=len(body) <= MAX_REQUEST_BYTES and answerable(path, body))


@PROPERTY
@given(question=st.one_of(st.sampled_from(LIST_QUESTIONS), st.sampled_from(POSITIONS)),
       item=st.one_of(st.none(), st.integers(0, 9), st.integers(-2, 12), words), picked=st.one_of(st.none(), st.lists(
           st.integers(-1, 12), max_size=7).map(lambda p: ".".join(map(str, p))), words),
       flags=st.sets(st.sampled_from(("timeout=1", "again=1"))),
       answer=st.one_of(st.none(), st.sampled_from((("Digits", "*"), ("SpeechResult", "repeat"), ("Digits", "1"),
                                                    ("Digits", "2"), ("Digits", "0"), ("SpeechResult", "nurse"))),
                        st.tuples(st.sampled_from(("Digits", "SpeechResult")),
                                  st.one_of(st.sampled_from(VOICE_ANSWERS), words))))
def test_any_place_in_a_call_under_way(line, question, item, picked, flags, answer):
    """A call at its first list question, then a gather callback naming any place (the
    question, the item of a list, the items picked so far), sealed, with any answer."""
    call = "CA" + uuid.uuid4().hex
    start_call(line, call)
    check(line, line.post("/voice/answer", call_form(call, ("Digits", "1")), query=sealed("q=topic")))
    query = [("q", question), *([("i", str(item))] if item is not None else []),
             *([("p", picked)] if picked is not None else []), *(flag.split("=") for flag in sorted(flags))]
    body = call_form(call, *([answer] if answer else []))
    check(line, line.post("/voice/answer", body,
                          query=sealed("&".join(f"{encode(k)}={encode(v)}" for k, v in query))))


@pytest.mark.parametrize("query", ["q=red_flags&i=6", "q=red_flags&i=99&p=1.2", "q=red_flags&i=6&again=1",
                                   "q=pattern&i=5", "q=context&i=2&timeout=1"])
@pytest.mark.parametrize("answer", [{"Digits": "*"}, {"Digits": "1"}, {"SpeechResult": "repeat"}, {}])
def test_a_list_item_the_question_does_not_have(line, query, answer):
    """Found by the property above: a gather URL naming an item past the end of a list
    question (?q=red_flags&i=6; the list has 6 items, 0 to 5) made the prompt raise
    IndexError (the caller got the safe message), and a digit there was taken as an answer
    to the whole list ("1": red flag 1, emergency). Now the list is read again from its
    first item. (The URL is sealed: the line could have made it before the fix.)"""
    call = "CA" + uuid.uuid4().hex
    start_call(line, call)
    at_red_flags = check(line, line.post("/voice/answer", call_form(call, ("Digits", "1")), query=sealed("q=topic")))
    assert place_in(at_red_flags.find("Gather").get("action")) == {"q": "red_flags"}
    root = check(line, line.post("/voice/answer", call_form(call, *answer.items()), query=sealed(query)))
    said = " ".join(root.itertext())
    if query.startswith("q=red_flags") and answer:
        action = root.find("Gather").get("action")
        assert place_in(action) == {"q": "red_flags"}, "the list again, from its first item"
        assert "911" not in said.replace("If this is an emergency, call 911", "")


@PROPERTY
@given(body=st.one_of(st.binary(max_size=3000),
                      st.lists(st.sampled_from([b"From=%2B14155550123", b"Body=", b"%", b"%zz", b"%E2%82", b"%ff",
                                                b"=", b"&", b"&&", b"+", b"%00", b"Body=%C0%80", b"Body=%ED%A0%80",
                                                b"CallSid=CA1", b"Digits=%2A", b"\xff\xfe", b"\x00", b";",
                                                b"&AccountSid=" + ACCOUNT_SID.encode() + b"&",
                                                b"&MessageSid=SM" + b"3" * 32 + b"&", b"&CallSid=CA" + b"3" * 32 + b"&",
                                                b"From=%2B1&From=%2B2", b"Body=" + b"%F0%9F%98%80" * 500]),
                               max_size=12).map(b"".join)),
       path=st.sampled_from(("/sms", "/voice", "/voice/answer?q=topic", "/voice/nurse-done")))
def test_any_bytes_as_a_form_body(line, body, path):
    """Raw bytes, broken percent-encoding, invalid UTF-8: signed over what the app reads."""
    route, _, query = path.partition("?")
    response = line.post(route, body, query=sealed(query) if query else "")
    check(line, response, reached=answerable(route, body))


@PROPERTY
@given(body=st.binary(max_size=2000), content_type=st.sampled_from((
    "application/json", "text/plain", "text/xml", "application/octet-stream", "multipart/form-data",
    "multipart/form-data; boundary=x", "application/x-www-form-urlencoded; charset=latin-1", "", "*/*",
    "application/x-www-form-urlencoded; charset=\x00")),
       path=st.sampled_from(("/sms", "/voice", "/voice/answer?q=topic", "/voice/nurse-done")))
def test_any_content_type(line, body, content_type, path):
    route, _, query = path.partition("?")
    response = line.post(route, body, query=query, content_type=content_type, signed_params=MultiDict())
    check(line, response, reached=False)


# --- the awkward requests, one by one --------------------------------------------------------

@pytest.mark.parametrize("path", ["/sms", "/voice", "/voice/answer?q=topic", "/voice/nurse-done"])
@pytest.mark.parametrize("content_type, body", [
    ("application/json", b'{"From": "+14155550123", "Body": "hi"}'),
    ("text/plain", b"From=+14155550123&Body=hi"),
    ("application/xml", b"<From>+14155550123</From>"),
    (None, b""),
    (FORM, b""),
])
def test_other_content_types_and_empty_bodies(line, path, content_type, body):
    """Twilio posts forms. Anything else carries no form, so no AccountSid: signed over the
    URL alone it is refused (403), never a 5xx."""
    route, _, query = path.partition("?")
    response = line.post(route, body, query=query, content_type=content_type, signed_params=MultiDict())
    check(line, response, reached=False)
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/sms", "/voice"])
def test_a_multipart_form_is_read_as_a_form(line, path):
    params = {"From": SENDERS[1], "Body": "hi \U0001f9b5", "MessageSid": "SM" + "9" * 32, "CallSid": CALL_SIDS[1],
              "AccountSid": ACCOUNT_SID}
    boundary = "xyzzy"
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                    for k, v in params.items()) + f"--{boundary}--\r\n".encode()
    response = line.post(path, body, content_type=f"multipart/form-data; boundary={boundary}",
                         signed_params=params)
    root = check(line, response)
    assert list(root), "a real answer, not an empty one"


@pytest.mark.parametrize("body", [b"Body=%", b"Body=%zz&From=%2B14155550123", b"From=%2B1415%E2%82&Body=hi",
                                  b"From=%2B14155550123&Body=%ED%A0%80%00", b"%=%&%%=%%", b"From=\xff\xfe&Body=hi",
                                  b"From=%2B14155550123&Body=" + b"%" * 1600])
def test_invalid_percent_encoding(line, body):
    body = b"AccountSid=" + ACCOUNT_SID.encode() + b"&MessageSid=SM" + b"4" * 32 + b"&" + body
    check(line, line.post("/sms", body), reached=answerable("/sms", body))


@pytest.mark.parametrize("path", ["/sms", "/voice", "/voice/answer?q=topic", "/voice/nurse-done"])
@pytest.mark.parametrize("content_type", [FORM, "multipart/form-data; boundary=b", "application/json"])
def test_a_body_over_the_limit_is_413_and_stores_nothing(line, path, content_type):
    route, _, query = path.partition("?")
    pairs = [("From", "+14155550999"), ("CallSid", "CA" + "77" * 16), ("MessageSid", "SM" + "7" * 32),
             ("Body", "\U0001f9b5" * (MAX_REQUEST_BYTES // 12 + 10))]
    body = urlencoded(pairs)
    if content_type.startswith("multipart"):
        body = b"--b\r\nContent-Disposition: form-data; name=\"Body\"\r\n\r\n" + b"x" * (MAX_REQUEST_BYTES + 1) + \
            b"\r\n--b--\r\n"
    assert len(body) > MAX_REQUEST_BYTES
    with line.store_calls() as made:
        response = line.post(route, body, query=query, content_type=content_type, signed_params=MultiDict(pairs))
    check(line, response, reached=False)
    assert response.status_code == 413
    assert made == []


def test_the_store_watch_sees_what_a_message_reads_and_writes(line):
    """What the two tests around here rely on: a message that reaches the line is seen
    reading and writing its session."""
    params = {"From": "+14155550997", "Body": "hi", "MessageSid": "SM" + "6" * 32, "AccountSid": ACCOUNT_SID}
    with line.store_calls() as made:
        response = line.post("/sms", urlencoded(list(params.items())))
    check(line, response)
    assert made == ["GetItem", "PutItem"]


def test_a_body_over_the_limit_without_a_length_is_not_answered(line):
    """No Content-Length (a chunked request the server passes on as a stream): werkzeug
    stops reading at MAX_CONTENT_LENGTH and parses what it read, so the form is cut short,
    its signature no longer matches and it is refused (403), with nothing stored. (Behind
    API Gateway and waitress a Content-Length is always set, and it is a 413.)"""
    body = urlencoded([("From", "+14155550998"), ("Body", "x" * (MAX_REQUEST_BYTES + 100))])
    url = BASE_URL + "/sms"
    del line.events[:]
    with line.store_calls() as made:
        response = line.client.post("/sms", base_url="https://line.example.test", environ_overrides={
            "wsgi.input_terminated": True}, input_stream=io.BytesIO(body), headers={
            "Content-Type": FORM, "Transfer-Encoding": "chunked",
            "X-Twilio-Signature": sign(AUTH_TOKEN, url, form_as_read(body))})
    check(line, response, reached=False)
    assert response.status_code in (403, 413)
    assert made == []


def test_many_fields_and_repeated_fields(line):
    pairs = [("From", SENDERS[2]), ("Body", "hi"), ("MessageSid", "SM" + "5" * 32), ("AccountSid", ACCOUNT_SID)]
    pairs += [("Body", f"{n}") for n in range(50)] + [(f"X{n}", "\x00" * 3) for n in range(3000)]
    body = urlencoded(pairs)
    assert len(body) < MAX_REQUEST_BYTES
    check(line, line.post("/sms", body))


@pytest.mark.parametrize("headers", [
    {"X-Junk": "a" * 60_000},
    {f"X-Junk-{n}": "\U0001f9b5".encode().decode("latin-1") * 50 for n in range(200)},
    {"User-Agent": "\x7f" * 10_000, "Cookie": "a=" + "b" * 20_000},
    {"X-Twilio-Webhooks-Signature-Settings": "key=x,algorithm=HMAC_SHA1," + "a=b," * 5000},
    {"X-Forwarded-Host": "h" * 50_000, "X-Forwarded-Proto": "https" * 1000},   # ignored: PUBLIC_BASE_URL is set
])
def test_huge_headers(line, headers):
    body = urlencoded([("From", SENDERS[0]), ("Body", "hi"), ("MessageSid", "SM" + "6" * 32),
                       ("AccountSid", ACCOUNT_SID)])
    check(line, line.post("/sms", body, headers=headers))


@pytest.mark.parametrize("signature", ["", "x" * 100_000, "\U0001f9b5".encode().decode("latin-1"), "=" * 28,
                                       sign("another-token", BASE_URL + "/sms", {"From": SENDERS[0]})])
def test_bad_signatures_are_403(line, signature):
    body = urlencoded([("From", SENDERS[0]), ("Body", "hi")])
    response = line.post("/sms", body, signature=signature)
    check(line, response, reached=False)
    assert response.status_code == 403


@pytest.mark.parametrize("algorithm", ["HMAC_MD5", "\x00", "x" * 10_000])
def test_an_unknown_signature_algorithm_is_403(line, algorithm):
    body = urlencoded([("From", SENDERS[0]), ("Body", "hi")])
    response = line.post("/sms", body, headers={"X-Twilio-Webhooks-Signature-Settings": f"algorithm={algorithm}"})
    check(line, response, reached=False)
    assert response.status_code == 403


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", ["/sms", "/voice", "/voice/answer", "/voice/nurse-done"])
def test_other_methods_are_405(line, method, path):
    response = line.client.open(path, method=method, base_url="https://line.example.test")
    assert response.status_code == 405


@pytest.mark.parametrize("host", ["example.test:99999", "example.test:x", "[::1", "[::1]:70000", "a:b:c",
                                  "h" * 50_000, "\x00", "example.test, evil.test:99999"])
@pytest.mark.parametrize("path", ["/sms", "/voice"])
def test_forged_forwarded_hosts_are_403_not_500(line, host, path):
    """Without PUBLIC_BASE_URL, X-Forwarded-Host is ignored (it once rebuilt the URL, and a
    host whose port or brackets urllib cannot parse made the signature check raise, a 500):
    a request that does not come from Twilio either way."""
    body = urlencoded([("From", SENDERS[0]), ("Body", "hi"), ("CallSid", CALL_SIDS[0])])
    app = create_app(replace(line.settings, public_base_url=None), store=line.store)
    del line.events[:]
    response = app.test_client().post(path, data=body, base_url="https://line.example.test", headers={
            "Content-Type": FORM, "X-Forwarded-Host": host, "X-Twilio-Signature": "AAAA"})
    check(line, response, reached=False)
    assert response.status_code == 403
