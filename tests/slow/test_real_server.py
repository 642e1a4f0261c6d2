"""Concurrency and duplicates against the real server (waitress, separate
process) and a real DynamoDB endpoint: many patients at once, bursts from one
number, and Twilio-style retries with the same MessageSid. Afterwards every
session holds exactly the messages that were accepted: none lost, none applied
twice."""
from concurrent.futures import ThreadPoolExecutor
from itertools import count
from xml.etree import ElementTree

import pytest

from handler.channels.safe_reply import safe_text
from handler.infra.flow_files import load_flows
from handler.infra.pseudonyms import pseudonym
from tests.flow_words import emergency_openings
from tests.live_server import HASH_KEY, running_line

NUMBERS = 8              # patients texting at the same time
BURST = 5                # messages each sends at once, after the first
DUPLICATED = 2           # of those, how many Twilio also retries (same MessageSid, at once)
FLOW = load_flows()["muscle-spasms"]
RESEND = FLOW.text("resend", "en")
SAFE = safe_text()
# Emergency advice is given even when the write keeps losing the race, so it may not be stored.
EMERGENCY = emergency_openings(FLOW)
_ids = count(1)


def message_id() -> str:
    return f"SM{next(_ids):032x}"


@pytest.fixture(scope="module")
def line():
    with running_line() as live:
        yield live


def messages(body: str) -> list[str]:
    return ["".join(m.itertext()) for m in ElementTree.fromstring(body).iter("Message")]


def test_bursts_and_retries_lose_nothing_and_apply_nothing_twice(line):
    senders = [f"+1555010{n:04d}" for n in range(NUMBERS)]
    for sender in senders:                                 # each conversation starts normally
        assert line.post_sms(sender, "hi", message_id())[0] == 200

    sends = []                                             # (sender, body, sid)
    for sender in senders:
        for n in range(BURST):
            sid = message_id()
            sends.append((sender, ["1", "0", "2", "yes", "none"][n % 5], sid))
            if n < DUPLICATED:
                sends.append((sender, ["1", "0", "2", "yes", "none"][n % 5], sid))
    with ThreadPoolExecutor(max_workers=len(sends)) as pool:
        results = list(pool.map(lambda s: (s, line.post_sms(*s)), sends))

    assert all(status == 200 for _send, (status, _body) in results), "never a 5xx"
    safe = sum(messages(body) == [SAFE] for _send, (_status, body) in results)
    print(f"\nsafe messages (store too slow to answer in time): {safe}")
    empty = [(s, b) for s, (_st, b) in results if not messages(b)]
    assert not empty, empty[:3]

    by_sid: dict[str, list[list[str]]] = {}
    for (_sender, _body, sid), (_status, body) in results:
        by_sid.setdefault(sid, []).append(messages(body))
    # Per number, messages surely applied (a normal answer) and messages whose fate the patient
    # was told but that may have landed (the safe message: the store did not answer in time).
    sure = {sender: 1 for sender in senders}               # the opening "hi"
    maybe = {sender: 0 for sender in senders}
    for (sender, _body, sid) in dict.fromkeys(sends):
        replies = by_sid[sid]
        told = [reply for reply in replies if reply in ([RESEND], [SAFE]) or reply[0] in EMERGENCY]
        if len(told) < len(replies):
            sure[sender] += 1                              # applied (once, even if sent twice)
        elif any(reply != [RESEND] for reply in told):
            maybe[sender] += 1
        # A retry racing its original gets either the same answer or, when another message
        # from the number landed in between, where the talk now stands; both are answers.

    items = {item["pk"]["S"]: item for item in line.items()}
    assert len(items) == NUMBERS
    lost = double = 0
    for sender in senders:
        item = items["sms#" + pseudonym(HASH_KEY, sender)]
        applied = int(item["v"]["N"])
        assert int(item["turns"]["N"]) == applied           # one turn per write, no partial writes
        lost += max(0, sure[sender] - applied)
        double += max(0, applied - sure[sender] - maybe[sender])
    print(f"\nmessages {len(sends) + NUMBERS}, duplicates {NUMBERS * DUPLICATED}, "
          f"resend notices {sum(r == [RESEND] for rs in by_sid.values() for r in rs)}, "
          f"lost {lost}, double-applied {double}")
    assert (lost, double) == (0, 0)

def test_concurrent_first_messages_from_one_number_make_one_conversation(line):
    sender = "+15550209999"
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: line.post_sms(sender, "hi", message_id()), range(4)))
    assert all(status == 200 and messages(body) for status, body in results)
    mine = [i for i in line.items() if int(i["turns"]["N"]) and "9999" not in i["pk"]["S"]]
    assert mine                                             # stored, under a hash, never the number
    assert not any(sender in str(item) for item in line.items())
