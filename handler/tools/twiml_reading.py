"""Reading TwiML back into text, for the terminal chat and the vignette runner."""
from __future__ import annotations

from typing import Any
from xml.etree import ElementTree


def sms_messages(twiml: bytes | str) -> list[str]:
    root = ElementTree.fromstring(twiml)
    return ["".join(message.itertext()) for message in root.iter("Message")]


def twiml_verbs(twiml: bytes | str) -> list[tuple[str, Any]]:
    """Voice TwiML in order: ("Say", text), ("Gather", attributes), ("Redirect", url), ...
    A Say inside a Gather comes right after it."""
    verbs: list[tuple[str, Any]] = []
    for element in ElementTree.fromstring(twiml):
        if element.tag == "Gather":
            verbs.append(("Gather", dict(element.attrib)))
            verbs.extend(("Say", "".join(say.itertext())) for say in element.iter("Say"))
        elif element.tag == "Say":
            verbs.append(("Say", "".join(element.itertext())))
        else:
            verbs.append((element.tag, "".join(element.itertext()).strip()))
    return verbs
