"""The command line: a thin shell over build, library and spec functions.

Each command imports what it uses inside its own function, so `handouts --help`, `colors`
or a batch with nothing to do never load ReportLab, pydantic or the library (start-up
time: a cold `handouts build` is mostly imports)."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import re
import signal
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path

import click

from handouts import __version__
from handouts.errors import HandoutError, UsageError, capped, internal_error, shorten

PAPERS = click.Choice(["letter", "a4"], case_sensitive=False)
FORMAT_HELP = "Outputs: pdf, html (the accessible HTML twin) or pdf,html."
# options several commands share, said the same way in each
library_option = click.option("--library", "libraries", multiple=True,
                              type=click.Path(file_okay=False, path_type=Path),
                              help="A clinic's own content folder (repeatable).")
outside_option = click.option("--allow-outside-paths", is_flag=True, help="Let specs and site "
                              "files name files outside their own folders.")
format_option = click.option("--format", "formats", default="pdf", show_default=True,
                             help=FORMAT_HELP)
MEDS_HELP = ("Medicines as the chart prints them: one per line, or separated by commas on one "
             "line; '-' reads them from standard input.")
LANGUAGE_HELP = ("The handout's language (en, es): overrides the spec and its site; the file "
                 "name says it (intake-es.pdf). Patient handouts only.")
MEDS_FILE_HELP = "A file of medicines, as pasted from the chart (one per line)."
MAX_MEDS_BYTES = 200_000  # four times the web form's paste limit


def medicines_options(tailored: str, added: str = ""):
    """--meds, --meds-file and --fhir: the patient's medicines, which tailor `tailored`."""
    def decorate(command):
        for option in reversed((
                click.option("--meds", help=MEDS_HELP + added),
                click.option("--meds-file", type=click.Path(dir_okay=False, path_type=Path),
                             help=MEDS_FILE_HELP + added),
                click.option("--fhir", type=click.Path(dir_okay=False, path_type=Path),
                             help="A FHIR R4 Bundle, MedicationStatement or "
                             "MedicationRequest (JSON) whose current medicines tailor "
                             f"{tailored}."))):
            command = option(command)
        return command
    return decorate


def quiet_collector() -> None:
    """Keep the objects made while importing out of the garbage collector's full passes:
    a one-off command would otherwise spend tens of milliseconds scanning them."""
    gc.freeze()


