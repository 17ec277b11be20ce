"""Batch builds: every spec for every site, in parallel, incremental, fault-isolated.

A pure planner turns specs and sites into jobs; a pool of worker processes runs them; the
result is a `Report` (built, unchanged, failed) and a manifest. Nothing about a patient
reaches the manifest or the log lines: only file names, hashes, sizes and page counts.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path

from handouts import __version__
from handouts.errors import HandoutError, SpecError
from handouts.output import file_sha256, today, write_atomic

MANIFEST = "manifest.json"


@dataclass(frozen=True, order=True)
class Job:
    """One handout: a spec built for a site (or with its own site when `site` is None)."""

    output: str  # relative to the output folder: "<site>/<spec>.pdf"
    spec: str
    site: str | None = None


@dataclass(frozen=True)
class Result:
    output: str
    spec: str
    site: str | None
    status: str  # built | unchanged | failed
    inputs_sha256: str = ""
    pages: int = 0
    bytes: int = 0
    sha256: str = ""
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    inputs: tuple[tuple[str, str], ...] = ()  # (file, sha256) of everything it was made from
    date: str = ""
    date_from_spec: bool = False


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)
    interrupted: bool = False

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


def find_specs(inputs: Sequence[Path]) -> list[Path]:
    """Spec files given directly, or the *.yaml files at the top of a given folder."""
    out: list[Path] = []
    for path in inputs:
        if path.is_dir():
            out.extend(sorted(path.glob("*.yaml")))
        elif path.is_file():
            out.append(path)
        else:
            raise SpecError.one("spec file or folder not found", path)
    return out


def find_sites(inputs: Sequence[Path]) -> list[Path]:
    """Site files given directly, or every *.yaml in a given folder."""
    return find_specs(inputs)


def plan(specs: Sequence[Path], sites: Sequence[Path], shard: tuple[int, int] = (1, 1)
         ) -> list[Job]:
    """Every (site, spec) pair as a job, in a stable order; then this shard's slice."""
    if sites:
        jobs = [Job(f"{site.stem}/{spec.stem}.pdf", str(spec), str(site))
                for site in sites for spec in specs]
    else:
        jobs = [Job(f"{_own_site(spec)}/{spec.stem}.pdf", str(spec)) for spec in specs]
    jobs.sort()
    index, count = shard
    return [job for i, job in enumerate(jobs) if i % count == index - 1]


def _own_site(spec: Path) -> str:
    from handouts.spec import read_spec

    try:
        ref = read_spec(spec).data.get("site")
    except HandoutError:
        return "default"
    return Path(ref).stem if isinstance(ref, str) and ref.strip() else "default"


