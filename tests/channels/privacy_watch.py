"""Scripted patients run through the real webhook path with everything watched, for the
privacy tests (issue 6, part 6): every logger at DEBUG (botocore's request logging
included), the project's own JSON log lines, whatever reaches stdout and stderr (from
Python or below it), every phone number and call id sent, and every item left in the
store. What comes back is the patients' results and every way a phone number, a "From", a
raw call id or a message body showed; the tests assert there is none.

One run serves both the privacy check and whatever else a test asks of the results (the
free-text figures), so the longest vignette files are not run twice."""
from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from botocore.config import Config

from handler.infra import logs
from handler.infra.pseudonyms import pseudonym
from handler.infra.store import dynamodb_client
from handler.tools import local_line, vignettes
from tests.channels.revealing_bodies import revealing
from tests.channels.sms_helpers import phone_forms

FROM_PARAMETER = re.compile(r"(?<![A-Za-z0-9])From(?![A-Za-z0-9])")
LIBRARY_LOGGERS = ("botocore", "boto3", "urllib3", "werkzeug", "moto")
LINE_FORMAT = logging.Formatter("%(levelname)s %(name)s:%(filename)s:%(lineno)d %(message)s")
HASH_RUN = re.compile(r"[0-9a-f]{32,}")
DIGIT_RUN = re.compile(r"\d+")
SCAN_CONFIG = Config(connect_timeout=10, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"})
SCAN_PAGE = 100


@dataclass
class Watched:
    """What a watched run sent and what it left: logged lines, the store's items."""
    numbers: set[str] = field(default_factory=set)
    call_ids: set[str] = field(default_factory=set)
    items: list[dict] = field(default_factory=list)
    hash_keys: list[str] = field(default_factory=list)
    records: list[logging.LogRecord] = field(default_factory=list)
    output: list[str] = field(default_factory=list)


class _Recorder(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__(logging.DEBUG)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def run_watched(cases: list[dict]) -> tuple[list[dict], list[str]]:
    """The vignettes' results, and every problem with what the run logged and stored."""
    watched = Watched()
    with _watching(watched), _output_captured(watched.output):
        results = vignettes.run_vignettes(cases)
    return results, problems(watched, cases, results)


@contextmanager
def _watching(watched: Watched) -> Iterator[None]:
    recorder = _Recorder(watched.records)
    project, root = logging.getLogger(logs.LOGGER_NAME), logging.getLogger()
    real_configure, real_post, real_settings = logs.configure, local_line.SignedClient.post, vignettes.local_settings

    def configure_all_debug(stream=None):
        # every logger at DEBUG, after the app's own logs.configure() has quietened the libraries
        real_configure(stream)
        logs.logger.setLevel(logging.DEBUG)
        for name in LIBRARY_LOGGERS:
            logging.getLogger(name).setLevel(logging.DEBUG)

    def recording_post(self, route, params):
        watched.numbers.add(params["From"])
        if "CallSid" in params:
            watched.call_ids.add(params["CallSid"])
        return real_post(self, route, params)

    @contextmanager
    def scanning_settings(*args, **kwargs):
        # every item in the store, before the embedded DynamoDB is torn down
        with real_settings(*args, **kwargs) as (settings, supplied):
            watched.hash_keys.append(settings.phone_hash_key)
            yield settings, supplied
            # the line's own client gives up after half a second; a test reading back a few
            # hundred items from a busy embedded server waits as long as it takes
            client = dynamodb_client(settings.aws_region, settings.dynamodb_endpoint_url, SCAN_CONFIG)
            for page in client.get_paginator("scan").paginate(TableName=settings.sessions_table, ConsistentRead=True,
                                                                PaginationConfig={"PageSize": SCAN_PAGE}):
                watched.items.extend(page.get("Items", []))

    levels = {name: logging.getLogger(name).level for name in (logs.LOGGER_NAME, *LIBRARY_LOGGERS)}
    root_level = root.level
    with pytest.MonkeyPatch.context() as patch:
        # fake credentials and the embedded DynamoDB (never a real account)
        for name, value in (("AWS_ACCESS_KEY_ID", "local"), ("AWS_SECRET_ACCESS_KEY", "local"),
                            ("AWS_SESSION_TOKEN", "local"), ("AWS_REGION", "us-east-1"),
                            ("AWS_DEFAULT_REGION", "us-east-1")):
            patch.setenv(name, value)
        for name in ("DYNAMODB_ENDPOINT_URL", "AWS_PROFILE", "NURSE_LINE_NUMBER"):
            patch.delenv(name, raising=False)
        patch.setattr(logs, "configure", configure_all_debug)
        patch.setattr(vignettes.logs, "only_problems", lambda: None)       # keep INFO and DEBUG
        patch.setattr(local_line.SignedClient, "post", recording_post)
        patch.setattr(vignettes, "local_settings", scanning_settings)
        root.setLevel(logging.DEBUG)
        root.addHandler(recorder)
        project.addHandler(recorder)          # the project's logger does not propagate to the root
        try:
            yield
        finally:
            root.removeHandler(recorder)
            project.removeHandler(recorder)
            root.setLevel(root_level)
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)


@contextmanager
def _output_captured(lines: list[str]) -> Iterator[None]:
    """Everything written to stdout and stderr while inside, by Python or below it, into lines."""
    text = io.StringIO()
    with tempfile.TemporaryFile() as below:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        saved = {fd: os.dup(fd) for fd in (1, 2)}
        for fd in saved:
            os.dup2(below.fileno(), fd)
        try:
            with contextlib.redirect_stdout(text), contextlib.redirect_stderr(text):
                yield
        finally:
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)
            below.seek(0)
            lines.extend(below.read().decode("utf-8", "replace").splitlines())
            lines.extend(text.getvalue().splitlines())


