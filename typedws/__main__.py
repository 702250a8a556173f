"""`python -m typedws`: the command line (see `typedws.cli`)."""

import sys

from .cli import main

sys.exit(main())
