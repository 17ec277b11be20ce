"""Pages are filled: what keeps a heading or a lead-in with what follows moves their first
lines, never a whole long block; a table row taller than what is left of a page splits."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from pypdf import PdfReader

from handouts.outputs.build import BuildOptions, make_pdf, prepare
from tests.conftest import EXAMPLE_SPECS, SPECS, normalise

MIN_FILL = 0.55  # no page but the last may be more than 45% empty


def page_fills(pdf: bytes) -> list[float]:
    """How much of each page's body frame is used: from the band's foot down to the lowest
    thing drawn above the footer's rule."""
    fills = []
    for page in pdfium.PdfDocument(pdf):
        width, height = page.get_size()
        boxes = [(obj.type, obj.get_bounds()) for obj in page.get_objects(max_depth=3)]
        wide = [b for kind, b in boxes if kind == pdfium_c.FPDF_PAGEOBJ_PATH
                and b[2] - b[0] > width * 0.6]
        rule = max(b[3] for b in wide if b[3] - b[1] < 2 and b[1] < height * 0.25)
        top = min(b[1] for b in wide if b[1] > height * 0.8)
        body = [b for _, b in boxes if b[1] > rule + 1 and b[3] < top - 1]
        fills.append((top - min(b[1] for b in body)) / (top - rule) if body else 0.0)
    return fills


@pytest.mark.parametrize("paper", ["letter", "a4"])
@pytest.mark.parametrize("large", [False, True])
@pytest.mark.parametrize("spec", [p.name for p in EXAMPLE_SPECS])
def test_no_page_before_the_last_is_half_empty(spec, paper, large):
    """Found in a new user's trial: large print whose headings took whole table rows and
    long lead-ins to the next page, leaving pages 40% blank (page 1 too). (Specs only: a
    packet's cover and each part's last page end where the next part starts a page.)"""
    options = BuildOptions(paper=paper, large_print=large)
    pdf, _ = make_pdf(prepare(SPECS / spec, options), options)
    fills = page_fills(pdf)
    assert min(fills[:-1], default=1) >= MIN_FILL, [f"{f:.0%}" for f in fills]


def clinic_topic(tmp_path, body: str) -> tuple:
    folder = tmp_path / "ours"
    folder.mkdir(exist_ok=True)
    (folder / "ours.md").write_text("---\nid: ours\ntitle: Our evidence\nreviewed: 2026-11-01"
                                    f"\n---\n{body}")
    return (folder,)


TALL_ROWS = "".join(f"| Study {n} | {f'Finding number {n} held up. ' * (4 + 9 * (n % 3))}|\n"
                    for n in range(1, 9))


def test_a_table_row_split_between_pages_prints_its_header_once_a_page(tmp_path, build_spec):
    intro = "Our team reviewed the studies below with care. " * 30
    path = build_spec("title: T\naudience: clinician\ntopics: [ours]\nreferences: false\n",
                      libraries=clinic_topic(tmp_path, f"{intro}\n\n| Source | Finding |\n"
                                             f"|---|---|\n{TALL_ROWS}"),
                      large_print=True, paper="letter")
    pages = [normalise(page.extract_text()) for page in PdfReader(path).pages]
    assert all(page.count("Source Finding") <= 1 for page in pages), pages
    text = " ".join(pages)
    for n in range(1, 9):  # every row, whole and in order
        assert text.count(f"Finding number {n} held up.") == 4 + 9 * (n % 3)
    split = [p for p in pages if "Source Finding" in p and not p.startswith("T")]
    assert split and page_fills(path.read_bytes())[0] >= MIN_FILL


