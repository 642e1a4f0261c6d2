"""The structural rules a flow must pass, one function each. Every rule takes the
parsed Flow (whose `dispositions` are the known concept codes) and yields Issues.
The reference rules come first: the others follow references, so they only run
on a flow that passes those."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from handler.checks.issues import Issue
from handler.core.disposition import Disposition
from handler.core.flow import Flow
from handler.core.nodes import MessageNode, OutcomeNode, QuestionKind, QuestionNode
from handler.core.texts import Texts

Rule = Callable[[Flow], Iterator[Issue]]

FIRST_SENTENCE = re.compile(r"^.*?[.!?](\s|$)", re.DOTALL)
EMERGENCY = Disposition.EMERGENCY


def flow_texts(flow: Flow) -> Iterator[tuple[str, str | None, Texts]]:
    """(where, node, {lang: text}) for every patient-facing text in the flow."""
    yield "title", None, flow.title
    for key, text in flow.texts.items():
        yield f"texts/{key}", None, text
    for kind, text in flow.sms_hints.items():
        yield f"sms/hints/{kind}", None, text
    for key, text in flow.voice.texts.items():
        yield f"voice/texts/{key}", None, text
    for check in flow.emergency_checks:
        yield f"emergency check {check.concept}", None, check.confirm
    for node_id, node in flow.nodes.items():
        if isinstance(node, (QuestionNode, MessageNode)):
            yield f"node {node_id}", node_id, node.text
        if isinstance(node, QuestionNode):
            for n, choice in enumerate(node.choices, 1):
                yield f"node {node_id} choice {n}", node_id, choice.text
                if choice.confirm is not None:
                    yield f"node {node_id} choice {n} confirm", node_id, choice.confirm
        if isinstance(node, OutcomeNode):
            for n, part in enumerate(node.parts, 1):
                if part.text is not None:
                    yield f"node {node_id} part {n}", node_id, part.text


def _concept_uses(flow: Flow) -> Iterator[tuple[str, str | None, str]]:
    for check in flow.emergency_checks:
        yield f"emergency check {check.concept}", None, check.concept
    for node_id, node in flow.nodes.items():
        if isinstance(node, QuestionNode):
            if node.concept is not None:
                yield f"node {node_id}", node_id, node.concept
            for n, choice in enumerate(node.choices, 1):
                if choice.concept is not None:
                    yield f"node {node_id} choice {n}", node_id, choice.concept
        if isinstance(node, OutcomeNode):
            for n, part in enumerate(node.parts, 1):
                for code in part.when or ():
                    yield f"node {node_id} part {n}", node_id, code


def _is_emergency_outcome(flow: Flow, node_id: str | None) -> bool:
    outcome = flow.outcome(node_id or "")
    return outcome is not None and outcome.disposition == EMERGENCY


def _roots(flow: Flow) -> list[str]:
    """Where a conversation can begin: the start, the fallback, the emergency checks' outcomes."""
    return [flow.start, flow.fallback, *(check.outcome for check in flow.emergency_checks)]


def _reachable(flow: Flow) -> set[str]:
    seen: set[str] = set()
    stack = _roots(flow)
    while stack:
        node_id = stack.pop()
        if node_id not in seen:
            seen.add(node_id)
            stack.extend(target for _label, target in flow.nodes[node_id].edges())
    return seen


# --- references ---------------------------------------------------------------------------------

def texts_in_every_language(flow: Flow) -> Iterator[Issue]:
    """Every patient-facing text is given in every language of the flow."""
    for where, node, text in flow_texts(flow):
        for lang in flow.languages:
            if lang not in text:
                yield Issue("missing-language-text", where, f"no text in language '{lang}'", node, lang)


def start_and_fallback_are_nodes(flow: Flow) -> Iterator[Issue]:
    for name, target in (("start", flow.start), ("fallback", flow.fallback)):
        if target not in flow.nodes:
            yield Issue("dangling-reference", name, f"'{target}' is not a node")


def edges_lead_to_nodes(flow: Flow) -> Iterator[Issue]:
    """Every yes, no, choice, next and route target names a node."""
    for node_id, node in flow.nodes.items():
        for label, target in node.edges():
            if target not in flow.nodes:
                yield Issue("dangling-next", f"node {node_id}", f"{label} goes to '{target}', which is not a node",
                            node_id)


def includes_are_texts(flow: Flow) -> Iterator[Issue]:
    """A part of advice that includes a text by name names one of the flow's texts."""
    for node_id, node in flow.nodes.items():
        if isinstance(node, OutcomeNode):
            for n, part in enumerate(node.parts, 1):
                if part.include is not None and part.include not in flow.texts:
                    yield Issue("include-missing-text", f"node {node_id} part {n}",
                                f"includes '{part.include}', which is not in texts", node_id)


