"""ccbkg: the cyber capacity building knowledge graph and the tool that checks and publishes it.

Importing the package does nothing else: the CLI's entry point (`ccbkg.__main__.run`) catches
Ctrl-C only once it runs, after this module, so nothing here may take time. The version is
read when asked for.
"""

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """`ccbkg.__version__`: the installed distribution's version."""
    if name != "__version__":
        raise AttributeError(f"module 'ccbkg' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ccbkg")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0+unknown"
