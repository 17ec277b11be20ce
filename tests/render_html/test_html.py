"""The HTML twin: every example in every audience, paper and print size has zero WCAG 2.1
A/AA violations in axe-core (headless Chromium), is valid HTML (the Nu Html Checker),
reflows on a 320 px screen, and reads in the Document's order."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from handouts.locale.messages import messages
from handouts.render.fontfiles import WEB_FACES, font_dir
from handouts.render_html.html import render_html
from tests.matrix import NAMES, documents
from tests.tagcheck import footer_leaves, reading_order, reading_order_problems

WEB = Path(__file__).parents[1] / "web" / "node_modules"
AXE = WEB / "axe-core" / "axe.min.js"
VNU = WEB / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _need(path: Path, how: str) -> Path:
    """A checker the tests cannot do without: missing is a failure, never a skip."""
    if not path.exists():
        pytest.fail(f"{path} is missing: {how}")
    return path


# The tailored leaflet for a site that prints in DejaVu Sans (wider than Atkinson), in
# standard and large print: the twin embeds its own cut of the font and still reflows.
DEJAVU = ["tailored-leaflet-lakeside-standard", "tailored-leaflet-lakeside-large"]


def _dejavu_documents() -> dict:
    from handouts.assemble.handout import assemble
    from handouts.outputs.build import BuildOptions, prepare
    from tests.conftest import SPECS
    from tests.matrix import TODAY

    prepared = prepare(SPECS / "tailored-leaflet.yaml",
                       BuildOptions(site=str(SPECS / "sites" / "lakeside.yaml")))
    return {name: assemble(prepared.spec_file.spec.model_copy(
                update={"large_print": name.endswith("large")}),
                prepared.library, prepared.site, TODAY).document for name in DEJAVU}


# A twin that links to its web copy (a site with web_copy), and a site's index of them.
WEB_COPIES = ["web-copy-es", "web-copy-index"]


def _web_copy_pages() -> dict[str, bytes]:
    import dataclasses

    from handouts.outputs.webindex import entry, index_html

    names = [n for n in NAMES if n.startswith("ketamine-and-antidepressants-patient-")
             and n.endswith("letter-standard")]
    twins = {n: render_html(dataclasses.replace(
        documents()[n], web_copy=f"https://clinic.example/handouts/{n}.html")) for n in names}
    with tempfile.TemporaryDirectory() as folder:
        for n, data in twins.items():
            (Path(folder) / f"{n}.html").write_bytes(data)
        listed = [entry(Path(folder) / f"{n}.html") for n in names]
    return {"web-copy-es": twins[next(n for n in names if "-es-" in n)],
            "web-copy-index": index_html(listed)}


@pytest.fixture(scope="module")
def pages():
    """name -> the HTML twin's bytes, for the whole matrix and the DejaVu site; and a twin
    with its web copy's link, and an index of web copies."""
    both = {**documents(), **_dejavu_documents()}
    return {**{name: render_html(document) for name, document in both.items()},
            **_web_copy_pages()}


@pytest.fixture(scope="module")
def browser(pages):
    """One headless Chromium for every page; what axe finds and how wide each distinct
    page is on a 320 px screen, by the page's hash."""
    from playwright.sync_api import sync_playwright

    _need(Path(CHROMIUM), "install Debian's chromium package (.ci/run does)")
    axe = _need(AXE, "run 'npm ci' in tests/web (.ci/run does)").read_text()
    results = {}
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = context.new_page()
        for data in {hashlib.sha256(d).hexdigest(): d for d in pages.values()}.values():
            page.set_viewport_size({"width": 1280, "height": 900})
            page.set_content(data.decode("utf-8"), wait_until="load")
            fonts = page.evaluate("document.fonts.ready.then(() => document.fonts.check("
                                  "'bold 12pt Handout') && document.fonts.check('12pt Handout'))")
            page.add_script_tag(content=axe)
            found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: "
                                  "tags}, resultTypes: ['violations']})", WCAG_22_AA)
            page.set_viewport_size({"width": 320, "height": 640})
            width = page.evaluate("document.documentElement.scrollWidth")
            past = page.evaluate("[...document.querySelectorAll('body *')].filter(e => "
                                 "e.getBoundingClientRect().right > 320.5).length")
            results[hashlib.sha256(data).hexdigest()] = (found["violations"], width, past,
                                                         fonts)
        context.close()
    return lambda data: results[hashlib.sha256(data).hexdigest()]


