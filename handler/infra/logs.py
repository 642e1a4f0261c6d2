"""Structured JSON logs. Callers pass only named, safe fields: never a phone
number, a message body or a raw call id. Every line is one JSON object."""
from __future__ import annotations

import json
import logging
import sys

LOGGER_NAME = "triage_line"
logger = logging.getLogger(LOGGER_NAME)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"level": record.levelname.lower(), "logger": record.name}
        fields = getattr(record, "fields", None)
        if fields is not None:
            entry.update(fields)
        else:
            entry["message"] = record.getMessage()
        return json.dumps(entry, default=str, separators=(",", ":"))


def configure(stream=None) -> None:
    """JSON lines on stderr for this project's logger; noisy libraries kept quiet."""
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    for noisy in ("botocore", "boto3", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def only_problems() -> None:
    """For terminal tools whose output is the conversation: log warnings and errors only."""
    logger.setLevel(logging.WARNING)


def event(name: str, level: int = logging.INFO, **fields) -> None:
    logger.log(level, name, extra={"fields": {"event": name, **fields}})