def reports_errors(command: Callable) -> Callable:
    """Print HandoutErrors one problem per line and exit 1 (2 for a command line that
    cannot be right); never show a traceback, nor the text of an unexpected exception
    (which may quote a patient's data): HANDOUTS_DEBUG=1 shows it, for a developer."""
    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except HandoutError as exc:
            for problem in capped(exc.problems):
                click.echo(f"error: {problem}" if problem.severity == "error" else str(problem),
                           err=True)
            sys.exit(2 if isinstance(exc, UsageError) else 1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:  # `handouts list ... | head`: the reader has had enough
            _quiet_stdout()
            sys.exit(0)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # a bug: say so plainly, without a traceback
            if os.environ.get("HANDOUTS_DEBUG"):
                raise
            click.echo(internal_error(exc), err=True)
            sys.exit(3)
    return wrapper


def output_option(option: Path | None, out_name: str | None, ext: str
                  ) -> tuple[Path, str | None]:
    """-o on every command that writes a handout: a folder, or a file name ending in `ext`
    (the folder and --out-name in one)."""
    if option is None or option.suffix.lower() != ext:
        return option or Path("build"), out_name
    if out_name:
        raise click.UsageError(f"give -o FOLDER with --out-name, or -o NAME{ext} alone")
    return option.parent, option.name


def _pages(count: int) -> str:
    return f"{count} page{'s' * (count != 1)}"


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so Python's own flush at exit does not complain too."""
    with contextlib.suppress(OSError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="handouts")
def main() -> None:
    """Clinic-branded PDF handouts about ketamine and esketamine treatment."""


OUT_HELP = ("Folder for the {what} (default: build/), or, for one {one}, a file name ending "
            "in {ext}.")


@main.command()
@click.argument("specs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--out-dir", type=click.Path(path_type=Path),
              help=OUT_HELP.format(what="PDFs", one="spec", ext=".pdf"))
@click.option("--site", help="Site id (specs/sites/<id>.yaml) or path; overrides the spec.")
@click.option("--paper", type=PAPERS, help="Paper size; overrides the spec and site.")
@click.option("--large-print", is_flag=True, help="18 pt type, one column (as large_print: true).")
@medicines_options("the handout")
@click.option("--out-name", help="File name for the PDF (one spec only).")
@click.option("--strict", is_flag=True, help="Treat warnings (unknown medicines) as errors.")
@library_option
@outside_option
@format_option
@click.option("--language", help=LANGUAGE_HELP)
@reports_errors
def build(specs: tuple[Path, ...], out_dir: Path | None, site: str | None, paper: str | None,
          large_print: bool, meds: str | None, meds_file: Path | None, fhir: Path | None,
          out_name: str | None,
          strict: bool, libraries: tuple[Path, ...], allow_outside_paths: bool,
          formats: str, language: str | None) -> None:
    """Build handouts from SPEC files into PDFs (and HTML twins); a packet file into its
    packet."""
    from handouts.files import parse_formats
    from handouts.inputs.packetfile import packet_at
    from handouts.outputs.build import BuildOptions
    from handouts.outputs.build import build as build_one
    from handouts.outputs.packet import build_packet_file

    quiet_collector()
    out_dir, out_name = output_option(out_dir, out_name, ".pdf")
    if out_name and len(specs) > 1:
        raise click.UsageError("--out-name (or -o FILE.pdf) works with one spec only")
    options = BuildOptions(out_dir, site, paper.lower() if paper else None,
                           read_meds(meds, meds_file),
                           out_name, strict, libraries, allow_outside_paths, fhir=fhir,
                           large_print=large_print, formats=parse_formats(formats),
                           language=language_option(language))
    failed = []
    shown: set[str] = set()
    for spec in specs:
        try:
            packet_file = packet_at(spec, allow_outside_paths)
            built = build_packet_file(packet_file, options) if packet_file else \
                build_one(spec, options)
        except HandoutError as exc:
            failed.extend(exc.problems)
            continue
        for note in built.notes:
            click.echo(note, err=True)
        for warning in built.warnings:
            if str(warning) not in shown:  # a site's colour warning once, not per spec
                shown.add(str(warning))
                click.echo(str(warning), err=True)
        pages = f"{_pages(built.pages)}, " if built.pages else ""
        click.echo(f"wrote {built.path} ({pages}{built.size / 1024:.0f} KB)")
        for path, size in built.others:
            click.echo(f"wrote {path} ({size / 1024:.0f} KB)")
    if failed:  # a site shared by several specs is wrong once, not once per spec
        raise HandoutError(list(dict.fromkeys(failed)))


@main.command()
@click.argument("specs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--out", "out", required=True, type=click.Path(path_type=Path),
              help="The packet's PDF (a name ending in .pdf); its HTML twin goes beside it.")
@click.option("--title", help="The packet's title on its cover (default: 'Your visit packet', "
              "in the packet's language).")
@click.option("--site", help="Site id (specs/sites/<id>.yaml) or path; overrides every spec's.")
@click.option("--paper", type=PAPERS, help="Paper size; overrides the specs and site.")
@click.option("--large-print", is_flag=True, help="18 pt type, one column.")
@medicines_options("the first handout", " Added to the first spec's patient: its handout "
                   "is tailored, and the cover lists them.")
@click.option("--strict", is_flag=True, help="Treat warnings (unknown medicines) as errors.")
@library_option
@outside_option
@format_option
@click.option("--language", help="The packet's language (en, es): overrides the specs and "
              "their site. Patient handouts only.")
@reports_errors
def packet(specs: tuple[Path, ...], out: Path, title: str | None, site: str | None,
           paper: str | None, large_print: bool, meds: str | None, meds_file: Path | None,
           fhir: Path | None, strict: bool, libraries: tuple[Path, ...],
           allow_outside_paths: bool, formats: str, language: str | None) -> None:
    """Build one packet from several SPEC files: a cover with the contents, then each
    handout from a new page, one reference list, one PDF (and its HTML twin). The
    patient's medicines (--meds, --fhir) tailor the first handout."""
    from handouts.files import parse_formats
    from handouts.outputs.build import BuildOptions
    from handouts.outputs.names import output_name
    from handouts.outputs.packet import PacketOptions, build_packet

    quiet_collector()
    if out.suffix.lower() != ".pdf":
        raise click.UsageError("-o names the packet's PDF: a file name ending in .pdf")
    target = out.parent / output_name(out.stem, out.name)
    options = BuildOptions(out.parent, site, paper.lower() if paper else None,
                           read_meds(meds, meds_file), out.name, strict, libraries,
                           allow_outside_paths, fhir=fhir, large_print=large_print,
                           formats=parse_formats(formats), language=language_option(language))
    given = specs
    specs, title, titles = packet_specs(specs, title, allow_outside_paths)
    # one packet file alone: the packet batch would build, with its web copy's address
    ident = given[0].stem if len(given) == 1 and specs != [given[0]] else None
    built = build_packet(specs, target, options, PacketOptions(title, ident, titles))
    for note in built.notes:
        click.echo(note, err=True)
    for warning in built.warnings:
        click.echo(str(warning), err=True)
    click.echo(f"wrote {built.path} ({_pages(built.pages)}, {built.size / 1024:.0f} KB)")
    for path, size in built.others:
        click.echo(f"wrote {path} ({size / 1024:.0f} KB)")


def _packet_file(path: Path) -> bool:
    """Whether `path` is a packet file (one that does not read is said elsewhere)."""
    from handouts.errors import SpecError
    from handouts.inputs.packetfile import is_packet
    from handouts.inputs.spec import read_spec

    try:
        return is_packet(read_spec(path))
    except SpecError:
        return False


def packet_specs(paths: tuple[Path, ...], title: str | None, allow_outside: bool
                 ) -> tuple[list[Path], str | None, tuple[tuple[str, str], ...]]:
    """The specs of a packet: each argument a spec, or a packet file (its specs, and its
    title and the title's translations unless --title gives one, in every language)."""
    from handouts.inputs.packetfile import read_packet

    specs: list[Path] = []
    titles: tuple[tuple[str, str], ...] = ()
    for path in paths:
        if _packet_file(path):  # one that does not read is said, located, when built
            packet = read_packet(path, allow_outside)
            specs += packet.specs
            if title is None:
                title, titles = packet.title, packet.titles
        else:
            specs.append(path)
    return specs, title, titles


@main.command()
@click.argument("specs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--sites", "sites", multiple=True, type=click.Path(path_type=Path),
              help="Site files, or folders of them (repeatable). Default: each spec's own.")
@click.option("-o", "--out-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("build"), show_default=True)
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes "
              "(default: all cores).")
@click.option("--force", is_flag=True, help="Rebuild even what has not changed.")
@click.option("--shard", help="Build only slice I of N (e.g. 2/5), for splitting a batch "
              "across machines.")
@library_option
@outside_option
@click.option("--contact-sheet", is_flag=True,
              help="Also write contact-sheet.png: every output's first page, labelled.")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local",
              show_default=True, help="Where handouts are laid out: worker processes here, "
              "or a Dask cluster (of --jobs processes here, unless --scheduler is given).")
