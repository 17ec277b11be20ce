"""Message catalogues: every fixed string of a page, in each language (messages.py)."""
