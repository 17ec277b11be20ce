"""`handouts serve` as a clinician uses it: a real server on 127.0.0.1 and a real headless
Chromium (Debian's, driven by Playwright). One server and one browser for the module; the
last test checks that nothing of the patient reached the disk or the log."""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import urllib.parse
from pathlib import Path
from urllib.parse import quote

import pytest
from pypdf import PdfReader

from handouts.bench import percentile, serve_load, start_server
from tests.conftest import FIXTURES, normalise

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NAME, PREPARED_BY = "Zelda Quartermaine", "Dr. Ynez Pemberton"
PASTED = "1. Zoloft 50mg qd\n2. LORazepam 0.5 MG Oral Tablet prn\n• metoprolol 25 mg\n" \
         "- sertaline\n- Spravato 56 mg"
# what this patient's data looks like: nowhere but in the responses
PRIVATE = ("Zelda", "Quartermaine", "Pemberton", "Zoloft 50mg qd", "LORazepam 0.5 MG",
           "metoprolol 25 mg", "sertaline", "lithium 300 mg", "selegiline 0.25 MG/HR")
# and no medicine at all in the server's log
IN_NO_LOG = PRIVATE + ("Zoloft", "lorazepam", "metoprolol", "sertraline", "lithium",
                       "selegiline", "buprenorphine", "Spravato")
