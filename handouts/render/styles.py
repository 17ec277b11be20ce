"""Type, spacing and colour for one handout: plain-language print rules for patients, denser
type for clinicians, and 18 pt large print."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch

from handouts.document import Document
from handouts.render.fonts import Family
from handouts.render.printcheck import (
    WHITE,
    band_text,
    label_color,
    readable_on_tint,
    readable_on_white,
)

INK = colors.HexColor("#1A1A1A")
MUTED = colors.HexColor("#4A4A4A")
RULE = colors.HexColor("#B8B8B8")
SAFETY = colors.HexColor("#9B1C1C")
WARNING = colors.HexColor("#8A4B00")


@dataclass(frozen=True)
class Measures:
    body: float
    leading: float
    title: float
    h2: float
    h3: float
    small: float
    margin: float


PATIENT = Measures(body=12, leading=15.6, title=23, h2=16, h3=13, small=8.8,
                   margin=0.75 * inch)
LARGE = Measures(body=18, leading=27, title=30, h2=24, h3=20, small=12, margin=0.75 * inch)
CLINICIAN = Measures(body=10, leading=13.4, title=20, h2=13.5, h3=11, small=8,
                     margin=0.7 * inch)


def band_text_color(primary: colors.Color) -> colors.Color:
    """The text colour with the higher contrast on the brand's primary colour."""
    return colors.white if band_text(f"#{primary.hexval()[2:]}") == WHITE else INK


def tint(color: colors.Color, amount: float) -> colors.Color:
    """Mix `color` with white: amount 0 is white, 1 is the colour itself."""
    return colors.Color(*(1 - amount * (1 - c) for c in color.rgb()))


@dataclass(frozen=True)
class Theme:
    """Every style a handout uses, derived once from its audience, print size and brand."""

    measures: Measures
    primary: colors.Color  # for text on paper: the brand colour, darkened if it must be
    label: colors.Color  # the "Prepared for" labels on their tint of the primary
    band: colors.Color  # the brand colour itself, behind the clinic's name
    stripe: colors.Color  # the accent itself, under the band
    accent: colors.Color
    font: Family
    body: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    cell: ParagraphStyle
    cell_head: ParagraphStyle
    callout_title: ParagraphStyle
    small: ParagraphStyle
    reference: ParagraphStyle

    @property
    def link_color(self) -> str:
        return self.primary.hexval().replace("0x", "#")


_THEMES: dict[tuple, Theme] = {}
_CLONES: dict[tuple, tuple] = {}
_PLAIN = (int, float, str, bool, type(None))


def theme_for(document: Document, font: Family) -> Theme:
    """Styles for this document: one Theme for every handout with the same audience, print
    size, brand colours and font (a site's), so a batch makes its styles, and works out
    their keys for the layout caches, once per site rather than once per handout. A
    style is never changed once made."""
    key = (document.large_print, document.audience, document.brand.primary,
           document.brand.accent, font.regular, font.bold, font.italic, font.bold_italic)
    theme = _THEMES.get(key)
    if theme is None:
        if len(_THEMES) >= 64:
            _THEMES.clear()
        theme = _THEMES[key] = _theme(document, font)
    return theme


def clone(style: ParagraphStyle, name: str, **changes) -> ParagraphStyle:
    """style.clone(name, **changes), made once for the same style and changes (colours
    and other objects by identity): handouts of a site share their derived styles as
    they share their theme."""
    key = (id(style), name, tuple((k, v if isinstance(v, _PLAIN) else id(v))
                                  for k, v in sorted(changes.items())))
    hit = _CLONES.get(key)
    if hit is not None and hit[0] is style:  # (the ids in the key are of objects held)
        return hit[1]
    made = style.clone(name, **changes)
    if len(_CLONES) >= 2_000:
        _CLONES.clear()
    _CLONES[key] = (style, made, changes)  # held: their ids stay theirs
    return made


def _theme(document: Document, font: Family) -> Theme:
    m = (LARGE if document.large_print else
         CLINICIAN if document.audience == "clinician" else PATIENT)
    dense = document.audience == "clinician" and not document.large_print
    primary = colors.HexColor(readable_on_white(document.brand.primary))  # text on paper
    base = dict(fontName=font.regular, textColor=INK, allowWidows=0, allowOrphans=0,
                splitLongWords=1, bulletFontName=font.regular)
    body = ParagraphStyle(
        "body", fontSize=m.body, leading=m.leading, spaceAfter=m.body * 0.5,
        alignment=TA_JUSTIFY if dense else TA_LEFT,
        hyphenationLang="en_US" if dense else "", uriWasteReduce=0.3,
        embeddedHyphenation=0, **base)
    heading = dict(base, fontName=font.bold, textColor=primary)
    small = ParagraphStyle("small", fontSize=m.small, leading=m.small * 1.3, **base)
    cell_size = m.body - 1 if dense else m.body  # patients' tables keep the 12 pt promise
    title = ParagraphStyle("title", fontSize=m.title, leading=m.title * 1.15,
                           spaceAfter=m.body * 0.3, **heading)
    subtitle = ParagraphStyle("subtitle", fontSize=m.h3, leading=m.h3 * 1.3,
                              spaceAfter=m.body, **dict(base, textColor=MUTED))
    h2 = ParagraphStyle("h2", fontSize=m.h2, leading=m.h2 * 1.2, spaceBefore=m.body * 0.9,
                        spaceAfter=m.body * 0.45, **heading)
    h3 = ParagraphStyle("h3", fontSize=m.h3, leading=m.h3 * 1.25, spaceBefore=m.body * 0.6,
                        spaceAfter=m.body * 0.3, **dict(heading, textColor=INK))
    for style in (title, subtitle, h2, h3):  # a heading that wraps never leaves one word
        style.balanced = True
    return Theme(
        measures=m, primary=primary, label=colors.HexColor(label_color(document.brand.primary)),
        band=colors.HexColor(document.brand.primary),
        stripe=colors.HexColor(document.brand.accent),
        accent=colors.HexColor(readable_on_tint(document.brand.accent)), font=font,
        body=body,
        title=title, subtitle=subtitle, h2=h2, h3=h3,
        cell=ParagraphStyle("cell", parent=body, fontSize=cell_size, leading=cell_size * 1.3,
                            spaceAfter=0, alignment=TA_LEFT, hyphenationLang=""),
        cell_head=ParagraphStyle("cell_head", parent=body, fontName=font.bold,
                                 fontSize=cell_size, leading=cell_size * 1.3, spaceAfter=0,
                                 alignment=TA_LEFT, hyphenationLang=""),
        callout_title=ParagraphStyle("callout_title", fontSize=m.body * 1.05,
                                     leading=m.leading * 1.05, spaceAfter=m.body * 0.3,
                                     **dict(base, fontName=font.bold)),
        small=small,
        reference=ParagraphStyle("reference", parent=small, leftIndent=m.small * 2.4,
                                 bulletIndent=0, spaceAfter=m.small * 0.35),
    )
