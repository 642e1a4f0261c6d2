"""Fault injection over whole conversations, and the figures it gives.

    python -m tests.fault_figures

runs the same injection matrix as tests/slow/test_fault_injection.py, outside pytest, and
prints: faults injected, patients answered safely, answers lost, and the time to
answer under a hung store (median of 3).

How it works. A whole SMS conversation (the opening, every answer, the outcome, a
message after the advice) and a whole phone call (the incoming call, every gather
callback) are run once without faults, recording for each step the reply, the item
stored before and after, and the store calls the step made (GetItem, PutItem). Then,
for every step and every one of those calls, the item before the step is put back
and the step is sent again with a fault raised by the store's boto3 client (a proxy,
`FaultyClient`, around the real moto client; nothing in handler/ is patched):
throttling, a 5xx, a read timeout, connection refused, and conditional-check
failures on the write (once, twice in a row, then followed by any other fault; and
a write that landed but whose answer was lost). Each injection must give HTTP 200
with the engine's normal reply (one conflict: re-applied), the 'resend' notice (two
conflicts) or the static safe message (anything else); afterwards the stored item
must be exactly the one before or after the step, and with the fault removed the
conversation must go on exactly as it did without faults.

A hung store is a real TCP server on 127.0.0.1 that accepts connections and never
answers; a refused one is a closed port. The line's real boto3 client
(handler.infra.store.dynamodb_client, CLIENT_CONFIG) is pointed at them.
"""
from __future__ import annotations

import io
import logging
import os
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from xml.etree import ElementTree

from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from handler.app import create_app
from handler.channels.safe_reply import safe_text, voice_twiml
from handler.channels.voice.menu import voice_text
from handler.infra import logs, store_budget
from handler.infra.flow_files import load_flows
from handler.infra.settings import Settings
from handler.infra.store import CLIENT_CONFIG, SessionStore, create_table, dynamodb_client
from tests.channels import sms_helpers, voice_helpers

REGION = "us-east-1"
ENDPOINT = "https://dynamodb.us-east-1.amazonaws.com/"
TWILIO_TIMEOUT_SECONDS = 15
# A correctness bound, not a benchmark: Twilio gives up at 15 s.
ANSWER_BOUND_SECONDS = TWILIO_TIMEOUT_SECONDS - 1
OPERATION_NAMES = {"get_item": "GetItem", "put_item": "PutItem"}

SMS_NUMBER = sms_helpers.PATIENT
SMS_CONVERSATION = (*sms_helpers.LONGEST_PATH, "thanks")          # every question, then after the advice
VOICE_CALL_SID = "CA" + "f00d" * 8
VOICE_FINDINGS = {"tizanidine.taking", "tizanidine.side_effects", "pattern.wakes_from_sleep",
                  "context.exercise"}                              # through every list question
VOICE_AFTER_ADVICE = ("1", "thank you")                           # press 1 (repeat), then speak


# --- the faults ----------------------------------------------------------------------------

def client_error(code: str, operation: str, status: int = 400) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": f"{code} (injected)"},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, operation)


@dataclass(frozen=True)
class Fault:
    name: str
    make: Callable[[str], Exception]
    lands: bool = False        # the call reaches DynamoDB and is applied; only its answer is lost

    def strike(self, target, kwargs: dict, operation: str):
        if self.lands:
            target(**kwargs)
        raise self.make(operation)


FAULTS = (      # any store call
    Fault("ProvisionedThroughputExceeded", lambda op: client_error("ProvisionedThroughputExceededException", op)),
    Fault("Throttling", lambda op: client_error("ThrottlingException", op)),
    Fault("InternalServerError 500", lambda op: client_error("InternalServerError", op, 500)),
    Fault("ServiceUnavailable 503", lambda op: client_error("ServiceUnavailable", op, 503)),
    Fault("ReadTimeout", lambda op: ReadTimeoutError(endpoint_url=ENDPOINT)),
    Fault("ConnectionRefused", lambda op: EndpointConnectionError(endpoint_url=ENDPOINT)),
)
CONFLICT = Fault("ConditionalCheckFailed", lambda op: client_error("ConditionalCheckFailedException", op))
# The write landed but its answer never came back:
LANDED_THEN_TIMEOUT = Fault("write landed, then ReadTimeout", lambda op: ReadTimeoutError(endpoint_url=ENDPOINT),
                            lands=True)
