"""3. Cold start: a fresh interpreter imports the app, builds it from the environment
and serves its first signed request; the line against the baseline, alternating,
several runs each, medians. Then one `python -X importtime` run of each, to name
what dominates, and whether twilio.rest (the REST client, heavy) is ever imported."""
from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections import defaultdict

from bench.processes import run_fresh
from bench.timing import paired_ratio, ratio, verdict
from handler.infra.signature import sign

GOAL = 1.2
BASE_URL = "http://localhost"
PROFILE_VARIABLES = ("PYTHONPROFILEIMPORTTIME", "PYTHONDONTWRITEBYTECODE", "PYTHONSTARTUP", "PYTHONWARNINGS")


def child_environment(settings, endpoint: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in PROFILE_VARIABLES}
    env.update(TWILIO_AUTH_TOKEN=settings.twilio_auth_token, TWILIO_ACCOUNT_SID=settings.twilio_account_sid,
               PHONE_HASH_KEY=settings.phone_hash_key,
               SESSIONS_TABLE=settings.sessions_table, AWS_REGION=settings.aws_region,
               DYNAMODB_ENDPOINT_URL=endpoint)
    env.setdefault("AWS_ACCESS_KEY_ID", "local")
    env.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    env.pop("PUBLIC_BASE_URL", None)
    return env


def signed_request(settings, number: str, text: str) -> str:
    params = {"MessageSid": "SM" + number.strip("+").rjust(32, "0"), "AccountSid": settings.twilio_account_sid,
              "From": number, "To": "+15005550006", "Body": text, "NumMedia": "0", "NumSegments": "1",
              "SmsStatus": "received", "ApiVersion": "2010-04-01"}
    return json.dumps({"path": "/sms", "host": "localhost", "params": params,
                       "signature": sign(settings.twilio_auth_token, BASE_URL + "/sms", params)})


def run_child(which: str, env: dict, request: str = "{}", importtime: bool = False) -> tuple[float, dict, str]:
    command = [sys.executable, *(["-X", "importtime"] if importtime else []), "-m", "bench.cold_child", which,
               request]
    began = time.perf_counter()
    done = run_fresh(command, env, timeout=120)
    wall_ms = (time.perf_counter() - began) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"cold start child {which} failed:\n{done.stderr[-2000:]}")
    return wall_ms, json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def parse_importtime(stderr: str) -> list[dict]:
    """`-X importtime` lines as {module, self_ms, cumulative_ms, depth}."""
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        self_us, cumulative_us, name = line.removeprefix("import time:").split("|")
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        rows.append({"module": name.strip(), "self_ms": int(self_us) / 1000,
                     "cumulative_ms": int(cumulative_us) / 1000, "depth": depth})
    return rows


def by_package(rows: list[dict]) -> dict[str, float]:
    """Import time by top-level package: every module's own time, summed."""
    totals: dict[str, float] = defaultdict(float)
    for row in rows:
        totals[row["module"].split(".")[0]] += row["self_ms"]
    return dict(totals)


def import_profile(env: dict, request_for) -> dict:
    profiles = {}
    for which in ("line", "baseline"):
        _wall, _result, stderr = run_child(which, env, request_for(), importtime=True)
        profiles[which] = parse_importtime(stderr)
    line, base = profiles["line"], profiles["baseline"]
    line_packages, base_packages = by_package(line), by_package(base)
    return {
        "top10_cumulative": [{"module": r["module"], "cumulative_ms": round(r["cumulative_ms"], 1),
                              "self_ms": round(r["self_ms"], 1)}
                             for r in sorted(line, key=lambda r: -r["cumulative_ms"])[:10]],
        "top10_packages_self_ms": {name: round(ms, 1) for name, ms in
                                   sorted(line_packages.items(), key=lambda kv: -kv[1])[:10]},
        "line_only_packages_self_ms": {name: round(ms, 1) for name, ms in
                                       sorted(line_packages.items(), key=lambda kv: -kv[1])
                                       if name not in base_packages and ms >= 0.5},
        "total_import_ms": {"line": round(sum(line_packages.values()), 1),
                            "baseline": round(sum(base_packages.values()), 1)},
        "modules": {"line": len(line), "baseline": len(base)},
        "twilio_rest_imported": {"line": any(r["module"].startswith("twilio.rest") for r in line),
                                 "baseline": any(r["module"].startswith("twilio.rest") for r in base)},
    }


def median_of(results: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in results), 1)


def measure(settings, endpoint: str, runs: int, flow_runs: int, numbers, first_text: str) -> dict:
    env = child_environment(settings, endpoint)

    def request_for() -> str:
        return signed_request(settings, numbers(), first_text)

    for which in ("line", "baseline") if runs > 1 else ():   # untimed: bytecode caches, page cache
        run_child(which, env, request_for())                  # (one run, `--quick`, measures nothing)
    walls, results = {"line": [], "baseline": []}, {"line": [], "baseline": []}
    for i in range(runs):
        for which in (("line", "baseline") if i % 2 == 0 else ("baseline", "line")):
            wall, result, _stderr = run_child(which, env, request_for())
            if result["status"] != 200 or not result["replied"]:
                raise RuntimeError(f"cold start {which}: first request answered {result['status']}")
            walls[which].append(wall)
            results[which].append(result)

    def side(which: str) -> dict:
        return {"wall_ms": round(statistics.median(walls[which]), 1),
                "wall_ms_runs": [round(w, 1) for w in walls[which]],
                "in_process_ms": median_of(results[which], "in_process_ms"),
                "import_ms": median_of(results[which], "import_ms"),
                "create_ms": median_of(results[which], "create_ms"),
                "first_request_ms": median_of(results[which], "first_request_ms"),
                "maxrss_kb": int(statistics.median(r["maxrss_kb"] for r in results[which])),
                "vmhwm_kb": int(statistics.median(r["vmhwm_kb"] for r in results[which])),
                "modules_loaded": results[which][-1]["modules_loaded"]}

    line, base = side("line"), side("baseline")
    flows = [run_child("flows", env)[1] for _ in range(flow_runs)]
    wall_ratio = ratio(line["wall_ms"], base["wall_ms"])
    return {
        "runs": runs,
        "line": line,
        "baseline": base,
        "ratio_wall": wall_ratio,
        "ratio_in_process": ratio(line["in_process_ms"], base["in_process_ms"]),
        "ratio_wall_paired_median": paired_ratio(walls["line"], walls["baseline"]),   # run i against run i
        "goal_ratio": GOAL,
        "verdict": verdict(wall_ratio, GOAL),
        "twilio_rest_imported_on_request_path": any(r["twilio_rest_imported"] for r in results["line"]),
        "importtime": import_profile(env, request_for),
        "_flows_cold": {"runs": flow_runs, "import_ms": median_of(flows, "import_ms"),
                        "load_ms": median_of(flows, "load_ms")},
    }
