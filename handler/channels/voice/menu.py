"""The flow as a phone menu: pure functions, no Flask, no Twilio.

Questions become keypad prompts. A "choose all that apply" question becomes
a run of yes/no items, one per choice; the answers so far travel in the
gather's action URL, so nothing is stored until the whole list is answered.
Twilio's signature alone does not keep that URL as it was made (characters can
move off its end into a form field), so the webhook seals it
(handler.infra.query_seal) and reads a place only from a query whose seal holds. A yes to a choice that
ends the flow at once (a red flag) is sent on straight away.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from handler.core import answers, engine
from handler.core.engine import Question
from handler.core.flow import Flow
from handler.core.nodes import QuestionKind
from handler.core.position import Position
from handler.core.reader import Reading
from handler.core.texts import in_language


@dataclass(frozen=True)
class Place:
    """What a gather asked: the question (a Position), and within a list
    question, which item and the items answered yes so far."""
    position: Position
    item: int = 0
    picked: tuple[int, ...] = ()

    def params(self, **extra: str) -> dict[str, str]:
        """The place as query parameters (the webhook seals them), with `extra` flags."""
        params = {"q": str(self.position)}
        if self.item:
            params["i"] = str(self.item)
        if self.picked:
            params["p"] = ".".join(map(str, self.picked))
        params.update(extra)
        return params

    @classmethod
    def from_query(cls, args: Mapping[str, str]) -> Place | None:
        question = args.get("q", "")
        try:
            item = int(args.get("i", "0"))
            picked = tuple(int(p) for p in args.get("p", "").split(".") if p != "")
        except ValueError:
            return None
        if not question or item < 0 or any(p < 0 for p in picked):
            return None
        return cls(Position.parse(question), item, picked)


ADVICE_PLACE = Place(Position.advice())


def voice_text(flow: Flow, key: str, lang: str, **values: object) -> str:
    text = flow.voice.texts[key][lang]
    return text.format(**values) if values else text


def locale(flow: Flow, lang: str) -> str:
    return flow.voice.locale[lang]


def spoken_words(flow: Flow, name: str, lang: str) -> list[str]:
    """The flow's spoken commands: 'repeat' or 'nurse'."""
    return list(flow.voice.words[name][lang])


# --- the call's language menu (before anything is stored) -------------------------------------

LANGUAGE_KEYS = {"en": "1", "es": "9"}      # the key for each language, as voice.texts.language_menu says
KEY_WORDS = {"1": ("1", "one", "uno"), "9": ("9", "nine", "nueve")}   # a key said, not pressed


def menu_languages(flow: Flow) -> list[str]:
    """The flow's languages the menu offers (the first always: silence picks it)."""
    texts: Mapping[str, str] = flow.voice.texts.get("language_menu", {})
    return [lang for n, lang in enumerate(flow.languages) if n == 0 or (lang in LANGUAGE_KEYS and lang in texts)]


def language_menu(flow: Flow) -> list[tuple[str, str]]:
    """What the language menu says: (text, language) for each language offered, each to be
    said in its own locale."""
    texts: Mapping[str, str] = flow.voice.texts.get("language_menu", {})
    return [(texts[lang], lang) for lang in menu_languages(flow) if lang in texts]


def language_menu_hints(flow: Flow) -> str:
    names = [word for lang in menu_languages(flow) for word in flow.language_words.switch.get(lang, ())[:3]]
    return ", ".join(dict.fromkeys(names))


def language_choice(flow: Flow, digits: str, speech: str) -> str | None:
    """The language picked at the menu: its key (1 English, 9 Spanish) or its name said
    ("español", "English", "inglés"); the flow's first on silence or any other key. None:
    speech that names no language, which is the caller's first words (read for emergencies
    and findings, in the language they are said in)."""
    offered = menu_languages(flow)
    default = flow.languages[0]
    if digits:
        return next((lang for lang in offered if LANGUAGE_KEYS.get(lang) == digits), default)
    if not speech:
        return default
    asked = flow.language_asked_for(speech)
    if asked is not None and asked in offered:
        return asked
    said = answers.normalize(speech)
    return next((lang for lang in offered if said in KEY_WORDS.get(LANGUAGE_KEYS.get(lang, ""), ())), None)


def is_list(question: Question) -> bool:
    return question.kind == QuestionKind.ALL_THAT_APPLY


def prompt(flow: Flow, lang: str, question: Question, item: int = 0) -> str:
    """What the caller hears for a question (or for one item of a list question)."""
    if is_list(question):
        line = voice_text(flow, "item", lang, choice=question.choices[item])
        if item == 0:
            return f"{question.prompt} {voice_text(flow, 'list_intro', lang)} {line}"
        return line
    if question.kind == QuestionKind.YES_NO:
        return f"{question.prompt} {voice_text(flow, 'yes_no', lang)}"
    options = " ".join(voice_text(flow, "choice", lang, choice=label, number=n)
                       for n, label in enumerate(question.choices, 1))
    return f"{question.prompt} {options}"


HINT_PHRASES = 2        # key phrases per finding a question asks about


def yes_and_no(flow: Flow, lang: str) -> list[str]:
    """The first word for yes and for no in a language (the flow's, else English's)."""
    yes = in_language(flow.answer_words.yes, lang) or ("yes",)
    no = in_language(flow.answer_words.no, lang) or ("no",)
    return [yes[0], no[0]]
HINTS_CHARS = 1000      # well inside what Twilio takes in a Gather's hints


