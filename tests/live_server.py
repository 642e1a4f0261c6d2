"""The line as it really runs: `triage-line serve` (waitress) in its own process,
on a free loopback port, with a DynamoDB (moto's server) this process can
inspect. Used by the concurrency test and the loopback load test."""
from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import boto3

from handler.infra.signature import sign
from handler.infra.store import create_table
from handler.tools.local_line import embedded_dynamodb

TOKEN = "live-server-auth-token"
ACCOUNT = "AC" + "1e" * 16
HASH_KEY = "live-server-hash-key"
TABLE = "triage-sessions-live"
TRIAGE_LINE = Path(sys.executable).with_name("triage-line")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveLine:
    host: str
    port: int
    dynamodb: object

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def post_sms(self, sender: str, body: str, message_id: str, timeout: float = 20.0) -> tuple[int, str]:
        """One signed SMS webhook request, as Twilio sends it. Returns (status, body)."""
        params = {"MessageSid": message_id, "SmsSid": message_id, "AccountSid": ACCOUNT,
                  "From": sender, "To": "+15005550006", "Body": body, "NumMedia": "0"}
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Twilio-Signature": sign(TOKEN, self.base_url + "/sms", params)}
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request("POST", "/sms", urlencode(params), headers)
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8")
        finally:
            connection.close()

    def items(self) -> list[dict]:
        return self.dynamodb.scan(TableName=TABLE, ConsistentRead=True)["Items"]


@contextmanager
def running_line(threads: int = 8):
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    with embedded_dynamodb() as endpoint:
        dynamodb = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=endpoint)
        create_table(dynamodb, TABLE)
        port = free_port()
        env = {**os.environ, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": ACCOUNT, "PHONE_HASH_KEY": HASH_KEY,
               "SESSIONS_TABLE": TABLE, "AWS_REGION": "us-east-1", "DYNAMODB_ENDPOINT_URL": endpoint}
        env.pop("PUBLIC_BASE_URL", None)
        server = subprocess.Popen([str(TRIAGE_LINE), "serve", "--host", "127.0.0.1", "--port", str(port)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_until_up(port, server)
            yield LiveLine("127.0.0.1", port, dynamodb)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_up(port: int, server: subprocess.Popen, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"triage-line serve exited with {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("triage-line serve did not answer /healthz in time")
