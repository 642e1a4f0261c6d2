"""Fixtures for the SMS line tests: a pytest plugin, loaded by each SMS test module
with `pytest_plugins = ["tests.sms_fixtures"]`. Names start with `sms_` so they
never clash with tests/conftest.py."""
from __future__ import annotations

import io
import json
import logging
import sys

import pytest

from handler.infra import logs
from handler.app import create_app
from handler.infra.settings import Settings
from handler.infra.store import SessionStore
from tests.fakes import moto_sessions_table, use_fake_aws
from tests.channels.sms_helpers import AUTH_TOKEN, BASE_URL, HASH_KEY, REGION, TABLE, FakeClock, Sender


@pytest.fixture
def sms_aws_env(monkeypatch):
    use_fake_aws(monkeypatch, REGION)


@pytest.fixture
def sms_dynamodb(sms_aws_env):
    """A moto DynamoDB client with the sessions table made by create_table."""
    with moto_sessions_table(TABLE, REGION) as client:
        yield client


@pytest.fixture
def sms_clock():
    return FakeClock()


@pytest.fixture
def sms_settings():
    return Settings(twilio_auth_token=AUTH_TOKEN, phone_hash_key=HASH_KEY,
                    public_base_url=BASE_URL, sessions_table=TABLE, aws_region=REGION)


@pytest.fixture
def sms_store(sms_dynamodb, sms_clock):
    return SessionStore(sms_dynamodb, TABLE, clock=sms_clock)


@pytest.fixture
def sms_json_log():
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

    try:
        yield Log
    finally:
        handler.setStream(previous_stream if previous_stream is not None else sys.stderr)
        logs.logger.setLevel(previous_level)


@pytest.fixture
def sms_app(sms_settings, sms_store, sms_json_log):
    return create_app(sms_settings, store=sms_store)


@pytest.fixture
def sms_sender(sms_app, sms_settings):
    return Sender(sms_app, sms_settings)


