"""Where a conversation stands, as a channel writes it down (in a gather's URL, a
transcript, a test): the flow question being asked, an emergency confirmation
("confirm:<concept>"), or the advice ("advice"). One parser, one formatter."""
from __future__ import annotations

from dataclasses import dataclass

CONFIRM_PREFIX = "confirm:"
ADVICE = "advice"


@dataclass(frozen=True)
class Position:
    """A question node, an emergency confirmation, or (neither) the advice."""
    question: str | None = None   # a flow question node
    confirm: str | None = None    # an emergency confirmation, by its concept
    # neither: the advice has been given

    @classmethod
    def advice(cls) -> Position:
        """The position once the advice has been given."""
        return cls()

    @classmethod
    def parse(cls, text: str) -> Position:
        """The inverse of str(): 'advice', 'confirm:<concept>' or a question node id."""
        if text == ADVICE:
            return cls()
        if text.startswith(CONFIRM_PREFIX):
            return cls(confirm=text.removeprefix(CONFIRM_PREFIX))
        return cls(question=text)

    @property
    def is_advice(self) -> bool:
        return self.question is None and self.confirm is None

    def __str__(self) -> str:
        if self.confirm is not None:
            return CONFIRM_PREFIX + self.confirm
        return ADVICE if self.question is None else self.question
