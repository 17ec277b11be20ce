"""A site's web copies: the web_copy pattern, checked where it is written; the QR code on the
last page of an untailored patient handout (the first, where the references fill the last),
read back by a barcode reader at print and at phone-camera resolution; never on a tailored
handout; its Figure, /Alt and HTML link."""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
import zxingcpp
from click.testing import CliRunner
from pypdf import PdfReader

from handouts.doors.cli import main
from handouts.locale.messages import messages
from tests.conftest import SPECS, compact, pdf_text
from tests.tagcheck import letters

URL = "https://clinic.example/handouts/{id}.html"
SPEC = "ketamine-and-antidepressants"


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def site(tmp_path, web_copy: str | None = URL, name: str = "clinic"):
    lines = ["name: Example Clinic"] + ([f"web_copy: {web_copy}"] if web_copy else [])
    path = tmp_path / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def build(tmp_path, spec, *options):
    out = tmp_path / "out"
    result = run("build", spec, "--site", site(tmp_path), "-o", out, "--format", "pdf,html",
                 *options)
    assert result.exit_code == 0, result.output
    return out


def codes(pdf_path, page: int = -1, dpi: int = 300) -> list[str]:
    pdf = pdfium.PdfDocument(pdf_path)
    image = pdf[page % len(pdf)].render(scale=dpi / 72).to_pil()
    return [found.text for found in zxingcpp.read_barcodes(image)
            if found.format == zxingcpp.BarcodeFormat.QRCode]


@pytest.mark.parametrize("dpi", [300, 100])  # print, and a phone camera's few pixels
def test_the_last_page_has_a_qr_code_of_the_handouts_web_copy(tmp_path, dpi):
    out = build(tmp_path, SPECS / f"{SPEC}.yaml")
    expected = f"https://clinic.example/handouts/{SPEC}.html"
    pdf = out / f"{SPEC}.pdf"
    assert codes(pdf, dpi=dpi) == [expected]
    assert all(codes(pdf, page) == [] for page in range(len(pdfium.PdfDocument(pdf)) - 1))
    assert f"Read this handout online {expected}" in pdf_text(pdf)


def test_the_code_is_a_figure_whose_alt_is_the_address(tmp_path):
    out = build(tmp_path, SPECS / f"{SPEC}.yaml")
    expected = f"https://clinic.example/handouts/{SPEC}.html"
    with pikepdf.open(out / f"{SPEC}.pdf") as pdf:
        figures = [e for e in _elements(pdf.Root.StructTreeRoot) if e.get("/S") == "/Figure"]
        alts = [str(f.get("/Alt")) for f in figures]
        assert expected in alts
        qr = figures[alts.index(expected)]
        box = [float(v) for v in qr.A.BBox]
        side = 2.5 / 2.54 * 72  # at least 2.5 cm square, with its quiet zone
        assert box[2] - box[0] >= side and box[3] - box[1] >= side
        assert qr.Pg.objgen == pdf.pages[-1].objgen
    html = (out / f"{SPEC}.html").read_text()
    assert f'Read this handout online: <a href="{expected}">{expected}</a>' in html


def _elements(node):
    kids = node.get("/K")
    if kids is None:
        return
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid
            yield from _elements(kid)


def test_a_spanish_handout_says_it_in_spanish_and_names_its_language(tmp_path):
    out = tmp_path / "out"
    clinic = site(tmp_path, "https://clinic.example/{language}/{id}.html")
    result = run("build", SPECS / f"{SPEC}.yaml", "--site", clinic, "-o", out,
                 "--language", "es")
    assert result.exit_code == 0, result.output
    pdf = out / f"{SPEC}-es.pdf"  # the name batch --language es gives it too
    assert codes(pdf) == [f"https://clinic.example/es/{SPEC}-es.html"]
    text = pdf_text(pdf)
    assert "Lea este folleto en internet" in text and "Read this handout" not in text


@pytest.mark.parametrize("patient", [
    "patient: {name: Lea Martin}",
    "patient: {prepared_by: Dr. A. Rivera}",
    "patient: {medications: [sertraline 50 mg]}",
])
def test_never_on_a_tailored_handout(tmp_path, patient):
    spec = tmp_path / "leaflet.yaml"
    spec.write_text(textwrap.dedent(f"""\
        title: Your ketamine treatment
        audience: patient
        topics: [ketamine-basics]
        {patient}
        """))
    out = build(tmp_path, spec)
    assert codes(out / "leaflet.pdf") == []
    assert "clinic.example" not in pdf_text(out / "leaflet.pdf")
    assert "clinic.example" not in (out / "leaflet.html").read_text()


def test_never_with_medicines_from_the_command_line(tmp_path):
    out = build(tmp_path, SPECS / f"{SPEC}.yaml", "--meds", "sertraline 50 mg")
    assert codes(out / f"{SPEC}.pdf") == []