# ... and botocore's retry of it found the condition no longer true (what really happens
# when the first attempt times out after DynamoDB applied it):
LANDED_THEN_CONFLICT = Fault("write landed, retry ConditionalCheckFailed",
                             lambda op: client_error("ConditionalCheckFailedException", op), lands=True)


class FaultyClient:
    """The store's boto3 client with faults on chosen calls. `plan` maps (operation, n)
    to a Fault, n counting that operation's calls (1, 2, ...) since the last `reset`."""

    OPERATIONS = tuple(OPERATION_NAMES)

    def __init__(self, client):
        self._client = client
        self._lock = threading.Lock()
        self.plan: dict = {}
        self.calls: list[str] = []
        self.struck: list[tuple[str, int, str]] = []

    def reset(self, plan: dict | None = None) -> None:
        with self._lock:
            self.plan, self.calls, self.struck = dict(plan or {}), [], []

    def __getattr__(self, name):
        target = getattr(self._client, name)
        if name not in self.OPERATIONS:
            return target

        def call(**kwargs):
            with self._lock:
                self.calls.append(name)
                n = self.calls.count(name)
                fault = self.plan.get((name, n))
                if fault is not None:
                    self.struck.append((name, n, fault.name))
            if fault is None:
                return target(**kwargs)
            return fault.strike(target, kwargs, OPERATION_NAMES[name])
        return call


# --- what a scenario expects ---------------------------------------------------------------

NORMAL, RESEND, SAFE = "normal reply", "resend notice", "safe message"
BEFORE, AFTER = "before", "after"


@dataclass(frozen=True)
class Scenario:
    name: str
    plan: dict                 # (operation, n) -> Fault
    reply: str                 # NORMAL, RESEND or SAFE
    state: str                 # BEFORE or AFTER: where the stored item must be afterwards

    @property
    def faults(self) -> int:
        return len(self.plan)


def scenarios_for(calls: list[str]) -> list[Scenario]:
    """Every injection for a step whose store calls (fault-free) were `calls`."""
    found: list[Scenario] = []
    seen: dict[str, int] = {}
    for operation in calls:
        seen[operation] = n = seen.get(operation, 0) + 1
        label = f"{OPERATION_NAMES[operation]}#{n}"
        for fault in FAULTS:
            found.append(Scenario(f"{label} {fault.name}", {(operation, n): fault}, SAFE, BEFORE))
    puts = [i for i, op in enumerate(calls) if op == "put_item"]
    if puts:
        reread = ("get_item", calls[:puts[0]].count("get_item") + 1)    # the read after a lost race
        first, second = ("put_item", 1), ("put_item", 2)
        found.append(Scenario("PutItem#1 ConditionalCheckFailed once (re-applied)", {first: CONFLICT},
                              NORMAL, AFTER))
        found.append(Scenario("PutItem#1+#2 ConditionalCheckFailed twice (resend)",
                              {first: CONFLICT, second: CONFLICT}, RESEND, BEFORE))
        for fault in FAULTS:
            found.append(Scenario(f"ConditionalCheckFailed, then re-read GetItem {fault.name}",
                                  {first: CONFLICT, reread: fault}, SAFE, BEFORE))
            found.append(Scenario(f"ConditionalCheckFailed, then re-write PutItem {fault.name}",
                                  {first: CONFLICT, second: fault}, SAFE, BEFORE))
        found.append(Scenario(f"PutItem#1 {LANDED_THEN_CONFLICT.name}", {first: LANDED_THEN_CONFLICT},
                              NORMAL, AFTER))
        found.append(Scenario(f"PutItem#1 {LANDED_THEN_TIMEOUT.name}", {first: LANDED_THEN_TIMEOUT},
                              SAFE, AFTER))
    return found


# --- the two channels ----------------------------------------------------------------------

@dataclass
class Step:
    name: str
    request: tuple             # what to send again: channel-specific
    reply: object = None       # fault-free reply (SMS: messages; voice: response bodies)
    before: dict | None = None          # the item before the step (as compared: channel.item())
    after: dict | None = None           # ... and after it
    stored_before: dict | None = None   # the item before the step, exactly as stored
    calls: list = field(default_factory=list)


@dataclass
class Answer:
    """One step's reply, read channel-neutrally."""
    statuses: list[int]
    kind: str                  # NORMAL / RESEND / SAFE / "empty" / "other"
    content: object            # SMS: messages; voice: response bodies
    problems: list[str] = field(default_factory=list)


