"""Keywords that win over any flow: opting out and back in, and HELP.
Pure functions of the message text."""
from __future__ import annotations

import re

from handler.core.answers import normalize

# Words Twilio itself acts on (and answers) when they are the whole message.
TWILIO_OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
TWILIO_OPT_IN = frozenset({"START", "UNSTOP", "YES"})
HELP_WORDS = frozenset({"help", "info"})

# Plain requests to stop, in the patient's own words. We answer these ourselves.
PLAIN_OPT_OUT = frozenset({
    "stop texting me", "stop texting", "stop messaging me", "stop sending me texts",
    "stop sending me messages", "stop the texts", "stop these texts", "stop messages",
    "opt me out", "opt out", "i want to opt out", "unsubscribe me", "remove me",
    "remove me from this list", "remove me from your list", "take me off this list",
    "take me off your list", "dont text me", "do not text me", "dont text me again",
    "no more texts", "no more messages",
})

OPT_OUT_TWILIO = "opt_out_twilio"   # Twilio sends its own confirmation: reply with nothing
OPT_OUT_PLAIN = "opt_out_plain"     # we confirm in one line
OPT_IN = "opt_in"
HELP = "help"


def _bare(text: str) -> str:
    """The message as Twilio compares keywords: trimmed, upper case."""
    return re.sub(r"\s+", " ", text).strip().upper()


def classify(text: str, opted_out: bool) -> str | None:
    """Which keyword this message is, or None when it belongs to the conversation."""
    bare = _bare(text)
    said = normalize(text)
    if bare in TWILIO_OPT_OUT:
        return OPT_OUT_TWILIO
    polite = " ".join(w for w in said.split() if w not in ("please", "pls", "now"))
    if said.upper() in TWILIO_OPT_OUT or polite in PLAIN_OPT_OUT:   # whole message only:
        # "my doctor wants to take me off tizanidine" is not an opt-out
        return OPT_OUT_PLAIN
    if opted_out and said.upper() in TWILIO_OPT_IN:
        return OPT_IN
    if said in HELP_WORDS:
        return HELP
    return None
