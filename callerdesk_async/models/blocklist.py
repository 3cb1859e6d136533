"""Blocked-number models (``getblocknumber``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["BlockedNumber"]


@attrs.frozen(slots=True, weakref_slot=False)
class BlockedNumber:
    """One blacklisted caller; ``caller_no`` is kept as the API sends it."""

    id: int | None = None
    caller_no: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)
