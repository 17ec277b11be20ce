"""Read PDFs the way a reader and a printer would: fonts, images, sizes, char positions."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pypdfium2 as pdfium
from pypdf import PdfReader

STANDARD_14 = ("Helvetica", "Times", "Courier", "Symbol", "ZapfDingbats")


def _resources(reader: PdfReader):
    """Every resource dictionary: pages and the form XObjects they draw, recursively."""
    seen: set[int] = set()
    stack = [page.get("/Resources") for page in reader.pages]
    while stack:
        res = stack.pop()
        if res is None:
            continue
        res = res.get_object()
        if id(res) in seen:
            continue
        seen.add(id(res))
        yield res
        for xobj in (res.get("/XObject") or {}).values():
            xobj = xobj.get_object()
            if xobj.get("/Subtype") == "/Form":
                stack.append(xobj.get("/Resources"))


def fonts(path: Path) -> dict[str, bool]:
    """BaseFont name -> embedded?, for every font any page or form uses."""
    out = {}
    for res in _resources(PdfReader(path)):
        for font in (res.get("/Font") or {}).values():
            font = font.get_object()
            name = str(font.get("/BaseFont", "")).lstrip("/")
            descriptor = font.get("/FontDescriptor")
            if font.get("/Subtype") == "/Type0":
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            out[name] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return out


def image_count(path: Path) -> int:
    return sum(1 for res in _resources(PdfReader(path))
               for x in (res.get("/XObject") or {}).values()
               if x.get_object().get("/Subtype") == "/Image")


def font_sizes(path: Path, first_pages: int = 1) -> Counter:
    """How many characters were drawn at each font size (rounded) on the first pages."""
    sizes: Counter = Counter()
    for page in PdfReader(path).pages[:first_pages]:
        def visit(text, cm, tm, font, size):
            scale = abs(tm[0]) if tm[0] else 1
            if text.strip():
                sizes[round(size * scale, 1)] += len(text.strip())
        page.extract_text(visitor_text=visit)
    return sizes


def char_boxes(path: Path):
    """(page number, page width, left, right) of every character drawn."""
    pdf = pdfium.PdfDocument(str(path))
    for index in range(len(pdf)):
        page = pdf[index]
        width = page.get_width()
        text = page.get_textpage()
        for i in range(text.count_chars()):
            left, _, right, _ = text.get_charbox(i)
            yield index + 1, width, left, right


def structural_problems(path: Path) -> list[str]:
    """What qpdf's structural check (`qpdf --check`, through pikepdf) finds wrong."""
    import pikepdf

    with pikepdf.open(path) as pdf:
        return [str(p) for p in pdf.check_pdf_syntax()]


def page_texts(path: Path) -> list[str]:
    from tests.conftest import normalise

    return [normalise(p.extract_text()) for p in PdfReader(path).pages]
