"""HTML pages from Jinja2 templates (autoescaped: nothing typed into the form is markup)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from handouts import __version__
from handouts.doors.serve.form import LABELS, Errors, Order
from handouts.library.load import Library


class Pages:
    def __init__(self, folder: Path, library: Library, sites, standards):
        self.env = Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(),
                               trim_blocks=True, lstrip_blocks=True)
        self.topics = [(i, library.section(i).front.title) for i in library.topic_ids]
        self.sections = [(i, library.section(i).front.title) for i in library.comedication_ids]
        self.sites = [(ident, name) for ident, (name, _) in sites.entries.items()]
        self.standards = [(ident, s.title, s.audience) for ident, s in standards.entries.items()]

    def form(self, order: Order, errors: Errors, result: dict | None = None,
             status: int = 200) -> HTMLResponse:
        """The form, filled in as sent; the error summary first when something is wrong;
        the recognised medicines and page 1 after a check."""
        html = self.env.get_template("form.html").render(
            order=order, errors=errors, result=result, labels=LABELS, topics=self.topics,
            sections=self.sections, sites=self.sites, standards=self.standards,
            version=__version__)
        return HTMLResponse(html, status_code=status)

    def error(self, status: int, title: str, message: str) -> HTMLResponse:
        html = self.env.get_template("error.html").render(title=title, message=message,
                                                          version=__version__)
        return HTMLResponse(html, status_code=status)
