"""The web form's visit packet: the clinic's standard handouts (specs naming no patient,
read by the server at start) printed after the form's own handout as one packet."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from handouts.doors.serve import jobs
from handouts.doors.serve.form import Order, errors_from
from handouts.doors.serve.offers import Standards
from tests.conftest import normalise

SPECS = Path(__file__).resolve().parents[2] / "specs"
SITES = SPECS / "sites"


@pytest.fixture(scope="module")
def standards() -> Standards:
    found, problems = Standards.read(SPECS)
    assert problems == []
    return found


def _order(standards: Standards, *ids: str, site: str = "lakeside", **fields) -> Order:
    return Order(site=site, site_path=SITES / f"{site}.yaml", name="Ana Ruiz",
                 medicines_text="Zoloft 50 mg daily", packet=ids,
                 packet_specs=tuple((standards.entries[i].title, standards.entries[i].path)
                                    for i in ids), **fields)


def _pages(pdf: bytes) -> list[str]:
    return [normalise(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_examples_offered_are_the_specs_that_name_no_patient_patients_first(standards):
    offered = [(ident, s.audience) for ident, s in standards.entries.items()]
    assert "tailored-leaflet" not in standards.entries  # it names Jane Doe
    assert {ident for ident, _ in offered} == {
        p.stem for p in SPECS.glob("*.yaml") if p.stem != "tailored-leaflet"
        and "packet:" not in p.read_text(encoding="utf-8")}
    audiences = [audience for _, audience in offered]
    assert audiences == sorted(audiences, key=lambda a: a != "patient")


def test_a_broken_spec_or_a_packet_file_is_not_offered_and_the_broken_one_is_named(tmp_path):
    for name in ("large-print.yaml", "tailored-leaflet.yaml"):
        shutil.copy(SPECS / name, tmp_path)
    (tmp_path / "broken.yaml").write_text("title: Broken\naudience: patient\ntopics: [nope]\n",
                                          encoding="utf-8")
    (tmp_path / "first-visit.yaml").write_text("packet:\n  specs: [large-print.yaml]\n",
                                               encoding="utf-8")
    found, problems = Standards.read(tmp_path)
    assert list(found.entries) == ["large-print"]
    assert [(Path(p.file).name, p.line, p.field) for p in problems] == \
        [("broken.yaml", 3, "topics entry 1")]
    assert Standards.read(tmp_path / "missing") == (Standards({}), [])


def test_the_packet_is_the_forms_handout_then_each_standard_one_in_the_forms_clinic(
        standards):
    outcome = jobs.handout(_order(standards, "large-print", "ketamine-and-antidepressants"))
    assert not outcome.problems, outcome.problems
    pages = _pages(outcome.pdf)
    cover, rest = pages[0], " ".join(pages[1:])
    assert cover.startswith("Lakeside Behavioral Health Your visit packet Prepared for "
                            "Ana Ruiz")
    titles = ["Your ketamine treatment and your medicines",
              "Ketamine treatment, in large print",
              "Ketamine treatment and your antidepressant"]
    listed = [int(cover.split(f"{title} ", 1)[1].split()[0]) for title in titles]
    assert listed[0] == 2 and listed == sorted(listed)  # the order ticked, after the form's
    for title, page in zip(titles, listed, strict=True):
        assert f"{title} " in pages[page - 1]  # on its page (at its top, or after a few
        # lines the handout before spilled onto it)
    assert "sertraline 50 mg: SSRI or SNRI antidepressant" in cover  # the medicines, once
    assert "Carlsbad" not in cover + rest  # the standard specs name Carlsbad
    assert "Ana Ruiz" not in rest and cover.count("Get help now") == 1
    assert "Get help now" not in rest


def test_a_spanish_packet_has_its_standard_handouts_in_spanish(standards):
    outcome = jobs.handout(_order(standards, "ketamine-and-antidepressants", language="es"))
    assert not outcome.problems, outcome.problems
    text = " ".join(_pages(outcome.pdf))
    assert "El tratamiento con ketamina y su antidepresivo" in text  # its own Spanish title
    assert "Preparado para Ana Ruiz" in text and "Ketamine treatment and" not in text


def test_the_twin_and_the_check_are_of_the_packet(standards):
    order = _order(standards, "ketamine-and-antidepressants")
    twin = jobs.twin(order)
    assert not twin.problems and twin.html.count(b"<h1") >= 2
    assert b"Ketamine treatment and your antidepressant" in twin.html
    check = jobs.check(order)
    alone = jobs.check(_order(standards))
    assert not check.problems and check.rows == alone.rows  # the form's medicines only
    assert check.preview != alone.preview  # page 1 is the packet's cover


def test_a_packet_from_the_form_has_no_qr_code_nor_does_its_handout(standards):
    """Mesa's site has a web copy pattern, but nothing from the form is published: a QR code
    would point at a page that does not exist."""
    order = _order(standards, "ketamine-and-antidepressants", site="mesa")
    for outcome in (jobs.handout(order), jobs.handout(Order(
            site="mesa", site_path=SITES / "mesa.yaml"))):
        assert not outcome.problems
        assert b"mesaverde-health.example.org/handouts" not in outcome.pdf
        assert "phone" not in " ".join(_pages(outcome.pdf)).split("Get help now")[-1][-400:]


def test_a_clinicians_handout_in_a_patients_packet_is_said_on_the_packet_field(standards):
    outcome = jobs.handout(_order(standards, "ketamine-and-antidepressants",
                                  "clinician-summary"))
    errors = errors_from(outcome.problems)
    assert [(i.field, i.text) for i in errors.items] == [(
        "packet", "Visit packet: “Ketamine and esketamine with co-prescribed psychiatric "
        "medicines”: the audience differs from this handout's; untick it")]
    assert outcome.pdf is None


def test_a_standard_spec_that_broke_after_start_is_said_without_its_path(tmp_path,
                                                                          standards):
    spec = tmp_path / "large-print.yaml"
    shutil.copy(SPECS / "large-print.yaml", spec)
    order = _order(standards, "large-print")
    spec.write_text("title: x\naudience: patient\ntopics: [gone]\n", encoding="utf-8")
    order = Order(**{**order.__dict__, "packet_specs": (("Large print", spec),)})
    outcome = jobs.handout(order)
    texts = [i.text for i in errors_from(outcome.problems).items]
    assert len(texts) == 1 and texts[0].startswith("Visit packet: “Large print”: ")
    assert str(tmp_path) not in texts[0] and "tell whoever runs this service" in texts[0]
