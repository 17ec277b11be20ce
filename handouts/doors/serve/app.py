"""The routes: a form, a check of the medicine list with a page-1 preview, and two PDFs.

Everything the patient's data touches is a POST, built in memory in a worker process and
sent back with `Cache-Control: no-store`; nothing is written to disk, logged or kept.
"""

from __future__ import annotations

import base64
import re
from dataclasses import replace
from pathlib import Path

from starlette.applications import Starlette
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from handouts.doors.serve import jobs
from handouts.doors.serve.door import MAX_BODY, REFUSED, Door, Hosts, Rejected, error_page
from handouts.doors.serve.form import LABELS, Errors, Order, errors_from
from handouts.doors.serve.offers import Sites, Standards
from handouts.doors.serve.pages import Pages
from handouts.doors.serve.pool import Pool
from handouts.library.load import Library

HERE = Path(__file__).parent
MAX_FIELDS = 300
OUTCOME_LABELS = {
    "covered": "Covered", "treatment": "The treatment itself",
    "known": "Known, not covered", "unrecognised": "Not recognised: check the spelling",
    "set aside": "Set aside: instructions or chart text, no medicine named",
}
# What a form can ask for: (job, file name the browser shows, media type), each a route
# and a button. The HTML twin may not run scripts, fetch anything or move the reader
# elsewhere, even if escaping ever failed: its only styles are inline, its fonts and its
# one image (the logo) are data: URLs, and it is sandboxed (no scripts, forms, pop-ups or
# top-level navigation: a <meta http-equiv=refresh>, which no fetch directive stops, is
# not obeyed in a sandboxed page).
OUTPUTS = {
    "handout": (jobs.handout, "handout.pdf", "application/pdf"),
    "twin": (jobs.twin, "handout.html", "text/html; charset=utf-8"),
    "report": (jobs.report, "co-medication-report.pdf", "application/pdf"),
}
TWIN_POLICY = "default-src 'none'; style-src 'unsafe-inline'; font-src data:; img-src data:; " \
              "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox"


class InMemoryParser(MultiPartParser):
    """Uploads kept in memory: a part larger than the spool size would go to a temporary
    file, and the request limit keeps every upload far below it."""

    spool_max_size = MAX_BODY + 1


def create_app(library: Library, sites: Sites, pool: Pool, hosts: Hosts,
               libraries: tuple[Path, ...] = (), standards: Standards | None = None) -> Door:
    """The ASGI application, wrapped in the door that limits, logs and guards it; `hosts`
    are the names it answers to (see door.Hosts); `standards` the handouts a visit packet
    can add."""
    standards = standards or Standards({})
    pages = Pages(HERE / "templates", library, sites, standards)
    offers = (sites, standards, libraries)

    async def index(request: Request) -> Response:
        return pages.form(Order(), Errors())

    async def refused(order: Order, errors: Errors) -> Response:
        """The form's problems, with the medicine list's and the FHIR file's, at once."""
        outcome = await pool.run(jobs.medicine_problems, order)
        for item in errors_from(outcome.problems).items:
            errors.add(item.field, item.text)
        return pages.form(order, errors, status=422)

    async def check(request: Request) -> Response:
        order, errors = await read_order(request, *offers)
        if errors:
            return await refused(order, errors)
        outcome = await pool.run(jobs.check, order)
        if outcome.problems:
            return _failed(pages, order, outcome)
        order = replace(order, medicines_text="\n".join(outcome.medicines), fhir=None)
        return pages.form(order, Errors(), result=_result(outcome, bool(order.packet)))

    def output(kind: str):
        job, filename, media_type = OUTPUTS[kind]

        async def build(request: Request) -> Response:
            order, errors = await read_order(request, *offers, kind != "report")
            if errors:
                return await refused(order, errors)
            outcome = await pool.run(job, order)
            if outcome.problems:
                return _failed(pages, order, outcome)
            name = filename  # "visit-packet.pdf" when it is one: what the browser saves
            if order.packet:
                name = "visit-packet" + filename[filename.index("."):]
            headers = {"Content-Disposition": f'inline; filename="{name}"'}
            if outcome.html is not None:
                headers["Content-Security-Policy"] = TWIN_POLICY
            return Response(outcome.pdf if outcome.html is None else outcome.html,
                            media_type=media_type, headers=headers)
        return build

    async def not_found(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 405:
            return pages.error(405, "Use the form", "This address takes the form's buttons "
                               "only. Go back to the form and press a button there.")
        return pages.error(exc.status_code, "Page not found",
                           "There is no page at this address. Start again from the form.")

    async def rejected(request: Request, exc: Rejected) -> Response:
        request.scope[REFUSED] = exc.reason  # for the door's log line
        return error_page(pages.error, exc)

    async def fault(request: Request, exc: Exception) -> Response:  # logged by the door
        return pages.error(500, "Something went wrong", "This is a fault in this program, "
                           "not in what you entered. Try again; if it happens again, tell "
                           "whoever runs this service.")

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/check", check, methods=["POST"]),
        *(Route(f"/{kind}", output(kind), methods=["POST"]) for kind in OUTPUTS),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={
        404: not_found, 405: not_found, Rejected: rejected, Exception: fault})
    served = {f"/static/{p.name}" for p in (HERE / "static").iterdir() if p.is_file()}
    return Door(app, pages.error, {"/", "/check", *(f"/{k}" for k in OUTPUTS), *served},
                hosts, max_waiting=max(24, 4 * pool.workers))


