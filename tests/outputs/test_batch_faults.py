"""A batch under signals, a second batch, and a changed world: whole PDFs, a manifest that
matches what is on disk, no orphan workers, no stale output."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from handouts.outputs.batch import plan, run
from handouts.outputs.jobs import Settings
from handouts.outputs.manifest import read_manifest, write_manifest
from tests.conftest import SPECS
from tests.pdfcheck import structural_problems

SITE = SPECS / "sites" / "carlsbad.yaml"


def specs_folder(folder: Path, count: int) -> Path:
    folder.mkdir()
    for i in range(count):
        (folder / f"h{i:02}.yaml").write_text(
            "title: T\ntopics: [ketamine-basics, side-effects, how-it-works]\n")
    return folder


def start_batch(specs: Path, out: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "handouts", "batch", str(specs), "--sites", str(SITE),
               "-o", str(out), "-j", "2", *extra]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env={**os.environ, "CI": "1"})


def wait_for_first_build(process: subprocess.Popen) -> None:
    for line in process.stderr:
        if "built" in line:
            return
    pytest.fail("the batch never built anything")


def group_gone(pgid: int, within: float = 30.0) -> bool:
    """True once no process of the batch's group (parent and workers) is left."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def manifest_matches_disk(out: Path) -> dict:
    assert not [p for p in out.rglob("*.part")]
    manifest = json.loads((out / "manifest.json").read_text())
    listed = {r["output"] for r in manifest["outputs"]}
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*.pdf")}
    assert listed == on_disk
    for name in listed:
        assert structural_problems(out / name) == []
    return manifest


@pytest.mark.parametrize("presses, gap", [(1, 0), (2, 0.05), (2, 0.25), (5, 0.05)])
def test_ctrl_c_once_or_many_times(tmp_path, presses, gap):
    out = tmp_path / "out"
    process = start_batch(specs_folder(tmp_path / "specs", 40), out)
    wait_for_first_build(process)
    for _ in range(presses):
        os.killpg(process.pid, signal.SIGINT)
        time.sleep(gap)
    _, err = process.communicate(timeout=180)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert group_gone(process.pid)
    manifest_matches_disk(out)


def test_sigterm_stops_like_ctrl_c(tmp_path):
    out = tmp_path / "out"
    process = start_batch(specs_folder(tmp_path / "specs", 40), out)
    wait_for_first_build(process)
    os.kill(process.pid, signal.SIGTERM)
    _, err = process.communicate(timeout=180)
    assert process.returncode == 143 and "Traceback" not in err
    assert group_gone(process.pid)
    manifest_matches_disk(out)


def test_workers_do_not_outlive_a_killed_parent(tmp_path):
    out = tmp_path / "out"
    process = start_batch(specs_folder(tmp_path / "specs", 60), out)
    wait_for_first_build(process)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    assert group_gone(process.pid, within=10), "workers lived on"
    assert (out / "manifest.json").exists()  # written when the batch began
    assert not [p for p in out.rglob("*.pdf") if p.stat().st_size == 0]


def test_a_second_batch_into_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "out"
    first = start_batch(specs_folder(tmp_path / "specs", 30), out)
    wait_for_first_build(first)
    second = subprocess.run([sys.executable, "-m", "handouts", "batch", str(tmp_path / "specs"),
                             "--sites", str(SITE), "-o", str(out)], capture_output=True,
                            text=True, timeout=60)
    assert second.returncode == 1
    assert "another batch is writing to this folder (process" in second.stderr
    assert f"{first.pid}" in second.stderr
    first.communicate(timeout=120)
    assert first.returncode == 0
    manifest_matches_disk(out)


# ---- incremental builds notice every change that matters ----------------------------------


def _batch(specs, out, libraries=(), previous=True, site=SITE):
    settings = Settings(out, libraries=tuple(libraries),
                        previous=read_manifest(out / "manifest.json") if previous else {})
    report = run(plan(sorted(specs.glob("*.yaml")), [site]), settings)
    write_manifest(out / "manifest.json", report.results)
    return report


def test_a_new_overriding_file_in_a_clinic_library_rebuilds(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "a.yaml").write_text("title: T\ntopics: [side-effects]\n")
    library = tmp_path / "ours"
    library.mkdir()
    out = tmp_path / "out"
    assert _batch(specs, out, [library]).summary() == "1 built, 0 unchanged, 0 failed"
    assert _batch(specs, out, [library]).summary() == "0 built, 1 unchanged, 0 failed"
    (library / "side-effects.md").write_text(
        "---\nid: side-effects\ntitle: Ours\nreviewed: 2026-11-01\noverrides: true\n---\n"
        "::: patient\nOur own words.\n:::\n::: clinician\nOurs.\n:::\n")
    assert _batch(specs, out, [library]).summary() == "1 built, 0 unchanged, 0 failed"


