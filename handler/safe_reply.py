"""The static safe message: what a patient gets when anything below the
signature check fails. It depends on nothing that can fail (no flow, no store)."""
from __future__ import annotations

SAFE_TEXT = ("Sorry, we cannot answer right now. If this is an emergency, call 911. "
             "For thoughts of self-harm, call or text 988. Otherwise, call your doctor")


def safe_text(nurse_line_number: str | None = None) -> str:
    if nurse_line_number:
        return f"{SAFE_TEXT} or our nurse line at {nurse_line_number}."
    return f"{SAFE_TEXT}."
