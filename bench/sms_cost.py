"""5. SMS cost: the segments each sample vignette's conversation costs, sent by the
line and sent by the patient (Twilio bills both), through handler.vignettes'
scripted patients on the real webhook path; and the longest single reply. The
same patients speaking Spanish are measured beside them: Spanish with á, í, ó or
ú goes as UCS-2 (70 characters a segment), so the goal is a Spanish conversation
costing at most twice the English one in segments."""
from __future__ import annotations

import statistics

from handler.channels.sms.segments import encoding, segments
from handler.infra import logs
from handler.tools.vignettes import run_vignettes


def longest(texts) -> dict | None:
    texts = list(texts)
    if not texts:
        return None
    text = max(texts, key=lambda t: (segments(t), len(t)))
    return {"segments": segments(text), "encoding": encoding(text), "chars": len(text), "starts": text[:60]}


def measure(vignettes: list[dict], source: str, validation_reports=()) -> dict:
    level = logs.logger.level
    try:
        results = run_vignettes(vignettes)
    finally:
        logs.logger.setLevel(level)               # the runner quiets the project's logger: put it back
    rows, sent_texts = [], []
    for vignette, result in zip(vignettes, results, strict=False):
        channel = vignette.get("channel", "sms")
        said = [t["text"] for t in result["transcript"] if t["from"] == "patient"]
        heard = [t["text"] for t in result["transcript"] if t["from"] == "line"]
        row = {"id": result["id"], "channel": channel, "expected": result.get("expected"),
               "disposition": result["disposition"], "inbound_messages": len(said)}
        if channel == "sms":
            sent_texts.extend(heard)
            row.update(outbound_messages=len(heard), outbound_segments=result["segments"],
                       inbound_segments=sum(segments(t) for t in said),
                       encodings=sorted({encoding(t) for t in heard}))
        rows.append(row)
    sms_rows = [r for r in rows if r["channel"] == "sms"]

    def mean(key: str) -> float:
        return round(statistics.mean(r[key] for r in sms_rows), 2)

    flow_texts = [message.text for report in validation_reports for message in report.messages]
    return {
        "source": source,
        "conversations": rows,
        "sms_conversations": len(sms_rows),
        "per_sms_conversation": {"inbound_messages": mean("inbound_messages"),
                                 "outbound_messages": mean("outbound_messages"),
                                 "outbound_segments": mean("outbound_segments"),
                                 "inbound_segments": mean("inbound_segments"),
                                 "max_outbound_segments": max(r["outbound_segments"] for r in sms_rows)},
        "longest_reply_sent": longest(sent_texts),
        "longest_text_in_flow": longest(flow_texts),
        "all_gsm7": all(r["encodings"] == ["GSM-7"] for r in sms_rows),
        "dispositions_as_expected": sum(r["disposition"] == r["expected"] for r in rows if r["expected"]),
    }


def compare(english: dict, spanish: dict, cost_en: dict, cost_es: dict) -> dict:
    """Spanish beside English, patient by patient (ids match but for the "-es")."""
    en = {r["id"]: r for r in english["conversations"] if r["channel"] == "sms"}
    pairs = [(en[r["id"].removesuffix("-es")], r) for r in spanish["conversations"]
             if r["channel"] == "sms" and r["id"].removesuffix("-es") in en]
    out_en = sum(a["outbound_segments"] for a, _ in pairs)
    out_es = sum(b["outbound_segments"] for _, b in pairs)
    return {
        "patients": len(pairs),
        "same_dispositions": sum(a["disposition"] == b["disposition"] for a, b in pairs),
        "outbound_segments": {"en": out_en, "es": out_es},
        "ratio": round(out_es / out_en, 2) if out_en else None,
        "worst_patient_ratio": max((round(b["outbound_segments"] / a["outbound_segments"], 2)
                                    for a, b in pairs if a["outbound_segments"]), default=None),
        "dollars_per_1000": {"en": cost_en["dollars"]["total"], "es": cost_es["dollars"]["total"]},
        "goal": "Spanish at most 2x English in segments on the same patients",
    }
