"""The soak: the reliability scenarios at full scale. Not part of the normal run.

Collected only with ``CALLERDESK_SOAK=1`` (``nox -s soak`` sets it). Each test prints its
figures as one JSON line and appends it to ``$CALLERDESK_SOAK_RESULTS`` when that is set.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from typing import Any

import pytest

if not os.environ.get("CALLERDESK_SOAK"):
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture
def record(request: pytest.FixtureRequest) -> Callable[[dict[str, Any]], None]:
    def write(figures: dict[str, Any]) -> None:
        line = json.dumps(
            {
                "test": request.node.name,
                "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                **figures,
            }
        )
        print(f"\nSOAK {line}")
        path = os.environ.get("CALLERDESK_SOAK_RESULTS")
        if path:
            with open(path, "a", encoding="utf-8") as out:
                out.write(line + "\n")

    return write
