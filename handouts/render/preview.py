"""PNG previews: one page of a handout, or a contact sheet of many first pages."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path

from handouts.errors import SpecError
from handouts.render.fontfiles import font_dir

THUMB_WIDTH = 240  # pixels per page on a contact sheet
LABEL_HEIGHT = 36
GAP = 16


def page_png(pdf: bytes, page: int = 1, dpi: int = 110) -> bytes:
    """Page `page` (1-based) of a PDF as PNG bytes."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    if not 1 <= page <= len(document):
        raise SpecError.one(f"page {page} does not exist; the handout has {len(document)} "
                            "pages", field="--page")
    image = document[page - 1].render(scale=dpi / 72).to_pil()
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def contact_sheet(items: Sequence[tuple[str, Path]], columns: int = 5) -> bytes:
    """First pages of many PDFs on one PNG, each labelled with its output path."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw, ImageFont

    thumbs = []
    for label, path in items:
        page = pdfium.PdfDocument(str(path))[0]
        image = page.render(scale=THUMB_WIDTH / page.get_width()).to_pil()
        thumbs.append((label, image))
    if not thumbs:
        raise SpecError.one("no handouts to put on a contact sheet")
    columns = max(1, min(columns, len(thumbs)))
    rows = math.ceil(len(thumbs) / columns)
    cell_h = max(t.height for _, t in thumbs) + LABEL_HEIGHT
    sheet = Image.new("RGB", (columns * (THUMB_WIDTH + GAP) + GAP, rows * (cell_h + GAP) + GAP),
                      "#E6E6E6")
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.truetype(str(font_dir() / "DejaVuSans.ttf"), 12)
    for i, (label, image) in enumerate(thumbs):
        x = GAP + (i % columns) * (THUMB_WIDTH + GAP)
        y = GAP + (i // columns) * (cell_h + GAP)
        sheet.paste(image, (x, y))
        draw.rectangle((x - 1, y - 1, x + image.width, y + image.height), outline="#999999")
        for n, line in enumerate(label.split("/", 1)):  # "site/handout.pdf" on two lines
            while draw.textlength(line, font=font) > THUMB_WIDTH and len(line) > 2:
                line = line[:len(line) // 2 - 1] + "\u2026" + line[len(line) // 2 + 1:]
            draw.text((x, y + image.height + 4 + 14 * n), line, fill="#1A1A1A", font=font)
    out = io.BytesIO()
    sheet.save(out, "PNG", optimize=True)
    return out.getvalue()