@pytest.mark.parametrize("name", [*NAMES, *DEJAVU, *WEB_COPIES])
def test_every_variant_has_no_axe_violations_and_reflows(pages, browser, name):
    violations, width, past_the_edge, fonts = browser(pages[name])
    fonts = fonts or name == "web-copy-index"  # the index is in the reader's own type
    assert [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
            for v in violations] == []
    assert width <= 320  # no sideways scrolling on a small phone (WCAG 1.4.10)
    assert past_the_edge == 0  # nor a word clipped at the edge
    assert fonts  # the twin carries its own type, in both weights


def test_a_dejavu_site_s_twin_embeds_its_own_cut_of_dejavu(pages):
    html = pages[DEJAVU[0]].decode()
    assert html.count("@font-face") == 2
    cut = (font_dir() / WEB_FACES["dejavu-sans"][0]).read_bytes()
    assert base64.b64encode(cut).decode() in html
    assert len(html) < 300_000  # the cut, not the 750 KB face


def test_the_web_cut_of_dejavu_is_what_the_tool_makes():
    import runpy

    from tests.conftest import ROOT

    tool = runpy.run_path(str(ROOT / "tools" / "make_web_fonts.py"))
    for name, data in tool["web_faces"]().items():
        assert (font_dir() / name).read_bytes() == data, "run python tools/make_web_fonts.py"


def test_every_variant_is_valid_html(pages, tmp_path):
    _need(VNU, "run 'npm ci' in tests/web (.ci/run does)")
    files = []
    for data in {hashlib.sha256(d).hexdigest(): d for d in pages.values()}.values():
        files.append(tmp_path / f"{len(files)}.html")
        files[-1].write_bytes(data)
    run = subprocess.run(["java", "-jar", str(VNU), "--format", "json", "--also-check-css",
                          *map(str, files)], capture_output=True, text=True, timeout=300)
    report = json.loads(run.stderr)  # no report at all (Java missing, a crash) fails here
    assert [(Path(m.get("url", "")).name, m["type"], m["message"])
            for m in report["messages"]] == []
    assert run.returncode == 0


