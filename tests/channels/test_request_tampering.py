"""A captured signed request, changed so that Twilio's signature still holds, is refused or
changes nothing.

Twilio's signature runs the URL and every form name and value together with nothing between
them, so characters can move across a boundary and the signature stays valid:
`MessageSid=SM...` sent as `MessageSi=dSM...` (the line saw no message id, and a replayed "1"
moved a conversation on a second time), or a gather URL `...&p=0` sent as `...&p=` with a form
field named `0` (the caller's yes to an earlier item of the list was lost: self-care instead of
routine). So every webhook must carry our AccountSid and its channel's id, well formed, or get
403 with nothing stored; and the state in a gather URL is sealed by the line itself, so a URL
changed on the way is answered with the current question, never a step from what it claims.
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from handler.infra.signature import sign
from tests.channels.sms_helpers import (
    ACCOUNT_SID,
    BASE_URL,
    PATIENT,
    get_item,
    scan_items,
    sms_params,
    stored_position,
)
from tests.channels.voice_helpers import (
    AUTH_TOKEN,
    CALL_SID,
    ORIGIN,
    STAGE,
    outcomes_heard,
    sealed_path,
    stored_state,
    voice_params,
    walk,
)

SMS_URL = BASE_URL + "/sms"
OTHER_ACCOUNT = "AC" + "fe" * 16


def refused_and_nothing_changed(response, dynamodb, before: list) -> None:
    assert response.status_code == 403
    assert b"<Message>" not in response.data
    assert scan_items(dynamodb) == before


# --- SMS: the message id moved across a boundary ----------------------------------------------

def test_a_message_sid_renamed_across_the_boundary_is_refused_and_the_answer_is_not_taken_twice(
        sms_sender, dynamodb):
    sms_sender.send("HI")
    answer = sms_params(PATIENT, "1", sms_sender.new_sid())
    assert sms_sender.post_params(answer).status_code == 200
    assert stored_position(dynamodb) == "red_flags"
    before = scan_items(dynamodb)

    replayed = {name: value for name, value in answer.items() if name != "MessageSid"}
    replayed["MessageSi"] = "d" + answer["MessageSid"]
    assert sign(AUTH_TOKEN, SMS_URL, replayed) == sign(AUTH_TOKEN, SMS_URL, answer), "the signature still holds"
    response = sms_sender.post_params(replayed)

    # Taken, it would have answered the red flag question with "1": an emergency.
    refused_and_nothing_changed(response, dynamodb, before)
    assert stored_position(dynamodb) == "red_flags"


def test_a_first_message_with_its_sid_renamed_stores_nothing(sms_sender, dynamodb):
    sent = sms_params(PATIENT, "HI", sms_sender.new_sid())
    renamed = {name: value for name, value in sent.items() if name != "MessageSid"}
    renamed["MessageSi"] = "d" + sent["MessageSid"]
    refused_and_nothing_changed(sms_sender.post_params(renamed), dynamodb, [])
    assert get_item(dynamodb) is None


# --- the account -------------------------------------------------------------------------------

ACCOUNT_CHANGES = {
    "missing": None,
    "empty": "",
    "another account": OTHER_ACCOUNT,
    "ours with a character moved in": ACCOUNT_SID + "A",
    "ours cut short": ACCOUNT_SID[:-1],
    "ours in capitals": ACCOUNT_SID.upper(),
    "ours with a space": " " + ACCOUNT_SID,
}


@pytest.mark.parametrize("change", sorted(ACCOUNT_CHANGES))
def test_an_sms_without_our_account_sid_is_refused(sms_sender, dynamodb, change):
    params = sms_params(PATIENT, "HI", sms_sender.new_sid())
    if ACCOUNT_CHANGES[change] is None:
        del params["AccountSid"]
    else:
        params["AccountSid"] = ACCOUNT_CHANGES[change]
    refused_and_nothing_changed(sms_sender.post_params(params), dynamodb, [])


def test_an_sms_naming_two_accounts_is_refused(sms_sender, dynamodb):
    params = list(sms_params(PATIENT, "HI", sms_sender.new_sid()).items()) + [("AccountSid", OTHER_ACCOUNT)]
    signature = sign(AUTH_TOKEN, SMS_URL, MultiDict(params))
    response = sms_sender.app.test_client().post("/sms", data=urlencode(params), headers={
        "X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"},
        base_url=ORIGIN)
    refused_and_nothing_changed(response, dynamodb, [])


@pytest.mark.parametrize("change", sorted(ACCOUNT_CHANGES))
def test_a_call_without_our_account_sid_is_refused(caller, dynamodb, change):
    replace = {"AccountSid": ACCOUNT_CHANGES[change]}
    assert caller.start(**replace).first.status == 403
    assert scan_items(dynamodb) == []


def test_the_log_names_the_refusal_and_nothing_from_the_request(sms_sender, dynamodb, json_log):
    params = sms_params(PATIENT, "HI", sms_sender.new_sid(), AccountSid=OTHER_ACCOUNT)
    assert sms_sender.post_params(params).status_code == 403
    events = json_log.events()
    assert [e["event"] for e in events] == ["account_rejected"]
    for line in json_log.lines():
        for value in (PATIENT, PATIENT[1:], params["MessageSid"], OTHER_ACCOUNT, ACCOUNT_SID):
            assert value not in line


# --- the message and call ids ------------------------------------------------------------------

BAD_SIDS = {
    "missing": None,
    "empty": "",
    "too short": "SM" + "ab" * 15,
    "too long": "SM" + "ab" * 16 + "a",
    "not hex": "SM" + "g" * 32,
    "another kind": "MG" + "ab" * 16,
    "with a space": "SM" + "ab" * 16 + " ",
    "a letter moved in": "dSM" + "ab" * 16,
}


@pytest.mark.parametrize("change", sorted(BAD_SIDS))
def test_an_sms_with_a_malformed_message_sid_is_refused(sms_sender, dynamodb, change):
    params = sms_params(PATIENT, "HI", "SM" + "ab" * 16)
    if BAD_SIDS[change] is None:
        del params["MessageSid"]
    else:
        params["MessageSid"] = BAD_SIDS[change]
    refused_and_nothing_changed(sms_sender.post_params(params), dynamodb, [])


@pytest.mark.parametrize("sid", ["SM" + "ab" * 16, "MM" + "0123456789ABCDEF" * 2])
def test_an_sms_or_mms_sid_is_accepted(sms_sender, dynamodb, sid):
    assert sms_sender.send("HI", sid=sid).status == 200
    assert stored_position(dynamodb) == "topic"


def _call_sid(change: str) -> str | None:
    bad = BAD_SIDS[change]
    return bad if bad is None else bad.replace("SM", "CA", 1)


@pytest.mark.parametrize("change", sorted(BAD_SIDS))
def test_a_call_with_a_malformed_call_sid_is_refused(caller, dynamodb, change):
    assert caller.start(CallSid=_call_sid(change)).first.status == 403
    assert scan_items(dynamodb) == []


@pytest.mark.parametrize("change", ["missing", "too long", "a letter moved in", "another kind"])
@pytest.mark.parametrize("route", ["answer", "nurse-done"])
def test_a_gather_callback_with_a_malformed_call_sid_is_refused(caller, flow, dynamodb, change, route):
    walk(caller, flow, until=("red_flags", 0))
    before = scan_items(dynamodb)
    action = caller.current.gather.get("action")
    if route == "nurse-done":
        action = action.replace("/voice/answer?", "/voice/nurse-done?")
    params = voice_params("voice_gather_digits", CALL_SID, Digits="1", CallSid=_call_sid(change))
    assert caller.post(action, params).status == 403
    assert scan_items(dynamodb) == before


# --- voice: the state in a gather URL ----------------------------------------------------------

def at_the_last_pattern_item_with_the_first_picked(caller, flow):
    """A caller who said yes to 'they wake you from sleep' (item 0) and is asked item 4."""
    walk(caller, flow, present={"pattern.wakes_from_sleep"}, until=("pattern", 4))
    assert caller.current.place == {"q": "pattern", "i": "4", "p": "0"}
    return caller.current.gather.get("action")


def assert_asked_the_current_question_again(caller, flow, dynamodb, turn, before) -> None:
    assert turn.last.status == 200
    assert turn.last.place == {"q": "pattern"}, "the list again, from its first item"
    assert outcomes_heard(flow, turn) == [], "no advice"
    assert stored_state(dynamodb, caller.key) == before, "nothing taken from the changed URL"


def test_a_gather_url_cut_short_into_a_form_field_is_answered_with_the_current_question(
        caller, flow, dynamodb):
    action = at_the_last_pattern_item_with_the_first_picked(caller, flow)
    before = stored_state(dynamodb, caller.key)
    assert action.endswith("&p=0")
    params = voice_params("voice_gather_digits", CALL_SID, Digits="2")
    cut = {**params, "0": ""}                     # "0" sorts before every name Twilio sends
    signature = sign(AUTH_TOKEN, action, params)
    assert sign(AUTH_TOKEN, action[:-1], cut) == signature, "the signature still holds"

    turn = caller._follow(caller.post(action[:-1], cut, signature=signature, url=action[:-1]))

    assert_asked_the_current_question_again(caller, flow, dynamodb, turn, before)
    # The yes to the first item is not lost: asked again, the caller reaches routine advice.
    end = walk(caller, flow, present={"pattern.wakes_from_sleep"})
    assert outcomes_heard(flow, end) == ["routine_advice"]


ALTERATIONS = {
    "another question": ("q", "condition"),
    "the advice": ("q", "advice"),
    "another item": ("i", "3"),
    "more picked": ("p", "0.1"),
    "nothing picked": ("p", None),
    "no seal": ("seal", None),
    "another seal": ("seal", "0" * 32),
    "again added": ("again", "1"),
}


@pytest.mark.parametrize("alteration", sorted(ALTERATIONS))
@pytest.mark.parametrize("answer", [{"Digits": "2"}, {"SpeechResult": "No."}, {"Digits": "1"}])
def test_an_altered_gather_url_is_answered_with_the_current_question(caller, flow, dynamodb, alteration, answer):
    """Signed as Twilio would sign it: only the line's own seal tells it was not made here."""
    action = at_the_last_pattern_item_with_the_first_picked(caller, flow)
    before = stored_state(dynamodb, caller.key)
    name, value = ALTERATIONS[alteration]
    pairs = dict(parse_qsl(urlsplit(action).query, keep_blank_values=True))
    if value is None:
        pairs.pop(name)
    else:
        pairs[name] = value
    altered = action.split("?")[0] + "?" + urlencode(pairs)
    kind = "voice_gather_digits" if "Digits" in answer else "voice_gather_speech"
    params = voice_params(kind, CALL_SID, **answer)

    turn = caller._follow(caller.post(altered, params))

    assert_asked_the_current_question_again(caller, flow, dynamodb, turn, before)


def test_a_place_sealed_by_the_line_is_still_taken(caller, flow, dynamodb, settings):
    """The seal is over what the query says, not over how it is written."""
    at_the_last_pattern_item_with_the_first_picked(caller, flow)
    path = sealed_path(settings, STAGE + "/voice/answer", p="0", i="4", q="pattern")
    turn = caller._follow(caller.post(path, voice_params("voice_gather_digits", CALL_SID, Digits="2")))
    assert turn.last.place == {"q": "condition"}


def test_a_nurse_done_url_altered_goes_back_to_the_current_question(caller, flow, dynamodb, settings):
    at_the_last_pattern_item_with_the_first_picked(caller, flow)
    before = stored_state(dynamodb, caller.key)
    path = STAGE + "/voice/nurse-done?" + urlencode({"q": "advice"})
    params = voice_params("voice_incoming_call", CALL_SID, DialCallStatus="no-answer", CallStatus="in-progress")
    turn = caller._follow(caller.post(path, params))
    assert turn.last.place == {"q": "pattern"}
    assert outcomes_heard(flow, turn) == []
    assert stored_state(dynamodb, caller.key) == before
