"""Concurrency and duplicates against the real server (waitress, separate
process) and a real DynamoDB endpoint: many patients at once, bursts from one
number, and Twilio-style retries with the same MessageSid. Afterwards every
session holds exactly the messages that were accepted: none lost, none applied
twice."""
from concurrent.futures import ThreadPoolExecutor
from itertools import count
from xml.etree import ElementTree

import pytest

from handler.flow import load_flows
from tests.live_server import running_line

NUMBERS = 8              # patients texting at the same time
BURST = 5                # messages each sends at once, after the first
DUPLICATED = 2           # of those, how many Twilio also retries (same MessageSid, at once)
RESEND = load_flows()["muscle-spasms"].text("resend", "en")
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
    empty = [(s, b) for s, (_st, b) in results if not messages(b)]
    assert not empty, empty[:3]

    by_sid: dict[str, list[list[str]]] = {}
    for (sender, _body, sid), (_status, body) in results:
        by_sid.setdefault(sid, []).append(messages(body))
    accepted = {sender: 1 for sender in senders}           # the opening "hi"
    for (sender, _body, sid) in dict.fromkeys(sends):
        replies = by_sid[sid]
        if any(reply != [RESEND] for reply in replies):
            accepted[sender] += 1                          # applied (once, even if sent twice)
        # A retry racing its original gets either the same answer or, when another message
        # from the number landed in between, where the talk now stands; both are answers.

    items = {item["pk"]["S"]: item for item in line.items()}
    assert len(items) == NUMBERS
    lost = double = 0
    applied = sorted(int(item["v"]["N"]) for item in items.values())
    for item in items.values():
        assert int(item["turns"]["N"]) == int(item["v"]["N"])   # one turn per write, no partial writes
    expected = sorted(accepted.values())
    for have, want in zip(applied, expected):
        lost += max(0, want - have)
        double += max(0, have - want)
    print(f"\nmessages {len(sends) + NUMBERS}, duplicates {NUMBERS * DUPLICATED}, "
          f"resend notices {sum(r == [RESEND] for rs in by_sid.values() for r in rs)}, "
          f"lost {lost}, double-applied {double}")
    assert (lost, double) == (0, 0)
    assert applied == expected


def test_concurrent_first_messages_from_one_number_make_one_conversation(line):
    sender = "+15550209999"
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: line.post_sms(sender, "hi", message_id()), range(4)))
    assert all(status == 200 and messages(body) for status, body in results)
    mine = [i for i in line.items() if int(i["turns"]["N"]) and "9999" not in i["pk"]["S"]]
    assert mine                                             # stored, under a hash, never the number
    assert not any(sender in str(item) for item in line.items())