class _Reader(HTMLParser):
    """The text of <main>, in source order (what a screen reader reads in the main
    landmark, so nothing marked aria-hidden), and the ids, links and headings it has."""

    def __init__(self):
        super().__init__()
        self.depth, self.hidden, self.text = 0, [], []
        self.ids, self.links, self.headings = set(), [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.depth += tag == "main"
        if self.hidden or attrs.get("aria-hidden") == "true":
            self.hidden.append(tag)
        self.ids.add(attrs.get("id"))
        if tag == "a":
            self.links.append(attrs.get("href", ""))
        if tag in ("h1", "h2", "h3", "h4"):
            self.headings.append(int(tag[1]))

    def handle_endtag(self, tag):
        self.depth -= tag == "main"
        if self.hidden:
            self.hidden.pop()

    def handle_data(self, data):
        if self.depth and not self.hidden:
            self.text.append(data)


def _read(data: bytes) -> _Reader:
    reader = _Reader()
    reader.feed(data.decode("utf-8"))
    return reader


@pytest.mark.parametrize("name", [n for n in NAMES if "-letter-" in n])
def test_the_twin_reads_in_the_documents_order(pages, name):
    reader = _read(pages[name])
    assert reading_order_problems(reader.text, _leaves(documents()[name])) == []
    assert reader.headings[0] == 1
    assert all(b <= a + 1 for a, b in zip(reader.headings, reader.headings[1:], strict=False))
    for link in reader.links:  # citations and "where to read" point at what is there
        if link.startswith("#"):
            assert link[1:] in reader.ids, link


def _leaves(document):
    """The Document's order, less the clinic's name (it is in the header, not in main)
    and with the medicines table's third column titled as the twin titles it."""
    footer = footer_leaves(document)
    leaves = [leaf for leaf in reading_order(document, paged=False)[:-len(footer)]
              if leaf[0] != document.brand.name]
    say = messages(document.language).say
    page, where = say("medicines.column_page"), say("medicines.column_where")
    return [(where, False) if leaf == (page, False) else leaf for leaf in leaves]


def test_both_papers_give_the_same_twin(pages):
    for name in NAMES:
        if "-letter-" in name:
            assert pages[name] == pages[name.replace("-letter-", "-a4-")]


def test_the_twin_is_the_same_bytes_every_time():
    document = documents()["tailored-leaflet-patient-letter-standard"]
    assert render_html(document) == render_html(document)


def test_user_text_is_never_markup_and_the_title_never_names_the_patient(write_spec):
    from handouts.assemble.handout import assemble
    from handouts.outputs.build import BuildOptions, prepare, today

    spec = write_spec("title: 'Ketamine and you, Maria <img src=x onerror=alert(1)>'\n"
                      "topics: [side-effects]\npatient:\n  name: 'Maria <b>Lopez</b>'\n")
    prepared = prepare(spec, BuildOptions())
    html = render_html(assemble(prepared.spec_file.spec, prepared.library, None,
                                today()).document).decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>Lopez" not in html and "Maria &lt;b&gt;Lopez&lt;/b&gt;" in html
    title = html[html.index("<title>"):html.index("</title>")]
    assert "Maria" not in title and "Lopez" not in title


def test_the_crisis_box_is_an_aside_with_a_heading_and_tables_have_header_scopes(pages):
    html = pages["tailored-leaflet-patient-letter-standard"].decode()
    aside = html[html.index("<aside"):html.index("</aside>")]
    assert 'aria-labelledby="' in aside and ">Get help now</h2>" in aside and "988" in aside
    assert html.index("<aside") < html.index("Your medicines")
    assert '<th scope="col">Medicine</th>' in html
    assert '<th scope="row">Prepared for</th><td>Jane Doe</td>' in html
    assert '<a href="#ref-1" aria-label="reference 1">1</a>' in html


def test_numbers_to_call_and_iv_are_said_as_they_should_be(pages):
    """A screen reader gets "9 8 8" and "I V" (the printed "988" and "IV" are hidden from
    it, the spoken forms from the eye): the twin's side of the PDF's /Alt spans."""
    from playwright.sync_api import sync_playwright

    html = pages["tailored-leaflet-patient-letter-standard"].decode()
    assert '<span aria-hidden="true">988</span><span class="said">9 8 8</span>' in html
    assert '<abbr title="intravenous"><span aria-hidden="true">IV</span>' in html
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = context.new_page()
        page.set_content(html, wait_until="load")
        aside = page.locator("aside").aria_snapshot()
        context.close()
    assert "strong: 9 8 8" in aside and "strong: 9 1 1" in aside
    assert "988" not in aside and 'link "reference 1"' in aside


def test_row_labels_head_their_rows_in_tables_of_three_columns(pages):
    html = pages["everything-clinician-clinician-letter-standard"].decode()
    assert '<th scope="row">Status</th>' in html
    assert "<tr><td>47 depressed patients</td>" in html  # two columns: no row headers
    tailored = pages["tailored-leaflet-patient-letter-standard"].decode()
    assert '<tr><th scope="row">Zoloft 50 mg daily</th>' in tailored  # "Your medicines"


def test_bold_one_line_subheadings_are_headings_in_the_twin(pages):
    html = pages["tailored-leaflet-patient-letter-standard"].decode()
    assert "<h3>Before you come</h3>" in html and "<h3>Going home</h3>" in html
