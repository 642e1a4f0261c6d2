"""The conversation engine: pure functions of (flow, state, input).

No I/O here: no Flask, no boto3, no Twilio. `start` and `step` return a Step
holding the new state (a small JSON-friendly dict), the replies to give (as
data, rendered by each channel) and the outcome if one was reached.

Order of precedence for every input: emergencies found in the text, then
commands (RESTART, HELP, BACK), then a pending emergency confirmation, then
the answer to the current question.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from handler.core import answers
from handler.core.flow import Flow

MAX_MISSES = 2          # answers not understood in a row before the safe advice
MAX_HOPS = 100          # guard against a loop the validator should have caught
SAFETY_NET_DISPOSITIONS = ("urgent", "routine", "self_care")


@dataclass(frozen=True)
class Message:
    text: str
    disposition: str | None = None   # set on the parts of an outcome's advice
    key: str | None = None           # the flow text it came from, so a channel can say it its own way


@dataclass(frozen=True)
class Question:
    node: str
    kind: str                        # yes_no | one_of | all_that_apply
    prompt: str
    choices: tuple[str, ...]         # labels; ("Yes", "No") are implied for yes_no
    concepts: tuple[str | None, ...]  # what each choice reveals, for scripted patients
    confirming: bool = False         # an emergency confirmation, not a flow question


@dataclass(frozen=True)
class Outcome:
    node: str
    disposition: str | None
    findings: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    state: dict
    replies: tuple[Message | Question, ...]
    outcome: Outcome | None = None
    event: str = "answered"          # answered | started | not_understood | fallback | restarted |
                                     # back | help | emergency | confirm_emergency | finished


def findings(flow: Flow, state: dict) -> list[str]:
    """Every concept reported so far, in the order reported. The state keeps only
    which choices were picked ([node, [positions]]) or, for an emergency found in
    free text, [concept]; the concepts themselves come from the flow."""
    seen: list[str] = []
    for entry in state["answers"]:
        if len(entry) == 1:
            reported = [entry[0]]
        else:
            node = flow.nodes[entry[0]]
            if node["kind"] == "yes_no":
                reported = [node["concept"]] if entry[1] == [0] and "concept" in node else []
            else:
                reported = [node["choices"][i]["concept"] for i in entry[1] if "concept" in node["choices"][i]]
        seen.extend(code for code in reported if code not in seen)
    return seen


def _said(flow: Flow, key: str, lang: str) -> Message:
    return Message(flow.text(key, lang), key=key)


def _new_state(flow: Flow, lang: str) -> dict:
    if lang not in flow.languages:
        lang = flow.languages[0]
    return {"flow": flow.id, "version": flow.version, "lang": lang, "node": flow.data["start"],
            "answers": [], "misses": 0, "check": None, "done": None}


def is_current(flow: Flow, state: dict) -> bool:
    """A state can only be read with the flow version it was made with."""
    return state.get("flow") == flow.id and state.get("version") == flow.version


def question_at(flow: Flow, node_id: str, lang: str) -> Question:
    node = flow.nodes[node_id]
    if node["kind"] == "yes_no":
        labels, concepts = ("Yes", "No"), (node.get("concept"), None)
    else:
        labels = tuple(choice["text"][lang] for choice in node["choices"])
        concepts = tuple(choice.get("concept") for choice in node["choices"])
    return Question(node_id, node["kind"], node["text"][lang], labels, concepts)


def confirm_question(flow: Flow, concept: str, lang: str) -> Question:
    check = flow.checks_by_concept[concept]
    return Question("confirm:" + concept, "yes_no", check["confirm"][lang], ("Yes", "No"),
                    (concept, None), confirming=True)


def current_question(flow: Flow, state: dict) -> Question | None:
    """What the patient is being asked now (None once advice is given)."""
    if state["check"]:
        return confirm_question(flow, state["check"], state["lang"])
    if state["done"]:
        return None
    return question_at(flow, state["node"], state["lang"])


def position(state: dict) -> str:
    """Where the conversation stands: the question being asked, or 'advice'. A channel
    tags each answer with it, so a late or repeated answer cannot land on another question."""
    if state["check"]:
        return "confirm:" + state["check"]
    return "advice" if state["done"] else state["node"]


def current_replies(flow: Flow, state: dict) -> tuple[Message | Question, ...]:
    """What the patient would need to hear again: the question, or the advice given."""
    question = current_question(flow, state)
    if question is not None:
        return (question,)
    return tuple(_advice(flow, state["done"], findings(flow, state), state["lang"]))


def _advice(flow: Flow, node_id: str, reported: Iterable[str], lang: str) -> list[Message]:
    node = flow.nodes[node_id]
    disposition = node["disposition"]
    reported = set(reported)
    messages = []
    for part in node["parts"]:
        if "when" in part and not reported.intersection(part["when"]):
            continue
        text = part["text"][lang] if "text" in part else flow.text(part["include"], lang)
        messages.append(Message(text, disposition))
    if disposition in SAFETY_NET_DISPOSITIONS:
        messages.append(Message(flow.text("safety_net", lang), disposition))
    return messages


def _finish(flow: Flow, state: dict, node_id: str, replies: list, event: str) -> Step:
    state = {**state, "done": node_id, "check": None, "misses": 0}
    reported = findings(flow, state)
    replies.extend(_advice(flow, node_id, reported, state["lang"]))
    outcome = Outcome(node_id, flow.nodes[node_id]["disposition"], tuple(reported))
    return Step(state, tuple(replies), outcome, event)


def _advance(flow: Flow, state: dict, node_id: str, replies: list, event: str) -> Step:
    """Walk from node_id through messages and routes to the next question or outcome."""
    for _ in range(MAX_HOPS):
        node = flow.nodes[node_id]
        kind = node["type"]
        if kind == "question":
            state = {**state, "node": node_id, "misses": 0, "check": None}
            replies.append(question_at(flow, node_id, state["lang"]))
            return Step(state, tuple(replies), None, event)
        if kind == "outcome":
            return _finish(flow, state, node_id, replies, event)
        if kind == "message":
            replies.append(Message(node["text"][state["lang"]]))
            node_id = node["next"]
        else:  # route
            node_id = node["by_disposition"][flow.disposition_of(findings(flow, state)) or "self_care"]
    raise RuntimeError(f"flow {flow.id} loops without reaching a question or outcome")


def _emergency(flow: Flow, state: dict, checks) -> Step:
    """Clear emergencies: their short advice is the whole reply, nothing before it."""
    state = {**state, "answers": [*state["answers"], *([check["concept"]] for check in checks)]}
    outcome_nodes = list(dict.fromkeys(check["outcome"] for check in checks))
    first = _finish(flow, state, outcome_nodes[0], [], "emergency")
    replies = list(first.replies)
    for node_id in outcome_nodes[1:]:  # e.g. chest pain and self-harm in one message
        replies.extend(_advice(flow, node_id, first.outcome.findings, state["lang"]))
    return Step(first.state, tuple(replies), first.outcome, "emergency")


def start(flow: Flow, lang: str = "en", text: str | None = None) -> Step:
    """A new conversation. `text` is the patient's first message, read for emergencies."""
    state = _new_state(flow, lang)
    lang = state["lang"]
    if text:
        detection = flow.scanner(lang).scan(text)
        if detection.clear:
            return _emergency(flow, state, detection.clear)
        if detection.possible:
            concept = detection.possible[0]["concept"]
            state = {**state, "check": concept}
            return Step(state, (_said(flow, "opening", lang),
                                confirm_question(flow, concept, lang)), None, "confirm_emergency")
    return _advance(flow, state, flow.data["start"], [_said(flow, "opening", lang)], "started")


