"""Layout faults become fixes: odd logos, long names, huge cells, long medicine lists."""

from __future__ import annotations

import io
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image
from pypdf import PdfReader

from handouts.errors import HandoutError
from tests.conftest import FIXTURES, SPECS, compact, pdf_text, raw_text

SAFE = 0.5 * 72  # printer-safe margin
BAND = 0.7 * 72  # the brand band, inside the safe margin


def site_with_logo(tmp_path, size: tuple[int, int], name: str = "Logo Test Clinic"):
    Image.new("RGB", size, "#2a6f97").save(tmp_path / "logo.png")
    (tmp_path / "site.yaml").write_text(f"name: {name}\nlogo: logo.png\n")
    return str(tmp_path / "site.yaml")


def image_boxes(path):
    pdf = pdfium.PdfDocument(str(path))
    page = pdf[0]
    height = page.get_height()
    return height, [obj.get_bounds() for obj in page.get_objects(
        filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])]


@pytest.mark.parametrize("size", [(4000, 300), (300, 4000), (2, 2), (1200, 1200)])
def test_any_logo_is_scaled_into_its_box(tmp_path, build_spec, size):
    path = build_spec("title: T\ntopics: [side-effects]\n", site=site_with_logo(tmp_path, size))
    height, [(left, bottom, right, top)] = image_boxes(path)
    assert bottom >= height - SAFE - BAND and top <= height - SAFE
    assert right - left <= 1.8 * 72 + 1
    assert abs((right - left) / (top - bottom) - size[0] / size[1]) < 0.05 * size[0] / size[1]


def test_a_very_long_clinic_name_fits_the_band(tmp_path, build_spec):
    name = "The Very Long Name Of A Regional Interventional Psychiatry And Ketamine " * 2
    path = build_spec("title: T\ntopics: [side-effects]\n",
                      site=site_with_logo(tmp_path, (200, 200), name.strip()))
    pdf = pdfium.PdfDocument(str(path))
    page = pdf[0]
    text = page.get_textpage()
    band_bottom = page.get_height() - SAFE - BAND
    band_chars = [text.get_charbox(i) for i in range(text.count_chars())
                  if text.get_charbox(i)[1] > band_bottom - 2]
    assert band_chars and all(box[3] <= page.get_height() - SAFE for box in band_chars)
    assert all(box[2] <= page.get_width() - 0.5 * 72 for box in band_chars)
    assert compact(name.strip()) in compact(raw_text(path))  # whole in the footer


def test_an_over_long_title_wraps(build_spec):
    title = "Everything about ketamine treatment " * 5
    text = pdf_text(build_spec(f"title: {title.strip()}\ntopics: [side-effects]\n"))
    assert title.strip() in text


def clinic_topic(tmp_path, body: str):
    folder = tmp_path / "ours"
    folder.mkdir(exist_ok=True)
    (folder / "big.md").write_text("---\nid: big\ntitle: A big topic\nreviewed: 2026-11-01\n"
                                   f"---\n{body}")
    return (folder,)


def test_a_table_cell_taller_than_a_page_is_printed_as_paragraphs(tmp_path, build_spec):
    long_cell = "Come early and bring your list. " * 220
    libraries = clinic_topic(tmp_path,
                             f"| Step | What to do |\n|---|---|\n| Arrive | {long_cell}|\n")
    path = build_spec("title: T\ntopics: [big]\n", libraries=libraries)
    furniture = r"(Ketamine treatment information|Content reviewed \w+ \d+|Page \d+ of \d+) ?"
    text = re.sub(furniture, "", pdf_text(path))  # a page may break mid-sentence
    assert text.count("Come early and bring your list.") == 220
    assert "Arrive" in text


def test_a_callout_taller_than_a_page_still_prints(tmp_path, build_spec):
    long = "Tell us how you feel after each visit. " * 250
    libraries = clinic_topic(tmp_path, f"::: warning\n{long}\n:::\n")
    path = build_spec("title: T\ntopics: [big]\n", libraries=libraries)
    pages = len(pdfium.PdfDocument(str(path)))
    # a sentence that straddles a page break is extracted with the page footer inside it
    assert pdf_text(path).count("Tell us how you feel after each visit.") >= 250 - (pages - 1)


def test_sixty_medicines(build_spec):
    meds = ([f"sertraline {25 + i} mg" for i in range(30)]
            + [f"xelvatrine {i + 1} mg" for i in range(30)])
    spec = "title: T\ntopics: [side-effects]\npatient:\n  medications:\n" + "".join(
        f"    - {m}\n" for m in meds)
    path = build_spec(spec)
    text = pdf_text(path)
    for med in meds:
        assert med in text
    assert text.count("We do not know this name") == 30


