"""Batch builds: every spec for every site, in parallel, incremental, fault-isolated.

A pure planner turns specs and sites into jobs; an executor runs them (see executors.py);
this process alone writes the PDFs and the manifest, under a lock on the output folder.
The result is a `Report` (built, unchanged, failed). Nothing about a patient reaches the
manifest or the log lines: only file names, hashes, sizes and page counts.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from handouts.errors import HandoutError, Problem, SpecError, UsageError, shorten
from handouts.files import PART_SUFFIX, is_plain_name, is_stale_part, write_atomic
from handouts.outputs.executors import Executor, Local, Stop
from handouts.outputs.jobs import Job, Outcome, Settings
from handouts.outputs.manifest import Result, still_fresh
from handouts.outputs.names import handout_id

LOCK_FILE = ".handouts-batch.lock"
CHECKPOINT_SECONDS = 2.0


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)
    interrupted: bool = False
    signal: int = 0

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.status == "failed"]

    def summary(self) -> str:
        parts = [f"{self.count('built')} built", f"{self.count('unchanged')} unchanged",
                 f"{self.count('failed')} failed"]
        return ", ".join(parts)


# ---- planning -----------------------------------------------------------------------------


def find_specs(inputs: Sequence[Path], kind: str = "spec") -> list[Path]:
    """Spec files given directly, or the *.yaml files at the top of a given folder."""
    out: list[Path] = []
    for path in inputs:
        if path.is_dir():
            out.extend(sorted(path.glob("*.yaml")))
        elif path.is_file():
            out.append(path)
        elif path.exists():
            raise SpecError.one(f"the {kind} file is not a regular file (a device, pipe or "
                                "socket)", path, hint=f"give a {kind} file or a folder of them")
        else:
            raise SpecError.one(f"{kind} file or folder not found", path)
    return out


def find_sites(inputs: Sequence[Path]) -> list[Path]:
    """Site files given directly, or every *.yaml in a given folder."""
    return find_specs(inputs, "site")


def plan(specs: Sequence[Path], sites: Sequence[Path], shard: tuple[int, int] = (1, 1),
         languages: Sequence[str] = ()) -> list[Job]:
    """Every (site, spec) pair as a job, in a stable order; then this shard's slice. With
    `languages`, each pair once in each language (its output named by the language), but
    a clinician spec only in English: only patient text is translated.

    Output names come from file names, so each must be a plain name, and no two inputs may
    claim the same output: a clash is refused rather than one PDF silently overwriting
    another."""
    problems = [Problem(f"the file name {shorten(p.name)} cannot name an output", str(p),
                        hint="rename it: letters, digits, '.', '-', '_', not starting "
                             "with a dot")
                for p in {*specs, *sites} if not is_plain_name(p.stem)]
    if problems:
        raise SpecError(problems)
    pairs = [(site.stem, spec, str(site)) for site in sites for spec in specs] if sites else \
        [(_own_site(spec), spec, None) for spec in specs]
    if languages:
        english_only = {spec for spec in specs if _audience(spec) == "clinician"}
        jobs = {Job(f"{folder}/{handout_id(spec.stem, language)}.pdf", str(spec), site,
                    language)
                for folder, spec, site in pairs for language in languages
                if language == "en" or spec not in english_only}
    else:
        jobs = {Job(f"{folder}/{handout_id(spec.stem)}.pdf", str(spec), site)
                for folder, spec, site in pairs}
    _refuse_clashes(jobs)
    index, count = shard
    return [job for i, job in enumerate(sorted(jobs)) if i % count == index - 1]


def _refuse_clashes(jobs: set[Job]) -> None:
    by_output: dict[str, list[Job]] = {}
    for job in jobs:  # by case-folded name: macOS and Windows folders ignore case
        by_output.setdefault(job.output.casefold(), []).append(job)
    problems = []
    for _, claims in sorted(by_output.items()):
        if len({(Path(j.spec).resolve(), j.site and Path(j.site).resolve())
                for j in claims}) > 1:
            specs, sites = {j.spec for j in claims}, {j.site or "" for j in claims}
            files = " and ".join(sorted(specs if len(specs) > 1 else sites))
            outputs = sorted({j.output for j in claims})
            case = " (names that differ only in case are one file on macOS and Windows)" \
                if len(outputs) > 1 else ""
            problems.append(Problem(f"{files} would both be written to "
                                    f"{' and '.join(outputs)}{case}",
                                    hint="give the specs (or sites) different file names, "
                                         "or build them into different folders"))
    if problems:
        raise SpecError(problems)


def english_only(jobs: Sequence[Job], languages: Sequence[str]) -> int:
    """How many specs were planned in English alone although other languages were asked
    for (clinician specs)."""
    if not set(languages) - {"en"}:
        return 0
    by_spec: dict[str, set[str | None]] = {}
    for job in jobs:
        by_spec.setdefault(job.spec, set()).add(job.language)
    return sum(1 for found in by_spec.values() if found == {"en"})


def _audience(spec: Path) -> str | None:
    """A spec's audience as written (read once per spec, for planning languages)."""
    from handouts.inputs.spec import read_spec  # start-up: as in _own_site

    try:
        audience = read_spec(spec).data.get("audience")
    except HandoutError:
        return None
    return audience.strip().lower() if isinstance(audience, str) else None


def _own_site(spec: Path) -> str:
    # The spec models (pydantic) load only when a spec is read: a rerun that finds every
    # handout fresh never needs them (start-up time).
    from handouts.inputs.spec import read_spec

    try:
        data = read_spec(spec).data
        if isinstance(data.get("packet"), dict):  # a packet file: its first spec's site
            first = (data["packet"].get("specs") or [None])[0]
            if isinstance(first, str) and first.strip():
                data = read_spec(spec.parent / first).data
        ref = data.get("site")
    except HandoutError:
        return "default"
    stem = Path(ref).stem if isinstance(ref, str) and ref.strip() else "default"
    return stem if is_plain_name(stem) else "default"


