"""A conversation's session as the line keeps it: the engine state and the
bookkeeping around it (retries, opt-out, the hourly count). Plain data; the
store reads and writes it."""
from __future__ import annotations

from dataclasses import dataclass

from handler.core.state import State


@dataclass(frozen=True)
class Session:
    """One patient's or call's stored session, as the store reads and writes it."""
    key: str
    version: int = 0                 # 0: nothing stored yet
    state: State | None = None
    previous: State | None = None     # the state before the last message applied
    previously_opted_out: bool = False
    last_message: str | None = None  # id of the last message applied
    seen: tuple[str, ...] = ()       # short tails of recent message ids, oldest first
    turns: int = 0
    opted_out: bool = False
    window: int = 0                  # start (epoch seconds) of the current rate-limit hour
    count: int = 0                   # messages in that hour
    expired: bool = False            # there was a conversation, but it timed out
