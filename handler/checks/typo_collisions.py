"""Common words that the reader would take for a typo of a phrase word: "cooking"
is one edit from "choking". Each must be listed in the vocabulary's `not_typos`
(or the word itself made a phrase word, when it really is a common misspelling,
like "bowls" for "bowels"). The list of common words comes from pyspellchecker's
word frequencies, a development dependency: the line itself only reads the list."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache

from handler.core.reader import Reader, unaccented

COMMON_COUNT = 1000          # a word seen at least this often in pyspellchecker's corpus is common
LANGUAGES = {"en": "en", "es": "es"}


def _inflection(word: str, known: str) -> bool:
    """A plural or tense of the same word ("attacks", "breathed"): a harmless match."""
    short, long_ = sorted((word, known), key=len)
    return long_.startswith(short) and len(long_) - len(short) <= 2


@cache     # the same list for every flow checked in one run (loading it is most of a small flow's check)
def common_words(lang: str) -> tuple[str, ...] | None:
    """The language's common words, or None when pyspellchecker is not installed."""
    try:
        from spellchecker import SpellChecker
    except ImportError:
        return None
    if lang not in LANGUAGES:
        return ()
    frequency = SpellChecker(language=LANGUAGES[lang]).word_frequency
    return tuple(sorted(w for w, count in frequency.dictionary.items() if count >= COMMON_COUNT and w.isalpha()))


def collisions(reader: Reader, words: Iterable[str]) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(common word, the phrase words it would be read as) for each one not declared. The
    reader sees a word without its accents ("lesión" is "lesion"), so it is compared so."""
    for word in words:
        plain = unaccented(word)
        near = tuple(k for k in reader.spelled_like(plain) if not _inflection(plain, k))
        if near:
            yield word, near
