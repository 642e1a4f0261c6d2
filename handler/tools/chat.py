"""`triage-line chat`: a conversation with the line in a terminal. Each line
you type goes through the real webhook path: a signed request to /sms, the
session in DynamoDB (embedded unless DYNAMODB_ENDPOINT_URL is set)."""
from __future__ import annotations

import sys

from handler.infra import logs
from handler.tools.local_line import SignedClient, local_settings, local_store
from handler.tools.twiml_reading import sms_messages

PROMPT = "you> "
PATIENT_NUMBER = "+15555550100"


def chat(args, stdin=sys.stdin, out=sys.stdout) -> int:
    from handler.app import create_app

    logs.only_problems()
    with local_settings() as (settings, _supplied):
        client = SignedClient(create_app(settings, store=local_store(settings)), settings)
        out.write("Text the line as a patient would (STOP, HELP, RESTART and BACK work too).\n"
                  "Ctrl-D or 'quit' ends the chat.\n\n")
        while True:
            out.write(PROMPT)
            out.flush()
            line = stdin.readline()
            if not line or line.strip().lower() in {"quit", "exit"}:
                out.write("\n")
                return 0
            response = client.sms(args.number, line.rstrip("\n"))
            messages = sms_messages(response.data) if response.status_code == 200 else \
                [f"[HTTP {response.status_code}]"]
            if not messages:
                out.write("line> (no reply)\n\n")
            for message in messages:
                out.write("line> " + message.replace("\n", "\n      ") + "\n\n")
            out.flush()
