"""The console in a real browser: `triage-line serve` in its own process on a free loopback
port (with its embedded DynamoDB), driven by Playwright through Debian's Chromium.

No browser is ever downloaded: without /usr/bin/chromium (or without playwright) these
tests are skipped with a word on how to install it, except under CI=true, where a missing
browser fails them: CI (.ci/run) installs it first."""
from __future__ import annotations

import http.client
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from tests.live_server import TRIAGE_LINE, free_port
from tests.paths import REPO

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = REPO / "build" / "screenshots"
INSTALL = "install it with `apt-get update && apt-get install -y chromium` (Debian's package)"


def missing_browser() -> str | None:
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM}: {INSTALL}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed in this venv: `make test` installs it from requirements/dev.txt"
    return None


@pytest.fixture(scope="module")
def console_url():
    """The console of a real `serve`, with development secrets on loopback, as `make run` starts it."""
    port = free_port()
    env = {**os.environ, "TWILIO_AUTH_TOKEN": "browser-test-token", "PHONE_HASH_KEY": "browser-test-hash-key",
           "SESSIONS_TABLE": "triage-sessions-browser", "AWS_REGION": "us-east-1"}
    for name in ("PUBLIC_BASE_URL", "DYNAMODB_ENDPOINT_URL", "NURSE_LINE_NUMBER"):
        env.pop(name, None)
    server = subprocess.Popen([str(TRIAGE_LINE), "serve", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_console(port, server)
        ask_in_the_background(port, "/console/review")
        yield f"http://127.0.0.1:{port}/console/"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def ask_in_the_background(port: int, path: str) -> None:
    """GET a page once from a thread, its answer dropped. The console makes its review on
    the first ask (a whole validation: seconds of work in the server), and the review test
    comes last: asked now, the review is made while the other tests drive the browser."""
    def ask() -> None:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            connection.request("GET", path)
            connection.getresponse().read()
        except OSError:
            pass              # the review test asks again, and fails if it must
    threading.Thread(target=ask, name="ask-" + path, daemon=True).start()


def wait_for_console(port: int, server: subprocess.Popen, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"triage-line serve exited with {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/console/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the console did not answer in time")


@pytest.fixture(scope="module")
def browser_context():
    missing = missing_browser()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="console-chromium-") as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True,
            viewport={"width": 1360, "height": 900})
        context.set_default_timeout(30_000)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser_context):
    page = browser_context.new_page()
    yield page
    page.close()


def screenshot(page, name: str, full_page: bool = False) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"console-{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