BUNDLE = FIXTURES / "fhir" / "synthea-style-bundle.json"
AXE = Path(__file__).parents[1] / "web" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The real server, run from empty folders that are its cwd, HOME and TMPDIR."""
    dirs = {k: tmp_path_factory.mktemp(f"server-{k}") for k in ("cwd", "home", "tmp")}
    log = tmp_path_factory.mktemp("log") / "server.log"
    env = {**os.environ, "HOME": str(dirs["home"]), "TMPDIR": str(dirs["tmp"])}
    env.pop("HANDOUTS_CACHE_DIR", None)  # the parse cache as a user has it, in HOME
    with log.open("w") as err:
        process, url, _ = start_server(dirs["cwd"], 2, env, stderr=err)
    yield {"url": url, "dirs": dirs, "log": log}
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright  # the test extra installs it

    if not CHROMIUM.exists():  # never a silent skip: .ci/run installs it
        pytest.fail("Debian's chromium is missing: apt-get install -y chromium")
    profile = tmp_path_factory.mktemp("chromium")
    (profile / "Default").mkdir()
    (profile / "Default" / "Preferences").write_text(json.dumps(  # PDFs as downloads
        {"plugins": {"always_open_pdf_externally": True}}))
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=ARGS, headless=True,
            accept_downloads=True, viewport={"width": 1280, "height": 900})
        downloads = []
        context.on("page", lambda page: page.on("download", lambda d: downloads.append(d)))
        yield context, downloads
        context.close()


def _page(browser, server):
    context, downloads = browser
    downloads.clear()
    page = context.new_page()
    page.goto(server["url"] + "/")
    return page, downloads


def _downloaded(page, downloads, button: str) -> tuple[str, bytes]:
    page.get_by_role("button", name=button).click()
    for _ in range(300):
        if downloads:
            break
        page.wait_for_timeout(100)
    download = downloads.pop()
    return download.suggested_filename, Path(download.path()).read_bytes()


def _text(pdf: bytes) -> str:
    return normalise("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def _arrived(page, selector: str) -> None:
    """Wait for the page a form led to, with its stylesheet and images: the element appears
    as soon as the HTML is parsed, and a layout measured before the stylesheet has loaded
    (a slow machine) sees the preview at its natural width."""
    page.wait_for_selector(selector)
    page.wait_for_load_state("load")


def test_paste_a_list_check_it_then_open_the_leaflet_and_the_report(browser, server):
    page, downloads = _page(browser, server)
    page.get_by_label("Clinic", exact=True).select_option(label="Carlsbad Mood & Ketamine Clinic")
    page.get_by_label("Patient's name (optional)").fill(NAME)
    page.get_by_label("Prepared by (optional)").fill(PREPARED_BY)
    page.get_by_label("Medicines", exact=True).fill(PASTED)
    page.get_by_role("button", name="Check medicines and preview").click()
    _arrived(page, "#result-title")
    assert page.evaluate("document.activeElement.id") == "result-title"
    rows = [[c.strip() for c in row.split("\t")] for row in
            page.locator("table.medicines tbody tr").all_inner_texts()]
    assert rows == [
        ["Zoloft 50 mg qd", "sertraline 50 mg", "Covered",
         "Ketamine with SSRI and SNRI antidepressants"],
        ["lorazepam 0.5 mg oral tablet prn", "lorazepam 0.5 mg", "Covered",
         "Ketamine with benzodiazepines and sleeping pills"],
        ["metoprolol 25 mg", "metoprolol 25 mg", "Known, not covered", "–"],
        ["sertaline", "sertaline", "Not recognised: check the spelling", "–"],
        ["Spravato 56 mg", "esketamine 56 mg", "The treatment itself", "–"]]
    assert "5 entries: 2 covered, 1 the treatment itself, 1 known but not covered, 1 with " \
        "no name recognised; 1 name not recognised" in page.inner_text(".result")
    assert page.locator("img.preview").get_attribute("src").startswith("data:image/png;base64,")
    assert page.get_by_label("Medicines", exact=True).input_value().splitlines()[0] == \
        "Zoloft 50mg qd"  # the list as read, bullets and numbers set aside, to correct

    name, pdf = _downloaded(page, downloads, "Open the handout (PDF, new tab)")
    text = _text(pdf)
    assert name == "handout.pdf"
    assert f"Prepared for {NAME}" in text and f"Prepared by {PREPARED_BY}" in text
    assert "Carlsbad Mood & Ketamine Clinic" in text
    assert "sertraline 50 mg: SSRI or SNRI antidepressant" in text
    assert "metoprolol 25 mg: not covered in this handout" in text
    assert "We do not know this name. Ask your care team about this medicine." in text
    assert "Ketamine with benzodiazepines and sleeping pills" in text
    assert "Get help now" in text

    name, pdf = _downloaded(page, downloads, "Open the clinician report (PDF, new tab)")
    text = _text(pdf)
    assert name == "co-medication-report.pdf"
    assert "Co-medication report for the prescriber" in text and f"Prepared for {NAME}" in text
    assert "SSRI or SNRI antidepressant: sertraline (50 mg)" in text
    assert "Benzodiazepine or sleeping pill: lorazepam (0.5 mg)" in text
    assert "Strength of evidence" in text and "For manual review" in text
    assert "sertaline: name not recognised" in text
    metadata = " ".join(str(v) for v in PdfReader(io.BytesIO(pdf)).metadata.values())
    assert not any(word in metadata for word in PRIVATE)
    page.close()


def test_the_handout_opens_as_an_accessible_web_page_that_cannot_run_scripts(browser, server):
    page, _ = _page(browser, server)
    context, _ = browser
    page.get_by_label("Clinic", exact=True).select_option(
        label="Mesa Verde Community Health Center")
    page.get_by_label("Patient's name (optional)").fill(NAME)
    page.get_by_label("Medicines", exact=True).fill(PASTED)
    blocked = []  # what the twin's content security policy refused: nothing it needs
    def listener(message) -> None:  # the form page's own favicon 404 is not the twin's
        if "Content Security Policy" in message.text:
            blocked.append(message.text)
    context.on("console", listener)
    with context.expect_page() as opened:
        page.get_by_role("button", name="Open the handout as a web page (accessible HTML, "
                                        "new tab)").click()
    twin = opened.value
    twin.wait_for_load_state()
    assert twin.evaluate("document.documentElement.lang") == "en"
    assert twin.get_by_role("heading", name="Get help now", exact=True).is_visible()
    assert twin.get_by_role("heading", name="Your medicines", exact=True).is_visible()
    text = twin.inner_text("body")
    assert f"Prepared for\t{NAME}" in text  # a table row: label, then the name
    assert "sertraline 50 mg" in text and "Mesa Verde Community Health Center" in text
    assert twin.locator('[lang="es"]').inner_text() == \
        "Se habla español. Pregunte por un intérprete."
    assert NAME not in twin.title()
    assert twin.evaluate("document.fonts.ready.then(() => document.fonts.check('12pt Handout'))")
    assert twin.evaluate("[...document.fonts].every(f => f.status === 'loaded')")
    context.remove_listener("console", listener)
    assert blocked == []
    twin.close()
    page.close()
    form = urllib.parse.urlencode({"title": "x", "medicines": "sertraline",
                                   "name": "<script>alert(1)</script>"}).encode()
    code, headers, body = _request(server, "POST", "/twin", form,
                                   {"Content-Type": "application/x-www-form-urlencoded"})
    assert code == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert body.startswith(b"<!DOCTYPE html>") and b"<script" not in body
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store"


def test_a_fhir_upload_joins_the_list_and_need_not_be_sent_again(browser, server):
    page, _ = _page(browser, server)
    page.get_by_label("Or a FHIR file from the chart (optional)").set_input_files(BUNDLE)
    page.get_by_role("button", name="Check medicines and preview").click()
    _arrived(page, "#result-title")
    assert "FHIR file: took 5 medicines (1 on hold), skipped 3" in page.inner_text(".result")
    listed = page.get_by_label("Medicines", exact=True).input_value().splitlines()
    assert listed[0] == "sertraline 50 MG Oral Tablet" and len(listed) == 5
    assert "buprenorphine 8 mg" in page.inner_text("table.medicines")
    page.close()


def test_a_visit_packet_adds_the_clinics_standard_handouts_after_the_patients_own(
        browser, server):
    page, downloads = _page(browser, server)
    page.get_by_label("Clinic", exact=True).select_option(label="Lakeside Behavioral Health")
    page.get_by_label("Patient's name (optional)").fill(NAME)
    page.get_by_label("Medicines", exact=True).fill("Zoloft 50mg qd")
    packet = page.get_by_role("group", name="Visit packet (optional)")
    assert "Ketamine and esketamine with co-prescribed psychiatric medicines (for clinicians)" \
        in packet.inner_text()  # offered, and said to be for clinicians
    assert "Jane Doe" not in page.content()  # a tailored example spec is never offered
    packet.get_by_label("Ketamine treatment and your antidepressant").check()
    page.get_by_role("button", name="Check medicines and preview").click()
    _arrived(page, "#result-title")
    assert page.get_by_role("heading", name="Page 1 of the visit packet").is_visible()
    assert page.get_by_label("Ketamine treatment and your antidepressant").is_checked()
    name, pdf = _downloaded(page, downloads, "Open the handout (PDF, new tab)")
    assert name == "visit-packet.pdf"
    pages = [normalise(p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]
    cover = pages[0]
    assert "Your visit packet" in cover and f"Prepared for {NAME}" in cover
    assert "Your ketamine treatment and your medicines 2" in cover
    title = "Ketamine treatment and your antidepressant What to know before your first"
    starts = [n for n, text in enumerate(pages, 1) if title in text]
    assert len(starts) == 1 and f"Ketamine treatment and your antidepressant {starts[0]}" \
        in cover  # its title and subtitle, in the form's clinic (its spec names another)
    assert "Carlsbad" not in " ".join(pages) and NAME not in " ".join(pages[1:])

    packet.get_by_label("Ketamine and esketamine with co-prescribed psychiatric medicines "
                        "(for clinicians)").check()
    page.get_by_label("Title", exact=True).fill("")
    page.get_by_label("Español").check()  # the audience is said, not the language
    page.get_by_role("button", name="Check medicines and preview").click()
    _arrived(page, "#error-summary")
    assert page.locator("#error-summary a").all_inner_texts() == [
        "Title: Enter a title for the handout",
        "Visit packet: “Ketamine and esketamine with co-prescribed psychiatric medicines”: "
        "the audience differs from this handout's; untick it"]  # all at once
    page.locator("#error-summary a").nth(1).click()
    assert page.evaluate("document.activeElement.id") == "packet-after-your-first-session"
    page.close()


def test_keyboard_alone_reaches_every_field_in_order_and_builds(browser, server):
    page, downloads = _page(browser, server)
    seen = []
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id || document.activeElement.name "
                                "|| document.activeElement.textContent.trim()")
        seen.append(focused)
        if focused == "field-medicines":
            break
    order = ["Skip to the form", "field-title", "field-site", "field-audience-patient",
             "field-paper-site", "field-large_print-box", "topic-ketamine-basics",
             "section-ssri-snri", "packet-ketamine-and-antidepressants", "field-name",
             "field-prepared_by", "field-medicines"]
    assert [f for f in seen if f in order] == order
    page.keyboard.type("sertraline 100 mg")
    page.keyboard.press("Enter")
    page.keyboard.type("lithium 300 mg")
    page.keyboard.press("Tab")  # the FHIR file
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Check medicines and preview"
    page.keyboard.press("Enter")
    _arrived(page, "#result-title")
    assert page.evaluate("document.activeElement.id") == "result-title"
    assert "lithium 300 mg" in page.inner_text("table.medicines")
    page.locator("#field-fhir").focus()
    after = []
    while not after or not after[-1].startswith("Open the handout") and len(after) < 5:
        page.keyboard.press("Tab")
        after.append(page.evaluate("document.activeElement.getAttribute('role') || "
                                   "document.activeElement.textContent.trim()"))
    assert after == ["region", "Check medicines and preview",
                     "Open the handout (PDF, new tab)"]  # the table scrolls by keyboard too
    page.keyboard.press("Enter")
    for _ in range(300):
        if downloads:
            break
        page.wait_for_timeout(100)
    assert "lithium (mood stabilizer)" in _text(Path(downloads.pop().path()).read_bytes())
    page.close()


def test_problems_are_summarised_first_and_each_link_leads_to_its_field(browser, server):
    page, _ = _page(browser, server)
    page.get_by_label("Title", exact=True).fill("")
    page.get_by_label("Medicines", exact=True).fill("sertraline\n" + "x" * 250)
    page.get_by_role("button", name="Check medicines and preview").click()
    _arrived(page, "#error-summary")
    assert page.title().startswith("Error:")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    links = page.locator("#error-summary a")
    assert links.all_inner_texts() == [
        "Title: Enter a title for the handout",
        "Medicines, entry 2: Longer than 200 characters; shorten it, or put each medicine on "
        "a line of its own"]
    medicines = page.get_by_label("Medicines", exact=True)
    assert medicines.get_attribute("aria-invalid") == "true"
    assert "field-medicines-error" in medicines.get_attribute("aria-describedby")
    links.nth(1).click()
    assert page.evaluate("document.activeElement.id") == "field-medicines"
    assert "x" * 250 not in page.inner_text("#error-summary")  # never quotes the entry
    for shown in ("label[for=field-medicines]", "#field-medicines-hint",
                  "#field-medicines-error"):  # the field is shown whole, not its box alone
        top, bottom = page.evaluate(f"(b => [b.top, b.bottom])(document.querySelector("
                                    f"'{shown}').getBoundingClientRect())")
        assert top >= 0 and bottom <= page.viewport_size["height"], shown

    page.get_by_label("Title", exact=True).fill("A title")
    page.get_by_label("Medicines", exact=True).fill("")
    page.get_by_label("Or a FHIR file from the chart (optional)").set_input_files(
        {"name": "chart.json", "mimeType": "application/json", "buffer": b'{"a": 1}'})
    page.get_by_role("button", name="Check medicines and preview").click()
    _arrived(page, "#error-summary")
    assert page.locator("#error-summary a").all_inner_texts() == [
        "FHIR file: Expected a FHIR Bundle, a MedicationStatement or MedicationRequest, or a "
        "JSON list of them"]

    # a problem with the form and a bad file sent with it: both said at once (a new user
    # fixed the title, pressed again, and only then heard of the file)
    page.get_by_label("Title", exact=True).fill("")
    page.get_by_label("Or a FHIR file from the chart (optional)").set_input_files(
        {"name": "chart.json", "mimeType": "application/json", "buffer": b'{"a": '})
    page.get_by_role("button", name="Check medicines and preview").click()
    _arrived(page, "#error-summary")
    assert page.locator("#error-summary a").all_inner_texts() == [
        "Title: Enter a title for the handout",
        "FHIR file: Not valid JSON (Expecting value)"]
    page.close()


def _axe(page) -> list:
    """axe-core's WCAG 2.2 A and AA violations on the page as it stands."""
    if not AXE.exists():  # never a silent skip: .ci/run installs it
        pytest.fail(f"{AXE} is missing: run 'npm ci' in tests/web")
    page.add_script_tag(content=AXE.read_text())
    found = page.evaluate("axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', "
                          "'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}, "
                          "resultTypes: ['violations']})")
    return [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in found["violations"]]


