"""The clinician console in Chromium, against the real server: whole conversations typed
into the dev phone to every disposition (the replies read back from the log region), calls
by keypad and by speech to an emergency, the diagram with every node, the sample vignettes
run from their page, and the review listing every reply `validate --segments` lists."""
from __future__ import annotations

import json

import pytest

from handler.channels.sms.segments import encoding, segments
from handler.checks import safety_walk
from handler.core.disposition import Disposition
from handler.tools.console.diagram import node_text
from handler.tools.vignettes import answer, known_questions
from tests.browser.conftest import screenshot
from tests.paths import TESTS_DIR

SAMPLE = json.loads((TESTS_DIR / "vignettes" / "sample.json").read_text(encoding="utf-8"))
MAX_TURNS = 30


def patient_for(disposition: str) -> dict:
    """A texting patient of the sample set who should end in this disposition."""
    return next(v for v in SAMPLE if v["expected"] == disposition and v.get("channel", "sms") == "sms"
                and "volunteer" not in v and "opening_means" not in v)


class DevPhone:
    """The dev phone as a person uses it: by the names the page gives its controls."""

    def __init__(self, page):
        self.page = page
        self.log = page.get_by_role("log")

    def turns(self) -> int:
        return self.log.locator(".turn").count()

    def text(self, body: str, by_enter: bool = False) -> list[str]:
        """Send one text; the line's replies as the log shows them."""
        before = self.log.locator(".turn.line").count()
        turns = self.turns()
        box = self.page.get_by_role("textbox", name="Message")
        box.fill(body)
        if by_enter:
            box.press("Enter")
        else:
            self.page.get_by_role("button", name="Send").click()
        # the patient's entry, then the replies (or a note), appended as the answer arrives
        self.page.wait_for_function("n => document.querySelectorAll('[role=log] .turn').length > n", arg=turns + 1)
        return self.log.locator(".turn.line .text").all_inner_texts()[before:]

    def heard_after(self, action) -> list[str]:
        """Do something on a call; what the caller hears next."""
        before = self.log.locator(".turn.heard").count()
        turns = self.turns()
        with self.page.expect_response("**/api/call"):
            action()
        self.page.wait_for_function("n => document.querySelectorAll('[role=log] .turn').length > n", arg=turns + 1)
        return self.log.locator(".turn.heard .text").all_inner_texts()[before:]


@pytest.mark.parametrize("disposition", [d.value for d in reversed(Disposition)])
def test_texting_a_whole_conversation_reaches_each_disposition(page, console_url, flow, disposition):
    vignette = patient_for(disposition)
    page.goto(console_url)
    phone = DevPhone(page)
    page.get_by_role("button", name="New number").click()
    questions = known_questions(flow, "en")
    replies = phone.text(vignette.get("opening", "hi"), by_enter=True)     # the keyboard path
    for _turn in range(MAX_TURNS):
        assert replies, "every text gets a reply"
        asked = next((k.question for k in questions if replies[-1].endswith(k.sms)), None)
        if asked is None:
            break
        replies = phone.text(answer(asked, set(vignette["present"])))
    else:
        pytest.fail("the conversation never ended")
    session = page.locator(".session")
    assert page.locator("#session-disposition").inner_text() == disposition
    for code in vignette["present"]:
        if flow.dispositions.get(code) is not None:
            assert code in page.locator("#session-findings").inner_text()
    assert "sms#" in page.locator("#session-key").inner_text()
    assert int(page.locator("#session-size").inner_text().split()[0]) > 0
    metas = page.locator(".turn.line .meta").all_inner_texts()
    assert metas and all(("GSM-7" in m or "UCS-2" in m) and "segment" in m for m in metas)
    if disposition == "emergency":
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, "phone")
    assert session.is_visible()


def test_a_new_number_after_opting_out_and_in(page, console_url):
    page.goto(console_url)
    phone = DevPhone(page)
    page.get_by_role("button", name="New number").click()
    phone.text("hi")
    with page.expect_response("**/api/sms"):
        page.get_by_role("button", name="Opt out (STOP)").click()
    page.wait_for_function("() => document.getElementById('session-opt-out').textContent.startsWith('yes')")
    with page.expect_response("**/api/sms"):
        page.get_by_role("button", name="Opt back in (START)").click()
    page.wait_for_function("() => document.getElementById('session-opt-out').textContent === 'no'")
    number = page.get_by_label("Patient's number").input_value()
    page.get_by_role("button", name="New number").click()
    assert page.get_by_label("Patient's number").input_value() != number


def start_call(page, console_url) -> DevPhone:
    page.goto(console_url)
    page.get_by_role("button", name="New number").click()
    page.get_by_label("Call (voice)").check()
    assert not page.get_by_role("textbox", name="Message").is_visible(), "a call has no text box"
    phone = DevPhone(page)
    heard = phone.heard_after(lambda: page.get_by_role("button", name="Call the line").click())
    assert heard and page.get_by_role("button", name="Hang up").is_enabled()
    return phone


