"""Understanding what a patient types (or says) in answer to a question.

Pure functions. An answer becomes the tuple of chosen choice positions
(0-based); for a yes/no question, yes is position 0 and no is position 1.
None means the answer was not understood.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence

from handler.core.nodes import QuestionKind, QuestionNode
from handler.core.texts import AnswerWords, in_language

YES_WORDS = frozenset({"y", "yes", "yeah", "yep", "yup", "ya", "yea", "yah", "yes please",
                       "sure", "correct", "true", "definitely", "absolutely", "i do", "i am",
                       "i have", "affirmative", "ok", "okay"})
NO_WORDS = frozenset({"n", "no", "nope", "nah", "na", "not", "never", "negative", "false",
                      "no thanks", "not really", "i dont", "i do not", "i am not", "im not",
                      "i have not", "i havent", "none"})
# Single words that lean one way inside a longer answer ("yes I do", "no I don't").
YES_TOKENS = frozenset({"y", "yes", "yeah", "yep", "yup", "ya", "yea", "yah", "sure",
                        "correct", "definitely", "absolutely"})
NO_TOKENS = frozenset({"n", "no", "nope", "nah", "not", "dont", "never", "havent", "isnt",
                       "arent", "doesnt", "didnt"})
UNSURE = ("dont know", "do not know", "not sure", "unsure", "maybe", "idk", "no idea",
          "dunno", "perhaps", "possibly", "kind of", "kinda", "sort of")
NONE_WORDS = frozenset({"0", "none", "zero", "nothing", "neither", "none of these",
                        "none of them", "none of those", "none of the above", "no", "nope",
                        "n", "nah", "no none", "not any", "not any of these", "nothing like that"})
ALL_WORDS = frozenset({"all", "all of them", "all of these", "all of those", "all of the above"})
NUMBER_WORDS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
                "six": "6", "seven": "7", "eight": "8", "nine": "9"}
LIST_FILLERS = frozenset({"and", "or", "plus", "also", "number", "numbers", "option",
                          "options", "choice", "choices", "both", "only", "just"})


ASCII_BREAKS = re.compile(r"[^a-z0-9]+")
APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc\u02b9\u00b4`\uff07]")


def _breaks_words(char: str) -> bool:
    """Letters, digits and combining marks of any script make words; every punctuation,
    symbol, space, control and format character (a zero-width space, a right-to-left mark)
    stands between them."""
    return unicodedata.category(char)[0] not in "LNM"


class CharacterTable(dict[int, str | None]):
    """A str.translate table that works each character out once, by `rule` (the character
    in, what it becomes out; None drops it): translate then runs at C speed instead of a
    Python call per character. At most KEPT characters are remembered: a flood of distinct
    ones is still translated right, only not kept."""
    KEPT = 4096

    def __init__(self, rule: Callable[[str], str | None]) -> None:
        super().__init__()
        self.rule = rule

    def __missing__(self, code: int) -> str | None:
        value = self.rule(chr(code))
        if len(self) < self.KEPT:
            self[code] = value
        return value


_TO_SPACES = CharacterTable(lambda char: " " if _breaks_words(char) else char)


def normalize(text: str) -> str:
    """Lower case, apostrophes dropped ("can't" -> "cant"), everything that is not part of
    a word to spaces."""
    if text.isascii():   # the common case, by a faster road to the same result
        return " ".join(ASCII_BREAKS.sub(" ", text.replace("'", "").replace("`", "").lower()).split())
    # Apostrophes go first ("can’t"), then everything that is not part of a word breaks words
    # before NFKC and again after it: NFKC can turn a symbol into letters ("㋿" into "令和")
    # or letters into punctuation ("…" into "...").
    text = APOSTROPHES.sub("", text).translate(_TO_SPACES)
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(text.translate(_TO_SPACES).split())


@functools.lru_cache(maxsize=4096)
def normalized_word(word: str) -> str:
    """normalize() for the flow's own words, phrases and labels, kept once worked out: the
    same few hundred are compared with every message. Never for what a patient wrote (it
    would be kept in memory), which is normalize()d afresh."""
    return normalize(word)


def contains_phrase(normalized: str, phrase: str) -> bool:
    """True when the phrase's words (the flow's) stand together, as whole words, in the text."""
    return f" {normalized_word(phrase)} " in f" {normalized} "


def _spelled_numbers(tokens: Iterable[str]) -> list[str]:
    return [NUMBER_WORDS.get(token, token) for token in tokens]


def _is_choice_number(token: str, count: int) -> bool:
    """True when a token of decimal digits names a choice from 1 to count. A very long run
    of digits never does, and must not reach int(), which refuses more than 4300 digits."""
    return len(token) <= 9 and 1 <= int(token) <= count


def _unsure(said: str, extra_unsure: Iterable[str] = ()) -> bool:
    return any(contains_phrase(said, phrase) for phrase in (*UNSURE, *extra_unsure))


def parse_yes_no(text: str, extra_yes: Iterable[str] = (), extra_no: Iterable[str] = (),
                 extra_unsure: Iterable[str] = ()) -> tuple[int, ...] | None:
    """(0,) for yes, (1,) for no, None when unsure or unclear. The extra words are a
    language's own (its one-word ones lean a longer answer too: "sí, tengo")."""
    said = normalize(text)
    extra_yes, extra_no = {normalized_word(w) for w in extra_yes}, {normalized_word(w) for w in extra_no}
    if said in YES_WORDS | extra_yes or said in ("1", "one"):
        return (0,)
    if said in NO_WORDS | extra_no or said in ("2", "two"):
        return (1,)
    if _unsure(said, extra_unsure):
        return None
    tokens = set(said.split())
    leans_yes = bool(tokens & (YES_TOKENS | {w for w in extra_yes if " " not in w}))
    leans_no = bool(tokens & (NO_TOKENS | {w for w in extra_no if " " not in w}))
    if leans_yes != leans_no:
        return (0,) if leans_yes else (1,)
    return None


