"""Dispositions: how soon a patient needs care, and their ranking."""
from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Disposition(StrEnum):
    """Lowest first: a conversation ends in the highest disposition of its findings.
    The values are the flow's and the logs' own strings."""
    SELF_CARE = "self_care"
    ROUTINE = "routine"
    URGENT = "urgent"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        return RANK[self]


DISPOSITIONS = tuple(Disposition)
# By value, so that plain strings ("urgent", as a vignette names it) rank too.
RANK: dict[str, int] = {disposition.value: rank for rank, disposition in enumerate(DISPOSITIONS)}


def disposition_from(raw: str | None) -> Disposition | None:
    """A disposition as a flow or concepts file writes it (null: none)."""
    return None if raw is None else Disposition(raw)


def highest(dispositions: Iterable[Disposition | None]) -> Disposition | None:
    """The most urgent of these, None when there are none."""
    ranked = [d for d in dispositions if d is not None]
    return max(ranked, key=RANK.__getitem__) if ranked else None
