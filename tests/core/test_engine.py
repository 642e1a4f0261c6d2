"""The conversation engine, driven the way a patient drives it: engine.start with
the first message, then engine.step with each reply."""
import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from handler.channels.sms import rendering
from handler.core import engine
from handler.core.engine import Message, Question

# Answers that walk the flow with nothing to report, stopping at each question.
TO_RED_FLAGS = ("hi", "1")
TO_MEDICINE = (*TO_RED_FLAGS, "0")
TO_PATTERN = (*TO_MEDICINE, "3")
TO_CONDITION = (*TO_PATTERN, "0")
TO_CONTEXT = (*TO_CONDITION, "no")
SELF_CARE = (*TO_CONTEXT, "0")
TO_MEDICINE_WARNING = (*TO_MEDICINE, "1")
TO_MEDICINE_CONCERNS = (*TO_MEDICINE_WARNING, "0")


def talk(flow, *messages):
    """Every Step of a conversation: the first message starts it."""
    steps = [engine.start(flow, "en", messages[0])]
    for text in messages[1:]:
        steps.append(engine.step(flow, steps[-1].state, text))
    return steps


def last(flow, *messages):
    return talk(flow, *messages)[-1]


def asked(step):
    """The node of the question a step ends with (None if it asks nothing)."""
    questions = [reply for reply in step.replies if isinstance(reply, Question)]
    return questions[-1].node if questions else None


def texts(step):
    return [reply.prompt if isinstance(reply, Question) else reply.text for reply in step.replies]


def sent(flow, step):
    """Each reply as the SMS channel writes it (a question with its numbered choices)."""
    return [rendering.reply_text(flow, "en", reply) for reply in step.replies]


def say(flow, key):
    return flow.text(key, "en")


def part_text(flow, node_id, when):
    """The text of an outcome's part shown when `when` was reported."""
    for part in flow.nodes[node_id].parts:
        if part.when == (when,):
            return part.text["en"] if part.text is not None else flow.text(part.include, "en")
    raise AssertionError(f"{node_id} has no part for {when}")


def assert_emergency_advice(flow, step):
    assert step.outcome is not None and step.outcome.disposition == "emergency"
    assert step.event == "emergency" or step.outcome.node == "emergency"
    assert step.replies, "emergency advice must say something"
    assert all(isinstance(reply, Message) and reply.disposition == "emergency" for reply in step.replies), \
        "nothing but emergency advice: no question, no other text"
    first_sentence = step.replies[0].text.split(".")[0]
    assert "911" in first_sentence
    assert rendering.render(flow, "en", step.replies)[0].startswith(step.replies[0].text)
    assert engine.current_question(flow, step.state) is None


# --- opening --------------------------------------------------------------------------------

@pytest.mark.parametrize("first_message", ["hi", "Hello", "cramps", None])
def test_opening_says_what_the_line_is_then_asks_the_topic(flow, first_message):
    step = engine.start(flow, "en", first_message)
    opening = step.replies[0]
    assert isinstance(opening, Message)
    for needed in ("Triage Line", "not a diagnosis", "911", "HELP", "STOP"):
        assert needed in opening.text
    assert "diagnos" not in opening.text.replace("not a diagnosis", "")
    assert asked(step) == flow.start == "topic"
    assert step.outcome is None


def test_unknown_language_falls_back_to_the_flows_first(flow):
    step = engine.start(flow, "xx", "hi")
    assert step.state["lang"] == "en"
    assert step.replies[0].text == flow.text("opening", "en")


# --- red flags -------------------------------------------------------------------------------

def test_red_flags_are_the_first_clinical_question(flow):
    step = last(flow, *TO_RED_FLAGS)
    assert asked(step) == "red_flags"
    question = step.replies[-1]
    red_flags = {code for code, disposition in flow.dispositions.items()
                 if code.startswith("red_flag.") and disposition == "emergency"}
    assert set(question.concepts) == red_flags and len(red_flags) == 6


@pytest.mark.parametrize("number", range(1, 7))
def test_each_red_flag_ends_at_once_with_emergency_advice(flow, number):
    step = last(flow, *TO_RED_FLAGS, str(number))
    assert_emergency_advice(flow, step)
    assert step.outcome.node == "emergency"
    concept = flow.nodes["red_flags"].choices[number - 1].concept
    assert concept in step.outcome.findings


