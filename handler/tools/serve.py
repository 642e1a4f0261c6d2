"""`triage-line serve`: the webhook on this machine, with an embedded DynamoDB."""
from __future__ import annotations

import os
import sys

from handler.infra import logs
from handler.tools.local_line import local_settings

SECRETS = {"TWILIO_AUTH_TOKEN", "PHONE_HASH_KEY"}


def describe(settings, supplied: list[str], out) -> None:
    shown = {
        "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
        "PHONE_HASH_KEY": settings.phone_hash_key,
        "PUBLIC_BASE_URL": settings.public_base_url or "(rebuilt from each request)",
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


def serve(host: str, port: int, out=sys.stdout, threads: int = 8) -> int:
    import waitress

    from handler.app import create_app

    logs.configure()
    logs.libraries_as_json()       # before waitress: stderr holds JSON lines only
    with local_settings(base_url=f"http://{host}:{port}") as (settings, supplied):
        app = create_app(settings)
        describe(settings, supplied, out)
        out.write(
            f"\nSMS webhook:   POST {settings.public_base_url}/sms\n"
            f"Voice webhook: POST {settings.public_base_url}/voice\n"
            f"Health check:  GET  http://{host}:{port}/healthz\n\n"
            "To reach it from a real Twilio number: expose this port through an HTTPS tunnel,\n"
            "restart with PUBLIC_BASE_URL set to the tunnel's https URL and TWILIO_AUTH_TOKEN set\n"
            "to your account's auth token, then in the Twilio console set the number's\n"
            "'A message comes in' webhook to <PUBLIC_BASE_URL>/sms and 'A call comes in' to\n"
            "<PUBLIC_BASE_URL>/voice (both HTTP POST).\n"
            "Requests without a valid Twilio signature get 403. To try it here: triage-line chat\n\n")
        out.flush()
        waitress.serve(app, host=host, port=port, threads=threads, ident="triage-line")
    return 0
