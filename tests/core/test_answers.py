"""Reading answers the way people actually type them.

Positions are 0-based: for yes/no, yes is (0,) and no is (1,); None means the
answer was not understood (the line asks again).
"""
import pytest

from handler.core import answers

YES = (0,)
NO = (1,)


def answer(flow, node_id, text):
    return answers.parse(flow.nodes[node_id], "en", text, flow.answer_words)


# --- yes / no (the "condition" question) ---------------------------------------------------

@pytest.mark.parametrize("text", [
    "y", "Y", "yes", "YES", "Yes!", "  yes  ", "yes.", "yeah", "Yeah!!", "yep", "Yep.", "1",
    "one", "yes I do", "Yes, I have",
])
def test_yes(flow, text):
    assert answer(flow, "condition", text) == YES


@pytest.mark.parametrize("text", [
    "n", "N", "no", "NO", "No.", " no ", "nope", "Nope!", "2", "two", "no I don't", "No, I haven't",
])
def test_no(flow, text):
    assert answer(flow, "condition", text) == NO


@pytest.mark.parametrize("text", [
    "I don't know", "i dont know", "maybe", "Maybe?", "not sure", "idk", "yes and no", "3", "0",
    "", "   ", "?!", "banana", "yes, but I'm not sure",
])
def test_unsure_or_unclear_yes_no_is_not_understood(flow, text):
    assert answer(flow, "condition", text) is None


# --- all that apply (red flags: 6 choices, pattern: 5, context: 2) -------------------------

@pytest.mark.parametrize("text", ["1 3", "1,3", "1, 3", "1 and 3", "13", "3 1", "1 & 3", "1. 3.",
                                  "one and three", "1 3 3"])
def test_several_choices(flow, text):
    assert answer(flow, "red_flags", text) == (0, 2)


@pytest.mark.parametrize("text", ["2", "two", "Two", " 2 ", "2.", "number 2"])
def test_single_choice_in_a_list(flow, text):
    assert answer(flow, "red_flags", text) == (1,)


def test_every_number_of_a_list(flow):
    assert answer(flow, "pattern", "1 2 3 4 5") == (0, 1, 2, 3, 4)
    assert answer(flow, "pattern", "12345") == (0, 1, 2, 3, 4)
    assert answer(flow, "red_flags", "6") == (5,)


@pytest.mark.parametrize("text", ["none", "None", "NONE!", "0", "no", "No.", "nope", "none of these",
                                  "None of the above", "nothing", "zero"])
def test_none_of_a_list(flow, text):
    assert answer(flow, "red_flags", text) == ()


@pytest.mark.parametrize("text", [
    "7", "1 7", "9", "10", "0 2", "2 0", "yes", "Yes", "y", "I don't know", "maybe", "", "cramps",
    "1 maybe", "-",
])
def test_list_answers_not_understood(flow, text):
    assert answer(flow, "red_flags", text) is None


def test_out_of_range_depends_on_the_list(flow):
    assert answer(flow, "red_flags", "6") == (5,)
    assert answer(flow, "pattern", "6") is None
    assert answer(flow, "context", "3") is None
    assert answer(flow, "context", "12") == (0, 1)


# --- one of (topic, medicine) --------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("1", (0,)), ("2", (1,)), ("3", (2,)), (" 3 ", (2,)), ("3.", (2,)), ("#3", (2,)),
    ("two", (1,)), ("Three", (2,)), ("option 2", (1,)),
])
def test_one_of_by_number(flow, text, expected):
    assert answer(flow, "medicine", text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Yes, I take it now", (0,)), ("yes i take it now", (0,)),
    ("No, but I want to know if it could help me", (1,)),
    ("No", (2,)), ("NO.", (2,)),
])
def test_one_of_by_label(flow, text, expected):
    assert answer(flow, "medicine", text) == expected


@pytest.mark.parametrize("node_id, text, expected", [
    ("medicine", "yes", (0,)), ("medicine", "yep", (0,)), ("medicine", "I do", (0,)),
    ("medicine", "nope", (2,)), ("medicine", "nah", (2,)),
    ("topic", "cramps", (0,)), ("topic", "Leg cramps at night", (0,)), ("topic", "muscle spasm", (0,)),
    ("topic", "something else", (1,)), ("topic", "other", (1,)),
])
def test_one_of_by_words(flow, node_id, text, expected):
    assert answer(flow, node_id, text) == expected


@pytest.mark.parametrize("node_id, text", [
    ("medicine", "0"), ("medicine", "4"), ("medicine", "1 2"), ("medicine", "12"),
    ("medicine", "yes no"), ("medicine", "maybe"), ("medicine", ""),
    ("topic", "3"), ("topic", "cramps or something else"), ("topic", "hello"),
])
def test_one_of_not_understood(flow, node_id, text):
    assert answer(flow, node_id, text) is None


# --- input that once made the reader crash -------------------------------------------------

@pytest.mark.parametrize("node_id", ["topic", "red_flags", "medicine", "condition"])
@pytest.mark.parametrize("text", [
    "\u1369",            # Ethiopic digit one: str.isdigit() is true but int() refuses it
    "1\u1369",
    "\u00b2",            # superscript two
    "\u0663",            # Arabic-Indic three
    "1" * 5000,          # int() refuses strings of more than 4300 digits
    "2 " + "9" * 5000,
    "\x00\x07\x1b[31m",
    "\U0001F600" * 50,
])
def test_odd_input_never_raises(flow, node_id, text):
    picked = answer(flow, node_id, text)
    node = flow.nodes[node_id]
    count = 2 if node.kind == "yes_no" else len(node.choices)
    assert picked is None or all(0 <= position < count for position in picked)