def test_several_red_flags_still_one_emergency_advice(flow):
    step = last(flow, *TO_RED_FLAGS, "1 4 6")
    assert_emergency_advice(flow, step)
    assert {"red_flag.worsening_weakness", "red_flag.back_pain_leg_weakness",
            "red_flag.dark_urine"} <= set(step.outcome.findings)


def test_no_red_flags_moves_on(flow):
    step = last(flow, *TO_RED_FLAGS, "none")
    assert step.outcome is None and asked(step) == "medicine"


# --- dispositions -----------------------------------------------------------------------------

@pytest.mark.parametrize("answers, node, disposition", [
    (SELF_CARE, "self_care_advice", "self_care"),
    ((*TO_CONTEXT, "1 2"), "self_care_advice", "self_care"),
    ((*TO_PATTERN, "1", "no", "1"), "routine_advice", "routine"),           # routine + context
    ((*TO_PATTERN, "0", "yes", "0"), "routine_advice", "routine"),          # known condition
    ((*TO_PATTERN, "2 5", "yes", "2"), "routine_advice", "routine"),
    ((*TO_MEDICINE_WARNING, "1"), "urgent_advice", "urgent"),               # interacting drug
    ((*TO_MEDICINE_WARNING, "2 4"), "urgent_advice", "urgent"),
    ((*TO_MEDICINE_CONCERNS, "1", "0", "no", "1"), "routine_advice", "routine"),
    ((*TO_MEDICINE_CONCERNS, "0", "0", "no", "0"), "self_care_advice", "self_care"),
])
def test_the_highest_disposition_wins(flow, answers, node, disposition):
    step = last(flow, *answers)
    assert step.outcome is not None
    assert (step.outcome.node, step.outcome.disposition) == (node, disposition)
    expected = flow.disposition_of(step.outcome.findings) or "self_care"
    assert step.outcome.disposition == expected


def test_routine_advice_never_reads_as_self_care(flow):
    step = last(flow, *TO_PATTERN, "1", "no", "1")
    said = " ".join(texts(step))
    assert "make an appointment" in said
    assert "do not show signs that need a doctor" not in said


def test_urgent_medicine_finding_says_today_and_names_the_mix(flow):
    step = last(flow, *TO_MEDICINE_WARNING, "1")
    said = texts(step)
    assert "today" in said[0]
    assert part_text(flow, "urgent_advice", "tizanidine.interacting_drug") in said
    assert flow.text("tizanidine_do_not_stop", "en") in said


@pytest.mark.parametrize("answer", ["2", "3", "no"])
def test_tizanidine_questions_only_for_people_who_take_it(flow, answer):
    steps = talk(flow, *TO_MEDICINE, answer, "0", "no", "0")
    nodes = [asked(step) for step in steps]
    assert "medicine_warning" not in nodes and "medicine_concerns" not in nodes
    assert steps[-1].outcome is not None


def test_people_who_take_tizanidine_are_asked_about_it(flow):
    steps = talk(flow, *TO_MEDICINE, "1", "0")
    assert [asked(step) for step in steps[-2:]] == ["medicine_warning", "medicine_concerns"]


def test_considering_tizanidine_gets_routine_advice_with_questions_to_ask(flow):
    step = last(flow, *TO_MEDICINE, "2", "0", "no", "0")
    assert step.outcome.disposition == "routine"
    considering = part_text(flow, "routine_advice", "tizanidine.considering")
    assert "Ask your doctor" in considering
    assert considering in texts(step)
    assert part_text(flow, "routine_advice", "tizanidine.wants_to_stop") not in texts(step)


def test_wanting_to_stop_tizanidine_is_told_not_to_stop_suddenly(flow):
    step = last(flow, *TO_MEDICINE_CONCERNS, "3", "0", "no", "0")
    assert step.outcome.disposition == "routine"
    assert part_text(flow, "routine_advice", "tizanidine.wants_to_stop") in texts(step)


@pytest.mark.parametrize("answers", [
    SELF_CARE,
    (*TO_PATTERN, "1", "no", "0"),
    (*TO_MEDICINE_WARNING, "3"),
    (*TO_RED_FLAGS, "?", "??"),          # the fallback
])
def test_every_non_emergency_outcome_ends_with_the_safety_net(flow, answers):
    step = last(flow, *answers)
    assert step.outcome.disposition in ("self_care", "routine", "urgent")
    safety_net = flow.text("safety_net", "en")
    assert "911" in safety_net
    assert texts(step)[-1] == safety_net
    assert rendering.render(flow, "en", step.replies)[-1].endswith(safety_net)


