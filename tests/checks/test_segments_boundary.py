"""Segments where a part boundary falls inside a pair: a GSM-7 escape pair (the escape
code and the character) or a UTF-16 surrogate pair (an emoji) is never cut in two, so
the part that would cut it ends one unit short and the pair opens the next part."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handler.channels.sms.segments import GSM7_BASIC, GSM7_EXTENDED, encoding, segments, units

EURO = "\u20ac"
CURLY = "\u2019"
EMOJI = "\U0001F600"


def carrier_parts(sizes: list[int], per_part: int) -> list[list[int]]:
    """The parts as a carrier fills them, written out in full for the check below."""
    parts: list[list[int]] = [[]]
    for size in sizes:
        if sum(parts[-1]) + size > per_part:
            parts.append([])
        parts[-1].append(size)
    return parts


def test_an_escape_pair_on_the_boundary_opens_the_next_part():
    text = "a" * 152 + EURO + "a" * 152          # 306 septets: two parts by length alone
    assert encoding(text) == "GSM-7" and units(text) == 306
    assert segments(text) == 3                    # 152 | euro + 151 | 1


def test_an_escape_pair_that_fits_stays_in_its_part():
    assert segments("a" * 151 + EURO + "a" * 153) == 2     # 153 | 153


@pytest.mark.parametrize("char", sorted(GSM7_EXTENDED))
def test_every_escape_character_is_kept_whole(char):
    assert segments("a" * 152 + char + "a" * 152) == 3


def test_a_surrogate_pair_on_the_boundary_opens_the_next_part():
    text = CURLY + "a" * 65 + EMOJI + "a" * 66   # 134 units: two parts by length alone
    assert encoding(text) == "UCS-2" and units(text) == 134
    assert segments(text) == 3                    # 66 | emoji + 65 | 1


def test_a_surrogate_pair_that_fits_stays_in_its_part():
    assert segments(CURLY + "a" * 64 + EMOJI + "a" * 67) == 2   # 67 | 67


def test_a_single_part_has_no_boundary_to_respect():
    assert segments("a" * 158 + EURO) == 1         # 160 septets, one message
    assert segments("a" * 68 + EMOJI) == 1         # 70 units, one message


def test_the_empty_text_is_one_segment():
    assert segments("") == 1


TEXT = st.text(alphabet=["a", EURO, "{", CURLY, EMOJI], max_size=500)


@given(TEXT)
def test_segments_match_filling_parts_one_character_at_a_time(text):
    gsm = encoding(text) == "GSM-7"
    sizes = [2 if (ch in GSM7_EXTENDED if gsm else ord(ch) > 0xFFFF) else 1 for ch in text]
    single, per_part = (160, 153) if gsm else (70, 67)
    expected = 1 if sum(sizes) <= single else len(carrier_parts(sizes, per_part))
    assert segments(text) == expected
    assert all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text) == gsm