def test_a_long_lead_in_keeps_only_its_last_lines_with_its_table(tmp_path):
    """Wherever a page ends, the lead-in's last line ("... so far:") starts the page its
    table starts on; and somewhere the page ends inside the lead-in, which splits rather
    than go whole to the next page."""
    lead_in = "The probes gave mixed results in small groups of patients. " * 9 + "So far:"
    straddled = 0
    for filler in range(70, 96):
        intro = "Our team reviewed the studies below with care. " * filler
        spec = tmp_path / "s.yaml"
        spec.write_text("title: T\naudience: clinician\ntopics: [ours]\nreferences: false\n")
        options = BuildOptions(libraries=clinic_topic(tmp_path, f"{intro}\n\n{lead_in}\n\n"
                                                      f"| Source | Finding |\n|---|---|\n"
                                                      f"{TALL_ROWS}"), paper="letter")
        pdf, _ = make_pdf(prepare(spec, options), options)
        pages = [normalise(p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]
        start = next(i for i, p in enumerate(pages) if "The probes gave" in p)
        end = next(i for i, p in enumerate(pages) if "So far:" in p)
        assert "Source Finding" in pages[end].split("So far:")[1][:40], (filler, pages[end])
        straddled += start < end
    assert straddled


def test_clinician_list_items_are_ragged_right_and_paragraphs_justified(tmp_path, build_spec):
    text = ("Check blood pressure before dosing and again about forty minutes after, per "
            "the label; record it with the time of the dose, the formulation, "
            "electrocardiographic findings and any antihypertensive premedication. ") * 3
    path = build_spec("title: T\naudience: clinician\ntopics: [ours]\nreferences: false\n",
                      libraries=clinic_topic(tmp_path, f"First, {text}\n\n- Second, {text}\n"))
    textpage = pdfium.PdfDocument(path)[0].get_textpage()
    lines: dict[int, list] = {}  # the text runs PDFium finds on each line, by height
    for i in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(i)
        lines.setdefault(round(top), []).append(
            (textpage.get_text_bounded(left, bottom, right, top), right))
    read = [("".join(t for t, _ in runs), max(r for _, r in runs))
            for _, runs in sorted(lines.items(), reverse=True)
            if "".join(t for t, _ in runs).strip() != "\u2022"]  # a bullet sits apart
    starts = [next(i for i, (line, _) in enumerate(read) if word in line)
              for word in ("First,", "Second,")]
    paragraph = [right for _, right in read[starts[0]:starts[1] - 1]]  # its last line aside
    item = [right for _, right in read[starts[1]:starts[1] + len(paragraph)]]
    assert len(paragraph) >= 3, read
    assert max(paragraph) - min(paragraph) < 4, read  # justified (a trailing space aside)
    assert max(item) - min(item) > 12, read  # ragged


def test_no_content_file_says_this_page():
    """Two sections can share a page, so a section never says "This page is about"."""
    from handouts.library.load import BUNDLED

    for path in sorted(BUNDLED.glob("*/*.md")):
        assert "this page" not in path.read_text().lower(), path


def test_a_box_with_a_lead_in_never_breaks_the_page_it_is_on(tmp_path, build_spec):
    """A lead-in ending in ':' inside a warning box (the hypertensive-crisis signs) once
    ended its page after the box: the keep rule, measured inside the box's table cell,
    broke the page. Inside a box a lead-in shares its row with what it introduces."""
    box = ("::: warning\n**Get help right away.** Call if you have any of these:\n\n"
           + "".join(f"- Sign number {n}.\n" for n in range(6)) + ":::\n\n")
    body = "Some words a patient reads here. " * 60 + "\n\n" + box
    body += "\n\n".join("Another paragraph that follows the box. " * 8 for _ in range(8))
    path = build_spec("title: T\ntopics: [ours]\nreferences: false\n",
                      libraries=clinic_topic(tmp_path, body))
    fills = page_fills(path.read_bytes())
    assert min(fills[:-1], default=1) >= MIN_FILL, [f"{f:.0%}" for f in fills]


PACKET_FLOOR = 0.3  # a part ending on a page less full than this lets the next follow on


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("large", [False, True])
@pytest.mark.parametrize("paper", ["letter", "a4"])
@pytest.mark.parametrize("site", ["carlsbad", "lakeside", "mesa", "northfield"])
def test_no_packet_page_between_the_cover_and_the_end_is_almost_empty(site, paper, large,
                                                                       language):
    """Found in a new user's trial: a part spilling one line onto a page of its own (the
    example packet at lakeside, page 6 of 11), and a large-print cover whose last spacer made
    a blank page before the first part. The next part now follows on such a page."""
    from handouts.outputs.packet import PacketOptions, make_packet

    options = BuildOptions(site=site, paper=paper, large_print=large, language=language)
    names = ("ketamine-and-antidepressants", "after-your-first-session", "large-print")
    outputs, _ = make_packet([prepare(SPECS / f"{n}.yaml", options) for n in names], options,
                             PacketOptions(ident="first-visit"))
    fills = page_fills(outputs["pdf"])
    assert min(fills[1:-1]) >= PACKET_FLOOR, [f"{f:.0%}" for f in fills]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("paper", ["letter", "a4"])
@pytest.mark.parametrize("site", ["carlsbad", "lakeside", "mesa", "northfield"])
def test_the_crisis_box_is_on_page_1_of_every_tailored_handout_and_packet(site, paper,
                                                                           language):
    """Found in a clinician's trial: in large print in Spanish the patient block and the
    crisis box did not fit page 1 together, and the box went whole to page 2, leaving page
    1 two-thirds empty. The box now comes first there, the patient block after it."""
    from handouts.outputs.packet import PacketOptions, make_packet

    options = BuildOptions(site=site, paper=paper, large_print=True, language=language)
    title = "Obtenga ayuda ahora" if language == "es" else "Get help now"
    leaflet = prepare(SPECS / "tailored-leaflet.yaml", options)
    pdf, _ = make_pdf(leaflet, options)
    packet, _ = make_packet([leaflet, prepare(SPECS / "large-print.yaml", options)], options,
                            PacketOptions())
    for data in (pdf, packet["pdf"]):
        pages = [normalise(p.extract_text()) for p in PdfReader(io.BytesIO(data)).pages]
        assert title in pages[0]
        assert "Jane Doe" in " ".join(pages[:2])  # the patient block on page 1 or 2