def test_calling_with_the_keypad_to_an_emergency(page, console_url, flow):
    phone = start_call(page, console_url)
    keypad = page.get_by_role("group", name="Keypad")
    heard = phone.heard_after(lambda: keypad.get_by_role("button", name="1", exact=True).click())  # English
    assert flow.question("topic").text["en"] in " ".join(heard)
    heard = phone.heard_after(lambda: keypad.get_by_role("button", name="1", exact=True).click())  # muscle spasms
    assert flow.question("red_flags").choices[0].text["en"] in " ".join(heard)          # asked item by item
    heard = phone.heard_after(lambda: keypad.get_by_role("button", name="1", exact=True).click())  # yes: a red flag
    assert any(node_text(flow, "emergency", "en") in said for said in heard)
    assert page.get_by_role("button", name="Call the line").is_enabled(), "the line hung up"
    assert page.locator("#session-disposition").inner_text() == "emergency"
    assert "call#" in page.locator("#session-key").inner_text()


def test_calling_and_saying_an_emergency(page, console_url, flow):
    phone = start_call(page, console_url)
    page.get_by_label("What the caller says").fill("my chest hurts and I can't breathe")
    heard = phone.heard_after(lambda: page.get_by_role("button", name="Say").click())
    assert any(node_text(flow, "emergency_now", "en") in said for said in heard)
    assert page.locator("#session-disposition").inner_text() == "emergency"
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "call")


def test_silence_asks_again_and_hanging_up_ends_the_call(page, console_url):
    phone = start_call(page, console_url)
    heard = phone.heard_after(lambda: page.get_by_role("button", name="Silence").click())
    assert heard, "a timeout says something and asks again"
    assert page.get_by_role("button", name="Hang up").is_enabled()
    phone.heard_after(lambda: page.get_by_role("button", name="Hang up").click())
    assert page.get_by_role("button", name="Call the line").is_enabled()


def test_the_diagram_has_every_node_and_each_opens_its_details(page, console_url, flow):
    page.goto(console_url + "flow")
    for node_id in flow.nodes:
        assert page.locator(f'svg [data-node="{node_id}"]').count() == 1, node_id
        assert page.locator(f"#node-{node_id}").count() == 1, node_id
    arrows = page.locator("svg .arrow")
    assert arrows.count() >= len({(n, t) for n, node in flow.nodes.items() for _l, t in node.edges()})
    assert page.locator("svg .arrow.red-flag").count() > 0
    page.locator('svg [data-node="red_flags"] a').focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**#node-red_flags")
    details = page.locator("#node-red_flags")
    assert "acts at once wherever said" in details.inner_text()
    details.locator("details summary").first.click()
    concept = flow.question("red_flags").choices[0].concept
    assert flow.vocabulary.words(concept, "en").clear[0] in details.inner_text()
    page.goto(console_url + "flow")
    screenshot(page, "flow")


def test_the_sample_vignettes_run_from_their_page(page, console_url):
    page.goto(console_url + "vignettes")
    page.get_by_label("Vignette file").select_option("sample.json")
    page.get_by_role("button", name="Run").click()
    table = page.locator("table.results")
    table.wait_for(timeout=120_000)
    rows = table.locator("tbody tr")
    assert rows.count() == len(SAMPLE)
    assert f"total {len(SAMPLE)}" in page.locator("#results-title").inner_text()
    ids = [rows.nth(n).locator("th").inner_text().split()[0] for n in range(rows.count())]
    assert sorted(ids) == sorted(v["id"] for v in SAMPLE)
    failed = [n for n in range(rows.count()) if "failed" in (rows.nth(n).get_attribute("class") or "")]
    assert failed == list(range(len(failed))), "failures first"
    screenshot(page, "vignettes")
    rows.first.locator("summary").click()
    assert "patient:" in rows.first.locator(".transcript").inner_text()


def test_the_review_lists_every_reply_the_safety_walk_sends(page, console_url, flow):
    """The replies `triage-line validate` checks are those its safety walk sends: walked
    here, in this process, each language's are the rows of that language's table."""
    walks = {lang: safety_walk.walk(flow, lang) for lang in flow.languages}
    page.goto(console_url + "review", timeout=120_000)
    for lang in flow.languages:        # one table a language, each reply in its own encoding
        rows = page.locator(f"section[aria-labelledby='replies-{lang}'] table.replies tbody tr")
        # every row's cells' textContent in one round trip (row by row, a few hundred trips)
        table = rows.evaluate_all("rows => rows.map(row => Array.from(row.cells, cell => cell.textContent))")
        shown = {cells[0]: (cells[1], int(cells[2])) for cells in table}
        assert set(shown) == set(walks[lang].messages)
        assert all(encoding(text) == enc and segments(text) == count for text, (enc, count) in shown.items())
    assert "Passes every check" in page.locator("#validator-result").inner_text()
    assert str(sum(walk.paths for walk in walks.values())) in page.locator(".facts").nth(1).inner_text()
    assert "DRAFT" in page.locator(".status").first.inner_text().upper()
    screenshot(page, "review")
