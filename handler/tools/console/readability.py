"""Reading level of a reply: the Flesch-Kincaid grade, computed here rather than with a
package (textstat is not on this project's registry; the formula is three counts).

grade = 0.39 * words per sentence + 11.8 * syllables per word - 15.59

Syllables are counted as groups of vowels, less a silent final "e" ("time"), at least one
a word: within a syllable or so of a dictionary on plain English, which is all a sign-off
needs. The formula is for English; other languages get None."""
from __future__ import annotations

import re

WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)|\n\s*\n|\n(?=\s*\d)")
VOWEL_GROUPS = re.compile(r"[aeiouy]+")


def syllables(word: str) -> int:
    word = word.lower().replace("'", "")
    count = len(VOWEL_GROUPS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1               # silent e: "time", "tape"
    return max(1, count)


def flesch_kincaid_grade(text: str, lang: str = "en") -> float | None:
    """The US school grade needed to read the text (None: not English, or no words)."""
    if lang != "en":
        return None
    words = WORD.findall(text)
    if not words:
        return None
    sentences = max(1, len([part for part in SENTENCE_END.split(text) if WORD.search(part)]))
    per_sentence = len(words) / sentences
    per_word = sum(syllables(word) for word in words) / len(words)
    return round(0.39 * per_sentence + 11.8 * per_word - 15.59, 1)
