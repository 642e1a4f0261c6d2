"""Structured JSON logs. Callers pass only named, safe fields: never a phone
number, a message body, a raw call id or any value from a request header.
Every line is one JSON object, and every event is one line."""
from __future__ import annotations

import json
import logging
import sys

LOGGER_NAME = "triage_line"
logger = logging.getLogger(LOGGER_NAME)

# Libraries whose INFO and DEBUG lines are noise here, or worse: Zappa's access log
# (zappa.wsgi, at INFO) writes the User-Agent and Referer headers and the whole query
# string of every request; kept at WARNING whatever log_level the stage sets.
QUIET_LIBRARIES = ("botocore", "boto3", "urllib3", "zappa.wsgi", "werkzeug")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"level": record.levelname.lower(), "logger": record.name}
        fields = getattr(record, "fields", None)
        if fields is not None:
            entry.update(fields)
        else:
            entry["message"] = record.getMessage()
        return json.dumps(entry, default=str, separators=(",", ":"))


def _json_handler(stream) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    return handler


def configure(stream=None) -> None:
    """JSON lines on stderr for this project's logger, and only there: its records do not
    go on to the root logger, whose handlers (waitress's basicConfig under `serve`, the
    Lambda runtime's on Lambda) would print every event a second time, not as JSON."""
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        logger.addHandler(_json_handler(stream))
    logger.propagate = False
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)


def libraries_as_json(stream=None) -> None:
    """For `serve`: other libraries' records (waitress's) as JSON lines on stderr too, so
    that stderr holds JSON only. Installed before waitress, whose serve() calls
    logging.basicConfig(), which then adds nothing."""
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        root.addHandler(_json_handler(stream))
    if root.level > logging.INFO:
        root.setLevel(logging.INFO)


def only_problems() -> None:
    """For terminal tools whose output is the conversation: log warnings and errors only."""
    logger.setLevel(logging.WARNING)


def event(name: str, level: int = logging.INFO, **fields) -> None:
    logger.log(level, name, extra={"fields": {"event": name, **fields}})
