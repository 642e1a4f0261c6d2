"""Proofs about a flow's vocabulary, the words the free-text reader knows:
every finding the flow asks about or scans for has words in every language;
phrases are written as the reader compares them; no phrase says two things of
different dispositions unless declared; every emergency and red-flag phrase,
alone and in the sentences patients wrap it in (shouted, with a typo, with
smart punctuation), is read as that finding, and denied when a cue leads it;
every declared denial is read as absent; and no common word is taken for a
typo of a phrase word (handler.checks.typo_collisions)."""
from __future__ import annotations

from collections.abc import Callable, Iterator

from handler.checks import typo_collisions
from handler.checks.issues import Issue
from handler.core.answers import normalize
from handler.core.disposition import Disposition
from handler.core.flow import Flow
from handler.core.nodes import QuestionNode
from handler.core.reader import GAP

MIN_ACTING_PHRASES = 10      # an emergency or red flag: at least this many clear phrases
MIN_FINDING_PHRASES = 6      # any other finding

# The sentences patients wrap a finding in, per language: {} is the phrase.
CARRIERS = {
    "en": ("i have {}", "{} since yesterday", "also {}!!", "\u201c{}\u201d", "{}\u2014help", "and now {} \U0001f62d",
           "\u200b{}\u200f", "ok so {}. what do i do"),
    "es": ("tengo {}", "{} desde ayer", "también {}!!", "\u201c{}\u201d", "{}\u2014ayuda", "y ahora {} \U0001f62d",
           "\u200b{}\u200f", "bueno {}. qué hago"),
}
GAP_FILLER = {"en": "really", "es": "muy"}


def spoken_form(phrase: str, lang: str) -> str:
    """A phrase as a patient would type it: each gap filled with one plain word."""
    return " ".join(GAP_FILLER.get(lang, "really") if word == GAP else word for word in phrase.split())


def with_one_typo(text: str, is_word: Callable[[str], bool] = lambda _word: False) -> str | None:
    """The text with two neighbouring letters of its longest word swapped (a typo the
    reader must forgive), or None when no word is long enough to carry one, or the swap
    makes another real word ("barely" and "barley")."""
    words = text.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    middle = len(word) // 2
    if len(word) < 6 or not word.isalpha() or word[middle] == word[middle + 1]:
        return None
    swapped = word[:middle] + word[middle + 1] + word[middle] + word[middle + 2:]
    if is_word(swapped):
        return None
    return " ".join([*words[:longest], swapped, *words[longest + 1:]])


def wrapped(phrase: str, lang: str, is_word: Callable[[str], bool] = lambda _word: False) -> Iterator[str]:
    """Every generated message that holds the phrase: alone, in carriers, shouted, with a typo."""
    plain = spoken_form(phrase, lang)
    for form in filter(None, (plain, with_one_typo(plain, is_word))):
        yield form
        yield form.upper()
        for carrier in CARRIERS.get(lang, CARRIERS["en"]):
            yield carrier.format(form)


def asked_concepts(flow: Flow) -> set[str]:
    """Every finding the flow asks about or scans for."""
    asked = {check.concept for check in flow.emergency_checks}
    for node in flow.nodes.values():
        if isinstance(node, QuestionNode):
            asked.update(code for code in node.concepts() if code is not None)
    return asked


def acts_at_once(flow: Flow, concept: str) -> bool:
    return concept in flow.checks_by_concept


def coverage(flow: Flow) -> Iterator[Issue]:
    """Every finding asked about has enough clear phrases in every language of the flow."""
    vocabulary = flow.vocabulary
    for lang in flow.languages:
        if lang not in vocabulary.negation or not vocabulary.negation[lang].cues:
            yield Issue("vocabulary-no-negation", "vocabulary", f"no denial cues for '{lang}'", language=lang)
    for concept in sorted(asked_concepts(flow)):
        needed = MIN_ACTING_PHRASES if acts_at_once(flow, concept) else MIN_FINDING_PHRASES
        for lang in flow.languages:
            clear = vocabulary.words(concept, lang).clear
            if len(clear) < needed:
                yield Issue("vocabulary-too-few-phrases", f"vocabulary {concept}",
                            f"[{lang}] {len(clear)} clear phrase(s); at least {needed} are needed", language=lang)
    for concept in sorted(vocabulary.concepts):
        if concept not in flow.dispositions:
            yield Issue("vocabulary-unknown-concept", f"vocabulary {concept}", "is not a concept code of concepts.json")


