"""Property tests: whatever a clinic types gives a correct PDF or a clear error, never a
traceback. Bounded so the whole file runs in well under a minute."""

from __future__ import annotations

import re
import tempfile
import unicodedata
from pathlib import Path

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from handouts.doors.cli import main
from handouts.library.load import open_library
from tests.conftest import compact, raw_text
from tests.pdfcheck import structural_problems

SETTINGS = settings(max_examples=20, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# What a keyboard produces in the scripts we print, and everything a phone or a copy-paste
# can produce (lone surrogates aside, which no YAML file can hold).
latin_text = st.text(st.characters(whitelist_categories=("L", "N", "P", "S", "Zs"),
                                   max_codepoint=0x24F), min_size=1, max_size=60)
printable = st.text(st.characters(whitelist_categories=("L", "M", "N", "P", "S", "Zs"),
                                  max_codepoint=0x4FF), min_size=1, max_size=60)
anything = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60)
text = st.one_of(latin_text, printable, anything)


def run(args: list[str]):
    result = CliRunner().invoke(main, args, catch_exceptions=True)
    assert result.exit_code in (0, 1), (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    assert "internal error" not in result.output, result.output
    return result


MICROGRAMS = re.compile(r"(?<![^\W\d_])[\u03bcu]g(?!\w)")


def expect_printed(result, pdf: Path, values: list[str], any_case: tuple[str, ...] = ()):
    """On success every value is in the PDF (those in `any_case` in some case: medicines
    written in EHR capitals are printed in normal case); on failure the error names a
    place."""
    if result.exit_code == 1:
        assert "error:" in result.output
        return
    assert structural_problems(pdf) == []
    shown = compact(unicodedata.normalize("NFC", raw_text(pdf)))
    for value in [*values, *any_case]:
        wanted = compact(unicodedata.normalize("NFC", value))
        if value in any_case and value not in values:
            # in normal case, and micrograms as a pharmacist writes them ("µG" is "mcg")
            wanted = compact(MICROGRAMS.sub("mcg", unicodedata.normalize("NFC", value)
                                            .casefold()))
            haystack = shown.casefold()
        else:
            haystack = shown
        if wanted:
            assert wanted in haystack, (value, shown[:300])


def build_yaml(folder: Path, spec: dict, *extra: str):
    path = folder / "h.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return run(["build", str(path), "-o", str(folder / "out"), *extra]), folder / "out" / "h.pdf"


@SETTINGS
@given(title=text, subtitle=text, name=text, by=text, med=text)
def test_spec_and_patient_fields(title, subtitle, name, by, med):
    with tempfile.TemporaryDirectory() as tmp:
        spec = {"title": title, "subtitle": subtitle, "topics": ["research-outlook"],
                "references": False,
                "patient": {"name": name, "prepared_by": by, "medications": [med]}}
        result, pdf = build_yaml(Path(tmp), spec, "--out-name", "leaflet")
        found = open_library().drugs.recognise(med)
        if found.set_aside and result.exit_code == 0:  # chart text: said, not printed
            assert "entry 1: names no medicine" in result.output
        expect_printed(result, Path(tmp) / "out" / "leaflet.pdf", [title, subtitle, name, by],
                       any_case=() if found.set_aside else (found.shown,))


@SETTINGS
@given(title=latin_text, name=latin_text)
def test_latin_text_always_prints(title, name):
    with tempfile.TemporaryDirectory() as tmp:
        spec = {"title": title, "topics": ["research-outlook"], "references": False,
                "patient": {"name": name}}
        result, _ = build_yaml(Path(tmp), spec, "--out-name", "leaflet")
        if result.exit_code == 1:  # only a name that would leak into the file name
            assert all(p in result.output for p in ("error:",)), result.output
            assert ("patient's name" in result.output or "title:" in result.output
                    or "patient.name:" in result.output)
        else:
            expect_printed(result, Path(tmp) / "out" / "leaflet.pdf", [title, name])


phones = st.from_regex(r"\+?(\(\d{3}\) )?\d{3}[-. ]\d{4}( ext\. \d{1,4})?", fullmatch=True)
labels = st.one_of(st.none(), text.filter(lambda t: "(" not in t and ")" not in t))


@SETTINGS
@given(name=text, phone=st.one_of(phones, text), address=text, crisis=phones, label=labels,
       note=text)
def test_site_fields(name, phone, address, crisis, label, note):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        crisis_line = {"number": crisis, "label": label} if label else crisis
        site = {"name": name, "contact": {"phone": phone, "address": address},
                "crisis_line": crisis_line, "footer_note": note}
        (folder / "site.yaml").write_text(yaml.safe_dump(site, allow_unicode=True),
                                          encoding="utf-8")
        spec = {"title": "T", "topics": ["research-outlook"], "references": False,
                "site": "site.yaml"}
        result, pdf = build_yaml(folder, spec)
        expect_printed(result, pdf, [name, phone, address, crisis, label or "", note])


@SETTINGS
@given(title=text, body=st.text(st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_content_files(title, body):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "lib").mkdir()
        front = yaml.safe_dump({"id": "ours", "title": title, "reviewed": "2026-11-01"},
                               allow_unicode=True)
        (folder / "lib" / "ours.md").write_text(f"---\n{front}---\n{body}\n", encoding="utf-8")
        spec = {"title": "T", "topics": ["ours"], "references": False}
        result, pdf = build_yaml(folder, spec, "--library", str(folder / "lib"))
        expect_printed(result, pdf, [title])


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["title", "topics", "patient", "site", "paper", "audience",
                         "medications", "name", "date", "large_print", "x"]) | text,
        children, max_size=5),
    max_leaves=12)


@SETTINGS
@given(document=yaml_values)
def test_any_yaml_document(document):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "h.yaml"
        path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        run(["build", str(path), "-o", str(Path(tmp) / "out")])


@SETTINGS
@given(raw=st.binary(max_size=300))
@example(raw=b"=")  # YAML 1.1's "value" key, once an internal error
def test_any_bytes_as_a_spec(raw):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "h.yaml"
        path.write_bytes(raw)
        run(["build", str(path), "-o", str(Path(tmp) / "out")])
