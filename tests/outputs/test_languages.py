"""Choosing a handout's language: the spec's, its site's, --language; a batch in several
languages, each output named by its language; clinician handouts in English only."""

from __future__ import annotations

import shutil

from click.testing import CliRunner

from handouts.doors.cli import main
from tests.conftest import SPECS, pdf_text


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_language_option_builds_the_spanish_twin_and_names_the_file(tmp_path):
    result = run("build", str(SPECS / "ketamine-and-antidepressants.yaml"), "--language", "es",
                 "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    text = pdf_text(tmp_path / "ketamine-and-antidepressants-es.pdf")
    assert "El tratamiento con ketamina y su antidepresivo" in text  # translations: es
    assert "Ketamina y Spravato: lo básico" in text  # each section's Spanish twin
    assert "Ketamina con antidepresivos ISRS e IRSN" in text
    assert "Obtenga ayuda ahora" in text and "marque 2 para hablar en español" in text


def test_a_clinician_spec_is_never_built_in_another_language(tmp_path):
    result = run("build", str(SPECS / "clinician-summary.yaml"), "--language", "es",
                 "-o", str(tmp_path))
    assert result.exit_code == 1
    assert "--language: clinician handouts are written in English only" in result.output
    assert not list(tmp_path.glob("*.pdf"))


def test_an_unknown_language_names_the_option_and_what_there_is(tmp_path):
    result = run("build", str(SPECS / "large-print.yaml"), "--language", "fr", "-o",
                 str(tmp_path))
    assert result.exit_code == 1
    assert "--language: no content in language 'fr'; available: en, es" in result.output


def test_a_spanish_speaking_sites_patient_handouts_are_spanish(tmp_path):
    sites = tmp_path / "sites"
    shutil.copytree(SPECS / "sites", sites)
    site = sites / "carlsbad.yaml"
    site.write_text(site.read_text() + "language: es\n")
    spec = tmp_path / "intake.yaml"
    spec.write_text("title: Su primera sesión\ntopics: [what-to-expect]\n"
                    f"site: {site}\n")
    clinician = tmp_path / "team.yaml"
    clinician.write_text(f"title: For the team\naudience: clinician\ntopics: [side-effects]\n"
                         f"site: {site}\n")
    result = run("build", str(spec), str(clinician), "-o", str(tmp_path / "out"),
                 "--allow-outside-paths")
    assert result.exit_code == 0, result.output
    assert "Qué esperar" in pdf_text(tmp_path / "out" / "intake.pdf")  # no -es: its own
    assert "Side effects" in pdf_text(tmp_path / "out" / "team.pdf")  # stays English


def test_a_batch_in_two_languages_names_each_output_and_keeps_clinicians_english(tmp_path):
    result = run("batch", str(SPECS / "ketamine-and-antidepressants.yaml"),
                 str(SPECS / "clinician-summary.yaml"), "--sites",
                 str(SPECS / "sites" / "mesa.yaml"), "--language", "en,es", "-o",
                 str(tmp_path), "--jobs", "1")
    assert result.exit_code == 0, result.output
    built = sorted(p.name for p in (tmp_path / "mesa").glob("*.pdf"))
    assert built == ["clinician-summary-en.pdf", "ketamine-and-antidepressants-en.pdf",
                     "ketamine-and-antidepressants-es.pdf"]
    assert "1 clinician spec: built in English only" in result.output
    assert "Obtenga ayuda ahora" in pdf_text(tmp_path / "mesa" /
                                             "ketamine-and-antidepressants-es.pdf")


def test_a_sites_phone_labels_and_note_are_printed_in_the_handouts_language(tmp_path):
    """Found in a new user's trial: a Spanish handout said "(ask for the psychiatrist on
    call)" and the footer note in English, and the site file had no way to say them in
    Spanish. Its translations now take each phone label; one missing is warned of, located."""
    spec = str(SPECS / "ketamine-and-antidepressants.yaml")
    site = SPECS / "sites" / "northfield.yaml"
    result = run("build", spec, "--site", str(site), "--language", "es", "-o", str(tmp_path))
    assert result.exit_code == 0 and "warning" not in result.output, result.output
    text = " ".join(pdf_text(tmp_path / "ketamine-and-antidepressants-es.pdf").split())
    for spanish in ("(equipo de crisis de Northfield, 24 horas)",
                    "(pregunte por el psiquiatra de guardia)",
                    "Revisado por el servicio de Psiquiatría Intervencionista de Northfield."):
        assert spanish in text
    for english in ("crisis team", "on call", "Reviewed by"):
        assert english not in text
    english = run("build", spec, "--site", str(site), "-o", str(tmp_path / "en"))
    assert "(ask for the psychiatrist on call)" in " ".join(
        pdf_text(tmp_path / "en" / "ketamine-and-antidepressants.pdf").split())
    folder = tmp_path / "site"
    folder.mkdir()
    shutil.copy(SPECS / "sites" / "northfield-logo.png", folder)
    lines = site.read_text(encoding="utf-8").split("translations:")[0]
    (folder / "northfield.yaml").write_text(lines, encoding="utf-8")
    warned = run("build", spec, "--site", str(folder / "northfield.yaml"), "--language", "es",
                 "-o", str(tmp_path / "bare"))
    assert warned.exit_code == 0
    assert "northfield.yaml:12: warning: contact.after_hours: printed as written in a " \
        "handout in 'es'" in warned.output and "after_hours_label" in warned.output
    assert "crisis_line:" in warned.output and "footer_note:" in warned.output
    assert "warning" not in english.output
