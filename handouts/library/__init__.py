"""The content library: content files parsed (and cached), citations, readability, and `check`, the
library's quality gate."""