class SmsChannel:
    name = "sms"

    def __init__(self, client, flows, table: str = sms_helpers.TABLE):
        self.settings = Settings(twilio_auth_token=sms_helpers.AUTH_TOKEN, twilio_account_sid=sms_helpers.ACCOUNT_SID,
                                 phone_hash_key=sms_helpers.HASH_KEY, public_base_url=sms_helpers.BASE_URL,
                                 sessions_table=table, aws_region=REGION)
        self.raw = client
        self.table = table
        self.app = create_app(self.settings, store=SessionStore(client_faulty(client), table,
                                                                 clock=sms_helpers.FakeClock()), flows=flows)
        self.faulty: FaultyClient = self.app.extensions["triage_line"].store.client
        self.sender = sms_helpers.Sender(self.app, self.settings)
        self.key = sms_helpers.patient_key(SMS_NUMBER)
        self.flow = self.app.extensions["triage_line"].flow
        self.resend = self.flow.text("resend", self.flow.languages[0])

    def stored(self) -> dict | None:
        return self.raw.get_item(TableName=self.table, Key={"pk": {"S": self.key}}, ConsistentRead=True).get("Item")

    def item(self) -> dict | None:
        return self.stored()

    def conversation(self) -> list[Step]:
        """The whole conversation without faults, recorded step by step."""
        steps = []
        for n, body in enumerate(SMS_CONVERSATION):
            name = "opening" if n == 0 else ("after the advice" if n == len(SMS_CONVERSATION) - 1
                                             else f"answer {n} ({body!r})")
            steps.append(self.record(Step(name, (body, f"SM{n + 1:032x}"))))
        return steps

    def record(self, step: Step) -> Step:
        step.before, step.stored_before = self.item(), self.stored()
        self.faulty.reset()
        answer = self.send(step)
        step.calls, step.reply, step.after = list(self.faulty.calls), answer.content, self.item()
        if answer.problems or answer.statuses != [200] or not step.reply:
            raise AssertionError(f"sms {step.name}: the fault-free run failed: {answer}")
        return step

    def send(self, step: Step, expected: Step | None = None) -> Answer:
        body, sid = step.request
        reply = self.sender.send(body, sender=SMS_NUMBER, sid=sid)
        messages = reply.messages
        if reply.status != 200:
            return Answer([reply.status], "other", messages, [f"HTTP {reply.status}"])
        if not messages or not any(m.strip() for m in messages):
            return Answer([200], "empty", messages, ["an empty reply"])
        if messages == [safe_text(self.settings.nurse_line_number)]:
            kind = SAFE
        elif messages == [self.resend]:
            kind = RESEND
        elif expected is None or messages == expected.reply:
            kind = NORMAL
        else:
            kind = "other"
        return Answer([200], kind, messages)

    def check_safe(self, answer: Answer) -> list[str]:
        text = " ".join(answer.content)
        return [] if "911" in text and "988" in text else ["the safe message lacks 911 or 988"]

    def check_resend(self, answer: Answer, step: Step, steps: list[Step]) -> list[str]:
        return []


LANGUAGE_STEP = "language menu: 1"


