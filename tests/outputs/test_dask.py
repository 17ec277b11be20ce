"""Batch on a real Dask cluster: a `dask scheduler` and two `dask worker` processes on
127.0.0.1, started here. The client plans and writes; workers lay out and return bytes; a
worker lost mid-batch loses no handout."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SPECS
from tests.pdfcheck import structural_problems

pytest.importorskip("distributed", reason="the dask extra is part of the test extra")

DASK = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
WORKER = [sys.executable, "-m", "distributed.cli.dask_worker"]


def _address(scheduler_file: Path, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if scheduler_file.exists():
            try:
                return json.loads(scheduler_file.read_text())["address"]
            except (ValueError, KeyError):
                pass
        time.sleep(0.2)
    pytest.fail("the Dask scheduler did not start")


def _workers_up(address: str, count: int, timeout: float = 60) -> None:
    from distributed import Client

    with Client(address, timeout=30) as client:
        client.wait_for_workers(count, timeout=timeout)


@pytest.fixture
def cluster(tmp_path):
    """A scheduler and two single-threaded worker processes, in a folder of their own (so
    nothing works by sharing our working folder by accident)."""
    home = tmp_path / "cluster"
    home.mkdir()
    scheduler_file = home / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": home}
    processes = [subprocess.Popen([*DASK, "--host", "127.0.0.1", "--port", "0",
                                   "--no-dashboard", "--scheduler-file", str(scheduler_file)],
                                  start_new_session=True, **quiet)]
    address = _address(scheduler_file)
    for i in range(2):
        processes.append(subprocess.Popen(
            [*WORKER, address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard",
             "--host", "127.0.0.1", "--name", f"w{i}"], start_new_session=True, **quiet))
    _workers_up(address, 2)
    yield address, processes
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _specs(folder: Path, count: int) -> Path:
    folder.mkdir()
    for i in range(count):
        (folder / f"h{i:02}.yaml").write_text(
            "title: T\ntopics: [ketamine-basics, side-effects, how-it-works]\n")
    return folder


def _batch(tmp_path: Path, *args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "handouts", "batch", *args],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "CI": "1"}, **popen)


def test_a_batch_on_two_dask_workers_matches_a_local_one(tmp_path, cluster):
    address, _ = cluster
    specs = _specs(tmp_path / "specs", 8)
    site = SPECS / "sites" / "carlsbad.yaml"
    done = _batch(tmp_path, "specs", "--sites", str(site), "-o", "out", "--scheduler", address)
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err
    assert "8 built, 0 unchanged, 0 failed" in out
    local = _batch(tmp_path, "specs", "--sites", str(site), "-o", "local", "-j", "1")
    local.communicate(timeout=300)
    for spec in sorted(specs.glob("*.yaml")):
        name = f"carlsbad/{spec.stem}.pdf"
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
        assert structural_problems(tmp_path / "out" / name) == []
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert {r["output"] for r in manifest["outputs"]} == \
        {f"carlsbad/{s.stem}.pdf" for s in specs.glob("*.yaml")}
    assert "specs/h00.yaml" in [name for name, _ in manifest["outputs"][0]["inputs"]]
    again = _batch(tmp_path, "specs", "--sites", str(site), "-o", "out", "--scheduler", address)
    out, _ = again.communicate(timeout=300)
    assert "0 built, 8 unchanged, 0 failed" in out  # incremental, as with local workers


def test_a_worker_lost_mid_batch_loses_no_handout(tmp_path, cluster):
    address, processes = cluster
    _specs(tmp_path / "specs", 40)
    site = SPECS / "sites" / "carlsbad.yaml"
    running = _batch(tmp_path, "specs", "--sites", str(site), "-o", "out", "--scheduler",
                     address)
    for line in running.stderr:
        if "built" in line:
            break
    os.killpg(processes[1].pid, signal.SIGKILL)  # one worker (and its nanny) gone
    out, err = running.communicate(timeout=300)
    assert running.returncode == 0, err
    assert "40 built, 0 unchanged, 0 failed" in out
    built = sorted((tmp_path / "out" / "carlsbad").glob("*.pdf"))
    assert len(built) == 40 and all(structural_problems(p) == [] for p in built)


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    _specs(tmp_path / "specs", 1)
    done = _batch(tmp_path, "specs", "-o", "out", "--scheduler", "tcp://127.0.0.1:9")
    _, err = done.communicate(timeout=120)
    assert done.returncode == 1 and "cannot reach the Dask scheduler" in err
    assert "Traceback" not in err


def test_a_dask_batch_names_files_as_a_local_one_does(tmp_path, cluster):
    """Warnings and errors from the workers name the site and spec files by the paths the
    batch was given, as a local run does, not where the workers found them."""
    address, _ = cluster
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites" / "grey.yaml").write_text(
        'name: Grey\ncolors:\n  primary: "#777777"\n  accent: "#7A7A7A"\n')
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "a.yaml").write_text("title: T\ntopics: [benefits]\n")
    (tmp_path / "specs" / "b.yaml").write_text("title: T\ntopics: [nope]\n")
    said = []
    for options in (["--scheduler", address, "-o", "out"], ["-j", "1", "-o", "local"]):
        done = _batch(tmp_path, "specs", "--sites", "sites", *options)
        _, err = done.communicate(timeout=300)
        said.append(sorted(line for line in err.splitlines() if ": " in line))
    assert said[0] == said[1]
    assert any(line.startswith("grey/a.pdf: sites/grey.yaml:3: warning") for line in said[0])
    assert any(line.startswith("error: grey/b.pdf: specs/b.yaml:2: topics") for line in said[0])
    assert str(tmp_path) not in "\n".join(said[0])