def _failed(pages: Pages, order: Order, outcome: jobs.Outcome) -> Response:
    if outcome.internal:
        return pages.error(500, "Something went wrong", "The handout could not be built "
                           "because of a fault in this program, not in what you entered. "
                           "Try again; if it happens again, tell whoever runs this "
                           "service.")
    return pages.form(order, errors_from(outcome.problems), status=422)


def _result(outcome: jobs.Outcome, packet: bool) -> dict:
    return {
        "packet": packet,  # the preview is the packet's cover
        "rows": [(row, OUTCOME_LABELS[row.outcome]) for row in outcome.rows],
        "counts": outcome.counts,
        "preview": base64.b64encode(outcome.preview).decode("ascii") if outcome.preview
        else None,
        "notes": outcome.notes,
    }


async def read_order(request: Request, sites: Sites, standards: Standards,
                     libraries: tuple[Path, ...], needs_title: bool = True
                     ) -> tuple[Order, Errors]:
    """The submitted form as an Order, and what is wrong with it that can be seen before
    any build (the rest comes back from the worker)."""
    form = await _form(request)
    errors = Errors()
    site = _text(form, "site")
    if site and site not in sites.entries:
        errors.add("site", f"{LABELS['site']}: Unknown clinic; choose one from the list")
    fhir = await _upload(form.get("fhir"))
    packet = tuple(dict.fromkeys(str(i) for i in form.getlist("packet")))
    if any(i not in standards.entries for i in packet):
        errors.add("packet", f"{LABELS['packet']}: Unknown handout; choose from the list")
    packet = tuple(i for i in packet if i in standards.entries)
    order = Order(
        title=_text(form, "title"), site=site,
        site_path=sites.entries[site][1] if site in sites.entries else None,
        audience=_text(form, "audience") or "patient", paper=_text(form, "paper"),
        language=_text(form, "language") if _text(form, "language") in ("en", "es") else "",
        large_print=form.get("large_print") == "yes",
        topics=tuple(str(t) for t in form.getlist("topics")),
        comedications=tuple(str(c) for c in form.getlist("comedications")),
        name=_text(form, "name"), prepared_by=_text(form, "prepared_by"),
        medicines_text=_text(form, "medicines"), fhir=fhir, libraries=libraries,
        packet=packet, packet_specs=tuple((standards.entries[i].title,
                                           standards.entries[i].path) for i in packet))
    if needs_title and not order.title.strip():
        errors.add("title", f"{LABELS['title']}: Enter a title for the handout")
    for ident in order.packet if needs_title else ():  # said with the rest, before a build
        if standards.entries[ident].audience != order.audience:
            errors.add("packet", f"{LABELS['packet']}: “{standards.entries[ident].title}”: "
                       "the audience differs from this handout's; untick it")
    return order, errors


async def _form(request: Request) -> FormData:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if kind == "multipart/form-data":
            return await InMemoryParser(request.headers, request.stream(), max_files=1,
                                        max_fields=MAX_FIELDS).parse()
        if kind == "application/x-www-form-urlencoded":
            return await FormParser(request.headers, request.stream()).parse()
    except MultiPartException:
        raise Rejected(400, "The form could not be read", "Send the form from the page, "
                       "with at most one FHIR file and no box over 1 MB.") from None
    raise Rejected(415, "The form could not be read", "Send the form from the page.")


# control characters (a pasted escape, a NUL): never echoed back into the page, where they
# are not allowed, nor passed on; tabs and line breaks stay
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _text(form: FormData, key: str) -> str:
    value = form.get(key)
    return _CONTROL.sub("", value) if isinstance(value, str) else ""


async def _upload(value) -> bytes | None:
    if not isinstance(value, UploadFile):
        return None
    data = await value.read()
    await value.close()
    return data or None

