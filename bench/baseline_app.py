"""The baseline: the least a Twilio SMS webhook on DynamoDB can do. It checks the
signature with twilio's RequestValidator, does one GetItem and one PutItem on the
same table as the line, and answers with one line of TwiML.

Kept free of the `handler` package, so its cold start is its own."""
from __future__ import annotations

import os

from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

REPLY = "Thanks, we got your message."


def create_app(auth_token: str, table: str, client, public_base_url: str | None = None) -> Flask:
    validator = RequestValidator(auth_token)
    app = Flask("baseline")
    app.extensions["dynamodb"] = client          # for the bench's request counting

    @app.post("/sms")
    def sms():
        url = (public_base_url.rstrip("/") + request.path) if public_base_url else request.url
        if not validator.validate(url, request.form, request.headers.get("X-Twilio-Signature", "")):
            abort(403)
        # Bench-only keys on fake numbers in a local table; the line itself stores pseudonyms.
        key = {"pk": {"S": "baseline#" + request.form.get("From", "")}}
        item = client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        count = int(item["n"]["N"]) + 1 if item else 1
        client.put_item(TableName=table, Item={**key, "n": {"N": str(count)}})
        response = MessagingResponse()
        response.message(REPLY)
        return Response(str(response), status=200, mimetype="text/xml")

    return app


def create_app_from_env(environ=None) -> Flask:
    """As a deployed function would start: everything from the environment."""
    import boto3

    env = os.environ if environ is None else environ
    client = boto3.client("dynamodb", region_name=env.get("AWS_REGION") or "us-east-1",
                          endpoint_url=env.get("DYNAMODB_ENDPOINT_URL") or None)
    return create_app(env["TWILIO_AUTH_TOKEN"], env.get("SESSIONS_TABLE") or "triage-sessions", client,
                      env.get("PUBLIC_BASE_URL") or None)