def test_out_of_scope_says_where_to_go_instead(flow):
    step = last(flow, "hi", "2")
    assert step.outcome.node == "out_of_scope" and step.outcome.disposition is None
    said = " ".join(texts(step))
    assert "doctor" in said and "911" in said


# --- answers not understood -------------------------------------------------------------------

@pytest.mark.parametrize("answers, node", [
    (("hi",), "topic"), (TO_RED_FLAGS, "red_flags"), (TO_MEDICINE, "medicine"),
    (TO_CONDITION, "condition"), (TO_MEDICINE_WARNING, "medicine_warning"),
])
def test_first_miss_asks_the_same_question_again_with_its_choices(flow, answers, node):
    before = last(flow, *answers)
    step = engine.step(flow, before.state, "I don't know")
    assert step.outcome is None and step.event == "not_understood"
    assert sent(flow, step) == [say(flow, "not_understood"), sent(flow, before)[-1]]  # same choices
    assert step.replies[1].node == node
    assert str(engine.position(step.state)) == node


@pytest.mark.parametrize("answers", [("hi",), TO_RED_FLAGS, TO_CONDITION, TO_MEDICINE_WARNING])
def test_second_miss_gives_the_fallback_advice(flow, answers):
    step = last(flow, *answers, "maybe", "banana")
    fallback = flow.fallback
    assert step.event == "fallback"
    assert step.outcome.node == fallback
    assert step.outcome.disposition == "urgent"
    assert flow.nodes[fallback].disposition not in ("self_care", None)
    assert "doctor" in texts(step)[0]


def test_a_good_answer_between_misses_resets_the_count(flow):
    steps = talk(flow, *TO_RED_FLAGS, "what", "0", "huh?")
    assert steps[-1].event == "not_understood" and steps[-1].outcome is None
    assert asked(steps[-1]) == "medicine"
    assert last(flow, *TO_RED_FLAGS, "what", "0", "huh?", "huh??").event == "fallback"


# --- commands ---------------------------------------------------------------------------------

@pytest.mark.parametrize("answers", [
    ("hi",), TO_RED_FLAGS, TO_MEDICINE_CONCERNS, TO_CONTEXT,
    (*TO_PATTERN, "zzz"),                      # after a miss
    (*TO_PATTERN, "my chest feels weird"),     # while confirming an emergency
    SELF_CARE,                                 # after advice
    (*TO_RED_FLAGS, "2"),                      # after emergency advice
    ("hi", "2"),                               # after out-of-scope
])
@pytest.mark.parametrize("command", ["RESTART", "restart", "Start over"])
def test_restart_at_any_point_starts_over(flow, answers, command):
    step = engine.step(flow, last(flow, *answers).state, command)
    fresh = engine.start(flow, "en", "hi").state
    assert step.event == "restarted" and step.outcome is None
    assert sent(flow, step)[0] == say(flow, "restarted")
    assert asked(step) == "topic"
    assert step.state == fresh


def test_back_returns_to_the_previous_question(flow):
    step = last(flow, *TO_MEDICINE, "back")
    assert step.event == "back" and asked(step) == "red_flags"
    assert engine.findings(flow, step.state) == engine.findings(flow, last(flow, *TO_RED_FLAGS).state)
    # as if never answered
    assert sent(flow, engine.step(flow, step.state, "0")) == sent(flow, last(flow, *TO_MEDICINE))


def test_back_forgets_the_findings_of_the_undone_answer(flow):
    # "wakes me from sleep" (routine), then BACK and "none of these": self-care
    step = last(flow, *TO_PATTERN, "1", "back", "0", "no", "0")
    assert step.outcome.disposition == "self_care"
    assert "pattern.wakes_from_sleep" not in step.outcome.findings


def test_back_out_of_the_medicine_questions(flow):
    step = last(flow, *TO_MEDICINE, "1", "back", "3", "0", "no", "0")
    assert "tizanidine.taking" not in step.outcome.findings
    assert step.outcome.disposition == "self_care"


def test_back_at_the_first_question_says_so(flow):
    step = last(flow, "hi", "back")
    assert sent(flow, step)[0] == say(flow, "back_unavailable")
    assert asked(step) == "topic"
    assert step.state == engine.start(flow, "en", "hi").state


