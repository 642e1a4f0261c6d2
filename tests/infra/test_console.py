"""The console without a browser: only `serve` mounts it (never the Lambda app, never where
other machines reach the server), it answers only this machine's own pages, its dev phone
goes through the signed webhooks into DynamoDB, and its parts (the item size, the reading
level, the call TwiML reader, `triage-line diagram`) say what they should."""
from __future__ import annotations

import io
from pathlib import Path

import boto3
import pytest
import waitress
from moto import mock_aws
from werkzeug.test import Client

from bench.item_size import item_size as billed_size
from handler.app import create_app
from handler.infra.settings import Settings
from handler.infra.store import SessionStore, create_table
from handler.tools import serve as serve_module
from handler.tools.cli import main
from handler.tools.console.phone import item_size, read_call_twiml
from handler.tools.console.readability import flesch_kincaid_grade, syllables
from handler.tools.serve import serve, with_console
from tests.fakes import use_fake_aws

BASE = "http://127.0.0.1:5000"
TABLE = "triage-sessions-console"


def settings() -> Settings:
    return Settings.from_env({"TWILIO_AUTH_TOKEN": "console-token", "TWILIO_ACCOUNT_SID": "AC" + "2" * 32,
                              "PHONE_HASH_KEY": "console-key",
                              "PUBLIC_BASE_URL": BASE, "SESSIONS_TABLE": TABLE, "AWS_REGION": "us-east-1"})


@pytest.fixture
def console(monkeypatch, flows):
    use_fake_aws(monkeypatch)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, TABLE)
        line = create_app(settings(), SessionStore(client, TABLE), flows)
        yield Client(with_console(line, settings()))


def test_the_lambda_app_has_no_console(flows):
    app = create_app(settings(), SessionStore(None, TABLE), flows)
    for path in ("/console/", "/console/flow", "/console/review", "/console/vignettes"):
        assert app.test_client().get(path).status_code == 404, path
    assert app.test_client().post("/console/api/sms", json={}).status_code == 403   # a POST is a webhook there


def test_serve_mounts_the_console_on_loopback_only(monkeypatch):
    served = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: served.append(app))
    monkeypatch.setattr(serve_module.logs, "libraries_as_json", lambda stream=None: None)
    for name in ("TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "PHONE_HASH_KEY", "PUBLIC_BASE_URL",
                 "DYNAMODB_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    out = io.StringIO()
    assert serve("127.0.0.1", 5099, out=out, err=io.StringIO()) == 0
    assert "Console:       http://127.0.0.1:5099/console/" in out.getvalue()
    assert Client(served[-1]).get("/console/", base_url="http://127.0.0.1:5099").status_code == 200

    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "a-real-token")
    monkeypatch.setenv("PHONE_HASH_KEY", "a-real-key")
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "3" * 32)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://tunnel.example.org")
    out = io.StringIO()
    assert serve("127.0.0.1", 5099, out=out, err=io.StringIO()) == 0
    assert "Console:       off" in out.getvalue()
    assert Client(served[-1]).get("/console/", base_url="http://127.0.0.1:5099").status_code == 404


def test_a_text_goes_through_the_signed_webhook_into_dynamodb(console):
    answer = console.post("/console/api/sms", json={"number": "+15555550142", "body": "hi"}, base_url=BASE).get_json()
    assert answer["status"] == 200 and answer["replies"]
    assert all(reply["encoding"] == "GSM-7" and reply["segments"] >= 1 for reply in answer["replies"])
    session = answer["session"]
    assert session["key"].startswith("sms#") and "15555550142" not in str(session)
    assert session["state"]["node"] == "topic"
    assert session["size"] == billed_size(session["item"])


def test_a_call_rings_and_its_gather_times_out_to_the_line(console):
    call = {"call_sid": "CA" + "1" * 32, "number": "+15555550143"}
    rung = console.post("/console/api/call", json={**call, "action": "ring"}, base_url=BASE).get_json()
    assert rung["heard"] and rung["gather"]["action"].startswith("/voice/language")   # the language menu
    assert rung["session"]["item"] is None                                              # nothing stored yet
    silent = console.post("/console/api/call", json={**call, "action": "silence", "path": rung["gather"]["timeout"]},
                          base_url=BASE).get_json()
    assert silent["heard"] and not silent["ended"]                                      # English, the first question
    assert silent["gather"]["action"].startswith("/voice/answer")
    assert silent["session"]["key"].startswith("call#")


@pytest.mark.parametrize("request_", [
    {"json": {"number": "+15555550144", "body": "hi"}, "base_url": "http://evil.example:5000"},   # rebound name
    {"json": {"number": "+15555550144", "body": "hi"}, "base_url": BASE,
     "headers": {"Origin": "https://evil.example"}},                                            # another site's page
    {"json": {"number": "+15555550144", "body": "hi"}, "base_url": BASE, "headers": {"Sec-Fetch-Site": "cross-site"}},
])
def test_only_this_machines_own_pages_may_use_it(console, request_):
    assert console.post("/console/api/sms", **request_).status_code == 403


def test_what_cannot_be_a_patients_turn_is_refused(console):
    assert console.post("/console/api/sms", json={"number": "12", "body": "hi"}, base_url=BASE).status_code == 400
    bad_path = {"call_sid": "CA" + "2" * 32, "number": "+15555550145", "action": "press", "said": "1",
                "path": "/sms"}
    assert console.post("/console/api/call", json=bad_path, base_url=BASE).status_code == 400
    assert console.post("/console/api/sms", data="hi", base_url=BASE).status_code == 400


def test_item_size_is_dynamodbs_for_what_the_store_writes():
    item = {"pk": {"S": "sms#abc"}, "v": {"N": "12"}, "cnt": {"N": "1000"}, "opted_out": {"BOOL": True},
            "state": {"S": "é"}}
    assert item_size(item) == billed_size(item)


def test_reading_level():
    assert syllables("time") == 1 and syllables("muscle") == 2 and syllables("emergency") == 4
    assert flesch_kincaid_grade("The cat sat on the mat.") == pytest.approx(0.39 * 6 + 11.8 - 15.59, abs=0.05)
    assert flesch_kincaid_grade("Hola, ¿cómo está?", "es") is None


def test_a_gather_then_goodbye_hangs_up_on_silence():
    turn = read_call_twiml(b'<Response><Gather action="http://x/voice/answer?q=advice"><Say>Press 1</Say></Gather>'
                           b'<Say>Goodbye.</Say><Hangup/></Response>')
    assert turn.heard == ["Press 1"] and turn.gather is not None
    assert turn.gather["action"] == "/voice/answer?q=advice" and turn.gather["timeout"] is None
    assert turn.gather["after_silence"] == ["Goodbye."] and turn.gather["hangs_up_after_silence"]


def test_triage_line_diagram_writes_every_node(tmp_path: Path, flow, capsys):
    target = tmp_path / "flow.svg"
    assert main(["diagram", "--lang", "en", "-o", str(target)]) == 0
    svg = target.read_text(encoding="utf-8")
    assert svg.startswith("<svg") and all(f'data-node="{node_id}"' in svg for node_id in flow.nodes)
    assert main(["diagram", "--lang", "xx"]) == 1
