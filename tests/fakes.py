"""Fakes shared by the SMS, voice, store and fault tests: AWS credentials that can
never reach a real account, a moto table for a test that needs its own, and a clock the
test moves by hand (the channel tests' moto DynamoDB is set up by tests/channels/conftest.py)."""
from __future__ import annotations

from contextlib import contextmanager

import boto3
from moto import mock_aws

from handler.infra.store import CLIENT_CONFIG, create_table

REGION = "us-east-1"
START_TIME = 1_700_000_000.0


def use_fake_aws(monkeypatch, region: str = REGION) -> None:
    """Fake credentials, so nothing can ever reach a real AWS account."""
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_SECURITY_TOKEN", "testing"), ("AWS_SESSION_TOKEN", "testing"),
                        ("AWS_DEFAULT_REGION", region), ("AWS_REGION", region)):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DYNAMODB_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@contextmanager
def moto_sessions_table(table: str, region: str = REGION):
    """moto's DynamoDB (a client with the app's short timeouts) holding a sessions table,
    for a test that needs its own (the store's time budget)."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name=region, config=CLIENT_CONFIG)
        create_table(client, table)
        yield client


class FakeClock:
    def __init__(self, now: float = START_TIME):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
