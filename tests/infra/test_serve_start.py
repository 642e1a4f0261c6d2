"""What `serve` does before it serves: the development secrets only where no other
machine can reach the line, a word that the embedded store forgets every session on
restart, and an unreachable DynamoDB named in one line (no traceback, non-zero exit).
waitress is replaced by a stand-in here, so nothing ever listens on a real interface."""
from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import waitress

from handler.tools import serve as serve_module
from handler.tools.serve import is_loopback, serve

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def started(monkeypatch):
    """waitress.serve replaced: records where it was asked to listen, returns at once."""
    calls = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: calls.append(kw))
    # the root logger of this test process is left alone (tests/test_logging_once.py runs the real one)
    monkeypatch.setattr(serve_module.logs, "libraries_as_json", lambda stream=None: None)
    for name in ("TWILIO_AUTH_TOKEN", "PHONE_HASH_KEY", "PUBLIC_BASE_URL", "DYNAMODB_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    return calls


def run(host: str, port: int = 5099) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = serve(host, port, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::", "line.example.org"])
def test_a_reachable_host_refuses_the_development_secrets(started, host):
    code, _out, err = run(host)
    assert code != 0 and started == []
    assert "TWILIO_AUTH_TOKEN" in err and "PHONE_HASH_KEY" in err and host in err


def test_the_published_development_values_do_not_count_as_real(started, monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "development-auth-token")
    monkeypatch.setenv("PHONE_HASH_KEY", "a-real-secret-hash-key")
    code, _out, err = run("0.0.0.0")
    assert code != 0 and started == []
    assert "TWILIO_AUTH_TOKEN" in err and "PHONE_HASH_KEY" not in err


def test_a_tunnel_url_counts_as_reachable(started, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://abc.tunnel.example")
    code, _out, err = run("127.0.0.1")
    assert code != 0 and started == [] and "PUBLIC_BASE_URL" in err


def test_a_reachable_host_with_real_secrets_starts(started, monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "a-real-auth-token")
    monkeypatch.setenv("PHONE_HASH_KEY", "a-real-hash-key")
    code, _out, _err = run("192.0.2.10")
    assert code == 0 and started and started[0]["host"] == "192.0.2.10"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1"])
def test_loopback_keeps_the_development_values(started, host):
    code, out, _err = run(host)
    assert code == 0 and started[0]["host"] == host
    assert "development value" in out
    assert is_loopback(host)


def test_the_embedded_store_is_announced_as_lost_on_restart(started):
    code, out, _err = run("127.0.0.1")
    assert code == 0
    assert "lost" in out and "restart" in out and "DYNAMODB_ENDPOINT_URL" in out


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_endpoint_is_named_and_the_exit_is_non_zero(started, monkeypatch):
    endpoint = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("DYNAMODB_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    code, out, err = run("127.0.0.1")
    assert code != 0 and started == []
    assert endpoint in err
    assert "lost" not in out          # a real endpoint keeps its sessions


def test_the_command_says_it_in_one_message_without_a_traceback():
    endpoint = f"http://127.0.0.1:{closed_port()}"
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO), "DYNAMODB_ENDPOINT_URL": endpoint,
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"}
    ran = subprocess.run([sys.executable, "-m", "handler.tools.cli", "serve", "--host", "127.0.0.1",
                          "--port", str(closed_port())], env=env, cwd=REPO, capture_output=True, text=True,
                         timeout=60)
    assert ran.returncode != 0
    assert endpoint in ran.stderr
    assert "Traceback" not in ran.stderr


def test_serve_module_names_both_secrets():
    assert set(serve_module.SECRETS) == {"TWILIO_AUTH_TOKEN", "PHONE_HASH_KEY"}