def test_never_on_a_clinician_handout_nor_without_web_copy(tmp_path):
    out = build(tmp_path, SPECS / "clinician-summary.yaml")
    assert codes(out / "clinician-summary.pdf") == []
    plain = tmp_path / "plain"
    result = run("build", SPECS / f"{SPEC}.yaml", "--site", site(tmp_path, None, "plain"),
                 "-o", plain)
    assert result.exit_code == 0, result.output
    assert codes(plain / f"{SPEC}.pdf") == []
    assert "Read this handout online" not in pdf_text(plain / f"{SPEC}.pdf")


@pytest.mark.parametrize(("value", "says"), [
    ("clinic.example/{id}.html", "must be a web address starting https:// or http://"),
    ("ftp://clinic.example/{id}.html", "must be a web address starting https://"),
    ("https://clinic.example/handouts/", "must contain {id}"),
    ("https://clinic.example/{name}.html", "has {name}; only {id} and {language}"),
    ("https://clinic.example/{id.html", "has an unmatched brace"),
])
def test_a_bad_pattern_is_refused_where_it_is_written(tmp_path, value, says):
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text(f"name: Example Clinic\ncontact:\n  phone: 555-0100\nweb_copy: '{value}'\n")
    result = run("build", SPECS / f"{SPEC}.yaml", "--site", clinic, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert re.search(r"clinic\.yaml:4.*web_copy", result.output), result.output
    assert says in result.output
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.pdf"))


@pytest.mark.parametrize("name", ["ketamine-and-antidepressants-patient-es-letter-standard",
                                  "large-print-patient-a4-large"])
def test_a_handout_with_its_web_copy_is_tagged_pdf_ua_and_reads_in_order(tmp_path, name):
    import dataclasses

    import page  # the test extra installs pdfua, page-validation and outloud
    import pdfua
    from outloud import check

    from handouts.render.pdf import render
    from tests.matrix import documents
    from tests.tagcheck import (
        content_problems,
        paint_order_problems,
        reading_order,
        reading_order_problems,
        structure_problems,
        tree_text,
    )

    document = dataclasses.replace(documents()[name],
                                   web_copy="https://clinic.example/handouts/leaflet.html")
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(render(document))
    assert codes(path) == ["https://clinic.example/handouts/leaflet.html"]
    report = pdfua.validate(str(path))
    assert [(f.rule_id, f.message) for f in report.findings] == []
    assert content_problems(path) == [] and structure_problems(path) == []
    assert reading_order_problems(tree_text(path), reading_order(document)) == []
    validation = page.validate_pdf(str(path), profile="ua1")
    assert [(f.rule_id, f.message) for f in validation.failures] == []
    found = check(str(path)).sorted_findings()
    assert [(f.rule, f.message) for f in found if f.rule != "ORD-001"] == []
    assert paint_order_problems(path) == []


# Where the references fill the last page (mesa's footer, these papers, print sizes and
# languages), the code would have that page to itself: it goes elsewhere, at no page's cost.
CROWDED = [("ketamine-and-antidepressants", "letter", False, "en"),  # under the crisis box
           ("large-print", "letter", False, "es"),
           ("everything-patient", "a4", True, "es")]  # at the foot of page 43, between sections


def _mesa(tmp_path, web_copy: bool) -> Path:
    """The example site mesa, with or without its web_copy: the same footer either way."""
    folder = tmp_path / ("mesa" if web_copy else "mesa-plain")
    folder.mkdir(exist_ok=True)
    shutil.copy(SPECS / "sites" / "mesa-logo.jpg", folder)
    lines = (SPECS / "sites" / "mesa.yaml").read_text().splitlines()
    (folder / "mesa.yaml").write_text("".join(
        line + "\n" for line in lines if web_copy or not line.startswith("web_copy:")))
    return folder / "mesa.yaml"


def _build_at_mesa(tmp_path, spec: str, paper: str, large: bool, language: str,
                   web_copy: bool = True) -> Path:
    out = tmp_path / f"out-{web_copy}"
    result = run("build", SPECS / f"{spec}.yaml", "--site", _mesa(tmp_path, web_copy),
                 "--paper", paper, "-o", out, *(["--large-print"] if large else []),
                 *(["--language", language] if language != "en" else []))
    assert result.exit_code == 0, result.output
    return next(out.glob("*.pdf"))


def _figure_page(pdf_path: Path, url: str) -> int:
    """The index of the page the code (the Figure whose /Alt is `url`) lies on."""
    with pikepdf.open(pdf_path) as pdf:
        figure = next(e for e in _elements(pdf.Root.StructTreeRoot)
                      if e.get("/S") == "/Figure" and str(e.get("/Alt")) == url)
        return [p.objgen for p in pdf.pages].index(figure.Pg.objgen)


def _no_page_holds_only_the_code(pdf_path: Path, url: str, language: str = "en") -> bool:
    say = messages(language).say
    alone = {letters(say(line) + url) for line in ("webcopy.line", "webcopy.line_packet")}
    return all(letters(body) and letters(body) not in alone for body in _bodies(pdf_path))


def _bodies(pdf_path: Path) -> list[str]:
    """Each page's text without what every page repeats (the band and the footer, however
    many lines a large-print footer takes) and without its page number."""
    pages = [page.extract_text().splitlines() for page in PdfReader(pdf_path).pages]
    lines = [{line.strip() for line in page} for page in pages]
    repeated = set.intersection(*lines) if len(lines) > 1 else set()
    number = re.compile(r"(Page|Página) \d+ (of|de)|\d+")
    return [" ".join(line for line in page if line.strip() not in repeated
                     and not number.fullmatch(line.strip())) for page in pages]


@pytest.mark.parametrize(("spec", "paper", "large", "language"), CROWDED)
def test_the_code_adds_no_page_and_never_has_a_page_to_itself(tmp_path, spec, paper, large,
                                                               language):
    pdf = _build_at_mesa(tmp_path, spec, paper, large, language)
    count = len(PdfReader(_build_at_mesa(tmp_path, spec, paper, large, language,
                                         web_copy=False)).pages)
    assert len(PdfReader(pdf).pages) == count
    name = spec if language == "en" else f"{spec}-{language}"
    url = f"https://mesaverde-health.example.org/handouts/{name}.html"
    index = _figure_page(pdf, url)
    assert index < count - 1  # the references left it no room on the last page
    assert codes(pdf, index, dpi=100) == [url]
    assert _no_page_holds_only_the_code(pdf, url, language)


def test_where_every_place_costs_a_page_the_code_is_not_alone_on_it(tmp_path):
    """after-your-first-session on A4 at mesa: the references fill the last page, no page
    ends with room for the code, and under the crisis box it pushes the text on to a fifth
    page; it stays there, on a page of text, not on a fifth page of its own."""
    spec = "after-your-first-session"
    pdf = _build_at_mesa(tmp_path, spec, "a4", False, "en")
    count = len(PdfReader(_build_at_mesa(tmp_path, spec, "a4", False, "en",
                                         web_copy=False)).pages)
    url = f"https://mesaverde-health.example.org/handouts/{spec}.html"
    assert len(PdfReader(pdf).pages) == count + 1 and _figure_page(pdf, url) == 0
    assert _no_page_holds_only_the_code(pdf, url)


@pytest.mark.parametrize(("paper", "large"), [("letter", False), ("a4", False),
                                              ("letter", True)])
def test_no_example_output_has_a_page_of_only_the_code(tmp_path, paper, large):
    """Every example spec and the example packet, built for mesa as batch builds them. In
    large print on Letter the packet's references fill its last page and no other place
    has room: its last reference goes over with the code."""
    from handouts.outputs.build import BuildOptions
    from tests.conftest import build_example

    options = BuildOptions(out_dir=tmp_path, site=str(SPECS / "sites" / "mesa.yaml"),
                           paper=paper, large_print=large)
    found = 0
    for path in sorted(SPECS.glob("*.yaml")):
        pdf = build_example(path, options).path
        url = f"https://mesaverde-health.example.org/handouts/{path.stem}.html"
        if url in compact(pdf_text(pdf)):
            found += 1
            assert _no_page_holds_only_the_code(pdf, url), path.name
    assert found == 5  # the untailored patient specs and the packet


@pytest.mark.parametrize(("spec", "paper", "large", "language", "where"), [
    ("ketamine-and-antidepressants", "letter", False, "en", "opening"),
    ("everything-patient", "a4", True, "es", 21),  # after the 22nd section (of 23)
])
def test_a_code_moved_from_the_end_is_tagged_and_read_where_it_is(tmp_path, spec, paper, large,
                                                                  language, where):
    """The code under the crisis box is read there, after the crisis box and before the
    first section; at the foot of a page, between the two sections it lies between; the
    tagged PDF still passes PDF/UA-1."""
    import dataclasses

    import pdfua

    from handouts.assemble.handout import assemble
    from handouts.outputs.build import BuildOptions, prepare
    from handouts.render.pdf import render
    from tests.matrix import TODAY
    from tests.tagcheck import reading_order, reading_order_problems, tree_text, web_copy_places

    options = BuildOptions(site=str(_mesa(tmp_path, True)), paper=paper, large_print=large,
                           language=language)
    prepared = prepare(SPECS / f"{spec}.yaml", options)
    document = dataclasses.replace(
        assemble(prepared.spec_file.spec, prepared.library, prepared.site, TODAY).document,
        web_copy=f"https://mesaverde-health.example.org/handouts/{spec}.html")
    path = tmp_path / "handout.pdf"
    path.write_bytes(render(document))
    read = tree_text(path)
    assert [place for place in web_copy_places(document)
            if reading_order_problems(read, reading_order(document, place)) == []] == [where]
    assert [(f.rule_id, f.message) for f in pdfua.validate(str(path)).findings] == []
