"""The static safe message: what a patient gets when anything below the
signature check fails, and what Twilio's Fallback URL serves when the line is
down. It depends on nothing that can fail (no flow, no store, no session), so it
cannot know the patient's language: it is said in English, then in Spanish (the
Spanish written to stay in GSM-7, so the pair still costs three segments)."""
from __future__ import annotations

from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

SAFE_TEXT = ("Sorry, we cannot answer right now. If this is an emergency, call 911. "
             "For thoughts of self-harm, call or text 988. Otherwise, call your doctor")
SAFE_TEXT_ES = ("Lo sentimos, no podemos responder ahora. ¿Emergencia? Llame al 911. "
                "Si piensa en hacerse daño, llame al 988 y oprima 2, o mande AYUDA al 988. "
                "Si no, llame a su médico")
SPEECH_LOCALE = "en-US"
SPEECH_LOCALE_ES = "es-US"


def safe_text_en(nurse_line_number: str | None = None) -> str:
    if nurse_line_number:
        return f"{SAFE_TEXT} or our nurse line at {nurse_line_number}."
    return f"{SAFE_TEXT}."


def safe_text_es(nurse_line_number: str | None = None) -> str:
    if nurse_line_number:
        return f"{SAFE_TEXT_ES} o a nuestra enfermera al {nurse_line_number}."
    return f"{SAFE_TEXT_ES}."


def safe_text(nurse_line_number: str | None = None) -> str:
    """The safe message as one SMS: English, then Spanish."""
    return f"{safe_text_en(nurse_line_number)}\n\n{safe_text_es(nurse_line_number)}"


def sms_twiml(nurse_line_number: str | None = None) -> str:
    response = MessagingResponse()
    response.message(safe_text(nurse_line_number))
    return str(response)


def voice_twiml(nurse_line_number: str | None = None) -> str:
    """English, then Spanish in a Spanish voice."""
    response = VoiceResponse()
    response.say(safe_text_en(nurse_line_number), language=SPEECH_LOCALE)
    response.say(safe_text_es(nurse_line_number), language=SPEECH_LOCALE_ES)
    response.hangup()
    return str(response)