def _landmarks(page) -> list[str]:
    """Each landmark region's role and name, as a screen reader lists them."""
    tree = page.locator("body").aria_snapshot()
    return re.findall(r"^\s*- (region|complementary|form|navigation|main|banner|"
                      r"contentinfo)(?: \"([^\"]*)\")?", tree, re.MULTILINE)


def test_every_page_passes_axe_and_says_where_its_skip_link_goes(browser, server):
    context, _ = browser
    page = context.new_page()
    # axe is injected as a script, which the app's content security policy refuses
    context.new_cdp_session(page).send("Page.setBypassCSP", {"enabled": True})
    page.goto(server["url"] + "/")
    assert _axe(page) == []
    assert page.inner_text(".skip") == "Skip to the form"
    page.get_by_label("Medicines", exact=True).fill("Zoloft 50mg qd\nsertaline")
    page.get_by_role("button", name="Check medicines and preview").click()
    _arrived(page, "#result-title")
    assert _axe(page) == []
    named = [name for role, name in _landmarks(page) if role == "region"]
    assert len(named) == len(set(named)) >= 2  # the result and its table, each its own name
    page.get_by_label("Title", exact=True).fill("")
    page.get_by_role("button", name="Check medicines and preview").click()
    _arrived(page, "#error-summary")
    assert _axe(page) == []
    page.get_by_label("Title", exact=True).fill("A packet")
    page.get_by_label("Ketamine and esketamine with co-prescribed psychiatric medicines "
                      "(for clinicians)").check()  # a packet's problem, on its own field
    page.get_by_role("button", name="Check medicines and preview").click()
    _arrived(page, "#error-summary")
    assert "Visit packet" in page.inner_text("#error-summary") and _axe(page) == []
    page.goto(server["url"] + "/nothing-here")
    assert _axe(page) == []
    assert page.inner_text(".skip") == "Skip to the main content"  # there is no form here
    _, _, body = _request(server, "POST", "/check", b"x" * (5 * 1024 * 1024),
                          {"Content-Type": "application/x-www-form-urlencoded"})
    assert b"Skip to the main content" in body and b"Skip to the form" not in body
    page.close()


