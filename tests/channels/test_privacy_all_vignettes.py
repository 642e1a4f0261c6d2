"""Privacy (issue 6, part 6) for every scripted patient. tests/channels/test_sms_privacy.py runs
the sample vignettes (tests/vignettes/sample.json); this runs every other vignette file
through the real webhook path with everything watched (tests/channels/privacy_watch.py):
no log line holds a phone number, a "From", a raw call id or a message body, and no item
left in the store holds any of them either. The free-text files are watched in the one run
tests/channels/test_free_text_vignettes.py makes of them."""
from __future__ import annotations

import json

import pytest

from tests.channels.privacy_watch import run_watched, shown, shows
from tests.channels.sms_helpers import TESTS_DIR
from tests.channels.test_free_text_vignettes import FILES as FREE_TEXT_FILES

VIGNETTE_FILES = sorted((TESTS_DIR / "vignettes").glob("*.json"))
WATCHED_HERE = [path for path in VIGNETTE_FILES if path.name not in FREE_TEXT_FILES]


@pytest.mark.parametrize("path", WATCHED_HERE, ids=[p.name for p in WATCHED_HERE])
def test_every_vignette_logs_and_stores_no_phone_number_call_id_or_body(path):
    _results, problems = run_watched(json.loads(path.read_text(encoding="utf-8")))
    assert problems == []


def test_every_vignette_file_is_watched_here_or_in_the_free_text_run():
    assert {p.name for p in WATCHED_HERE} | set(FREE_TEXT_FILES) == {p.name for p in VIGNETTE_FILES}
    assert set(FREE_TEXT_FILES) <= {p.name for p in VIGNETTE_FILES}


def test_a_word_shows_in_a_line_as_trying_every_pair_finds():
    lines = ["a 5551234 b", "x5551234y", "15551234", "sha 0123456789abcdef5551234fedcba9876543210 ok",
             "said my pee is dark", "said my pee is dark", "+15555551234 in full", ""]
    words = {"5551234", "my pee is dark", "+15555551234", "15555551234", "absent words"}
    every_pair = {(word, line) for line in lines for word in words if shows(word, line)}
    unique = list(dict.fromkeys(lines))
    assert set(shown(words, unique, "\n".join(unique))) == every_pair
    assert shown({"5551234", "absent words"}, ["a 15551234 b"], "a 15551234 b") == []
    assert {word for word, _line in every_pair} == words - {"absent words"}
    assert ("5551234", "15551234") not in every_pair      # inside a longer number: by chance
