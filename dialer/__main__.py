"""``python -m dialer`` (also the ``dialer`` script): the command line, ``dialer/cli``."""

from __future__ import annotations

import sys

from dialer.cli import main

if __name__ == "__main__":
    sys.exit(main())
