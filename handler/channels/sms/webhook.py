"""The SMS channel: Twilio's incoming-message webhook in, TwiML out."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request
from twilio.twiml.messaging_response import MessagingResponse

from handler.channels.safe_reply import sms_twiml
from handler.channels.sms import rendering
from handler.core.state import language_of
from handler.infra import logs
from handler.infra.pseudonyms import pseudonym

blueprint = Blueprint("sms", __name__)

MAX_BODY_CHARS = 1600   # Twilio's own limit for one message


def twiml(messages: list[str]) -> Response:
    response = MessagingResponse()
    for text in messages:
        response.message(text)
    return Response(str(response), status=200, mimetype="text/xml")


@blueprint.post("/sms")
def incoming_message() -> Response:
    settings = current_app.config["SETTINGS"]
    try:
        sender = request.form.get("From", "").strip()
        if not sender:
            logs.event("bad_request", channel="sms", reason="no From")
            return twiml([])  # nobody to answer
        line = current_app.extensions["triage_line"]
        body = request.form.get("Body", "")[:MAX_BODY_CHARS]
        decision = line.handle(
            key="sms#" + pseudonym(settings.phone_hash_key, sender),
            text=body,
            message_id=request.form.get("MessageSid") or None,
            opt_out_type=request.form.get("OptOutType") or None,
            channel="sms",
        )
        lang = language_of(decision.state, line.flow.languages[0])
        return twiml(rendering.render(line.flow, lang, decision.replies))
    except Exception as error:  # the patient always gets an answer
        logs.event("error", level=logging.ERROR, channel="sms", error=type(error).__name__)
        return Response(sms_twiml(settings.nurse_line_number), status=200, mimetype="text/xml")
