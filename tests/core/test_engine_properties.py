"""Whatever a patient sends, wherever they are in the conversation, the engine answers:
it never raises, its state stays plain JSON pointing at a question of the flow, and
it always says something."""
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handler.channels.sms import rendering
from handler.checks.safety_walk import answer_texts
from handler.core import engine

OPENINGS = ["hi", "cramps", "HELP", "", "my heart is pounding"]
# Besides valid answers, the patient may do these on the way to the drawn point.
DETOURS = ["back", "help", "zzz", "my chest feels weird", "no", "I'm not suicidal"]

ODD_TEXT = st.sampled_from([
    "", " ", "\n", "\x00", "\u1369", "\u0663", "\u00b2", "1" * 5000, "0" * 5000, "1 " * 3000,
    "x" * 100_000, "no " * 2000 + "chest pain", "\U0001F62D\U0001F4A5", "\u202eyes", "NaN", "-1",
    "1.5", "\ufeff1", "９", "ＹＥＳ", "restart\x00", "b\u0301ack",
])
ANY_TEXT = st.one_of(
    st.text(),
    st.text(min_size=500, max_size=5000),
    st.text(alphabet="0123456789 ,.-and", max_size=50),
    ODD_TEXT,
)


_GOING_ON: dict = {}


def _going_on(flow, state):
    """The valid answers to the current question that do not end the conversation.
    Which answers end it depends only on the question being asked."""
    key = (flow.id, str(engine.position(state)))
    if key not in _GOING_ON:
        _GOING_ON[key] = [text for text in answer_texts(engine.current_question(flow, state))
                          if engine.step(flow, state, text).outcome is None]
    return _GOING_ON[key]


@st.composite
def reachable_states(draw, flow):
    """A state reached by driving the engine with drawn answers: mostly valid answers
    that keep the conversation going, some detours, and sometimes a last answer that
    may end it (so states after advice are drawn too)."""
    step = engine.start(flow, "en", draw(st.sampled_from(OPENINGS)))
    for _ in range(draw(st.integers(min_value=0, max_value=9))):
        question = engine.current_question(flow, step.state)
        if question is None:
            break
        valid = answer_texts(question)
        answer = st.sampled_from(_going_on(flow, step.state) or valid)
        step = engine.step(flow, step.state, draw(st.one_of(answer, answer, answer,
                                                             st.sampled_from(DETOURS))))
    question = engine.current_question(flow, step.state)
    if question is not None and draw(st.booleans()):
        step = engine.step(flow, step.state, draw(st.sampled_from(answer_texts(question))))
    return step.state


def question_nodes(flow):
    return {node_id for node_id, node in flow.nodes.items() if node.type == "question"}


def test_reachable_states_reach_deep_into_the_flow(flow):
    """The strategy is worth something only if it gets past the first questions."""
    seen = set()

    @settings(max_examples=150, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def collect(data):
        state = data.draw(reachable_states(flow))
        position = str(engine.position(state))
        seen.add(position)
        seen.add("done" if position == "advice" else "open")

    collect()
    assert question_nodes(flow) | {"done", "open"} <= seen


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), text=ANY_TEXT)
def test_any_text_at_any_point(flow, data, text):
    state = data.draw(reachable_states(flow))
    before = json.dumps(state)

    step = engine.step(flow, state, text)

    assert json.dumps(state) == before, "the engine must not change the state it is given"
    encoded = json.dumps(step.state)
    assert json.loads(encoded) == step.state
    position = str(engine.position(step.state))
    assert position in question_nodes(flow) or position == "advice" or position.startswith("confirm:")
    assert step.replies
    assert all(isinstance(reply, (engine.Message, engine.Question)) for reply in step.replies)
    messages = rendering.render(flow, "en", step.replies)
    assert messages and all(message.strip() for message in messages)
    if step.outcome is not None:
        assert step.outcome.node in flow.nodes and str(engine.position(step.state)) == "advice"
        again = engine.current_replies(flow, step.state)    # asked again, the same advice
        assert again and all(m in step.replies and m.disposition == step.outcome.disposition for m in again)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=ANY_TEXT)
def test_any_first_message(flow, text):
    step = engine.start(flow, "en", text)
    assert json.loads(json.dumps(step.state)) == step.state
    position = str(engine.position(step.state))
    assert position in question_nodes(flow) or position == "advice" or position.startswith("confirm:")
    assert step.replies and rendering.render(flow, "en", step.replies)
