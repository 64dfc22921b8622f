"""`python -m ccbkg` and the `ccbkg` console script: the CLI, started so that Ctrl-C while its
libraries are imported (the first half second) ends it with one line, as it does later."""

import sys


def run() -> int:
    """Import the CLI and run it; exit code 130 when interrupted during the import. Once the
    command has ended, Ctrl-C is ignored: the process only exits (its forked processes and
    temporary files go away), and the exit code says what the command did."""
    try:
        from ccbkg.cli import main
    except KeyboardInterrupt:
        print("ccbkg: error: interrupted while starting; nothing was done", file=sys.stderr)
        return 130
    code = main()
    import signal  # not before: importing this module takes no time (nothing to interrupt)

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return code


if __name__ == "__main__":
    sys.exit(run())
