"""pip with no network, for the tests that install ccbkg into a new virtual environment: every
package comes from the wheelhouse that `make wheelhouse` (part of `make test`) fills beforehand,
and anything that still tries the network meets a closed port on 127.0.0.1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import REPO

WHEELHOUSE = REPO / ".cache" / "wheelhouse"
CLOSED = "http://127.0.0.1:9"  # nothing listens on the discard port: a proxy that refuses


def offline_env(home: Path) -> dict[str, str]:
    """os.environ for pip (and pre-commit, virtualenv) that install from the wheelhouse only,
    with no pip configuration of this machine and HOME in the test's own folder."""
    if not (WHEELHOUSE / ".stamp").is_file():
        pytest.fail(f"{WHEELHOUSE} is not filled: run `make wheelhouse` first (`make test` does)")
    env = {k: v for k, v in os.environ.items()
           if not k.upper().startswith(("PIP_", "VIRTUAL_ENV", "PYTHON", "NO_PROXY"))}
    return env | {
        "HOME": str(home), "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(WHEELHOUSE), "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "VIRTUALENV_NO_PERIODIC_UPDATE": "1",
        **{name: CLOSED for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy",
                                     "https_proxy", "all_proxy")},
    }
