"""Render page 1 of the example handout to docs/example-page-1.png for the README.

Run after `handouts build specs/ketamine-and-antidepressants.yaml`:
    python tools/readme_image.py
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    pdf = pdfium.PdfDocument(str(ROOT / "build" / "ketamine-and-antidepressants.pdf"))
    image = pdf[0].render(scale=100 / 72).to_pil().convert("P", palette=1, colors=64)
    image.save(ROOT / "docs" / "example-page-1.png", optimize=True)


if __name__ == "__main__":
    main()
