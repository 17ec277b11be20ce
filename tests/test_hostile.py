"""Hostile and careless input, class by class: patient data never leaves the page, files are
read only as what they claim to be, every resource is bounded, and every fault a user can
cause is a located error (exit 1), never an internal one (exit 3)."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import threading
import time
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from handouts.doors.cli import main
from handouts.errors import HandoutError, SpecError
from handouts.inputs.yamlio import YamlProblem, parse
from handouts.outputs.build import BuildOptions, build
from tests.conftest import SPECS, pdf_text

SITE = SPECS / "sites" / "carlsbad.yaml"


def cli(*args: str, cwd: Path | None = None):
    """The real command line, its exit status and both streams."""
    done = subprocess.run([sys.executable, "-m", "handouts", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd,
                          env={**os.environ, "CI": "1", "HANDOUTS_DEBUG": ""})
    return done.returncode, done.stdout, done.stderr


def metadata_text(path: Path) -> str:
    reader = PdfReader(path)
    values = [str(v) for v in (reader.metadata or {}).values()]
    xmp = reader.trailer["/Root"].get("/Metadata")
    if xmp is not None:
        xml = xmp.get_object().get_data().decode("utf-8", "replace")
        values.append(re.sub(r"<[^>]*>", " ", xml))  # its text, not its tag names
    return " ".join(values).casefold()


# ---- 1. patient data never reaches the metadata ---------------------------------------------


@pytest.mark.parametrize("title, name, meds", [
    ("Ketamine and you, Li", "Li Wu", []),
    ("A leaflet for Doe, Jane", "J. Doe", []),
    ("For José Núñez", unicodedata.normalize("NFD", "José Núñez"), []),
    ("Notes for Mary Ann", "Mary-Ann Smith-Jones", []),
    ("Ketamine and your Zoloft and Ativan", None, ["Zoloft 50 mg", "Ativan 0.5 mg"]),
])
def test_a_tailored_handout_has_a_fixed_metadata_title(build_spec, title, name, meds):
    patient = (f"  name: {name}\n" if name else "") + (f"  medications: {meds}\n" if meds else "")
    path = build_spec(f"title: {title}\ntopics: [side-effects]\npatient:\n{patient}")
    reader = PdfReader(path)
    assert reader.metadata.title == \
        "Patient handout: ketamine and esketamine treatment for depression"
    meta = set(re.findall(r"[^\W\d_]+", metadata_text(path)))
    assert not meta & {"li", "wu", "doe", "jane", "jos", "núñez", "nunez", "mary", "ann",
                       "smith", "jones", "zoloft", "ativan"}
    assert title.split()[-1].casefold() in pdf_text(path).casefold()  # the page keeps it


# ---- 2. file names ------------------------------------------------------------------------


@pytest.mark.parametrize("out_name, name, meds", [
    ("leaflet Li Wu", "Li Wu", []),
    ("leaflet-jose-nunez", "José Núñez", []),
    ("leaflet-zoloft-ativan", "A B", ["Zoloft 50 mg", "Ativan 0.5 mg"]),
    ("leafletjanedoe", "Jane Doe", []),
    ("leaflet-liwu", "Li Wu", []),
    ("wuli-sheet", "Li Wu", []),
    ("sertraline-sheet", "A B", ["Zoloft 50 mg"]),     # the generic of the patient's brand
    ("zoloft-sheet", "A B", ["sertraline 50 MG Oral Tablet"]),  # and the other way round
])
def test_file_names_never_carry_the_name_or_the_medicines(write_spec, tmp_path, out_name, name,
                                                          meds):
    spec = write_spec(f"title: T\ntopics: [side-effects]\npatient:\n  name: {name}\n"
                      + (f"  medications: {meds}\n" if meds else ""))
    with pytest.raises(SpecError) as info:
        build(spec, BuildOptions(out_dir=tmp_path / "o", out_name=out_name))
    message = str(info.value)
    assert "patient's name or one of their medicines" in message
    assert "choose a --out-name without" in message
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").iterdir())


def test_a_refused_out_name_is_never_quoted_back(write_spec, tmp_path):
    spec = write_spec("title: T\ntopics: [side-effects]\npatient:\n  name: José Núñez\n")
    code, out, err = cli("build", str(spec), "-o", str(tmp_path / "o"), "--out-name",
                         "José Núñez")
    assert code == 1 and "--out-name" in err
    assert "Jos" not in out + err and "Núñez" not in out + err


def test_a_name_is_compared_word_by_word(write_spec, tmp_path):
    spec = write_spec("title: T\ntopics: [side-effects]\npatient:\n  name: Lea Martin\n")
    built = build(spec, BuildOptions(out_dir=tmp_path / "o", out_name="leaflet-0042"))
    assert built.path.name == "leaflet-0042.pdf"


def test_a_preview_is_never_named_after_a_medicine(write_spec, tmp_path):
    spec = write_spec("title: T\ntopics: [side-effects]\npatient:\n  medications: [Zoloft]\n",
                      name="handout.yaml")
    code, _, err = cli("preview", str(spec), "-o", str(tmp_path / "zoloft-page1.png"))
    assert code == 1 and "medicines" in err
    assert not (tmp_path / "zoloft-page1.png").exists()


# ---- 3. no patient value in a message -----------------------------------------------------


SECRET = "Zqxwv Secretname"


@pytest.mark.parametrize("patient", [
    f"  {SECRET}: 1\n",                                 # a name used as a key
    f"  medications:\n    {SECRET}: x\n",               # a key inside a list's mapping
    f"  name: {SECRET}\n  name: {SECRET}\n",            # a key given twice
    f"  medications: {{'{SECRET}': 1, '{SECRET}': 2}}\n",
    f"  name: !tag {SECRET}\n",                         # a tagged name
    f"  name: !!int {SECRET}\n",                        # once an internal error quoting it
    f"  name: {SECRET} \u4e2d\u6587\n",                 # unprintable characters of a name
    f"  name: '{SECRET}\n",                             # a syntax error inside the block
    f"  name: [{SECRET}]\n",                            # the wrong type
    f"  name: {SECRET * 20}\n",                         # too long
])
def test_no_message_quotes_the_patient(write_spec, tmp_path, patient):
    spec = write_spec(f"title: T\ntopics: [side-effects]\npatient:\n{patient}")
    code, out, err = cli("build", str(spec), "-o", str(tmp_path / "o"))
    assert code == 1, err
    assert "Zqxwv" not in out + err and "Secretname" not in out + err
    assert "\u4e2d" not in err and "U+4E2D" not in err
    assert "internal error" not in err and "Traceback" not in err
    assert str(spec) in err  # still located


def test_an_internal_error_never_prints_the_exception_text(monkeypatch, tmp_path):
    import handouts.outputs.build as build_module

    def boom(*args, **kwargs):
        raise ValueError("invalid literal: 'Jane Doe'")

    monkeypatch.setattr(build_module, "render", boom)
    result = CliRunner().invoke(main, ["build", str(SPECS / "tailored-leaflet.yaml"),
                                       "-o", str(tmp_path)])
    assert result.exit_code == 3
    assert "Jane" not in result.output and "ValueError at" in result.output


# ---- 4. the parsed-content cache holds data, never code -----------------------------------


def test_the_cache_is_checked_json_in_a_private_folder(tmp_path, monkeypatch):
    from handouts.library import load as library
    from handouts.library import parsecache

    cache = tmp_path / "cache"
    monkeypatch.setenv("HANDOUTS_CACHE_DIR", str(cache))
    topic = tmp_path / "lib" / "topics" / "ours.md"
    topic.parent.mkdir(parents=True)
    topic.write_text("---\nid: ours\ntitle: Ours\nreviewed: 2026-11-01\n---\nHello there.\n")
    library._parse_version.cache_clear()
    first = library._parse_version(topic, 1, 1)
    [entry] = cache.glob("*.json")
    data = json.loads(entry.read_text())
    assert data["format"].startswith("handouts-parsed-content/")
    # a forged payload whose checksum no longer matches is parsed again, not trusted
    data["payload"]["blocks"][0]["f"][0][0]["f"][0] = "Forged words."
    entry.write_text(json.dumps(data))
    library._parse_version.cache_clear()
    assert library._parse_version(topic, 1, 1) == first
    # and a folder others may write is not used at all
    cache.chmod(0o777)
    assert parsecache.read(entry.stem) is None
    cache.chmod(0o700)
    assert parsecache.read(entry.stem) is not None
    assert not list(cache.glob("*.pickle"))
    assert "pickle" not in Path(parsecache.__file__).read_text().replace("not pickle", "")


# ---- 5. only regular files, within their folders --------------------------------------------


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _in_time(fn, seconds: float = 20):
    """Run fn in a thread; fail (rather than hang the suite) if it does not return."""
    box: dict = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            box["error"] = exc
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "hung"
    if "error" in box:
        raise box["error"]
    return box.get("value")


@pytest.mark.parametrize("what", ["spec", "site", "logo", "library file", "device"])
def test_pipes_and_devices_are_refused_at_once(tmp_path, what):
    spec = tmp_path / "spec.yaml"
    spec.write_text("title: T\ntopics: [side-effects]\n")
    site = tmp_path / "site.yaml"
    site.write_text("name: X\nlogo: logo.png\n")
    library = tmp_path / "lib"
    library.mkdir()
    options = {}
    if what == "spec":
        spec.unlink()
        _fifo(spec)
    elif what == "device":
        spec = Path("/dev/zero")
    elif what == "site":
        site.unlink()
        _fifo(site)
        options["site"] = str(site)
    elif what == "logo":
        _fifo(tmp_path / "logo.png")
        options["site"] = str(site)
    else:
        _fifo(library / "fifo.md")
        options["libraries"] = (library,)
    with pytest.raises(HandoutError, match="not a regular file"):
        _in_time(lambda: build(spec, BuildOptions(out_dir=tmp_path / "o", **options)))


def test_a_site_id_that_links_out_of_its_folder_is_refused(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.yaml").write_text("name: Secret clinic\n")
    sites = tmp_path / "specs" / "sites"
    sites.mkdir(parents=True)
    (sites / "linked.yaml").symlink_to(outside / "secret.yaml")
    spec = tmp_path / "specs" / "s.yaml"
    spec.write_text("title: T\ntopics: [side-effects]\nsite: linked\n")
    with pytest.raises(SpecError, match="leaves the folder"):
        build(spec, BuildOptions(out_dir=tmp_path / "o"))
    built = build(spec, BuildOptions(out_dir=tmp_path / "o", allow_outside_paths=True))
    assert "Secret clinic" in pdf_text(built.path)


def test_a_sites_folder_beside_the_spec_that_links_out_is_refused(tmp_path):
    outside = tmp_path / "elsewhere"
    (outside / "lib" / "topics").mkdir(parents=True)
    (outside / "lib" / "topics" / "ours.md").write_text(
        "---\nid: ours\ntitle: From elsewhere\nreviewed: 2026-11-01\n---\nElsewhere words.\n")
    (outside / "clinic.yaml").write_text("name: Clinic from elsewhere\nlibrary: [lib]\n")
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "sites").symlink_to(outside, target_is_directory=True)
    spec = specs / "s.yaml"
    spec.write_text("title: T\ntopics: [side-effects, ours]\nsite: clinic\n")
    code, out, err = cli("build", str(spec), "-o", str(tmp_path / "o"), cwd=tmp_path)
    assert code == 1 and "leaves the folder" in err and f"{spec}:3: site" in err, err
    assert not (tmp_path / "o").exists()
    built = build(spec, BuildOptions(out_dir=tmp_path / "o", allow_outside_paths=True))
    assert "Clinic from elsewhere" in pdf_text(built.path)


def test_a_pipe_named_as_a_site_is_said_to_be_one(tmp_path):
    specs = tmp_path / "specs"
    (specs / "sites").mkdir(parents=True)
    _fifo(specs / "sites" / "clinic.yaml")
    spec = specs / "s.yaml"
    spec.write_text("title: T\ntopics: [side-effects]\nsite: clinic\n")
    code, _, err = _in_time(lambda: cli("build", str(spec), "-o", str(tmp_path / "o"),
                                        cwd=tmp_path))
    assert code == 1 and "not a regular file" in err and "did you mean" not in err, err
    code, _, err = _in_time(lambda: cli("batch", str(spec), "--sites",
                                        str(specs / "sites" / "clinic.yaml"), "-o",
                                        str(tmp_path / "o"), cwd=tmp_path))
    assert code == 1 and "the site file is not a regular file" in err and "not found" not in err


def test_a_library_file_that_links_out_is_refused(tmp_path, build_spec):
    outside = tmp_path / "elsewhere.md"
    outside.write_text("---\nid: linked\ntitle: Linked\nreviewed: 2026-11-01\n---\nHello.\n")
    library = tmp_path / "lib"
    library.mkdir()
    (library / "linked.md").symlink_to(outside)
    with pytest.raises(HandoutError, match="link to a file outside the library folder"):
        build_spec("title: T\ntopics: [side-effects]\n", libraries=(library,))


# ---- 6. batch outputs stay in -o and never overwrite each other ----------------------------


def test_batch_refuses_unsafe_names_and_clashes(tmp_path):
    specs = tmp_path / "specs"
    (specs / "a").mkdir(parents=True)
    (specs / "b").mkdir()
    for folder in ("a", "b"):
        (specs / folder / "intake.yaml").write_text("title: T\ntopics: [side-effects]\n")
    code, _, err = cli("batch", str(specs / "a"), str(specs / "b"), "--sites", str(SITE),
                       "-o", str(tmp_path / "out"))
    assert code == 1 and "would both be written to carlsbad/intake.pdf" in err
    (specs / "b" / "intake.yaml").rename(specs / "b" / "Intake.yaml")
    code, _, err = cli("batch", str(specs / "a"), str(specs / "b"), "--sites", str(SITE),
                       "-o", str(tmp_path / "out"))
    assert code == 1 and "carlsbad/Intake.pdf and carlsbad/intake.pdf" in err, err
    assert "differ only in case" in err
    dots = tmp_path / "...yaml"
    dots.write_text(SITE.read_text())
    code, _, err = cli("batch", str(specs / "a"), "--sites", str(dots), "-o",
                       str(tmp_path / "out"))
    assert code == 1 and "cannot name an output" in err
    assert not list(tmp_path.glob("*.pdf"))


# ---- 7 and 8. nesting, aliases, long values, many messages --------------------------------


@pytest.mark.parametrize("text", ["[" * 500 + "]" * 500, "[" * 30_000 + "]" * 30_000,
                                  "- " * 20_000 + "x", "a:\n" + "".join(
                                      " " * i + "b:\n" for i in range(1, 200))])
def test_deep_nesting_is_a_located_error(text):
    with pytest.raises(YamlProblem) as info:
        parse(text, "deep.yaml")
    assert info.value.problem.line is not None


def test_deep_nesting_does_not_kill_a_batch(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "deep.yaml").write_text("title: T\ntopics: " + "[" * 30_000 + "]" * 30_000)
    (specs / "fine.yaml").write_text("title: T\ntopics: [side-effects]\n")
    code, out, err = cli("batch", str(specs), "--sites", str(SITE), "-o", str(tmp_path / "o"),
                         "-j", "2")
    assert code == 1 and "1 built, 0 unchanged, 1 failed" in out
    assert "nested" in err or "nesting" in err


def test_aliases_of_long_strings_are_counted_expanded(tmp_path):
    text = "title: &t '" + "x" * 900_000 + "'\ntopics: [" + ", ".join(["*t"] * 1000) + "]\n"
    with pytest.raises(YamlProblem, match="expands to more than"):
        parse(text, "bomb.yaml")


def test_messages_cut_long_values_and_stop_after_a_few_per_file(write_spec):
    ids = ", ".join(f"{'q' * 4000}{i}" for i in range(100))
    spec = write_spec(f"title: T\ntopics: [{ids}]\n")
    code, _, err = cli("check", str(spec))
    lines = [line for line in err.splitlines() if "topics entry" in line]
    assert 0 < len(lines) <= 25 and max(len(line) for line in lines) < 400
    assert "more problems in this file" in err
    assert len(err) < 50_000


# ---- 9. layout time grows with the input, not its square ----------------------------------


@pytest.mark.parametrize("body", [
    "::: patient\n" + "a" * 32_000 + "\n:::\n",                 # one enormous word
    "### " + "Heading words here " * 40_000 + "\n\nText.\n",  # a 760 KB heading
    "::: patient\n" + "Long words in a row. " * 40_000 + "\n:::\n",
])
def test_enormous_text_lays_out_in_reasonable_time(tmp_path, body):
    library = tmp_path / "lib"
    library.mkdir()
    (library / "huge.md").write_text(
        f"---\nid: huge\ntitle: Huge\nreviewed: 2026-11-01\n---\n{body}")
    spec = tmp_path / "s.yaml"
    spec.write_text("title: T\ntopics: [huge]\nreferences: false\n")
    started = time.monotonic()
    code, out, err = cli("build", str(spec), "-o", str(tmp_path / "o"), "--library",
                         str(library))
    assert code == 0, err
    assert time.monotonic() - started < 100  # was 230 s and more before layout was linear


# ---- 13. faults a user can cause are located errors (exit 1) -------------------------------


@pytest.mark.parametrize("spec, expected", [
    ("title: T\ndate: 2026-13-45\ntopics: [side-effects]\n", ":2: not a real date"),
    ("title: !!float abc\ntopics: [side-effects]\n", ":1: YAML tag '!!float' is not allowed"),
    ("title: !!str T\ntopics: [side-effects]\n", ":1: YAML tag '!!str' is not allowed"),
    ("title: T\npatient:\n  medications: [lisinopril]\n", "the handout has nothing to say"),
])
def test_user_faults_are_located_errors(write_spec, tmp_path, spec, expected):
    path = write_spec(spec)
    code, _, err = cli("build", str(path), "-o", str(tmp_path / "o"))
    assert code == 1, err
    assert expected in err and str(path) in err


def test_a_bad_date_fails_one_handout_of_a_batch(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "bad.yaml").write_text("title: T\ndate: 2026-13-45\ntopics: [side-effects]\n")
    (specs / "good.yaml").write_text("title: T\ntopics: [side-effects]\n")
    code, out, err = cli("batch", str(specs), "-o", str(tmp_path / "o"))
    assert code == 1 and "1 built" in out and "not a real date" in err


def test_a_table_with_many_columns_is_printed_as_paragraphs(tmp_path, build_spec):
    library = tmp_path / "lib"
    library.mkdir()
    cols = 45
    table = ("|" + "|".join(f"h{i}" for i in range(cols)) + "|\n|" + "---|" * cols + "\n|"
             + "|".join(f"v{i}" for i in range(cols)) + "|\n")
    (library / "wide.md").write_text(
        f"---\nid: wide\ntitle: Wide\nreviewed: 2026-11-01\n---\n{table}")
    text = pdf_text(build_spec("title: T\ntopics: [wide]\n", libraries=(library,)))
    assert "h0 v0" in text and text.index("h43") < text.index("v43") < text.index("h44") \
        < text.index("v44")


@pytest.mark.parametrize("errno_name", ["ENOSPC", "EROFS", "EACCES"])
def test_a_full_or_read_only_disk_is_a_clear_error(tmp_path, monkeypatch, errno_name):
    import errno

    def refuse(*args, **kwargs):
        raise OSError(getattr(errno, errno_name), os.strerror(getattr(errno, errno_name)))

    monkeypatch.setattr(os, "replace", refuse)
    result = CliRunner().invoke(main, ["build", str(SPECS / "large-print.yaml"), "-o",
                                       str(tmp_path / "o")])
    assert result.exit_code == 1, result.output
    assert "cannot write the file" in result.output and "-o" in result.output
    assert not list((tmp_path / "o").glob("*"))


@pytest.mark.parametrize("manifest", [
    {"shard": [1, 1_000_000_000], "outputs": []},
    {"shard": ["a", 2], "outputs": []},
    {"shard": [1, 2], "outputs": [1, 2]},
    {"shard": [1, 2], "outputs": "x"},
    [1, 2, 3],
])
def test_malformed_manifests_are_refused_when_merging(tmp_path, manifest):
    path = tmp_path / "manifest.shard-1-of-2.json"
    path.write_text(json.dumps(manifest))
    code, _, err = cli("merge-manifests", str(path), "-o", str(tmp_path / "m.json"))
    assert code == 1 and str(path) in err and "internal error" not in err


def test_a_site_with_every_field_at_its_limit_builds_or_says_what_to_shorten(tmp_path):
    site = tmp_path / "site.yaml"
    phone = "+1 (760) 555-0100 555-0100 ext. 123456 (" + "Main desk " * 7 + ")"
    site.write_text(
        f"name: {'Clinic ' * 21}\ncontact:\n  phone: '{phone}'\n"
        f"  address: {'Street ' * 22}\n  website: {'w' * 100}\n  after_hours: '{phone}'\n"
        f"crisis_line: '{phone}'\nfooter_note: {'Note ' * 39}\n")
    spec = tmp_path / "s.yaml"
    for large in ("false", "true"):
        spec.write_text(f"title: T\ntopics: [side-effects]\nlarge_print: {large}\n")
        code, out, err = cli("build", str(spec), "--site", str(site), "-o", str(tmp_path / "o"))
        assert code == 0 or (code == 1 and f"{site}:" in err and "footer_note" in err), err


def test_a_long_entry_in_another_script_fits_its_cell_in_large_print(build_spec):
    path = build_spec("title: T\nlarge_print: true\ntopics: [side-effects]\n"
                      "patient:\n  medications: ['" + "\u03c9" * 199 + "']\n")
    assert "\u03c9" * 10 in pdf_text(path)


# ---- 14. the spec's date governs the bytes -------------------------------------------------


def test_a_spec_date_wins_over_source_date_epoch(write_spec, tmp_path, monkeypatch):
    spec = write_spec("title: T\ndate: 2026-05-04\ntopics: [side-effects]\n")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = build(spec, BuildOptions(out_dir=tmp_path / "a")).path.read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    second = build(spec, BuildOptions(out_dir=tmp_path / "b")).path.read_bytes()
    assert first == second
    assert PdfReader(tmp_path / "a" / "handout.pdf").metadata["/CreationDate"] \
        .startswith("D:20260504")


def test_files_are_written_with_our_process_id_and_stale_parts_only_are_removed(tmp_path):
    from handouts.outputs.batch import remove_partial_files

    live = tmp_path / f".x.pdf.{os.getpid()}.abcdefgh.part"
    dead = tmp_path / ".y.pdf.999999999.abcdefgh.part"
    live.write_bytes(b"writing")
    dead.write_bytes(b"left behind")
    remove_partial_files(tmp_path)
    assert live.exists() and not dead.exists()
    assert stat.S_ISREG(live.stat().st_mode)


# ---- 15. one bounded JSON reader: FHIR files and uploads, manifests, the cache ---------------


HOSTILE_JSON = {
    "1,000-deep": "[" * 1000 + "]" * 1000,
    "5,000 digits": '{"resourceType": "Bundle", "total": ' + "1" * 5000 + "}",
    "NaN": '{"resourceType": "Bundle", "total": NaN}',
    "1e999": '[{"resourceType": "Bundle", "total": 1e999}]',
}


@pytest.mark.parametrize("what", ["fifo", "/dev/zero", "/dev/urandom"])
def test_fhir_reads_only_a_regular_file(tmp_path, write_spec, what):
    spec = write_spec("title: T\ntopics: [side-effects]\n")
    fhir = _fifo(tmp_path / "chart.json") if what == "fifo" else Path(what)
    result = _in_time(lambda: CliRunner().invoke(
        main, ["build", str(spec), "-o", str(tmp_path / "o"), "--fhir", str(fhir)]))
    assert result.exit_code == 1, result.output
    assert "not a regular file" in result.output and "--fhir" in result.output


@pytest.mark.parametrize("name", HOSTILE_JSON)
def test_hostile_json_is_a_located_error_in_fhir(tmp_path, write_spec, name):
    spec = write_spec("title: T\ntopics: [side-effects]\n")
    fhir = tmp_path / "chart.json"
    fhir.write_text(HOSTILE_JSON[name])
    code, _, err = cli("build", str(spec), "-o", str(tmp_path / "o"), "--fhir", str(fhir))
    assert code == 1, err
    assert f"error: {fhir}" in err and "--fhir" in err
    assert "internal error" not in err and "Traceback" not in err


@pytest.mark.parametrize("name", HOSTILE_JSON)
def test_hostile_json_is_a_located_error_when_merging(tmp_path, name):
    path = tmp_path / "manifest.shard-1-of-2.json"
    path.write_text(HOSTILE_JSON[name])
    code, _, err = cli("merge-manifests", str(path), "-o", str(tmp_path / "m.json"))
    assert code == 1 and f"error: {path}: not a manifest" in err, err
    assert "internal error" not in err


@pytest.mark.parametrize("name", HOSTILE_JSON)
def test_a_hostile_manifest_in_the_output_folder_is_rebuilt_over(tmp_path, name):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "a.yaml").write_text("title: T\ntopics: [side-effects]\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text(HOSTILE_JSON[name])
    for _ in range(2):  # and the run after it, from the manifest the first one wrote
        code, stdout, err = cli("batch", str(specs), "--sites", str(SITE), "-o", str(out))
        assert code == 0, err
    assert "0 built, 1 unchanged, 0 failed" in stdout
    assert json.loads((out / "manifest.json").read_text())["outputs"][0]["output"] == \
        "carlsbad/a.pdf"


@pytest.mark.parametrize("name", HOSTILE_JSON)
def test_a_hostile_cache_entry_is_a_miss(tmp_path, monkeypatch, name):
    from handouts.library import load as library

    cache = tmp_path / "cache"
    monkeypatch.setenv("HANDOUTS_CACHE_DIR", str(cache))
    topic = tmp_path / "lib" / "topics" / "ours.md"
    topic.parent.mkdir(parents=True)
    topic.write_text("---\nid: ours\ntitle: Ours\nreviewed: 2026-11-01\n---\nHello there.\n")
    library._parse_version.cache_clear()
    first = library._parse_version(topic, 1, 1)
    [entry] = cache.glob("*.json")
    entry.write_text(HOSTILE_JSON[name])
    library._parse_version.cache_clear()
    assert library._parse_version(topic, 1, 1) == first