def _is_command(flow: Flow, name: str, lang: str, said: str) -> bool:
    return said in {answers.normalize(word) for word in flow.words("commands", name, lang)}


def _not_understood(flow: Flow, state: dict) -> Step:
    misses = state["misses"] + 1
    if misses >= MAX_MISSES and state["check"]:
        # No clear answer to "are you having chest pain now?": treat it as yes.
        return _emergency(flow, {**state, "check": None}, [flow.checks_by_concept[state["check"]]])
    if misses >= MAX_MISSES:
        return _finish(flow, {**state, "misses": misses}, flow.data["fallback"], [], "fallback")
    state = {**state, "misses": misses}
    return Step(state, (_said(flow, "not_understood", state["lang"]),
                        current_question(flow, state)), None, "not_understood")


def _record(flow: Flow, state: dict, picked: tuple[int, ...]) -> Step:
    node_id = state["node"]
    node = flow.nodes[node_id]
    if node["kind"] == "yes_no":
        next_id = node["yes"] if picked == (0,) else node["no"]
    else:
        chosen = [node["choices"][i] for i in picked]
        if node["kind"] == "one_of":
            next_id = chosen[0]["next"]
        else:
            overrides = [choice["next"] for choice in chosen if "next" in choice]
            next_id = overrides[0] if overrides else node["next"]
    state = {**state, "answers": [*state["answers"], [node_id, list(picked)]]}
    return _advance(flow, state, next_id, [], "answered")


