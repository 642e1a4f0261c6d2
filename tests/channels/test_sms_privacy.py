"""Whole conversations with every log line captured: no phone number, no "From",
no message body anywhere; the project's log lines are JSON; one outcome event per
finished conversation."""
from __future__ import annotations

import json
import logging

import pytest

from handler.infra import logs
from tests.channels.revealing_bodies import revealing
from tests.channels.sms_helpers import (
    LONGEST_PATH,
    ROUTINE_PATH,
    SELF_CARE_PATH,
    TESTS_DIR,
    advice_opening,
    phone_forms,
    text,
)

OUTCOME_KEYS = {"flow", "version", "disposition", "channel", "turns"}

# (number, messages, disposition of the outcome event)
CONVERSATIONS = [
    ("+14155550123", ("my calf cramped up after my run yesterday", *SELF_CARE_PATH[1:]), "self_care"),
    ("+12125550188", ROUTINE_PATH, "routine"),
    ("+13105550142", LONGEST_PATH, "routine"),
    ("+16175550111", ("Hello, I get leg cramps at night", "no", "1", "0", "1", "2 4"), "urgent"),   # no: not woken
    ("+14045550100", ("hey there", "1", "6"), "emergency"),
    ("+17185550177", ("my chest hurts and my legs keep cramping",), "emergency"),
    ("+19175550166", ("hiya", "1", "0", "I want to kill myself"), "emergency"),
    ("+13125550155", ("good morning", "2"), "none"),                       # out of scope
    ("+15035550144", ("hello", "1", "purple monkey", "dishwasher soap"), "urgent"),   # fallback
    ("+447700900123", ("leg cramp last night, no chest pain", *SELF_CARE_PATH[1:]), "self_care"),
]