@click.option("--scheduler", metavar="tcp://HOST:PORT",
              help="A running Dask scheduler whose workers lay out the handouts (implies "
              "--executor dask; specs, sites and libraries must be at the same paths there). "
              "tcp:// only on this machine or a private network you trust; else tls://.")
@click.option("--tls-ca-file", type=click.Path(dir_okay=False, path_type=Path),
              help="For a tls:// scheduler: the certificate authority that signed the "
              "scheduler's and workers' certificates.")
@click.option("--tls-cert", type=click.Path(dir_okay=False, path_type=Path),
              help="For a tls:// scheduler: this client's certificate (PEM).")
@click.option("--tls-key", type=click.Path(dir_okay=False, path_type=Path),
              help="For a tls:// scheduler: this client's private key (PEM).")
@click.option("--fhir", type=click.Path(dir_okay=False, path_type=Path),
              help="Tailor every handout to this FHIR file's current medicines (rebuilds all).")
@format_option
@click.option("--language", "languages", help="Build every patient handout in each of these "
              "languages (e.g. en,es), each named by it (intake-en.pdf, intake-es.pdf); "
              "clinician handouts in English only. Default: each spec's own.")
@reports_errors
def batch(specs: tuple[Path, ...], sites: tuple[Path, ...], out_dir: Path, jobs: int | None,
          force: bool, shard: str | None, libraries: tuple[Path, ...],
          allow_outside_paths: bool, contact_sheet: bool, executor: str,
          scheduler: str | None, tls_ca_file: Path | None, tls_cert: Path | None,
          tls_key: Path | None, fhir: Path | None, formats: str, languages: str | None
          ) -> None:
    """Build every SPEC (files or folders) for every site, incrementally, in parallel."""
    from handouts.files import parse_formats
    from handouts.outputs import batch as batch_module
    from handouts.outputs import jobs as jobs_module
    from handouts.outputs import manifest as manifests
    from handouts.outputs.executors import Stop

    runner = _executor(executor, scheduler, jobs or batch_module.default_workers(),
                       (tls_ca_file, tls_cert, tls_key))
    shard_spec = batch_module.parse_shard(shard) if shard else (1, 1)
    chosen_languages = tuple(language_option(part) for part in (languages or "").split(",")
                             if part.strip())
    planned = batch_module.plan(batch_module.find_specs(specs),
                                batch_module.find_sites(sites), shard_spec, chosen_languages)
    english_only = batch_module.english_only(planned, chosen_languages)
    if english_only:
        click.echo(f"{english_only} clinician spec{'s' * (english_only != 1)}: built in "
                   "English only (translations are of the patient text)", err=True)
    manifest = out_dir / manifests.manifest_name(shard_spec)
    if fhir:  # checked once here; the file is not recorded, so every handout is rebuilt
        from handouts.inputs.fhir import read_medications

        click.echo(read_medications(fhir).summary(), err=True)
    chosen = parse_formats(formats)
    if "html" in chosen:  # each site's folder gets an index of its web copies
        from handouts.outputs import webindex

        webindex.check_names(job.output for job in planned)
    with batch_module.output_lock(out_dir), batch_module.stop_signals(Stop()) as stop:
        previous = manifests.read_manifest(manifest)
        distributed = executor == "dask" or scheduler is not None
        settings = jobs_module.Settings(out_dir, force or bool(fhir), libraries, previous,
                                         allow_outside_paths,
                                         Path.cwd().resolve() if distributed else None, fhir,
                                         chosen)
        if not manifest.exists():  # a batch killed at once still leaves a manifest
            manifests.write_manifest(manifest, [], shard_spec)

        def checkpoint(results):
            manifests.write_manifest(manifest, manifests.with_previous(results, previous),
                                     shard_spec)

        report = _run_with_progress(batch_module, planned, settings, runner, checkpoint, stop)
        results = manifests.with_previous(report.results, previous) if report.interrupted \
            else report.results
        manifests.write_manifest(manifest, results, shard_spec)
        if "html" in chosen:
            for index in webindex.write_indexes(out_dir, {Path(j.output).parent.as_posix()
                                                          for j in planned}):
                click.echo(f"wrote {index}")
    _print_batch_problems(report)
    click.echo(f"{report.summary()}; manifest: {manifest}")
    if contact_sheet:
        _write_contact_sheet(out_dir, report, shard_spec)
    from handouts.outputs.executors import leave

    if report.interrupted:
        click.echo("interrupted: run the same command again to build the rest", err=True)
        leave(143 if report.signal == signal.SIGTERM else 130)
    leave(1 if report.failed else 0)