def hints(flow: Flow, lang: str, question: Question) -> str:
    """Speech recognition hints: the words a caller is likely to say."""
    words = yes_and_no(flow, lang) if question.kind != QuestionKind.ONE_OF else list(question.choices)
    words += spoken_words(flow, "repeat", lang)[:1] + spoken_words(flow, "nurse", lang)[:1]
    # The key phrases of what this question asks about, gaps left out ("numb down there").
    for concept in question.concepts:
        if concept is not None:
            words += [p for p in flow.vocabulary.words(concept, lang).clear if "*" not in p][:HINT_PHRASES]
    joined = ", ".join(dict.fromkeys(word.replace(",", "") for word in words))
    return joined if len(joined) <= HINTS_CHARS else joined[:HINTS_CHARS].rsplit(",", 1)[0]


def wants(flow: Flow, lang: str, name: str, digits: str, speech: str) -> bool:
    """Is the caller asking to hear it again ('repeat', *) or for the nurse ('nurse', 0)?"""
    key = {"repeat": "*", "nurse": "0"}[name]
    if digits == key:
        return True
    said = answers.normalize(speech)   # the whole utterance: "what I have is cramps" is an answer
    return bool(said) and any(said == answers.normalized_word(w) for w in spoken_words(flow, name, lang))


def is_command(flow: Flow, lang: str, speech: str) -> bool:
    """RESTART, BACK or HELP said aloud: the engine handles these."""
    said = answers.normalize(speech)
    return any(said == answers.normalized_word(word) for name in ("restart", "back", "help")
               for word in flow.commands.words(name, lang))


# "None of those" said to one item of a list is a no to that item (the rest are still read).
ITEM_NO_WORDS = tuple(sorted(answers.NONE_WORDS - {"0", "zero"}))
NOT_ITEM_NO = frozenset({"0", "zero", "cero"})   # a key or number, never a no said to one item


def item_answer(flow: Flow, lang: str, digits: str, speech: str) -> bool | None:
    """A yes/no answer to one item of a list (None: not understood), in the call's language:
    the flow's yes, no, none and not-sure words for it beside the English ones."""
    words = flow.answer_words
    extra_no = (*ITEM_NO_WORDS, *in_language(words.no, lang),
                *(w for w in in_language(words.none, lang) if w not in NOT_ITEM_NO))
    picked = answers.parse_yes_no(digits or speech, extra_yes=in_language(words.yes, lang), extra_no=extra_no,
                                  extra_unsure=in_language(words.unsure, lang))
    return None if picked is None else picked == (0,)


def list_answer(picked: tuple[int, ...]) -> str:
    """The items answered yes, as the engine reads a list answer ("1 3", or "0")."""
    return " ".join(str(i + 1) for i in picked) or "0"


def ends_at_once(flow: Flow, question: Question, item: int) -> bool:
    """A choice with its own next node (a red flag) is acted on without the rest of the list."""
    node = flow.question(question.node)
    return node is not None and node.choices[item].next is not None


# --- walking a list question one item at a time -------------------------------------------------

class ListMove(Enum):
    NOT_FOR_THE_LIST = "not_for_the_list"   # not an item's answer (an emergency, a command): the engine takes it
    READ_AGAIN = "read_again"               # an item the list does not have: read the list from the top
    NOT_UNDERSTOOD = "not_understood"       # neither yes nor no: the engine counts the miss
    ASK_ITEM = "ask_item"                   # ask `place` (the next item)
    ANSWER = "answer"                       # the list is answered: give the engine `answer`


@dataclass(frozen=True)
class ListTurn:
    """What one spoken or keyed answer does to a list question read item by item."""
    move: ListMove
    place: Place | None = None
    answer: str = ""


def list_turn(flow: Flow, lang: str, question: Question, place: Place, digits: str, speech: str) -> ListTurn:
    """What an answer (not silence) to one item of a list question leads to: the next item,
    the whole list's answer (after the last item, or at once after a yes to a red flag), or
    something the engine must take as it is."""
    detected = bool(speech) and (engine.alarms(flow, speech)
                                 or is_command(flow, lang, speech)
                                 or flow.language_asked_for(speech) is not None   # "español": the engine switches
                                 or flow.language_after(speech, lang) != lang)   # words in another language
    if detected:
        return ListTurn(ListMove.NOT_FOR_THE_LIST)
    if place.item >= len(question.choices):
        return ListTurn(ListMove.READ_AGAIN, place)
    # Findings said in words: items of this list count as yes; anything else (another
    # question's finding, an unsure one) is the engine's to keep or confirm.
    reading = flow.reader(lang).read(speech) if speech else Reading()
    said_here = {i for i, concept in enumerate(question.concepts) if concept is not None and concept in reading.clear}
    if reading.possible or any(concept not in question.concepts for concept in reading.clear):
        return ListTurn(ListMove.NOT_FOR_THE_LIST)
    said_yes = True if place.item in said_here else item_answer(flow, lang, digits, speech)
    if said_yes is None and not said_here:
        return ListTurn(ListMove.NOT_UNDERSTOOD)
    picked = tuple(sorted({*place.picked, *said_here, *((place.item,) if said_yes else ())}))
    last = place.item + 1 == len(question.choices)
    if not last and not any(ends_at_once(flow, question, i) for i in picked if i not in place.picked):
        return ListTurn(ListMove.ASK_ITEM, Place(place.position, place.item + 1, picked))
    return ListTurn(ListMove.ANSWER, answer=list_answer(picked))
