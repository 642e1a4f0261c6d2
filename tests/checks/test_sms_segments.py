"""What a reply costs: GSM-7 (160 characters, 153 per part once split) unless one
character forces UCS-2 (70 UTF-16 units, 67 per part). The boundaries are where
a patient's bill changes, so they are tested one character either side."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handler.channels.sms.segments import GSM7_BASIC, GSM7_EXTENDED, encoding, non_gsm_characters, segments, units

CURLY = "\u2019"   # ’ as word processors and phones type an apostrophe
EMOJI = "\U0001F600"  # 😀, outside the Basic Multilingual Plane: two UTF-16 units


def test_empty_text_is_one_segment():
    assert units("") == 0
    assert segments("") == 1      # an empty message is still one message


@pytest.mark.parametrize(("length", "expected"), [
    (1, 1),
    (160, 1), (161, 2),     # one SMS holds 160; one more splits it
    (306, 2), (307, 3),     # split parts hold 153 each
    (459, 3), (460, 4),
])
def test_gsm7_segment_boundaries(length, expected):
    text = "a" * length
    assert encoding(text) == "GSM-7"
    assert segments(text) == expected


@pytest.mark.parametrize(("length", "expected"), [
    (1, 1),
    (70, 1), (71, 2),       # one UCS-2 SMS holds 70; one more splits it
    (134, 2), (135, 3),     # split parts hold 67 each
    (201, 3), (202, 4),
])
def test_ucs2_segment_boundaries(length, expected):
    text = CURLY + "a" * (length - 1)
    assert encoding(text) == "UCS-2"
    assert units(text) == length
    assert segments(text) == expected


@pytest.mark.parametrize("char", ["\u20ac", "[", "]", "^", "{", "}", "\\", "|", "~"])
def test_extended_gsm7_characters_count_double(char):
    assert encoding(char) == "GSM-7"
    assert units(char) == 2
    assert units("a" + char + "a") == 4
    assert segments(char * 80) == 1          # 160 septets
    assert segments(char * 80 + "a") == 2    # 161 septets
    assert segments("a" * 159 + char) == 2   # 161 septets, though only 160 characters


def test_extended_characters_count_once_in_ucs2():
    text = CURLY + "\u20ac" * 69
    assert encoding(text) == "UCS-2"
    assert units(text) == 70
    assert segments(text) == 1


@pytest.mark.parametrize("text", [
    "Call 911 now.",
    "Don't wait: it's 5 o'clock & the \"plan\" is @home (50% done)!",
    # accented letters GSM-7 has
    "Caf\u00e9 \u00a3 \u00a5 \u00e8 \u00f1 \u00fc \u00df \u00c5 \u00bf \u00a1 \u00a7 \u00c7",
    "Line one\nLine two",
])
def test_plain_english_and_gsm7_letters_stay_gsm7(text):
    assert encoding(text) == "GSM-7"
    assert non_gsm_characters(text) == []
    assert units(text) == len(text)


@pytest.mark.parametrize("char", [
    CURLY, "\u2018", "\u201c", "\u201d",   # curly quotes
    "\u2014", "\u2013", "\u2026",          # em dash, en dash, ellipsis
    "\u00a0",                              # no-break space
    "\u00e1", "\u00ed",                    # Spanish a and i with acute accents
])
def test_one_typographic_character_forces_ucs2(char):
    text = "a" * 100 + char
    assert encoding(text) == "UCS-2"
    assert non_gsm_characters(text) == [char]
    assert segments("a" * 100) == 1
    assert segments(text) == 2    # 101 UTF-16 units: the one character doubled the cost


def test_curly_quote_versus_straight_quote():
    straight, curly = "It's a cramp. " * 10, f"It{CURLY}s a cramp. " * 10   # 140 characters each
    assert (encoding(straight), segments(straight)) == ("GSM-7", 1)
    assert (encoding(curly), segments(curly)) == ("UCS-2", 3)


def test_emoji_counts_as_two_utf16_units():
    assert encoding(EMOJI) == "UCS-2"
    assert len(EMOJI) == 1 and units(EMOJI) == 2
    assert segments(EMOJI * 35) == 1           # 70 units
    assert segments(EMOJI * 35 + "a") == 2     # 71 units
    assert segments("a" * 69 + EMOJI) == 2     # 70 characters, 71 units


def test_non_gsm_characters_are_listed_once_in_order_of_first_use():
    text = f"Don{CURLY}t \u2014 really, don{CURLY}t {EMOJI} \u2014"
    assert non_gsm_characters(text) == [CURLY, "\u2014", EMOJI]


def test_the_gsm7_tables_do_not_overlap_and_exclude_typographic_characters():
    assert not GSM7_BASIC & GSM7_EXTENDED
    assert len(GSM7_BASIC) == 127 and len(GSM7_EXTENDED) == 10   # 128 codes minus the escape; 10 escapes
    assert not {CURLY, "\u2018", "\u201c", "\u201d", "\u2014", "\u2013", "\t"} & (GSM7_BASIC | GSM7_EXTENDED)


# Lone surrogates are left out: they cannot be encoded, so no SMS a patient sends or gets holds one.
REAL_CHARACTERS = st.characters(codec="utf-8")


@given(st.text(alphabet=REAL_CHARACTERS, max_size=600), REAL_CHARACTERS)
def test_adding_a_character_never_makes_a_text_cheaper(text, char):
    assert segments(text + char) >= segments(text)


@given(st.text(alphabet=sorted(GSM7_BASIC | GSM7_EXTENDED), max_size=700))
def test_a_gsm7_text_never_needs_ucs2(text):
    assert encoding(text) == "GSM-7"
    assert units(text) == len(text) + sum(ch in GSM7_EXTENDED for ch in text)
