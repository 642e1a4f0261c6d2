"""3. Cold start with the secrets in SSM: the line in a fresh interpreter (bench/cold_child.py,
as in cold_start.py), once with its secrets in the environment and once with SECRETS_SSM_PREFIX
naming SecureString parameters in moto's server (the bench's own, on loopback), alternating,
medians. create_app is where the two differ: there the second one makes its boto3 SSM client
and its one GetParameters call. Then the fetch alone, repeated in this process (SSM's service
model already loaded), to tell the client's first making from the call itself.

moto answers on loopback in well under a millisecond; a real GetParameters inside one region
adds a network round trip and the KMS decryption, which this cannot measure."""
from __future__ import annotations

import os
import statistics
import time
from contextlib import contextmanager

import boto3

from bench.cold_start import child_environment, run_child, signed_request
from bench.timing import paired_ratio, ratio
from handler.infra import secrets
from handler.infra.settings import SECRET_NAMES, SecretSource

PREFIX = "/triage-line/bench/"


def put_parameters(settings, endpoint: str) -> None:
    values = {"TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
              "PHONE_HASH_KEY": settings.phone_hash_key}
    ssm = boto3.client("ssm", region_name=settings.aws_region, endpoint_url=endpoint)
    for name in SECRET_NAMES:
        ssm.put_parameter(Name=PREFIX + name, Value=values[name], Type="SecureString", Overwrite=True)


def environments(settings, endpoint: str) -> dict[str, dict]:
    in_env = child_environment(settings, endpoint)
    in_ssm = {name: value for name, value in in_env.items() if name not in SECRET_NAMES}
    in_ssm.update(SECRETS_SSM_PREFIX=PREFIX, AWS_ENDPOINT_URL_SSM=endpoint)
    return {"env": in_env, "ssm": in_ssm}


@contextmanager
def ssm_endpoint(endpoint: str):
    """SSM clients made meanwhile go to moto (botocore reads AWS_ENDPOINT_URL_SSM)."""
    before = os.environ.get("AWS_ENDPOINT_URL_SSM")
    os.environ["AWS_ENDPOINT_URL_SSM"] = endpoint
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("AWS_ENDPOINT_URL_SSM", None)
        else:
            os.environ["AWS_ENDPOINT_URL_SSM"] = before


def fetch_in_process_ms(settings, endpoint: str, runs: int) -> list[float]:
    """secrets.fetch as the app calls it (a new client each time), in this warm process."""
    source = SecretSource(ssm_prefix=PREFIX)
    times = []
    with ssm_endpoint(endpoint):
        for _ in range(runs):
            began = time.perf_counter()
            found = secrets.fetch(source, SECRET_NAMES, settings.aws_region)
            times.append((time.perf_counter() - began) * 1000)
            if found.get("TWILIO_AUTH_TOKEN") != settings.twilio_auth_token:
                raise RuntimeError("the SSM fetch did not return the token put there")
    return times


def measure(settings, endpoint: str, runs: int, numbers, first_text: str) -> dict:
    put_parameters(settings, endpoint)
    envs = environments(settings, endpoint)

    def request() -> str:
        return signed_request(settings, numbers(), first_text)

    for which in envs if runs > 1 else ():           # untimed: bytecode caches, page cache
        run_child("line", envs[which], request())    # (one run, `--quick`, measures nothing)
    results: dict[str, list[dict]] = {"env": [], "ssm": []}
    for i in range(runs):
        for which in (("env", "ssm") if i % 2 == 0 else ("ssm", "env")):
            _wall, result, _stderr = run_child("line", envs[which], request())
            if result["status"] != 200 or not result["replied"]:
                raise RuntimeError(f"cold start with secrets in {which}: first request answered {result['status']}")
            results[which].append(result)

    def median(which: str, key: str) -> float:
        return round(statistics.median(r[key] for r in results[which]), 1)

    create = {which: median(which, "create_ms") for which in results}
    in_process = {which: median(which, "in_process_ms") for which in results}
    warm = fetch_in_process_ms(settings, endpoint, max(runs, 5))
    return {
        "runs": runs,
        "create_ms": create,
        "in_process_ms": in_process,
        "extra_create_ms": round(create["ssm"] - create["env"], 1),
        "ratio_create": ratio(create["ssm"], create["env"]),
        "ratio_create_paired_median": paired_ratio([r["create_ms"] for r in results["ssm"]],
                                                   [r["create_ms"] for r in results["env"]]),
        "ratio_in_process": ratio(in_process["ssm"], in_process["env"]),
        "fetch_warm_process_ms": round(statistics.median(warm), 2),
        "against": "moto server on 127.0.0.1 (no network, no KMS)",
    }
