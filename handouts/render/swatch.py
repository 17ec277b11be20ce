"""`handouts colors`: a brand's print checks as a table and a swatch PNG, in colour and in
grey, for the colours as given and for the suggested pair."""

from __future__ import annotations

import io

from handouts.render.fontfiles import FAMILIES, font_dir
from handouts.render.printcheck import NOTE_TINT, band_text, checks, printed, suggest, tinted

WIDTH, ROW, PAD = 1100, 150, 20


def report(primary: str, accent: str) -> list[str]:
    """The checks, one line each, then the suggested pair."""
    lines = [f"primary {primary}, accent {accent}:"]
    for check in checks(primary, accent):
        given = primary if check.field == "colors.primary" else accent
        note = ""
        if not check.passed and check.unit == ":1" and check.shade != given:
            note = f"; the handout prints this text in {check.shade} instead"
        lines.append(f"  {'pass' if check.passed else 'FAIL'}  {check}{note}")
    good = suggest(primary, accent)
    if good == (primary, accent):
        lines.append("every check passes: these colours print well, in colour and in grey")
    else:
        lines.append(f"a pair that passes every check: primary \"{good[0]}\", accent "
                     f"\"{good[1]}\"")
    return lines


def swatch_png(primary: str, accent: str) -> bytes:
    """Rows for the colours as given and for the suggested pair, each also in grey."""
    from PIL import Image, ImageOps

    good = suggest(primary, accent)
    rows = [("as given", primary, accent)]
    if good != (primary, accent):
        rows.append(("suggested", *good))
    image = Image.new("RGB", (WIDTH, PAD + len(rows) * 2 * (ROW + PAD)), "white")
    y = PAD
    for label, p, a in rows:
        image.paste(_row(label, p, a), (0, y))
        grey = ImageOps.grayscale(_row(f"{label}, printed in grey", p, a))
        image.paste(grey.convert("RGB"), (0, y + ROW + PAD))
        y += 2 * (ROW + PAD)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _row(label: str, primary: str, accent: str):
    from PIL import Image, ImageDraw

    heading, note = printed(primary, accent)
    row = Image.new("RGB", (WIDTH, ROW), "white")
    draw = ImageDraw.Draw(row)
    big, small = _font(26, bold=True), _font(18)
    draw.text((PAD, 4), f"{label}: primary {primary}, accent {accent}", fill="#4A4A4A",
              font=small)
    draw.rounded_rectangle([PAD, 32, 420, ROW - 12], radius=10, fill=primary)
    draw.rectangle([PAD + 8, ROW - 12, 412, ROW - 8], fill=note)
    draw.text((PAD + 20, 62), "Your clinic's name", fill=band_text(primary), font=big)
    draw.text((450, 48), "A heading on paper", fill=heading, font=big)
    draw.text((450, 88), "and a link", fill=heading, font=small)
    draw.rectangle([760, 32, WIDTH - PAD, ROW - 12], fill=tinted(note, NOTE_TINT))
    draw.rectangle([760, 32, 766, ROW - 12], fill=note)
    draw.text((780, 48), "Good to know", fill=note, font=big)
    draw.text((780, 90), "Body text in a note.", fill="#1A1A1A", font=small)
    return row


def _font(size: int, bold: bool = False):
    from PIL import ImageFont

    regular, bold_file = FAMILIES["atkinson-hyperlegible"][:2]
    return ImageFont.truetype(str(font_dir() / (bold_file if bold else regular)), size)
