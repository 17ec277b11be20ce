"""`handouts check`: the shipped library passes; each kind of fault is found and placed."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from handouts.doors.cli import main
from handouts.inputs.yamlio import parse
from handouts.library.check import check_library, due_date, issued_date
from handouts.library.load import Library, open_library
from tests.conftest import SPECS

TODAY = dt.date(2026, 12, 1)
TOPICS = ["ketamine-basics", "how-it-works", "benefits", "what-to-expect", "side-effects",
          "how-long-it-lasts", "combining-treatments", "psychotherapy", "safety-and-monitoring",
          "cost-and-access", "research-outlook"]
SECTIONS = ["ssri-snri", "other-antidepressants", "maoi", "lithium", "mood-stabilizers",
            "antipsychotics", "benzodiazepines", "stimulants", "opioids", "sedatives",
            "nmda-medicines", "nasal-sprays"]


def test_the_catalogue_is_the_public_contract():
    library = open_library()
    assert library.topic_ids == TOPICS
    assert library.comedication_ids == SECTIONS


def test_shipped_library_and_sites_pass_strict_check():
    result = CliRunner().invoke(main, ["check", "--strict", "--sites", str(SPECS / "sites")])
    assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings" in result.output
    assert "Reading grade of patient passages" in result.output


def test_check_warns_about_what_a_strict_build_refuses(tmp_path):
    """A name not recognised warns in check as in build; a known medicine no section covers
    (the tailored example's lisinopril) does not."""
    result = CliRunner().invoke(main, ["check", *map(str, sorted(SPECS.glob("*.yaml")))])
    assert result.exit_code == 0
    assert "0 errors, 0 warnings" in result.output
    spec = tmp_path / "t.yaml"
    spec.write_text("title: T\ntopics: [side-effects]\npatient:\n  medications:\n"
                    "    - lisinopril 10 mg\n    - Xyzzy 5 mg\n")
    result = CliRunner().invoke(main, ["check", str(spec)])
    assert "t.yaml:6: warning: patient.medications entry 2: medicine not recognised" \
        in result.output
    assert "Xyzzy" not in result.output
    strict = CliRunner().invoke(main, ["check", "--strict", str(spec)])
    assert strict.exit_code == 1


def test_no_patient_passage_is_above_grade_8_and_most_are_at_6_or_below():
    report = check_library(open_library(), TODAY)
    grades = [g.grade for g in report.grades]
    assert len(grades) >= 20
    assert max(grades) <= 8
    assert sum(g <= 6.5 for g in grades) >= len(grades) * 0.6


def test_drug_table_is_large_and_maps_to_real_sections():
    library = open_library()
    names = library.drug_names()
    assert len(names) >= 120
    assert set(names.values()) == set(SECTIONS)


def clinic(tmp_path, name: str, body: str, reviewed: str = "2026-11-01") -> Library:
    (tmp_path / "topics").mkdir(exist_ok=True)
    (tmp_path / "topics" / f"{name}.md").write_text(
        f"---\nid: {name}\ntitle: Our clinic\nreviewed: {reviewed}\n---\n{body}")
    return Library((tmp_path,))


def messages(library: Library) -> list[str]:
    return [str(p) for p in check_library(library, TODAY).problems]


def test_unknown_citation_is_placed(tmp_path):
    library = clinic(tmp_path, "our-clinic", "::: patient\nHi [@nobody2099].\n:::\n"
                     "::: clinician\nHi.\n:::\n")
    [found] = [m for m in messages(library) if "nobody2099" in m]
    assert found.endswith("topics/our-clinic.md:7: unknown citation key '@nobody2099'; "
                          "add it to references.yaml or fix the key")


def test_hard_patient_text_is_an_error(tmp_path):
    hard = ("Pharmacodynamic interactions between ketamine and concomitant psychotropic "
            "medications remain incompletely characterised notwithstanding considerable "
            "methodological heterogeneity across investigations. ")
    library = clinic(tmp_path, "our-clinic", f"::: patient\n{hard}\n:::\n::: clinician\nX.\n:::\n")
    [found] = [m for m in messages(library) if "reads at grade" in m]
    assert "topics/our-clinic.md:6: patient passage reads at grade" in found


def test_overdue_review_is_a_warning(tmp_path):
    library = clinic(tmp_path, "our-clinic", "::: patient\nCome early.\n:::\n"
                     "::: clinician\nX.\n:::\n", reviewed="2024-01-01")
    report = check_library(library, TODAY)
    [warning] = [p for p in report.warnings if "our-clinic" in (p.file or "")]
    assert warning.message == "review was due on 2025-01-01"
    result = CliRunner().invoke(main, ["check", "--strict"])  # bundled library only
    assert result.exit_code == 0


def test_missing_audience_passage(tmp_path):
    library = clinic(tmp_path, "our-clinic", "::: patient\nCome early.\n:::\n")
    assert any("no clinician passage" in m for m in messages(library))


def test_reference_problems(monkeypatch):
    library = Library()
    refs = dict(library.references)
    refs["ghost2020"] = {"id": "ghost2020", "type": "article-journal", "title": "No ids"}
    library.__dict__["references"] = refs
    found = messages(library)
    assert any("reference 'ghost2020' is never cited" in m for m in found)
    assert any("reference 'ghost2020' has no DOI, PMID or URL" in m for m in found)


def test_drug_table_problems():
    library = Library()
    library.__dict__["_drugs_doc"] = parse(
        "sections:\n  ssri-snri: [sertraline, sertraline, Zoloft]\n  vitamins: [ergocalciferol]\n"
        "treatment: [ketamine]\nnames:\n  Zoloft: [sertraline]\n  Newbrand: [notadrug]\n",
        "drugs.yaml")
    found = messages(library)
    assert any("drugs.yaml:2: 'sertraline' is mapped twice" in m for m in found)
    assert any("ingredient 'Zoloft' is not in the vocabulary" in m for m in found)
    assert any("section 'vitamins' does not exist" in m for m in found)
    assert any("'Zoloft' is already in the vocabulary" in m for m in found)
    assert any("ingredient 'notadrug' is not in the vocabulary" in m for m in found)
    assert any("no ingredients map to 'opioids'" in m for m in found)


def test_every_mapped_ingredient_is_in_the_vocabulary():
    library = open_library()
    problems = [m for m in messages(library) if "vocabulary" in m]
    assert problems == []
    routes = library.drug_routes()
    for ingredient, section in library.drug_names().items():
        if section in routes:  # a route-bound section needs its route ("nasal spray")
            assert library.drugs.recognise(ingredient).sections == (), ingredient
            ingredient = f"{ingredient} {routes[section].words[0]} spray"
        assert library.drugs.recognise(ingredient).sections == (section,), ingredient


@pytest.mark.parametrize(("reviewed", "months", "due"), [
    (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)), (dt.date(2024, 2, 29), 12,
                                                       dt.date(2025, 2, 28)),
    (dt.date(2026, 11, 1), 12, dt.date(2027, 11, 1)), (dt.date(2026, 6, 15), 18,
                                                       dt.date(2027, 12, 15))])