class VoiceChannel:
    name = "voice"
    MAX_HOPS = 10              # Redirects Twilio follows for one input, at most (more: a loop)

    def __init__(self, client, flows, table: str = voice_helpers.TABLE):
        self.settings = Settings(twilio_auth_token=voice_helpers.AUTH_TOKEN,
                                 twilio_account_sid=voice_helpers.ACCOUNT_SID, phone_hash_key=voice_helpers.HASH_KEY,
                                 public_base_url=voice_helpers.BASE_URL,
                                 sessions_table=table, aws_region=REGION)
        self.raw = client
        self.table = table
        self.app = create_app(self.settings, store=SessionStore(client_faulty(client), table,
                                                                 clock=voice_helpers.FakeClock()), flows=flows)
        self.faulty: FaultyClient = self.app.extensions["triage_call"].store.client
        self.caller = voice_helpers.Caller(self.app, self.settings, VOICE_CALL_SID)
        self.key = self.caller.key
        self.flow = self.app.extensions["triage_call"].flow
        self.resend = voice_text(self.flow, "resend", self.flow.languages[0])   # as spoken on a call
        self.safe = voice_twiml(self.settings.nurse_line_number).encode()

    def stored(self) -> dict | None:
        return self.raw.get_item(TableName=self.table, Key={"pk": {"S": self.key}}, ConsistentRead=True).get("Item")

    def item(self) -> dict | None:
        """The stored item, with the ids the line gives each callback (random: Line.handle)
        replaced by how many there are; everything else exactly as stored."""
        item = self.stored()
        if item is None:
            return None
        item = dict(item)
        if "sid" in item:
            item["sid"] = {"S": "<callback id>"}
        if "seen" in item:
            item["seen"] = {"S": f"<{len(item['seen']['S'].split())} callback ids>"}
        return item

    def conversation(self) -> list[Step]:
        """The whole call without faults: the incoming call (the language menu), English
        picked at it, then a keypad answer at every gather as a caller with VOICE_FINDINGS
        would give it, then VOICE_AFTER_ADVICE."""
        call = voice_helpers.voice_params("voice_incoming_call", VOICE_CALL_SID)
        steps = [self.record(Step("incoming call", (voice_helpers.STAGE + "/voice", call)))]
        after_advice = list(VOICE_AFTER_ADVICE)
        for _ in range(80):
            last = voice_helpers.Twiml(200, steps[-1].reply[-1])
            last.root = ElementTree.fromstring(last.body)
            if last.gather is None:
                break
            if voice_helpers.is_menu(last.gather):       # the language menu: English (nothing stored before it)
                params = voice_helpers.voice_params("voice_gather_digits", VOICE_CALL_SID, Digits="1")
                steps.append(self.record(Step(LANGUAGE_STEP, (last.gather.get("action"), params))))
                continue
            place = last.place
            if place["q"] == "advice":
                if not after_advice:
                    break
                said = after_advice.pop(0)
                kind, value = ("Digits", said) if said.isdigit() else ("SpeechResult", said)
                params = voice_helpers.voice_params("voice_gather_digits" if kind == "Digits"
                                                    else "voice_gather_speech", VOICE_CALL_SID, **{kind: value})
                name = f"advice: {'pressed' if kind == 'Digits' else 'said'} {value!r}"
            else:
                digits = voice_helpers.scripted_answer(self.flow, place, VOICE_FINDINGS, speech=False)
                params = voice_helpers.voice_params("voice_gather_digits", VOICE_CALL_SID, Digits=digits)
                name = f"{place['q']}" + (f" item {place['i']}" if "i" in place else "") + f": {digits}"
            steps.append(self.record(Step(name, (last.gather.get("action"), params))))
        else:
            raise AssertionError("the call did not end")
        return steps

    def record(self, step: Step) -> Step:
        step.before, step.stored_before = self.item(), self.stored()
        self.faulty.reset()
        answer = self.send(step)
        step.calls, step.reply, step.after = list(self.faulty.calls), answer.content, self.item()
        if answer.problems or set(answer.statuses) != {200}:
            raise AssertionError(f"voice {step.name}: the fault-free run failed: {answer}")
        return step

    def send(self, step: Step, expected: Step | None = None) -> Answer:
        """Post the step, then follow Redirects as Twilio does (each response must pass
        the voice line's TwiML checks)."""
        path, params = step.request
        responses, problems = [], []
        try:
            responses.append(self.caller.post(path, params))
            while responses[-1].status == 200 and responses[-1].gather is None and responses[-1].redirect:
                if len(responses) > self.MAX_HOPS:
                    problems.append(f"Redirects without end (silence): {responses[-1].redirect}")
                    break
                responses.append(self.caller.post(responses[-1].redirect,
                                                  voice_helpers.no_input_params(VOICE_CALL_SID)))
        except AssertionError as error:            # a TwiML check failed
            problems.append(f"bad TwiML: {error}")
        statuses = [r.status for r in responses]
        bodies = [r.body for r in responses]
        if problems or not responses:
            return Answer(statuses, "other", bodies, problems or ["no response"])
        if set(statuses) != {200}:
            return Answer(statuses, "other", bodies, [f"HTTP {statuses}"])
        says = [s for r in responses for s in r.says()]
        if not says:
            return Answer(statuses, "empty", bodies, ["nothing said"])
        if bodies[0] == self.safe:
            kind = SAFE
        elif voice_helpers.text_of(responses[0].root[0]) == self.resend:
            kind = RESEND
        elif expected is None or bodies == expected.reply:
            kind = NORMAL
        else:
            kind = "other"
        return Answer(statuses, kind, bodies)

    def check_safe(self, answer: Answer) -> list[str]:
        text = answer.content[0].decode()
        problems = [] if "911" in text and "988" in text else ["the safe message lacks 911 or 988"]
        if len(answer.content) != 1:
            problems.append("the call went on after the safe message")
        return problems

    def check_resend(self, answer: Answer, step: Step, steps: list[Step]) -> list[str]:
        """After 'resend' the caller must be asked again: the call ends in a Gather."""
        last = voice_helpers.Twiml(200, answer.content[-1])
        last.root = ElementTree.fromstring(last.body)
        return [] if last.gather is not None else ["after the resend notice, nothing was asked"]


