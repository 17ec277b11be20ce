"""handouts: clinic-branded PDF handouts about ketamine and esketamine treatment."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("handouts")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
