"""How long one message may spend on the store, and the client settings derived from it.

Twilio waits 15 s for the answer to a webhook; the Lambda timeout (zappa_settings.json)
ends well before that, and the store's worst case well before the Lambda timeout. The
slowest a message can be is four store calls (the read, a write that lost a race, the
re-read, the re-write: handler/line.py), each tried ATTEMPTS_PER_CALL times, each attempt
at most a connect and a read timeout, with botocore's pause before each retry. The
timeouts are what is left once the budget is shared out that way.
"""
from __future__ import annotations

TWILIO_TIMEOUT_SECONDS = 15
LAMBDA_TIMEOUT_SECONDS = 10        # zappa_settings.json's timeout_seconds (a test holds them equal)
# The rest of the Lambda timeout (4 s) is the app's own: Zappa's event translation, the
# decision, the TwiML. A cold start comes before the timer starts but inside Twilio's 15 s.
STORE_BUDGET_SECONDS = 6.0
WORST_CALLS_PER_MESSAGE = 4
ATTEMPTS_PER_CALL = 2
# botocore's "legacy" retry mode pauses a fixed 50 ms x 2^(n-1) before DynamoDB's n-th retry
# (its data/_retry.json). Standard mode's pause is random and up to 1 s after a throttle
# (more when the response asks for it), and Lambda runs its runtime's botocore, not ours.
RETRY_MODE = "legacy"
FIRST_RETRY_PAUSE_SECONDS = 0.05
# A TCP and TLS handshake with DynamoDB inside its region takes milliseconds.
CONNECT_TIMEOUT_SECONDS = 0.25


def retry_pauses(attempts: int = ATTEMPTS_PER_CALL) -> float:
    """botocore's pauses between `attempts` tries of one call, in legacy mode."""
    return sum(FIRST_RETRY_PAUSE_SECONDS * 2 ** n for n in range(attempts - 1))


def _read_timeout() -> float:
    per_call = STORE_BUDGET_SECONDS / WORST_CALLS_PER_MESSAGE
    per_attempt = (per_call - retry_pauses()) / ATTEMPTS_PER_CALL
    return round(per_attempt - CONNECT_TIMEOUT_SECONDS, 3)


READ_TIMEOUT_SECONDS = _read_timeout()      # 0.475 s with the figures above


def worst_case_seconds_per_call(connect_timeout: float, read_timeout: float, attempts: int) -> float:
    """One store call at worst: every attempt connects and reads up to its timeout."""
    return attempts * (connect_timeout + read_timeout) + retry_pauses(attempts)


def worst_case_seconds_per_message(connect_timeout: float, read_timeout: float, attempts: int) -> float:
    return WORST_CALLS_PER_MESSAGE * worst_case_seconds_per_call(connect_timeout, read_timeout, attempts)
