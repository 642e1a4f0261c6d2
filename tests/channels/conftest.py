"""Fixtures for the SMS and voice webhook tests: one set for both channels.

The app runs against moto's in-memory DynamoDB with fake AWS credentials, through the
worker's one boto3 client (`moto_client`, tests/conftest.py). moto and its sessions
table are made once per test module (starting moto and making the table with
create_table is about 19 ms, more than most tests here); each test starts from that
table emptied, and no other. The flows come from the session fixture
in tests/conftest.py.
"""
from __future__ import annotations

import io
import json
import logging
import sys

import pytest
from moto import mock_aws

from handler.app import create_app
from handler.infra import logs
from handler.infra.settings import Settings
from handler.infra.store import SessionStore, create_table
from tests.channels.line_under_test import ACCOUNT_SID, AUTH_TOKEN, BASE_URL, HASH_KEY, REGION, TABLE
from tests.channels.sms_helpers import Sender
from tests.channels.voice_helpers import Caller
from tests.fakes import FakeClock, use_fake_aws


@pytest.fixture
def aws_env(monkeypatch):
    use_fake_aws(monkeypatch, REGION)


@pytest.fixture(scope="module")
def module_dynamodb(moto_client):
    """moto's DynamoDB with the sessions table made by create_table, for one module's tests."""
    with pytest.MonkeyPatch.context() as patch:
        use_fake_aws(patch, REGION)
        with mock_aws():
            create_table(moto_client, TABLE)
            yield moto_client


@pytest.fixture
def dynamodb(aws_env, module_dynamodb):
    """moto's DynamoDB, empty but for the sessions table made by create_table: what an
    earlier test of the module left (items, a table dropped or added) is undone first."""
    client = module_dynamodb
    tables = client.list_tables()["TableNames"]
    for other in set(tables) - {TABLE}:
        client.delete_table(TableName=other)
    if TABLE not in tables:
        create_table(client, TABLE)
    for page in client.get_paginator("scan").paginate(TableName=TABLE, ProjectionExpression="pk"):
        for item in page["Items"]:
            client.delete_item(TableName=TABLE, Key={"pk": item["pk"]})
    return client


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def nurse_number():
    """Override in a module or class (or parametrize) to set NURSE_LINE_NUMBER."""
    return None


@pytest.fixture
def settings(nurse_number):
    return Settings(twilio_auth_token=AUTH_TOKEN, twilio_account_sid=ACCOUNT_SID, phone_hash_key=HASH_KEY,
                    public_base_url=BASE_URL, sessions_table=TABLE, aws_region=REGION,
                    nurse_line_number=nurse_number)


@pytest.fixture
def store(dynamodb, clock):
    return SessionStore(dynamodb, TABLE, clock=clock)


@pytest.fixture
def json_log():
    """Point the project's JSON log handler at a buffer for this test (and put its stream
    back after): every line the 'triage_line' logger writes ends up in `.lines()`."""
    logs.configure()
    handler = next(h for h in logs.logger.handlers if isinstance(h.formatter, logs.JsonFormatter))
    buffer = io.StringIO()
    previous_stream = handler.setStream(buffer)
    previous_level = logs.logger.level
    logs.logger.setLevel(logging.DEBUG)

    class Log:
        stream = buffer

        @staticmethod
        def lines() -> list[str]:
            return [line for line in buffer.getvalue().splitlines() if line.strip()]

        @staticmethod
        def events() -> list[dict]:
            return [json.loads(line) for line in Log.lines()]

        @staticmethod
        def outcomes() -> list[str]:
            """The outcomes the line reached and recorded, in order (what an operator sees)."""
            return [e["outcome"] for e in Log.events() if e.get("event") == "outcome"]

    try:
        yield Log
    finally:
        handler.setStream(previous_stream if previous_stream is not None else sys.stderr)
        logs.logger.setLevel(previous_level)


@pytest.fixture
def app(settings, store, flows, json_log):
    return create_app(settings, store=store, flows=flows)


@pytest.fixture
def sms_sender(app, settings):
    return Sender(app, settings)


@pytest.fixture
def caller(app, settings):
    return Caller(app, settings)


@pytest.fixture
def new_caller(app, settings):
    """Make more callers, each with its own CallSid."""
    made = iter(range(1, 1000))

    def make(call_sid: str | None = None) -> Caller:
        return Caller(app, settings, call_sid or f"CA{next(made):032x}")
    return make
