"""dynalite: a second, independent DynamoDB (Node, on LevelDB) for the store's tests.

A pytest plugin (`pytest_plugins = ["tests.dynalite_fixtures"]`). `make test` installs
dynalite into build/dynalite/ (`make dynalite`); the fixture runs its cli.js with `node`
directly on 127.0.0.1 and a free port, waits until the port answers, and stops it by
its PID. A missing `node` or install fails the tests (never skips them): the second
DynamoDB is part of the suite, not an extra.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager

import pytest

from tests.paths import REPO

ROOT = REPO
DYNALITE_CLI = ROOT / "build" / "dynalite" / "node_modules" / "dynalite" / "cli.js"
START_SECONDS = 20           # generous: a cold node start on a loaded CI machine
STOP_SECONDS = 5
# Tables go ACTIVE at once (dynalite's default keeps them CREATING for 500 ms, which only
# makes every test wait a second in create_table's waiter; one test keeps the delay).
FAST_TABLES = ("--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _stop(process: subprocess.Popen) -> None:
    """Stop the one process we started, by its PID: terminate, wait, kill if it must."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_SECONDS)


def _missing() -> str | None:
    if shutil.which("node") is None:
        return ("dynalite tests need `node` (v18+) on PATH; install Node.js, then run "
                "`make dynalite` (or `make test`, which does it)")
    if not DYNALITE_CLI.is_file():
        return (f"dynalite is not installed ({DYNALITE_CLI.relative_to(ROOT)} is missing); "
                "run `make dynalite` (or `make test`, which does it)")
    return None


@contextmanager
def running_dynalite(*extra_args: str):
    """Start dynalite on a free loopback port; yields its endpoint URL; stops it by PID."""
    problem = _missing()
    if problem:
        pytest.fail(problem, pytrace=False)
    node = shutil.which("node")
    for _attempt in range(3):    # a free port can be taken between probing and binding
        port = _free_port()
        output = tempfile.TemporaryFile()  # noqa: SIM115  (kept open for the server's whole life)
        process = subprocess.Popen(
            [node, str(DYNALITE_CLI), "--host", "127.0.0.1", "--port", str(port), *extra_args],
            stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT,
            env={**os.environ, "NODE_NO_WARNINGS": "1"})
        try:
            deadline = time.monotonic() + START_SECONDS
            while process.poll() is None and not _answers(port) and time.monotonic() < deadline:
                time.sleep(0.05)
            if process.poll() is None and _answers(port):
                yield f"http://127.0.0.1:{port}"
                return
            output.seek(0)
            said = output.read().decode("utf-8", "replace").strip()
            if "EADDRINUSE" in said:
                continue
            pytest.fail(f"dynalite did not start on 127.0.0.1:{port} within {START_SECONDS} s "
                        f"(exit code {process.poll()}): {said or 'no output'}", pytrace=False)
        finally:
            _stop(process)
            output.close()
    pytest.fail("dynalite could not get a free port on 127.0.0.1 in 3 tries", pytrace=False)


@pytest.fixture(scope="session")
def dynalite_endpoint():
    """One dynalite for the whole test session (tests use their own tables)."""
    with running_dynalite(*FAST_TABLES) as url:
        yield url


@pytest.fixture
def dynalite_aws_env(monkeypatch):
    """Fake credentials: dynalite checks only that requests are signed."""
    for name, value in (("AWS_ACCESS_KEY_ID", "dynalite"), ("AWS_SECRET_ACCESS_KEY", "dynalite"),
                        ("AWS_DEFAULT_REGION", "us-east-1"), ("AWS_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    for name in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "DYNAMODB_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def start_dynalite():
    """`with start_dynalite(*args) as url:` another dynalite, e.g. with its default delays."""
    return running_dynalite
