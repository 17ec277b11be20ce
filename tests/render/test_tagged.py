"""Tagged PDF (PDF/UA-1): every example in every audience, paper and print size passes the
`pdfua` checker and our own checks, and reads in the Document's order (read by PDFium
for all of them, and by poppler for some)."""

from __future__ import annotations

import io
import re
from concurrent.futures import ThreadPoolExecutor

import pikepdf
import pypdfium2 as pdfium
import pytest

from handouts.render.pdf import prepare_layout, render
from handouts.render.wording import metadata_title as _metadata_title
from tests.conftest import pdf_text
from tests.matrix import NAMES, documents
from tests.tagcheck import (
    content_problems,
    first_order,
    reading_order,
    reading_order_problems,
    struct_text,
    structure_problems,
    tree_text,
    words_split_by_a_hyphen,
)


@pytest.fixture(scope="module")
def tagged(tmp_path_factory):
    """name -> path of its tagged PDF, rendered when first asked for."""
    folder, made = tmp_path_factory.mktemp("tagged"), {}

    def get(name: str):
        if name not in made:
            made[name] = folder / f"{name}.pdf"
            made[name].write_bytes(render(documents()[name]))
        return made[name]
    return get


# Poppler reads the page again for every MCID (seconds for a long handout), so it reads
# two variants of each spec, between them both audiences, papers and print sizes, in
# background processes while the other checks run.
POPPLER = [n for n in NAMES if n.endswith(("-patient-letter-standard", "-clinician-a4-large"))]


