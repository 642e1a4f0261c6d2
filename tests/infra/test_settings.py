"""Settings come from the environment, through handler.infra.settings only: a missing
required one stops the app before it answers anyone, naming what is missing; the
optional ones parse, or stop the app with a message naming them."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from handler.app import create_app
from handler.core.flow import FlowError
from handler.infra.flow_files import FLOWS_DIR
from handler.infra.settings import Settings, SettingsError
from handler.tools import cli

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
REQUIRED = {"TWILIO_AUTH_TOKEN": "token", "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "PHONE_HASH_KEY": "hash-key"}
EVERY_SETTING = ("TWILIO_AUTH_TOKEN", "PHONE_HASH_KEY", "PUBLIC_BASE_URL", "SESSIONS_TABLE", "AWS_REGION",
                 "AWS_DEFAULT_REGION", "DYNAMODB_ENDPOINT_URL", "NURSE_LINE_NUMBER", "SESSION_TTL_SECONDS",
                 "MAX_MESSAGES_PER_HOUR", "TRIAGE_FLOWS_DIR", "TWILIO_ACCOUNT_SID", "SECRETS_SSM_PREFIX",
                 "SECRETS_MANAGER_SECRET_ID")


@pytest.fixture
def environment(monkeypatch):
    """A clean environment with only the required settings; a test adds or removes more."""
    for name in EVERY_SETTING:
        monkeypatch.delenv(name, raising=False)
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_a_missing_required_setting_stops_the_app_and_names_it(environment, missing):
    environment.delenv(missing)
    with pytest.raises(SettingsError, match=missing):
        create_app()


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_a_blank_required_setting_counts_as_missing(environment, missing):
    environment.setenv(missing, "   ")
    with pytest.raises(SettingsError, match=missing):
        create_app()


def test_both_missing_are_named_together(environment):
    environment.delenv("TWILIO_AUTH_TOKEN")
    environment.delenv("PHONE_HASH_KEY")
    with pytest.raises(SettingsError, match="TWILIO_AUTH_TOKEN, PHONE_HASH_KEY"):
        create_app()


@pytest.mark.parametrize("value", ["AC123", "SK" + "0" * 32, "AC" + "g" * 32, "AC" + "0" * 33, "ac" + "0" * 32])
def test_an_account_sid_that_is_not_one_stops_the_app_and_names_it(environment, value):
    environment.setenv("TWILIO_ACCOUNT_SID", value)
    with pytest.raises(SettingsError, match="TWILIO_ACCOUNT_SID"):
        create_app()


def test_the_optional_settings_have_defaults():
    settings = Settings.from_env(dict(REQUIRED))
    assert settings == Settings(twilio_auth_token="token", twilio_account_sid=ACCOUNT_SID, phone_hash_key="hash-key")
    assert (settings.public_base_url, settings.dynamodb_endpoint_url, settings.nurse_line_number) == (None, None, None)
    assert (settings.sessions_table, settings.aws_region) == ("triage-sessions", "us-east-1")
    assert (settings.session_ttl_seconds, settings.max_messages_per_hour) == (86400, 60)
    assert settings.flows_dir == FLOWS_DIR


def test_the_optional_settings_parse():
    settings = Settings.from_env({
        **REQUIRED, "PUBLIC_BASE_URL": "https://line.example/", "SESSIONS_TABLE": "sessions-test",
        "AWS_REGION": "eu-west-1", "DYNAMODB_ENDPOINT_URL": "http://127.0.0.1:8000",
        "NURSE_LINE_NUMBER": "+15005550006", "SESSION_TTL_SECONDS": "3600", "MAX_MESSAGES_PER_HOUR": "5",
        "TRIAGE_FLOWS_DIR": "/srv/flows",
    })
    assert settings.public_base_url == "https://line.example"       # no trailing slash
    assert settings.sessions_table == "sessions-test"
    assert settings.aws_region == "eu-west-1"
    assert settings.dynamodb_endpoint_url == "http://127.0.0.1:8000"
    assert settings.nurse_line_number == "+15005550006"
    assert settings.session_ttl_seconds == 3600
    assert settings.max_messages_per_hour == 5
    assert settings.flows_dir == Path("/srv/flows")


def test_aws_default_region_is_read_when_aws_region_is_not():
    assert Settings.from_env({**REQUIRED, "AWS_DEFAULT_REGION": "ca-central-1"}).aws_region == "ca-central-1"


@pytest.mark.parametrize("name, value", [
    ("SESSION_TTL_SECONDS", "59"), ("SESSION_TTL_SECONDS", "a day"), ("MAX_MESSAGES_PER_HOUR", "0"),
    ("MAX_MESSAGES_PER_HOUR", "-1"), ("SESSIONS_TABLE", "x"), ("PUBLIC_BASE_URL", "line.example"),
])
def test_an_unusable_optional_setting_stops_the_app_and_names_it(environment, name, value):
    environment.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        create_app()


def test_without_secrets_only_commands_that_answer_no_patient_can_read_settings():
    settings = Settings.from_env({"SESSIONS_TABLE": "sessions-test"}, require_secrets=False)
    assert (settings.twilio_auth_token, settings.twilio_account_sid, settings.phone_hash_key) == ("", "", "")
    assert settings.sessions_table == "sessions-test"
    with pytest.raises(SettingsError, match="TWILIO_AUTH_TOKEN"):
        Settings.from_env({"SESSIONS_TABLE": "sessions-test"})


def test_the_app_reads_its_flows_from_triage_flows_dir(environment, tmp_path):
    environment.setenv("TRIAGE_FLOWS_DIR", str(tmp_path))   # no concepts, no flows: the cold start fails
    with pytest.raises(FlowError, match=str(tmp_path)):
        create_app()


def test_validate_checks_the_flows_in_triage_flows_dir(environment, tmp_path, capsys):
    for name in ("concepts.json", "flow.schema.json"):
        shutil.copy(FLOWS_DIR / name, tmp_path / name)
    environment.setenv("TRIAGE_FLOWS_DIR", str(tmp_path))
    assert cli.main(["validate"]) == 1
    assert f"no flow files in {tmp_path}" in capsys.readouterr().err


def test_fallback_twiml_needs_no_secrets_and_reads_the_nurse_line(environment, capsys):
    environment.delenv("TWILIO_AUTH_TOKEN")
    environment.delenv("PHONE_HASH_KEY")
    environment.setenv("NURSE_LINE_NUMBER", "+15005550006")
    assert cli.main(["fallback-twiml", "--voice"]) == 0
    assert "+15005550006" in capsys.readouterr().out