def client_faulty(client) -> FaultyClient:
    return client if isinstance(client, FaultyClient) else FaultyClient(client)


# --- running the matrix --------------------------------------------------------------------

@dataclass
class Result:
    channel: str
    step: str
    scenario: str
    faults: int
    reply: str = ""
    state: str = ""
    answered_safely: bool = False
    answer_lost: bool = False
    problems: list[str] = field(default_factory=list)


@dataclass
class Matrix:
    results: list[Result]
    steps: dict                # channel -> list[Step]
    log_lines: list[str]

    @property
    def injections(self) -> int:
        return len(self.results)

    @property
    def faults(self) -> int:
        return sum(r.faults for r in self.results)

    @property
    def safely(self) -> int:
        return sum(r.answered_safely for r in self.results)

    @property
    def lost(self) -> int:
        return sum(r.answer_lost for r in self.results)

    def failures(self) -> list[Result]:
        return [r for r in self.results if r.problems]


def put_back(channel, item: dict | None) -> None:
    """Store exactly `item` (None: no item) under the channel's key."""
    if item is None:
        channel.raw.delete_item(TableName=channel.table, Key={"pk": {"S": channel.key}})
    else:
        channel.raw.put_item(TableName=channel.table, Item=item)


def inject(channel, steps: list[Step], index: int, scenario: Scenario, log) -> Result:
    step = steps[index]
    result = Result(channel.name, step.name, scenario.name, scenario.faults)
    problems = result.problems
    put_back(channel, step.stored_before)
    channel.faulty.reset(scenario.plan)
    mark = log.tell()
    try:
        answer = channel.send(step, expected=step)
    except Exception as error:                  # noqa: BLE001 - reported as a problem
        answer = Answer([], "other", None, [f"{type(error).__name__}: {error}"])
    struck = list(channel.faulty.struck)
    channel.faulty.reset()
    logged = log.getvalue()[mark:]
    problems.extend(answer.problems)
    if len(struck) != scenario.faults:
        problems.append(f"planned faults did not all strike: {struck} (calls {step.calls})")
    result.reply = answer.kind

    # the reply
    if not answer.problems:
        if answer.kind != scenario.reply:
            problems.append(f"expected the {scenario.reply}, got {answer.kind}: {answer.content!r}"[:400])
        elif answer.kind == SAFE:
            problems.extend(channel.check_safe(answer))
            if '"level":"error"' not in logged:
                problems.append("the failure was not logged as an error")
        elif answer.kind == RESEND:
            problems.extend(channel.check_resend(answer, step, steps))
    result.answered_safely = not problems

    # the stored item: exactly before or after the step, never anything else
    now = channel.item()
    result.state = AFTER if now == step.after else BEFORE if now == step.before else "corrupt"
    wanted = scenario.state
    if channel.name == "voice" and scenario.reply == RESEND and step.before is None:
        wanted = AFTER      # a new call asked again starts over on its own (see VoiceChannel)
    if result.state == "corrupt":
        problems.append(f"the stored item is neither the one before nor the one after: {now}")
        result.answer_lost = True
    elif result.state != wanted and step.before != step.after:
        problems.append(f"the stored item is the one {result.state} the step, expected {wanted}")
    if result.state == BEFORE and step.before != step.after and answer.kind not in (SAFE, RESEND):
        result.answer_lost = True                # not kept, and the patient was not told

    # with the fault gone the conversation goes on exactly as without faults
    try:
        todo = ([index] if result.state == BEFORE and step.before != step.after else []) + \
               ([index + 1] if index + 1 < len(steps) else [])
        for later in todo:
            again = channel.send(steps[later], expected=steps[later])
            if again.problems or again.kind != NORMAL or again.content != steps[later].reply:
                problems.append(f"going on at {steps[later].name!r}: got {again.kind} {again.problems}")
                result.answer_lost = True
            elif channel.item() != steps[later].after:
                problems.append(f"going on at {steps[later].name!r}: the stored item differs from the "
                                f"fault-free run (an answer lost or applied twice)")
                result.answer_lost = True
    except Exception as error:                  # noqa: BLE001
        problems.append(f"going on failed: {type(error).__name__}: {error}")
        result.answer_lost = True
    return result