def parse_shard(text: str) -> tuple[int, int]:
    """'2/5' -> (2, 5): the second of five slices."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise SpecError.one(f"--shard {text!r} is not I/N", field="--shard",
                            hint="e.g. --shard 2/5 builds the second of five slices") from None
    if not 1 <= index <= count:
        raise SpecError.one(f"--shard {text!r}: I must be between 1 and N", field="--shard")
    return index, count


# ---- running ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    out_dir: Path
    force: bool = False
    libraries: tuple[Path, ...] = ()
    previous: dict[str, dict] = field(default_factory=dict)
    allow_outside_paths: bool = False
    fhir: Path | None = None  # every handout tailored to this FHIR file's medicines


def run(jobs: Sequence[Job], settings: Settings, workers: int = 1,
        progress: Callable[[Result], None] | None = None,
        checkpoint: Callable[[list[Result]], None] | None = None) -> Report:
    """Run every job; one failure never stops the others.

    Ctrl-C stops the batch and returns what was finished (`interrupted`); `checkpoint` is
    called with the results so far every few seconds, so even a killed batch leaves a
    manifest of what it built.
    """
    report = Report()
    remove_partial_files(settings.out_dir)
    stale = []
    for job in jobs:
        previous = settings.previous.get(job.output)
        if not settings.force and still_fresh(previous, settings.out_dir / job.output):
            result = Result(**{**previous, "status": "unchanged"})
            report.results.append(result)
            if progress:
                progress(result)
        else:
            stale.append(job)
    bad_sites = _check_sites({j.site for j in stale if j.site}, settings.allow_outside_paths)
    todo = []
    for job in stale:
        if job.site in bad_sites:
            report.results.append(Result(job.output, job.spec, job.site, "failed",
                                         problems=bad_sites[job.site]))
        else:
            todo.append(job)
    last = time.monotonic()
    try:
        for result in _execute(todo, settings, workers):
            report.results.append(result)
            if progress:
                progress(result)
            if checkpoint and time.monotonic() - last > CHECKPOINT_SECONDS:
                checkpoint(report.results)
                last = time.monotonic()
    except KeyboardInterrupt:
        report.interrupted = True
    report.results.sort(key=lambda r: r.output)
    return report


CHECKPOINT_SECONDS = 2.0


def remove_partial_files(out_dir: Path) -> None:
    """Temporary files a killed build left behind (never a PDF a user could print)."""
    if out_dir.is_dir():
        for stale in out_dir.rglob(".*.pdf.*.part"):
            stale.unlink(missing_ok=True)


def _check_sites(sites: Iterable[str], allow_outside: bool) -> dict[str, tuple[str, ...]]:
    """Load each site once up front: a broken site fails its jobs with one clear reason."""
    from handouts.site import load_site

    bad = {}
    for site in sorted(sites):
        try:
            load_site(Path(site), allow_outside)
        except HandoutError as exc:
            bad[site] = tuple(str(p) for p in exc.problems)
    return bad


def _execute(jobs: Sequence[Job], settings: Settings, workers: int) -> Iterable[Result]:
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield run_job(job, settings)
        return
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_warm_worker,
                               initargs=(settings.libraries,))
    futures = {pool.submit(run_job, job, settings): job for job in jobs}
    try:
        for future in as_completed(futures):
            try:
                yield future.result()
            except BrokenProcessPool:  # a worker was killed: its jobs fail, the rest stand
                job = futures[future]
                yield Result(job.output, job.spec, job.site, "failed",
                             problems=("a worker process stopped before finishing this "
                                       "handout; run the batch again to build it",))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _warm_worker(libraries: tuple[Path, ...]) -> None:
    """Load the library and register fonts once per worker, not once per handout.

    Ctrl-C is for the parent: it stops handing out work and waits for each worker to
    finish the handout in hand (a second or less), so no worker dies mid-file."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from handouts.library import open_library
    from handouts.render.fonts import FALLBACK, FAMILIES, family

    open_library(libraries)
    for family_id in (*FAMILIES, FALLBACK):
        family(family_id)


def run_job(job: Job, settings: Settings) -> Result:
    """Build one job; never raises for bad input (the failure is the result)."""
    from handouts.build import BuildOptions, build_prepared, input_files, prepare

    options = BuildOptions(out_dir=settings.out_dir, site=job.site,
                           libraries=settings.libraries,
                           allow_outside_paths=settings.allow_outside_paths, fhir=settings.fhir)
    try:
        prepared = prepare(Path(job.spec), options)
        spec_date = prepared.spec_file.spec.date
        date = (spec_date or today()).isoformat()
        inputs = tuple((str(p), file_sha256(p)) for p in input_files(prepared))
        target = settings.out_dir / job.output
        built = build_prepared(prepared, target, options)
        return Result(job.output, job.spec, job.site, "built", inputs_key(inputs, date),
                      built.pages, built.size, file_sha256(target),
                      warnings=tuple(str(w) for w in built.warnings), inputs=inputs,
                      date=date, date_from_spec=spec_date is not None)
    except HandoutError as exc:
        return Result(job.output, job.spec, job.site, "failed",
                      problems=tuple(str(p) for p in exc.problems))
    except Exception as exc:  # a bug in one handout must not stop the batch
        return Result(job.output, job.spec, job.site, "failed",
                      problems=(f"internal error: {type(exc).__name__}: {exc}",))


def still_fresh(previous: dict | None, target: Path) -> bool:
    """True if an earlier build of this output stands: the PDF is as it was written, and
    every file it was made from (spec, site, logo, content, fonts) hashes as it did then,
    and the date it carries is still the one it would get. No spec is parsed and nothing
    is laid out, so a rerun that changes nothing takes a moment."""
    if not previous or not previous.get("inputs"):
        return False
    try:
        if file_sha256(target) != previous.get("sha256"):
            return False
        if any(file_sha256(Path(name)) != digest for name, digest in previous["inputs"]):
            return False
    except OSError:  # an output or an input has gone
        return False
    return previous.get("date_from_spec") or previous.get("date") == today().isoformat()


