"""The tagged PDF, second pass (issue 26): what an independent validator and a speech engine
found. The clinic's contact details are read, hyphenated words are whole, bold one-line
subheadings are headings, citations link to their references, row labels head their rows,
long handouts have bookmarks, fonts map only real codes, and what Typst writes that helps a
reader (THead/TBody, typed pagination artifacts, BBox) is written here too."""

from __future__ import annotations

import re

import pikepdf
import pytest

from handouts.render.pdf import render
from handouts.render.printcheck import (
    LABEL_TINT,
    checks,
    contrast_ratio,
    label_color,
    readable_on_white,
    suggest,
    tinted,
)
from tests.conftest import raw_text
from tests.matrix import documents
from tests.tagcheck import (
    bookmarks,
    paint_order_problems,
    struct_roles,
    struct_text,
    words_split_by_a_hyphen,
)

TAILORED = "tailored-leaflet-patient-letter-standard"


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    """name (a variant of the example matrix) -> path of its tagged PDF."""
    folder, made = tmp_path_factory.mktemp("accessible"), {}

    def get(name: str):
        if name not in made:
            made[name] = folder / f"{name}.pdf"
            made[name].write_bytes(render(documents()[name]))
        return made[name]
    return get


def _elements(pdf: pikepdf.Pdf):
    """Every structure element, in tree order."""
    todo = [pdf.Root.StructTreeRoot.K]
    while todo:
        kids = todo.pop(0)
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") not in ("/MCR",
                                                                               "/OBJR"):
                yield kid
                if "/K" in kid:
                    todo.insert(0, kid.K)


def _artifacts(page: pikepdf.Page) -> list[str]:
    return [str(operands[1].get("/Subtype", operands[1].get("/Type")))
            for operands, _ in pikepdf.parse_content_stream(page, "BDC")
            if str(operands[0]) == "/Artifact"]


# ---- 1: the clinic's contact details are read ---------------------------------------------


def test_the_footer_is_read_once_at_the_end_and_repeats_as_a_footer_artifact(pdf):
    path = pdf("ketamine-and-antidepressants-patient-letter-standard")
    read = [line.strip() for line in struct_text(path)]
    tail = re.sub(r"\s+", " ", " ".join(read[-6:]))
    for fact in ("Carlsbad Mood & Ketamine Clinic", "(760) 555-0142",
                 "410 Seaside Avenue, Suite 200, Carlsbad, CA 92008",
                 "carlsbad-mood.example.org", "Content reviewed",
                 "Questions? Call us Monday to Friday, 8 am to 5 pm."):
        assert fact in tail
    assert " ".join(read).count("(760) 555-0142") == 1  # page 1's footer, not every page's
    assert not any(line.startswith("Page ") for line in read)  # page numbers are not read
    with pikepdf.open(path) as doc:
        assert len(doc.pages) >= 2
        for page in doc.pages:  # the band and the footer (with the page number)
            assert "/Header" in _artifacts(page) and "/Footer" in _artifacts(page)


def test_a_footer_note_in_another_language_is_marked_with_its_language(tmp_path):
    from handouts.outputs.build import BuildOptions, build

    (tmp_path / "site.yaml").write_text(
        "name: Pine Street Clinic\ncontact: {phone: (503) 555-0117}\n"
        "footer_note: Se habla español.\nfooter_note_language: es\n", encoding="utf-8")
    spec = tmp_path / "s.yaml"
    spec.write_text("title: T\nsite: site.yaml\ntopics: [side-effects]\n")
    path = build(spec, BuildOptions(out_dir=tmp_path / "o")).path
    with pikepdf.open(path) as doc:
        spanish = [e for e in _elements(doc) if str(e.get("/Lang", "")) == "es"]
    assert len(spanish) == 1 and str(spanish[0].S) in ("/Span", "/P")


# ---- 2: a word broken at a line's end is whole in the text ---------------------------------


def test_hyphenated_line_breaks_are_soft_hyphens_and_the_tree_reads_whole_words(pdf):
    path = pdf("everything-clinician-clinician-letter-standard")
    assert "\u00ad" in raw_text(path)  # the page still shows a hyphen: a soft one
    read = struct_text(path)
    assert words_split_by_a_hyphen(read) == []  # ("eske- tamine"); URLs break before one
    assert "esketamine" in " ".join(read)  # (test_tagged: every variant, PDFium and poppler)


