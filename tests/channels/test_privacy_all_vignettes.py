"""Privacy (issue 6, part 6) for every scripted patient. tests/channels/test_sms_privacy.py runs
the sample vignettes (tests/vignettes/sample.json); this runs every vignette file
(sample, sms, voice) through the real webhook path with all log output captured: every
logger at DEBUG (botocore's request logging included), the project's JSON log, and
whatever reaches stdout and stderr. No line holds a phone number, a "From", a raw call
id or a message body, and no item left in the store holds any of them either."""
from __future__ import annotations

import json
import logging
import re
from contextlib import contextmanager

import pytest

from handler.infra import logs
from handler.infra.pseudonyms import pseudonym
from tests.channels.revealing_bodies import revealing
from tests.channels.sms_helpers import TESTS_DIR, phone_forms

VIGNETTE_FILES = sorted((TESTS_DIR / "vignettes").glob("*.json"))
FROM_PARAMETER = re.compile(r"(?<![A-Za-z0-9])From(?![A-Za-z0-9])")
LIBRARY_LOGGERS = ("botocore", "boto3", "urllib3", "werkzeug", "moto")



@pytest.fixture
def aws_env(monkeypatch):
    """Fake credentials and the embedded DynamoDB (never a real account)."""
    for name, value in (("AWS_ACCESS_KEY_ID", "local"), ("AWS_SECRET_ACCESS_KEY", "local"),
                        ("AWS_SESSION_TOKEN", "local"), ("AWS_REGION", "us-east-1"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    for name in ("DYNAMODB_ENDPOINT_URL", "AWS_PROFILE", "NURSE_LINE_NUMBER"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("path", VIGNETTE_FILES, ids=[p.name for p in VIGNETTE_FILES])
def test_every_vignette_logs_and_stores_no_phone_number_call_id_or_body(path, aws_env, caplog, capfd,
                                                                         monkeypatch):
    from handler.infra.store import dynamodb_client
    from handler.tools import local_line, vignettes

    # every logger at DEBUG, after the app's own logs.configure() has quietened the libraries
    real_configure = logs.configure

    def configure_all_debug(stream=None):
        real_configure(stream)
        logs.logger.setLevel(logging.DEBUG)
        for name in LIBRARY_LOGGERS:
            logging.getLogger(name).setLevel(logging.DEBUG)

    monkeypatch.setattr(logs, "configure", configure_all_debug)
    monkeypatch.setattr(vignettes.logs, "only_problems", lambda: None)       # keep INFO and DEBUG
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger=logs.LOGGER_NAME)

    # every number and call id sent, and every item in the store before it is torn down
    numbers, call_ids, items, used_settings = set(), set(), [], []
    real_post = local_line.SignedClient.post

    def recording_post(self, route, params):
        numbers.add(params["From"])
        if "CallSid" in params:
            call_ids.add(params["CallSid"])
        return real_post(self, route, params)

    real_settings = vignettes.local_settings

    @contextmanager
    def scanning_settings(*args, **kwargs):
        with real_settings(*args, **kwargs) as (settings, supplied):
            used_settings.append(settings)
            yield settings, supplied
            client = dynamodb_client(settings.aws_region, settings.dynamodb_endpoint_url)
            page = {}
            while True:
                page = client.scan(TableName=settings.sessions_table, ConsistentRead=True,
                                   **({"ExclusiveStartKey": page["LastEvaluatedKey"]}
                                      if "LastEvaluatedKey" in page else {}))
                items.extend(page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    break

    monkeypatch.setattr(local_line.SignedClient, "post", recording_post)
    monkeypatch.setattr(vignettes, "local_settings", scanning_settings)
    try:
        cases = json.loads(path.read_text(encoding="utf-8"))
        results = vignettes.run_vignettes(cases)
    finally:
        for name in LIBRARY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)

    assert len(results) == len(cases)
    sms_cases = [c for c in cases if c.get("channel", "sms") == "sms"]
    voice_cases = [c for c in cases if c.get("channel") == "voice"]
    assert len(numbers) >= len(sms_cases) and len(call_ids) == len(voice_cases)
    bodies = {turn["text"] for result in results for turn in result["transcript"] if turn["from"] == "patient"}
    bodies = {b for b in bodies if revealing(b)}
    assert bodies, "no body worth looking for: the test would prove nothing"

    # everything logged, by every route
    captured = capfd.readouterr()
    lines = []
    for record in caplog.records:
        lines.append(record.getMessage())
        lines.append(json.dumps(getattr(record, "fields", None), default=str))
    lines.extend(caplog.text.splitlines())
    lines.extend(captured.err.splitlines())
    lines.extend(captured.out.splitlines())
    assert any('"event"' in line for line in lines), "the project's own log lines were not captured"
    assert any(record.name.startswith("botocore") for record in caplog.records), "botocore was not logging"

    forbidden = {form for number in numbers for form in phone_forms(number)} | call_ids | \
        {sid[2:] for sid in call_ids} | bodies
    leaks = [(word, line[:200]) for word, line in shown(forbidden, lines)]
    # the parameter's name as a word: botocore's debug lines carry random request ids, and
    # one such as '...ErgcFromYSS...' once failed this test by chance
    leaks += [("From", line[:200]) for line in lines if FROM_PARAMETER.search(line)]
    assert not leaks, leaks[:5]

    # the store: one item per patient or call, keyed by a keyed hash, holding none of it (the
    # embedded DynamoDB lives as long as the process: items of earlier runs are checked too)
    key = used_settings[0].phone_hash_key
    ours = {"sms#" + pseudonym(key, n) for n in numbers} | {"call#" + pseudonym(key, c) for c in call_ids}
    stored_keys = {item["pk"]["S"] for item in items}
    assert len(ours & stored_keys) == len(cases)
    for item in items:
        assert re.fullmatch(r"(sms|call)#[0-9a-f]{64}", item["pk"]["S"]), item["pk"]
    stored = json.dumps(items, ensure_ascii=False)
    stored_leaks = [word for word in forbidden if shows(word, stored)]
    assert not stored_leaks, stored_leaks[:5]


HASH_RUN = re.compile(r"[0-9a-f]{32,}")
DIGIT_RUN = re.compile(r"\d+")


def shown(words: set[str], lines: list[str]) -> list[tuple[str, str]]:
    """Each (word, line) for which shows(word, line), found without trying every word on every
    line (a run of the free-text patients logs some 250,000 lines; pair by pair, that took
    most of the test). A line logged twice is looked at once. A number shows in a line when it
    is one of the line's runs of digits, hash runs left out, which is what shows() asks. Any
    other word is looked for once in all the lines together, and line by line only if there."""
    unique = list(dict.fromkeys(lines))
    numbers = {word for word in words if word.isdigit()}
    pairs = [(word, line) for line in unique
             for word in numbers.intersection(DIGIT_RUN.findall(HASH_RUN.sub(" ", line)))]
    everything = "\n".join(unique)
    pairs += [(word, line) for word in words - numbers if word in everything
              for line in unique if word in line]
    return pairs


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