def check_outcomes_are_nodes(flow: Flow) -> Iterator[Issue]:
    for check in flow.emergency_checks:
        if check.outcome not in flow.nodes:
            yield Issue("dangling-reference", f"emergency check {check.concept}",
                        f"outcome '{check.outcome}' is not a node")


def concepts_are_known(flow: Flow) -> Iterator[Issue]:
    for where, node, code in _concept_uses(flow):
        if code not in flow.dispositions:
            yield Issue("unknown-concept", where, f"unknown concept code '{code}'", node)


REFERENCE_RULES: tuple[Rule, ...] = (texts_in_every_language, start_and_fallback_are_nodes, edges_lead_to_nodes,
                                     includes_are_texts, check_outcomes_are_nodes, concepts_are_known)


# --- the shape of the flow ------------------------------------------------------------------------

def every_node_reachable(flow: Flow) -> Iterator[Issue]:
    """From the start, the fallback or an emergency check, some walk reaches every node."""
    seen = _reachable(flow)
    for node_id in flow.nodes:
        if node_id not in seen:
            yield Issue("unreachable-node", f"node {node_id}", "cannot be reached", node_id)


def no_loop_without_exit(flow: Flow) -> Iterator[Issue]:
    """Every walk along the edges must reach an outcome: no edge back into the walk."""
    state: dict[str, str] = {}
    issues: list[Issue] = []

    def visit(node_id: str, trail: list[str]) -> None:
        state[node_id] = "open"
        for _label, target in flow.nodes[node_id].edges():
            if state.get(target) == "open":
                loop = trail[trail.index(target):] + [target] if target in trail else [node_id, target]
                issues.append(Issue("loop-without-exit", f"node {node_id}",
                                    "loop without an exit: " + " > ".join(loop), node_id))
            elif target not in state:
                visit(target, trail + [target])
        state[node_id] = "done"

    for root in _roots(flow):
        if root not in state:
            visit(root, [root])
    yield from issues


def no_dead_end(flow: Flow) -> Iterator[Issue]:
    """A node that is not advice leads somewhere."""
    seen = _reachable(flow)
    for node_id, node in flow.nodes.items():
        if node_id in seen and not isinstance(node, OutcomeNode) and not any(True for _ in node.edges()):
            yield Issue("dead-end", f"node {node_id}", "dead end: leads nowhere and gives no advice", node_id)


def red_flags_go_to_emergency(flow: Flow) -> Iterator[Issue]:
    """A red flag (a finding whose disposition is emergency) leads straight to emergency advice."""
    for node_id, node in flow.nodes.items():
        if not isinstance(node, QuestionNode):
            continue
        if node.kind == QuestionKind.YES_NO and node.concept is not None \
                and flow.dispositions.get(node.concept) == EMERGENCY and not _is_emergency_outcome(flow, node.yes):
            yield Issue("red-flag-not-to-emergency", f"node {node_id}",
                        f"red flag {node.concept}: yes goes to '{node.yes}', not straight to an emergency outcome",
                        node_id)
        for n, choice in enumerate(node.choices, 1):
            if choice.concept is not None and flow.dispositions.get(choice.concept) == EMERGENCY:
                target = choice.next if choice.next is not None else node.next
                if not _is_emergency_outcome(flow, target):
                    yield Issue("red-flag-not-to-emergency", f"node {node_id} choice {n}",
                                f"red flag {choice.concept} goes to '{target}', not straight to an emergency outcome",
                                node_id)


def emergency_checks_are_emergencies(flow: Flow) -> Iterator[Issue]:
    """What an emergency check looks for is a concept whose disposition is emergency."""
    for check in flow.emergency_checks:
        if flow.dispositions.get(check.concept) != EMERGENCY:
            yield Issue("emergency-check-not-emergency-concept", f"emergency check {check.concept}",
                        "is not an emergency concept")


def emergency_checks_lead_to_emergency_advice(flow: Flow) -> Iterator[Issue]:
    for check in flow.emergency_checks:
        if not _is_emergency_outcome(flow, check.outcome):
            yield Issue("emergency-check-outcome-not-emergency", f"emergency check {check.concept}",
                        f"outcome '{check.outcome}' is not emergency advice")


# --- advice content -------------------------------------------------------------------------------

def fallback_is_urgent(flow: Flow) -> Iterator[Issue]:
    """Answers not understood never end in self-care by default."""
    fallback = flow.outcome(flow.fallback)
    disposition = fallback.disposition if fallback is not None else "-"
    if disposition not in (Disposition.URGENT, EMERGENCY):
        yield Issue("fallback-not-urgent", "fallback", f"'{flow.fallback}' must be urgent or emergency advice, "
                    f"not {disposition} (never self-care by default)")


def safety_net_says_911(flow: Flow) -> Iterator[Issue]:
    for lang in flow.languages:
        if "911" not in flow.texts["safety_net"].get(lang, ""):
            yield Issue("safety-net-without-911", "texts/safety_net", f"[{lang}] does not say to call 911",
                        language=lang)


