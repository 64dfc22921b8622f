"""`python -m ccbkg` and the `ccbkg` console script: the CLI, started so that Ctrl-C while its
libraries are imported (the first half second) ends it with one line, as it does later."""

import sys


def run() -> int:
    """Import the CLI and run it; exit code 130 when interrupted during the import."""
    try:
        from ccbkg.cli import main
    except KeyboardInterrupt:
        print("ccbkg: error: interrupted while starting; nothing was done", file=sys.stderr)
        return 130
    return main()


if __name__ == "__main__":
    sys.exit(run())