@contextmanager
def fake_aws_credentials():
    """Credentials moto (and the unanswered loopback endpoints) accept; nothing reaches AWS."""
    names = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SECURITY_TOKEN": "testing",
             "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}
    removed = ("AWS_PROFILE", "DYNAMODB_ENDPOINT_URL")
    saved = {name: os.environ.get(name) for name in (*names, *removed)}
    os.environ.update(names)
    for name in removed:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def captured_logs():
    """The project's JSON log lines, into a buffer (and back to where they went after)."""
    logs.configure()
    handler = next(h for h in logs.logger.handlers if isinstance(h.formatter, logs.JsonFormatter))
    buffer = io.StringIO()
    previous_stream = handler.setStream(buffer)
    previous_level = logs.logger.level
    logs.logger.setLevel(logging.INFO)
    try:
        yield buffer
    finally:
        handler.setStream(previous_stream if previous_stream is not None else sys.stderr)
        logs.logger.setLevel(previous_level)


def run_matrix(channels=("sms", "voice")) -> Matrix:
    import boto3
    from moto import mock_aws

    flows = load_flows()
    results: list[Result] = []
    all_steps = {}
    with fake_aws_credentials(), mock_aws(), captured_logs() as log:
        client = boto3.client("dynamodb", region_name=REGION, config=CLIENT_CONFIG)
        for name in channels:
            kind = SmsChannel if name == "sms" else VoiceChannel
            table = sms_helpers.TABLE if name == "sms" else voice_helpers.TABLE
            create_table(client, table)
            channel = kind(client, flows, table)
            steps = channel.conversation()
            all_steps[name] = steps
            for index, step in enumerate(steps):
                for scenario in scenarios_for(step.calls):
                    results.append(inject(channel, steps, index, scenario, log))
        lines = log.getvalue().splitlines()
    return Matrix(results, all_steps, lines)


# --- a hung store and a refused one --------------------------------------------------------

class HungServer:
    """A TCP server on 127.0.0.1 (a thread) that accepts connections and never answers."""

    def __init__(self):
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)
        self._socket.settimeout(0.05)
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="hung-dynamodb", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _address = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(connection)      # held open, never read, never answered

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for connection in self.accepted:
            connection.close()
        self._socket.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def refused_url() -> str:
    """A loopback port nothing listens on: connecting is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class SplitClient:
    """Reads from one client and writes through another (a store whose writes hang)."""

    def __init__(self, reads, writes):
        self._reads, self._writes = reads, writes

    def __getattr__(self, name):
        return getattr(self._writes if name == "put_item" else self._reads, name)


@dataclass
class Timed:
    channel: str
    seconds: float
    status: int
    safe: bool
    body: bytes
    connections: int | None = None     # connections the hung server took (None: not a hung server)


def time_to_answer(endpoint_url: str, channel: str = "sms", read_endpoint_url: str | None = None) -> Timed:
    """Post one signed SMS (or an incoming call) to a line whose store is the real boto3
    client with CLIENT_CONFIG at `endpoint_url` (reads at `read_endpoint_url` if given).
    Needs fake AWS credentials in the environment (fake_aws_credentials)."""
    table = "triage-sessions-hung"
    client = dynamodb_client(REGION, endpoint_url)
    if read_endpoint_url:
        client = SplitClient(dynamodb_client(REGION, read_endpoint_url), client)
    if channel == "sms":
        settings = Settings(twilio_auth_token=sms_helpers.AUTH_TOKEN, twilio_account_sid=sms_helpers.ACCOUNT_SID,
                            phone_hash_key=sms_helpers.HASH_KEY, public_base_url=sms_helpers.BASE_URL,
                            sessions_table=table, aws_region=REGION)
        app = create_app(settings, store=SessionStore(client, table))
        sender = sms_helpers.Sender(app, settings)
        started = time.monotonic()
        reply = sender.send("my calf has been cramping since this morning", sender=SMS_NUMBER)
        seconds = time.monotonic() - started
        safe = reply.status == 200 and reply.messages == [safe_text(None)]
        return Timed(channel, seconds, reply.status, safe, reply.body)
    settings = Settings(twilio_auth_token=voice_helpers.AUTH_TOKEN, twilio_account_sid=voice_helpers.ACCOUNT_SID,
                        phone_hash_key=voice_helpers.HASH_KEY, public_base_url=voice_helpers.BASE_URL,
                        sessions_table=table, aws_region=REGION)
    app = create_app(settings, store=SessionStore(client, table))
    caller = voice_helpers.Caller(app, settings, VOICE_CALL_SID)
    started = time.monotonic()
    response = caller.post(voice_helpers.STAGE + "/voice",
                           voice_helpers.voice_params("voice_incoming_call", VOICE_CALL_SID))
    seconds = time.monotonic() - started
    safe = response.status == 200 and response.body == voice_twiml(None).encode()
    return Timed(channel, seconds, response.status, safe, response.body)


@contextmanager
def moto_server_with_table(table: str = "triage-sessions-hung"):
    """moto's DynamoDB server on loopback (real HTTP), with the sessions table."""
    from handler.tools.local_line import embedded_dynamodb

    with embedded_dynamodb() as url:
        create_table(dynamodb_client(REGION, url), table)
        yield url


