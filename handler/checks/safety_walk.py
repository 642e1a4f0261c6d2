"""The exhaustive safety walk: drive the real engine through every combination
of answers (and through answers it cannot understand) and prove that no path
ends below the highest disposition of the findings reported on it, and that a
reported red flag ends the conversation at once with emergency advice."""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

from handler.channels.sms import rendering
from handler.checks.issues import Issue
from handler.core import engine
from handler.core.disposition import RANK, Disposition
from handler.core.flow import Flow
from handler.core.nodes import QuestionKind
from handler.core.state import State

GIBBERISH = "~?~"  # an answer no question understands


def answer_texts(question: engine.Question) -> list[str]:
    """Every distinct answer a patient can give, as they would type it."""
    if question.kind == QuestionKind.YES_NO:
        return ["yes", "no"]
    count = len(question.choices)
    if question.kind == QuestionKind.ONE_OF:
        return [str(n) for n in range(1, count + 1)]
    subsets = [c for size in range(1, count + 1) for c in combinations(range(1, count + 1), size)]
    return ["0", *(" ".join(map(str, subset)) for subset in subsets)]


@dataclass
class WalkResult:
    """What walking one language of a flow found."""
    paths: int = 0                       # complete answer paths, start to outcome
    longest_turns: int = 0               # patient messages on the longest path (first one included)
    longest_messages: int = 0            # SMS messages the line sends on the longest path
    outcomes: set[str] = field(default_factory=set)            # outcome nodes some answers reach
    messages: dict[str, str] = field(default_factory=dict)     # every SMS text sent -> where first seen
    issues: list[Issue] = field(default_factory=list)          # where: the answers that lead there

    @property
    def problems(self) -> list[str]:
        """The issues as lines: 'answers so far: what is wrong'."""
        return [issue.text for issue in self.issues]


StateKey = tuple[str, str | None, int, frozenset[str]]


def _state_key(state: State, reported: list[str]) -> StateKey:
    return (state["node"], state["check"], state["misses"], frozenset(reported))


def walk(flow: Flow, lang: str) -> WalkResult:
    """Every answer path of the flow in one language, with what is wrong on any of them."""
    result = WalkResult()
    memo: dict[StateKey, tuple[int, int, int]] = {}
    on_path: set[StateKey] = set()
    rendered: dict[tuple[engine.Reply, ...], list[str]] = {}   # the same few hundred replies, step after step

    def record(step: engine.Step, where: str) -> int:
        sent = rendered.get(step.replies)
        if sent is None:
            sent = rendered[step.replies] = rendering.render(flow, lang, step.replies)
        for text in sent:
            result.messages.setdefault(text, where)
        return len(sent)

    def check_outcome(before: list[str], step: engine.Step, trail: str) -> None:
        reported = engine.findings(flow, step.state)     # from the state, not the engine's outcome
        needed = flow.disposition_of(reported)
        new = [code for code in reported if code not in before]
        got = step.outcome.disposition if step.outcome else None
        if any(flow.dispositions.get(code) == Disposition.EMERGENCY for code in new) and got != Disposition.EMERGENCY:
            result.issues.append(Issue("walk-red-flag-not-emergency", trail,
                                       "a red flag was reported but the reply is not emergency advice"))
        if step.outcome is None:
            return
        if needed is not None and (got is None or RANK[got] < RANK[needed]):
            result.issues.append(Issue(
                "walk-undertriage", trail,
                f"ends in '{step.outcome.node}' ({got}) below {needed} for {', '.join(reported)}"))

    def explore(state: State, trail: str) -> tuple[int, int, int]:
        """Returns (paths, longest turns, longest line messages) from this state on."""
        reported = engine.findings(flow, state)
        key = _state_key(state, reported)
        if key in on_path:
            result.issues.append(Issue("walk-loop", trail,
                                       f"comes back to '{state['node']}' with the same answers (a loop)"))
            return (0, 0, 0)
        if key in memo:
            return memo[key]
        on_path.add(key)
        question = engine.current_question(flow, state)
        assert question is not None   # only states that still ask are explored
        paths, turns, messages = 0, 0, 0
        for text in [*answer_texts(question), GIBBERISH]:
            step = engine.step(flow, state, text)
            where = f"{trail} > {question.node}={text}"
            sent = record(step, where)
            check_outcome(reported, step, where)
            if step.outcome is not None:
                result.outcomes.add(step.outcome.node)
                sub = (1, 1, sent)
            elif text == GIBBERISH and step.state["misses"]:
                # the miss path is walked, but does not count as a path of answers
                explore(step.state, where)
                continue
            else:
                sub_paths, sub_turns, sub_messages = explore(step.state, where)
                sub = (sub_paths, sub_turns + 1, sub_messages + sent)
            if text != GIBBERISH:
                paths += sub[0]
            turns, messages = max(turns, sub[1]), max(messages, sub[2])
        on_path.discard(key)
        memo[key] = (paths, turns, messages)
        return memo[key]

    first = engine.start(flow, lang, "hi")
    opening_messages = record(first, "opening")
    if first.outcome is not None:  # advice before any question: the one path has no answers
        check_outcome([], first, f"[{lang}] > opening")
        result.outcomes.add(first.outcome.node)
        result.paths, result.longest_turns, result.longest_messages = 1, 1, opening_messages
        return result
    paths, turns, messages = explore(first.state, f"[{lang}]")
    result.paths = paths
    result.longest_turns = turns + 1
    result.longest_messages = messages + opening_messages
    return result