def test_due_date(reviewed, months, due):
    assert due_date(reviewed, months) == due


@pytest.mark.parametrize("audience", ["patient", "clinician"])
def test_every_topic_and_section_builds(build_spec, audience):
    from tests.conftest import pdf_text
    library = open_library()
    path = build_spec(f"title: Everything\naudience: {audience}\ntopics: [{', '.join(TOPICS)}]\n"
                      f"comedications: [{', '.join(SECTIONS)}]\n")
    text = pdf_text(path)
    for ident in TOPICS + SECTIONS:
        assert library.section(ident).front.title in text


LABEL_BODY = "::: patient\nStay for 2 hours [@spravato_label].\n:::\n::: clinician\nX.\n:::\n"


def test_the_shipped_label_is_a_dated_drug_label():
    entry = open_library().references["spravato_label"]
    assert entry["drug-label"] is True
    assert issued_date(entry) == dt.date(2026, 3, 13)


def test_content_reviewed_before_the_label_was_issued_is_a_warning(tmp_path):
    library = clinic(tmp_path, "our-clinic", LABEL_BODY, reviewed="2026-03-12")
    [warning] = [p for p in check_library(library, TODAY).warnings
                 if "our-clinic" in (p.file or "") and "drug label" in p.message]
    assert str(warning).endswith(
        "topics/our-clinic.md:4: warning: reviewed: 2026-03-12 is before drug label "
        "'spravato_label' was issued (2026-03-13); review the content against the current "
        "label, then update 'reviewed'")
    strict = CliRunner().invoke(main, ["check", "--strict", "--library", str(tmp_path)])
    assert strict.exit_code == 1
    assert "is before drug label 'spravato_label' was issued" in strict.output


def test_content_reviewed_on_the_day_the_label_was_issued_passes(tmp_path):
    library = clinic(tmp_path, "our-clinic", LABEL_BODY, reviewed="2026-03-13")
    assert not [m for m in messages(library) if "drug label" in m]


def test_a_drug_label_needs_its_full_issued_date():
    library = Library()
    refs = dict(library.references)
    refs["spravato_label"] = refs["spravato_label"] | {"issued": {"date-parts": [[2026]]}}
    library.__dict__["references"] = refs
    [found] = [m for m in messages(library) if "no full issued date" in m]
    assert "warning: issued: drug label 'spravato_label' has no full issued date" in found