@pytest.mark.parametrize("answers", [SELF_CARE, ("hi", "2"), (*TO_MEDICINE_WARNING, "1")])
def test_back_after_advice_does_not_undo_it(flow, answers):
    advised = last(flow, *answers)
    step = engine.step(flow, advised.state, "back")
    assert step.outcome is None and asked(step) is None
    assert step.state == advised.state
    assert sent(flow, step) == [say(flow, "finished")]


@pytest.mark.parametrize("answers", [SELF_CARE, ("hi", "2")])
def test_back_while_confirming_an_emergency_after_advice_does_not_undo_the_advice(flow, answers):
    advised = last(flow, *answers)
    confirming = engine.step(flow, advised.state, "my chest feels weird")
    assert asked(confirming) == "confirm:emergency.chest_pain"
    step = engine.step(flow, confirming.state, "back")
    assert None not in step.replies
    assert sent(flow, step) == [say(flow, "finished")]
    assert str(engine.position(step.state)) == "advice"                # not confirming any more
    assert engine.current_replies(flow, step.state) == engine.current_replies(flow, advised.state)
    rendering.render(flow, "en", step.replies)


@pytest.mark.parametrize("answers, node", [
    (("hi",), "topic"), (TO_RED_FLAGS, "red_flags"), (TO_CONDITION, "condition"),
    (TO_MEDICINE_CONCERNS, "medicine_concerns"),
])
def test_help_explains_and_asks_the_current_question_again(flow, answers, node):
    before = last(flow, *answers)
    step = engine.step(flow, before.state, "HELP")
    help_text = flow.text("help", "en")
    for needed in ("RESTART", "911", "Msg & data rates may apply", "STOP"):
        assert needed in help_text
    assert sent(flow, step) == [help_text, sent(flow, before)[-1]]
    assert step.state == before.state and step.outcome is None


def test_help_after_advice(flow):
    advised = last(flow, *SELF_CARE)
    step = engine.step(flow, advised.state, "help")
    assert sent(flow, step) == [say(flow, "help"), say(flow, "finished")]


def test_talking_after_advice_gets_the_finished_note(flow):
    advised = last(flow, *SELF_CARE)
    step = engine.step(flow, advised.state, "thanks!")
    assert sent(flow, step) == [say(flow, "finished")]
    assert step.outcome is None and step.state == advised.state


# --- emergencies in free text -----------------------------------------------------------------

@pytest.mark.parametrize("answers", [
    (), TO_RED_FLAGS, TO_MEDICINE_WARNING, TO_PATTERN, TO_CONTEXT,
    (*TO_PATTERN, "zzz"),                           # after a miss
    (*TO_PATTERN, "my chest feels weird"),          # while confirming another concern
])
@pytest.mark.parametrize("text, concept", [
    ("I can't breathe", "emergency.breathing"),
    ("my chest hurts", "emergency.chest_pain"),
    ("her face is drooping", "emergency.stroke_signs"),
    ("my dad passed out", "emergency.unresponsive"),
])
def test_a_clear_emergency_in_free_text_ends_the_flow_at_once(flow, answers, text, concept):
    step = last(flow, *answers, text) if answers else engine.start(flow, "en", text)
    assert_emergency_advice(flow, step)
    assert step.outcome.node == "emergency_now"
    assert concept in step.outcome.findings


@pytest.mark.parametrize("answers", [SELF_CARE, (*TO_MEDICINE_WARNING, "1"), ("hi", "2"),
                                     (*TO_RED_FLAGS, "?", "??")])
def test_a_clear_emergency_after_advice_still_gets_emergency_advice(flow, answers):
    step = last(flow, *answers, "I can't breathe")
    assert_emergency_advice(flow, step)


@pytest.mark.parametrize("answers", [(), TO_PATTERN, SELF_CARE])
def test_self_harm_gets_988_and_911(flow, answers):
    text = "I want to kill myself"
    step = last(flow, *answers, text) if answers else engine.start(flow, "en", text)
    assert_emergency_advice(flow, step)
    assert step.outcome.node == "emergency_self_harm"
    assert "988" in step.replies[0].text


def test_chest_pain_and_self_harm_together_give_both_with_911_first(flow):
    step = last(flow, *TO_PATTERN, "my chest hurts and I want to die")
    assert_emergency_advice(flow, step)
    said = " ".join(texts(step))
    assert "988" in said
    assert {"emergency.chest_pain", "emergency.self_harm"} <= set(step.outcome.findings)


def test_a_denied_emergency_is_read_as_an_answer(flow):
    step = last(flow, "leg cramp last night, no chest pain", "1")
    assert step.outcome is None and asked(step) == "red_flags"