def test_unprintable_characters_are_refused_by_field(tmp_path, build_spec):
    with pytest.raises(HandoutError) as info:
        build_spec("title: Ketamine 中文\ntopics: [side-effects]\n"
                   "patient:\n  prepared_by: Dr. שלום\n")
    found = [str(p) for p in info.value.problems]
    assert any(":1: title: cannot print '中' (U+4E2D), '文' (U+6587)" in p for p in found)
    # patient text is never quoted, not even its characters
    assert any(":4: patient.prepared_by: cannot print 4 characters in this entry" in p
               for p in found)
    assert not any("U+05E9" in p or "\u05e9" in p for p in found)


SCRIPTS = {
    "Vietnamese": "Nguyễn Thị Hường, Tiếng Việt",
    "Polish": "Zażółć gęślą jaźń, Łódź",
    "Greek": "Ελληνικά γράμματα",
    "Cyrillic": "Русский текст, Ёлка",
    "Turkish": "İstanbul ğüşöç",
}


@pytest.mark.parametrize("script", SCRIPTS)
def test_scripts_we_cover_are_drawn_with_a_font_that_has_them(build_spec, script):
    text = SCRIPTS[script]
    path = build_spec(f"title: {text}\ntopics: [side-effects]\npatient:\n  name: {text}\n")
    assert pdf_text(path).count(text) == 2


def test_decomposed_accents_are_composed(build_spec):
    decomposed = "Nguye\u0302\u0303n"  # e + circumflex + tilde
    path = build_spec(f"title: {decomposed}\ntopics: [side-effects]\n")
    assert "Nguyễn" in pdf_text(path)


def test_unprintable_text_in_a_content_file_names_the_file(tmp_path, build_spec):
    libraries = clinic_topic(tmp_path, "::: patient\nWelcome 欢迎.\n:::\n")
    with pytest.raises(HandoutError) as info:
        build_spec("title: T\ntopics: [big]\n", libraries=libraries)
    [problem] = info.value.problems
    assert problem.file.endswith("ours/big.md") and problem.field == "section big"
    assert "'欢' (U+6B22)" in problem.message


def test_logo_faults_are_clear_errors(tmp_path, build_spec):
    site = tmp_path / "site.yaml"
    cases = {"empty.png": b"", "text.png": b"hello, not an image",
             "broken.png": b"\x89PNG\r\n\x1a\n" + b"\0" * 50}
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "GIF")
    cases["logo.gif"] = buffer.getvalue()
    expected = {"empty.png": "is an empty file", "text.png": "is not a PNG or JPEG image",
                "broken.png": "cannot be decoded", "logo.gif": "is not a PNG or JPEG image"}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        site.write_text(f"name: X\nlogo: {name}\n")
        with pytest.raises(HandoutError) as info:
            build_spec("title: T\ntopics: [side-effects]\n", site=str(site))
        assert f"{site}:2: logo: logo '{name}' {expected[name]}" in str(info.value)
    site.write_text("name: X\nlogo: missing.png\n")
    with pytest.raises(HandoutError, match="missing.png' not found; the path is relative"):
        build_spec("title: T\ntopics: [side-effects]\n", site=str(site))


def test_paths_may_not_leave_their_folder(tmp_path, build_spec, write_spec):
    (tmp_path / "sub").mkdir()
    Image.new("RGB", (10, 10)).save(tmp_path / "logo.png")
    site = tmp_path / "sub" / "site.yaml"
    for logo in ("../logo.png", str(tmp_path / "logo.png")):
        site.write_text(f"name: X\nlogo: {logo}\n")
        with pytest.raises(HandoutError, match="leaves the folder of site.yaml"):
            build_spec("title: T\ntopics: [side-effects]\n", site=str(site))
    assert build_spec("title: T\ntopics: [side-effects]\n", site=str(site),
                      allow_outside_paths=True).is_file()
    with pytest.raises(HandoutError, match="path '../elsewhere/site.yaml' leaves the folder"):
        build_spec("title: T\nsite: ../elsewhere/site.yaml\ntopics: [side-effects]\n")


