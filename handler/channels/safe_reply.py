"""The static safe message: what a patient gets when anything below the
signature check fails, and what Twilio's Fallback URL serves when the line is
down. It depends on nothing that can fail (no flow, no store)."""
from __future__ import annotations

from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

SAFE_TEXT = ("Sorry, we cannot answer right now. If this is an emergency, call 911. "
             "For thoughts of self-harm, call or text 988. Otherwise, call your doctor")
SPEECH_LOCALE = "en-US"


def safe_text(nurse_line_number: str | None = None) -> str:
    if nurse_line_number:
        return f"{SAFE_TEXT} or our nurse line at {nurse_line_number}."
    return f"{SAFE_TEXT}."


def sms_twiml(nurse_line_number: str | None = None) -> str:
    response = MessagingResponse()
    response.message(safe_text(nurse_line_number))
    return str(response)


def voice_twiml(nurse_line_number: str | None = None) -> str:
    response = VoiceResponse()
    response.say(safe_text(nurse_line_number), language=SPEECH_LOCALE)
    response.hangup()
    return str(response)
