"""Proofs about a flow's vocabulary, the words the free-text reader knows:
every concept the flow asks about has words in every language; no phrase says
two things of different dispositions unless declared; every red-flag phrase,
alone and in the sentences patients wrap it in, is read as that red flag; and
every declared denial is read as absent.

Pure functions of the vocabulary data and a reader per language; the
conversation-level proof (the same sentences at every question and after the
advice end in emergency advice) is in handler.checks.free_text_walk."""
from __future__ import annotations

from collections.abc import Iterator, Mapping

from handler.core.answers import normalize
from handler.core.reader import CLEAR, DENIED, GAP, POSSIBLE, Reader

MIN_RED_FLAG_PHRASES = 10
MIN_FINDING_PHRASES = 6
SMART = {"\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2014": "-"}

# The sentences patients wrap a finding in, per language: {} is the phrase.
CARRIERS = {
    "en": ("i have {}", "{} since yesterday", "also {}!!", "\u201c{}\u201d", "{}\u2014help", "and now {} \U0001f62d",
           "\u200b{}\u200f", "ok so {}. what do i do"),
    "es": ("tengo {}", "{} desde ayer", "también {}!!", "\u201c{}\u201d", "{}\u2014ayuda", "y ahora {} \U0001f62d",
           "\u200b{}\u200f", "bueno {}. qué hago"),
}


def spoken_form(phrase: str) -> str:
    """A phrase as a patient would type it: each gap filled with one plain word."""
    return " ".join("really" if word == GAP else word for word in phrase.split())


def with_one_typo(text: str) -> str | None:
    """The text with two neighbouring letters of its longest word swapped (a typo the
    reader must forgive), or None when no word is long enough to carry one."""
    words = text.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    if len(word) < 6 or not word.isalpha():
        return None
    middle = len(word) // 2
    swapped = word[:middle] + word[middle + 1] + word[middle] + word[middle + 2:]
    if swapped == word:
        return None
    return " ".join([*words[:longest], swapped, *words[longest + 1:]])


def red_flag_sentences(phrase: str, lang: str) -> Iterator[str]:
    """Every generated message that holds the phrase: alone, in carriers, shouted, with a typo."""
    plain = spoken_form(phrase)
    typo = with_one_typo(plain)
    for form in filter(None, (plain, typo)):
        yield form
        yield form.upper()
        for carrier in CARRIERS.get(lang, CARRIERS["en"]):
            yield carrier.format(form)


def coverage_problems(vocabulary: Mapping, concepts: Mapping[str, str | None], asked: set[str],
                      languages: list[str]) -> Iterator[tuple[str, str, str, str]]:
    """(code, concept, language, message) for each concept without enough words."""
    for concept in sorted(asked):
        entry = vocabulary.get("concepts", {}).get(concept, {})
        needed = MIN_RED_FLAG_PHRASES if concepts.get(concept) == "emergency" else MIN_FINDING_PHRASES
        for lang in languages:
            clear = entry.get(lang, {}).get(CLEAR, [])
            if len(clear) < needed:
                yield ("vocabulary-too-few-phrases", concept, lang,
                       f"{len(clear)} clear phrase(s); at least {needed} are needed")
    for concept in sorted(vocabulary.get("concepts", {})):
        if concept not in concepts:
            yield "vocabulary-unknown-concept", concept, "", "is not a concept code of concepts.json"
    for lang in languages:
        if lang not in vocabulary.get("negation", {}):
            yield "vocabulary-no-negation", "negation", lang, "no negation words for this language"


def overlap_problems(vocabulary: Mapping, concepts: Mapping[str, str | None],
                     readers: Mapping[str, Reader]) -> Iterator[tuple[str, str, str, str]]:
    """A clear phrase of one concept must not also be read as a concept of another
    disposition, unless the vocabulary declares it (`also_reports`)."""
    for concept, by_lang in sorted(vocabulary.get("concepts", {}).items()):
        for lang, entry in by_lang.items():
            if lang not in readers:
                continue
            declared = set(entry.get("also_reports", ()))
            for phrase in entry.get(CLEAR, ()):
                reading = readers[lang].read(spoken_form(phrase))
                others = {c for c in (*reading.clear, *reading.possible)
                          if c != concept and c not in declared and concepts.get(c) != concepts.get(concept)}
                if others:
                    yield ("vocabulary-phrase-reports-two", concept, lang,
                           f"'{phrase}' is also read as {', '.join(sorted(others))} (declare it in also_reports)")


def reading_problems(vocabulary: Mapping, concepts: Mapping[str, str | None],
                     readers: Mapping[str, Reader]) -> Iterator[tuple[str, str, str, str]]:
    """Every emergency phrase is read as clear in every generated sentence; every clear
    phrase alone as clear; every denial form and every cue before a clear phrase as absent."""
    for concept, by_lang in sorted(vocabulary.get("concepts", {}).items()):
        for lang, entry in by_lang.items():
            reader = readers.get(lang)
            if reader is None:
                continue
            cue = _first_cue(vocabulary, lang)
            for phrase in entry.get(CLEAR, ()):
                sentences = red_flag_sentences(phrase, lang) if concepts.get(concept) == "emergency" \
                    else iter((spoken_form(phrase),))
                for sentence in sentences:
                    if concept not in reader.read(sentence).clear:
                        yield ("vocabulary-phrase-not-read", concept, lang,
                               f"'{phrase}' is not read as {concept} in {sentence!r}")
                        break
                if cue and not _asks_when_denied(concept, readers, lang):
                    denied = reader.read(f"{cue} {spoken_form(phrase)}")
                    if concept in denied.clear:
                        yield ("vocabulary-denial-not-read", concept, lang,
                               f"'{cue} {phrase}' still reads as {concept}")
            for phrase in entry.get(DENIED, ()):
                reading = reader.read(spoken_form(phrase))
                if reading.reports(concept) or concept not in reading.denied:
                    yield ("vocabulary-denial-not-read", concept, lang,
                           f"the denial '{phrase}' is not read as absent")
            for phrase in entry.get(POSSIBLE, ()):
                if not reader.read(spoken_form(phrase)).reports(concept):
                    yield ("vocabulary-phrase-not-read", concept, lang,
                           f"the possible phrase '{phrase}' is not read as {concept}")


def phrase_form_problems(vocabulary: Mapping) -> Iterator[tuple[str, str, str, str]]:
    """Phrases must be written as the reader compares them: normalised, gaps inside."""
    for concept, by_lang in sorted(vocabulary.get("concepts", {}).items()):
        for lang, entry in by_lang.items():
            for strength in (CLEAR, POSSIBLE, DENIED):
                for phrase in entry.get(strength, ()):
                    words = phrase.split()
                    plain = " ".join(w for w in words if w != GAP)
                    if not words or GAP in (words[0], words[-1]) or normalize(plain) != plain:
                        yield ("vocabulary-phrase-form", concept, lang,
                               f"'{phrase}' is not normalised (lower case, no punctuation, `*` only inside)")


def _first_cue(vocabulary: Mapping, lang: str) -> str | None:
    cues = vocabulary.get("negation", {}).get(lang, {}).get("cues", [])
    return cues[0] if cues else None


def _asks_when_denied(concept: str, readers: Mapping[str, Reader], lang: str) -> bool:
    rules = readers[lang].rules.get(concept)
    return bool(rules and rules.asks_when_denied)
