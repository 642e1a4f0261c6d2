"""The patients the bench sends: the clinical sample vignettes (SMS ones), walked
once through the real line by handler.vignettes' scripted patient to record what
each one types. Replaying those texts from a fresh number walks the same path to
the same advice, so the timed runs need no patient logic."""
from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

from handler.tools.local_line import SignedClient
from handler.tools.vignettes import run_sms

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_FILES = (ROOT / "tests" / "vignettes" / "sample.json",   # the project's copy of the shared sample
                ROOT / "bench" / "vignettes-sample.json")         # used only when that one is missing


@dataclass(frozen=True)
class Script:
    id: str
    texts: tuple[str, ...]        # what the patient sends, in order
    last_reply: str               # the last SMS message the line sent (its advice)
    disposition: str
    expected: str | None


def sample_file() -> Path:
    for path in SAMPLE_FILES:
        if path.exists():
            return path
    raise FileNotFoundError("no sample vignettes: looked for " + ", ".join(map(str, SAMPLE_FILES)))


def load_vignettes() -> tuple[Path, list[dict]]:
    path = sample_file()
    return path, json.loads(path.read_text(encoding="utf-8"))


SPANISH_SAMPLE = ROOT / "tests" / "vignettes" / "es-sample.json"   # the same patients, speaking Spanish


def load_spanish_vignettes() -> tuple[Path, list[dict]]:
    return SPANISH_SAMPLE, json.loads(SPANISH_SAMPLE.read_text(encoding="utf-8"))


class Numbers:
    """Phone numbers never used before in this run (each starts a new conversation)."""

    def __init__(self, area: int):
        self._next = itertools.count(1)
        self.area = area

    def __call__(self) -> str:
        return f"+1{self.area:03d}{next(self._next):07d}"


def record(app, settings, vignettes: list[dict], numbers: Numbers) -> list[Script]:
    """Walk every SMS vignette once through the app and keep what the patient typed."""
    client = SignedClient(app, settings)
    scripts = []
    for vignette in vignettes:
        if vignette.get("channel", "sms") != "sms":
            continue
        result = run_sms(app, client, vignette, numbers(), settings.phone_hash_key)
        said = tuple(t["text"] for t in result["transcript"] if t["from"] == "patient")
        heard = [t["text"] for t in result["transcript"] if t["from"] == "line"]
        scripts.append(Script(vignette["id"], said, heard[-1] if heard else "", result["disposition"],
                              vignette.get("expected")))
    return scripts


def as_json(scripts: list[Script]) -> list[dict]:
    return [{"id": s.id, "texts": list(s.texts)} for s in scripts]
