"""4. DynamoDB cost: requests per message by operation, counted with botocore's
event hooks on the store's own client; the capacity the item's size implies (the
line does not ask DynamoDB for its consumed capacity, and moto would report fixed
values per operation anyway); and the session item's size after every message of
the longest conversation."""
from __future__ import annotations

from collections import Counter

from bench.item_size import item_size, read_units, write_units
from handler.infra.pseudonyms import pseudonym
from handler.infra.store import dynamodb_client
from handler.tools.local_line import SignedClient

ITEM_LIMIT = 1024       # goal: every write is 1 WCU


class Counting:
    """Counts a client's calls (and HTTP attempts, retries included) by operation."""

    def __init__(self, client):
        self.calls: Counter = Counter()
        self.attempts: Counter = Counter()
        self.client = client
        events = client.meta.events
        events.register("before-call.dynamodb", self._call)
        events.register("before-send.dynamodb", self._send)

    def _call(self, model, **_kwargs):
        self.calls[model.name] += 1

    def _send(self, event_name, **_kwargs):
        self.attempts[event_name.rsplit(".", 1)[-1]] += 1

    def close(self):
        events = self.client.meta.events
        events.unregister("before-call.dynamodb", self._call)
        events.unregister("before-send.dynamodb", self._send)


def per_message(counter: Counter, messages: int) -> dict:
    return {op: round(n / messages, 3) for op, n in sorted(counter.items())}


def measure(line_app, baseline_app, settings, scripts, numbers) -> dict:
    store = line_app.extensions["triage_line"].store
    reader = dynamodb_client(settings.aws_region, settings.dynamodb_endpoint_url)   # not counted

    def stored(number: str) -> dict | None:
        key = "sms#" + pseudonym(settings.phone_hash_key, number)
        return reader.get_item(TableName=store.table, Key={"pk": {"S": key}}, ConsistentRead=True).get("Item")

    line_count, base_count = Counting(store.client), Counting(baseline_app.extensions["dynamodb"])
    try:
        line, base = SignedClient(line_app, settings), SignedClient(baseline_app, settings)
        messages = 0
        longest = max(scripts, key=lambda s: len(s.texts))
        walk = []
        for script in scripts:
            number, base_number = numbers(), numbers()
            before = 0
            for n, text in enumerate(script.texts, 1):
                calls_before = Counter(line_count.calls)
                line.sms(number, text)
                base.sms(base_number, text)
                messages += 1
                if script is longest:
                    size = item_size(stored(number))
                    made = line_count.calls - calls_before
                    walk.append({"message": n, "text": text, "item_bytes": size,
                                 "get_item": made["GetItem"], "put_item": made["PutItem"],
                                 "read_units": read_units(before) * made["GetItem"],
                                 "write_units": write_units(before, size) * made["PutItem"]})
                    before = size
    finally:
        line_count.close()
        base_count.close()

    largest = max(w["item_bytes"] for w in walk)
    return {
        "messages": messages,
        "requests_per_message": {"line": per_message(line_count.calls, messages),
                                 "baseline": per_message(base_count.calls, messages)},
        "http_attempts_per_message": {"line": per_message(line_count.attempts, messages)},
        # from the item's size, over the longest conversation (the largest item)
        "read_units_per_message": round(sum(w["read_units"] for w in walk) / len(walk), 3),
        "write_units_per_message": round(sum(w["write_units"] for w in walk) / len(walk), 3),
        "longest_conversation": {"id": longest.id, "messages": len(longest.texts), "walk": walk},
        "item_bytes_max": largest,
        "item_limit_bytes": ITEM_LIMIT,
        "verdict": "met" if (largest < ITEM_LIMIT and line_count.calls["GetItem"] <= messages
                             and line_count.calls["PutItem"] <= messages) else "over",
    }
