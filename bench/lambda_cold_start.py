"""Cold start of the deployable zip, side by side with the baseline app packaged the
same way: both built by `zappa package` from build/lambda-venv, unzipped, and started
in a bare interpreter (only the zip and the runtime's boto3 on the path) that imports
the entry module and serves one signed SMS webhook event. Runs alternate.

    .venv/bin/python bench/lambda_cold_start.py [--runs 7]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import boto3

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from handler.infra.store import create_table  # noqa: E402
from handler.tools.local_line import embedded_dynamodb  # noqa: E402
from tests.slow.test_lambda_package import (  # noqa: E402
    ACCOUNT,
    HOST,
    LAMBDA_VENV,
    RUNNER,
    RUNTIME_LIBRARIES,
    SMS,
    STAGE,
    TOKEN,
    signed_event,
)

BASELINE_ENTRY = '''from zappa.handler import lambda_handler  # noqa: F401
from baseline_app import create_app_from_env

app = create_app_from_env()
'''


def package(project: Path, out: Path) -> Path:
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
           "VIRTUAL_ENV": str(LAMBDA_VENV), "AWS_DEFAULT_REGION": "us-east-1"}
    subprocess.run([str(LAMBDA_VENV / "bin" / "zappa"), "package", "dev", "-o", str(out)], cwd=project,
                   env=env, check=True, capture_output=True, timeout=600)
    unpacked = out.with_suffix("")
    with zipfile.ZipFile(out) as zipped:
        zipped.extractall(unpacked)
    return unpacked


def baseline_project(work: Path) -> Path:
    """A project holding only the baseline app, with the line's zappa settings."""
    project = work / "baseline"
    project.mkdir()
    shutil.copy(REPO / "bench" / "baseline_app.py", project / "baseline_app.py")
    (project / "baseline_entry.py").write_text(BASELINE_ENTRY)
    settings = json.loads((REPO / "zappa_settings.json").read_text())
    dev = settings["dev"]
    dev.update(app_function="baseline_entry.app", lambda_handler="baseline_entry.lambda_handler",
               project_name="triage-baseline")
    dev.pop("attach_policy", None)
    dev.pop("callbacks", None)          # the line's deploy hooks (deploy/) are not in this project
    (project / "zappa_settings.json").write_text(json.dumps({"dev": dev}))
    return project


def start_once(unpacked: Path, runtime: Path, module: str, env: dict) -> dict:
    started = time.perf_counter()
    ran = subprocess.run([sys.executable, "-I", "-S", str(RUNNER), str(unpacked), str(runtime), module],
                         input=json.dumps([signed_event("/sms", SMS)]), capture_output=True, text=True,
                         env=env, cwd=unpacked, timeout=120)
    wall = time.perf_counter() - started
    if ran.returncode != 0:
        raise RuntimeError(ran.stderr[-2000:])
    out = json.loads(ran.stdout.strip().splitlines()[-1])
    assert out["responses"][0]["statusCode"] == 200, out["responses"][0]
    return {"wall": wall, "import": out["import_seconds"], "first_request": out["first_request_seconds"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    with tempfile.TemporaryDirectory() as tmp, embedded_dynamodb() as endpoint:
        work = Path(tmp)
        create_table(boto3.client("dynamodb", region_name="us-east-1", endpoint_url=endpoint),
                     "triage-sessions-dev")
        zips = {"line": package(REPO, work / "line.zip"),
                "baseline": package(baseline_project(work), work / "baseline.zip")}
        runtime = work / "runtime"
        site = next((LAMBDA_VENV / "lib").glob("python3*/site-packages"))
        runtime.mkdir()
        for name in RUNTIME_LIBRARIES:
            (shutil.copytree if (site / name).is_dir() else shutil.copy)(site / name, runtime / name)
        env = {"PATH": os.environ["PATH"], "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": ACCOUNT,
               "PHONE_HASH_KEY": "bench-hash-key",
               "SESSIONS_TABLE": "triage-sessions-dev", "AWS_REGION": "us-east-1",
               "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "DYNAMODB_ENDPOINT_URL": endpoint, "PUBLIC_BASE_URL": f"https://{HOST}/{STAGE}"}
        modules = {"line": "handler.lambda_entry", "baseline": "baseline_entry"}
        runs = {"line": [], "baseline": []}
        for _ in range(args.runs):
            for name in ("line", "baseline"):
                runs[name].append(start_once(zips[name], runtime, modules[name], env))
        for name in ("line", "baseline"):
            size = (work / f"{name}.zip").stat().st_size / 1e6
            median = {k: statistics.median(r[k] for r in runs[name]) * 1000 for k in runs[name][0]}
            print(f"{name:9} zip {size:.2f} MB  new interpreter to first reply {median['wall']:.0f} ms "
                  f"(import {median['import']:.0f} ms, first request {median['first_request']:.0f} ms)")
        ratio = statistics.median(a["wall"] / b["wall"] for a, b in zip(runs["line"], runs["baseline"], strict=False))
        print(f"ratio line/baseline, paired median over {args.runs} runs: {ratio:.2f}x")


if __name__ == "__main__":
    main()
