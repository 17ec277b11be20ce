"""Print checks for a brand: text contrast (WCAG 2) and colours that survive greyscale.

A brand has two colours. The primary fills the header band (the clinic's name on it, in
white or ink, whichever reads better) and colours headings, the title and links on white
paper; the accent is the band's stripe and colours note titles on a pale tint of itself.
The band and its stripe keep the brand's own colours; where a colour is too light for
text, the text is printed in a darker shade of the same hue (`printed`), so a yellow brand
keeps its yellow stripe and a handout is always legible. What no shade can fix (the
clinic's name on the band, two colours that print as one grey) fails a check, and
`suggest` computes one pair, as close to the brand as it can be, that passes every check.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from handouts.errors import Problem

MIN_CONTRAST = 4.5  # WCAG 2 AA for body text
MIN_GREY_DIFFERENCE = 10.0  # CIELAB lightness difference that stays visible in grey
WHITE, INK = "#FFFFFF", "#1A1A1A"
NOTE_TINT = 0.08  # how much of the accent colours a note's background
LABEL_TINT = 0.07  # how much of the primary colours the "Prepared for" box


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _rgb(hex_color: str) -> list[int]:
    return [int(hex_color[i:i + 2], 16) for i in (1, 3, 5)]


def _hex(rgb) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02X}" for c in rgb)


def luminance(hex_color: str) -> float:
    """WCAG relative luminance of '#RRGGBB'."""
    r, g, b = _rgb(hex_color)
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio, 1 (none) to 21 (black on white)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def lightness(hex_color: str) -> float:
    """CIELAB L* (0 black to 100 white): how light the colour prints in greyscale."""
    y = luminance(hex_color)
    return 116 * y ** (1 / 3) - 16 if y > 216 / 24389 else y * 24389 / 27


def tinted(hex_color: str, amount: float) -> str:
    """The colour mixed with white, as the renderer tints callout backgrounds."""
    return _hex(255 - amount * (255 - c) for c in _rgb(hex_color))


def _darker(hex_color: str) -> Iterator[str]:
    rgb = _rgb(hex_color)
    for step in range(101):
        yield _hex(c * (1 - step / 100) for c in rgb)


def _lighter(hex_color: str) -> Iterator[str]:
    rgb = _rgb(hex_color)
    for step in range(1, 101):
        yield _hex(c + (255 - c) * step / 100 for c in rgb)


def band_text(primary: str) -> str:
    """White or ink on the band, whichever reads better on the brand colour."""
    return WHITE if contrast_ratio(primary, WHITE) >= contrast_ratio(primary, INK) else INK


def readable_on_white(hex_color: str) -> str:
    """The colour itself if text in it reads on white (4.5:1), else the nearest darker
    shade that does: brand headings stay legible whatever colour a clinic picks."""
    return next((s for s in _darker(hex_color) if contrast_ratio(s, WHITE) >= MIN_CONTRAST),
                INK)


def readable_on_tint(hex_color: str) -> str:
    """The colour itself if note titles in it read on its own tint, else the nearest
    darker shade that does (the tint darkens a little with it)."""
    return next((s for s in _darker(hex_color)
                 if contrast_ratio(s, tinted(s, NOTE_TINT)) >= MIN_CONTRAST), INK)


def readable_on(hex_color: str, background: str) -> str:
    """The colour itself if text in it reads on `background` (4.5:1), else the nearest
    darker shade that does."""
    return next((s for s in _darker(hex_color) if contrast_ratio(s, background) >= MIN_CONTRAST),
                "#000000")


def label_color(primary: str) -> str:
    """The colour of the "Prepared for / by / Date" labels: the printed primary, darkened
    until it reads on the box's tint of it (12 pt bold is not large text: 4.5:1)."""
    shown = readable_on_white(primary)
    return readable_on(shown, tinted(shown, LABEL_TINT))


