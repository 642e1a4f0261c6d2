"""Fixtures for the voice line tests: a pytest plugin, loaded by each voice test module
with `pytest_plugins = ["tests.voice_fixtures"]`. Names start with `voice_` (or are
`caller`, `new_caller`, `vflow`) so they never clash with other plugins. Everything runs
against moto's in-memory DynamoDB (`mock_aws`) with fake AWS credentials; the helpers
(the signed caller, the TwiML checks) are in tests/voice_helpers.py."""
from __future__ import annotations

import pytest

from handler.app import create_app
from handler.infra.flow_files import load_flows
from handler.infra.settings import Settings
from handler.infra.store import SessionStore
from tests.fakes import moto_sessions_table, use_fake_aws
from tests.channels.voice_helpers import AUTH_TOKEN, BASE_URL, HASH_KEY, REGION, TABLE, Caller, FakeClock


@pytest.fixture
def voice_aws_env(monkeypatch):
    use_fake_aws(monkeypatch, REGION)


@pytest.fixture
def voice_dynamodb(voice_aws_env):
    with moto_sessions_table(TABLE, REGION) as client:
        yield client


@pytest.fixture
def voice_clock():
    return FakeClock()


@pytest.fixture
def voice_nurse_number():
    """Override in a module (or parametrize) to set NURSE_LINE_NUMBER."""
    return None


@pytest.fixture
def voice_settings(voice_nurse_number):
    return Settings(twilio_auth_token=AUTH_TOKEN, phone_hash_key=HASH_KEY, public_base_url=BASE_URL,
                    sessions_table=TABLE, aws_region=REGION, nurse_line_number=voice_nurse_number)


@pytest.fixture
def voice_store(voice_dynamodb, voice_clock):
    return SessionStore(voice_dynamodb, TABLE, clock=voice_clock)


@pytest.fixture(scope="session")
def voice_flows():
    return load_flows()


@pytest.fixture(scope="session")
def vflow(voice_flows):
    """The flow the app under test runs."""
    return voice_flows["muscle-spasms"]


@pytest.fixture
def voice_app(voice_settings, voice_store, voice_flows):
    return create_app(voice_settings, store=voice_store, flows=voice_flows)


@pytest.fixture
def caller(voice_app, voice_settings):
    return Caller(voice_app, voice_settings)


@pytest.fixture
def new_caller(voice_app, voice_settings):
    """Make more callers, each with its own CallSid."""
    made = iter(range(1, 1000))

    def make(call_sid: str | None = None) -> Caller:
        return Caller(voice_app, voice_settings, call_sid or f"CA{next(made):032x}")
    return make