def inputs_key(inputs: Iterable[tuple[str, str]], date: str) -> str:
    """One hash of everything that can change the bytes: files, engine version, date."""
    digest = hashlib.sha256(f"handouts {__version__}\n{date}\n".encode())
    for name, file_digest in inputs:
        digest.update(f"{Path(name).name}\0{file_digest}\n".encode())
    return digest.hexdigest()


# ---- the manifest -------------------------------------------------------------------------


def manifest_name(shard: tuple[int, int]) -> str:
    index, count = shard
    return MANIFEST if count == 1 else f"manifest.shard-{index}-of-{count}.json"


def read_manifest(path: Path) -> dict[str, dict]:
    """Previous results by output, for incremental builds; a missing or bad file, or one
    written by another version of handouts, is empty (everything is built again)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("handouts_version") != __version__:
            return {}
        fields = set(Result.__dataclass_fields__) - {"status", "problems"}
        return {o["output"]: {k: _tuples(v) for k, v in o.items() if k in fields}
                for o in data.get("outputs", [])}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _tuples(value):
    """JSON lists back into the tuples a Result holds."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def manifest_data(results: Iterable[Result], shard: tuple[int, int] = (1, 1)) -> dict:
    outputs, failures = [], []
    for r in sorted(results, key=lambda r: r.output):
        record = {k: v for k, v in asdict(r).items() if k not in ("problems", "status")}
        record["warnings"] = list(r.warnings)
        if r.status == "failed":
            failures.append({"output": r.output, "spec": r.spec, "site": r.site,
                             "problems": list(r.problems)})
        else:
            outputs.append(record)
    data = {"handouts_version": __version__, "outputs": outputs, "failures": failures}
    if shard != (1, 1):
        data["shard"] = list(shard)
    return data


def with_previous(results: Sequence[Result], settings: Settings) -> list[Result]:
    """This run's results, plus the previous manifest's records for outputs it did not
    reach (an interrupted run must not forget what earlier runs built)."""
    done = {r.output for r in results}
    kept = [Result(**{**record, "status": "unchanged"})
            for output, record in settings.previous.items() if output not in done]
    return [*results, *kept]


def write_manifest(path: Path, results: Iterable[Result], shard: tuple[int, int] = (1, 1)
                   ) -> None:
    text = json.dumps(manifest_data(results, shard), indent=2, sort_keys=True) + "\n"
    write_atomic(path, text.encode("utf-8"))


def merge_manifests(paths: Sequence[Path], partial: bool = False) -> dict:
    """Shard manifests -> one manifest. Every shard of the split must be there (unless
    `partial`), and an output listed twice is an error: a merge never quietly replaces a
    whole batch's manifest with a slice of it."""
    outputs: dict[str, dict] = {}
    failures: list[dict] = []
    seen: dict[int, Path] = {}
    counts: set[int] = set()
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SpecError.one(f"cannot read manifest ({exc})", path) from None
        index, count = data.get("shard") or (None, None)
        if index is None:
            raise SpecError.one("not the manifest of a shard (made without --shard)", path,
                                hint="merge the manifest.shard-I-of-N.json files of one batch")
        if index in seen:
            raise SpecError.one(f"shard {index} is given twice", path)
        seen[index] = path
        counts.add(count)
        for record in data.get("outputs", []):
            if record["output"] in outputs:
                raise SpecError.one(f"output {record['output']} is in more than one manifest",
                                    path, hint="merge manifests of different shards only")
            outputs[record["output"]] = record
        failures.extend(data.get("failures", []))
    if len(counts) > 1:
        raise SpecError.one(f"the manifests come from different splits ({sorted(counts)} "
                            "shards)", hint="merge the shards of one batch")
    missing = [i for i in range(1, (counts or {1}).pop() + 1) if i not in seen]
    if missing and not partial:
        many = len(missing) > 1
        raise SpecError.one(f"shard{'s' if many else ''} {', '.join(map(str, missing))} "
                            f"{'are' if many else 'is'} missing",
                            hint="wait for every machine's manifest, or pass --partial")
    return {"handouts_version": __version__,
            "outputs": [outputs[k] for k in sorted(outputs)],
            "failures": sorted(failures, key=lambda f: f["output"])}


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)