def test_big_and_bomb_yaml_files_are_refused_quickly(tmp_path, write_spec):
    from handouts.outputs.build import BuildOptions, build
    big = write_spec("title: T\ntopics: [side-effects]\n# " + "x" * 1_100_000 + "\n", "big.yaml")
    with pytest.raises(HandoutError, match="spec is 1,100,0.. bytes; the limit is 1,000,000"):
        build(big, BuildOptions(out_dir=tmp_path / "o"))
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1 if i > 1 else ''}"] * 9) + "]")
    bomb = write_spec("\n".join(lines).replace("*a0", "*a") + "\ntitle: T\n", "bomb.yaml")
    with pytest.raises(HandoutError, match="more than 50,000 values"):
        build(bomb, BuildOptions(out_dir=tmp_path / "o"))


# ---- what a new user saw on the page (issue: layout and typography) ------------------------


def _lines(path, page: int, bottom: float, top: float) -> list[str]:
    """The text lines PDFium reads between two heights of a page (points from its foot)."""
    pdf = pdfium.PdfDocument(str(path))
    text = pdf[page].get_textpage()
    width = pdf[page].get_width()
    return [line.strip() for line in text.get_text_bounded(0, bottom, width, top).splitlines()
            if line.strip()]


@pytest.mark.parametrize("site", ["mesa", "northfield", "carlsbad", "lakeside"])
@pytest.mark.parametrize("paper, large", [("letter", False), ("a4", True)])
def test_footer_lines_never_end_in_a_separator_or_leave_a_word_alone(build_spec, site, paper,
                                                                     large):
    path = build_spec(f"title: T\ntopics: [side-effects]\nlarge_print: {str(large).lower()}\n",
                      site=str(SPECS / "sites" / f"{site}.yaml"), paper=paper)
    import yaml

    data = yaml.safe_load((SPECS / "sites" / f"{site}.yaml").read_text())
    items = {str(v) for v in (data.get("contact") or {}).values()}
    footer = " ".join([data["name"], *items, data.get("footer_note") or "", "Content reviewed"])
    lines = [line for line in _lines(path, 0, 0, 130)
             if all(part in footer for part in line.split(" \u00b7 ")) or "reviewed" in line]
    assert len(lines) >= 2
    for line in lines:
        assert not line.endswith("\u00b7") and not line.startswith("\u00b7"), lines
        assert len(line.split()) > 1 or line in items, lines  # a whole item, not a runt


def test_the_crisis_box_leaves_no_word_alone_on_a_line(build_spec):
    path = build_spec("title: T\ntopics: [side-effects]\n",
                      site=str(SPECS / "sites" / "mesa.yaml"))
    box = [line for line in _lines(path, 0, 300, 700)]
    start = next(i for i, line in enumerate(box) if line.startswith("Get help now"))
    for line in box[start + 1:start + 6]:
        assert len(line.split()) > 1, box


BROKEN_PHRASE = re.compile(r"(\bcall|\bcall or|\bor text|\bnow,|\bright|\(\d{3}\))$")


@pytest.mark.parametrize("site", ["mesa", "northfield", "carlsbad", "lakeside", None])
@pytest.mark.parametrize("paper, large", [("letter", False), ("a4", False), ("letter", True),
                                          ("a4", True)])
def test_the_crisis_box_never_breaks_what_to_call(tmp_path, build_spec, site, paper, large):
    """Not "call / or text 988", "right now, / call 911" or "(970) / 555-0190": what to
    call and the number stay on one line, in every width the box is set in."""
    (tmp_path / "s.yaml").write_text("name: Oak Street Clinic\ncrisis_line: '988'\n"
                                     "contact: {after_hours: (541) 555-0199}\n")
    path = build_spec(f"title: T\ntopics: [benefits]\nlarge_print: {str(large).lower()}\n"
                      "references: false\n", paper=paper,
                      site=str(SPECS / "sites" / f"{site}.yaml") if site else
                      str(tmp_path / "s.yaml"))
    lines = [line.replace("\u00a0", " ") for line in _lines(path, 0, 0, 10_000)]
    start = lines.index("Get help now")
    end = next(i for i, line in enumerate(lines) if "emergency room" in line or
               "after hours" in line and i > start)
    box = lines[start + 1:end + 3]
    assert any("988" in line for line in box) and any("911" in line for line in box)
    for line in box:
        assert not BROKEN_PHRASE.search(line), box
        assert not re.match(r"(988|911|or text|\d{3}-\d{4})", line), box


