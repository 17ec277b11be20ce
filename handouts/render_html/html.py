"""Document -> one self-contained, semantic HTML file: the twin of the PDF, for reading on
a screen, with a screen reader, on a phone, or printed. Reads no spec, site or library file
and needs no ReportLab: it walks the same Document as the PDF renderer."""

from __future__ import annotations

import base64

from handouts.document import Document, Medicine, Section
from handouts.locale.messages import messages
from handouts.render.wording import metadata_title, prepared_for_rows, reviewed_line, speaking
from handouts.render_html.blocks import (
    Headings,
    attr,
    blocks,
    callout,
    href,
    inlines,
    section_anchor,
    text,
)
from handouts.render_html.style import stylesheet

__all__ = ["render_html"]


def render_html(document: Document) -> bytes:
    """The HTML twin's bytes (UTF-8); the same document always gives the same bytes."""
    with speaking(document.language):
        return _render(document)


def _render(document: Document) -> bytes:
    ids = Headings()
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{attr(document.language)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{text(_title(document))}</title>",
        f"<style>\n{stylesheet(document)}\n</style>",
        "</head>",
        "<body>",
        _band(document),
        "<main>",
        f"<h1>{text(document.title)}</h1>",
    ]
    if document.subtitle:
        parts.append(f'<p class="subtitle">{text(document.subtitle)}</p>')
    if document.prepared_for:
        parts.append(_prepared_for(document))
    if document.safety:  # first, where every reader meets it
        parts.append(callout(document.safety, ids, level=2))
    if document.parts:
        parts.append(_contents(document))
    if document.medicines:
        parts.append(_medicines(document))
    if document.parts:
        parts += _packet_parts(document, ids)
    for section in () if document.parts else document.sections:
        parts.append(_section(section, ids))
    if document.disclaimer:
        parts.append(f'<div class="disclaimer">{blocks(document.disclaimer, ids)}</div>')
    if document.references:
        parts.append(_references(document))
    if document.web_copy:  # the PDF's QR code: here the link itself
        say = messages(document.language).say
        line = text(say("webcopy.line_packet") if document.parts else say("webcopy.line"))
        parts.append(f'<p class="web-copy" data-reviewed="{document.review_date.isoformat()}">'
                     f'{line}: <a href="{href(document.web_copy)}">{text(document.web_copy)}</a>'
                     "</p>")  # batch's index of web copies reads the review date here
    parts += ["</main>", _footer(document), "</body>", "</html>", ""]
    return "\n".join(parts).encode("utf-8")


def _section(section: Section, ids: Headings) -> str:
    anchor = section_anchor(section.id)
    lang = f' lang="{attr(section.language)}"' if section.language else ""
    return (f'<section id="{anchor}"{lang} aria-labelledby="{anchor}-title">\n'
            f'<h2 id="{anchor}-title">{text(section.title)}</h2>\n'
            f"{blocks(section.blocks, ids)}\n</section>")


def _contents(document: Document) -> str:
    """A packet's contents: a link to each part (the PDF's page numbers)."""
    say = messages(document.language).say
    links = "\n".join(f'<li><a href="#{attr(part.id)}">{text(part.title)}</a></li>'
                      for part in document.parts)
    return ('<nav aria-labelledby="contents">\n'
            f'<h2 id="contents">{text(say("packet.contents"))}</h2>\n'
            f"<ol>\n{links}\n</ol>\n</nav>")


def _packet_parts(document: Document, ids: Headings) -> list[str]:
    """Each part of a packet: an article headed by its title (an h1, as in the PDF),
    with its sections."""
    out = []
    sections = {section.id: section for section in document.sections}
    for part in document.parts:
        subtitle = f'\n<p class="subtitle">{text(part.subtitle)}</p>' if part.subtitle else ""
        body = "\n".join(_section(sections[i], ids) for i in part.section_ids)
        out.append(f'<article id="{attr(part.id)}" aria-labelledby="{attr(part.id)}-title">\n'
                   f'<h1 id="{attr(part.id)}-title">{text(part.title)}</h1>{subtitle}\n'
                   f"{body}\n</article>")
    return out


