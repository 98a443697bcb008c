"""`python -m reader` runs the qari command line."""

import sys

from reader.cli import main

sys.exit(main())
