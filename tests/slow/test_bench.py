"""`make bench` runs end to end: bench/run.py --quick on tiny sizes, into a temporary
file. Only the shape and sanity of the figures are checked, never a time: a slow
machine must not fail the tests."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.paths import REPO

ROOT = REPO
SECTIONS = ("meta", "per_message", "engine", "cold_start", "dynamodb", "sms", "memory", "cost", "sms_es", "cost_es",
            "spanish")


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "results.json"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8")), done.stdout


def test_every_section_is_there(bench):
    results, stdout = bench
    assert tuple(results) == SECTIONS
    assert results["meta"]["quick"] is True and results["meta"]["cores"] >= 1
    assert "| measure | line | baseline | ratio |" in stdout
    assert "per 1,000 conversations" in stdout


def test_per_message_times_both_apps_on_the_same_messages(bench):
    per_message = bench[0]["per_message"]
    assert per_message["messages"] >= per_message["conversations"] > 0
    for side in ("line_ms", "baseline_ms"):
        times = per_message[side]
        assert times["n"] == per_message["messages"]
        assert 0 < times["min"] <= times["median"] <= times["p99"] <= times["max"]
    assert per_message["ratio_median"] > 0 and per_message["ratio_p99"] > 0
    assert per_message["replays_not_ending_in_the_recorded_advice"] == 0


def test_engine_flow_loading_and_validation(bench):
    engine = bench[0]["engine"]
    assert engine["step_us"]["median"] > 0 and engine["start_us"]["median"] > 0
    assert engine["load_flows_warm_ms"]["median"] > 0
    assert engine["load_flows_cold_ms"]["load_ms"] > 0
    assert engine["validate"]["ok"] is True
    assert all(flow["answer_paths"] > 0 for flow in engine["validate"]["flows"])


def test_cold_start_of_both_apps_and_what_they_import(bench):
    cold = bench[0]["cold_start"]
    for side in ("line", "baseline"):
        assert cold[side]["wall_ms"] > cold[side]["in_process_ms"] > 0
        assert cold[side]["maxrss_kb"] > 0
    assert cold["ratio_wall"] > 0
    assert cold["twilio_rest_imported_on_request_path"] is False
    assert len(cold["importtime"]["top10_cumulative"]) == 10
    assert cold["importtime"]["modules"]["line"] > 0


def test_cold_start_with_the_secrets_in_ssm(bench):
    secrets = bench[0]["cold_start"]["secrets_from_ssm"]
    assert secrets["runs"] > 0
    assert secrets["create_ms"]["ssm"] > 0 and secrets["create_ms"]["env"] > 0
    assert secrets["ratio_create"] > 0 and secrets["fetch_warm_process_ms"] > 0
    assert "create app, secrets from SSM" in bench[1]


def test_dynamodb_requests_capacity_and_item_size(bench):
    dynamodb = bench[0]["dynamodb"]
    for side in ("line", "baseline"):
        per = dynamodb["requests_per_message"][side]
        assert 0 < per["GetItem"] <= 2 and 0 < per["PutItem"] <= 2
    walk = dynamodb["longest_conversation"]["walk"]
    assert len(walk) == dynamodb["longest_conversation"]["messages"] > 0
    assert all(step["item_bytes"] > 0 and step["read_units"] >= 1 for step in walk)
    assert dynamodb["item_bytes_max"] == max(step["item_bytes"] for step in walk)


def test_sms_segments_for_every_sample_vignette(bench):
    sms = bench[0]["sms"]
    assert sms["sms_conversations"] > 0
    for row in sms["conversations"]:
        if row["channel"] == "sms":
            assert row["outbound_segments"] >= row["outbound_messages"] >= 1
            assert row["inbound_segments"] >= row["inbound_messages"] >= 1
    assert sms["longest_reply_sent"]["segments"] >= 1
    assert sms["longest_reply_sent"]["encoding"] in ("GSM-7", "UCS-2")


def test_memory_sampled_along_the_way(bench):
    memory = bench[0]["memory"]
    assert memory["failures"] == 0
    assert [s["conversations"] for s in memory["samples"]] == memory["checkpoints"]
    assert memory["checkpoints"][-1] == memory["conversations"]
    assert all(s["maxrss_kb"] > 10_000 for s in memory["samples"])


def test_cost_per_thousand_conversations(bench):
    cost = bench[0]["cost"]
    assert cost["usage"]["messages"] == cost["usage"]["lambda_requests"] > 0
    assert cost["usage"]["sms_segments_outbound"] > 0
    assert cost["dollars"]["total"] > cost["dollars"]["aws_only"] > 0


def test_item_size_follows_dynamodbs_rule():
    from bench.item_size import item_size, read_units, write_units

    # names count, strings by UTF-8 bytes, numbers 1 byte per 2 significant digits plus 1
    assert item_size({"pk": {"S": "abc"}, "n": {"N": "123"}}) == (2 + 3) + (1 + 3)
    assert item_size({"é": {"S": "é"}, "ok": {"BOOL": True}}) == (2 + 2) + (2 + 1)
    assert item_size({"n": {"N": "1000"}}) == 1 + 2            # trailing zeros do not count
    assert read_units(0) == read_units(4096) == 1 and read_units(4097) == 2
    assert write_units(1024, 10) == 1 and write_units(10, 1025) == 2


def test_cost_arithmetic():
    from bench.costs import PRICES, per_thousand

    cost = per_thousand(messages_per_conversation=5, lambda_ms_per_message=3.2, read_units_per_message=1,
                        write_units_per_message=1, outbound_segments=10, inbound_segments=5, memory_gb=0.5)
    assert cost["billed_ms"] == 4
    assert cost["usage"]["lambda_requests"] == cost["usage"]["api_gateway_rest_requests"] == 5000
    assert cost["usage"]["lambda_gb_seconds"] == 5000 * 0.004 * 0.5
    assert cost["usage"]["sms_segments_outbound"] == 10_000
    assert cost["dollars"]["twilio_sms_outbound"] == round(10_000 * PRICES["twilio_sms_per_segment_outbound"], 4)
