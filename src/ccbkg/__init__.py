"""ccbkg: the cyber capacity building knowledge graph and the tool that checks and publishes it."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ccbkg")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