HUNG_SMS, HUNG_VOICE = "sms, store hung", "voice (incoming call), store hung"
WRITES_HANG_SMS = "sms, reads work, writes hang"
REFUSED_SMS, REFUSED_VOICE = "sms, connection refused", "voice (incoming call), connection refused"


def hung_store_times(repeats: int = 3) -> dict[str, list[Timed]]:
    """Time to answer with a hung store (every call hangs; only writes hang), and a refused one."""
    times: dict[str, list[Timed]] = {}

    def hung_time(hung: HungServer, name: str, channel: str, read_endpoint_url: str | None = None) -> None:
        taken = len(hung.accepted)
        timed = time_to_answer(hung.url, channel, read_endpoint_url)
        time.sleep(0.06)                          # let the server thread take the last connection
        timed.connections = len(hung.accepted) - taken
        times.setdefault(name, []).append(timed)

    with fake_aws_credentials(), captured_logs():
        with HungServer() as hung:
            for _ in range(repeats):
                hung_time(hung, HUNG_SMS, "sms")
                hung_time(hung, HUNG_VOICE, "voice")
            with moto_server_with_table() as moto_url:
                for _ in range(repeats):
                    hung_time(hung, WRITES_HANG_SMS, "sms", read_endpoint_url=moto_url)
        for _ in range(repeats):
            times.setdefault(REFUSED_SMS, []).append(time_to_answer(refused_url(), "sms"))
            times.setdefault(REFUSED_VOICE, []).append(time_to_answer(refused_url(), "voice"))
    return times


# --- the figures ---------------------------------------------------------------------------

EMERGENCY_TEXTS = ("chest pain", "I can't breathe", "my pee is like coke after my marathon")
EMERGENCY_SPEECH = ("chest pain", "I can't breathe")


@dataclass
class EmergencyFigures:
    """Clear emergencies with every store call failing, each fault in turn."""
    cases: int = 0
    advised: int = 0                      # got the same emergency advice as with a working store
    failures: list[str] = field(default_factory=list)


