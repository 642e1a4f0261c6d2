"""How many SMS segments a text costs, and in which encoding.

A text made only of GSM-7 characters costs one segment up to 160 characters
and 153 per segment once split; anything else forces UCS-2 (70, then 67 per
segment, counted in UTF-16 code units). One curly quote can triple the bill.

Once split, a part is filled character by character, as carriers do: a GSM-7
escape pair (the escape code and the character, two septets) and a UTF-16
surrogate pair (an emoji, two units) are never cut across two parts, so a part
can end one unit short and the text need one part more than the length alone says.
"""
from __future__ import annotations

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Characters reached through the escape code: each costs two septets.
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")


GSM7 = GSM7_BASIC | GSM7_EXTENDED
LAST_SINGLE_UNIT = "\uffff"     # above it, a character takes a UTF-16 surrogate pair


def encoding(text: str) -> str:
    """'GSM-7' when every character is in the GSM-7 alphabet, else 'UCS-2'."""
    return "GSM-7" if GSM7.issuperset(text) else "UCS-2"


def units(text: str) -> int:
    """Length as the network counts it: septets for GSM-7, UTF-16 units for UCS-2."""
    if encoding(text) == "GSM-7":
        return sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _character_units(text: str) -> list[int]:
    """Each character's units: 2 for a GSM-7 escape pair or an astral character in UCS-2."""
    if encoding(text) == "GSM-7":
        return [2 if ch in GSM7_EXTENDED else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def segments(text: str) -> int:
    """Number of SMS segments the text is sent as. An empty text is still one message."""
    gsm7 = GSM7.issuperset(text)
    single, multi = (160, 153) if gsm7 else (70, 67)
    has_pairs = bool(GSM7_EXTENDED.intersection(text)) if gsm7 else bool(text) and max(text) > LAST_SINGLE_UNIT
    if not has_pairs:    # every character one unit (most texts): no part ends short
        return 1 if len(text) <= single else -(-len(text) // multi)
    sizes = _character_units(text)
    if sum(sizes) <= single:
        return 1
    parts, used = 1, 0
    for size in sizes:
        if used + size > multi:          # the pair does not fit: it opens the next part
            parts, used = parts + 1, 0
        used += size
    return parts


def non_gsm_characters(text: str) -> list[str]:
    """The characters that push a text out of GSM-7, in order of first use."""
    seen: list[str] = []
    for ch in text:
        if ch not in GSM7_BASIC and ch not in GSM7_EXTENDED and ch not in seen:
            seen.append(ch)
    return seen
