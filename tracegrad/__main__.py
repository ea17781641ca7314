"""``python -m tracegrad``: the ``tracegrad`` command."""

import sys

from tracegrad.cli import main

sys.exit(main())
