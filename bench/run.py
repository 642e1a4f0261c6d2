"""`make bench`: the line against a minimal baseline, in one run, and what it costs.

    .venv/bin/python bench/run.py [--quick] [--out PATH]

Prints Markdown tables and writes every figure as JSON (default bench/results.json).
Times are ratios against the baseline measured in the same run, interleaved, since
absolute times on a shared 2-core machine drift; `--quick` uses tiny sizes (for the
test that the bench runs), whose figures mean nothing. DynamoDB is always the
embedded one (moto's server, in this process)."""
from __future__ import annotations

import argparse
import datetime
import json
import logging
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):                 # run as a script: import `bench` from the repo root
    sys.path[0] = str(ROOT)

from bench import (  # noqa: E402
    baseline_app,
    cold_start,
    costs,
    dynamodb_cost,
    engine_speed,
    memory_use,
    per_message,
    secrets_cold_start,
    sms_cost,
)
from bench.patients import Numbers, load_spanish_vignettes, load_vignettes, record  # noqa: E402
from bench.report import render  # noqa: E402
from handler.app import create_app  # noqa: E402
from handler.infra import logs  # noqa: E402
from handler.tools.local_line import local_settings  # noqa: E402

SIZES = {
    "full": {"conversations": 720, "engine_repeats": 100, "load_runs": 20, "validate_runs": 3, "cold_runs": 11,
             "flow_runs": 7, "memory_conversations": 1000},
    "quick": {"conversations": 9, "engine_repeats": 2, "load_runs": 2, "validate_runs": 1, "cold_runs": 1,
              "flow_runs": 1, "memory_conversations": 20},
}


def versions() -> dict:
    names = ("flask", "werkzeug", "twilio", "boto3", "botocore", "jsonschema", "moto")
    return {name: metadata.version(name) for name in names}


def bench(quick: bool, out: Path, say=print) -> dict:
    sizes = SIZES["quick" if quick else "full"]
    began = time.perf_counter()
    took: dict[str, float] = {}

    def step(name: str, what, *args):
        say(f"{name} ...", file=sys.stderr)
        started = time.perf_counter()
        result = what(*args)
        took[name] = round(time.perf_counter() - started, 1)
        return result

    os.environ.pop("DYNAMODB_ENDPOINT_URL", None)
    devnull = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115  (open for the whole run)
    logs.configure(stream=devnull)   # logs are formatted as usual, then dropped
    logs.logger.setLevel(logging.INFO)
    source, vignettes = load_vignettes()
    results: dict = {}
    with local_settings() as (settings, _supplied):
        endpoint = settings.dynamodb_endpoint_url
        line = create_app(settings)
        env = {"TWILIO_AUTH_TOKEN": settings.twilio_auth_token, "SESSIONS_TABLE": settings.sessions_table,
               "AWS_REGION": settings.aws_region, "DYNAMODB_ENDPOINT_URL": endpoint}
        baseline = baseline_app.create_app_from_env(env)
        flow = line.extensions["triage_line"].flow
        scripts = record(line, settings, vignettes, Numbers(551))

        results["per_message"] = step("1. per-message server time", per_message.measure, line, baseline, settings,
                                      scripts, sizes["conversations"], Numbers(552))
        results["engine"] = step("2. engine", engine_speed.measure, flow, scripts, sizes["engine_repeats"],
                                 sizes["load_runs"])
        validation, reports = step("2. validate", engine_speed.validate_times, sizes["validate_runs"])
        results["engine"]["validate"] = validation
        results["dynamodb"] = step("4. DynamoDB requests and item size", dynamodb_cost.measure, line, baseline,
                                   settings, scripts, Numbers(553))
        cold = step("3. cold start", cold_start.measure, settings, endpoint, sizes["cold_runs"], sizes["flow_runs"],
                    Numbers(554), scripts[0].texts[0])
        results["engine"]["load_flows_cold_ms"] = cold.pop("_flows_cold")
        cold["secrets_from_ssm"] = step("3. cold start, secrets from SSM", secrets_cold_start.measure, settings,
                                        endpoint, sizes["cold_runs"], Numbers(555), scripts[0].texts[0])
        results["cold_start"] = cold
        results["memory"] = step("6. memory", memory_use.measure, settings, endpoint, scripts,
                                 sizes["memory_conversations"])
    results["sms"] = step("5. SMS segments", sms_cost.measure, vignettes, str(source.relative_to(ROOT)), reports)
    source_es, vignettes_es = load_spanish_vignettes()
    results["sms_es"] = step("5. SMS segments in Spanish", sms_cost.measure, vignettes_es,
                             str(source_es.relative_to(ROOT)))
    results["cost"] = costs.measure(results)
    results["cost_es"] = costs.measure(results, "sms_es")
    results["spanish"] = sms_cost.compare(results["sms"], results["sms_es"], results["cost"], results["cost_es"])
    results["meta"] = {
        "date": datetime.date.today().isoformat(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "quick": quick,
        "sizes": sizes,
        "command": "make bench" if not quick else "bench/run.py --quick",
        "versions": versions(),
        "seconds": round(time.perf_counter() - began, 1),
        "seconds_by_part": took,
    }
    ordered = {k: results[k] for k in ("meta", "per_message", "engine", "cold_start", "dynamodb", "sms", "memory",
                                       "cost", "sms_es", "cost_es", "spanish")}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(ordered, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return ordered


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the bench runs, measures nothing")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json", help="where to write the JSON")
    args = parser.parse_args(argv)
    results = bench(args.quick, args.out)
    print(render(results))
    print(f"JSON: {args.out}  ({results['meta']['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