def _back(flow: Flow, state: dict) -> Step:
    lang = state["lang"]
    if state["check"]:
        state = {**state, "check": None, "misses": 0}
        question = current_question(flow, state)  # None when the advice was already given
        return Step(state, (question,) if question else (_said(flow, "finished", lang),),
                    None, "back")
    if not state["answers"]:
        return Step(state, (_said(flow, "back_unavailable", lang),
                            current_question(flow, state)), None, "back")
    previous_node = state["answers"][-1][0]  # emergencies end the talk, so this is a question
    state = {**state, "answers": state["answers"][:-1], "node": previous_node, "misses": 0}
    return Step(state, (current_question(flow, state),), None, "back")


def step(flow: Flow, state: dict, text: str) -> Step:
    """Take one message (or spoken answer) from the patient."""
    lang = state["lang"]
    said = answers.normalize(text)

    detection = flow.scanner(lang).scan(text)
    if detection.clear:
        return _emergency(flow, state, detection.clear)

    if _is_command(flow, "restart", lang, said):
        fresh = _new_state(flow, lang)
        return _advance(flow, fresh, flow.data["start"], [_said(flow, "restarted", lang)],
                        "restarted")
    if _is_command(flow, "help", lang, said):
        question = current_question(flow, state)
        tail = (question,) if question else (_said(flow, "finished", lang),)
        return Step(state, (_said(flow, "help", lang), *tail), None, "help")

    if state["done"]:
        if detection.possible:
            concept = detection.possible[0]["concept"]
            state = {**state, "check": concept}
            return Step(state, (confirm_question(flow, concept, lang),), None, "confirm_emergency")
        if state["check"] is None:  # advice given: BACK cannot undo it, RESTART can
            return Step(state, (_said(flow, "finished", lang),), None, "finished")

    if _is_command(flow, "back", lang, said):
        return _back(flow, state)

    if state["check"]:
        picked = answers.parse_yes_no(text)
        if picked == (0,):
            check = flow.checks_by_concept[state["check"]]
            return _emergency(flow, {**state, "check": None}, [check])
        if picked == (1,):
            state = {**state, "check": None, "misses": 0}
            question = current_question(flow, state)
            return Step(state, (question,) if question else (_said(flow, "finished", lang),),
                        None, "answered")
        return _not_understood(flow, state)

    if detection.possible:
        concept = detection.possible[0]["concept"]
        state = {**state, "check": concept, "misses": 0}
        return Step(state, (confirm_question(flow, concept, lang),), None, "confirm_emergency")

    picked = answers.parse(flow.nodes[state["node"]], lang, text, flow.data.get("answer_words"))
    if picked is None:
        return _not_understood(flow, state)
    return _record(flow, state, picked)