def test_a_long_word_we_break_ourselves_reads_whole(build_spec, tmp_path):
    """A word wider than its narrow column, broken by us (not by ReportLab)."""
    library = tmp_path / "lib"
    (library / "topics").mkdir(parents=True)
    long = "text that goes on and on to take the width of this column from the first"
    (library / "topics" / "ours.md").write_text(
        "---\nid: ours\ntitle: Ours\nreviewed: 2026-11-01\n---\n"
        "| Drug | Note | Where | What | More |\n|---|---|---|---|---|\n"
        f"| pharmacokinetically | {long} | {long} | {long} | {long} |\n")
    path = build_spec("title: T\naudience: clinician\ntopics: [ours]\nreferences: false\n",
                      libraries=(library,))
    assert raw_text(path).count("\u00ad") >= 1  # broken across lines, with a soft hyphen
    assert "pharmacokinetically" in " ".join(struct_text(path))


# ---- 3: one-line bold subheadings are headings ---------------------------------------------


def test_bold_one_line_subheadings_are_headings(pdf):
    headings = [text.strip() for role, text in struct_roles(pdf(TAILORED)) if role == "H3"]
    assert headings[:4] == ["Before you come", "During your visit", "How it may feel",
                            "Going home"]
    clinician = [text.strip() for role, text in
                 struct_roles(pdf("clinician-summary-clinician-letter-standard"))
                 if role == "H3"]
    assert "Practical advice." in clinician


# ---- 4: the "Prepared for" labels read on their tint ---------------------------------------


@pytest.mark.parametrize("primary", ["#1F4E79", "#4A7FB5", "#2E86C1", "#6C8EBF", "#A8431A",
                                     "#3A9D5D", "#808080"])
def test_the_prepared_for_labels_reach_four_and_a_half_to_one(primary):
    shown = readable_on_white(primary)
    assert contrast_ratio(label_color(primary), tinted(shown, LABEL_TINT)) >= 4.5
    good = suggest(primary, "#E0A040")
    label_check = [c for c in checks(*good) if "Prepared for" in c.what]
    assert label_check and label_check[0].passed


def test_a_primary_too_light_for_its_labels_tint_prints_them_in_a_darker_shade():
    """A primary just dark enough for white paper is too light on its own tint (the pair
    the colours command once passed): the labels print in a darker shade of it that
    passes, and the check says which."""
    primary = next(f"#{v:02X}{v:02X}{v:02X}" for v in range(140, 0, -1)
                   if contrast_ratio(f"#{v:02X}{v:02X}{v:02X}", "#FFFFFF") >= 4.5)
    assert contrast_ratio(primary, tinted(primary, LABEL_TINT)) < 4.5
    [label] = [c for c in checks(primary, "#1A1A1A") if "Prepared for" in c.what]
    assert label.passed and label.shade == label_color(primary) != primary


def test_the_labels_are_printed_in_the_label_colour(tmp_path):
    from handouts.outputs.build import BuildOptions, build

    (tmp_path / "site.yaml").write_text("name: Light\ncolors: {primary: '#4A7FB5', "
                                        "accent: '#1A1A1A'}\n")
    spec = tmp_path / "s.yaml"
    spec.write_text("title: T\nsite: site.yaml\ntopics: [side-effects]\n"
                    "patient: {name: Jane Doe}\n")
    path = build(spec, BuildOptions(out_dir=tmp_path / "o")).path
    want = label_color("#4A7FB5")
    with pikepdf.open(path) as doc:
        fill, seen = None, []
        for operands, operator in pikepdf.parse_content_stream(doc.pages[0]):
            if str(operator) == "rg":
                fill = "#" + "".join(f"{round(float(v) * 255):02X}" for v in operands)
            elif str(operator) == "Tj" and b"Prepared for" in bytes(operands[0]):
                seen.append(fill)
    assert seen == [want]


# ---- 8: citations link to their reference -------------------------------------------------


def test_citations_are_links_to_their_reference_read_as_reference_n(pdf):
    path = pdf(TAILORED)
    with pikepdf.open(path) as doc:
        references = [e for e in _elements(doc) if str(e.S) == "/Reference"]
        assert references
        for reference in references:
            kids = reference.K if isinstance(reference.K, pikepdf.Array) else [reference.K]
            links = [k for k in kids if isinstance(k, pikepdf.Dictionary)
                     and str(k.get("/S")) == "/Link"]
            assert links, "a Reference points at its entry through a Link"
            for link in links:
                assert re.fullmatch(r"reference \d+", str(link.Alt))
        annots = [a for page in doc.pages for a in page.get("/Annots") or []
                  if "/Dest" in a]
        assert annots and all(re.fullmatch(r"reference \d+", str(a.Contents)) for a in annots)
        assert all(int(a.F) == 4 for page in doc.pages for a in page.get("/Annots") or [])
        last = doc.pages[-1].objgen
        pages = {p.objgen for p in doc.pages}
        assert all(a.Dest[0].objgen in pages for a in annots)
        assert any(a.Dest[0].objgen == last for a in annots)  # the reference list


