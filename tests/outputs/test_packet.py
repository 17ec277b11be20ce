"""`handouts packet`: several specs as one PDF with a cover, its contents' page numbers
where each part really starts, one crisis box, continuous page numbers, one merged
reference list, a bookmark per part, tagged like a handout, and its HTML twin."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from handouts.document import CiteRef
from handouts.doors.cli import main
from handouts.outputs.build import BuildOptions, prepare
from handouts.outputs.packet import PacketOptions, build_packet, packet_document
from handouts.render.pdf import render
from tests.tagcheck import (
    bookmarks,
    content_problems,
    packet_reading_order,
    reading_order_problems,
    structure_problems,
    tree_text,
    words_split_by_a_hyphen,
)

SITES = Path(__file__).parents[2] / "specs" / "sites"
SITE_IDS = sorted(p.stem for p in SITES.glob("*.yaml"))

SPECS = {
    "tailored.yaml": """\
        title: Your treatment and your medicines
        audience: patient
        date: 2026-11-20
        topics: [what-to-expect, side-effects]
        patient:
          name: Jane Doe
          prepared_by: Dr. A. Rivera
          medications: [Zoloft 50 mg daily, Ativan 0.5 mg prn]
        """,
    "basics.yaml": """\
        title: Ketamine, the basics
        subtitle: What to know before your first session
        audience: patient
        topics: [ketamine-basics, side-effects]
        """,
    "visit.yaml": """\
        title: Your treatment day
        audience: patient
        topics: [what-to-expect]
        comedications: [benzodiazepines]
        """,
}


@pytest.fixture
def specs(tmp_path) -> list[Path]:
    paths = []
    for name, text in SPECS.items():
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        paths.append(path)
    return paths


def _options(site: str, paper: str = "letter", **more) -> BuildOptions:
    return BuildOptions(site=str(SITES / f"{site}.yaml"), paper=paper, **more)


def _document(specs, options, title=None):
    prepared = [prepare(path, options) for path in specs]
    return packet_document(prepared, options, PacketOptions(title))[0]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _body_top(page_text: str, brand: str) -> str:
    """A page's text after the band's clinic name."""
    text = _flat(page_text)
    return text.split(brand, 1)[1].strip() if brand in text else text


@pytest.mark.parametrize("paper", ["letter", "a4"])
@pytest.mark.parametrize("site", SITE_IDS)
def test_a_packet_for_every_site_and_paper(specs, tmp_path, site, paper):
    options = _options(site, paper, out_dir=tmp_path)
    document = _document(specs, options)
    built = build_packet(specs, tmp_path / "packet.pdf", options)
    reader = PdfReader(built.path)
    texts = [page.extract_text() for page in reader.pages]
    total = len(texts)
    assert built.pages == total
    cover = _flat(texts[0])
    # the contents: each part's title and the page it starts on, where it really starts
    for part in document.parts:
        match = re.search(re.escape(_flat(part.title)) + r" (\d+)", cover)
        assert match, part.title
        start = int(match.group(1))
        assert 1 < start <= total
        # at the top of its page, or under the few lines the part before spilled onto it
        top = _body_top(texts[start - 1], document.brand.name)
        assert _flat(part.title) in top, (part.title, top[:80])
        assert not any(_flat(part.title) in _body_top(t, document.brand.name)[:len(
            part.title) + 40] for t in texts[1:start - 1])
    # the crisis box once, on the cover
    crisis = document.safety.title
    assert crisis in cover
    assert sum(_flat(t).count(crisis) for t in texts) == 1
    # the patient block once
    assert sum(t.count("Jane Doe") for t in texts) == 1
    # continuous page numbers
    for number, text in enumerate(texts, 1):
        assert f"Page {number} of {total}" in _flat(text)
    # a bookmark per part, at the top, with its sections under it
    with pikepdf.open(built.path) as pdf:
        outline = bookmarks(pdf)
        assert pdf.docinfo.get("/Title") is not None
        assert "Jane" not in str(pdf.docinfo) and "Jane" not in built.path.name
    top = [title for depth, title in outline if depth == 0]
    assert [t for t in top if t in {p.title for p in document.parts}] == \
        [p.title for p in document.parts]
    assert (1, "What to expect on treatment day") in outline
    # each title in the contents a link to its part's first page, tagged in its cell
    with pikepdf.open(built.path) as pdf:
        pages = [page.obj.objgen for page in pdf.pages]
        links = {str(a.Contents): pages.index(a.Dest[0].objgen) + 1
                 for a in pdf.pages[0].Annots if str(a.Contents) in
                 {p.title for p in document.parts}}
        cells = [str(k.Obj.Contents) for element in _elements(pdf.Root.StructTreeRoot)
                 if element.get("/S") == "/TD" for kid in _elements(element)
                 if kid.get("/S") == "/Link" for k in kid.K if isinstance(k, pikepdf.Dictionary)
                 and k.get("/Type") == "/OBJR"]
    listed = {part.title: int(re.search(re.escape(_flat(part.title)) + r" (\d+)",
                                        cover).group(1)) for part in document.parts}
    assert links == listed and cells == [p.title for p in document.parts]


def _elements(node) -> list:
    """Every structure element under `node`, in reading order."""
    kids = node.get("/K")
    kids = kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
    found = []
    for kid in kids:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            found += [kid, *_elements(kid)]
    return found


EXAMPLES = Path(__file__).parents[2] / "specs"
EXAMPLE_PACKET = ("ketamine-and-antidepressants", "after-your-first-session", "large-print")


@pytest.mark.parametrize("paper", ["letter", "a4"])
@pytest.mark.parametrize("site", SITE_IDS)
def test_three_example_specs_make_an_accessible_packet_for_every_site_and_paper(
        tmp_path, site, paper):
    """The issue's own test: three of the example specs, as a clinic would put them
    together, for every example site on both papers; checked as a handout is."""
    import pdfua

    options = _options(site, paper, out_dir=tmp_path)
    specs = [EXAMPLES / f"{name}.yaml" for name in EXAMPLE_PACKET]
    built = build_packet(specs, tmp_path / "packet.pdf", options)
    document = _document(specs, options)
    assert [f.rule_id for f in pdfua.validate(str(built.path)).findings] == []
    assert content_problems(built.path) == [] and structure_problems(built.path) == []
    assert reading_order_problems(tree_text(built.path),
                                  packet_reading_order(document)) == []
    texts = [_flat(page.extract_text()) for page in PdfReader(built.path).pages]
    for part in document.parts:
        start = int(re.search(re.escape(_flat(part.title)) + r" (\d+)", texts[0]).group(1))
        assert _flat(part.title) in _body_top(texts[start - 1], document.brand.name)


def test_references_are_merged_and_numbered_again_across_the_packet(specs):
    document = _document(specs, _options("carlsbad"))
    keys = [ref.key for ref in document.references]
    assert len(keys) == len(set(keys))
    assert [ref.number for ref in document.references] == list(range(1, len(keys) + 1))
    parts = [_document([spec], _options("carlsbad")) for spec in specs]
    assert set(keys) == {ref.key for one in parts for ref in one.references}
    assert len(keys) < sum(len(one.references) for one in parts)  # shared ones listed once
    # every citation points at its own reference: the same key gives the same number
    by_key = {ref.key: ref.number for ref in document.references}
    for part, one in zip(document.parts, parts, strict=True):
        own = {ref.number: ref.key for ref in one.references}
        mine = [s for s in document.sections if s.id in part.section_ids]
        assert len(mine) == len(one.sections)
        for packet_section, section in zip(mine, one.sections, strict=True):
            assert _cites(packet_section.blocks) == [
                tuple(by_key[own[n]] for n in numbers) for numbers in _cites(section.blocks)]
    # in reading order: the first citation is number 1
    assert _cites((document.safety,))[0][0] == 1


def _cites(blocks) -> list[tuple[int, ...]]:
    found = []

    def walk(value):
        if isinstance(value, CiteRef):
            found.append(value.numbers)
        elif isinstance(value, tuple):
            for item in value:
                walk(item)
        elif hasattr(value, "__dataclass_fields__"):
            for name in value.__dataclass_fields__:
                walk(getattr(value, name))
    walk(blocks)
    return found


@pytest.mark.parametrize("site,paper", [("carlsbad", "letter"), ("mesa", "a4")])
def test_a_packet_is_tagged_like_a_handout(specs, tmp_path, site, paper):
    import pdfua

    document = _document(specs, _options(site, paper))
    path = tmp_path / "packet.pdf"
    path.write_bytes(render(document))
    report = pdfua.validate(str(path))
    assert [(f.rule_id, f.message) for f in report.findings] == []
    assert content_problems(path) == []
    assert structure_problems(path) == []
    read = tree_text(path)
    assert reading_order_problems(read, packet_reading_order(document)) == []
    assert words_split_by_a_hyphen(read) == []
    with pikepdf.open(path) as pdf:
        roles = [str(k.S) for k in pdf.Root.StructTreeRoot.K[0].K]
    assert roles.count("/Part") == len(document.parts)


def test_same_specs_same_bytes(specs):
    options = _options("lakeside")
    assert render(_document(specs, options)) == render(_document(specs, options))


def test_a_packet_in_spanish_shows_no_english_of_its_own(specs, tmp_path):
    options = _options("carlsbad", out_dir=tmp_path, language="es", formats=("pdf", "html"))
    built = build_packet(specs, tmp_path / "paquete.pdf", options)
    cover = _flat(PdfReader(built.path).pages[0].extract_text())
    assert "Sus folletos para la visita" in cover and "Contenido" in cover
    assert "Folleto" in cover and "Página" in cover
    for english in ("Your visit packet", "Contents", "Handout", "Get help now"):
        assert english not in cover
    html = (tmp_path / "paquete.html").read_text(encoding="utf-8")
    assert '<html lang="es">' in html and ">Contenido</h2>" in html


def test_the_html_twin_lists_and_heads_every_part(specs, tmp_path):
    options = _options("northfield", out_dir=tmp_path, formats=("pdf", "html"))
    built = build_packet(specs, tmp_path / "packet.pdf", options)
    html = built.others[0][0].read_text(encoding="utf-8")
    for n, title in enumerate(["Your treatment and your medicines", "Ketamine, the basics",
                               "Your treatment day"], 1):
        assert f'<a href="#part-{n}">{title}</a>' in html
        assert f'<h1 id="part-{n}-title">{title}</h1>' in html
    assert html.count('class="safety') <= 1 and html.count("Get help now") == 1


def test_the_command_writes_one_packet(specs, tmp_path):
    out = tmp_path / "out" / "packet.pdf"
    result = CliRunner().invoke(main, ["packet", *map(str, specs), "-o", str(out),
                                       "--site", str(SITES / "carlsbad.yaml"),
                                       "--title", "Before your first visit"])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and out.exists()
    assert "Before your first visit" in PdfReader(out).pages[0].extract_text()


def test_the_patients_medicines_from_the_command_line_tailor_the_first_handout(
        specs, tmp_path):
    out = tmp_path / "packet-0042.pdf"
    meds = tmp_path / "meds.txt"
    meds.write_text("1. lithium 300 mg bid\n2. LORazepam 0.5 MG Oral Tablet prn\n",
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["packet", str(specs[1]), str(specs[2]), "-o", str(out),
                                       "--site", "carlsbad", "--meds-file", str(meds)])
    assert result.exit_code == 0, result.output
    texts = [_flat(page.extract_text()) for page in PdfReader(out).pages]
    cover = texts[0]
    assert "lithium 300 mg: lithium (mood stabilizer)" in cover  # "Your medicines", once
    listed = int(re.search(r"Ketamine, the basics (\d+)", cover).group(1))
    second = int(re.search(r"Your treatment day (\d+)", cover).group(1))
    first_part, second_part = " ".join(texts[listed - 1:second - 1]), " ".join(texts[second - 1:])
    assert "Ketamine with lithium" in first_part and "Ketamine with lithium" not in second_part
    # the second spec asks for benzodiazepines itself: printed there, as its spec says
    assert "Ketamine with benzodiazepines" in second_part
    assert b"/handouts/" not in out.read_bytes()  # tailored: no web copy, no QR code
    refused = CliRunner().invoke(main, ["packet", str(specs[1]), str(specs[2]), "-o",
                                        str(tmp_path / "lithium-packet.pdf"), "--site",
                                        "carlsbad", "--meds", "lithium 300 mg"])
    assert refused.exit_code == 1 and "-o" in refused.output
    assert not (tmp_path / "lithium-packet.pdf").exists()


def test_two_patients_are_refused_where_the_second_is_given(specs, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(textwrap.dedent("""\
        title: Another leaflet
        audience: patient
        topics: [side-effects]
        patient:
          name: John Roe
        """), encoding="utf-8")
    out = tmp_path / "packet.pdf"
    result = CliRunner().invoke(main, ["packet", str(specs[0]), str(other), "-o", str(out),
                                       "--site", "carlsbad"])
    assert result.exit_code == 1
    assert "other.yaml:4" in result.output and "patient" in result.output
    assert "Traceback" not in result.output and not out.exists()
    assert "John" not in result.output  # the names are never quoted


def test_another_site_or_audience_is_refused(specs, tmp_path):
    clinician = tmp_path / "clinician.yaml"
    clinician.write_text("title: For clinicians\naudience: clinician\nsite: mesa\n"
                         "topics: [side-effects]\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["packet", str(specs[1]), str(clinician),
                                       "-o", str(tmp_path / "p.pdf")])
    assert result.exit_code == 1
    assert "clinician.yaml:2" in result.output and "audience" in result.output
    assert "clinician.yaml:3" in result.output and "site" in result.output


def test_a_file_name_with_the_patients_name_is_refused(specs, tmp_path):
    result = CliRunner().invoke(main, ["packet", *map(str, specs), "--site", "carlsbad",
                                       "-o", str(tmp_path / "jane-doe.pdf")])
    assert result.exit_code == 1
    assert "error: -o: the output file name would contain the patient's name" in result.output
    assert not (tmp_path / "jane-doe.pdf").exists()


def test_a_packet_file_names_its_specs_and_title(specs, tmp_path):
    packet = tmp_path / "first-visit.yaml"
    packet.write_text("packet:\n  title: Before your first visit\n"
                      "  specs: [basics.yaml, visit.yaml]\n", encoding="utf-8")
    out = tmp_path / "first-visit.pdf"
    result = CliRunner().invoke(main, ["packet", str(packet), "-o", str(out),
                                       "--site", "carlsbad"])
    assert result.exit_code == 0, result.output
    cover = _flat(PdfReader(out).pages[0].extract_text())
    assert "Before your first visit" in cover
    assert "Ketamine, the basics" in cover and "Your treatment day" in cover


def test_the_example_packet_file_builds_as_the_docs_show_in_english_and_spanish(tmp_path):
    """specs/first-visit.yaml: `handouts packet` and `handouts build` make the same packet;
    in Spanish its title is the file's translation, never its English title."""
    example = Path(__file__).parents[2] / "specs" / "first-visit.yaml"
    out = tmp_path / "first-visit.pdf"
    result = CliRunner().invoke(main, ["packet", str(example), "-o", str(out)])
    assert result.exit_code == 0, result.output
    cover = _flat(PdfReader(out).pages[0].extract_text())
    assert "Before your first visit" in cover
    assert "Ketamine treatment and your antidepressant" in cover
    assert "After your first session" in cover
    built = tmp_path / "built"
    result = CliRunner().invoke(main, ["build", str(example), "-o", str(built)])
    assert result.exit_code == 0, result.output
    assert (built / "first-visit.pdf").read_bytes() == out.read_bytes()
    result = CliRunner().invoke(main, ["build", str(example), "-o", str(built),
                                       "--language", "es", "--paper", "a4"])
    assert result.exit_code == 0, result.output
    cover = _flat(PdfReader(built / "first-visit-a4-es.pdf").pages[0].extract_text())
    assert "Antes de su primera visita" in cover and "Después de su primera sesión" in cover
    assert "Before your first visit" not in cover


