"""The whole line on one machine, for `serve`, `chat` and `vignettes`: an
embedded DynamoDB (moto's server, in this process; or for a batch run no other
process reaches, moto with no server at all) unless DYNAMODB_ENDPOINT_URL points
elsewhere, development values for unset settings, and a client that sends signed
webhook requests exactly as Twilio would."""
from __future__ import annotations

import os
from contextlib import contextmanager
from itertools import count

from handler.infra.settings import DEVELOPMENT_VALUES, Settings
from handler.infra.signature import sign
from handler.infra.store import LOCAL_CLIENT_CONFIG, SessionStore, create_table, dynamodb_client

LINE_NUMBER = "+15005550006"     # the line's own number in local runs (a Twilio test number)


@contextmanager
def embedded_dynamodb():
    """Start moto's DynamoDB server on a free loopback port; yields its URL."""
    from moto.moto_server.threaded_moto_server import MotoRequestHandler
    from moto.server import ThreadedMotoServer

    MotoRequestHandler.log_request = lambda *args, **kwargs: None  # its access log is only noise here
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@contextmanager
def in_process_dynamodb():
    """moto's DynamoDB with no server: boto3's calls are answered inside this process, about
    three times faster than over loopback. Yields None (no endpoint: the calls go to "AWS",
    which moto stands in for, with its own fake credentials)."""
    from moto import mock_aws

    with mock_aws():
        yield None


def local_environment(environ=None, base_url: str | None = None) -> tuple[dict, list[str]]:
    """The environment with development values for what it leaves unset, and their names."""
    env = dict(os.environ if environ is None else environ)
    supplied = []
    defaults = dict(DEVELOPMENT_VALUES)
    if base_url:
        defaults["PUBLIC_BASE_URL"] = base_url
    for name, value in defaults.items():
        if not env.get(name):
            env[name] = value
            supplied.append(name)
    # moto accepts any credentials; real AWS never sees these.
    for name, value in (("AWS_ACCESS_KEY_ID", "local"), ("AWS_SECRET_ACCESS_KEY", "local")):
        if not env.get(name) and not env.get("DYNAMODB_ENDPOINT_URL"):
            env[name] = value
            os.environ.setdefault(name, value)
    return env, supplied


@contextmanager
def local_settings(base_url: str | None = None, server: bool = True):
    """Settings for a local run, with a DynamoDB and the sessions table ready; `server=False`
    for a run that only this process uses (no endpoint another process could reach).
    Yields (settings, names of the settings given development values)."""
    env, supplied = local_environment(base_url=base_url)
    with _endpoint(env, server) as endpoint:
        settings = Settings.from_env({**env, "DYNAMODB_ENDPOINT_URL": endpoint or ""})
        create_table(dynamodb_client(settings.aws_region, endpoint), settings.sessions_table)
        yield settings, supplied


def local_store(settings: Settings) -> SessionStore:
    """The sessions store of a local run, on the local DynamoDB's patient timeouts."""
    client = dynamodb_client(settings.aws_region, settings.dynamodb_endpoint_url, LOCAL_CLIENT_CONFIG)
    return SessionStore(client, settings.sessions_table, settings.session_ttl_seconds)


@contextmanager
def _endpoint(env, server: bool):
    if env.get("DYNAMODB_ENDPOINT_URL"):
        yield env["DYNAMODB_ENDPOINT_URL"]
    else:
        with embedded_dynamodb() if server else in_process_dynamodb() as url:
            yield url


class SignedClient:
    """Sends webhook requests to the app the way Twilio does, signed with the auth token
    (the caller's params carry the settings' AccountSid, as Twilio's do)."""

    def __init__(self, app, settings: Settings, base_url: str = "http://localhost"):
        self.client = app.test_client()
        self.settings = settings
        self.base_url = settings.public_base_url or base_url
        self._ids = count(1)

    def post(self, path: str, params: dict):
        url = self.base_url + path
        headers = {"X-Twilio-Signature": sign(self.settings.twilio_auth_token, url, params)}
        return self.client.post(path, data=params, headers=headers, base_url=self.base_url)

    def sms(self, sender: str, body: str):
        message_id = f"SM{next(self._ids):032x}"
        return self.post("/sms", {
            "MessageSid": message_id, "SmsSid": message_id, "AccountSid": self.settings.twilio_account_sid,
            "From": sender, "To": LINE_NUMBER, "Body": body, "NumMedia": "0", "NumSegments": "1",
            "SmsStatus": "received", "ApiVersion": "2010-04-01",
        })