def problems(watched: Watched, cases: list[dict], results: list[dict]) -> list[str]:
    """Every way the run showed a phone number, call id or body, in a log line or in the
    store; and every reason the watching itself would prove nothing."""
    found: list[str] = []
    sms_cases = [c for c in cases if c.get("channel", "sms") == "sms"]
    voice_cases = [c for c in cases if c.get("channel") == "voice"]
    if len(results) != len(cases):
        found.append(f"{len(results)} results for {len(cases)} patients")
    if len(watched.numbers) < len(sms_cases) or len(watched.call_ids) != len(voice_cases):
        found.append("not every patient's number or call id was seen going in")
    bodies = {turn["text"] for result in results for turn in result["transcript"]
              if turn["from"] == "patient" and revealing(turn["text"])}
    if not bodies:
        found.append("no body worth looking for: the test would prove nothing")

    json_lines = logs.JsonFormatter()
    lines: list[str] = []
    for record in watched.records:
        message = record.getMessage()
        if message.splitlines() != [message]:      # else the formatted line below holds it whole
            lines.append(message)
        fields = getattr(record, "fields", None)       # the project's structured fields
        if fields is not None:
            lines.append(json.dumps(fields, default=str))
        lines.extend(LINE_FORMAT.format(record).splitlines())
        if record.name.startswith(logs.LOGGER_NAME):
            lines.append(json_lines.format(record))
    lines.extend(watched.output)
    if not any('"event"' in line for line in lines):
        found.append("the project's own log lines were not captured")
    if not any(record.name.startswith("botocore") for record in watched.records):
        found.append("botocore was not logging")

    forbidden = {form for number in watched.numbers for form in phone_forms(number)} | watched.call_ids | \
        {sid[2:] for sid in watched.call_ids} | bodies
    unique = list(dict.fromkeys(lines))     # a line logged twice is looked at once
    everything = "\n".join(unique)
    found += [f"{word!r} in a log line: {line[:200]}" for word, line in shown(forbidden, unique, everything)]
    # the parameter's name as a word: botocore's debug lines carry random request ids, and
    # one such as '...ErgcFromYSS...' once failed this check by chance
    if FROM_PARAMETER.search(everything):
        found += [f"'From' in a log line: {line[:200]}" for line in unique if FROM_PARAMETER.search(line)]

    # the store: one item per patient or call, keyed by a keyed hash, holding none of it (the
    # embedded DynamoDB may outlive one run: items of earlier runs are checked too)
    key = watched.hash_keys[0]
    ours = {"sms#" + pseudonym(key, n) for n in watched.numbers} | \
        {"call#" + pseudonym(key, c) for c in watched.call_ids}
    stored_keys = {item["pk"]["S"] for item in watched.items}
    if len(ours & stored_keys) != len(cases):
        found.append(f"{len(ours & stored_keys)} stored items for {len(cases)} patients")
    found += [f"a key not a keyed hash: {item['pk']}" for item in watched.items
              if not re.fullmatch(r"(sms|call)#[0-9a-f]{64}", item["pk"]["S"])]
    stored = json.dumps(watched.items, ensure_ascii=False)
    found += [f"{word!r} in the store" for word in forbidden if shows(word, stored)]
    return found


def shows(word: str, text: str) -> bool:
    """True when the word stands in the text other than by chance inside a longer run of
    digits: seven digits of a phone number turn up now and then in a random 64-digit SHA-256
    or a 10-digit x-amz-crc32 header. A number logged whole is still caught, by its longer
    forms (E.164, all digits, the last ten)."""
    if word not in text:
        return False
    if not word.isdigit():
        return True
    return re.search(rf"(?<!\d){word}(?!\d)", HASH_RUN.sub(" ", text)) is not None


def shown(words: set[str], unique: list[str], everything: str) -> list[tuple[str, str]]:
    """Each (word, line) for which shows(word, line), of lines logged once each, and
    `everything` those lines joined by newlines. Each word is looked for once in all the
    lines together, and line by line only if there: a run of the free-text patients logs
    some 250,000 lines, and pair by pair that took most of the test. A number shows in a
    line when it is one of the line's runs of digits, hash runs left out, which is what
    shows() asks (no run of digits or hash crosses a newline)."""
    numbers = {word for word in words if word.isdigit()}
    pairs = []
    if numbers.intersection(DIGIT_RUN.findall(HASH_RUN.sub(" ", everything))):
        pairs += [(word, line) for line in unique
                  for word in numbers.intersection(DIGIT_RUN.findall(HASH_RUN.sub(" ", line)))]
    pairs += [(word, line) for word in words - numbers if word in everything
              for line in unique if word in line]
    return pairs
