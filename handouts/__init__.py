"""handouts: clinic-branded PDF handouts about ketamine and esketamine treatment."""

__version__ = "0.1.0"  # the one place the version is set (pyproject reads it from here)
