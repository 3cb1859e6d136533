"""Fixtures for the webhook tests (helpers live in webhook_helpers.py)."""

from __future__ import annotations

import pytest

from .webhook_helpers import Recorder


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()