# Words that may stand beside choice numbers in a message that is only a list of them.
LIST_WORDS = frozenset({"i", "im", "have", "got", "its", "it", "is", "yes", "y", "yeah", "yep", "ok", "okay",
                        "the", "a", "my", "answer", "pick", "picked", "choose", "select", "for", "me",
                        "thats", "that", "those", "these", "them", "please", "pls", "thanks", "thank", "you"})


def _only_a_list(tokens: Sequence[str], labels: Sequence[str], named: Sequence[int]) -> bool:
    """True when every word beside the numbers is a list word or a word of a choice named
    ("2 bladder"): a message is a list of choices only when it is one."""
    label_words = {word for n in named if 1 <= n <= len(labels) for word in normalized_word(labels[n - 1]).split()}
    return all(token.isdecimal() or token in LIST_WORDS or token in LIST_FILLERS or token in label_words
               for token in tokens)


def parse_one_of(text: str, labels: Sequence[str], words: Sequence[Iterable[str]],
                 extra_unsure: Iterable[str] = ()) -> tuple[int, ...] | None:
    """One choice, by its number, its label or one of its words."""
    said = normalize(text)
    tokens = _spelled_numbers(said.split())
    numbers = [token for token in tokens if token.isdecimal()]
    if numbers:
        if len(numbers) == 1 and _is_choice_number(numbers[0], len(labels)) \
                and _only_a_list(tokens, labels, [int(numbers[0])]):
            return (int(numbers[0]) - 1,)
        return None   # several numbers, or a number inside a sentence ("i take it 3 times a day")
    for position, label in enumerate(labels):
        if said == normalized_word(label):
            return (position,)
    said_words = set(said.split())
    if _unsure(said, extra_unsure) or (said_words & YES_TOKENS and said_words & NO_TOKENS):
        return None  # "I don't know", "yes no": ask again rather than guess
    matched = {position for position, choice_words in enumerate(words)
               for word in choice_words if contains_phrase(said, word)}
    if len(matched) == 1:
        return (matched.pop(),)
    return None


def parse_all_that_apply(text: str, count: int, extra_none: Iterable[str] = (), labels: Sequence[str] | None = None,
                         extra_unsure: Iterable[str] = ()) -> tuple[int, ...] | None:
    """Every chosen number ("1 3", "1,3", "13", "1 and 3"), or () for none."""
    said = normalize(text)
    if said in NONE_WORDS or said in {normalized_word(w) for w in extra_none}:
        return ()
    if said in ALL_WORDS or (said == "both" and count == 2):
        return tuple(range(count))
    tokens = [t for t in _spelled_numbers(said.split()) if t not in LIST_FILLERS]
    numbers = [token for token in tokens if token.isdecimal()]
    words = set(tokens) - set(numbers)
    if not numbers or words & (NO_TOKENS | NONE_WORDS) or _unsure(said, extra_unsure):
        return None          # no number, or "not 2", "none but 3", "maybe 2": ask again
    short = [token for token in numbers if len(token) <= 9]   # int() refuses a very long run
    named = [int(token) for token in short] + [int(digit) for token in short for digit in token]  # "13": 1 and 3
    if labels is not None and not _only_a_list(tokens, labels, named):
        return None          # numbers inside a sentence ("played football for 2 hours"): not a list
    tokens = numbers         # "yes 2", "I have number 3", "2 bladder": the numbers are the answer
    chosen: set[int] = set()
    for token in tokens:
        if _is_choice_number(token, count) and not token.startswith("0"):
            chosen.add(int(token))
        elif len(token) > 1 and all(digit in "123456789" and int(digit) <= count for digit in token):
            chosen.update(int(digit) for digit in token)  # "13" typed for "1 3"
        elif token == "0" and len(tokens) == 1:
            return ()
        else:
            return None
    return tuple(sorted(number - 1 for number in chosen))


def parse(question: QuestionNode, lang: str, text: str,
          answer_words: AnswerWords | None = None) -> tuple[int, ...] | None:
    """Read an answer to a question node of a flow."""
    extra = answer_words or AnswerWords()
    unsure = in_language(extra.unsure, lang)
    if question.kind == QuestionKind.YES_NO:
        return yes_or_no(text, lang, extra)
    choices = question.choices
    if question.kind == QuestionKind.ONE_OF:
        labels = [choice.text[lang] for choice in choices]
        words = [in_language(choice.words, lang) for choice in choices]
        return parse_one_of(text, labels, words, unsure)
    return parse_all_that_apply(text, len(choices), in_language(extra.none, lang),
                                [choice.text[lang] for choice in choices], unsure)


def yes_or_no(text: str, lang: str, answer_words: AnswerWords | None = None) -> tuple[int, ...] | None:
    """A yes/no answer in one language: (0,) yes, (1,) no, None unsure or unclear."""
    extra = answer_words or AnswerWords()
    return parse_yes_no(text, in_language(extra.yes, lang), in_language(extra.no, lang),
                        in_language(extra.unsure, lang))
