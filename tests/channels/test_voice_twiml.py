"""The shape of the voice line's TwiML, read structurally (xml.etree): the opening,
each question as a Gather with its no-input path, list questions read one item at
a time, and how many prompts a caller hears on the longest path."""
from __future__ import annotations

from urllib.parse import urlsplit

from tests.channels.voice_helpers import (
    BASE_URL,
    LOCALE,
    check_twiml,
    is_menu,
    longest_prompts,
    query_of,
    question_of,
    text_of,
    verbs,
    vtext,
    walk,
)


def hint_list(gather) -> list[str]:
    return [h.strip() for h in gather.get("hints").split(",")]


def test_incoming_call_says_the_opening_then_asks_the_first_question(caller, flow):
    turn = caller.start()
    assert len(turn.responses) == 1
    twiml = turn.first
    assert twiml.status == 200
    assert twiml.tags == ["Say", "Gather", "Redirect"]
    opening, gather, redirect = verbs(twiml.root)

    assert text_of(opening) == vtext(flow, "opening")
    assert "911" in text_of(opening) and "not a diagnosis" in text_of(opening)
    assert opening.get("language") == LOCALE

    action = gather.get("action")
    assert action.startswith(BASE_URL + "/voice/answer?")
    assert urlsplit(action).path == "/dev/voice/answer"          # the API Gateway stage is kept
    assert gather.get("input") == "dtmf speech"
    assert gather.get("method") == "POST"
    assert gather.get("numDigits") == "1"
    assert gather.get("language") == LOCALE
    assert 5 <= int(gather.get("timeout")) <= 15
    first = flow.start
    assert query_of(action) == {"q": first}

    prompt = [child for child in gather]
    assert [c.tag for c in prompt] == ["Say"]
    question = question_of(flow, first)
    said = text_of(prompt[0])
    assert said.startswith(question.prompt)
    for number, label in enumerate(question.choices, 1):        # each choice and its key
        assert f"{label}, press {number}" in said
    for label in question.choices:                              # speech hints from the choices
        assert label.replace(",", "") in hint_list(gather)

    # The no-input path: back to the same question, marked as a timeout.
    assert redirect.get("method") == "POST"
    assert query_of(text_of(redirect)) == {"q": first, "timeout": "1"}
    assert text_of(redirect).startswith(BASE_URL + "/voice/answer?")


def test_every_question_and_item_is_a_gather_followed_by_its_no_input_path(caller, flow):
    """The longest path, every response checked by check_twiml (as in every test), and
    each gather asks exactly one thing."""
    turn = walk(caller, flow, present={"tizanidine.taking"})
    asked = [r for r in caller.log if r.gather is not None and not is_menu(r.gather)]   # the menu: its own test
    for response in asked:
        check_twiml(response.root)
        place = response.place
        if place["q"] == "advice":
            assert response.tags[-3:] == ["Gather", "Say", "Hangup"]
            continue
        assert response.tags[-2:] == ["Gather", "Redirect"]
        assert query_of(response.redirect) == {**place, "timeout": "1"}
        question = question_of(flow, place["q"])
        hints = hint_list(response.gather)
        if question.kind == "one_of":
            assert all(label.replace(",", "") in hints for label in question.choices)
        else:
            assert "yes" in hints and "no" in hints
        assert "repeat" in hints and "nurse" in hints
    assert turn.last.place["q"] == "advice"


def test_a_list_question_is_read_as_one_yes_no_item_per_choice(caller, flow):
    walk(caller, flow, until=("red_flags", 0))
    question = question_of(flow, "red_flags")
    assert question.kind == "all_that_apply"
    heard = []
    for item, label in enumerate(question.choices):
        current = caller.current
        assert current.place.get("q") == "red_flags"
        assert int(current.place.get("i", "0")) == item
        prompt = current.prompt()
        assert prompt.endswith(vtext(flow, "item").format(choice=label))
        if item == 0:
            assert prompt.startswith(question.prompt)
            assert vtext(flow, "list_intro") in prompt
        else:
            assert question.prompt not in prompt                      # only the item, short
        assert [c.tag for c in current.gather] == ["Say"]
        heard.append(prompt)
        caller.press("2")
    assert len(heard) == len(question.choices)
    # After the last item the next question is asked.
    assert caller.current.place["q"] == "medicine"


def test_yes_no_questions_say_which_key_means_what(caller, flow):
    walk(caller, flow, until=("condition", 0))
    prompt = caller.current.prompt()
    assert prompt.startswith(question_of(flow, "condition").prompt)
    assert prompt.endswith(vtext(flow, "yes_no"))
    assert "press 1" in prompt.lower() and "press 2" in prompt.lower()


def test_prompts_on_the_longest_path(caller, flow):
    """Prompts = Says inside Gathers (standalone Says on this path are the opening and the
    advice, not questions). The graph walk and a real call along it agree."""
    count, path = longest_prompts(flow)
    walk(caller, flow, present={"tizanidine.taking"})
    asked = [r for r in caller.log if r.gather is not None and not is_menu(r.gather) and r.place["q"] != "advice"]
    prompts = sum(len(list(r.gather.iter("Say"))) for r in asked)
    standalone_questions = [s for r in caller.log for s in r.standalone_says()
                            if any(question_of(flow, q).prompt in s for q in path[:-1])]
    assert standalone_questions == []
    assert prompts == count
    assert [r.place["q"] for r in asked][::-1].index("context") == 0
    print(f"\nvoice prompts on the longest path: {count} question prompts "
          f"(+1 offer to repeat the advice) through {' > '.join(path[:-1])}")
    assert count <= 25, "the longest call is getting too long for someone in pain"