def parse_shard(text: str) -> tuple[int, int]:
    """'2/5' -> (2, 5): the second of five slices."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise UsageError.one(f"{shorten(text)} is not I/N", field="--shard",
                             hint="e.g. --shard 2/5 builds the second of five slices") from None
    if not 1 <= index <= count <= 100_000:
        raise UsageError.one(f"{shorten(text)}: I must be between 1 and N",
                             field="--shard", hint="e.g. --shard 2/5")
    return index, count


# ---- running ------------------------------------------------------------------------------


def run(jobs: Sequence[Job], settings: Settings, workers: int = 1,
        progress: Callable[[Result], None] | None = None,
        checkpoint: Callable[[list[Result]], None] | None = None,
        executor: Executor | None = None, stop: Stop | None = None) -> Report:
    """Run every job; one failure never stops the others.

    Ctrl-C (or SIGTERM) finishes the handouts in hand and returns what was done
    (`interrupted`); a second one stops at once. `checkpoint` is called with the results
    so far every few seconds, so even a killed batch leaves a manifest of what it built.
    """
    report = Report()
    remove_partial_files(settings.out_dir)
    todo = []
    for job in jobs:
        previous = settings.previous.get(job.output)
        if not settings.force and still_fresh(previous, settings.out_dir / job.output,
                                               settings.libraries, settings.formats,
                                               settings.out_dir):
            _add(report, Result(**{**previous, "status": "unchanged"}), progress)
        else:
            todo.append(job)
    bad_sites = _check_sites({j.site for j in todo if j.site}, settings.allow_outside_paths)
    for job in [j for j in todo if j.site in bad_sites]:
        _add(report, Result(job.output, job.spec, job.site, "failed",
                            problems=bad_sites[job.site]), progress)
    todo = [j for j in todo if j.site not in bad_sites]
    stop = stop or Stop()
    executor = executor or Local(workers)
    _collect(executor.run(todo, settings, stop), settings, report, stop, progress, checkpoint)
    report.interrupted, report.signal = stop.requested, stop.signal
    report.results.sort(key=lambda r: r.output)
    return report


def _collect(outcomes: Iterator[Outcome], settings: Settings, report: Report, stop: Stop,
             progress, checkpoint) -> None:
    """Write each finished PDF (here, atomically), record it, checkpoint the manifest."""
    last = dt.datetime.now().timestamp()
    try:
        for result, outputs in outcomes:
            if outputs is not None:
                try:
                    for fmt, data in outputs.items():
                        write_atomic((settings.out_dir / result.output).with_suffix(f".{fmt}"),
                                     data)
                except HandoutError as exc:
                    result = Result(result.output, result.spec, result.site, "failed",
                                    problems=tuple(str(p) for p in exc.problems))
            _add(report, result, progress)
            now = dt.datetime.now().timestamp()
            if checkpoint and now - last > CHECKPOINT_SECONDS:
                checkpoint(report.results)
                last = now
    except KeyboardInterrupt:  # a second Ctrl-C while this process laid a handout out
        stop.requested = stop.now = True
    finally:
        outcomes.close()  # type: ignore[attr-defined]


def _add(report: Report, result: Result, progress) -> None:
    report.results.append(result)
    if progress:
        progress(result)


@contextmanager
def stop_signals(stop: Stop) -> Iterator[Stop]:
    """Ctrl-C and SIGTERM ask the batch to stop: the first finishes what is in hand, the
    second stops at once; any more are ignored while the manifest is written."""
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum, _frame):
        if not stop.requested:
            stop.requested, stop.signal = True, signum
        elif not stop.now:
            stop.now = True
            if stop.interruptible:  # abandon the handout this process is laying out
                raise KeyboardInterrupt
    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:  # once asked to stop, further presses are ignored until we have exited
        for s, h in previous.items():
            signal.signal(s, signal.SIG_IGN if stop.requested else h)


def remove_partial_files(out_dir: Path) -> None:
    """Temporary files a dead build left behind (never a PDF a user could print, and never
    the file a running build is writing)."""
    if out_dir.is_dir():
        for part in out_dir.rglob(f".*{PART_SUFFIX}"):
            if is_stale_part(part):
                part.unlink(missing_ok=True)


def _check_sites(sites, allow_outside: bool) -> dict[str, tuple[str, ...]]:
    """Load each site once up front: a broken site fails its jobs with one clear reason."""
    from handouts.inputs.site import load_site  # as read_spec: start-up time

    bad = {}
    for site in sorted(sites):
        try:
            load_site(Path(site), allow_outside)
        except HandoutError as exc:
            bad[site] = tuple(str(p) for p in exc.problems)
    return bad


@contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """One batch at a time per output folder: a second is refused, told who holds it."""
    try:
        import fcntl
    except ImportError:  # not on Windows: no lock, as before
        yield
        return
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(out_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0),
                     0o644)
    except OSError as exc:
        raise HandoutError(Problem(f"cannot use the output folder ({exc.strerror})",
                                   str(out_dir), hint="choose another with -o")) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "another process"
            raise HandoutError(Problem(f"another batch is writing to this folder ({holder})",
                                       str(out_dir), hint="wait for it to finish, or write "
                                                          "elsewhere with -o")) from None
        since = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"process {os.getpid()} on {socket.gethostname()}, since {since}"
                  .encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)
