"""`python -m ccbkg` runs the CLI."""

import sys

from ccbkg.cli import main

sys.exit(main())
