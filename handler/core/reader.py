"""The reader of free text: which findings a message reports, in the patient's
own words, and whether each is said plainly, said unsure, or denied.

One mechanism for every concept, emergencies and flow findings alike: the
flow's vocabulary lists, per concept and language, clear phrases, possible
(unsure) phrases and denial phrases. A message is cut into clauses; a phrase
matches when its words stand together in one clause, with `*` standing for up
to three words of any kind. A negation cue before the phrase (fillers between
are allowed) or inside its gap denies it; a hedge makes it unsure.

Accents: the reader compares words without their accents, on both sides, so
"respirar" and "respirár", "dolor de pécho" and "dolor de pecho" are the same words
(patients on a phone often leave accents out, or add them where they do not go);
the vocabulary may be written either way.

Typos: a word of four letters may have two neighbouring letters swapped, and
a longer one may be one edit away (rapidfuzz's optimal string alignment
distance), as long as the typed word is not itself a word of the vocabulary
and the phrase has at most one such word. Cues, hedges and denial phrases are
matched exactly: a typo never makes a denial.

Safety rule: what is uncertain only moves toward more care. A fuzzy match of a
clear phrase counts as clear; a hedged one as possible; a denial cancels only
what the same clause would otherwise report, and never a finding said plainly
elsewhere in the message.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, NamedTuple

from handler.core.answers import CharacterTable, normalize
from handler.core.vocabulary import ConceptWords, NegationWords, Vocabulary

GAP = "*"
NOT_A_WORD = frozenset({GAP})
GAP_WORDS = 3             # how many words one `*` may stand for
RECENT_KEPT = 16          # readings kept for the messages just read
CLAUSES_KEPT = 32         # verdicts kept for the clauses just read
CUE_REACH = 4             # how far before a phrase a cue or hedge may stand (fillers between)
CLEAR, POSSIBLE, DENIED = "clear", "possible", "denied"
ORDER = {CLEAR: 3, POSSIBLE: 2, DENIED: 1}    # a clear finding wins over an unsure one, and both over a denial
# Punctuation that ends a clause ("No. My chest hurts": the denial stays in the first).
CLAUSE_END = re.compile(r"[.!?;:,\n\u2026\u2014\u2013\u061f\u3002\uff01\uff1f\u00bf\u00a1]+")


@dataclass(frozen=True)
class Reading:
    """What one message reports: concept codes in the order they were said."""
    clear: tuple[str, ...] = ()
    possible: tuple[str, ...] = ()
    denied: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.clear or self.possible)

    def reports(self, concept: str) -> bool:
        return concept in self.clear or concept in self.possible

    def only(self, concepts: Iterable[str]) -> Reading:
        """The same reading, kept to the given concepts."""
        keep = set(concepts)
        return Reading(tuple(c for c in self.clear if c in keep),
                       tuple(c for c in self.possible if c in keep),
                       tuple(c for c in self.denied if c in keep))


class Phrase(NamedTuple):
    """One phrase of the vocabulary, as the reader compares it. A named tuple, not a
    dataclass: a cold start makes thousands, and a tuple is made in a third of the time."""
    concept: str
    strength: str                 # clear | possible | denied
    words: tuple[str, ...]        # normalised words; GAP for a gap


@dataclass(frozen=True)
class ConceptRules:
    """Per-concept exceptions, from the flow's emergency checks."""
    hedged_is_clear: bool = False       # "I might kill myself" is not a maybe
    asks_when_denied: bool = False      # "not suicidal" still gets the question


class _Match(NamedTuple):
    """Where a phrase stands in a clause."""
    start: int
    end: int                      # one past the last word
    gaps: tuple[str, ...]         # the words the gaps stood for
    fuzzy: bool


PLAIN_PHRASE = re.compile(r"[a-z0-9 *]+")


def unaccented(text: str) -> str:
    """Normalised words as the reader compares them: with their accents and other marks
    taken off the letters ("está" is "esta", "ñ" is "n")."""
    text = normalize(text)
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", text).translate(_WITHOUT_MARKS))


_WITHOUT_MARKS = CharacterTable(lambda char: None if unicodedata.category(char) == "Mn" else char)


def _phrase_words(phrase: str) -> tuple[str, ...]:
    """A phrase as normalised words, its gaps kept."""
    if PLAIN_PHRASE.fullmatch(phrase):     # already as the reader compares it (most are)
        return tuple(phrase.split())
    return tuple(word for part in phrase.split()
                 for word in ((GAP,) if part == GAP else tuple(unaccented(part).split())))


