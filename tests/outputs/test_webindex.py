"""batch --format html: each site's folder gets an index.html of its web copies, parsed
here as a browser would; never a tailored or clinician handout; the same bytes again."""

from __future__ import annotations

import shutil
from html.parser import HTMLParser

from click.testing import CliRunner

from handouts.doors.cli import main
from tests.conftest import SPECS

PATIENT = ("ketamine-and-antidepressants", "large-print")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def batch(tmp_path, web_copy: bool = True, *options):
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    for name in (*PATIENT, "tailored-leaflet", "clinician-summary"):
        shutil.copy(SPECS / f"{name}.yaml", specs)
    sites = tmp_path / "sites"
    sites.mkdir(exist_ok=True)
    (sites / "clinic.yaml").write_text(
        "name: Example Clinic\n"
        + ("web_copy: https://clinic.example/{id}.html\n" if web_copy else ""))
    out = tmp_path / "out"
    result = run("batch", specs, "--sites", sites, "-o", out, "--format", "pdf,html",
                 "-j", "1", *options)
    assert result.exit_code == 0, result.output
    return out / "clinic"


class Page(HTMLParser):
    """The index's language, headings, header cells and rows (cells with their links and
    languages), as a browser reads them."""

    def __init__(self):
        super().__init__()
        self.lang, self.headings, self.rows, self.column_heads = None, [], [], []
        self._open: list[str] = []
        self._cell: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._open.append(tag)
        if tag == "html":
            self.lang = attrs.get("lang")
        elif tag == "tr" and "tbody" in self._open:
            self.rows.append([])
        elif tag in ("th", "td"):
            self._cell = {"tag": tag, "scope": attrs.get("scope"), "lang": attrs.get("lang"),
                          "text": "", "href": None}
        elif tag == "a" and self._cell is not None:
            self._cell["href"] = attrs.get("href")

    def handle_endtag(self, tag):
        if self._open and self._open[-1] == tag:
            self._open.pop()
        if tag in ("th", "td") and self._cell is not None:
            if "tbody" in self._open:
                self.rows[-1].append(self._cell)
            else:
                self.column_heads.append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data
        elif self._open and self._open[-1] in ("h1", "h2"):
            self.headings.append((self._open[-1], data))


def parse(path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_the_index_lists_each_web_copy_with_its_title_language_and_review_date(tmp_path):
    folder = batch(tmp_path)
    page = parse(folder / "index.html")
    assert page.lang == "en"
    assert page.headings == [("h1", "Handouts to read online")]
    assert [(c["text"], c["scope"]) for c in page.column_heads] == [
        ("Handout", "col"), ("Language", "col"), ("Content reviewed", "col")]
    links = [row[0]["href"] for row in page.rows]
    assert links == [f"{name}.html" for name in PATIENT]  # the files it sits beside
    assert all((folder / link).is_file() for link in links)
    first = page.rows[0]
    assert first[0]["tag"] == "th" and first[0]["scope"] == "row"
    assert first[0]["text"] == "Ketamine treatment and your antidepressant"
    assert first[1]["text"] == "English"
    assert first[2]["text"] == "December 2026"


def test_no_patient_data_and_no_clinician_handout_in_the_index(tmp_path):
    folder = batch(tmp_path)
    index = (folder / "index.html").read_text()
    assert (folder / "tailored-leaflet.html").is_file()  # built, but never published
    for never in ("tailored-leaflet", "Jane", "Doe", "Rivera", "Zoloft", "clinician-summary"):
        assert never not in index


def test_a_batch_in_two_languages_lists_both_and_marks_the_spanish_titles(tmp_path):
    folder = batch(tmp_path, True, "--language", "en,es")
    page = parse(folder / "index.html")
    assert page.lang == "en"  # the handouts do not share one language
    spanish = [row for row in page.rows if row[0]["href"].endswith("-es.html")]
    assert [row[0]["href"] for row in spanish] == [f"{n}-es.html" for n in PATIENT]
    assert spanish[0][0]["lang"] == "es"
    assert spanish[0][0]["text"] == "El tratamiento con ketamina y su antidepresivo"
    assert spanish[0][1]["text"] == "Spanish"


def test_the_same_inputs_give_the_same_index_and_a_rerun_keeps_it(tmp_path):
    folder = batch(tmp_path)
    first = (folder / "index.html").read_bytes()
    (folder / "index.html").unlink()
    batch(tmp_path)  # nothing to build: the index is read from the folder's files
    assert (folder / "index.html").read_bytes() == first
    assert not list(folder.glob(".*part*"))


def test_a_site_without_web_copies_gets_no_index(tmp_path):
    folder = batch(tmp_path, web_copy=False)
    assert (folder / "ketamine-and-antidepressants.html").is_file()
    assert not (folder / "index.html").exists()


def test_a_spec_named_index_is_refused_before_anything_is_built(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    shutil.copy(SPECS / "large-print.yaml", specs / "index.yaml")
    result = run("batch", specs, "-o", tmp_path / "out", "--format", "pdf,html")
    assert result.exit_code == 1
    assert "index.html" in result.output and "Traceback" not in result.output
    assert not list((tmp_path / "out").rglob("*.pdf"))
