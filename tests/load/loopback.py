"""A bounded load test on loopback: mixed SMS traffic (whole conversations,
help, restarts, misses, duplicates) from many numbers at once against the real
server, for a fixed time and at most a fixed number of requests. Traffic goes
only to 127.0.0.1.

    .venv/bin/python -m tests.load.loopback [--seconds 60] [--clients 8] [--max-requests 50000]
"""
from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
from itertools import count
from xml.etree import ElementTree

from tests.live_server import running_line

SCRIPTS = [                      # what patients send after their first message
    ["1", "0", "3", "0", "no", "0"],                    # self-care
    ["1", "0", "3", "1 2", "no", "1"],                  # routine
    ["1", "0", "1", "2", "0", "0", "no", "0"],          # urgent (tizanidine, dizzy)
    ["1", "3"],                                         # red flag: emergency
    ["1", "maybe", "0", "help", "3", "0", "no", "2"],   # a miss and HELP along the way
    ["2"],                                              # out of scope
    ["1", "0", "restart", "1", "0", "3", "0", "yes", "0"],
]


def run(seconds: float, clients: int, max_requests: int, seed: int = 7) -> dict:
    latencies: list[float] = []
    errors = duplicates = 0
    lock = threading.Lock()
    ids = count(1)
    budget = iter(range(max_requests))
    deadline = float("inf")

    with running_line(threads=8) as line:
        def client(worker: int) -> None:
            nonlocal errors, duplicates
            rng = random.Random(seed + worker)
            patient = 0
            while time.monotonic() < deadline:
                patient += 1
                sender = f"+1555{worker:03d}{patient:04d}"
                for body in ["hi", *rng.choice(SCRIPTS)]:
                    if time.monotonic() >= deadline or next(budget, None) is None:
                        return
                    sid = f"SM{next(ids):032x}"
                    repeats = 2 if rng.random() < 0.05 else 1   # some Twilio retries
                    with lock:
                        duplicates += repeats - 1
                    for _attempt in range(repeats):
                        started = time.perf_counter()
                        try:
                            status, text = line.post_sms(sender, body, sid)
                            ok = status == 200 and ElementTree.fromstring(text).tag == "Response"
                        except Exception:
                            ok = False
                        elapsed = time.perf_counter() - started
                        with lock:
                            latencies.append(elapsed)
                            errors += not ok

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        deadline = time.monotonic() + seconds
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began

    ordered = sorted(latencies)
    return {
        "requests": len(ordered), "duplicates": duplicates, "seconds": round(wall, 1), "clients": clients,
        "requests_per_second": round(len(ordered) / wall, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "error_rate": round(errors / len(ordered), 5),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--max-requests", type=int, default=50_000)
    args = parser.parse_args()
    result = run(args.seconds, args.clients, args.max_requests)
    for key, value in result.items():
        print(f"{key:20} {value}")


if __name__ == "__main__":
    main()