def _print_batch_problems(report) -> None:
    """Each failure; each warning of this run once (a site's colour warning is the same
    for every handout of the site), none for handouts left unchanged. Handouts that failed
    for the same reasons (a broken site stops every spec built for it) share their lines."""
    seen: set[str] = set()
    for result in report.results:
        for warning in result.warnings if result.status == "built" else ():
            if warning not in seen:
                seen.add(warning)
                click.echo(f"{result.output}: {warning}", err=True)
    failed: dict[tuple[str, ...], list[str]] = {}
    for result in report.results:
        if result.problems:
            failed.setdefault(tuple(result.problems), []).append(result.output)
    for problems, outputs in failed.items():
        shown = ", ".join(outputs) if len(outputs) <= 3 else \
            f"{outputs[0]} and {len(outputs) - 1} more"
        for problem in problems:
            click.echo(f"error: {shown}: {problem}", err=True)


def _write_contact_sheet(out_dir: Path, report, shard: tuple[int, int]) -> None:
    from handouts.outputs.build import write_atomic
    from handouts.render.preview import contact_sheet

    items = [(r.output, out_dir / r.output) for r in report.results
             if r.status != "failed" and (out_dir / r.output).is_file()]
    if not items:
        click.echo("no handouts were built, so there is no contact sheet", err=True)
        return
    name = "contact-sheet.png" if shard == (1, 1) else \
        f"contact-sheet.shard-{shard[0]}-of-{shard[1]}.png"
    write_atomic(out_dir / name, contact_sheet(items))
    click.echo(f"contact sheet: {out_dir / name}")


