"""2. The engine alone (pure functions, no I/O): time per engine.start and
engine.step over the recorded conversations, flow loading with schema validation,
and the whole `triage-line validate` (rules, exhaustive safety walk, SMS costs)."""
from __future__ import annotations

import time
from pathlib import Path

from bench.timing import summary
from handler.core import engine
from handler.infra.flow_files import FLOWS_DIR, flow_files, load_flows


def step_times(flow, scripts, repeats: int) -> dict:
    starts, steps = [], []
    for _ in range(repeats):
        for script in scripts:
            state = None
            for text in script.texts:
                began = time.perf_counter()
                result = engine.start(flow, "en", text) if state is None else engine.step(flow, state, text)
                elapsed = time.perf_counter() - began
                (starts if state is None else steps).append(elapsed)
                state = result.state
    return {"repeats": repeats, "start_us": summary(starts, 1e6, 1), "step_us": summary(steps, 1e6, 1)}


def free_text_messages() -> list[str]:
    """The messages patients say in words in the project's free-text vignettes."""
    import json

    root = Path(__file__).resolve().parent.parent / "tests" / "vignettes"
    texts = []
    for name in ("free-text.json", "emergency-phrasings.json"):
        for vignette in json.loads((root / name).read_text(encoding="utf-8")):
            texts += [t for t in (vignette.get("opening"), (vignette.get("volunteer") or {}).get("text")) if t]
    return texts


def reader_times(flow, repeats: int) -> dict:
    """The free-text reader alone, per message, over every message said in words in the
    vignettes (more of them than the reader keeps readings of, so none is a repeat)."""
    texts = free_text_messages()
    reader = flow.reader("en")
    samples = []
    for _ in range(repeats):
        for text in texts:
            began = time.perf_counter()
            reader.read(text)
            samples.append(time.perf_counter() - began)
    return {"messages": len(texts), "read_us": summary(samples, 1e6, 1)}


def load_times(runs: int) -> dict:
    """In a process that has loaded them before (jsonschema imported, files cached)."""
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        load_flows()
        samples.append(time.perf_counter() - began)
    return summary(samples, 1000)


def validate_times(runs: int) -> tuple[dict, list]:
    """`triage-line validate` on every flow, in process: (timings, the reports)."""
    from handler.checks.validation import validate

    samples, reports = [], []
    for _ in range(runs):
        began = time.perf_counter()
        reports = validate(flow_files(FLOWS_DIR), FLOWS_DIR)
        samples.append(time.perf_counter() - began)
    return {"ms": summary(samples, 1000, 1), "ok": all(r.ok for r in reports),
            "flows": [{"file": Path(r.file).name, "nodes": r.nodes, "answer_paths": r.paths,
                       "longest_turns": r.longest_turns} for r in reports]}, reports


def measure(flow, scripts, repeats: int, load_runs: int) -> dict:
    return {**step_times(flow, scripts, repeats), "reader": reader_times(flow, repeats),
            "load_flows_warm_ms": load_times(load_runs)}