@pytest.mark.parametrize("width", [320, 375])
def test_the_form_and_its_check_fit_a_small_phone(browser, server, width):
    context, _ = browser
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(server["url"] + "/")
    assert page.evaluate("document.documentElement.scrollWidth - innerWidth") <= 0
    page.get_by_label("Medicines", exact=True).fill(
        "Zoloft 50mg qd\nLORazepam 0.5 MG Oral Tablet prn\nsertaline\n"
        "24 HR venlafaxine 75 MG Extended Release Oral Capsule\nmethylphenidatehydrochloride")
    page.get_by_role("button", name="Check medicines and preview").click()
    _arrived(page, "#result-title")
    assert page.evaluate("document.documentElement.scrollWidth - innerWidth") <= 0
    clipped = page.evaluate("[...document.querySelectorAll('table.medicines td, .table-wrap')]"
                            ".filter(e => e.scrollWidth > e.clientWidth + 1).length")
    assert clipped == 0  # every value shows whole in its card
    page.close()


def test_two_problems_with_one_field_are_both_in_its_description(browser, server):
    page, _ = _page(browser, server)
    page.get_by_label("Medicines", exact=True).fill("x" * 250 + "\nsertraline\n" + "y" * 250)
    page.get_by_label("Title", exact=True).fill("")
    page.get_by_role("button", name="Check medicines and preview").click()
    _arrived(page, "#error-summary")
    ids = page.evaluate("[...document.querySelectorAll('[id]')].map(e => e.id)")
    assert len(ids) == len(set(ids))  # no id twice
    described = page.get_by_label("Medicines", exact=True).get_attribute("aria-describedby")
    said = " ".join(page.inner_text(f"#{i}") for i in described.split())
    assert "entry 1" in said and "entry 3" in said
    page.close()


