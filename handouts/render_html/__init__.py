"""Document -> the HTML twin: one self-contained, semantic HTML file (html.py), its blocks
and its stylesheet. This file imports nothing."""
