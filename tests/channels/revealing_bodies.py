"""Which message bodies a privacy test can look for in logs and stored items: a short
or common word ("yes", "stop", "2") turns up in any log by chance and proves nothing."""
import re

KEYWORDS = {"help", "info", "stop", "start", "yes", "restart", "back", "none", "unstop", "cancel", "quit",
            "end", "thanks", "repeat", "nurse"}


def revealing(body: str) -> bool:
    """A body worth looking for: longer than 3 characters, not a keyword, not only digits
    (and the keypad's * and #)."""
    said = body.strip()
    return len(said) > 3 and said.lower() not in KEYWORDS and not re.fullmatch(r"[\d\s,.*#]+", said)