def _words(phrases: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(words for words in map(_phrase_words, phrases) if words and GAP not in (words[0], words[-1]))


def _by_strength(words: ConceptWords) -> tuple[tuple[str, ...], ...]:
    return words.clear, words.possible, words.denied


def _by_last_word(cues: Iterable[tuple[str, ...]]) -> dict[str, tuple[tuple[str, ...], ...]]:
    index: dict[str, list[tuple[str, ...]]] = {}
    for cue in cues:
        index.setdefault(cue[-1], []).append(cue)
    return {word: tuple(listed) for word, listed in index.items()}


def _forget_oldest(kept: OrderedDict[Any, Any], most: int) -> None:
    """Make room for one more in a bounded cache (another thread may have made it already)."""
    if len(kept) >= most:
        with suppress(KeyError):
            kept.popitem(last=False)


def _one_deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _close_enough(typed: str, known: str) -> bool:
    """One edit on words of six letters or more; on four or five, only two neighbouring
    letters swapped ("pian", "chset"): a changed letter there too often makes another
    real word ("chess", "pea")."""
    if len(known) < 4:
        return False
    short = len(known) < 6
    if short and (len(typed) != len(known) or sorted(typed) != sorted(known)):
        return False      # not the same letters: no swap makes it, and no need to ask rapidfuzz
    # Imported here, after the test above: most first messages never get this far, and
    # importing rapidfuzz adds about 10 ms to a cold start's first reply.
    from rapidfuzz.distance import OSA

    if short:
        return OSA.distance(typed, known) == 1
    return OSA.distance(typed, known, score_cutoff=1) <= 1


@dataclass
class Reader:
    """Built once per flow and language; `read` is then a pure function of the text."""
    phrases: Sequence[Phrase]
    cues: tuple[tuple[str, ...], ...] = ()
    hedges: tuple[tuple[str, ...], ...] = ()
    fillers: frozenset[str] = frozenset()
    clause_words: frozenset[str] = frozenset()
    joiners: frozenset[str] = frozenset()      # "or" in "no numbness or weakness": the cue goes on
    not_typos: frozenset[str] = frozenset()    # real words that only look like a typo of a known one
    rules: Mapping[str, ConceptRules] = field(default_factory=dict)

    def __post_init__(self) -> None:
        uses = Counter(chain.from_iterable(phrase.words for phrase in self.phrases))   # how often each word stands
        uses.pop(GAP, None)
        self._longest = max(map(len, uses), default=0)   # no longer typed word is one edit from a phrase word
        self._known = frozenset(uses) | frozenset(w for cue in (*self.cues, *self.hedges) for w in cue) | \
            self.fillers | self.not_typos
        # Each phrase under its rarest word: a message reaches only the phrases whose rarest
        # word it holds, and only those whose every word it holds are walked.
        rank = {word: n for n, word in enumerate(sorted(uses, key=lambda w: (uses[w], w)))}
        rank[GAP] = len(rank)            # never the rarest: a phrase neither starts nor ends with a gap
        self._by_rarest: dict[str, list[Phrase]] = {}
        for phrase in self.phrases:
            self._by_rarest.setdefault(min(phrase.words, key=rank.__getitem__), []).append(phrase)
        self._long_words: dict[str, list[str]] | None = None      # by first letter; made on the first typo
        self._near_index: dict[str, dict[str, set[str]]] = {}   # by first letter, each made when first needed
        self._fuzzy_cache: dict[str, tuple[str, ...]] = {}
        self._cues = _by_last_word(self.cues)
        self._hedges = _by_last_word(self.hedges)
        # Readings of the last few messages (one is read by several layers in turn) and verdicts
        # of the last few clauses. OrderedDicts: the oldest goes with one popitem, which two
        # threads of the local server cannot trip each other up on.
        self._recent: OrderedDict[str, Reading] = OrderedDict()
        self._recent_clauses: OrderedDict[tuple[str, ...], tuple[tuple[str, str], ...]] = OrderedDict()

    def _near(self, first: str) -> dict[str, set[str]]:
        """Every phrase word of four letters or more that starts with `first`, under each of
        its one-letter deletions: a typed word's own deletions then find the words one edit
        away. One letter's index is made when a word with that letter is first looked up,
        so a first message does not pay for the whole alphabet (cold start)."""
        near = self._near_index.get(first)
        if near is None:
            if self._long_words is None:
                self._long_words = {}
                for word in {w for p in self.phrases for w in p.words if w != GAP and len(w) >= 4}:
                    self._long_words.setdefault(word[0], []).append(word)
            near = {}
            for word in self._long_words.get(first, ()):
                for key in _one_deletions(word) | {word}:
                    near.setdefault(key, set()).add(word)
            self._near_index[first] = near
        return near

    @classmethod
    def from_vocabulary(cls, vocabulary: Vocabulary, lang: str,
                        rules: Mapping[str, ConceptRules] | None = None) -> Reader:
        """A reader for one language of a flow's vocabulary."""
        phrases = [Phrase(concept, strength, words)
                   for concept in vocabulary.concepts
                   for strength, listed in zip((CLEAR, POSSIBLE, DENIED), _by_strength(vocabulary.words(concept, lang)),
                                               strict=True)
                   for words in _words(listed)]
        negation = vocabulary.negation.get(lang, NegationWords())

        def single(words: Iterable[str]) -> frozenset[str]:
            return frozenset(unaccented(w) for w in words)

        return cls(phrases, _words(negation.cues), _words(negation.hedges), single(negation.fillers),
                   single(negation.clause_breaks), single(negation.joiners), single(negation.not_typos),
                   rules or {})

    # -- matching ------------------------------------------------------------------------

    def without_denials(self) -> Reader:
        """The same reader without its denial phrases (to see what a denial phrase says)."""
        return Reader([p for p in self.phrases if p.strength != DENIED], self.cues, self.hedges, self.fillers,
                      self.clause_words, self.joiners, self.not_typos, self.rules)

    def is_known(self, word: str) -> bool:
        """True for a word of the vocabulary (or a real word it lists as not a typo)."""
        return word in self._known

    def spelled_like(self, typed: str) -> tuple[str, ...]:
        """Phrase words the typed word may be a typo of (none if it is a known word).
        The first letter must be right: a word that differs there is most often another
        word ("getting" is not "wetting")."""
        if typed in self._known or not 4 <= len(typed) <= self._longest + 1 or not typed.isalpha():
            return ()
        found = self._fuzzy_cache.get(typed)
        if found is None:
            near = self._near(typed[0])
            candidates: set[str] = set(near.get(typed, ()))
            for key in _one_deletions(typed):
                candidates |= near.get(key, set())
            found = tuple(sorted(w for w in candidates if _close_enough(typed, w)))
            if len(self._fuzzy_cache) > 10_000:   # bounded: a flood of odd words cannot grow it
                self._fuzzy_cache.clear()
            self._fuzzy_cache[typed] = found
        return found

    def _match_at(self, words: Sequence[str], alternates: Sequence[tuple[str, ...]], start: int,
                  phrase: Phrase) -> _Match | None:
        exact = phrase.strength == DENIED
        target = phrase.words

        def fits(i: int, wanted: str) -> int | None:
            if words[i] == wanted:
                return 0
            return None if exact or wanted not in alternates[i] else 1

        def walk(i: int, j: int, fuzzy: int, gaps: tuple[str, ...]) -> _Match | None:
            if j == len(target):
                return _Match(start, i, gaps, fuzzy > 0)
            if target[j] == GAP:
                for skip in range(min(GAP_WORDS, len(words) - i) + 1):
                    found = walk(i + skip, j + 1, fuzzy, gaps + tuple(words[i:i + skip]))
                    if found:
                        return found
                return None
            if i >= len(words):
                return None
            fit = fits(i, target[j])
            if fit is None or fuzzy + fit > 1:
                return None
            return walk(i + 1, j + 1, fuzzy + fit, gaps)

        found = walk(start, 0, 0, ())
        if found and found.fuzzy and len(target) == 1 and len(target[0]) < 6:
            return None      # a lone short word one edit away is too weak to act on
        return found

    def _led_by(self, words: Sequence[str], start: int, by_last: Mapping[str, tuple[tuple[str, ...], ...]]) -> bool:
        """True when a cue (looked up by its last word) ends just before `start`, with only
        filler words between."""
        end = start
        while end > 0 and start - end < CUE_REACH:
            for cue in by_last.get(words[end - 1], ()):
                if tuple(words[max(0, end - len(cue)):end]) == cue:
                    return True
            if words[end - 1] not in self.fillers:
                return False
            end -= 1
        return False

    def _holds(self, gaps: Sequence[str], by_last: Mapping[str, tuple[tuple[str, ...], ...]]) -> bool:
        """True when a cue stands among the words a gap stood for."""
        return any(tuple(gaps[max(0, end - len(cue)):end]) == cue
                   for end in range(1, len(gaps) + 1) for cue in by_last.get(gaps[end - 1], ()))

    def _matches(self, words: list[str]) -> list[tuple[_Match, Phrase]]:
        """Every phrase found in one clause, in the order they start."""
        alternates = [self.spelled_like(word) for word in words]
        present = set(words).union(*alternates, NOT_A_WORD)     # a gap stands for any words
        found = []
        for word in present:
            for phrase in self._by_rarest.get(word, ()):
                if not present.issuperset(phrase.words):
                    continue
                first = phrase.words[0]
                for start in range(len(words)):
                    if words[start] == first or first in alternates[start]:
                        match = self._match_at(words, alternates, start, phrase)
                        if match:
                            found.append((match, phrase))
        # In start order, a denial phrase before the phrases it holds ("breathing is fine"), then
        # by the phrase itself: matches found in a set's order (which varies from process to
        # process) are then read in one order everywhere, the validator's process included.
        return sorted(found, key=lambda pair: (pair[0].start, pair[1].strength != DENIED, pair[1]))

    def _clause_verdicts(self, words: list[str]) -> tuple[tuple[str, str], ...]:
        """What one clause says of each concept. The last few clauses' verdicts are kept:
        the validator reads each phrase in a score of sentences, most of them the same
        clause in other punctuation or case."""
        key = tuple(words)
        verdicts = self._recent_clauses.get(key)
        if verdicts is None:
            verdicts = tuple(self._verdicts_of(words).items())    # kept, so not to be changed
            _forget_oldest(self._recent_clauses, CLAUSES_KEPT)
            self._recent_clauses[key] = verdicts
        return verdicts

    def _verdicts_of(self, words: list[str]) -> dict[str, str]:
        verdicts: dict[str, str] = {}
        denied_span = (-1, -1)     # where the last denied finding stands, for "no A or B"
        for match, phrase in self._matches(words):
            between = words[denied_span[1]:match.start]
            listed = denied_span[0] >= 0 and (
                denied_span[0] <= match.start < denied_span[1]
                or (any(w in self.joiners for w in between)
                    and all(w in self.joiners or w in self.fillers for w in between)))
            verdict = self._verdict(words, match, phrase, listed)
            if verdict == DENIED:
                denied_span = (min(denied_span[0], match.start) if denied_span[0] >= 0 else match.start,
                               max(denied_span[1], match.end))
            if verdict and ORDER[verdict] > ORDER.get(verdicts.get(phrase.concept, ""), 0):
                verdicts[phrase.concept] = verdict
        return verdicts

    def _verdict(self, words: Sequence[str], match: _Match, phrase: Phrase, listed: bool) -> str | None:
        rules = self.rules.get(phrase.concept, ConceptRules())
        if phrase.strength == DENIED:
            return DENIED
        denied = listed or self._led_by(words, match.start, self._cues) or self._holds(match.gaps, self._cues)
        if denied:
            return POSSIBLE if rules.asks_when_denied else DENIED
        hedged = self._led_by(words, match.start, self._hedges) or self._holds(match.gaps, self._hedges)
        if phrase.strength == CLEAR and (not hedged or rules.hedged_is_clear):
            return CLEAR
        return POSSIBLE

    def clauses(self, text: str) -> list[list[str]]:
        """The message cut into clauses of normalised words."""
        clauses: list[list[str]] = []
        for part in CLAUSE_END.split(text):
            current: list[str] = []
            for word in unaccented(part).split():
                if word in self.clause_words:
                    clauses.append(current)
                    current = []
                else:
                    current.append(word)
            clauses.append(current)
        return [words for words in clauses if words]

    def read(self, text: str) -> Reading:
        """The concepts the message reports: plainly, unsure, or denied."""
        reading = self._recent.get(text)
        if reading is None:
            reading = self._read(text)
            _forget_oldest(self._recent, RECENT_KEPT)
            self._recent[text] = reading
        return reading

    def _read(self, text: str) -> Reading:
        strongest: dict[str, str] = {}
        for words in self.clauses(text):
            for concept, verdict in self._clause_verdicts(words):
                if ORDER[verdict] > ORDER.get(strongest.get(concept, ""), 0):
                    strongest[concept] = verdict
        return Reading(tuple(c for c, v in strongest.items() if v == CLEAR),
                       tuple(c for c, v in strongest.items() if v == POSSIBLE),
                       tuple(c for c, v in strongest.items() if v == DENIED))
