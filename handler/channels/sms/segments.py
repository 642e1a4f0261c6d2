"""How many SMS segments a text costs, and in which encoding.

A text made only of GSM-7 characters costs one segment up to 160 characters
and 153 per segment once split; anything else forces UCS-2 (70, then 67 per
segment, counted in UTF-16 code units). One curly quote can triple the bill.
"""
from __future__ import annotations

import math

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Characters reached through the escape code: each costs two septets.
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")


def encoding(text: str) -> str:
    """'GSM-7' when every character is in the GSM-7 alphabet, else 'UCS-2'."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text):
        return "GSM-7"
    return "UCS-2"


def units(text: str) -> int:
    """Length as the network counts it: septets for GSM-7, UTF-16 units for UCS-2."""
    if encoding(text) == "GSM-7":
        return sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def segments(text: str) -> int:
    """Number of SMS segments the text is sent as (0 for an empty text)."""
    length = units(text)
    if length == 0:
        return 0
    single, multi = (160, 153) if encoding(text) == "GSM-7" else (70, 67)
    return 1 if length <= single else math.ceil(length / multi)


def non_gsm_characters(text: str) -> list[str]:
    """The characters that push a text out of GSM-7, in order of first use."""
    seen: list[str] = []
    for ch in text:
        if ch not in GSM7_BASIC and ch not in GSM7_EXTENDED and ch not in seen:
            seen.append(ch)
    return seen
