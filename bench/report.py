"""The results as Markdown tables: what `make bench` prints and what
docs/performance.md shows."""
from __future__ import annotations

from bench.timing import ratio


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _ms(value) -> str:
    """Milliseconds to a sensible precision."""
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 1000 else f"{value:.0f}"


def _x(value) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def main_table(r: dict) -> str:
    pm, eng, cold, ddb, sms, mem = (r[k] for k in ("per_message", "engine", "cold_start", "dynamodb", "sms", "memory"))
    line_req = ddb["requests_per_message"]["line"]
    base_req = ddb["requests_per_message"]["baseline"]
    top_packages = list(cold["importtime"]["top10_packages_self_ms"].items())[:6]
    packages = ", ".join(f"{name} {ms:.0f}" for name, ms in top_packages)
    longest = sms["longest_reply_sent"]
    per = sms["per_sms_conversation"]
    samples = ", ".join(f"{s['conversations']}: {s['maxrss_kb'] / 1024:.1f}" for s in mem["samples"])
    rows = [
        ["1. server time per message, median (ms)", _ms(pm["line_ms"]["median"]), _ms(pm["baseline_ms"]["median"]),
         _x(pm["ratio_median"]), f"<= {pm['goal_ratio']}x: {pm['verdict']} (paired: {_x(pm['ratio_paired_median'])})"],
        ["1. server time per message, p99 (ms)", _ms(pm["line_ms"]["p99"]), _ms(pm["baseline_ms"]["p99"]),
         _x(pm["ratio_p99"]), ""],
        ["1. of which one bare GetItem + PutItem, median (ms)", _ms(pm["dynamodb_get_and_put_ms"]["median"]),
         _ms(pm["dynamodb_get_and_put_ms"]["median"]), "", "the same two calls with no app around them"],
        ["1. server time per conversation, median (ms)", _ms(pm["per_conversation_ms"]["line"]["median"]),
         _ms(pm["per_conversation_ms"]["baseline"]["median"]), "", f"{pm['conversations']} conversations, "
         f"{pm['messages']} messages each app"],
        ["2. engine.step, median / p99 (µs)", f"{eng['step_us']['median']} / {eng['step_us']['p99']}", "", "", ""],
        ["2. free-text reader per message, median / p99 (µs)",
         f"{eng['reader']['read_us']['median']} / {eng['reader']['read_us']['p99']}", "", "", "≤ 100 median"],
        ["2. engine.start, median (µs)", eng["start_us"]["median"], "", "", ""],
        ["2. load_flows + schema check, cold / warm (ms)",
         f"{_ms(eng['load_flows_cold_ms']['load_ms'])} / {_ms(eng['load_flows_warm_ms']['median'])}", "", "", ""],
        ["2. `triage-line validate`, whole walk (ms)", _ms(eng["validate"]["ms"]["median"]), "", "",
         f"{sum(f['answer_paths'] for f in eng['validate']['flows'])} answer paths"],
        ["3. cold start: new interpreter to first reply (ms)", _ms(cold["line"]["wall_ms"]),
         _ms(cold["baseline"]["wall_ms"]), _x(cold["ratio_wall"]),
         f"<= {cold['goal_ratio']}x: {cold['verdict']} (paired: {_x(cold['ratio_wall_paired_median'])})"],
        ["3. of which import / create app / first request (ms)",
         f"{cold['line']['import_ms']} / {cold['line']['create_ms']} / {cold['line']['first_request_ms']}",
         f"{cold['baseline']['import_ms']} / {cold['baseline']['create_ms']} / "
         f"{cold['baseline']['first_request_ms']}", _x(cold["ratio_in_process"]), ""],
        ["3. create app, secrets from SSM (moto) / environment (ms)",
         f"{cold['secrets_from_ssm']['create_ms']['ssm']} / {cold['secrets_from_ssm']['create_ms']['env']}", "",
         _x(cold["secrets_from_ssm"]["ratio_create"]),
         f"{cold['secrets_from_ssm']['extra_create_ms']:+.1f} ms a cold start (paired: "
         f"{_x(cold['secrets_from_ssm']['ratio_create_paired_median'])}); fetch in a warm process "
         f"{cold['secrets_from_ssm']['fetch_warm_process_ms']} ms"],
        ["3. twilio.rest imported on the request path", "yes" if cold["twilio_rest_imported_on_request_path"] else "no",
         "yes" if cold["importtime"]["twilio_rest_imported"]["baseline"] else "no", "", "no"],
        ["3. import time by package, line (ms)", packages, "", "", ""],
        ["3. peak RSS after the first request (MB)", f"{cold['line']['maxrss_kb'] / 1024:.1f}",
         f"{cold['baseline']['maxrss_kb'] / 1024:.1f}",
         _x(ratio(cold["line"]["maxrss_kb"], cold["baseline"]["maxrss_kb"])), ""],
        ["4. DynamoDB requests per message", _requests(line_req), _requests(base_req), "",
         f"1 GetItem + 1 PutItem: {ddb['verdict']}"],
        ["4. capacity per message, from item size", f"{ddb['read_units_per_message']} RRU + "
         f"{ddb['write_units_per_message']} WRU", "", "", "1 + 1"],
        ["4. session item, largest (bytes)", ddb["item_bytes_max"], "", "", f"< {ddb['item_limit_bytes']}"],
        ["5. SMS segments per conversation, out / in (mean)", f"{per['outbound_segments']} / {per['inbound_segments']}",
         "", "", f"{sms['sms_conversations']} SMS vignettes, max {per['max_outbound_segments']} out"],
        ["5. longest reply", f"{longest['segments']} segments, {longest['encoding']}, {longest['chars']} chars",
         "", "", "<= 3 segments, GSM-7"],
        ["6. peak RSS after N conversations (MB)", samples, "", "",
         f"growth per conversation: peak {mem['growth_kb_per_conversation']} kB, "
         f"RSS {mem['rss_growth_kb_per_conversation']} kB"],
    ]
    return _table(["measure", "line", "baseline", "ratio", "goal / note"], rows)


