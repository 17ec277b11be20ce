"""Print checks for a brand: text contrast (WCAG 2) and colours that survive greyscale."""

from __future__ import annotations

from handouts.errors import Problem

MIN_CONTRAST = 4.5  # WCAG 2 AA for body text
MIN_GREY_DIFFERENCE = 10.0  # CIELAB lightness difference that stays visible in grey
WHITE, INK = "#FFFFFF", "#1A1A1A"


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_color: str) -> float:
    """WCAG relative luminance of '#RRGGBB'."""
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
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
    rgb = [int(hex_color[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - amount * (255 - c)):02X}" for c in rgb)


def readable_on_white(hex_color: str) -> str:
    """The colour itself if text in it reads on white (4.5:1), else the nearest darker
    shade that does: brand headings stay legible whatever colour a clinic picks."""
    rgb = [int(hex_color[i:i + 2], 16) for i in (1, 3, 5)]
    for step in range(101):
        shade = "#" + "".join(f"{round(c * (1 - step / 100)):02X}" for c in rgb)
        if contrast_ratio(shade, WHITE) >= MIN_CONTRAST:
            return shade
    return INK


def brand_problems(primary: str, accent: str) -> list[tuple[str, str, str]]:
    """(field, message, hint) for each print problem of a brand's colours."""
    found = []
    band_text = WHITE if contrast_ratio(primary, WHITE) >= contrast_ratio(primary, INK) \
        else INK
    band_hint = "choose a darker colour" if band_text == WHITE else "choose a lighter colour"
    pairs = [
        ("colors.primary", primary, band_text, "the clinic name on the header band",
         band_hint),
        ("colors.primary", primary, WHITE, "headings, the title and links on white paper",
         f"they are printed in a darker shade, {readable_on_white(primary)}; choose a darker "
         "colour to keep your own"),
        ("colors.accent", accent, tinted(accent, 0.08), "note titles on their tinted box",
         f"they are printed in a darker shade, {readable_on_white(accent)}; choose a darker "
         "colour to keep your own"),
    ]
    for field, color, text, where, hint in pairs:
        ratio = contrast_ratio(color, text)
        if ratio < MIN_CONTRAST:
            found.append((field, f"{color} gives a contrast of {ratio:.2f}:1 for {where} "
                          f"(WCAG asks {MIN_CONTRAST}:1)", hint))
    difference = abs(lightness(primary) - lightness(accent))
    if difference < MIN_GREY_DIFFERENCE:
        found.append(("colors.accent", f"{accent} and the primary {primary} print as almost "
                      f"the same grey (lightness differs by {difference:.0f}; needs "
                      f"{MIN_GREY_DIFFERENCE:.0f})",
                      "make one clearly lighter or darker than the other"))
    return found


def site_problems(site) -> list[Problem]:
    """Print problems of a loaded site, as warnings placed at its colour lines."""
    colors = site.model.colors
    source = site.source
    return [Problem(message, str(site.files[0]),
                    source.line_of(tuple(field.split("."))) if source else None, field, hint,
                    "warning")
            for field, message, hint in brand_problems(colors.primary, colors.accent)]