def test_citations_link_nowhere_when_there_is_no_reference_list(build_spec):
    path = build_spec("title: T\ntopics: [side-effects]\nreferences: false\n")
    with pikepdf.open(path) as doc:
        assert not [a for page in doc.pages for a in page.get("/Annots") or []
                    if "/Dest" in a]


# ---- 9: row labels head their rows ----------------------------------------------------------


def test_row_labels_are_row_headers_in_tables_of_three_columns(pdf):
    with pikepdf.open(pdf("everything-clinician-clinician-letter-standard")) as doc:
        heads = {}
        for e in _elements(doc):
            if str(e.S) == "/TH":
                heads.setdefault(str(e.A.Scope), []).append(e)
        assert len(heads["/Row"]) > 20 and heads["/Column"]
    medicines = [text.strip() for role, text in struct_roles(pdf(TAILORED)) if role == "TH"]
    assert "Zoloft 50 mg daily" in medicines  # "Your medicines": each entry heads its row


def test_the_report_heads_each_row_by_its_aspect(tmp_path):
    from handouts.outputs.build import BuildOptions, prepare
    from handouts.outputs.report import make_report
    from tests.conftest import SPECS

    data, _ = make_report(prepare(SPECS / "tailored-leaflet.yaml", BuildOptions()),
                          BuildOptions())
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    heads = [text.strip() for role, text in struct_roles(path) if role == "TH"]
    assert "Aspect" in heads  # the column's heading
    assert "Sedation" in heads and "Blood pressure" in heads  # and each row's aspect


# ---- 11: bookmarks -----------------------------------------------------------------------


def test_long_handouts_have_bookmarks_from_their_headings(pdf):
    name = "everything-patient-patient-letter-standard"
    document = documents()[name]
    with pikepdf.open(pdf(name)) as doc:
        assert len(doc.pages) >= 5
        outline = bookmarks(doc)
    top = [title for depth, title in outline if depth == 0]
    assert top[0] == document.title
    assert [s.title for s in document.sections] == [t for t in top if t in
                                                    {s.title for s in document.sections}]
    assert "References" in top
    assert (1, "Before you come") in outline  # a subheading, under its section


# ---- 12: fonts ---------------------------------------------------------------------------


def test_to_unicode_maps_only_real_codes_and_every_subset_has_its_own_tag(pdf):
    with pikepdf.open(pdf(TAILORED)) as doc:
        fonts = {}
        for page in doc.pages:
            for font in page.Resources.Font.values():
                fonts[font.objgen] = font
        tags = [str(f.BaseFont)[1:7] for f in fonts.values()]
        assert len(set(tags)) == len(tags) >= 2
        for font in fonts.values():
            cmap = font.ToUnicode.read_bytes().decode("ascii")
            assert not re.search(r"<[0-9A-F]{2}> <0000>", cmap)


# ---- what Typst writes that helps a reader ---------------------------------------------


def test_tables_have_thead_and_tbody_and_figures_and_tables_a_bbox(pdf):
    with pikepdf.open(pdf(TAILORED)) as doc:
        tables = [e for e in _elements(doc) if str(e.S) == "/Table"]
        figure = next(e for e in _elements(doc) if str(e.S) == "/Figure")
        for table in tables:
            parts = [str(k.S) for k in (table.K if isinstance(table.K, pikepdf.Array)
                                        else [table.K])]
            assert set(parts) <= {"/THead", "/TBody"} and "/TBody" in parts
        width = float(doc.pages[0].MediaBox[2])
        for element in (*tables, figure):
            attributes = element.A if isinstance(element.A, pikepdf.Array) else [element.A]
            box = [a for a in attributes if str(a.get("/O")) == "/Layout"][0].BBox
            left, bottom, right, top = (float(v) for v in box)
            assert 0 <= left < right <= width and bottom < top


def test_the_page_paints_in_the_order_of_the_tree(pdf):
    for name in (TAILORED, "everything-clinician-clinician-a4-standard"):
        assert paint_order_problems(pdf(name)) == []
