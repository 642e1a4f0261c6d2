"""The conversation engine: pure functions of (flow, state, input).

No I/O here: no Flask, no boto3, no Twilio. `start` and `step` return a Step
holding the new state (a small JSON-friendly dict), the replies to give (as
data, rendered by each channel) and the outcome if one was reached.

Order of precedence for every input: emergencies and red flags found in the
text (in any language of the flow), then a request for another language, then
commands (RESTART, HELP, BACK), then a pending confirmation, then the findings
said in words and the answer to the current question. A conversation follows the
patient's language: a message plainly in another language of the flow moves it
there, its answers kept.

Findings said in words count as if picked: they are kept (as their concept
codes) whenever they are said, a question they already answer is skipped or
asked with a note of what was said, and the conversation ends in the highest
disposition of everything reported. Unsure words get one yes/no question.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from handler.core import answers
from handler.core.disposition import RANK, Disposition
from handler.core.emergency_scan import Detection, EmergencyCheck
from handler.core.events import Event
from handler.core.flow import Flow
from handler.core.nodes import MessageNode, OutcomeNode, QuestionKind, QuestionNode, RouteNode
from handler.core.position import Position
from handler.core.reader import Reading
from handler.core.state import State

MAX_MISSES = 2          # answers not understood in a row before the safe advice
MAX_QUEUED = 3          # further possible emergencies of one message, asked in turn
MAX_HOPS = 100          # guard against a loop the validator should have caught
SAFETY_NET_DISPOSITIONS = (Disposition.URGENT, Disposition.ROUTINE, Disposition.SELF_CARE)


@dataclass(frozen=True)
class Message:
    """Something the line says (a flow text, or a part of the advice)."""
    text: str
    disposition: Disposition | None = None   # set on the parts of an outcome's advice
    key: str | None = None           # the flow text it came from, so a channel can say it its own way


@dataclass(frozen=True)
class Question:
    """A question as asked: a flow question or an emergency confirmation."""
    node: str                        # str(Position) of what is asked: a node, or confirm:<concept>
    kind: QuestionKind
    prompt: str
    choices: tuple[str, ...]         # labels; ("Yes", "No") are implied for yes_no
    concepts: tuple[str | None, ...]  # what each choice reveals, for scripted patients
    confirming: bool = False         # an emergency confirmation, not a flow question

    @property
    def position(self) -> Position:
        """Where this question stands in a conversation (the parsed `node`)."""
        return Position.parse(self.node)


@dataclass(frozen=True)
class Outcome:
    """The advice reached: its node, its disposition, every concept reported."""
    node: str
    disposition: Disposition | None
    findings: tuple[str, ...]


Reply = Message | Question


@dataclass(frozen=True)
class Step:
    """What the engine makes of one input: the new state, the replies, the outcome if reached."""
    state: State
    replies: tuple[Reply, ...]
    outcome: Outcome | None = None
    event: Event = Event.ANSWERED


def findings(flow: Flow, state: State) -> list[str]:
    """Every concept reported so far, in the order reported. The state keeps only
    which choices were picked ([node, [positions]]) or, for an emergency found in
    free text, [concept]; the concepts themselves come from the flow."""
    seen: dict[str, None] = {}      # a dict: each code once, where it was first reported
    for entry in state["answers"]:
        if len(entry) == 1:
            seen[entry[0]] = None
        else:
            seen.update(dict.fromkeys(_question(flow, entry[0]).reported(entry[1])))
    return list(seen)


def _question(flow: Flow, node_id: str) -> QuestionNode:
    node = flow.nodes[node_id]
    if not isinstance(node, QuestionNode):
        raise TypeError(f"node {node_id} of flow {flow.id} is not a question")
    return node


def _outcome(flow: Flow, node_id: str) -> OutcomeNode:
    node = flow.nodes[node_id]
    if not isinstance(node, OutcomeNode):
        raise TypeError(f"node {node_id} of flow {flow.id} is not an outcome")
    return node


def _said(flow: Flow, key: str, lang: str) -> Message:
    return Message(flow.text(key, lang), key=key)


def _new_state(flow: Flow, lang: str) -> State:
    if lang not in flow.languages:
        lang = flow.languages[0]
    return {"flow": flow.id, "version": flow.version, "lang": lang, "node": flow.start,
            "answers": [], "misses": 0, "check": None, "done": None}


def is_current(flow: Flow, state: State) -> bool:
    """A state can only be read with the flow version it was made with."""
    return state.get("flow") == flow.id and state.get("version") == flow.version


def question_at(flow: Flow, node_id: str, lang: str) -> Question:
    """A flow question as the patient is asked it."""
    node = _question(flow, node_id)
    return Question(node_id, node.kind, node.text[lang], node.labels(lang), node.concepts())


def confirm_question(flow: Flow, concept: str, lang: str) -> Question:
    """The yes/no question that confirms a finding said unsure (an emergency, a red flag
    or any other finding the flow asks about)."""
    check = flow.checks_by_concept.get(concept)
    text = check.confirm if check is not None else flow.confirm_text(concept)
    return Question(str(Position(confirm=concept)), QuestionKind.YES_NO, text[lang],
                    ("Yes", "No"), (concept, None), confirming=True)


def _confirmable(flow: Flow, concept: str) -> bool:
    return concept in flow.checks_by_concept or concept in flow.dispositions


def question_for(flow: Flow, position: Position, lang: str) -> Question | None:
    """The question asked at a position (None: the advice, or nothing this flow asks)."""
    if position.confirm is not None:
        known = _confirmable(flow, position.confirm)
        return confirm_question(flow, position.confirm, lang) if known else None
    if position.question is None or flow.question(position.question) is None:
        return None
    return question_at(flow, position.question, lang)


def current_question(flow: Flow, state: State) -> Question | None:
    """What the patient is being asked now (None once advice is given)."""
    if state["check"]:
        return confirm_question(flow, state["check"], state["lang"])
    if state["done"]:
        return None
    return question_at(flow, state["node"], state["lang"])


def position(state: State) -> Position:
    """Where the conversation stands: the question being asked, or the advice. A channel
    tags each answer with it, so a late or repeated answer cannot land on another question."""
    if state["check"]:
        return Position(confirm=state["check"])
    return Position.advice() if state["done"] else Position(question=state["node"])


def current_replies(flow: Flow, state: State) -> tuple[Reply, ...]:
    """What the patient would need to hear again: the question, or the advice given."""
    question = current_question(flow, state)
    if question is not None:
        return (question,)
    done = state["done"]
    assert done is not None   # no question: the advice was given
    return tuple(_advice(flow, done, findings(flow, state), state["lang"]))


def _advice(flow: Flow, node_id: str, reported: Iterable[str], lang: str) -> list[Message]:
    node = _outcome(flow, node_id)
    disposition = node.disposition
    reported = set(reported)
    messages = []
    for part in node.parts:
        if not part.applies(reported):
            continue
        text = part.text[lang] if part.text is not None else flow.text(part.include or "", lang)
        messages.append(Message(text, disposition))
    if disposition in SAFETY_NET_DISPOSITIONS:
        messages.append(Message(flow.text("safety_net", lang), disposition))
    return messages


def _finish(flow: Flow, state: State, node_id: str, replies: list[Reply], event: Event,
            reported: list[str] | None = None) -> Step:
    """The advice of an outcome node. `reported`: the state's findings, if the caller has
    them already (finishing changes where the conversation stands, not its answers)."""
    state = {**state, "done": node_id, "check": None, "misses": 0}
    reported = findings(flow, state) if reported is None else reported
    replies.extend(_advice(flow, node_id, reported, state["lang"]))
    outcome = Outcome(node_id, _outcome(flow, node_id).disposition, tuple(reported))
    return Step(state, tuple(replies), outcome, event)


def _advance(flow: Flow, state: State, node_id: str, replies: list[Reply], event: Event) -> Step:
    """Walk from node_id through messages and routes to the next question or outcome."""
    reported = findings(flow, state)     # the answers do not change on the way
    for _ in range(MAX_HOPS):
        node = flow.nodes[node_id]
        if isinstance(node, QuestionNode):
            skip_to = _answered_in_words(node, reported)
            if skip_to is not None:
                node_id = skip_to
                continue
            state = {**state, "node": node_id, "misses": 0, "check": None}
            replies.extend(_already_said(flow, node, reported, state["lang"]))
            replies.append(question_at(flow, node_id, state["lang"]))
            return Step(state, tuple(replies), None, event)
        if isinstance(node, OutcomeNode):
            return _finish(flow, state, node_id, replies, event, reported)
        if isinstance(node, MessageNode):
            replies.append(Message(node.text[state["lang"]]))
            node_id = node.next
        elif isinstance(node, RouteNode):
            node_id = node.next_for(flow.disposition_of(reported))
    raise RuntimeError(f"flow {flow.id} loops without reaching a question or outcome")


def _answered_in_words(node: QuestionNode, reported: Sequence[str]) -> str | None:
    """Where a question leads when what was said in words already answers it, or None
    when it still needs asking: a yes/no question whose finding was said, a choice of
    one that was said, or a list in which something said leads on at once."""
    concepts = node.concepts()
    said = [i for i, concept in enumerate(concepts) if concept is not None and concept in reported]
    if not said:
        return None
    if node.kind == QuestionKind.ALL_THAT_APPLY:
        leading = [i for i in said if node.choices[i].next is not None]
        if leading or len(said) == len(node.choices):
            return node.next_after(tuple(leading or said))
        return None
    return node.next_after((said[0],))


def _already_said(flow: Flow, node: QuestionNode, reported: Sequence[str], lang: str) -> list[Reply]:
    """A note before a list question of what the patient already said of it, so it is
    not asked for blind."""
    labels = [choice.text[lang] for choice in node.choices if choice.concept in reported]
    if not labels or "already_said" not in flow.texts:
        return []
    return [Message(flow.text("already_said", lang).format(finding="; ".join(labels)), key="already_said")]


def _confirm_first(flow: Flow, state: State, detection: Detection, before: list[Reply]) -> Step:
    """One yes/no question for the first emergency or red flag a message may mean; the
    others it may mean are asked in turn if the answer is no."""
    first, *others = [check.concept for check in detection.possible]
    state = {**state, "check": first, "misses": 0, "queue": others[:MAX_QUEUED]}
    return Step(state, (*before, confirm_question(flow, first, state["lang"])), None, Event.CONFIRM_EMERGENCY)


def _said_in_words(flow: Flow, state: State, reading: Reading, known: Sequence[str]) -> State:
    """The state with every finding said plainly in words kept, once each (`known`: the
    state's findings before, worked out once by the caller)."""
    new = [code for code in reading.clear
           if code in flow.dispositions and code not in known and code not in flow.checks_by_concept]
    if not new:
        return state
    return {**state, "answers": [*state["answers"], *([code] for code in new)]}


def _first_unsure(flow: Flow, state: State, reading: Reading) -> str | None:
    """A finding said unsure and not known yet: one yes/no question confirms it."""
    known = findings(flow, state)

    def answered_otherwise(code: str) -> bool:   # a choice of one, when another of it was said
        node = flow.question(flow.asking_node(code) or "")
        return node is not None and node.kind == QuestionKind.ONE_OF and any(c in known for c in node.concepts())

    return next((code for code in reading.possible
                 if code not in known and code not in flow.checks_by_concept and _confirmable(flow, code)
                 and not answered_otherwise(code)), None)


def _advice_route(flow: Flow) -> str | None:
    """The node that picks the advice by disposition (None: the flow has no such node)."""
    return next((node_id for node_id, node in flow.nodes.items() if isinstance(node, RouteNode)), None)


def _raises(flow: Flow, state: State, before: Sequence[str]) -> bool:
    """True when what is reported now reaches a higher disposition than `before` did."""
    now, then = flow.disposition_of(findings(flow, state)), flow.disposition_of(before)
    return now is not None and (then is None or RANK[now] > RANK[then])


def _more_after_advice(flow: Flow, state: State, before: Sequence[str]) -> Step:
    """After the advice, a finding said in words that raises the disposition gets the new
    advice; one that does not is kept and the patient is told they have their advice."""
    lang = state["lang"]
    route = _advice_route(flow)
    if route is not None and _raises(flow, state, before):
        return _advance(flow, state, route, [], Event.ANSWERED)
    return Step(state, (_said(flow, "finished", lang),), None, Event.FINISHED)


def emergency_advice(flow: Flow, lang: str, checks: Sequence[EmergencyCheck]) -> tuple[Reply, ...]:
    """The short emergency advice for these checks on its own, with no conversation."""
    return _emergency(flow, _new_state(flow, lang), checks).replies


def _emergency(flow: Flow, state: State, checks: Sequence[EmergencyCheck]) -> Step:
    """Clear emergencies: their short advice is the whole reply, nothing before it."""
    state = {**state, "answers": [*state["answers"], *([check.concept] for check in checks)]}
    outcome_nodes = list(dict.fromkeys(check.outcome for check in checks))
    first = _finish(flow, state, outcome_nodes[0], [], Event.EMERGENCY)
    assert first.outcome is not None
    replies = list(first.replies)
    for node_id in outcome_nodes[1:]:  # e.g. chest pain and self-harm in one message
        replies.extend(_advice(flow, node_id, first.outcome.findings, state["lang"]))
    return Step(first.state, tuple(replies), first.outcome, Event.EMERGENCY)


def scan(flow: Flow, lang: str, text: str) -> tuple[str, Detection]:
    """The emergencies and red flags a message sets off, and the language to answer in. A
    clear one said in another language of the flow acts too ("no puedo respirar" in an
    English conversation), unless the conversation's own language already reads that
    finding as denied or unsure: "I'm not suicidal" is an English denial, whatever the
    Spanish reader makes of "suicidal"."""
    detection = flow.scanner(lang).scan(text)
    if detection.clear:
        return lang, detection
    for other in flow.languages:
        if other != lang:
            found = flow.scanner(other).scan(text)
            clear = tuple(check for check in found.clear if not detection.settles(check.concept))
            if clear:
                return other, Detection(clear, found.possible, found.denied)
    return lang, detection


def alarms(flow: Flow, text: str) -> bool:
    """Anything the text sets off, clear or unsure, in any language of the flow: such words
    go to the engine rather than being taken for a spoken command or a list answer."""
    return any(flow.scanner(lang).scan(text) for lang in flow.languages)


def _scan(flow: Flow, state: State, text: str) -> tuple[State, Detection]:
    lang, detection = scan(flow, state["lang"], text)
    return (state if lang == state["lang"] else {**state, "lang": lang}), detection


def start(flow: Flow, lang: str = "en", text: str | None = None) -> Step:
    """A new conversation. `text` is the patient's first message, read for emergencies."""
    state = _new_state(flow, lang)
    if text:
        state, detection = _scan(flow, state, text)
        lang = state["lang"]
        if detection.clear:
            return _emergency(flow, state, detection.clear)
        reading = flow.reader(lang).read(text)
        state = _said_in_words(flow, state, reading, findings(flow, state))
        if detection.possible:
            return _confirm_first(flow, state, detection, [_said(flow, "opening", lang)])
        unsure = _first_unsure(flow, state, reading)
        if unsure is not None:
            state = {**state, "check": unsure}
            return Step(state, (_said(flow, "opening", lang), confirm_question(flow, unsure, lang)),
                        None, Event.CONFIRM_FINDING)
    return _advance(flow, state, flow.start, [_said(flow, "opening", state["lang"])], Event.STARTED)


def switch_language(flow: Flow, state: State, lang: str) -> Step:
    """The patient asked for another language: the same conversation, its answers kept,
    goes on in it, and what they were asked is asked again in it."""
    state = {**state, "lang": lang}
    replies: list[Reply] = [_said(flow, "language_switched", lang)] if "language_switched" in flow.texts else []
    question = current_question(flow, state)
    replies.append(question if question is not None else _said(flow, "finished", lang))
    return Step(state, tuple(replies), None, Event.LANGUAGE)


def _is_command(flow: Flow, name: str, lang: str, said: str) -> bool:
    return said in map(answers.normalized_word, flow.commands.words(name, lang))


def _command_language(flow: Flow, name: str, lang: str, said: str) -> str | None:
    """The language whose word for this command the message is: the conversation's own
    first, then another of the flow's (AYUDA in an English conversation is help, in Spanish)."""
    return next((other for other in (lang, *flow.languages) if _is_command(flow, name, other, said)), None)


def _asking(flow: Flow, state: State) -> Question:
    """The question still open (BACK, HELP and a miss only come before the advice)."""
    question = current_question(flow, state)
    assert question is not None
    return question


def _not_understood(flow: Flow, state: State) -> Step:
    misses = state["misses"] + 1
    check = state["check"]
    if misses >= MAX_MISSES and check:
        # No clear answer to "are you having chest pain now?": treat it as yes.
        return _confirmed(flow, state, check)
    if misses >= MAX_MISSES:
        return _finish(flow, {**state, "misses": misses}, flow.fallback, [], Event.FALLBACK)
    state = {**state, "misses": misses}
    return Step(state, (_said(flow, "not_understood", state["lang"]),
                        _asking(flow, state)), None, Event.NOT_UNDERSTOOD)


def _confirmed(flow: Flow, state: State, concept: str) -> Step:
    """A yes (or no clear answer) to a confirming question: an emergency or red flag gets
    its advice; another finding is kept and the conversation goes on where it was."""
    state = {**state, "check": None, "misses": 0}
    check = flow.checks_by_concept.get(concept)
    if check is not None:
        return _emergency(flow, state, [check])
    before = findings(flow, state)
    state = {**state, "answers": [*state["answers"], [concept]]}
    if state["done"]:
        return _more_after_advice(flow, state, before)
    return _advance(flow, state, state["node"], [], Event.ANSWERED)


def _record(flow: Flow, state: State, picked: tuple[int, ...]) -> Step:
    node_id = state["node"]
    next_id = _question(flow, node_id).next_after(picked)
    state = {**state, "answers": [*state["answers"], [node_id, list(picked)]]}
    return _advance(flow, state, next_id, [], Event.ANSWERED)


def _back(flow: Flow, state: State) -> Step:
    lang = state["lang"]
    if state["check"]:
        state = {**state, "check": None, "misses": 0}
        question = current_question(flow, state)  # None when the advice was already given
        return Step(state, (question,) if question else (_said(flow, "finished", lang),),
                    None, Event.BACK)
    if not state["answers"]:
        return Step(state, (_said(flow, "back_unavailable", lang),
                            _asking(flow, state)), None, Event.BACK)
    answered = [i for i, entry in enumerate(state["answers"]) if len(entry) == 2]
    if not answered:
        return Step(state, (_said(flow, "back_unavailable", lang), _asking(flow, state)), None, Event.BACK)
    last = answered[-1]    # a finding said in words is kept: only a picked answer is taken back
    previous_node = state["answers"][last][0]
    answers_left = [entry for i, entry in enumerate(state["answers"]) if i != last]
    state = {**state, "answers": answers_left, "node": previous_node, "misses": 0}
    return Step(state, (_asking(flow, state),), None, Event.BACK)


def step(flow: Flow, state: State, text: str) -> Step:
    """Take one message (or spoken answer) from the patient."""
    said = answers.normalize(text)

    state, detection = _scan(flow, state, text)
    if detection.clear:
        return _emergency(flow, state, detection.clear)
    asked = flow.language_asked_for(text)
    if asked is not None:
        return switch_language(flow, state, asked)
    moved = flow.language_after(text, state["lang"])
    if moved != state["lang"]:
        state = {**state, "lang": moved}
        detection = flow.scanner(moved).scan(text)
    lang = state["lang"]

    restart_in = _command_language(flow, "restart", lang, said)
    if restart_in is not None:
        fresh = _new_state(flow, restart_in)
        return _advance(flow, fresh, flow.start, [_said(flow, "restarted", restart_in)], Event.RESTARTED)
    help_in = _command_language(flow, "help", lang, said)
    if help_in is not None:
        state = {**state, "lang": help_in}
        lang = help_in
        question = current_question(flow, state)
        tail = (question,) if question else (_said(flow, "finished", lang),)
        return Step(state, (_said(flow, "help", lang), *tail), None, Event.HELP)

    reading = flow.reader(lang).read(text)
    before = findings(flow, state)
    state = _said_in_words(flow, state, reading, before)      # kept whatever else the message does
    if state["done"]:
        if detection.possible:
            return _confirm_first(flow, state, detection, [])
        if state["check"] is None:  # advice given: BACK cannot undo it, RESTART can
            unsure = _first_unsure(flow, state, reading)
            if unsure is not None and not _raises(flow, state, before):
                state = {**state, "check": unsure}
                return Step(state, (confirm_question(flow, unsure, lang),), None, Event.CONFIRM_FINDING)
            return _more_after_advice(flow, state, before)

    if _is_command(flow, "back", lang, said):
        return _back(flow, state)

    check = state["check"]
    if check:
        picked = answers.yes_or_no(text, lang, flow.answer_words)
        if picked == (0,):
            return _confirmed(flow, state, check)
        if picked == (1,):
            queued = state.get("queue", [])
            if queued:   # another emergency or red flag the same message may have meant
                state = {**state, "check": queued[0], "queue": queued[1:], "misses": 0}
                return Step(state, (confirm_question(flow, queued[0], lang),), None, Event.CONFIRM_EMERGENCY)
            state = {**state, "check": None, "misses": 0}
            question = current_question(flow, state)
            return Step(state, (question,) if question else (_said(flow, "finished", lang),),
                        None, Event.ANSWERED)
        return _not_understood(flow, state)

    if detection.possible:
        return _confirm_first(flow, state, detection, [])
    return _answer(flow, state, text, reading, before)


def _answer(flow: Flow, state: State, text: str, reading: Reading, before: Sequence[str]) -> Step:
    """An answer to the current question: by number or word, or in the patient's own words
    (the findings said in words are already kept; what they say of this question answers it)."""
    lang = state["lang"]
    node = _question(flow, state["node"])
    picked = answers.parse(node, lang, text, flow.answer_words)
    if picked is None:
        picked = _picked_in_words(node, reading)
    if picked is not None:
        return _record(flow, state, picked)
    unsure = _first_unsure(flow, state, reading)
    if unsure is not None:
        state = {**state, "check": unsure, "misses": 0}
        return Step(state, (confirm_question(flow, unsure, lang),), None, Event.CONFIRM_FINDING)
    if findings(flow, state) != before:   # understood, but not as an answer to this question
        return Step({**state, "misses": 0}, (*_already_said(flow, node, findings(flow, state), lang),
                                             question_at(flow, node.id, lang)), None, Event.ANSWERED)
    return _not_understood(flow, state)


def _picked_in_words(node: QuestionNode, reading: Reading) -> tuple[int, ...] | None:
    """The choices the patient's own words pick: the findings of this question said plainly.
    A yes/no question is answered no by a denial of its finding; a list never is (a denial
    of one choice does not answer the others)."""
    concepts = node.concepts()
    said = tuple(i for i, concept in enumerate(concepts) if concept is not None and concept in reading.clear)
    if said:
        return said if node.kind == QuestionKind.ALL_THAT_APPLY else said[:1]
    if node.kind == QuestionKind.YES_NO and node.concept in reading.denied:
        return (1,)
    return None