def test_adding_a_library_rebuilds(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "a.yaml").write_text("title: T\ntopics: [side-effects]\n")
    library = tmp_path / "ours"
    library.mkdir()
    out = tmp_path / "out"
    _batch(specs, out)
    assert _batch(specs, out, [library]).summary() == "1 built, 0 unchanged, 0 failed"


def test_manifest_names_package_files_by_identity(tmp_path, monkeypatch):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "a.yaml").write_text("title: T\ntopics: [side-effects]\n")
    out = tmp_path / "out"
    shutil.copytree(SITE.parent, tmp_path / "sites")
    monkeypatch.chdir(tmp_path)
    _batch(Path("specs"), Path("out"), site=Path("sites/carlsbad.yaml"))
    record = json.loads((out / "manifest.json").read_text())["outputs"][0]
    names = [name for name, _ in record["inputs"]]
    assert "specs/a.yaml" in names
    assert "handouts:content/topics/side-effects.md" in names
    assert "handouts:fonts/AtkinsonHyperlegible-Regular.ttf" in names
    assert "sites/carlsbad-logo.png" in names
    assert not any(name.startswith("/") for name in names)
    # the same batch in another folder (a manifest moved to another machine) still stands
    moved = tmp_path / "elsewhere"
    for folder in ("specs", "out", "sites"):
        shutil.copytree(tmp_path / folder, moved / folder)
    monkeypatch.chdir(moved)
    assert _batch(Path("specs"), Path("out"), site=Path("sites/carlsbad.yaml")).summary() == \
        "0 built, 1 unchanged, 0 failed"


def test_another_installation_rebuilds_everything(tmp_path, monkeypatch):
    from handouts.outputs import manifest

    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "a.yaml").write_text("title: T\ntopics: [side-effects]\n")
    out = tmp_path / "out"
    _batch(specs, out)
    monkeypatch.setattr(manifest, "engine", lambda: "another installation")
    assert _batch(specs, out).summary() == "1 built, 0 unchanged, 0 failed"


def test_a_rerun_with_another_source_date_epoch_keeps_a_spec_dated_handout(tmp_path,
                                                                            monkeypatch):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "a.yaml").write_text("title: T\ndate: 2026-05-04\ntopics: [side-effects]\n")
    out = tmp_path / "out"
    _batch(specs, out)
    before = (out / "carlsbad" / "a.pdf").read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert _batch(specs, out).summary() == "0 built, 1 unchanged, 0 failed"
    _batch(specs, out, previous=False)  # and a forced rebuild gives the same bytes
    assert (out / "carlsbad" / "a.pdf").read_bytes() == before


def test_a_stuck_pool_thread_never_keeps_the_batch_from_ending():
    """A worker killed mid-result leaves the pool's manager thread reading a pipe for ever,
    and Python's exit would wait for it (seen once, after five quick Ctrl-Cs): the
    batch then ends with its status at once, after flushing what it printed."""
    code = (
        "import os, threading\n"
        "from handouts.outputs import executors\n"
        "read, write = os.pipe()\n"
        "stuck = threading.Thread(target=os.read, args=(read, 1))\n"
        "stuck.start()\n"
        "executors.ABANDONED.append(stuck)\n"
        "print('manifest written', flush=False)\n"
        "executors.leave(130)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 130 and result.stdout == "manifest written\n"


def test_a_pool_whose_manager_thread_is_stuck_is_left_behind(monkeypatch):
    """The manager thread is taken before shutdown(), which forgets it (as CPython's
    ProcessPoolExecutor does); one that does not end in time is recorded for `leave`."""
    import threading

    from handouts.outputs import executors

    read, write = os.pipe()
    stuck = threading.Thread(target=os.read, args=(read, 1), daemon=True)
    stuck.start()

    class Pool:  # the parts of ProcessPoolExecutor that _stop_pool uses
        _processes: dict = {}
        _executor_manager_thread = stuck

        def shutdown(self, wait, cancel_futures):
            self._executor_manager_thread = None

    monkeypatch.setattr(executors, "MANAGER_GRACE", 0.1)
    monkeypatch.setattr(executors, "ABANDONED", [])
    executors._stop_pool(Pool(), executors.Stop(), kill=False)
    assert len(executors.ABANDONED) == 1 and executors.ABANDONED[0] is stuck
    os.write(write, b"x")  # let it go

