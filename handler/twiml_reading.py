"""Reading TwiML back into text, for the terminal chat and the vignette runner."""
from __future__ import annotations

from xml.etree import ElementTree


def sms_messages(twiml: bytes | str) -> list[str]:
    root = ElementTree.fromstring(twiml)
    return ["".join(message.itertext()) for message in root.iter("Message")]
