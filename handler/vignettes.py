"""`triage-line vignettes FILE`: scripted test patients through the real
webhook path (signed requests into the app, sessions in DynamoDB).

The scripted patient only reads what the line sends: it recognises the
question in the line's last message by its text in the flow, answers from its
list of present findings, and the disposition is read off the advice sent.
Input and output follow the project's vignette format (JSON list in, JSON
Lines out, a summary line on stderr)."""
from __future__ import annotations

import json
from dataclasses import dataclass

from handler import logs, sms_text
from handler.engine import Question, confirm_question, question_at
from handler.flow import RANK, Flow
from handler.local_line import SignedClient, local_settings
from handler.sms_segments import segments
from handler.twiml_reading import sms_messages

MAX_TURNS = 40


@dataclass(frozen=True)
class KnownQuestion:
    question: Question
    sms: str


def known_questions(flow: Flow, lang: str) -> list[KnownQuestion]:
    """Every question the line can ask, as it reads by SMS (longest first, so the
    most specific text wins)."""
    questions = [question_at(flow, node_id, lang) for node_id, node in flow.nodes.items()
                 if node["type"] == "question"]
    questions += [confirm_question(flow, concept, lang) for concept in flow.checks_by_concept]
    known = [KnownQuestion(q, sms_text.question_text(flow, lang, q)) for q in questions]
    return sorted(known, key=lambda k: -len(k.sms))


def advice_openings(flow: Flow, lang: str) -> list[tuple[str, str | None]]:
    """(first text of each outcome's advice, its disposition)."""
    openings = []
    for node in flow.nodes.values():
        if node["type"] == "outcome":
            first = node["parts"][0]
            text = first["text"][lang] if "text" in first else flow.text(first["include"], lang)
            openings.append((text, node["disposition"]))
    return openings


def answer(question: Question, present: set[str]) -> str:
    """What the scripted patient replies."""
    if question.kind == "yes_no":
        return "yes" if question.concepts[0] in present else "no"
    if question.kind == "all_that_apply":
        picked = [str(n) for n, code in enumerate(question.concepts, 1) if code in present]
        return " ".join(picked) or "0"
    for n, code in enumerate(question.concepts, 1):
        if code is not None and code in present:
            return str(n)
    plain = [n for n, code in enumerate(question.concepts, 1) if code is None]
    return str(plain[0] if plain else 1)


class Runner:
    def __init__(self, flow: Flow, client: SignedClient):
        self.flow = flow
        self.client = client

    def run(self, vignette: dict, number: str) -> dict:
        lang = vignette.get("language", "en")
        questions = known_questions(self.flow, lang)
        openings = advice_openings(self.flow, lang)
        present = set(vignette["present"])
        volunteer = vignette.get("volunteer")
        transcript, reached, sent_segments, answered = [], [], 0, 0

        def send(text: str) -> list[str]:
            nonlocal sent_segments
            transcript.append({"from": "patient", "text": text})
            response = self.client.sms(number, text)
            messages = sms_messages(response.data) if response.status_code == 200 else []
            for message in messages:
                transcript.append({"from": "line", "text": message})
                sent_segments += segments(message)
                reached.extend(d for opening, d in openings if opening in message and d is not None)
            return messages

        messages = send(vignette.get("opening", "HI"))
        while len([t for t in transcript if t["from"] == "patient"]) < MAX_TURNS:
            last = messages[-1] if messages else ""
            asked = next((k.question for k in questions if last.endswith(k.sms)), None)
            if volunteer and (answered == volunteer["after"] or asked is None):
                messages = send(volunteer["text"])
                volunteer = None
                continue
            if asked is None:
                break  # advice given (or nothing asked): the conversation is over
            messages = send(answer(asked, present))
            answered += 1

        disposition = max(reached, key=RANK.__getitem__) if reached else "none"
        result = {"id": vignette["id"], "disposition": disposition}
        if "expected" in vignette:
            result["expected"] = vignette["expected"]
        result.update(turns=sum(1 for t in transcript if t["from"] == "patient"),
                      segments=sent_segments, transcript=transcript)
        return result


def summary(results: list[dict]) -> str:
    scored = [r for r in results if "expected" in r]
    def rank(name):
        return RANK.get(name, -1)
    correct = sum(r["disposition"] == r["expected"] for r in scored)
    under = sum(rank(r["disposition"]) < rank(r["expected"]) for r in scored if r["disposition"] != "none")
    over = sum(rank(r["disposition"]) > rank(r["expected"]) for r in scored)
    none = sum(r["disposition"] == "none" for r in results)
    return (f"total {len(results)}, correct {correct}, undertriaged {under}, "
            f"overtriaged {over}, none {none}")


def run_vignettes(vignettes: list[dict]) -> list[dict]:
    from handler.app import create_app

    logs.only_problems()
    with local_settings() as (settings, _supplied):
        app = create_app(settings)
        client = SignedClient(app, settings)
        runner = Runner(app.extensions["triage_line"].flow, client)
        return [runner.run(v, number=f"+1555{n:07d}") for n, v in enumerate(vignettes, 1)]


def run_file(path, out, err) -> int:
    vignettes = json.loads(path.read_text(encoding="utf-8"))
    unsupported = [v["id"] for v in vignettes if v.get("channel", "sms") != "sms"]
    runnable = [v for v in vignettes if v.get("channel", "sms") == "sms"]
    results = run_vignettes(runnable)
    for result in results:
        out.write(json.dumps(result) + "\n")
    if unsupported:
        err.write(f"skipped (voice is not built yet): {', '.join(unsupported)}\n")
    err.write(summary(results) + "\n")
    return 0
