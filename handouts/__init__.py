"""handouts: clinic-branded PDF handouts about ketamine and esketamine treatment."""

import os

__version__ = "0.1.0"  # the one place the version is set (pyproject reads it from here)

# pydantic looks for third-party plugins through package metadata on first use, which
# costs a cold start tens of milliseconds; handouts uses none.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