def test_a_packet_file_where_a_spec_is_needed_is_named_as_one(tmp_path):
    example = Path(__file__).parents[2] / "specs" / "first-visit.yaml"
    result = CliRunner().invoke(main, ["report", str(example), "-o", str(tmp_path / "r.pdf")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "first-visit.yaml:4: packet: this is a packet file, not a handout spec; build it " \
        "with 'handouts packet" in result.output


@pytest.mark.parametrize("page", [1, 10])
def test_preview_shows_a_page_of_a_packet_files_packet(tmp_path, page):
    """As build makes it: its cover with the contents, or its last page with the QR code."""
    from handouts.render.preview import page_png

    example = Path(__file__).parents[2] / "specs" / "first-visit.yaml"
    mesa = ["--site", str(SITES / "mesa.yaml")]
    result = CliRunner().invoke(main, ["preview", str(example), "--page", str(page),
                                       "--dpi", "60", "-o", str(tmp_path), *mesa])
    assert result.exit_code == 0, result.output
    png = tmp_path / f"first-visit-page{page}.png"
    built = CliRunner().invoke(main, ["build", str(example), "-o", str(tmp_path), *mesa])
    assert built.exit_code == 0, built.output
    pdf = (tmp_path / "first-visit.pdf").read_bytes()
    assert len(PdfReader(tmp_path / "first-visit.pdf").pages) == 10
    assert png.read_bytes() == page_png(pdf, page, 60)


def test_a_packet_files_title_in_another_language(specs, tmp_path):
    """Like a spec's: the translation where the file gives one, else its own title; a
    --title is said in every language; a language code that is none is located."""
    packet = tmp_path / "visit-day.yaml"
    packet.write_text("packet:\n  title: Your visit day\n  specs: [basics.yaml, visit.yaml]\n"
                      "  translations:\n    es: {title: El día de su visita}\n", encoding="utf-8")

    def cover(*args: str) -> str:
        out = tmp_path / "p.pdf"
        result = CliRunner().invoke(main, ["packet", str(packet), "-o", str(out), *args])
        assert result.exit_code == 0, result.output
        return _flat(PdfReader(out).pages[0].extract_text())

    assert "Your visit day" in cover() and "El día de su visita" not in cover()
    assert "El día de su visita" in cover("--language", "es")
    assert "Mi paquete" in cover("--language", "es", "--title", "Mi paquete")
    packet.write_text("packet:\n  title: Your visit day\n  specs: [basics.yaml]\n",
                      encoding="utf-8")
    assert "Your visit day" in cover("--language", "es")
    packet.write_text("packet:\n  specs: [basics.yaml]\n  translations:\n"
                      "    spanish: {title: El día de su visita}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["packet", str(packet), "-o", str(tmp_path / "q.pdf")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "visit-day.yaml:4" in result.output, result.output


def test_a_packet_files_wrong_specs_are_each_located(specs, tmp_path):
    packet = tmp_path / "bad.yaml"
    packet.write_text("packet:\n  specs:\n    - missing.yaml\n    - ../outside.yaml\n",
                      encoding="utf-8")
    result = CliRunner().invoke(main, ["packet", str(packet), "-o", str(tmp_path / "p.pdf")])
    assert result.exit_code == 1
    assert "bad.yaml:3: packet.specs[0]: no spec file 'missing.yaml'" in result.output
    assert "bad.yaml:4: packet.specs[1]: path '../outside.yaml' leaves" in result.output


def test_batch_builds_a_packet_file_for_every_site_and_rebuilds_when_a_part_changes(
        specs, tmp_path):
    packet = tmp_path / "first-visit.yaml"
    packet.write_text("packet:\n  specs: [tailored.yaml, basics.yaml]\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["batch", str(packet), "--sites", str(SITES / "carlsbad.yaml"),
            "--sites", str(SITES / "mesa.yaml"), "-o", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "2 built" in result.output
    for site in ("carlsbad", "mesa"):
        texts = [p.extract_text() for p in PdfReader(out / site / "first-visit.pdf").pages]
        cover = _flat(texts[0])
        assert "Your visit packet" in cover and "Ketamine, the basics" in cover
        assert f"Page {len(texts)} of {len(texts)}" in _flat(texts[-1])
    assert "Jane" not in (out / "manifest.json").read_text(encoding="utf-8")
    assert "0 built, 2 unchanged" in CliRunner().invoke(main, args).output
    specs[1].write_text(specs[1].read_text(encoding="utf-8").replace(
        "Ketamine, the basics", "Ketamine basics"), encoding="utf-8")
    assert "2 built" in CliRunner().invoke(main, args).output


def test_check_reads_a_packet_file_and_its_specs(specs, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("packet:\n  specs: [basics.yaml, visit.yaml]\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(good)])
    assert result.exit_code == 0
    assert "2 specs, 1 packet file: 0 errors, 0 warnings" in result.output  # its specs too
    specs[2].write_text("title: x\naudience: patient\ntopics: [no-such-topic]\n",
                        encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(good)])
    assert result.exit_code == 1 and "visit.yaml:3" in result.output


def test_a_clinician_packet_has_a_clinicians_title(tmp_path):
    specs = Path(__file__).parents[2] / "specs"
    options = _options("northfield", out_dir=tmp_path)
    document = _document([specs / "clinician-summary.yaml",
                          specs / "everything-clinician.yaml"], options)
    assert document.title == "Clinical packet" and document.safety is None
    assert [p.title for p in document.parts][0].startswith("Ketamine and esketamine")


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_twin_has_no_axe_violations_and_reflows(specs, language):
    import tempfile

    from playwright.sync_api import sync_playwright

    from handouts.render_html.html import render_html
    from tests.render_html.test_html import AXE, CHROMIUM, FLAGS, WCAG_22_AA, _need

    data = render_html(_document(specs, _options("mesa", language=language)))
    axe = _need(AXE, "run 'npm ci' in tests/web").read_text()
    _need(Path(CHROMIUM), "install Debian's chromium package")
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = context.new_page()
        page.set_viewport_size({"width": 1280, "height": 900})
        page.set_content(data.decode("utf-8"), wait_until="load")
        page.add_script_tag(content=axe)
        found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: "
                              "tags}, resultTypes: ['violations']})", WCAG_22_AA)
        page.set_viewport_size({"width": 320, "height": 640})
        width = page.evaluate("document.documentElement.scrollWidth")
        context.close()
    assert [(v["id"], v["help"]) for v in found["violations"]] == []
    assert width <= 320


def test_a_packet_files_packet_links_its_web_copy_with_a_code_that_reads(tmp_path):
    """Three example specs of a site that publishes web copies: the packet's last page has
    a QR code to the packet's own web copy (named as batch names it), read back at 300 and
    100 dpi; the same packet with a patient's medicines has none."""
    import shutil

    import pypdfium2 as pdfium
    import zxingcpp

    from tests.conftest import SPECS as EXAMPLES

    packet = tmp_path / "first-visit.yaml"
    names = ["everything-patient", "ketamine-and-antidepressants", "large-print"]
    for name in names:
        shutil.copy(EXAMPLES / f"{name}.yaml", tmp_path)
    packet.write_text("packet:\n  specs:\n" + "".join(
        f"    - {name}.yaml\n" for name in names), encoding="utf-8")

    def codes(pdf: Path, dpi: int) -> list[str]:
        document = pdfium.PdfDocument(pdf)
        page = document[len(document) - 1]
        image = page.render(scale=dpi / 72).to_pil()
        return [found.text for found in zxingcpp.read_barcodes(image)
                if found.format == zxingcpp.BarcodeFormat.QRCode]

    url = "https://mesaverde-health.example.org/handouts/first-visit.html"
    for paper in ("letter", "a4"):
        out = tmp_path / f"first-visit-{paper}.pdf"
        result = CliRunner().invoke(main, ["packet", str(packet), "-o", str(out), "--site",
                                           "mesa", "--paper", paper])
        assert result.exit_code == 0, result.output
        assert codes(out, 300) == [url] and codes(out, 100) == [url]
        assert url in _flat(PdfReader(out).pages[-1].extract_text())
    shutil.copy(EXAMPLES / "tailored-leaflet.yaml", tmp_path)  # one part names a patient
    packet.write_text("packet:\n  specs: [tailored-leaflet.yaml, large-print.yaml]\n",
                      encoding="utf-8")
    tailored = tmp_path / "tailored.pdf"
    result = CliRunner().invoke(main, ["packet", str(packet), "-o", str(tailored), "--site",
                                       "mesa"])
    assert result.exit_code == 0, result.output
    assert codes(tailored, 300) == [] and "mesaverde-health.example.org/handouts" not in \
        _flat(" ".join(p.extract_text() for p in PdfReader(tailored).pages))


def test_a_packet_files_mistakes_are_said_as_a_user_would_fix_them(tmp_path):
    """Found in a new user's trial: a misspelt spec, the same spec twice, no spec at all,
    and a packet mixing a clinician handout in (said once, as the audience)."""
    for name in ("ketamine-and-antidepressants", "large-print", "clinician-summary"):
        (tmp_path / f"{name}.yaml").write_text((EXAMPLES / f"{name}.yaml").read_text())

    def said(specs: str) -> str:
        (tmp_path / "p.yaml").write_text(f"packet:\n  specs: {specs}\n", encoding="utf-8")
        result = CliRunner().invoke(main, ["packet", str(tmp_path / "p.yaml"), "-o",
                                           str(tmp_path / "p.pdf")])
        assert result.exit_code == 1 and "Traceback" not in result.output
        return result.output

    assert "packet.specs[0]: no spec file 'ketamine-and-antidepressant.yaml'; did you mean " \
        "'ketamine-and-antidepressants.yaml'?" in said("[ketamine-and-antidepressant.yaml]")
    assert "packet.specs[1]: './large-print.yaml' is listed twice" in \
        said("[large-print.yaml, ./large-print.yaml]")
    assert "packet.specs: needs at least 1 entry" in said("[]")
    mixed = said("[large-print.yaml, clinician-summary.yaml]")
    assert "audience: the audience differs" in mixed and "language" not in mixed


def test_medicines_added_to_a_spec_that_names_a_patient_are_said_to_be(tmp_path):
    """Found in a clinician's trial: the README's packet, its first spec the example
    patient's, built with another patient's --meds, mixed the two without a word."""
    args = ["packet", str(EXAMPLES / "tailored-leaflet.yaml"),
            str(EXAMPLES / "large-print.yaml"), "-o", str(tmp_path / "p.pdf"), "--meds",
            "lithium 300 mg"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "tailored-leaflet.yaml already lists its patient's medicines" in result.output
    assert "Jane" not in result.output and "Zoloft" not in result.output  # never quoted
    alone = CliRunner().invoke(main, ["build", str(EXAMPLES / "large-print.yaml"), "-o",
                                      str(tmp_path), "--meds", "lithium 300 mg"])
    assert alone.exit_code == 0 and "already lists" not in alone.output