@pytest.fixture
def all_logs(caplog, capfd, json_log):
    """Everything logged: caplog on the root logger and on 'triage_line' (which has its own
    handler) at DEBUG, the project's JSON handler, and whatever reaches stderr."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger=logs.LOGGER_NAME)

    streams = {"out": "", "err": ""}
    project_log = json_log

    class All:
        json_log = project_log

        @staticmethod
        def lines() -> list[str]:
            captured = capfd.readouterr()              # what reached stdout/stderr so far
            streams["out"] += captured.out
            streams["err"] += captured.err
            lines = []
            for record in caplog.records:
                lines.append(record.getMessage())
                lines.append(json.dumps(getattr(record, "fields", None), default=str))
                lines.append(str(record.args))
            lines.extend(caplog.text.splitlines())
            lines.extend(json_log.lines())
            lines.extend(streams["err"].splitlines())
            lines.extend(streams["out"].splitlines())
            return lines

    return All


def assert_no_phi(lines: list[str], numbers, bodies) -> None:
    assert lines, "nothing was logged at all"
    leaks = []
    for line in lines:
        if "From" in line:
            leaks.append(("From", line))
        for number in numbers:
            for form in phone_forms(number):
                if form in line:
                    leaks.append((form, line))
        for body in bodies:
            if revealing(body) and body in line:
                leaks.append((body, line))
    assert not leaks, leaks[:5]


def assert_json_lines(lines: list[str]) -> list[dict]:
    events = []
    for line in lines:
        event = json.loads(line)
        assert isinstance(event, dict)
        assert event["logger"] == logs.LOGGER_NAME
        assert event["level"] in ("debug", "info", "warning", "error", "critical")
        assert "event" in event
        events.append(event)
    return events


def test_whole_conversations_log_no_phi_and_one_outcome_each(sms_sender, all_logs):
    # botocore at DEBUG logs every DynamoDB request it makes: those must be clean too
    logging.getLogger("botocore").setLevel(logging.DEBUG)
    try:
        for number, messages, _disposition in CONVERSATIONS:
            for body in messages:
                reply = sms_sender.send(body, sender=number)
                assert reply.status == 200
            assert text("finished") in sms_sender.send("thanks", sender=number).text   # after the advice
    finally:
        logging.getLogger("botocore").setLevel(logging.WARNING)

    numbers = [number for number, _m, _d in CONVERSATIONS]
    assert_no_phi(all_logs.lines(), numbers, sms_sender.sent_bodies)

    events = assert_json_lines(all_logs.json_log.lines())
    outcomes = [e for e in events if e["event"] == "outcome"]
    assert len(outcomes) == len(CONVERSATIONS)
    for event, (_number, messages, disposition) in zip(outcomes, CONVERSATIONS, strict=False):
        assert set(event) >= OUTCOME_KEYS
        assert event["flow"] == "muscle-spasms"
        assert event["channel"] == "sms"
        assert event["disposition"] == disposition
        assert event["turns"] == len(messages)
        assert isinstance(event["version"], str) and event["version"]


def test_opt_outs_errors_and_rejections_log_no_phi(sms_sender, app, dynamodb, all_logs, monkeypatch):
    number = "+14155550123"
    for body in ("Hello there", "1", "stop texting me", "are you still there", "START", "UNSTOP",
                 "HELP", "Goodbye for now", "STOP"):
        sms_sender.send(body, sender=number)
    # a rejected request and an unsigned one
    from tests.channels.sms_helpers import BASE_URL, sms_params

    sms_sender.post_params(sms_params(number, "Forged message body", "SM" + "f" * 32), token="wrong-token")
    app.test_client().post("/sms", data=sms_params(number, "Unsigned message body", "SM" + "e" * 32),
                               base_url=BASE_URL)
    # a store outage with PHI in the exception
    from botocore.exceptions import ClientError

    def fail(**_kwargs):
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": f"for {number}"}}, "GetItem")

    monkeypatch.setattr(dynamodb, "get_item", fail)
    sms_sender.send("Secret words during the outage", sender=number)
    bodies = [*sms_sender.sent_bodies, "Forged message body", "Unsigned message body"]
    assert_no_phi(all_logs.lines(), [number], bodies)
    events = assert_json_lines(all_logs.json_log.lines())
    assert any(e["event"] == "signature_rejected" for e in events)
    assert any(e["level"] == "error" for e in events)


def test_every_sample_vignette_logs_no_phi(all_logs, monkeypatch):
    from handler.tools import vignettes
    from handler.tools.local_line import SignedClient

    monkeypatch.setattr(vignettes.logs, "only_problems", lambda: None)   # keep INFO events
    numbers, call_ids = set(), set()
    real_post = SignedClient.post

    def recording_post(self, path, params):
        numbers.add(params["From"])
        if "CallSid" in params:
            call_ids.add(params["CallSid"])
        return real_post(self, path, params)

    monkeypatch.setattr(SignedClient, "post", recording_post)
    cases = json.loads((TESTS_DIR / "vignettes" / "sample.json").read_text(encoding="utf-8"))
    results = vignettes.run_vignettes(cases)

    sms_ids = {v["id"] for v in cases if v.get("channel", "sms") == "sms"}
    assert len(numbers) >= len(sms_ids)
    for call_id in call_ids:                      # raw call ids stay out of the logs too
        assert not any(call_id in line for line in all_logs.lines())
    bodies = [turn["text"] for result in results for turn in result.get("transcript", [])
              if turn["from"] == "patient"]
    assert any(revealing(b) for b in bodies)
    assert_no_phi(all_logs.lines(), numbers, bodies)

    events = assert_json_lines(all_logs.json_log.lines())
    sms_outcomes = [e for e in events if e["event"] == "outcome" and e["channel"] == "sms"]
    assert len(sms_outcomes) == len(sms_ids)     # each sample SMS vignette finishes once
    for event in sms_outcomes:
        assert set(event) >= OUTCOME_KEYS
    by_id = {r["id"]: r for r in results}
    assert sorted(e["disposition"] for e in sms_outcomes) == sorted(by_id[i]["disposition"] for i in sms_ids)


def test_emergency_after_the_advice_logs_a_second_outcome(sms_sender, json_log):
    for body in SELF_CARE_PATH:
        sms_sender.send(body)
    reply = sms_sender.send("now my chest hurts")
    assert reply.messages[0].startswith(advice_opening("emergency_now"))
    outcomes = [e for e in json_log.events() if e.get("event") == "outcome"]
    assert [e["disposition"] for e in outcomes] == ["self_care", "emergency"]
