"""One line per event, JSON only, and no client-supplied header value in any line:
under `serve` (waitress, its own process, stderr read whole) and with a root handler
such as the Lambda runtime installs (records reaching it would be printed twice)."""
from __future__ import annotations

import http.client
import json
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from handler.infra import logs
from handler.infra.signature import sign
from tests.channels.sms_helpers import ACCOUNT_SID, PATIENT, Sender, sms_params

REPO = Path(__file__).resolve().parents[2]
CANARIES = {"User-Agent": "canary-agent-5c1e", "Referer": "https://canary-referer-5c1e.example/",
            "X-Forwarded-Host": "canary-host-5c1e.example", "X-Forwarded-For": "203.0.113.77",
            "X-Custom-Canary": "canary-custom-5c1e"}


def test_no_record_of_the_project_reaches_a_root_handler(app, settings, json_log):
    """The Lambda runtime puts a handler on the root logger: it must not print our events again."""
    seen: list[logging.LogRecord] = []

    class Runtime(logging.Handler):
        def emit(self, record):
            seen.append(record)

    runtime = Runtime(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(runtime)
    try:
        sender = Sender(app, settings)
        sender.send("Hi")
        app.test_client().post("/sms", data=sms_params(PATIENT, "Hi", "SM" + "9" * 32),
                                   headers={**CANARIES, "X-Twilio-Signature": "forged"})
    finally:
        root.removeHandler(runtime)
    assert not [r for r in seen if r.name.startswith(logs.LOGGER_NAME)]
    events = json_log.events()
    assert [e["event"] for e in events].count("signature_rejected") == 1
    assert sum(e["event"] == "message" for e in events) == 1
    for line in json_log.lines():
        assert not any(value in line for value in CANARIES.values())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port: int, method: str, path: str, body: str | None = None, headers: dict | None = None) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request(method, path, body, headers or {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@pytest.fixture(scope="module")
def serve_stderr(tmp_path_factory):
    """Everything `serve` wrote to stderr while answering a signed SMS, a forged one with
    canary headers, and a health check."""
    port = free_port()
    token = "logging-once-auth-token"
    env = {**os.environ, "PYTHONPATH": str(REPO), "TWILIO_AUTH_TOKEN": token,
           "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "PHONE_HASH_KEY": "logging-once-hash-key"}
    for name in ("PUBLIC_BASE_URL", "DYNAMODB_ENDPOINT_URL"):
        env.pop(name, None)
    err_path = tmp_path_factory.mktemp("serve") / "stderr.txt"
    with err_path.open("w") as err:
        server = subprocess.Popen([sys.executable, "-m", "handler.tools.cli", "serve", "--host", "127.0.0.1",
                                   "--port", str(port)], env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                                  stderr=err)
        try:
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, err_path.read_text()
                try:
                    if request(port, "GET", "/healthz", headers=CANARIES) == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "serve did not answer /healthz"
                time.sleep(0.1)
            params = sms_params(PATIENT, "Hi", "SM" + "7" * 32)
            form = {"Content-Type": "application/x-www-form-urlencoded"}
            signed = sign(token, f"http://127.0.0.1:{port}/sms", params)
            assert request(port, "POST", "/sms", urlencode(params),
                           {**form, **CANARIES, "X-Twilio-Signature": signed}) == 200
            assert request(port, "POST", "/sms", urlencode(params),
                           {**form, **CANARIES, "X-Twilio-Signature": "forged"}) == 403
            time.sleep(0.3)              # the last lines written
        finally:
            server.terminate()
            server.wait(timeout=20)
    return err_path.read_text()


def test_serve_writes_json_lines_only(serve_stderr):
    lines = [line for line in serve_stderr.splitlines() if line.strip()]
    assert lines, "serve logged nothing at all"
    for line in lines:
        assert isinstance(json.loads(line), dict), line


def test_serve_writes_each_event_once(serve_stderr):
    events = [json.loads(line).get("event") for line in serve_stderr.splitlines() if line.strip()]
    assert events.count("signature_rejected") == 1
    assert events.count("message") == 1


def test_no_header_value_reaches_a_log_line(serve_stderr):
    for value in CANARIES.values():
        assert value not in serve_stderr
