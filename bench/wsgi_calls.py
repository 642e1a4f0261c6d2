"""Signed Twilio webhook requests (as handler.local_line.SignedClient builds them)
sent straight into an app's WSGI callable, timing only the app: the request is
built and signed before the clock starts, and the body is read before it stops."""
from __future__ import annotations

import time
from dataclasses import dataclass

from werkzeug.test import EnvironBuilder

from handler.infra.signature import sign
from handler.tools.local_line import SignedClient


@dataclass(frozen=True)
class Reply:
    status_code: int
    data: bytes
    seconds: float


class TimedSignedClient(SignedClient):
    """SignedClient whose requests go to the app's WSGI callable directly; each reply
    carries the server time it took. `sms(number, body)` is SignedClient's own."""

    def __init__(self, app, settings, base_url: str = "http://localhost"):
        super().__init__(app, settings, base_url)
        self.app = app

    def post(self, path: str, params: dict) -> Reply:
        url = self.base_url + path
        headers = {"X-Twilio-Signature": sign(self.settings.twilio_auth_token, url, params)}
        environ = EnvironBuilder(path=path, base_url=self.base_url, method="POST", data=params,
                                 headers=headers).get_environ()
        return call(self.app, environ)


def call(app, environ: dict) -> Reply:
    """One WSGI request; the clock covers the app and reading its body, nothing else."""
    status = []

    def start_response(line, headers, exc_info=None):
        status.append(line)

    started = time.perf_counter()
    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    seconds = time.perf_counter() - started
    return Reply(int(status[0].split()[0]), body, seconds)
