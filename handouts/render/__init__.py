"""Document -> tagged PDF (ReportLab): pages, flowables, tags, fonts, and the print checks,
swatch and preview beside it. This file imports nothing, so its light modules (fontfiles,
printcheck) never load ReportLab."""
