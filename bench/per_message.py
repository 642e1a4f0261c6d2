"""1. Per-message server time through the WSGI app, the line against the baseline,
both on the same embedded DynamoDB table. Conversations are replayed message by
message, the two apps alternating which goes first, so drift hits both alike. After
each message, one bare GetItem + PutItem pair on the same table is timed too: the
part of both apps' time that is DynamoDB's (here moto's, over loopback)."""
from __future__ import annotations

import time

from bench.timing import paired_ratio, ratio, summary, verdict
from bench.wsgi_calls import TimedSignedClient
from handler.tools.twiml_reading import sms_messages

GOAL = 1.5


def measure(line_app, baseline_app, settings, scripts, conversations: int, numbers) -> dict:
    clients = {"line": TimedSignedClient(line_app, settings), "baseline": TimedSignedClient(baseline_app, settings)}
    for client in clients.values():                       # warm both before the clock matters
        number = numbers()
        for text in scripts[0].texts:
            client.sms(number, text)

    times = {"line": [], "baseline": []}
    dynamodb_pairs = []
    raw, table = baseline_app.extensions["dynamodb"], settings.sessions_table
    per_conversation = {"line": [], "baseline": []}
    mismatches = 0
    for i in range(conversations):
        script = scripts[i % len(scripts)]
        numbers_now = {name: numbers() for name in clients}
        totals = {name: 0.0 for name in clients}
        last_line = None
        for j, text in enumerate(script.texts):
            order = ("line", "baseline") if (i + j) % 2 == 0 else ("baseline", "line")
            for name in order:
                reply = clients[name].sms(numbers_now[name], text)
                if reply.status_code != 200:
                    raise RuntimeError(f"{name} answered {reply.status_code} to message {j + 1} of {script.id}")
                times[name].append(reply.seconds)
                totals[name] += reply.seconds
                if name == "line":
                    last_line = reply
            dynamodb_pairs.append(_get_and_put(raw, table, numbers_now["baseline"]))
        for name in clients:
            per_conversation[name].append(totals[name])
        sent = sms_messages(last_line.data) if last_line is not None else []
        mismatches += not sent or sent[-1] != script.last_reply

    line, base = summary(times["line"], 1000), summary(times["baseline"], 1000)
    median_ratio = ratio(line["median"], base["median"])
    return {
        "conversations": conversations,
        "messages": len(times["line"]),
        "messages_per_conversation": round(len(times["line"]) / conversations, 2),
        "line_ms": line,
        "baseline_ms": base,
        "dynamodb_get_and_put_ms": summary(dynamodb_pairs, 1000),
        "ratio_median": median_ratio,
        "ratio_p99": ratio(line["p99"], base["p99"]),
        "ratio_paired_median": paired_ratio(times["line"], times["baseline"]),   # message by message
        "goal_ratio": GOAL,
        "verdict": verdict(median_ratio, GOAL),
        "per_conversation_ms": {"line": summary(per_conversation["line"], 1000),
                                "baseline": summary(per_conversation["baseline"], 1000)},
        "replays_not_ending_in_the_recorded_advice": mismatches,
    }


def _get_and_put(client, table: str, key: str) -> float:
    """One GetItem and one PutItem, as the baseline does them, with no app around them."""
    item_key = {"pk": {"S": "bare#" + key}}
    started = time.perf_counter()
    item = client.get_item(TableName=table, Key=item_key, ConsistentRead=True).get("Item")
    client.put_item(TableName=table, Item={**item_key, "n": {"N": str(int(item["n"]["N"]) + 1 if item else 1)}})
    return time.perf_counter() - started
