"""6. Memory: peak RSS (getrusage ru_maxrss) of a process of its own running the
line through many conversations, sampled along the way: a leak shows as growth
per conversation between the first and the last sample."""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from bench.cold_start import child_environment
from bench.patients import as_json
from bench.processes import run_fresh


def measure(settings, endpoint: str, scripts, conversations: int) -> dict:
    checkpoints = sorted({max(1, conversations // 10), max(1, conversations // 2), conversations})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scripts.json"
        path.write_text(json.dumps(as_json(scripts)), encoding="utf-8")
        done = run_fresh([sys.executable, "-m", "bench.memory_child", str(path), str(conversations),
                          ",".join(map(str, checkpoints))], child_environment(settings, endpoint), timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"memory child failed:\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    first, last = result["samples"][0], result["samples"][-1]
    between = last["conversations"] - first["conversations"]

    def growth(key: str) -> float:
        return round((last[key] - first[key]) / between, 3) if between else 0.0

    return {**result, "checkpoints": checkpoints,
            "peak_rss_mb": round(last["maxrss_kb"] / 1024, 1),
            # from the first sample to the last: peak RSS, and RSS at the time (which shows a leak
            # that stays below the start-up peak)
            "growth_kb_per_conversation": growth("maxrss_kb"),
            "rss_growth_kb_per_conversation": growth("rss_kb")}
