"""Errors the CLI turns into a one-line message and exit code 2."""


class CcbkgError(Exception):
    """A usage or runtime problem (bad arguments, missing Java, unwritable output).

    The message is shown to the user as it is, so it must say what went wrong and what to do.
    """