def _executor(kind: str, scheduler: str | None, workers: int,
              tls: tuple[Path | None, Path | None, Path | None] = (None, None, None)):
    from handouts.outputs.executors import Dask, Local, Tls

    if scheduler is not None and not scheduler.startswith(("tcp://", "tls://")):
        raise UsageError.one(f"--scheduler {shorten(scheduler)} is not an address",
                             field="--scheduler", hint="e.g. --scheduler tls://10.0.0.5:8786")
    given = [p for p in tls if p is not None]
    secure = scheduler is not None and scheduler.startswith("tls://")
    if given and not secure:
        raise UsageError.one("--tls-ca-file, --tls-cert and --tls-key are for a tls:// "
                             "scheduler", field="--scheduler",
                             hint="give --scheduler tls://HOST:PORT")
    if secure and len(given) < 3:
        raise UsageError.one("a tls:// scheduler needs --tls-ca-file, --tls-cert and --tls-key",
                             field="--scheduler", hint="the certificate authority, and this "
                             "client's certificate and key, as the scheduler was given")
    for option, path in zip(("--tls-ca-file", "--tls-cert", "--tls-key"), tls, strict=True):
        if path is not None and not path.is_file():
            raise UsageError.one("not found, or not a regular file", str(path), field=option)
    if kind == "dask" or scheduler is not None:
        return Dask(scheduler, workers, Tls(*given) if secure else None)
    return Local(workers)


def _run_with_progress(batch_module, planned, settings, executor, checkpoint, stop):
    """A progress bar on a terminal; one plain line per handout in CI and in logs."""
    interactive = sys.stderr.isatty() and not os.environ.get("CI")
    if not interactive:
        def line(result):
            click.echo(f"{result.status:>9}  {result.output}", err=True)
        return batch_module.run(planned, settings, progress=line, checkpoint=checkpoint,
                                executor=executor, stop=stop)
    with click.progressbar(length=len(planned), label="Building", file=sys.stderr,
                           show_pos=True) as bar:
        return batch_module.run(planned, settings, progress=lambda _: bar.update(1),
                                checkpoint=checkpoint, executor=executor, stop=stop)


@main.command()
@click.argument("spec", type=click.Path(path_type=Path))
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("-o", "--out-dir", type=click.Path(path_type=Path),
              help="Folder for the PNG (default: build/, as build/<spec>-page<N>.png), or a "
              "file name ending in .png.")
@click.option("--site", help="Site id or path; overrides the spec.")
@click.option("--paper", type=PAPERS, help="Paper size; overrides the spec and site.")
@click.option("--large-print", is_flag=True, help="18 pt type, one column.")
@click.option("--dpi", type=click.IntRange(min=36, max=600), default=110, show_default=True)
@click.option("--language", help=LANGUAGE_HELP)
@reports_errors
def preview(spec: Path, page: int, out_dir: Path | None, site: str | None, paper: str | None,
            large_print: bool, dpi: int, language: str | None) -> None:
    """Render one page of a handout (or of a packet file's packet) to PNG, to look at
    before printing."""
    from handouts.inputs.packetfile import packet_at
    from handouts.outputs.build import BuildOptions, make_pdf, prepare, write_atomic
    from handouts.outputs.names import check_private_name
    from handouts.outputs.packet import PacketOptions, make_packet, prepare_packet
    from handouts.render.preview import page_png

    options = BuildOptions(site=site, paper=paper.lower() if paper else None,
                           large_print=large_print, language=language_option(language))
    out_dir, name = output_option(out_dir, None, ".png")
    packet = packet_at(spec)
    if packet is not None:  # the packet batch and build make of it, QR code included
        variant = prepare(packet.specs[0], options).variant
        output = out_dir / (name or f"{spec.stem}{variant}-page{page}.png")
        parts = prepare_packet(packet.specs, output, options, "-o")
        outputs, warnings = make_packet(parts, options, PacketOptions(
            packet.title, packet.path.stem, packet.titles))
        data = outputs["pdf"]
    else:
        prepared = prepare(spec, options)
        output = out_dir / (name or f"{spec.stem}{prepared.variant}-page{page}.png")
        check_private_name(output, prepared.spec_file, name is not None,
                           prepared.library.drugs)
        data, warnings = make_pdf(prepared, options)
    for warning in warnings:
        click.echo(str(warning), err=True)
    write_atomic(output, page_png(data, page, dpi))
    click.echo(f"wrote {output}")


@main.command(name="merge-manifests")
@click.argument("manifests", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("build/manifest.json"), show_default=True)
@click.option("--partial", is_flag=True, help="Merge even if some shards are missing.")
@reports_errors
def merge_manifests(manifests: tuple[Path, ...], output: Path, partial: bool) -> None:
    """Merge the manifests of every shard of a batch into one."""
    from handouts.files import write_atomic
    from handouts.outputs.manifest import merge_manifests as merge

    merged = merge(manifests, partial)
    write_atomic(output, (json.dumps(merged, indent=2, sort_keys=True) + "\n").encode())
    click.echo(f"{len(merged['outputs'])} outputs, {len(merged['failures'])} failures: {output}")


