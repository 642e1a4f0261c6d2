"""`triage-line serve`: the webhook on this machine, with an embedded DynamoDB."""
from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from handler.infra import logs
from handler.infra.settings import DEVELOPMENT_VALUES
from handler.tools.local_line import local_settings, local_store

SECRETS = ("TWILIO_AUTH_TOKEN", "PHONE_HASH_KEY")
EMBEDDED_WARNING = (
    "Sessions are kept in an embedded DynamoDB inside this process: every conversation is lost\n"
    "when serve stops or restarts, and a patient part-way through starts over without being told.\n"
    "To keep them, run a DynamoDB (e.g. DynamoDB Local) and set DYNAMODB_ENDPOINT_URL.\n")
CONSOLE_PATH = "/console"
# The scripted patients the console's vignettes page runs: the repository's own.
VIGNETTES_DIR = Path(__file__).resolve().parents[2] / "tests" / "vignettes"


def is_loopback(host: str) -> bool:
    """Only this machine can reach the server: 127.0.0.0/8, ::1 or the name localhost."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False          # any other name may resolve to a reachable interface


def missing_real_secrets(environ=None) -> list[str]:
    """The secrets the environment leaves unset or sets to the public development values."""
    env = os.environ if environ is None else environ
    return [name for name in SECRETS if not (env.get(name) or "").strip()
            or env[name].strip() == DEVELOPMENT_VALUES[name]]


def describe(settings, supplied: list[str], out) -> None:
    shown = {
        "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
        "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
        "PHONE_HASH_KEY": settings.phone_hash_key,
        "PUBLIC_BASE_URL": settings.public_base_url,
        "SESSIONS_TABLE": settings.sessions_table,
        "AWS_REGION": settings.aws_region,
        "DYNAMODB_ENDPOINT_URL": settings.dynamodb_endpoint_url,
        "NURSE_LINE_NUMBER": settings.nurse_line_number or "(not set)",
    }
    out.write("Settings (environment first; development values only where it has none):\n")
    for name, value in shown.items():
        if name in supplied:
            source = "development value"
        elif os.environ.get(name):
            source = "environment"
            if name in SECRETS:
                value = "********"
        else:
            source = "embedded, in this process" if name == "DYNAMODB_ENDPOINT_URL" else "default"
        out.write(f"  {name:22} {value}  [{source}]\n")


def reachable_through(host: str, environ=None) -> str | None:
    """What makes the server reachable from other machines, if anything: a --host that is
    not loopback, or a PUBLIC_BASE_URL (a tunnel) that is not."""
    env = os.environ if environ is None else environ
    if not is_loopback(host):
        return f"serve --host {host}"
    public = (env.get("PUBLIC_BASE_URL") or "").strip()
    public_host = urlsplit(public).hostname if public else None
    if public_host and not is_loopback(public_host):
        return f"PUBLIC_BASE_URL {public}"
    return None


def serve(host: str, port: int, out=sys.stdout, err=sys.stderr, threads: int = 8) -> int:
    reachable = reachable_through(host)
    missing = missing_real_secrets() if reachable else []
    if missing:
        # The development values are published in this repository: where other machines
        # reach the line, anyone could sign requests and reverse the phone pseudonyms.
        err.write(f"{reachable}: other machines can reach the line, so the development values "
                  f"are not used. Set {' and '.join(missing)} to real values (or serve on 127.0.0.1 "
                  "without PUBLIC_BASE_URL).\n")
        return 2
    endpoint = os.environ.get("DYNAMODB_ENDPOINT_URL") or None
    try:
        return _serve(host, port, out, threads, console=reachable is None)
    except (BotoCoreError, ClientError) as error:
        # Only the start reaches here (create_table); a request's store errors are answered.
        where = endpoint or "the embedded DynamoDB"
        err.write(f"serve: cannot use DynamoDB at {where}: {error}\n"
                  "Start it, or unset DYNAMODB_ENDPOINT_URL to use an embedded one.\n")
        return 1


def with_console(line_app, settings):
    """The line app with the clinician console mounted beside it at /console. The console is
    an app of its own: its pages and JSON posts never pass the line's signature check, and the
    line's routes stay exactly those the Lambda app has."""
    from flask import Flask
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from handler.tools.console.blueprint import Console, blueprint
    from handler.tools.console.phone import DevPhone
    from handler.tools.console.review import Reviews

    console_app = Flask("handler.tools.console")
    console_app.register_blueprint(blueprint)
    console_app.extensions["console"] = Console(
        line_app=line_app, phone=DevPhone(line_app, settings), flow=line_app.extensions["triage_line"].flow,
        flows_dir=settings.flows_dir, vignettes_dir=VIGNETTES_DIR, reviews=Reviews())
    return DispatcherMiddleware(line_app, {CONSOLE_PATH: console_app})


def _serve(host: str, port: int, out, threads: int, console: bool = True) -> int:
    import waitress

    from handler.app import create_app

    logs.configure()
    logs.libraries_as_json()       # before waitress: stderr holds JSON lines only
    with local_settings(base_url=f"http://{host}:{port}") as (settings, supplied):
        app = create_app(settings, store=local_store(settings))
        served = with_console(app, settings) if console else app
        describe(settings, supplied, out)
        if "DYNAMODB_ENDPOINT_URL" not in os.environ or not os.environ["DYNAMODB_ENDPOINT_URL"]:
            out.write("\n" + EMBEDDED_WARNING)
        console_line = (f"Console:       http://{host}:{port}{CONSOLE_PATH}/  (this machine only, no sign-in: "
                        "never real patient data)" if console else
                        "Console:       off (other machines can reach this server, and it has no sign-in)")
        out.write(
            f"\nSMS webhook:   POST {settings.public_base_url}/sms\n"
            f"Voice webhook: POST {settings.public_base_url}/voice\n"
            f"Health check:  GET  http://{host}:{port}/healthz\n"
            f"{console_line}\n\n"
            "To reach it from a real Twilio number: expose this port through an HTTPS tunnel,\n"
            "restart with PUBLIC_BASE_URL set to the tunnel's https URL and TWILIO_AUTH_TOKEN and\n"
            "TWILIO_ACCOUNT_SID set to your account's, then in the Twilio console set the number's\n"
            "'A message comes in' webhook to <PUBLIC_BASE_URL>/sms and 'A call comes in' to\n"
            "<PUBLIC_BASE_URL>/voice (both HTTP POST).\n"
            "Requests without a valid Twilio signature, or for another account, get 403.\n"
            "To try it here: triage-line chat\n\n")
        out.flush()
        waitress.serve(served, host=host, port=port, threads=threads, ident="triage-line")
    return 0
