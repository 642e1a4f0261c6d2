"""A "choose all that apply" question on the phone, one item at a time: the pure walk in
handler.channels.voice.menu that decides the next item, when the list is answered and
what was picked. (The webhook tests drive the same walk through TwiML.)"""
from __future__ import annotations

import pytest

from handler.channels.voice.menu import ListMove, Place, list_turn
from handler.core import engine
from handler.core.position import Position


def question(flow, node_id):
    return engine.question_at(flow, node_id, "en")


def at(node_id, item=0, picked=()):
    return Place(Position(question=node_id), item, picked)


def test_a_no_to_an_item_asks_the_next(flow):
    turn = list_turn(flow, "en", question(flow, "pattern"), at("pattern", 1, (0,)), "2", "")
    assert turn.move == ListMove.ASK_ITEM
    assert turn.place == at("pattern", 2, (0,))


def test_a_yes_to_an_item_is_kept_for_the_list_answer(flow):
    turn = list_turn(flow, "en", question(flow, "pattern"), at("pattern", 1, (0,)), "", "yes")
    assert turn.place == at("pattern", 2, (0, 1))


def test_after_the_last_item_the_list_answer_goes_to_the_engine(flow):
    last = len(question(flow, "pattern").choices) - 1
    turn = list_turn(flow, "en", question(flow, "pattern"), at("pattern", last, (0, 2)), "1", "")
    assert (turn.move, turn.answer) == (ListMove.ANSWER, f"1 3 {last + 1}")


def test_no_to_every_item_is_answered_as_none(flow):
    last = len(question(flow, "context").choices) - 1
    turn = list_turn(flow, "en", question(flow, "context"), at("context", last), "2", "")
    assert (turn.move, turn.answer) == (ListMove.ANSWER, "0")


def test_a_yes_to_a_red_flag_is_answered_at_once_without_the_rest_of_the_list(flow):
    turn = list_turn(flow, "en", question(flow, "red_flags"), at("red_flags", 1), "1", "")
    assert (turn.move, turn.answer) == (ListMove.ANSWER, "2")


def test_a_no_to_a_red_flag_goes_on_down_the_list(flow):
    turn = list_turn(flow, "en", question(flow, "red_flags"), at("red_flags", 1), "2", "")
    assert turn.move == ListMove.ASK_ITEM and turn.place == at("red_flags", 2)


@pytest.mark.parametrize("digits, speech", [("5", ""), ("", "maybe"), ("", "purple")])
def test_neither_yes_nor_no_is_a_miss_for_the_engine_to_count(flow, digits, speech):
    turn = list_turn(flow, "en", question(flow, "pattern"), at("pattern", 1), digits, speech)
    assert turn.move == ListMove.NOT_UNDERSTOOD


def test_an_item_the_list_does_not_have_reads_the_list_again(flow):
    turn = list_turn(flow, "en", question(flow, "pattern"), at("pattern", 99), "1", "")
    assert turn.move == ListMove.READ_AGAIN


@pytest.mark.parametrize("speech", ["I have chest pain", "restart", "back"])
def test_an_emergency_or_a_command_is_for_the_engine_not_the_list(flow, speech):
    turn = list_turn(flow, "en", question(flow, "pattern"), at("pattern", 1), "", speech)
    assert turn.move == ListMove.NOT_FOR_THE_LIST