def phrase_forms(flow: Flow) -> Iterator[Issue]:
    """Phrases are written as the reader compares them: normalised, gaps only inside."""
    for concept, by_lang in sorted(flow.vocabulary.concepts.items()):
        for lang, words in by_lang.items():
            for phrase in (*words.clear, *words.possible, *words.denied):
                parts = phrase.split()
                plain = " ".join(w for w in parts if w != GAP)
                if not parts or GAP in (parts[0], parts[-1]) or normalize(plain) != plain:
                    yield Issue("vocabulary-phrase-form", f"vocabulary {concept}",
                                f"[{lang}] '{phrase}' is not normalised (lower case, no punctuation, `*` only inside)",
                                language=lang)


def overlaps(flow: Flow) -> Iterator[Issue]:
    """A clear phrase must not also be read as a concept of another disposition, unless declared."""
    for concept, by_lang in sorted(flow.vocabulary.concepts.items()):
        mine = flow.dispositions.get(concept)
        for lang, words in by_lang.items():
            if lang not in flow.languages:
                continue
            reader = flow.reader(lang)
            for phrase in words.clear:
                reading = reader.read(spoken_form(phrase, lang))
                others = sorted(c for c in (*reading.clear, *reading.possible)
                                if c != concept and c not in words.also_reports and flow.dispositions.get(c) != mine)
                if others:
                    yield Issue("vocabulary-phrase-reports-two", f"vocabulary {concept}",
                                f"[{lang}] '{phrase}' is also read as {', '.join(others)} (declare it in also_reports)",
                                language=lang)


def readings(flow: Flow) -> Iterator[Issue]:
    """Each emergency and red-flag phrase is read as clear in every wrapping and denied after a
    cue; each other clear phrase is read as clear; each denial form and possible phrase as such."""
    for concept, by_lang in sorted(flow.vocabulary.concepts.items()):
        for lang, words in by_lang.items():
            if lang not in flow.languages:
                continue
            reader = flow.reader(lang)
            cues = flow.vocabulary.negation[lang].cues if lang in flow.vocabulary.negation else ()
            asks_anyway = concept in flow.checks_by_concept and flow.checks_by_concept[concept].confirm_when_negated
            for phrase in words.clear:
                sentences = wrapped(phrase, lang, reader.is_known) if acts_at_once(flow, concept) \
                    else iter((spoken_form(phrase, lang),))
                missed = next((s for s in sentences if concept not in reader.read(s).clear), None)
                if missed is not None:
                    yield Issue("vocabulary-phrase-not-read", f"vocabulary {concept}",
                                f"[{lang}] '{phrase}' is not read as {concept} in {missed!r}", language=lang)
                if cues and acts_at_once(flow, concept) and not asks_anyway:
                    denied = f"{cues[0]} {spoken_form(phrase, lang)}"
                    if concept in reader.read(denied).clear and not phrase.startswith(cues[0] + " "):
                        yield Issue("vocabulary-denial-not-read", f"vocabulary {concept}",
                                    f"[{lang}] '{denied}' is still read as {concept}", language=lang)
            plain_reader = reader.without_denials()
            for phrase in words.denied:
                if concept in plain_reader.read(spoken_form(phrase, lang)).clear:
                    yield Issue("vocabulary-denial-says-it", f"vocabulary {concept}",
                                f"[{lang}] the denial '{phrase}' says the finding itself: it would hide it",
                                language=lang)
                    continue
                reading = reader.read(spoken_form(phrase, lang))
                if concept in reading.clear or (concept in reading.possible and not asks_anyway) or \
                        (concept not in reading.denied and not asks_anyway):
                    yield Issue("vocabulary-denial-not-read", f"vocabulary {concept}",
                                f"[{lang}] the denial '{phrase}' is not read as absent", language=lang)
            for phrase in words.possible:
                if not reader.read(spoken_form(phrase, lang)).reports(concept):
                    yield Issue("vocabulary-phrase-not-read", f"vocabulary {concept}",
                                f"[{lang}] the possible phrase '{phrase}' is not read as {concept}", language=lang)


def common_words_are_not_typos(flow: Flow) -> Iterator[Issue]:
    """No common word of the language is read as a typo of a phrase word (list it in not_typos)."""
    for lang in flow.languages:
        common = typo_collisions.common_words(lang)
        if common is None:
            yield Issue("vocabulary-typo-check-skipped", "vocabulary",
                        "pyspellchecker is not installed: common words were not checked", language=lang)
            continue
        for word, near in typo_collisions.collisions(flow.reader(lang), common):
            yield Issue("vocabulary-typo-collision", "vocabulary",
                        f"[{lang}] the common word '{word}' would be read as '{'/'.join(near)}': add it to not_typos",
                        language=lang)


RULES = (coverage, phrase_forms, overlaps, readings, common_words_are_not_typos)


def check_vocabulary(flow: Flow) -> list[Issue]:
    """Every vocabulary rule, on a flow whose structure passed."""
    return [issue for rule in RULES for issue in rule(flow)]


def is_emergency(flow: Flow, concept: str) -> bool:
    return flow.dispositions.get(concept) == Disposition.EMERGENCY