def test_a_control_character_in_a_box_is_never_echoed_back(server):
    form = urllib.parse.urlencode({"title": "", "medicines": "sertraline\x1b[31m\x07\x00"})
    code, _, body = _request(server, "POST", "/check", form.encode(),
                             {"Content-Type": "application/x-www-form-urlencoded"})
    assert code == 422
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", body)
    assert b"&#27;" not in body and b"sertraline[31m" in body


def test_the_pages_look_right_on_a_desktop_and_a_phone(browser, server, tmp_path):
    context, _ = browser
    for width, height in ((1280, 900), (390, 844)):
        page = context.new_page()
        page.set_viewport_size({"width": width, "height": height})
        page.goto(server["url"] + "/")
        page.get_by_label("Medicines", exact=True).fill("Zoloft 50mg qd\nsertaline")
        page.get_by_role("button", name="Check medicines and preview").click()
        _arrived(page, "#result-title")
        overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0, f"{width}px: the page scrolls sideways by {overflow}px"
        page.screenshot(path=str(tmp_path / f"check-{width}.png"), full_page=True)
        page.close()


def _request(server, method: str, path: str, body: bytes | None = None,
             headers: dict | None = None) -> tuple[int, dict, bytes]:
    host, port = server["url"].removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    connection.request(method, path, body, headers or {})
    response = connection.getresponse()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def test_every_answer_is_no_store_without_cookies_and_errors_are_pages(server):
    for method, path, status in (("GET", "/", 200), ("GET", f"/?name={quote(NAME)}", 200),
                                 ("GET", "/nothing-here", 404), ("GET", "/handout", 405)):
        code, headers, body = _request(server, method, path)
        assert code == status
        assert headers["cache-control"] == "no-store" and "set-cookie" not in headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert body.startswith(b"<!doctype html>") and b"Traceback" not in body
    form = urllib.parse.urlencode({"title": "x", "medicines": "sertraline"}).encode()
    code, headers, body = _request(server, "POST", "/handout", form,
                                   {"Content-Type": "application/x-www-form-urlencoded"})
    assert code == 200 and body.startswith(b"%PDF") and headers["cache-control"] == "no-store"
    code, _, body = _request(server, "POST", "/check", b"x",
                             {"Content-Type": "text/plain"})
    assert code == 415 and b"Send the form from the page" in body