def _requests(per: dict) -> str:
    return " + ".join(f"{n:g} {op}" for op, n in per.items()) or "none"


def walk_table(r: dict) -> str:
    walk = r["dynamodb"]["longest_conversation"]["walk"]
    return _table(["message", "patient sent", "item bytes after", "GetItem", "PutItem", "RRU", "WRU"],
                  [[w["message"], repr(w["text"])[:40], w["item_bytes"], w["get_item"], w["put_item"],
                    w["read_units"], w["write_units"]] for w in walk])


def sms_table(r: dict) -> str:
    rows = []
    for c in r["sms"]["conversations"]:
        if c["channel"] == "sms":
            rows.append([c["id"], c["expected"], c["disposition"], c["inbound_messages"], c["inbound_segments"],
                         c["outbound_messages"], c["outbound_segments"]])
        else:
            rows.append([c["id"], c["expected"], c["disposition"], c["inbound_messages"], "voice", "voice", "voice"])
    return _table(["vignette", "expected", "reached", "patient messages", "segments in", "line messages",
                   "segments out"], rows)


def cost_table(r: dict) -> str:
    c = r["cost"]
    u, d, p = c["usage"], c["dollars"], c["prices_assumed"]
    rows = [
        ["Lambda requests", f"{u['lambda_requests']:,}", f"${p['lambda_per_request'] * 1e6:.2f} per 1M",
         f"${d['lambda_requests']:.4f}"],
        ["Lambda compute (GB-s)", f"{u['lambda_gb_seconds']}",
         f"${p['lambda_per_gb_second']:.10f} per GB-s ({c['billed_ms']} ms billed x "
         f"{c['inputs']['lambda_memory_gb']} GB, time measured locally)", f"${d['lambda_compute']:.4f}"],
        ["API Gateway REST requests", f"{u['api_gateway_rest_requests']:,}",
         f"${p['api_gateway_rest_per_request'] * 1e6:.2f} per 1M", f"${d['api_gateway']:.4f}"],
        ["DynamoDB read request units", f"{u['dynamodb_read_request_units']:,}",
         f"${p['dynamodb_per_read_request_unit'] * 1e6:.3f} per 1M", f"${d['dynamodb_reads']:.4f}"],
        ["DynamoDB write request units", f"{u['dynamodb_write_request_units']:,}",
         f"${p['dynamodb_per_write_request_unit'] * 1e6:.3f} per 1M", f"${d['dynamodb_writes']:.4f}"],
        ["Twilio SMS segments sent", f"{u['sms_segments_outbound']:,}",
         f"${p['twilio_sms_per_segment_outbound']} each", f"${d['twilio_sms_outbound']:.2f}"],
        ["Twilio SMS segments received", f"{u['sms_segments_inbound']:,}",
         f"${p['twilio_sms_per_segment_inbound']} each", f"${d['twilio_sms_inbound']:.2f}"],
        ["AWS together", "", "", f"${d['aws_only']:.4f}"],
        ["total", "", "", f"${d['total']:.2f}"],
    ]
    return _table(["per 1,000 conversations", "quantity", "price assumed", "cost"], rows)


def spanish_table(r: dict) -> str:
    en, es, cmp = r["sms"]["per_sms_conversation"], r["sms_es"]["per_sms_conversation"], r["spanish"]
    rows = [
        ["line segments per conversation", en["outbound_segments"], es["outbound_segments"],
         _x(round(es["outbound_segments"] / en["outbound_segments"], 2))],
        ["patient segments per conversation", en["inbound_segments"], es["inbound_segments"], ""],
        ["longest reply sent (segments)", r["sms"]["longest_reply_sent"]["segments"],
         r["sms_es"]["longest_reply_sent"]["segments"], ""],
        ["same disposition as in English", "", f"{cmp['same_dispositions']} of {cmp['patients']}", ""],
        ["worst single patient (segments out)", "", "", _x(cmp["worst_patient_ratio"])],
        ["total per 1,000 conversations", f"${r['cost']['dollars']['total']:.2f}",
         f"${r['cost_es']['dollars']['total']:.2f}",
         _x(round(r["cost_es"]["dollars"]["total"] / r["cost"]["dollars"]["total"], 2))],
    ]
    return _table(["", "English", "Spanish", "Spanish / English"], rows)


def render(r: dict) -> str:
    meta = r["meta"]
    return "\n\n".join([
        f"Triage Line bench, {meta['date']}, {meta['cores']} cores, Python {meta['python']}"
        f"{' (quick: tiny sizes, not for comparison)' if meta['quick'] else ''}; `{meta['command']}`",
        main_table(r),
        "Session item across the longest conversation:",
        walk_table(r),
        "SMS cost per sample vignette:",
        sms_table(r),
        "What 1,000 conversations cost (prices are assumptions to re-check):",
        cost_table(r),
        "The same patients in Spanish (tests/vignettes/es-sample.json):",
        spanish_table(r),
    ]) + "\n"
