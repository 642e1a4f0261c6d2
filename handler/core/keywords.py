"""Keywords that win over any flow: opting out and back in, and HELP, in English
and in Spanish. Pure functions of the message text."""
from __future__ import annotations

import re
from dataclasses import dataclass

from handler.core.reader import unaccented

# Words Twilio itself acts on (and answers) when they are the whole message. On a plain number
# Twilio knows only these English ones; a Messaging Service with Advanced Opt-Out can add others
# (PARAR...), and then tells the line with OptOutType.
TWILIO_OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
TWILIO_OPT_IN = frozenset({"START", "UNSTOP", "YES"})

# Whole messages the line answers itself, per language: opting out (one word, or a plain
# request in the patient's own words), opting back in, and asking for help. Compared as the
# reader compares words: lower case, no punctuation, no accents.
OPT_OUT = {
    "en": frozenset({
        "stop texting me", "stop texting", "stop messaging me", "stop sending me texts",
        "stop sending me messages", "stop the texts", "stop these texts", "stop messages",
        "opt me out", "opt out", "i want to opt out", "unsubscribe me", "remove me",
        "remove me from this list", "remove me from your list", "take me off this list",
        "take me off your list", "dont text me", "do not text me", "dont text me again",
        "no more texts", "no more messages",
    }),
    "es": frozenset({
        "parar", "para", "alto", "cancelar", "baja", "darme de baja", "darse de baja", "dar de baja",
        "quiero darme de baja", "de baja", "no mas mensajes", "no mas textos", "ya no mas mensajes",
        "ya no me manden mensajes", "ya no me mande mensajes", "no me manden mensajes",
        "no me manden mas mensajes", "no me mande mas mensajes", "ya no me manden mas mensajes",
        "ya no me escriban", "no me escriban", "no me escriban mas", "dejen de mandarme mensajes",
        "dejen de escribirme", "deje de mandarme mensajes", "ya no quiero mensajes",
        "no quiero mas mensajes", "ya no quiero recibir mensajes", "sacame de la lista",
        "saquenme de la lista", "borrame de la lista", "borrenme de la lista",
    }),
}
OPT_IN_WORDS = {"en": frozenset(),
                "es": frozenset({"iniciar", "alta", "darme de alta", "reanudar", "volver a recibir"})}
HELP_WORDS = {"en": frozenset({"help", "info"}), "es": frozenset({"ayuda", "informacion"})}
POLITE = frozenset({"please", "pls", "now", "por", "favor", "porfavor", "porfa", "xfa", "ya"})


OPT_OUT_TWILIO = "opt_out_twilio"   # Twilio sends its own confirmation: reply with nothing
OPT_OUT_PLAIN = "opt_out_plain"     # we confirm in one line
OPT_IN = "opt_in"
HELP = "help"


@dataclass(frozen=True)
class Keyword:
    """A keyword message, and the language it was said in (None: Twilio's own English word,
    which any patient may send)."""
    kind: str
    lang: str | None = None


def _bare(text: str) -> str:
    """The message as Twilio compares keywords: trimmed, upper case."""
    return re.sub(r"\s+", " ", text).strip().upper()


def classify(text: str, opted_out: bool) -> Keyword | None:
    """Which keyword this message is, or None when it belongs to the conversation. Whole
    messages only: "my doctor wants to take me off tizanidine" is not an opt-out."""
    if _bare(text) in TWILIO_OPT_OUT:
        return Keyword(OPT_OUT_TWILIO)
    said = unaccented(text)
    polite = " ".join(w for w in said.split() if w not in POLITE)
    if said.upper() in TWILIO_OPT_OUT:
        return Keyword(OPT_OUT_PLAIN)
    for lang, requests in OPT_OUT.items():
        if said in requests or polite in requests:
            return Keyword(OPT_OUT_PLAIN, lang)
    if opted_out:
        if said.upper() in TWILIO_OPT_IN:
            return Keyword(OPT_IN)
        for lang, words in OPT_IN_WORDS.items():
            if said in words or polite in words:
                return Keyword(OPT_IN, lang)
    for lang, words in HELP_WORDS.items():
        if said in words:
            return Keyword(HELP, lang)
    return None
