"""The store's timeouts and retries come from one budget, and the slowest path a message
can take (a hung store on every attempt of the read, the lost write, the re-read and the
re-write) still answers before the Lambda timeout read from zappa_settings.json, itself
well inside Twilio's 15 s. The bound is computed from the config; one real run against a
hung loopback server checks the computation against botocore, with a generous margin."""
from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from pathlib import Path

import boto3
import botocore.loaders
import pytest
from botocore.exceptions import BotoCoreError, ClientError

from handler.app import create_app
from handler.infra import store_budget
from handler.infra.settings import Settings
from handler.infra.store import CLIENT_CONFIG, SessionStore
from tests.channels.sms_helpers import ACCOUNT_SID, AUTH_TOKEN, BASE_URL, HASH_KEY, REGION, TABLE, Sender, text
from tests.fakes import moto_sessions_table, use_fake_aws

REPO = Path(__file__).resolve().parents[2]
SETTINGS = json.loads((REPO / "zappa_settings.json").read_text())
MARGIN_SECONDS = 3          # what the app itself may take around the store, at the least


def lambda_timeouts() -> dict[str, int]:
    def stage(name):
        settings = dict(SETTINGS[name])
        parent = settings.pop("extends", None)
        return {**stage(parent), **settings} if parent else settings
    return {name: stage(name)["timeout_seconds"] for name in SETTINGS}


def attempts() -> int:
    return CLIENT_CONFIG.retries["total_max_attempts"]


def config_worst_case() -> float:
    return store_budget.worst_case_seconds_per_message(CLIENT_CONFIG.connect_timeout, CLIENT_CONFIG.read_timeout,
                                                       attempts())


def test_the_client_config_is_the_budget():
    assert CLIENT_CONFIG.connect_timeout == store_budget.CONNECT_TIMEOUT_SECONDS
    assert CLIENT_CONFIG.read_timeout == store_budget.READ_TIMEOUT_SECONDS
    assert CLIENT_CONFIG.retries == {"total_max_attempts": store_budget.ATTEMPTS_PER_CALL, "mode": "legacy"}
    assert config_worst_case() <= store_budget.STORE_BUDGET_SECONDS


@pytest.mark.parametrize("stage", sorted(SETTINGS))
def test_the_worst_case_fits_well_inside_the_lambda_timeout_and_that_inside_twilios(stage):
    timeout = lambda_timeouts()[stage]
    assert timeout == store_budget.LAMBDA_TIMEOUT_SECONDS
    assert config_worst_case() + MARGIN_SECONDS <= timeout
    assert timeout + MARGIN_SECONDS <= store_budget.TWILIO_TIMEOUT_SECONDS


def test_the_pause_assumed_is_botocores_legacy_pause_for_dynamodb():
    retry = botocore.loaders.Loader().load_data("_retry")["retry"]["dynamodb"]["__default__"]["delay"]
    assert retry["type"] == "exponential" and retry["growth_factor"] == 2
    assert retry["base"] == store_budget.FIRST_RETRY_PAUSE_SECONDS


class HungServer:
    """Accepts connections on 127.0.0.1 and never answers: every attempt runs to its timeout."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.held: list[socket.socket] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.accept, daemon=True)
        self.thread.start()

    def accept(self):
        while not self.stop.is_set():
            try:
                self.held.append(self.sock.accept()[0])
            except (TimeoutError, OSError):
                continue

    def close(self):
        self.stop.set()
        self.thread.join(timeout=2)
        for connection in self.held:
            connection.close()
        self.sock.close()


class SlowestStore:
    """Each GetItem and PutItem first spends everything botocore allows against the hung
    server (every attempt, every pause), then is answered by moto; every write loses the race."""

    def __init__(self, moto, hung_url):
        self.moto = moto
        self.hung = boto3.client("dynamodb", region_name=REGION, endpoint_url=hung_url, config=CLIENT_CONFIG)
        self.calls: list[str] = []

    def _exhaust(self, operation, **kwargs):
        with contextlib.suppress(BotoCoreError):
            getattr(self.hung, operation)(**kwargs)

    def get_item(self, **kwargs):
        self.calls.append("get_item")
        self._exhaust("get_item", **kwargs)
        return self.moto.get_item(**kwargs)

    def put_item(self, **kwargs):
        self.calls.append("put_item")
        self._exhaust("put_item", **kwargs)
        raise ClientError({"Error": {"Code": "ConditionalCheckFailedException", "Message": "lost the race"}},
                          "PutItem")


def test_the_slowest_path_answers_before_the_lambda_timeout(monkeypatch):
    use_fake_aws(monkeypatch, REGION)
    hung = HungServer()
    try:
        with moto_sessions_table(TABLE, REGION) as moto:
            store = SlowestStore(moto, hung.url)
            settings = Settings(twilio_auth_token=AUTH_TOKEN, twilio_account_sid=ACCOUNT_SID,
                                phone_hash_key=HASH_KEY, public_base_url=BASE_URL, sessions_table=TABLE,
                                aws_region=REGION)
            sender = Sender(create_app(settings, store=SessionStore(store, TABLE)), settings)
            started = time.monotonic()
            reply = sender.send("Hi")
            seconds = time.monotonic() - started
    finally:
        hung.close()
    print(f"\nslowest path answered in {seconds:.2f} s (bound from the config {config_worst_case():.2f} s)")
    assert store.calls == ["get_item", "put_item", "get_item", "put_item"]
    assert len(store.calls) == store_budget.WORST_CALLS_PER_MESSAGE
    assert reply.status == 200 and reply.messages == [text("resend")]
    assert len(hung.held) >= store_budget.WORST_CALLS_PER_MESSAGE * attempts()   # every attempt went out
    # generous margins: it took the time the read timeouts allow (the hung server accepts at
    # once, so no connect timeout is spent), and answered before the Lambda timeout
    reads_only = store_budget.worst_case_seconds_per_message(0, CLIENT_CONFIG.read_timeout, attempts())
    assert seconds >= 0.8 * reads_only
    assert seconds < min(lambda_timeouts().values())