@pytest.mark.parametrize("answers, node", [
    (TO_PATTERN, "pattern"), (TO_CONDITION, "condition"), (TO_MEDICINE_WARNING, "medicine_warning"),
])
def test_a_possible_emergency_asks_once_then_no_resumes_the_same_question(flow, answers, node):
    confirming = last(flow, *answers, "my chest feels weird")
    assert confirming.event == "confirm_emergency" and confirming.outcome is None
    assert len(confirming.replies) == 1
    question = confirming.replies[0]
    assert question.confirming and question.kind == "yes_no"
    assert question.prompt == flow.checks_by_concept["emergency.chest_pain"].confirm["en"]

    resumed = engine.step(flow, confirming.state, "no")
    assert resumed.outcome is None and asked(resumed) == node
    assert str(engine.position(resumed.state)) == node                 # the question, not the confirmation
    assert sent(flow, resumed) == [sent(flow, last(flow, *answers))[-1]]


@pytest.mark.parametrize("text, concept", [
    ("my chest feels weird", "emergency.chest_pain"),
    ("I nearly fainted", "emergency.unresponsive"),
    ("I'm not suicidal", "emergency.self_harm"),
])
def test_a_possible_emergency_confirmed_gets_emergency_advice(flow, text, concept):
    step = last(flow, *TO_PATTERN, text, "yes")
    assert_emergency_advice(flow, step)
    assert step.outcome.node == flow.checks_by_concept[concept].outcome
    assert concept in step.outcome.findings


def test_a_possible_emergency_in_the_opening(flow):
    confirming = engine.start(flow, "en", "hi my heart is racing and my calf cramps")
    assert sent(flow, confirming)[0] == say(flow, "opening")
    assert asked(confirming) == "confirm:emergency.chest_pain"
    assert asked(engine.step(flow, confirming.state, "no")) == "topic"
    assert_emergency_advice(flow, engine.step(flow, confirming.state, "yes"))


def test_a_possible_emergency_after_advice(flow):
    advised = last(flow, *SELF_CARE)
    confirming = engine.step(flow, advised.state, "I nearly fainted")
    assert asked(confirming) == "confirm:emergency.unresponsive"
    denied = engine.step(flow, confirming.state, "no")
    assert sent(flow, denied) == [say(flow, "finished")]
    assert_emergency_advice(flow, engine.step(flow, confirming.state, "yes"))


def test_an_unclear_answer_to_a_confirm_asks_it_again(flow):
    confirming = last(flow, *TO_PATTERN, "my chest feels weird")
    step = engine.step(flow, confirming.state, "kind of")
    assert step.event == "not_understood"
    assert sent(flow, step) == [say(flow, "not_understood"), *sent(flow, confirming)]


# --- state ------------------------------------------------------------------------------------

LONGEST = ("hi", "1", "0", "1", "0", "1 2 3", "1 2 3 4 5", "yes", "my chest feels weird", "no",
           "1 2", "help", "I nearly fainted", "maybe", "no", "my chest hurts and I want to kill myself")


def test_state_is_json_and_small_on_the_longest_path(flow):
    steps = talk(flow, *LONGEST)
    assert [step.outcome.node for step in steps if step.outcome] == ["routine_advice", "emergency_now"]
    assert steps[-1].outcome.node == "emergency_now"
    for step in steps:
        encoded = json.dumps(step.state)
        assert json.loads(encoded) == step.state
        assert len(encoded) < 1024


def test_a_state_read_back_from_json_carries_on_the_same(flow):
    steps = talk(flow, *LONGEST[:8])
    stored = json.loads(json.dumps(steps[-1].state))
    assert engine.step(flow, stored, "1 2") == engine.step(flow, steps[-1].state, "1 2")


def test_the_engine_does_not_change_the_state_it_is_given(flow):
    before = last(flow, *TO_PATTERN).state
    copy = json.loads(json.dumps(before))
    for text in ("1", "back", "restart", "help", "zzz", "my chest feels weird", "I can't breathe"):
        engine.step(flow, before, text)
    assert before == copy


# --- no I/O -----------------------------------------------------------------------------------

FORBIDDEN = ("flask", "boto3", "botocore", "twilio")


def test_engine_imports_no_web_or_cloud_libraries():
    code = ("import sys, handler.core.engine; "
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_engine_source_names_no_web_or_cloud_libraries():
    tree = ast.parse(Path(engine.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & set(FORBIDDEN)
