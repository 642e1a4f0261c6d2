"""What 1,000 conversations cost, from this run's measured figures and public list
prices that are ASSUMPTIONS to re-check (us-east-1, on-demand, no free tier).

Per SMS message from a patient: one Lambda invocation through one API Gateway REST
request, the DynamoDB requests counted in part 4, and the segments of both the
patient's text and the line's replies (part 5). The Lambda duration is the line's
median server time measured on this machine, not on Lambda: a real invocation
adds DynamoDB's network round trips and Zappa's event translation."""
from __future__ import annotations

import json
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONVERSATIONS = 1000

PRICES = {   # US dollars; re-check before quoting
    "lambda_per_gb_second": 0.0000166667,
    "lambda_per_request": 0.20 / 1_000_000,
    "api_gateway_rest_per_request": 3.50 / 1_000_000,
    "dynamodb_per_read_request_unit": 0.125 / 1_000_000,
    "dynamodb_per_write_request_unit": 0.625 / 1_000_000,
    "twilio_sms_per_segment_outbound": 0.0083,
    "twilio_sms_per_segment_inbound": 0.0083,
}


def lambda_memory_gb(stage: str = "dev") -> float:
    settings = json.loads((ROOT / "zappa_settings.json").read_text(encoding="utf-8"))
    return settings[stage].get("memory_size", 512) / 1024


def per_thousand(messages_per_conversation: float, lambda_ms_per_message: float, read_units_per_message: float,
                 write_units_per_message: float, outbound_segments: float, inbound_segments: float,
                 memory_gb: float) -> dict:
    messages = CONVERSATIONS * messages_per_conversation
    billed_ms = math.ceil(lambda_ms_per_message)          # Lambda bills whole milliseconds
    usage = {
        "messages": round(messages),
        "lambda_requests": round(messages),
        "lambda_gb_seconds": round(messages * billed_ms / 1000 * memory_gb, 3),
        "api_gateway_rest_requests": round(messages),
        "dynamodb_read_request_units": round(messages * read_units_per_message),
        "dynamodb_write_request_units": round(messages * write_units_per_message),
        "sms_segments_outbound": round(CONVERSATIONS * outbound_segments),
        "sms_segments_inbound": round(CONVERSATIONS * inbound_segments),
    }
    dollars = {
        "lambda_compute": usage["lambda_gb_seconds"] * PRICES["lambda_per_gb_second"],
        "lambda_requests": usage["lambda_requests"] * PRICES["lambda_per_request"],
        "api_gateway": usage["api_gateway_rest_requests"] * PRICES["api_gateway_rest_per_request"],
        "dynamodb_reads": usage["dynamodb_read_request_units"] * PRICES["dynamodb_per_read_request_unit"],
        "dynamodb_writes": usage["dynamodb_write_request_units"] * PRICES["dynamodb_per_write_request_unit"],
        "twilio_sms_outbound": usage["sms_segments_outbound"] * PRICES["twilio_sms_per_segment_outbound"],
        "twilio_sms_inbound": usage["sms_segments_inbound"] * PRICES["twilio_sms_per_segment_inbound"],
    }
    dollars["total"] = sum(dollars.values())
    dollars["aws_only"] = sum(v for k, v in dollars.items() if not k.startswith("twilio") and k != "total")
    return {"usage": usage, "dollars": {k: round(v, 4) for k, v in dollars.items()}, "billed_ms": billed_ms}


def measure(results: dict, sms_key: str = "sms") -> dict:
    """The cost of 1,000 conversations like those of `results[sms_key]` (the English
    sample, or the same patients in Spanish)."""
    sms = results[sms_key]["per_sms_conversation"]
    dynamodb = results["dynamodb"]
    inputs = {
        "conversations": CONVERSATIONS,
        "messages_per_conversation": sms["inbound_messages"],
        "lambda_ms_per_message_measured_locally": results["per_message"]["line_ms"]["median"],
        "lambda_memory_gb": lambda_memory_gb(),
        "dynamodb_requests_per_message": dynamodb["requests_per_message"]["line"],
        "read_request_units_per_message": dynamodb["read_units_per_message"],
        "write_request_units_per_message": dynamodb["write_units_per_message"],
        "sms_segments_outbound_per_conversation": sms["outbound_segments"],
        "sms_segments_inbound_per_conversation": sms["inbound_segments"],
    }
    computed = per_thousand(inputs["messages_per_conversation"], inputs["lambda_ms_per_message_measured_locally"],
                            inputs["read_request_units_per_message"], inputs["write_request_units_per_message"],
                            inputs["sms_segments_outbound_per_conversation"],
                            inputs["sms_segments_inbound_per_conversation"], inputs["lambda_memory_gb"])
    return {"prices_assumed": PRICES, "inputs": inputs, **computed,
            "not_included": ["free tiers", "cold starts and keep_warm pings", "CloudWatch Logs",
                             "DynamoDB storage and point-in-time recovery", "the phone number's monthly fee",
                             "carrier fees on SMS", "voice calls"]}
