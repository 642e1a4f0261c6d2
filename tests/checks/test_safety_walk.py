"""The exhaustive safety walk over the real flow: every combination of answers (and
answers the line cannot understand) ends at or above the highest disposition reported,
and every red flag gets emergency advice at once."""
import pytest

from handler.channels.sms.segments import segments
from handler.checks import safety_walk


@pytest.fixture(scope="module")
def walked(flow):
    return safety_walk.walk(flow, "en")


def referenced_by_the_flow(flow):
    """Every node some question, route or message can lead to, and the fallback."""
    targets = {flow.start, flow.fallback}
    for node in flow.nodes.values():
        targets.update(target for _label, target in node.edges())
    return targets


def test_the_walk_finds_no_problems(walked):
    assert walked.problems == []


def test_the_walk_covers_many_paths(walked):
    assert walked.paths > 0
    assert walked.longest_turns >= 8    # opening, topic, red flags, 2 medicine, pattern, condition, context


def test_every_outcome_of_the_flow_is_reached(flow, walked):
    outcomes = {node_id for node_id, node in flow.nodes.items() if node.type == "outcome"}
    emergency_check_only = ({check.outcome for check in flow.emergency_checks}
                            - referenced_by_the_flow(flow))
    expected = outcomes - emergency_check_only
    assert {"self_care_advice", "routine_advice", "urgent_advice", "emergency", "safe_advice",
            "out_of_scope"} <= expected
    assert expected <= walked.outcomes


def test_every_message_the_walk_sends_fits_in_three_segments(walked):
    assert walked.messages
    assert all(segments(text) <= 3 for text in walked.messages)
