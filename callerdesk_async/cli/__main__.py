"""``python -m callerdesk_async.cli``: the same as the ``callerdesk`` command."""

from __future__ import annotations

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
