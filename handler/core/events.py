"""What one message did to a conversation, as logged (`step`) and as the channels read it."""
from __future__ import annotations

from enum import StrEnum


class Event(StrEnum):
    """The values are the strings the logs have always carried."""
    # the engine
    STARTED = "started"
    ANSWERED = "answered"
    NOT_UNDERSTOOD = "not_understood"
    FALLBACK = "fallback"
    RESTARTED = "restarted"
    BACK = "back"
    HELP = "help"
    EMERGENCY = "emergency"
    CONFIRM_EMERGENCY = "confirm_emergency"
    CONFIRM_FINDING = "confirm_finding"   # a finding said unsure in words, asked yes or no
    FINISHED = "finished"
    LANGUAGE = "language"                 # the patient asked for another language
    # keywords around the engine
    OPTED_OUT = "opted_out"
    OPTED_IN = "opted_in"
    IGNORED_OPTED_OUT = "ignored_opted_out"
    # the line and its store
    STALE = "stale"
    REPLAYED = "replayed"
    RATE_LIMITED = "rate_limited"
    RATE_LIMITED_QUIET = "rate_limited_quiet"
    RESEND = "resend"
    REPEATED = "repeated"
    NO_CONVERSATION = "no_conversation"