def test_a_long_clinic_name_is_shrunk_to_one_line_in_large_print(tmp_path, build_spec):
    path = build_spec("title: T\ntopics: [side-effects]\nlarge_print: true\n",
                      site=str(SPECS / "sites" / "mesa.yaml"), paper="a4")
    pdf = pdfium.PdfDocument(str(path))
    height = pdf[0].get_height()
    band = _lines(path, 0, height - SAFE - BAND, height - SAFE)
    assert band == ["Mesa Verde Community Health Center"]


def test_patient_tables_keep_the_twelve_point_promise(tmp_path):
    cells = []

    def visit(text, cm, tm, font, size):
        if "Zoloft" in text or "SSRI or SNRI" in text:  # the "Your medicines" table
            cells.append(round(size * (abs(tm[0]) or 1), 1))
    from handouts.outputs.build import BuildOptions, build

    path = build(SPECS / "tailored-leaflet.yaml", BuildOptions(out_dir=tmp_path)).path
    PdfReader(path).pages[0].extract_text(visitor_text=visit)
    assert cells and min(cells) >= 12


def test_a_lone_reference_on_the_last_page_sits_in_the_left_column():
    from handouts.render.parts import Columns

    columns = Columns([], gap=10)
    assert columns._cut([30.0]) == 1
    assert columns._cut([10.0, 10.0, 10.0]) == 2


def test_a_reference_entry_is_never_split_in_large_print(tmp_path):
    from handouts.assemble.handout import assemble
    from handouts.document import Link, Text
    from handouts.library.citations import compress  # noqa: F401 - numbers are plain text here
    from handouts.outputs.build import BuildOptions, build, prepare, today

    spec = SPECS / "everything-patient.yaml"
    options = BuildOptions(out_dir=tmp_path, large_print=True)
    path = build(spec, options).path
    prepared = prepare(spec, options)
    document = assemble(prepared.spec_file.spec, prepared.library, prepared.site,
                        today()).document
    pages = [compact(p.extract_text()) for p in PdfReader(path).pages]
    for reference in document.references:
        entry = compact("".join(r.text for r in reference.inlines
                                if isinstance(r, Text | Link)))[:120]
        assert any(entry in page for page in pages), reference.key


RIVERBEND_SPEC = """\
title: Your Spravato treatment and your medicines
site: {site}
topics: [what-to-expect, side-effects]
patient:
  name: Marisol Quintero-Baptiste
  prepared_by: Dr. K. Okafor, PMHNP
  medications:
    - sertraline 100 MG Oral Tablet
    - QUEtiapine 25 mg tab
    - buprenorphine / naloxone 8 MG / 2 MG Sublingual Film
    - lithium carbonate 300 MG ER
    - metoprolol succinate 25 mg
    - lamotrigne 100 mg daily
"""


def test_the_medicines_heading_never_ends_a_page_alone(tmp_path, build_spec):
    """Found in a new user's trial: in large print on letter the heading sat at the foot
    of page 1 and the table began on page 2."""
    for name in ("riverbend.yaml", "riverbend-logo.png"):
        (tmp_path / name).write_bytes((FIXTURES / "sites" / name).read_bytes())
    path = build_spec(RIVERBEND_SPEC.format(site="riverbend.yaml"), large_print=True,
                      paper="letter")
    pages = [page.extract_text() for page in PdfReader(path).pages]
    heading = next(i for i, text in enumerate(pages) if "Your medicines" in text)
    assert "What it is" in pages[heading]  # the table's header row shares its page


@pytest.mark.parametrize("spec, options", [
    ("large-print.yaml", {"site": "lakeside"}),
    ("tailored-leaflet.yaml", {"large_print": True, "site": "mesa"}),
    ("everything-clinician.yaml", {"paper": "a4"}),
])
def test_a_title_that_wraps_never_leaves_one_word_alone(spec, options):
    from handouts.outputs.build import BuildOptions, make_pdf, prepare

    if "site" in options:
        options = {**options, "site": str(SPECS / "sites" / f"{options['site']}.yaml")}
    built = BuildOptions(**options)
    prepared = prepare(SPECS / spec, built)
    title = prepared.spec_file.spec.title
    pdf, _ = make_pdf(prepared, built)
    lines = PdfReader(io.BytesIO(pdf)).pages[0].extract_text().splitlines()
    for size in range(2, 5):  # the title as the lines it is set on
        for start in range(len(lines) - size + 1):
            if " ".join(line.strip() for line in lines[start:start + size]) == title:
                assert all(" " in line.strip() for line in lines[start:start + size]), \
                    lines[start:start + size]
                return
    assert title in " ".join(lines)  # on one line
