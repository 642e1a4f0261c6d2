"""Run by memory_use.py in its own process: the line app (settings from the
environment, DynamoDB in the parent process, so the fake database's memory is not
counted) answers N recorded conversations from fresh numbers; peak RSS is sampled
at the checkpoints. Prints one JSON line.

    python -m bench.memory_child SCRIPTS_JSON CONVERSATIONS CHECKPOINT[,CHECKPOINT...]"""
from __future__ import annotations

import json
import sys
import time


def current_rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main(scripts_path: str, conversations: int, checkpoints: list[int]) -> dict:
    from bench.processes import peak_rss_kb
    from handler.app import create_app
    from handler.tools.local_line import SignedClient

    with open(scripts_path, encoding="utf-8") as handle:
        scripts = json.load(handle)
    app = create_app()
    client = SignedClient(app, app.config["SETTINGS"])
    samples, failures, messages = [], 0, 0
    began = time.perf_counter()
    for n in range(1, conversations + 1):
        number = f"+1777{n:07d}"
        for text in scripts[(n - 1) % len(scripts)]["texts"]:
            failures += client.sms(number, text).status_code != 200
            messages += 1
        if n in checkpoints:
            samples.append({"conversations": n, **peak_rss_kb(), "rss_kb": current_rss_kb()})
    return {"conversations": conversations, "messages": messages, "failures": failures,
            "seconds": round(time.perf_counter() - began, 1), "samples": samples}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]), [int(c) for c in sys.argv[3].split(",")])), flush=True)