def openings_and_help_say_911(flow: Flow) -> Iterator[Issue]:
    """The opening, HELP and the phone's own safety texts say to call 911."""
    for lang in flow.languages:
        for key in ("opening", "help"):
            if "911" not in flow.texts[key].get(lang, ""):
                yield Issue("text-without-911", f"texts/{key}", f"[{lang}] does not say to call 911", language=lang)
        for key in ("opening", "help", "emergency_lead", "no_nurse_line", "nurse_unreachable"):
            if "911" not in flow.voice.texts[key].get(lang, ""):
                yield Issue("text-without-911", f"voice/texts/{key}", f"[{lang}] does not say to call 911",
                            language=lang)


def keywords_are_not_answers(flow: Flow) -> Iterator[Issue]:
    """In each language, no keyword or command (STOP, PARAR, AYUDA, REINICIAR...) is also
    an answer a question takes as a whole message (sí, no, ninguno, a choice's words):
    the patient would be opted out, or helped, instead of answered."""
    from handler.core import keywords
    from handler.core.reader import unaccented
    from handler.core.texts import in_language

    for lang in flow.languages:
        said = {unaccented(word): "keyword" for word in (*keywords.OPT_OUT.get(lang, ()),
                                                         *keywords.OPT_IN_WORDS.get(lang, ()),
                                                         *keywords.HELP_WORDS.get(lang, ()),
                                                         *(w.lower() for w in keywords.TWILIO_OPT_OUT))}
        said.update({unaccented(word): f"command {name}" for name in ("restart", "back", "help")
                     for word in flow.commands.words(name, lang)})
        words = flow.answer_words
        answers = [(f"answer_words {kind}", word) for kind, listed in
                   (("yes", words.yes), ("no", words.no), ("none", words.none), ("unsure", words.unsure))
                   for word in in_language(listed, lang)]
        answers += [(f"node {node_id} choice {n}", word) for node_id, node in flow.nodes.items()
                    if isinstance(node, QuestionNode) for n, choice in enumerate(node.choices, 1)
                    for word in in_language(choice.words, lang)]
        for where, word in answers:
            if unaccented(word) in said:
                yield Issue("keyword-is-an-answer", where,
                            f"[{lang}] '{word}' is also a {said[unaccented(word)]}", language=lang)


def every_language_has_a_speech_locale(flow: Flow) -> Iterator[Issue]:
    for lang in flow.languages:
        if lang not in flow.voice.locale:
            yield Issue("no-speech-locale", "voice/locale", f"no speech locale for language '{lang}'", language=lang)


def emergency_advice_opens_with_911(flow: Flow) -> Iterator[Issue]:
    """Emergency advice opens with its own text, given always, whose first sentence says 911."""
    for node_id, node in flow.nodes.items():
        if not isinstance(node, OutcomeNode) or node.disposition != EMERGENCY:
            continue
        first = node.parts[0]
        if first.when is not None or first.text is None:
            yield Issue("emergency-advice-conditional-first-part", f"node {node_id}",
                        "emergency advice must open with its own text, given always", node_id)
            continue
        for lang in flow.languages:
            text = first.text.get(lang, "")
            opening = FIRST_SENTENCE.match(text)
            sentence = opening.group(0) if opening else text
            if "911" not in sentence:
                yield Issue("emergency-911-not-first", f"node {node_id}",
                            f"[{lang}] emergency advice does not say 911 in its first sentence", node_id, lang)


def advice_without_disposition_says_911(flow: Flow) -> Iterator[Issue]:
    """Advice outside triage (out of scope) always says 911."""
    for node_id, node in flow.nodes.items():
        if not isinstance(node, OutcomeNode) or node.disposition is not None:
            continue
        always = [part.text for part in node.parts if part.when is None and part.text is not None]
        for lang in flow.languages:
            if not any("911" in text.get(lang, "") for text in always):
                yield Issue("no-disposition-without-911", f"node {node_id}",
                            f"[{lang}] advice without a disposition must say 911", node_id, lang)


SHAPE_RULES: tuple[Rule, ...] = (
    every_node_reachable, no_loop_without_exit, no_dead_end, red_flags_go_to_emergency,
    emergency_checks_are_emergencies, emergency_checks_lead_to_emergency_advice, fallback_is_urgent,
    safety_net_says_911, openings_and_help_say_911, every_language_has_a_speech_locale, keywords_are_not_answers,
    emergency_advice_opens_with_911, advice_without_disposition_says_911,
)


def check_structure(flow: Flow) -> list[Issue]:
    """Every structural rule; the shape rules only once the references hold."""
    issues = [issue for rule in REFERENCE_RULES for issue in rule(flow)]
    if issues:
        return issues
    return [issue for rule in SHAPE_RULES for issue in rule(flow)]
