"""The secrets from AWS, against moto: SSM SecureString parameters under SECRETS_SSM_PREFIX
(one GetParameters call), or one Secrets Manager secret (SECRETS_MANAGER_SECRET_ID) holding
a JSON object. Environment values still work when neither is set, with no AWS call. A
missing parameter stops the app naming the parameter; no error ever carries a value."""
from __future__ import annotations

import importlib
import json
import sys

import boto3
import pytest
from moto import mock_aws

from handler.app import create_app
from handler.infra import secrets
from handler.infra.settings import SECRET_NAMES, SecretSource, Settings, SettingsError
from tests.fakes import REGION, use_fake_aws

PREFIX = "/triage-line/test/"
SECRET_ID = "triage-line/test"
VALUES = {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "auth-token-from-aws",
          "PHONE_HASH_KEY": "hash-key-from-aws"}


@pytest.fixture
def aws(monkeypatch):
    use_fake_aws(monkeypatch)
    for name in (*SECRET_NAMES, "SECRETS_SSM_PREFIX", "SECRETS_MANAGER_SECRET_ID", "PUBLIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        yield monkeypatch


def put_parameters(values: dict[str, str], kind: str = "SecureString") -> None:
    ssm = boto3.client("ssm", region_name=REGION)
    for name, value in values.items():
        ssm.put_parameter(Name=PREFIX + name, Value=value, Type=kind)


def put_secret(text: str) -> None:
    boto3.client("secretsmanager", region_name=REGION).create_secret(Name=SECRET_ID, SecretString=text)


def count_calls(monkeypatch, operation: str) -> list:
    """Every `operation` request made by clients created from now on (through a default
    session of this test's own, put back afterwards)."""
    calls: list = []
    session = boto3.Session(region_name=REGION)
    session.events.register(f"before-call.*.{operation}", lambda **kwargs: calls.append(1))
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", session)
    return calls


def test_secrets_from_ssm_securestrings_in_one_call(aws):
    put_parameters(VALUES)
    calls = count_calls(aws, "GetParameters")
    settings = Settings.from_env({"SECRETS_SSM_PREFIX": PREFIX}, secrets=secrets.fetch)
    assert (settings.twilio_auth_token, settings.phone_hash_key) == (VALUES["TWILIO_AUTH_TOKEN"],
                                                                    VALUES["PHONE_HASH_KEY"])
    assert len(calls) == 1


def test_fetch_reads_all_three_names_including_the_account_sid(aws):
    put_parameters(VALUES)
    assert secrets.fetch(SecretSource(ssm_prefix=PREFIX), SECRET_NAMES, REGION) == VALUES


def test_secrets_from_one_secrets_manager_secret(aws):
    put_secret(json.dumps(VALUES))
    calls = count_calls(aws, "GetSecretValue")
    settings = Settings.from_env({"SECRETS_MANAGER_SECRET_ID": SECRET_ID}, secrets=secrets.fetch)
    assert (settings.twilio_auth_token, settings.phone_hash_key) == (VALUES["TWILIO_AUTH_TOKEN"],
                                                                    VALUES["PHONE_HASH_KEY"])
    assert len(calls) == 1


def test_create_app_reads_them_once_at_start(aws):
    put_parameters(VALUES)
    aws.setenv("SECRETS_SSM_PREFIX", PREFIX)
    calls = count_calls(aws, "GetParameters")
    app = create_app()
    assert app.config["SETTINGS"].twilio_auth_token == VALUES["TWILIO_AUTH_TOKEN"]
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.post("/sms", data={"Body": "hi"}).status_code == 403    # unsigned: the token is in use
    assert len(calls) == 1


def test_the_lambda_entry_reads_them_at_its_cold_start(aws):
    put_parameters(VALUES)
    aws.setenv("SECRETS_SSM_PREFIX", PREFIX)
    aws.setenv("PUBLIC_BASE_URL", "https://abc123.execute-api.us-east-1.amazonaws.com/dev")
    sys.modules.pop("handler.lambda_entry", None)
    try:
        entry = importlib.import_module("handler.lambda_entry")
        assert entry.app.config["SETTINGS"].phone_hash_key == VALUES["PHONE_HASH_KEY"]
    finally:
        sys.modules.pop("handler.lambda_entry", None)


def test_environment_values_still_work_with_no_aws_call(aws, monkeypatch):
    def no_aws(*args, **kwargs):
        raise AssertionError("no AWS call when the secrets are in the environment")

    monkeypatch.setattr(secrets, "_client", no_aws)
    settings = Settings.from_env({"TWILIO_AUTH_TOKEN": "token", "TWILIO_ACCOUNT_SID": VALUES["TWILIO_ACCOUNT_SID"],
                                  "PHONE_HASH_KEY": "key"}, secrets=secrets.fetch)
    assert (settings.twilio_auth_token, settings.phone_hash_key) == ("token", "key")


@pytest.mark.parametrize("missing", ["TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "PHONE_HASH_KEY"])
def test_a_missing_parameter_stops_the_app_naming_it_and_no_value(aws, missing):
    put_parameters({name: value for name, value in VALUES.items() if name != missing})
    aws.setenv("SECRETS_SSM_PREFIX", PREFIX)
    with pytest.raises(SettingsError) as raised:
        create_app()
    message = str(raised.value)
    assert missing in message and f"SSM parameter {PREFIX}{missing}" in message
    assert not any(value in message for value in VALUES.values())


def test_a_missing_key_in_the_secret_is_named(aws):
    put_secret(json.dumps({"TWILIO_AUTH_TOKEN": VALUES["TWILIO_AUTH_TOKEN"]}))
    with pytest.raises(SettingsError, match=f"key PHONE_HASH_KEY of Secrets Manager secret {SECRET_ID}"):
        Settings.from_env({"SECRETS_MANAGER_SECRET_ID": SECRET_ID}, secrets=secrets.fetch)


def test_a_missing_secret_is_named(aws):
    with pytest.raises(SettingsError, match=f"Secrets Manager secret {SECRET_ID} .*ResourceNotFoundException"):
        Settings.from_env({"SECRETS_MANAGER_SECRET_ID": SECRET_ID}, secrets=secrets.fetch)


def test_a_secret_that_is_not_a_json_object_is_refused_without_its_text(aws):
    put_secret("hash-key-from-aws")
    with pytest.raises(SettingsError, match="JSON object") as raised:
        Settings.from_env({"SECRETS_MANAGER_SECRET_ID": SECRET_ID}, secrets=secrets.fetch)
    assert "hash-key-from-aws" not in str(raised.value)


def test_a_plain_string_parameter_is_refused(aws):
    put_parameters(VALUES, kind="String")
    with pytest.raises(SettingsError, match=f"{PREFIX}\\w+ is a String; secrets must be SecureString"):
        Settings.from_env({"SECRETS_SSM_PREFIX": PREFIX}, secrets=secrets.fetch)


def test_a_secret_in_both_places_is_refused(aws):
    put_parameters(VALUES)
    with pytest.raises(SettingsError, match="TWILIO_AUTH_TOKEN set in the environment as well as in SSM parameter"):
        Settings.from_env({"SECRETS_SSM_PREFIX": PREFIX, "TWILIO_AUTH_TOKEN": "other"}, secrets=secrets.fetch)


def test_a_source_with_no_reader_is_refused_unless_no_secret_is_needed():
    env = {"SECRETS_SSM_PREFIX": PREFIX}
    with pytest.raises(SettingsError, match="unset it for local runs"):
        Settings.from_env(env)
    assert Settings.from_env(env, require_secrets=False).twilio_auth_token == ""   # create-table, validate


@pytest.mark.parametrize("env, message", [
    ({"SECRETS_SSM_PREFIX": PREFIX, "SECRETS_MANAGER_SECRET_ID": SECRET_ID}, "not both"),
    ({"SECRETS_SSM_PREFIX": "triage-line/test"}, "starts and ends with '/'"),
    ({"SECRETS_SSM_PREFIX": "/triage line/"}, "starts and ends with '/'"),
    ({"SECRETS_MANAGER_SECRET_ID": "a secret"}, "name or ARN"),
])
def test_an_unusable_source_setting_is_named(env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env, secrets=secrets.fetch)


def test_an_unreachable_ssm_is_named_with_the_prefix(monkeypatch):
    use_fake_aws(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", "http://127.0.0.1:9")     # discard port: nothing listens
    with pytest.raises(SettingsError, match=f"could not read the SSM parameters under {PREFIX} in {REGION}: "
                                            "EndpointConnectionError"):
        Settings.from_env({"SECRETS_SSM_PREFIX": PREFIX}, secrets=secrets.fetch)
