"""The HTML twin's style sheet: the clinic's colours, darkened where text in them would not
meet WCAG AA contrast on its background, the bundled font embedded, and type sizes that
follow the same plain-language rules as the PDF (18 pt body in large print). The paper is
the printer's: a web page is printed on whatever paper the reader has."""

from __future__ import annotations

import base64
from functools import cache

from handouts.document import Document
from handouts.render.fontfiles import WEB_FACES, font_dir
from handouts.render.printcheck import (
    LABEL_TINT,
    contrast_ratio,
    label_color,
    readable_on,
    readable_on_white,
    tinted,
)

INK, MUTED, RULE = "#1A1A1A", "#4A4A4A", "#B8B8B8"
SAFETY, WARNING = "#9B1C1C", "#8A4B00"


def on_band(band: str) -> str:
    """White or black text on the band, whichever has the higher contrast (at least
    4.58:1 for any colour)."""
    return "#FFFFFF" if contrast_ratio(band, "#FFFFFF") >= contrast_ratio(band, "#000000") \
        else "#000000"


@cache
def _font_faces(family_id: str) -> str:
    faces = []
    for file, weight in zip(WEB_FACES.get(family_id, ("", ""))[:2], (400, 700), strict=True):
        if not file:
            continue
        data = base64.b64encode((font_dir() / file).read_bytes()).decode("ascii")
        faces.append(f'@font-face{{font-family:"Handout";font-weight:{weight};'
                     f'src:url(data:font/ttf;base64,{data}) format("truetype")}}')
    return "\n".join(faces)


def stylesheet(document: Document) -> str:
    brand = document.brand
    primary = readable_on_white(brand.primary)
    accent = readable_on_white(brand.accent)
    boxes = {"safety": SAFETY, "warning": WARNING, "note": accent}
    body = "1.5rem" if document.large_print else \
        "1.0625rem" if document.audience == "clinician" else "1.1875rem"
    printed = "18pt" if document.large_print else \
        "10pt" if document.audience == "clinician" else "12pt"
    rules = [
        _font_faces(brand.font),
        ":root{color-scheme:light}",
        f"html{{font-size:100%;-webkit-text-size-adjust:100%}}"
        f"body{{margin:0;background:#FFFFFF;color:{INK};font:{body}/1.55 \"Handout\","
        "\"Atkinson Hyperlegible\",\"DejaVu Sans\",Verdana,sans-serif;overflow-wrap:break-word}",
        f".band{{background:{brand.primary};color:{on_band(brand.primary)};"
        f"border-bottom:0.3rem solid {brand.accent};padding:0.75rem 1rem}}",
        ".band-inner,main,footer{max-width:44rem;margin:0 auto}",
        # on a phone, the clinic's name goes under a wide logo rather than past the edge
        ".band-inner{display:flex;flex-wrap:wrap;align-items:center;gap:0.5rem 1rem}",
        ".band img{background:#FFFFFF;border-radius:0.25rem;padding:0.25rem;"
        "max-height:3.5rem;max-width:10rem}",
        ".clinic{font-weight:700;font-size:1.25em;margin:0;min-width:0}",
        "main{padding:0 1rem 1.5rem}",
        f"h1,h2{{color:{primary};line-height:1.2}}h1{{font-size:1.9em;margin:1.2rem 0 0.3rem}}"
        "h2{font-size:1.4em;margin:1.6rem 0 0.5rem}h3{font-size:1.12em;margin:1.2rem 0 0.3rem}",
        f".subtitle{{color:{MUTED};font-size:1.1em;margin-top:0}}",
        f"a{{color:{primary};text-decoration:underline}}",
        "sup.cite{line-height:0;font-size:0.72em}sup.cite a{text-decoration:none}",
        # a number said digit by digit: the spoken form for screen readers only, the
        # printed one hidden from them (see blocks.said)
        ".said{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);"
        "white-space:nowrap;user-select:none}abbr[title]{text-decoration:none}",
        "ul,ol{padding-left:1.5em}li{margin:0.3em 0}",
        "table{border-collapse:collapse;width:100%;margin:0.8em 0}",
        f"th,td{{text-align:left;vertical-align:top;padding:0.45em;border-bottom:1px solid "
        f"{RULE};overflow-wrap:break-word;hyphens:auto}}th{{background:{tinted(primary, 0.14)}}}",
        # On a phone a long word may break anywhere rather than push the page sideways,
        # but the first column, which names each row, is not squeezed to a letter or two.
        "@media (max-width:40rem){table{font-size:0.88em}th,td{padding:0.35em;"
        "overflow-wrap:anywhere}tr>:first-child{min-width:4.5rem}}",
        f"thead th{{border-bottom:2px solid {primary}}}",
        f".prepared{{background:{tinted(primary, LABEL_TINT)};border:1px solid "
        f"{tinted(primary, 0.5)}}}",
        # "Prepared for" is never broken inside a word, even on a phone
        f".prepared th{{background:none;color:{label_color(brand.primary)};width:30%;"
        "font-weight:700;overflow-wrap:normal}",
        "tbody th{background:none;font-weight:inherit}",  # a row header reads as its row
        ".callout{margin:1.2em 0;padding:0.6em 1em;border-left:0.5rem solid}",
        ".callout h2,.callout h3{margin:0.2em 0 0.4em;font-size:1.1em}",
        f".disclaimer{{color:{MUTED}}}",
        ".references{font-size:0.8em}",
        "@media (min-width:48rem){.references{columns:2;column-gap:2em}"
        ".references li{break-inside:avoid}}",
        f"footer{{border-top:1px solid {RULE};color:{MUTED};font-size:0.85em;"
        "padding:0.8rem 1rem 2rem}footer p{margin:0.3em 0}",
        f"footer a{{color:{readable_on(primary, '#FFFFFF')}}}",
        f"@media print{{@page{{margin:0.6in}}body{{font-size:{printed}}}"
        ".band{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
        "main,.band-inner,footer{max-width:none}h2,h3{break-after:avoid}"
        ".callout,tr{break-inside:avoid}}",
    ]
    for kind, color in boxes.items():
        background = tinted(color, 0.10 if kind == "warning" else 0.08)
        rules.append(f".callout.{kind}{{background:{background};border-color:{color}}}"
                     f".callout.{kind} h2,.callout.{kind} h3{{color:"
                     f"{readable_on(color, background)}}}"
                     f".callout.{kind} a{{color:{readable_on(primary, background)}}}")
        if kind == "safety":
            rules.append(f".callout.safety{{border:0.2rem solid {color};"
                         f"border-left-width:0.5rem}}")
    return "\n".join(r for r in rules if r)