@dataclass(frozen=True)
class Check:
    """One print check: what it is about, the field it concerns, the measure, and the
    darker shade of the brand colour the handout prints this text in, if it needs one."""

    field: str
    what: str
    value: float
    needed: float
    unit: str = ":1"
    shade: str | None = None

    @property
    def passed(self) -> bool:
        return self.value >= self.needed

    def __str__(self) -> str:
        shown = f"{self.value:.2f}{self.unit}" if self.unit == ":1" else f"{self.value:.0f}"
        need = f"{self.needed:g}{self.unit}" if self.unit == ":1" else f"{self.needed:g}"
        if self.shade:
            shown += f" in {self.shade}, a darker shade of the same hue"
        return f"{self.what}: {shown} (needs {need})"


def checks(primary: str, accent: str) -> list[Check]:
    """Every print check of a pair of brand colours. The band and its stripe are printed
    in the colours as given; text is printed in them, or in a darker shade of the same hue
    where a colour is too light for text, so the text checks measure that shade."""
    heading, note = printed(primary, accent)
    label = label_color(primary)
    return [
        Check("colors.primary", "the clinic's name on the header band",
              contrast_ratio(primary, band_text(primary)), MIN_CONTRAST),
        Check("colors.primary", "headings, the title and links on white paper",
              contrast_ratio(heading, WHITE), MIN_CONTRAST,
              shade=heading if heading != primary else None),
        Check("colors.primary", "the 'Prepared for' labels on their tinted box",
              contrast_ratio(label, tinted(heading, LABEL_TINT)), MIN_CONTRAST,
              shade=label if label != primary else None),
        Check("colors.accent", "note titles on their tinted box",
              contrast_ratio(note, tinted(note, NOTE_TINT)), MIN_CONTRAST,
              shade=note if note != accent else None),
        Check("colors.accent", "how differently the two colours print in grey (lightness)",
              abs(lightness(primary) - lightness(accent)), MIN_GREY_DIFFERENCE, unit=""),
    ]


def printed(primary: str, accent: str) -> tuple[str, str]:
    """The colours a handout prints its text in: each brand colour, or a darker shade of it
    (the same hue) where the colour itself is too light for its text."""
    return readable_on_white(primary), readable_on_tint(accent)


def suggest(primary: str, accent: str) -> tuple[str, str]:
    """The pair nearest the brand that passes every check: the colours as given when they
    do (a colour too light for text keeps its place in the band and its stripe); else the
    primary darkened or lightened as little as the band's text needs, then the accent as
    little as the grey difference needs."""
    for p in _interleave(_darker(primary), _lighter(primary)):
        if not checks(p, p)[0].passed:
            continue
        for a in _interleave(_darker(accent), _lighter(accent)):
            if all(c.passed for c in checks(p, a)):
                return p, a
    return readable_on_white(primary), INK


def _interleave(first: Iterator[str], second: Iterator[str]) -> Iterator[str]:
    for a, b in zip(first, second, strict=False):
        yield a
        yield b


def colors_command(primary: str, accent: str) -> str:
    """The command that shows a pair's checks, safe to paste into a shell ('#' quoted)."""
    return f'handouts colors "{primary}" "{accent}"'


def brand_problems(primary: str, accent: str) -> list[tuple[str, str, str]]:
    """(field, message, hint) for each check a brand's colours fail; every hint offers the
    same pair, which passes them all, so fixing one never breaks another."""
    failed = [c for c in checks(primary, accent) if not c.passed]
    if not failed:
        return []
    good = suggest(primary, accent)
    hint = (f"a pair that passes every check: primary \"{good[0]}\", accent \"{good[1]}\" "
            f"({colors_command(primary, accent)} shows the checks)")
    return [(check.field, f"{primary if check.field == 'colors.primary' else accent}: {check}",
             hint) for check in failed]


def site_problems(site) -> list[Problem]:
    """Print problems of a loaded site, as warnings placed at its colour lines."""
    colors = site.model.colors
    source = site.source
    return [Problem(message, str(site.files[0]),
                    source.line_of(tuple(field.split("."))) if source else None, field, hint,
                    "warning")
            for field, message, hint in brand_problems(colors.primary, colors.accent)]