def emergency_matrix() -> EmergencyFigures:
    """Every fault on every store call (reads and writes alike), for emergencies said by SMS
    and by speech on a call: each must get the emergency advice it gets with a working store."""
    import boto3
    from moto import mock_aws

    flows = load_flows()
    figures_ = EmergencyFigures()
    every_call = {(op, n): None for op in FaultyClient.OPERATIONS for n in range(1, 9)}
    with fake_aws_credentials(), mock_aws(), captured_logs():
        client = boto3.client("dynamodb", region_name=REGION, config=CLIENT_CONFIG)
        create_table(client, sms_helpers.TABLE)
        sms = SmsChannel(client, flows)
        voice = VoiceChannel(client, flows)
        for n, (fault, body) in enumerate((f, b) for f in FAULTS for b in EMERGENCY_TEXTS):
            expected = sms.sender.send(body, sender=f"+1555010{n:04d}").messages
            sms.faulty.reset({key: fault for key in every_call})
            reply = sms.sender.send(body, sender=f"+1555020{n:04d}").messages
            figures_.cases += 1
            if reply == expected and expected and expected[0].startswith("Call 911"):
                figures_.advised += 1
            else:
                figures_.failures.append(f"sms / {fault.name} / {body!r}: {reply[:1]}")
            sms.faulty.reset()
        for n, (fault, speech) in enumerate((f, s) for f in FAULTS for s in EMERGENCY_SPEECH):
            caller = voice_helpers.Caller(voice.app, voice.settings, f"CA{n + 1:032x}")
            voice_helpers.walk(caller, voice.flow, until=("pattern", 1))
            voice.faulty.reset({key: fault for key in every_call})
            turn = caller.say(speech)
            voice.faulty.reset()
            figures_.cases += 1
            if voice_helpers.outcomes_heard(voice.flow, turn) == ["emergency_now"]:
                figures_.advised += 1
            else:
                figures_.failures.append(f"voice / {fault.name} / {speech!r}: {turn.says()[:1]}")
    return figures_


def figures(matrix: Matrix, times: dict[str, list[Timed]] | None = None,
            emergencies: EmergencyFigures | None = None) -> str:
    lines = []
    for name, steps in matrix.steps.items():
        results = [r for r in matrix.results if r.channel == name]
        calls = sum(len(s.calls) for s in steps)
        lines.append(f"{name}: {len(steps)} steps, {calls} store calls, {len(results)} injections, "
                     f"{sum(r.answered_safely for r in results)} answered safely, "
                     f"{sum(r.answer_lost for r in results)} answers lost")
    lines.append(f"faults injected: {matrix.faults} in {matrix.injections} injections "
                 f"(every GetItem and PutItem of every step)")
    lines.append(f"patients answered safely: {matrix.safely}/{matrix.injections} (goal: all)")
    lines.append(f"answers lost: {matrix.lost} (goal: 0)")
    replies: dict[str, int] = {}
    for result in matrix.results:
        replies[result.reply] = replies.get(result.reply, 0) + 1
    lines.append("replies: " + ", ".join(f"{kind} {count}" for kind, count in sorted(replies.items())))
    for result in matrix.failures()[:20]:
        lines.append(f"  FAILED {result.channel} / {result.step} / {result.scenario}: {result.problems}")
    if times:
        budget = worst_case_seconds_per_call()
        lines.append(f"time to answer (median of {max(len(t) for t in times.values())}; "
                     f"config worst case {budget:.1f} s per store call, Twilio gives up at "
                     f"{TWILIO_TIMEOUT_SECONDS} s):")
        for name, timed in times.items():
            seconds = [t.seconds for t in timed]
            lines.append(f"  {name}: {statistics.median(seconds):.2f} s (max {max(seconds):.2f} s), "
                         f"safe message {sum(t.safe for t in timed)}/{len(timed)}"
                         + (f", connections to the hung server {sum(t.connections for t in timed)}"
                            if timed[0].connections is not None else ""))
    if emergencies is not None:
        lines.append(f"emergencies with every store call failing ({len(FAULTS)} faults, SMS and speech): "
                     f"{emergencies.advised}/{emergencies.cases} got the emergency advice (goal: all)")
        lines.extend(f"  FAILED {failure}" for failure in emergencies.failures[:10])
    return "\n".join(lines)


def worst_case_seconds_per_call() -> float:
    """One store call at worst under CLIENT_CONFIG: every attempt connects and reads to the
    timeout, and legacy mode's fixed pause between attempts (handler/infra/store_budget.py)."""
    retries = CLIENT_CONFIG.retries or {}
    attempts = retries.get("total_max_attempts") or (retries.get("max_attempts", 0) + 1)
    return store_budget.worst_case_seconds_per_call(CLIENT_CONFIG.connect_timeout, CLIENT_CONFIG.read_timeout,
                                                    attempts)


def main() -> int:
    started = time.monotonic()
    matrix = run_matrix()
    times = hung_store_times(3)
    emergencies = emergency_matrix()
    print(figures(matrix, times, emergencies))
    print(f"(took {time.monotonic() - started:.1f} s)")
    ok = not matrix.failures() and matrix.lost == 0 and not emergencies.failures and all(t.safe and t.status == 200 and
                                                             t.seconds < ANSWER_BOUND_SECONDS
                                                             for ts in times.values() for t in ts)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
