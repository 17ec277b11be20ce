"""A batch stopped by Ctrl-C or a killed worker leaves whole PDFs only, a manifest of what
it built, and a rerun finishes the rest."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import handouts.outputs.jobs as job_module
from handouts.outputs.batch import plan, run
from handouts.outputs.jobs import Settings
from handouts.outputs.manifest import read_manifest, write_manifest
from tests.conftest import SPECS
from tests.pdfcheck import structural_problems

SITE = SPECS / "sites" / "carlsbad.yaml"
REAL_RUN_JOB = job_module.run_job


def dies_on_h03(job, settings):
    """A worker that is killed (as by the OOM killer) when it reaches one handout."""
    if job.spec.endswith("h03.yaml"):
        os.kill(os.getpid(), signal.SIGKILL)
    return REAL_RUN_JOB(job, settings)


def many_specs(folder: Path, count: int) -> list[Path]:
    folder.mkdir()
    for i in range(count):
        (folder / f"h{i:02}.yaml").write_text(
            "title: T\ntopics: [ketamine-basics, side-effects, how-it-works]\n")
    return sorted(folder.glob("*.yaml"))


def check_outputs(out: Path) -> dict:
    assert not list(out.rglob("*.part"))
    manifest = json.loads((out / "manifest.json").read_text())
    for record in manifest["outputs"]:
        assert structural_problems(out / record["output"]) == []
    return manifest


def test_ctrl_c_leaves_a_manifest_and_a_rerun_finishes(tmp_path):
    specs = many_specs(tmp_path / "specs", 30)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "handouts", "batch", str(tmp_path / "specs"), "--sites",
               str(SITE), "-o", str(out), "-j", "2"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True, start_new_session=True,
                               env={**os.environ, "CI": "1"})
    for line in process.stderr:  # wait until the batch is under way, then press Ctrl-C
        if "built" in line:
            break
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode in (130, 0)
    assert "Traceback" not in err
    first = check_outputs(out)
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0
    assert f"{len(first['outputs'])} unchanged" in rerun.stdout or not first["outputs"]
    final = check_outputs(out)
    assert len(final["outputs"]) == len(specs)


def test_a_killed_worker_loses_no_job_and_a_rerun_builds_what_failed(tmp_path, monkeypatch):
    specs = many_specs(tmp_path / "specs", 6)
    out = tmp_path / "out"
    monkeypatch.setattr(job_module, "run_job", dies_on_h03)  # workers fork from here
    jobs = plan(specs, [SITE])
    report = run(jobs, Settings(out), workers=2)
    write_manifest(out / "manifest.json", report.results)
    # the jobs that were in flight with it are run again, each alone; only the one that
    # kills its worker fails, and says so
    assert [r.output for r in report.failed] == ["carlsbad/h03.pdf"]
    assert "worker process stopped while building" in report.failed[0].problems[0]
    assert report.count("built") == len(specs) - 1
    check_outputs(out)
    monkeypatch.setattr(job_module, "run_job", REAL_RUN_JOB)
    again = run(jobs, Settings(out, previous=read_manifest(out / "manifest.json")), workers=2)
    assert again.count("failed") == 0
    assert again.count("built") == len(report.failed)
