"""The SMS line in Spanish, through the signed webhook and the store: a first message
in Spanish gets the Spanish opening, ESPAÑOL and ENGLISH switch at any point and keep
the answers, and AYUDA, PARAR and the Spanish opt-in words work as HELP, STOP and START."""
from __future__ import annotations

import pytest

from tests.channels.sms_helpers import get_item, item_state, question_prompt, stored_findings, text

SPANISH_OPENINGS = ["hola", "HOLA", "Hola, tengo calambres en las piernas por la noche",
                    "buenas tardes", "necesito ayuda con unos calambres", "ESPAÑOL", "espanol"]


def language(dynamodb) -> str | None:
    state = item_state(get_item(dynamodb))
    return state["lang"] if state else None


@pytest.mark.parametrize("opening", SPANISH_OPENINGS)
def test_a_first_message_in_spanish_gets_the_spanish_opening(sms_sender, dynamodb, opening):
    reply = sms_sender.send(opening)
    joined = "\n\n".join(reply.messages)
    assert joined.startswith(text("opening", "es"))
    assert text("language_offer", "es") in joined            # the Spanish opening offers English
    # the first question, or first a Spanish check of what the message said ("por la noche")
    assert question_prompt("topic", "es") in joined or "Solo para confirmar" in joined
    assert language(dynamodb) == "es"


@pytest.mark.parametrize("opening", ["HI", "hello", "my legs cramp", "1", "Hi, leg cramps at night"])
def test_a_first_message_in_english_gets_the_english_opening_with_the_spanish_offer(sms_sender, dynamodb, opening):
    joined = "\n\n".join(sms_sender.send(opening).messages)
    assert joined.startswith(text("opening", "en"))
    assert text("language_offer", "en") in joined
    assert "ESPAÑOL" in text("language_offer", "en")
    assert language(dynamodb) == "en"


def test_espanol_mid_conversation_switches_and_keeps_the_answers(sms_sender, dynamodb):
    sms_sender.send("HI")
    sms_sender.send("1")                      # spasms or cramps: now at the red-flag question
    sms_sender.send("0")                      # none: now at the medicine question
    before = stored_findings(dynamodb)
    reply = sms_sender.send("ESPAÑOL")
    joined = "\n\n".join(reply.messages)
    assert text("language_switched", "es") in joined
    assert question_prompt("medicine", "es") in joined
    assert language(dynamodb) == "es" and stored_findings(dynamodb) == before
    assert item_state(get_item(dynamodb))["node"] == "medicine"
    back = "\n\n".join(sms_sender.send("english").messages)
    assert text("language_switched", "en") in back and question_prompt("medicine", "en") in back
    assert language(dynamodb) == "en"


def test_a_spanish_answer_in_an_english_conversation_moves_it_to_spanish(sms_sender, dynamodb):
    sms_sender.send("HI")
    reply = sms_sender.send("tengo calambres en las piernas")
    assert language(dynamodb) == "es"
    assert any(question_prompt("red_flags", "es") in message for message in reply.messages)


@pytest.mark.parametrize("answer", ["1", "2", "no", "ok", "si"])
def test_a_short_answer_never_moves_the_language(sms_sender, dynamodb, answer):
    sms_sender.send("HI")
    sms_sender.send(answer)
    assert language(dynamodb) == "en"


def test_ayuda_gives_the_spanish_help(sms_sender, dynamodb):
    reply = sms_sender.send("AYUDA")
    assert reply.messages == [text("help", "es")]
    assert get_item(dynamodb) is None                        # help changes nothing
    sms_sender.send("hola")
    during = "\n\n".join(sms_sender.send("ayuda").messages)
    assert during.startswith(text("help", "es")) and question_prompt("topic", "es") in during


@pytest.mark.parametrize("body", ["PARAR", "parar", "Alto", "CANCELAR", "BAJA", "darme de baja",
                                  "ya no me manden mensajes", "No me manden más mensajes por favor"])
def test_spanish_opt_out_words_opt_out_with_a_spanish_confirmation(sms_sender, dynamodb, body):
    sms_sender.send("hola")
    reply = sms_sender.send(body)
    assert reply.messages == [text("opted_out", "es")]
    item = get_item(dynamodb)
    assert item.get("opted_out") == {"BOOL": True} and "state" not in item
    assert sms_sender.send("1").messages == []               # nothing more is sent


@pytest.mark.parametrize("word", ["INICIAR", "alta", "START"])
def test_opting_back_in_after_parar(sms_sender, dynamodb, word):
    sms_sender.send("PARAR")
    assert sms_sender.send("hola").messages == []
    sms_sender.send(word)
    assert get_item(dynamodb).get("opted_out", {"BOOL": False}) == {"BOOL": False}
    assert sms_sender.send("hola").messages[0].startswith(text("opening", "es"))


def test_english_stop_still_works_in_a_spanish_conversation(sms_sender, dynamodb):
    sms_sender.send("hola")
    assert sms_sender.send("STOP").messages == []            # Twilio answers STOP itself
    assert get_item(dynamodb).get("opted_out") == {"BOOL": True}


def test_a_spanish_conversation_ends_in_spanish_advice(sms_sender, dynamodb):
    for body in ("hola", "1", "0", "3", "0", "no", "0"):
        reply = sms_sender.send(body)
    joined = "\n\n".join(reply.messages)
    assert text("safety_net", "es") in joined and "911" in joined
    assert language(dynamodb) == "es"


def test_si_answers_yes_in_spanish(sms_sender, dynamodb):
    for body in ("hola", "1", "0", "3", "0"):
        sms_sender.send(body)
    assert item_state(get_item(dynamodb))["node"] == "condition"
    sms_sender.send("Sí, tengo esclerosis múltiple")
    assert "condition.neurological" in stored_findings(dynamodb)