def test_a_request_over_the_size_limit_is_refused_with_what_to_do(server):
    big = b"x" * (5 * 1024 * 1024)
    code, _, body = _request(server, "POST", "/check", big,
                             {"Content-Type": "application/x-www-form-urlencoded"})
    assert code == 413 and b"Send at most 4 MB" in body

    def chunks():  # fields under the 1 MB a box may hold, 5 MB in all
        for n in range(10):
            yield f"&field{n}=".encode() + b"y" * (512 * 1024)
    code, _, body = _request(server, "POST", "/check", chunks(),  # chunked: no length
                             {"Content-Type": "application/x-www-form-urlencoded"})
    assert code == 413 and b"The form is too large" in body


def test_twenty_builds_at_once_all_finish_and_the_form_still_answers(server, capsys):
    times, page = serve_load(server["url"], 20)
    with capsys.disabled():
        print(f"\n20 concurrent handout builds on 2 workers: p50 {percentile(times, .5):.2f} s, "
              f"p95 {percentile(times, .95):.2f} s, slowest {max(times):.2f} s; the form page "
              f"during them {page * 1000:.0f} ms")
    assert len(times) == 20
    assert max(times) < 120 and page < 10  # generous: a broken pool or a blocked loop


def test_nothing_of_the_patient_was_written_or_logged(server):
    """Last in this module: after every build above, the server's folders hold no PDF and
    no patient string, and its log names routes, never a query string or a form value."""
    for folder in server["dirs"].values():
        for path in (p for p in folder.rglob("*") if p.is_file()):
            data = path.read_bytes()
            assert not data.startswith(b"%PDF") and b"%PDF-" not in data, path
            assert not any(word.encode() in data for word in PRIVATE), path
    log = server["log"].read_text()
    assert re.search(r'"POST /check" 200 \d+ ms', log) and '"GET /" 200' in log
    assert not any(word in log for word in IN_NO_LOG + ("name=", "?", "%20"))
    assert "Traceback" not in log
