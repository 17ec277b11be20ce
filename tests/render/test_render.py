"""PDF output, checked as a reader sees it: text, fonts, boxes, sizes, metadata."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from handouts.library.load import open_library
from handouts.outputs.build import BuildOptions
from tests.conftest import SPECS, build_example, compact, pdf_text, raw_text
from tests.pdfcheck import (
    STANDARD_14,
    char_boxes,
    font_sizes,
    fonts,
    image_count,
    page_texts,
    structural_problems,
)

SITE = SPECS / "sites" / "carlsbad.yaml"
INJECTION = 'Jane <img src="/etc/hostname"/> & <b>Co'


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    """Every example spec, and the packet file as its packet, built once for this module."""
    out = tmp_path_factory.mktemp("examples")
    return {p.stem: build_example(p, BuildOptions(out_dir=out)).path
            for p in sorted(SPECS.glob("*.yaml"))}


def test_nothing_is_printed_within_half_an_inch_of_the_edge(examples):
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    safe = 0.5 * 72 - 0.5
    for path in examples.values():
        pdf = pdfium.PdfDocument(str(path))
        for page in pdf:
            width, height = page.get_width(), page.get_height()
            text = page.get_textpage()
            boxes = [text.get_charbox(i) for i in range(text.count_chars())]
            boxes += [obj.get_bounds() for obj in page.get_objects(
                filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_PATH])]
            for left, bottom, right, top in boxes:
                if right - left <= 0:  # spaces and empty runs have no ink
                    continue
                assert safe <= left and right <= width - safe, (path.name, left, right)
                assert safe <= bottom and top <= height - safe, (path.name, bottom, top)


def test_every_example_passes_the_structural_check(examples):
    for path in examples.values():
        assert structural_problems(path) == [], path.name


def test_standard_handout_reads_right(examples):
    path = examples["ketamine-and-antidepressants"]
    text = pdf_text(path)
    library = open_library()
    assert "Ketamine treatment and your antidepressant" in text
    assert "What to know before your first session" in text
    for ident in ("ketamine-basics", "what-to-expect", "side-effects", "ssri-snri"):
        assert library.section(ident).front.title in text
    assert "Carlsbad Mood & Ketamine Clinic" in text
    assert "(760) 555-0142" in text
    assert "Content reviewed" in text
    pages = len(PdfReader(path).pages)
    assert 2 <= pages <= 5
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text


def test_safety_box_on_patient_handouts(examples):
    for name in ("ketamine-and-antidepressants", "tailored-leaflet"):
        text = pdf_text(examples[name])
        assert "Get help now" in text
        assert "call or text 988" in text
        assert "call 911 or go to the nearest emergency room" in text


def test_site_crisis_line_replaces_nothing_but_adds(build_spec):
    site = SPECS / "sites" / "northfield.yaml"
    text = pdf_text(build_spec("title: T\ntopics: [side-effects]\n", site=str(site)))
    assert "call 555-0111 (Northfield crisis team, 24 hours), or call or text 988" in text


def test_no_spec_can_remove_the_safety_box(build_spec):
    text = pdf_text(build_spec("title: T\ntopics: [benefits]\nreferences: false\n"))
    assert "Get help now" in text and "988" in text


def test_references_are_numbered_in_order_of_first_use(examples):
    path = examples["ketamine-and-antidepressants"]
    text = pdf_text(path)
    assert "References" in text
    refs = text[text.rindex("References"):]
    numbers = [int(n) for n in __import__("re").findall(r"(?:^| )(\d{1,2})\. [A-Z]", refs)]
    assert numbers[:5] == [1, 2, 3, 4, 5]
    assert "doi:10." in refs
    # the safety box comes first, then the first citation of the first section
    assert compact("1. Substance Abuse and Mental Health Services Administration") \
        in compact(refs)
    library = open_library()
    second = library.references[_first_cited_key(library, ["ketamine-basics"])]
    assert compact(f"2. {second['author'][0]['family']}") in compact(refs)


def _first_cited_key(library, ids):
    from handouts.assemble.handout import _for_audience
    from handouts.library.check import cites

    for ident in ids:
        for cite in cites(_for_audience(library.section(ident).blocks, "patient")):
            return cite.keys[0]


def test_tailored_leaflet_names_the_patient_and_their_medicines(examples):
    path = examples["tailored-leaflet"]
    text = pdf_text(path)
    assert "Prepared for Jane Doe" in text
    assert "Prepared by Dr. A. Rivera" in text
    assert "November 20, 2026" in text
    assert "Your medicines" in text
    assert "Zoloft 50 mg daily sertraline 50 mg: SSRI or SNRI antidepressant" in text
    assert "Ativan 0.5 mg prn lorazepam 0.5 mg: benzodiazepine or sleeping pill" in text
    assert "lisinopril 10 mg lisinopril 10 mg: not covered in this handout. Your care team " \
        "will check it." in text


def test_medicines_table_points_to_the_right_page(examples):
    path = examples["tailored-leaflet"]
    pages = page_texts(path)
    title = open_library().section("ssri-snri").front.title
    section_page = next(i for i, t in enumerate(pages, 1) if title in t)
    assert f"Zoloft 50 mg daily sertraline 50 mg: SSRI or SNRI antidepressant {section_page}" \
        in pages[0]


def test_every_font_is_embedded_and_subset_and_none_is_standard_14(examples):
    for path in examples.values():
        found = fonts(path)
        assert found, path
        for name, embedded in found.items():
            assert embedded, f"{path.name}: {name} is not embedded"
            assert "+" in name, f"{path.name}: {name} is not subset"
            assert not any(s in name for s in STANDARD_14), f"{path.name}: {name}"


def test_markup_in_user_text_is_printed_literally(build_spec):
    path = build_spec(f"""\
        title: '{INJECTION}'
        subtitle: '<font color="red">x</font> <a href="file:///etc/passwd">y</a>'
        topics: [side-effects]
        patient:
          name: '{INJECTION}'
          prepared_by: '<br/><i>Dr</i> & Co'
        """)
    text = pdf_text(path)
    assert text.count(INJECTION) == 2  # the title and "Prepared for"
    assert '<font color="red">x</font> <a href="file:///etc/passwd">y</a>' in text
    assert "<br/><i>Dr</i> & Co" in text
    assert image_count(path) == 0


def test_metadata_has_title_subject_language_and_never_the_patient(examples, build_spec):
    meta = PdfReader(examples["tailored-leaflet"]).metadata
    # tailored: a fixed title, never words of the spec's own title
    assert meta.title == "Patient handout: ketamine and esketamine treatment for depression"
    assert "Patient handout" in meta.subject
    standard = PdfReader(examples["ketamine-and-antidepressants"]).metadata
    assert standard.title == "Ketamine treatment and your antidepressant"
    root = PdfReader(examples["tailored-leaflet"]).trailer["/Root"]
    assert root["/Lang"] == "en"
    values = " ".join(str(v) for v in meta.values())
    assert "Jane" not in values and "Doe" not in values
    # a title that contains the patient's name is not copied into the metadata
    path = build_spec("title: Ketamine and you, Maria\ntopics: [side-effects]\n"
                      "patient:\n  name: Maria Lopez\n")
    meta = PdfReader(path).metadata
    assert "Maria" not in " ".join(str(v) for v in meta.values())


def test_paper_sizes(examples, build_spec):
    letter = PdfReader(examples["ketamine-and-antidepressants"]).pages[0].mediabox
    assert (round(letter.width), round(letter.height)) == (612, 792)
    a4 = PdfReader(examples["clinician-summary"]).pages[0].mediabox
    assert (round(a4.width), round(a4.height)) == (595, 842)
    path = build_spec("title: T\ntopics: [side-effects]\n", paper="a4")
    assert round(PdfReader(path).pages[0].mediabox.height) == 842


@pytest.mark.parametrize(("audience", "large", "size"), [
    ("patient", False, 12), ("clinician", False, 10), ("patient", True, 18),
    ("clinician", True, 18)])
def test_body_type_sizes(tmp_path, build_spec, audience, large, size):
    library = tmp_path / "lib"
    library.mkdir()
    prose = "Please arrive fifteen minutes early and bring your list of medicines. " * 40
    (library / "prose.md").write_text("---\nid: prose\ntitle: Prose\nreviewed: 2026-11-01\n"
                                      f"---\n{prose}\n\n{prose}\n")
    path = build_spec(f"title: T\naudience: {audience}\nlarge_print: {large}\n"
                      "topics: [prose]\nreferences: false\n", libraries=(library,))
    assert font_sizes(path, first_pages=2).most_common(1)[0][0] == size


LONG_URL = ("https://carlsbad-mood.example.org/patients/guides/ketamine/before-your-first-"
            "session/checklist-and-directions-to-the-clinic-parking-structure-level-2.html")


@pytest.mark.parametrize("audience", ["patient", "clinician"])
def test_long_urls_and_words_stay_in_their_column(tmp_path, build_spec, audience):
    library = tmp_path / "lib"
    (library / "topics").mkdir(parents=True)
    (library / "topics" / "our-clinic.md").write_text(
        "---\nid: our-clinic\ntitle: Our clinic\nreviewed: 2026-11-01\n---\n"
        f"Read our guide at {LONG_URL} before you come.\n\n"
        f"Or tap [{LONG_URL}]({LONG_URL}) on your phone.\n\n"
        f"| Where | Link |\n|---|---|\n| Parking | {LONG_URL} |\n\n"
        "A" + "verylongword" * 12 + " ends here.\n")
    path = build_spec(f"title: URLs\naudience: {audience}\ntopics: [our-clinic]\n",
                      libraries=(library,))
    text = compact(raw_text(path))  # line breaks removed, real hyphens kept
    assert text.count(LONG_URL) == 3  # whole, with no hyphen added
    for page, width, left, right in char_boxes(path):
        assert left >= 0.5 * 72 - 1 and right <= width - 0.5 * 72 + 1, (page, left, right)


def test_layout_caches_never_change_a_handout(tmp_path):
    """Line breaking and markup parsing are remembered across handouts in a process; the
    bytes must be those of a build with nothing remembered, whatever was built before
    (another clinic's colours, another audience, large print)."""
    from handouts.outputs.build import BuildOptions, make_pdf, prepare
    from handouts.render import tagged

    def pdf(spec: str, site: str | None = None, **kw) -> bytes:
        options = BuildOptions(site=str(SPECS / "sites" / f"{site}.yaml") if site else None,
                               **kw)
        return make_pdf(prepare(SPECS / spec, options), options)[0]

    tagged.CACHING["on"] = False
    try:
        fresh = pdf("tailored-leaflet.yaml", "carlsbad")
        fresh_large = pdf("clinician-summary.yaml", "northfield", large_print=True)
    finally:
        tagged.CACHING["on"] = True
    for spec, site in (("tailored-leaflet.yaml", "mesa"), ("everything-patient.yaml", None),
                       ("clinician-summary.yaml", "northfield"), ("large-print.yaml", "lakeside")):
        pdf(spec, site)
    assert pdf("tailored-leaflet.yaml", "carlsbad") == fresh
    assert pdf("clinician-summary.yaml", "northfield", large_print=True) == fresh_large


def test_another_patients_handout_reuses_the_sections_layout():
    """Tagged markup names a link or citation by its place after its own paragraph's
    node, so a section reads the same whatever came before it (here a longer medicines
    table, so more structure elements): another patient's handout finds its paragraphs
    parsed, and its bytes are those of a build with nothing remembered."""
    from handouts.outputs.build import BuildOptions, make_pdf, prepare
    from handouts.render import tagged

    def pdf(*meds: str) -> bytes:
        options = BuildOptions(site=str(SPECS / "sites" / "carlsbad.yaml"), medications=meds)
        return make_pdf(prepare(SPECS / "tailored-leaflet.yaml", options), options)[0]

    tagged.CACHING["on"] = False
    try:
        fresh = pdf("lithium 300 mg", "quetiapine 50 mg")
    finally:
        tagged.CACHING["on"] = True
    pdf()
    parsed = set(tagged._PARSED)
    assert pdf("lithium 300 mg", "quetiapine 50 mg") == fresh
    new = [key for key in tagged._PARSED if key not in parsed]
    # only this patient's own paragraphs are new: the medicines table's cells, the
    # sections about the added medicines and the references they cite
    assert len(new) < len(parsed) // 2, (len(new), len(parsed))