@main.command()
@click.argument("specs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--sites", "sites", multiple=True, type=click.Path(path_type=Path),
              help="Site files or folders whose print colours to check (repeatable).")
@click.option("--library", "libraries", multiple=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Also check a clinic's own content folder (repeatable).")
@click.option("--strict", is_flag=True, help="Treat warnings (review dates, print colours) "
              "as errors.")
@reports_errors
def check(specs: tuple[Path, ...], sites: tuple[Path, ...], libraries: tuple[Path, ...],
          strict: bool) -> None:
    """Check the content library, and any SPEC files and sites given."""
    from handouts.library.check import check_library, summary_lines
    from handouts.library.load import open_library
    from handouts.outputs.batch import find_sites, find_specs
    from handouts.outputs.build import today
    from handouts.outputs.spec_check import check_specs

    library = open_library(libraries)
    report = check_library(library, today())
    specs = tuple(find_specs(specs))  # folders as batch takes them
    checked = check_specs(specs, library, find_sites(sites))
    report.problems += checked.problems
    for line in summary_lines(report):
        click.echo(line)
    for problem in capped(report.problems):
        if problem.severity == "error" or strict:
            click.echo(f"error: {str(problem).replace('warning: ', '')}", err=True)
        else:
            click.echo(str(problem), err=True)
    counts = ", ".join(f"{n} {what}" for what, n in report.counts.items())
    errors = len(report.errors) + (len(report.warnings) if strict else 0)
    warnings = 0 if strict else len(report.warnings)
    files = f"{checked.specs} spec{'' if checked.specs == 1 else 's'}" + (
        f", {checked.packets} packet file{'' if checked.packets == 1 else 's'}"
        if checked.packets else "")
    click.echo(f"checked {counts}, {files}: {errors} errors, {warnings} warnings")
    if errors:
        sys.exit(1)


@main.command(name="list")
@click.argument("what", type=click.Choice(["topics", "comedications", "references", "sites",
                                           "drugs"]))
@click.option("--sites-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("specs/sites"), show_default=True, help="Where to look for sites.")
@reports_errors
def list_(what: str, sites_dir: Path) -> None:
    """List the topics, co-medication sections, references, sites or drug names."""
    from handouts.library.load import open_library

    library = open_library()
    if what in ("topics", "comedications"):
        ids = library.topic_ids if what == "topics" else library.comedication_ids
        width = max(len(i) for i in ids)
        for ident in ids:
            click.echo(f"{ident:<{width}}  {library.section(ident).front.title}")
    elif what == "references":
        for key, entry in library.references.items():
            click.echo(f"{key:<28}  {entry.get('title', '')}")
    elif what == "drugs":
        for name, section in sorted(library.drug_names().items()):
            click.echo(f"{name:<40}  {section}")
        for name in library.treatment_names():
            click.echo(f"{name:<40}  (the treatment these handouts are about)")
    else:
        _list_sites(sites_dir)


def language_option(text: str | None) -> str | None:
    """--language: a language code as a spec writes it ('es'), checked later against the
    library's languages (an unknown one is an error naming --language)."""
    if text is None:
        return None
    code = text.strip().lower()
    if not re.fullmatch(r"[a-z]{2}", code):
        raise UsageError.one(f"{code[:20]!r} is not a language code", field="--language",
                             hint="e.g. --language es")
    return code


def read_meds(meds: str | None, meds_file: Path | None = None) -> tuple[str, ...]:
    """--meds TEXT ('-': standard input) and --meds-file FILE, each read as the web form
    reads a pasted list: one medicine a line (headings, bullets and blank lines set
    aside), or commas on one line (never a comma inside brackets or a number)."""
    from handouts.files import Unreadable, read_regular
    from handouts.inputs.chartlines import split_list

    texts: list[tuple[str, bytes]] = []
    if meds == "-":
        data = sys.stdin.buffer.read(MAX_MEDS_BYTES + 1)
        if len(data) > MAX_MEDS_BYTES:
            raise UsageError.one(f"standard input is over the limit of {MAX_MEDS_BYTES:,} "
                                 "bytes", field="--meds", hint="give the current medicines only")
        texts.append(("--meds", data))
    elif meds:
        texts.append(("--meds", meds.encode()))
    if meds_file is not None:
        try:
            texts.append(("--meds-file", read_regular(meds_file, MAX_MEDS_BYTES)))
        except Unreadable as exc:
            raise UsageError.one(f"{meds_file} {exc}", field="--meds-file") from None
    entries: list[str] = []
    for option, data in texts:
        try:
            entries += split_list(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise UsageError.one("is not UTF-8 text", field=option,
                                 hint="save the list as UTF-8 plain text") from None
    return tuple(entries)


@main.command()
@click.argument("medicines", required=False)
@click.option("--meds-file", type=click.Path(dir_okay=False, path_type=Path),
              help=MEDS_FILE_HELP)
@click.option("--fhir", type=click.Path(dir_okay=False, path_type=Path),
              help="Also read the current medicines of a FHIR R4 file.")
@reports_errors
def meds(medicines: str | None, meds_file: Path | None, fhir: Path | None) -> None:
    """Show how MEDICINES are recognised, before printing a handout: a pasted list (one
    per line, or "a, b, c"), '-' for standard input, or --meds-file FILE.

    For each entry: its ingredients, each one's section and outcome (covered, the
    treatment itself, known but not covered, not recognised). This prints the patient's
    medicines to this terminal on purpose, for the clinician to check; nothing goes to
    stderr, logs or files.
    """
    from handouts.doors.meds import report_lines
    from handouts.library.load import open_library
    from handouts.outputs.build import check_medications

    entries = read_meds(medicines, meds_file)
    problems = check_medications(entries, "--meds")
    if fhir:
        from handouts.inputs.fhir import read_medications

        found = read_medications(fhir)
        problems += check_medications(found.entries, "--fhir")
        entries += found.entries
        click.echo(found.summary())
    if problems:
        raise HandoutError(problems)
    if not entries:
        raise click.UsageError('give medicines, e.g. handouts meds "Zoloft 50 mg, Ativan"')
    library = open_library()
    for line in report_lines(entries, library):
        click.echo(line)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; the default lets only this computer connect.")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port, printed at start).")
@click.option("--workers", type=click.IntRange(min=1), help="Build processes "
              "(default: all cores).")
@click.option("--sites", "sites_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("specs/sites"), show_default=True,
              help="Folder of site files the form offers as clinics.")
@click.option("--specs", "specs_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("specs"), show_default=True,
              help="Folder of the clinic's standard handouts (specs naming no patient) the "
              "form offers to add as a visit packet.")
@library_option
@reports_errors
def serve(host: str, port: int, workers: int | None, sites_dir: Path, specs_dir: Path,
          libraries: tuple[Path, ...]) -> None:
    """Start the web app: a form for a clinician to paste a patient's medicines, check
    what was recognised, and open the tailored handout or the clinician report.

    Nothing of the patient is written to disk or logged: PDFs are built in memory and
    sent back. There is no login, so keep the default --host unless the network is yours."""
    from handouts.doors.serve import run
    from handouts.outputs.batch import default_workers

    try:
        import jinja2  # noqa: F401
        import python_multipart  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise UsageError.one("handouts serve needs the web extra", field="serve",
                             hint="python -m pip install 'handouts[web]' (from a clone: "
                             "python -m pip install -e '.[web]')") from None
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: listening on {host}: anyone who can reach this address can use "
                   "the app (it has no login)", err=True)
    run(host, port, workers or default_workers(), sites_dir, libraries, specs_dir)


@main.command()
@click.argument("spec", required=False, type=click.Path(path_type=Path))
@click.option("--meds", help=MEDS_HELP + " Added to the spec's, if one is given.")
@click.option("--meds-file", type=click.Path(dir_okay=False, path_type=Path),
              help=MEDS_FILE_HELP)
@click.option("--fhir", type=click.Path(dir_okay=False, path_type=Path),
              help="Also take the current medicines of a FHIR R4 file.")
@click.option("-o", "--out-dir", type=click.Path(path_type=Path),
              help=OUT_HELP.format(what="report", one="report", ext=".pdf"))
@click.option("--out-name", help="File name (default: <spec>-report.pdf, or "
              "co-medication-report.pdf).")
@click.option("--site", help="Site id or path; overrides the spec. Without a spec, an id is "
              "looked up in specs/sites/, sites/ and this folder.")
@click.option("--paper", type=PAPERS, help="Paper size; overrides the spec and site.")
@click.option("--strict", is_flag=True, help="Treat medicine names not recognised as errors.")
@library_option
@reports_errors
def report(spec: Path | None, meds: str | None, meds_file: Path | None, fhir: Path | None,
           out_dir: Path | None, out_name: str | None, site: str | None, paper: str | None,
           strict: bool,
           libraries: tuple[Path, ...]) -> None:
    """The clinician co-medication report for one patient's medicines (SPEC's patient
    block, --meds, --fhir): for each class, what the evidence says for ketamine and
    esketamine and what to monitor, cited; medicines not covered listed for review."""
    from handouts.outputs.build import BuildOptions, page_count, prepare, write_atomic
    from handouts.outputs.names import check_private_name, output_name
    from handouts.outputs.report import make_report

    quiet_collector()
    out_dir, out_name = output_option(out_dir, out_name, ".pdf")
    options = BuildOptions(site=site, paper=paper.lower() if paper else None,
                           medications=read_meds(meds, meds_file), strict=strict,
                           libraries=libraries,
                           fhir=fhir)
    if spec is None and not (options.medications or fhir):
        raise click.UsageError('give a SPEC, --meds "a, b" or --fhir FILE')
    prepared = prepare(spec, options) if spec else _prepare_meds(options)
    default = f"{spec.stem}{prepared.variant}-report" if spec else \
        f"co-medication-report{prepared.variant}"
    target = out_dir / output_name(default, out_name)
    check_private_name(target, prepared.spec_file, out_name is not None or not spec,
                       prepared.library.drugs)
    data, warnings = make_report(prepared, options)
    for note in prepared.notes:
        click.echo(note, err=True)
    for warning in warnings:
        click.echo(str(warning), err=True)
    write_atomic(target, data)
    click.echo(f"wrote {target} ({_pages(page_count(data))})")


def _prepare_meds(options):
    """A report from --meds and --fhir alone: a spec made in memory, never written."""
    from handouts.assemble.report import TITLE
    from handouts.inputs.site import find_site
    from handouts.outputs.build import Prepared, extra_medications, variant_suffix
    from handouts.outputs.report import prepare_data

    extra, notes = extra_medications(options)
    data = {"title": TITLE, "audience": "clinician", "paper": options.paper,
            "patient": {"medications": [m for _, entries in extra for m in entries]}}
    site = find_site(options.site) if options.site else None
    prepared = prepare_data(data, "--meds", site, options.libraries)
    # every entry came from --meds or --fhir, so warnings name them by those positions
    spec_file = prepared.spec_file
    routes = tuple((route, len(entries)) for route, entries in extra)
    variant = variant_suffix(None, False, prepared.site, options)
    return Prepared(spec_file, prepared.site, prepared.library, routes, notes, variant)


def _list_sites(folder: Path) -> None:
    from handouts.inputs.site import load_site

    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not files:
        click.echo(f"no sites in {folder}", err=True)
    for path in files:
        site = load_site(path)
        click.echo(f"{site.id:<16}  {site.model.name}")


@main.command()
@click.option("--site", "of_site", is_flag=True, help="The schema of a site file instead.")
@reports_errors
def schema(of_site: bool) -> None:
    """Print the JSON Schema of a handout spec (or, with --site, of a site file), for
    editors that complete and check YAML."""
    from handouts.inputs.spec import schema as spec_schema
    from handouts.library.load import open_library

    if of_site:
        from handouts.inputs.site import schema as site_schema

        click.echo(json.dumps(site_schema(), indent=2))
    else:
        click.echo(json.dumps(spec_schema(open_library()), indent=2))


@main.command()
@click.argument("primary")
@click.argument("accent")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Swatch PNG to write (default: build/colors-PRIMARY-ACCENT.png).")
@reports_errors
def colors(primary: str, accent: str, output: Path | None) -> None:
    """Check a pair of brand colours for print: contrast, greyscale, and a pair that passes
    every check. Give them as RRGGBB, or quoted with the '#' ("#1F4E79"): in a shell, an
    unquoted '#' starts a comment. Exits 1 when a check fails."""
    from handouts.files import write_atomic
    from handouts.render.swatch import report, swatch_png

    pair = [_hex_argument(value, name) for value, name in ((primary, "PRIMARY"),
                                                           (accent, "ACCENT"))]
    lines, passed = report(*pair)
    for line in lines:
        click.echo(line)
    output = output or Path("build") / f"colors-{pair[0][1:]}-{pair[1][1:]}.png"
    write_atomic(output, swatch_png(*pair))
    click.echo(f"wrote {output}")
    if not passed:
        sys.exit(1)


def _hex_argument(value: str, name: str) -> str:
    text = value.strip().lstrip("#")
    if len(text) != 6 or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise UsageError.one(f"{name} {value!r} is not a colour", field=name,
                             hint="give six hex digits, e.g. 1F4E79 or \"#1F4E79\"")
    return "#" + text.upper()