def _title(document: Document) -> str:
    """The same title as the PDF's metadata: never the patient's name."""
    return metadata_title(document)


def _band(document: Document) -> str:
    brand = document.brand
    logo = ""
    if brand.logo:  # the clinic's name is written beside it, so the image adds nothing
        kind = "jpeg" if brand.logo[:3] == b"\xff\xd8\xff" else "png"
        data = base64.b64encode(brand.logo).decode("ascii")
        logo = f'<img src="data:image/{kind};base64,{data}" alt="">'
    return (f'<header class="band"><div class="band-inner">{logo}'
            f'<p class="clinic">{text(brand.name)}</p></div></header>')


def _prepared_for(document: Document) -> str:
    rows = prepared_for_rows(document)
    cells = "".join(f'<tr><th scope="row">{text(label)}</th><td>{text(value)}</td></tr>'
                    for label, value in rows if value)
    return f'<table class="prepared"><tbody>{cells}</tbody></table>'


def _medicines(document: Document) -> str:
    """'Your medicines': each entry in normal case, what each of its ingredients is, and a
    link to each section to read."""
    titles = {s.id: s.title for s in document.sections}
    say = messages(document.language).say
    where = say("medicines.column_where")  # the PDF's column says "Page"; a link here
    rows = "".join(f'<tr><th scope="row">{text(m.entry)}</th><td>{_what(m)}</td>'
                   f"<td>{_where(m, titles)}</td></tr>" for m in document.medicines)
    return ('<section aria-labelledby="your-medicines">\n'
            f'<h2 id="your-medicines">{text(say("medicines.heading"))}</h2>\n'
            f'<table><thead><tr><th scope="col">{text(say("medicines.column_entry"))}</th>'
            f'<th scope="col">{text(say("medicines.column_what"))}</th>'
            f'<th scope="col">{text(where)}</th></tr></thead>'
            f'<tbody>{rows}</tbody></table>\n'
            "</section>")


def _what(medicine: Medicine) -> str:
    return "<br>".join(text(line.text) for line in medicine.lines)


def _where(medicine: Medicine, titles: dict[str, str]) -> str:
    links = [f'<a href="#{section_anchor(s)}">{text(titles[s])}</a>'
             for s in medicine.section_ids if s in titles]
    return "<br>".join(links)


def _references(document: Document) -> str:
    items = "\n".join(f'<li id="ref-{r.number}">{inlines(r.inlines)}</li>'
                      for r in document.references)
    heading = text(messages(document.language).say("references.heading"))
    lang = ' lang="en"' if document.language != "en" else ""  # titles keep their language
    return (f'<section aria-labelledby="references">\n<h2 id="references">{heading}</h2>\n'
            f'<ol class="references"{lang}>\n{items}\n</ol>\n</section>')


def _footer(document: Document) -> str:
    brand, contact = document.brand, document.brand.contact
    lines = [f"<strong>{text(brand.name)}</strong>"]
    if contact.phone:
        digits = "".join(c for c in contact.phone if c.isdigit() or c == "+")
        lines.append(f'<a href="tel:{attr(digits)}">{text(contact.phone)}</a>')
    if contact.address:
        lines.append(text(contact.address))
    if contact.website:
        url = contact.website if "://" in contact.website else f"https://{contact.website}"
        lines.append(f'<a href="{href(url)}">{text(contact.website)}</a>')
    reviewed = reviewed_line(document)
    notes = [text(reviewed)]
    if brand.footer_note:
        lang = brand.footer_note_language
        notes.append(f'<span lang="{attr(lang)}">{text(brand.footer_note)}</span>'
                     if lang and lang != document.language else text(brand.footer_note))
    return (f'<footer><p>{" · ".join(lines)}</p><p>{" · ".join(notes)}</p></footer>')