@pytest.fixture(scope="module")
def poppler(tagged):
    """name -> what `pdfinfo -struct-text` reads from its PDF."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(struct_text, tagged(name)) for name in POPPLER}
        yield lambda name: futures[name].result()


@pytest.mark.usefixtures("poppler")  # poppler starts reading while these run
@pytest.mark.parametrize("name", NAMES)
def test_every_variant_is_tagged_pdf_ua(tagged, name):
    import pdfua

    path = tagged(name)
    report = pdfua.validate(str(path))
    assert [(f.rule_id, f.message) for f in report.findings] == []
    assert [(o.rule_id, o.skipped_reason) for o in report.outcomes if o.skipped_reason] == []
    assert content_problems(path) == []
    assert structure_problems(path) == []
    read = tree_text(path)
    assert reading_order_problems(read, reading_order(documents()[name])) == []
    assert words_split_by_a_hyphen(read) == []


@pytest.mark.parametrize("name", POPPLER)
def test_poppler_reads_the_tree_in_the_documents_order(poppler, name):
    """... with the clinic's phone number in it, and no word split by a hyphen (what
    `pdfinfo -struct-text` shows)."""
    read = poppler(name)
    assert reading_order_problems(read, reading_order(documents()[name])) == []
    phone = re.sub(r"\s+", " ", documents()[name].brand.contact.phone)  # kept on one line
    assert phone in re.sub(r"\s+", " ", "".join(read))
    assert words_split_by_a_hyphen(read) == []


def _pixels(data: bytes) -> list[bytes]:
    pdf = pdfium.PdfDocument(data)
    return [page.render(scale=0.8).to_pil().tobytes() for page in pdf]


@pytest.mark.parametrize("name", [
    "tailored-leaflet-clinician-letter-standard", "everything-patient-patient-a4-large",
    "clinician-summary-clinician-a4-standard"])
def test_tagging_changes_nothing_on_the_page(name):
    document = documents()[name]
    plain = prepare_layout(document, tagged=False).build()
    assert _pixels(render(document)) == _pixels(plain)


def test_same_document_same_tagged_bytes():
    document = documents()["tailored-leaflet-patient-letter-standard"]
    assert render(document) == render(document)


def test_logo_is_a_figure_named_for_the_clinic_and_page_numbers_are_not_read(tagged):
    path = tagged("ketamine-and-antidepressants-patient-letter-standard")
    with pikepdf.open(path) as pdf:
        first = pdf.Root.StructTreeRoot.K[0].K[0]
        assert (str(first.S), str(first.Alt)) == ("/Figure", "Carlsbad Mood & Ketamine Clinic")
    read = " ".join(struct_text(path))
    assert "Page 1 of" in pdf_text(path) and "Page 1 of" not in read
    assert read.count("Content reviewed") == 1  # page 1's footer (tests/render/test_accessible)


def test_without_a_logo_the_clinic_name_is_read_first(build_spec):
    path = build_spec("title: Before your visit\ntopics: [side-effects]\n")
    read = [text.strip() for text in struct_text(path)]
    assert read[:2] == ["Ketamine treatment information", "Before your visit"]


def test_a_table_header_repeated_on_a_new_page_is_read_once(build_spec):
    meds = ", ".join(f"sertraline {n} mg" for n in range(10, 70))
    path = build_spec(f"title: T\ntopics: [side-effects]\npatient:\n  medications: [{meds}]\n")
    assert pdf_text(path).count("What it is") >= 2  # printed on each page of the table
    assert [text.strip() for text in struct_text(path)].count("What it is") == 1
    assert structure_problems(path) == [] and content_problems(path) == []


def test_links_are_tagged_annotations_described_by_their_text(tmp_path, build_spec):
    library = tmp_path / "lib"
    (library / "topics").mkdir(parents=True)
    (library / "topics" / "our-clinic.md").write_text(
        "---\nid: our-clinic\ntitle: Our clinic\nreviewed: 2026-11-01\n---\n"
        "Read [our parking guide](https://example.org/parking) before you come.\n")
    path = build_spec("title: T\ntopics: [our-clinic]\nreferences: false\n",
                      libraries=(library,))
    with pikepdf.open(path) as pdf:
        annots = [a for page in pdf.pages for a in page.get("/Annots") or []]
        ours = [a for a in annots if str(a.A.URI) == "https://example.org/parking"]
        assert [str(a.Contents) for a in ours] == ["our parking guide"]
    assert structure_problems(path) == []
    read = [text.strip() for text in struct_text(path)]
    assert read[read.index("our parking guide") - 1:][:3] == [
        "Read", "our parking guide", "before you come."]  # the link's text is its own


def test_metadata_title_is_the_one_for_the_info_dictionary_and_never_the_patient(build_spec):
    path = build_spec("title: Ketamine and you, Maria\ntopics: [side-effects]\n"
                      "patient:\n  name: Maria Lopez\n")
    with pikepdf.open(path) as pdf, pdf.open_metadata() as meta:
        assert meta["dc:title"] == str(pdf.docinfo.Title)
        xmp = str(pdf.Root.Metadata.read_bytes(), "utf-8")
    assert "Maria" not in xmp and "Lopez" not in xmp
    document = documents()["tailored-leaflet-patient-letter-standard"]
    with pikepdf.open(io.BytesIO(render(document))) as pdf, \
            pdf.open_metadata() as meta:
        assert meta["dc:title"] == _metadata_title(document)
        assert meta["pdfuaid:part"] == "1"


def test_the_checks_find_what_is_missing_from_an_untagged_pdf(tmp_path):
    document = documents()["tailored-leaflet-patient-letter-standard"]
    path = tmp_path / "untagged.pdf"
    path.write_bytes(prepare_layout(document, tagged=False).build())
    assert any("outside marked content" in p for p in content_problems(path))
    assert "no StructTreeRoot" in structure_problems(path)
    leaves = reading_order(document)
    read = first_order(leaves)
    assert reading_order_problems(read, leaves) == []
    read[3], read[4] = read[4], read[3]
    assert reading_order_problems(read, leaves) != []



def test_a_link_that_runs_onto_the_next_page_stays_one_link(tmp_path, build_spec):
    library = tmp_path / "lib"
    (library / "topics").mkdir(parents=True)
    words = " ".join(["our parking and transport guide"] * 160)
    (library / "topics" / "our-clinic.md").write_text(
        "---\nid: our-clinic\ntitle: Our clinic\nreviewed: 2026-11-01\n---\n"
        f"Before you come, read [{words}](https://example.org/parking) and then rest.\n")
    path = build_spec("title: T\ntopics: [our-clinic]\nreferences: false\n",
                      libraries=(library,))
    assert structure_problems(path) == [] and content_problems(path) == []
    with pikepdf.open(path) as pdf:
        pages = {page.objgen: i for i, page in enumerate(pdf.pages)}
        links = [e for e in _elements(pdf.Root.StructTreeRoot.K) if str(e.S) == "/Link"]
        assert len(links) == 1
        kids = list(links[0].K)
        annotated = {pages[k.Pg.objgen] for k in kids if isinstance(k, pikepdf.Dictionary)
                     and k.get("/Type") == "/OBJR"}
        assert len(annotated) >= 2  # an annotation for its part on each page
        assert any(isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/MCR"
                   for k in kids)  # and its text on the next page
    read = "".join(tree_text(path))
    assert read.count("our parking and transport guide") == 160


def _elements(kids):
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") not in ("/MCR", "/OBJR"):
            yield kid
            if "/K" in kid:
                yield from _elements(kid.K)


def test_a_passage_in_another_language_is_marked_in_the_pdf_and_the_twin(tmp_path):
    """A clinic's Spanish topic: its Sect carries /Lang es in the tagged PDF and its
    <section> lang="es" in the HTML twin; a Spanish footer note is lang="es" in the twin
    (and /Lang es in the PDF's tagged footer, tests/render/test_accessible). The English
    sections declare nothing of their own."""
    from handouts.outputs.build import BuildOptions, build

    (tmp_path / "ours" / "topics").mkdir(parents=True)
    (tmp_path / "ours" / "topics" / "en-espanol.md").write_text(
        "---\nid: en-espanol\ntitle: Cómo llegar a la clínica\nreviewed: 2026-11-01\n"
        "language: es\n---\n::: patient\nTome el autobús 14 hasta la calle Pine.\n:::\n",
        encoding="utf-8")
    (tmp_path / "site.yaml").write_text(
        "name: Pine Street Clinic\nlibrary: [ours]\n"
        "footer_note: Se habla español.\nfooter_note_language: es\n", encoding="utf-8")
    spec = tmp_path / "s.yaml"
    spec.write_text("title: T\nsite: site.yaml\ntopics: [side-effects, en-espanol]\n")
    result = build(spec, BuildOptions(out_dir=tmp_path / "o", formats=("pdf", "html")))
    with pikepdf.open(result.path) as pdf:
        assert str(pdf.Root.Lang) == "en"
        sects = [str(e.get("/Lang", "")) for e in _elements(pdf.Root.StructTreeRoot.K)
                 if e.get("/S") == "/Sect"]
    assert sects == ["", "es", ""]  # side effects, the Spanish topic, the references
    html = (tmp_path / "o" / "s.html").read_text(encoding="utf-8")
    assert '<section id="section-en-espanol" lang="es"' in html
    assert '<span lang="es">Se habla español.</span>' in html
    assert html.count('lang="es"') == 2

