"""The URL a signature is checked against is never taken from X-Forwarded-*: the auth
token signs for the whole Twilio account, so a request signed for another service's URL
(https://other-service.example.com/sms) must not be accepted at this line's /sms. On
Lambda PUBLIC_BASE_URL is required; `serve` sets it from its own host and port."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from handler.app import create_app
from handler.infra.settings import Settings, SettingsError
from handler.tools.local_line import local_environment
from tests.channels.sms_helpers import ACCOUNT_SID, AUTH_TOKEN, HASH_KEY, PATIENT, TABLE, Sender, scan_items, sms_params

REPO = Path(__file__).resolve().parents[2]
OTHER = "https://other-service.example.com"
FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "other-service.example.com"}


def params() -> dict:
    return sms_params(PATIENT, "Hi", "SM" + "cd" * 16)


def test_a_request_signed_for_another_service_is_refused(app, settings, dynamodb):
    sender = Sender(app, settings, url=OTHER + "/sms")
    response = sender.post_params(params(), headers=FORWARDED)
    assert response.status_code == 403
    assert scan_items(dynamodb) == []


@pytest.fixture
def app_without_public_base_url(store, json_log):
    settings = Settings(twilio_auth_token=AUTH_TOKEN, twilio_account_sid=ACCOUNT_SID, phone_hash_key=HASH_KEY,
                        public_base_url=None,
                        sessions_table=TABLE)
    return create_app(settings, store=store)


def test_without_public_base_url_forwarded_headers_are_still_ignored(app_without_public_base_url, dynamodb):
    app = app_without_public_base_url
    sender = Sender(app, app.config["SETTINGS"], url=OTHER + "/sms")
    response = sender.post_params(params(), base_url="http://127.0.0.1:5000", headers=FORWARDED)
    assert response.status_code == 403
    assert scan_items(dynamodb) == []


def test_without_public_base_url_the_url_the_request_reached_is_used(app_without_public_base_url):
    app = app_without_public_base_url
    sender = Sender(app, app.config["SETTINGS"], url="http://127.0.0.1:5000/sms")
    response = sender.post_params(params(), base_url="http://127.0.0.1:5000", headers=FORWARDED)
    assert response.status_code == 200


def test_lambda_settings_require_public_base_url():
    env = {"TWILIO_AUTH_TOKEN": "t", "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "PHONE_HASH_KEY": "k"}
    with pytest.raises(SettingsError, match="PUBLIC_BASE_URL"):
        Settings.from_env(env, public_base_url_required=True)
    assert Settings.from_env({**env, "PUBLIC_BASE_URL": "https://a.example/dev/"},
                             public_base_url_required=True).public_base_url == "https://a.example/dev"
    assert Settings.from_env(env).public_base_url is None      # local tools and tests


def test_the_lambda_entry_refuses_to_start_without_it_and_names_it():
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO), "TWILIO_AUTH_TOKEN": "t",
           "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "PHONE_HASH_KEY": "k", "AWS_REGION": "us-east-1",
           "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing"}
    ran = subprocess.run([sys.executable, "-c", "import handler.lambda_entry"], env=env, cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    assert ran.returncode != 0
    assert "PUBLIC_BASE_URL" in ran.stderr.splitlines()[-1]


def test_serve_builds_it_from_its_own_host_and_port():
    env, supplied = local_environment({}, base_url="http://127.0.0.1:5055")
    assert env["PUBLIC_BASE_URL"] == "http://127.0.0.1:5055" and "PUBLIC_BASE_URL" in supplied
