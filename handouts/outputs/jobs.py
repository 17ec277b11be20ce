"""One batch job: a spec built for a site, the settings every job shares, and `run_job`,
which builds a job in memory and returns its Outcome (the manifest's Result and the bytes of
each format). Executors run jobs wherever they run; only the batch's own process writes."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from handouts.errors import HandoutError, Problem, UsageError, capped, internal_error
from handouts.files import file_sha256, today
from handouts.outputs.collecting import COLLECTOR
from handouts.outputs.manifest import Result, identity, inputs_key, library_listing

Outcome = tuple[Result, dict[str, bytes] | None]  # the bytes of each format


@dataclass(frozen=True, order=True)
class Job:
    """One handout: a spec built for a site (or with its own site when `site` is None)."""

    output: str  # relative to the output folder: "<site>/<spec>.pdf"
    spec: str
    site: str | None = None
    language: str | None = None  # batch --language: this job's; None: the spec's own


@dataclass(frozen=True)
class Settings:
    out_dir: Path
    force: bool = False
    libraries: tuple[Path, ...] = ()
    previous: dict[str, dict] = field(default_factory=dict)
    allow_outside_paths: bool = False
    base: Path | None = None  # relative paths are relative to this (on remote workers)
    fhir: Path | None = None  # every handout tailored to this FHIR file's medicines
    formats: tuple[str, ...] = ("pdf",)

    def __post_init__(self):
        if "pdf" not in self.formats:
            raise UsageError.one("a batch always builds the PDFs", field="--format",
                                 hint="give --format pdf or --format pdf,html")

    def at(self, path: Path) -> Path:
        """A path as given to the batch, where this process finds it."""
        return path if self.base is None or path.is_absolute() else self.base / path


def as_given(problem: Problem, settings: Settings) -> Problem:
    """A problem named by its file's path as the batch was given it, not as a remote worker
    found it (under `base`): a Dask run says what a local run says."""
    if settings.base is None or not problem.file:
        return problem
    try:
        return dataclasses.replace(problem, file=str(Path(problem.file).relative_to(settings.base)))
    except ValueError:  # a file given by an absolute path, outside the folder
        return problem


def failed(job, message: str) -> Outcome:
    return Result(job.output, job.spec, job.site, "failed", problems=(message,)), None


def for_workers(settings):
    """What a worker needs of the settings: not the previous manifest, which only the
    parent reads and which would otherwise travel with every job."""
    return dataclasses.replace(settings, previous={})


def run_job(job: Job, settings: Settings) -> Outcome:
    """Build one job in memory; never raises for bad input (the failure is the result)."""
    with COLLECTOR.job():  # a worker's garbage collected between handouts, not during
        return _run_job(job, settings)


def _run_job(job: Job, settings: Settings) -> Outcome:
    # Imported here, not above: planning a batch and a rerun with nothing to build never
    # load the engine (ReportLab and the library), which is most of the start-up time.
    from handouts.outputs.build import BuildOptions, input_files, make_outputs, page_count, prepare
    from handouts.outputs.names import check_private_name

    options = BuildOptions(out_dir=settings.out_dir,
                           site=str(settings.at(Path(job.site))) if job.site else None,
                           libraries=tuple(settings.at(p) for p in settings.libraries),
                           allow_outside_paths=settings.allow_outside_paths,
                           fhir=settings.at(settings.fhir) if settings.fhir else None,
                           formats=settings.formats, language=job.language)
    try:
        packet = _packet_file(settings.at(Path(job.spec)), settings)
        if packet is not None:  # a packet file: its specs as one packet
            # imported here, as build above: start-up time
            from handouts.outputs.packet import PacketOptions, make_packet, same_packet

            parts = [prepare(path, options) for path in packet.specs]
            problems = same_packet(parts)
            if problems:
                raise HandoutError(problems)
            files = [packet.path] + [f for one in parts for f in input_files(one)]
        else:
            parts = [prepare(settings.at(Path(job.spec)), options)]
            files = input_files(parts[0])
        prepared = parts[0]
        for one in parts:
            check_private_name(settings.out_dir / job.output, one.spec_file,
                               drugs=one.library.drugs)
        spec_date = prepared.spec_file.spec.date
        date = (spec_date or today()).isoformat()
        inputs = tuple((identity(p, settings.base), file_sha256(p))
                       for p in dict.fromkeys(files))
        roots = prepared.library.roots[1:]
        listing = library_listing(roots)
        if packet is not None:
            outputs, warnings = make_packet(parts, options,
                                           PacketOptions(packet.title, packet.path.stem,
                                                         packet.titles))
        else:
            outputs, warnings = make_outputs(prepared, options)
        pdf = outputs["pdf"]
        others = tuple((Path(job.output).with_suffix(f".{fmt}").as_posix(), len(data),
                        hashlib.sha256(data).hexdigest())
                       for fmt, data in outputs.items() if fmt != "pdf")
        return Result(job.output, job.spec, job.site, "built", inputs_key(inputs, date, listing),
                      page_count(pdf), len(pdf), hashlib.sha256(pdf).hexdigest(),
                      warnings=tuple(str(as_given(w, settings)) for w in warnings),
                      inputs=inputs, date=date,
                      date_from_spec=spec_date is not None,
                      libraries=tuple(identity(r, settings.base) for r in roots),
                      given_libraries=tuple(identity(settings.at(p), settings.base)
                                            for p in settings.libraries),
                      listing=listing, formats=settings.formats, others=others), outputs
    except HandoutError as exc:
        return Result(job.output, job.spec, job.site, "failed",
                      problems=tuple(str(as_given(p, settings))
                                     for p in capped(exc.problems))), None
    except Exception as exc:  # a bug in one handout must not stop the batch
        return Result(job.output, job.spec, job.site, "failed",
                      problems=(internal_error(exc),)), None


def _packet_file(path: Path, settings: Settings):
    """The packet file at `path` (read and checked), or None when it is a spec. (Its
    readers load pydantic: imported here for start-up time, as in run_job.)"""
    from handouts.inputs.packetfile import is_packet, read_packet
    from handouts.inputs.spec import read_spec

    try:
        packet = is_packet(read_spec(path))
    except HandoutError:  # said again, located, when the spec is built
        return None
    return read_packet(path, settings.allow_outside_paths) if packet else None
