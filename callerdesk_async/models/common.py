"""Models shared by several areas."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["ActionResult"]


@attrs.frozen(slots=True, weakref_slot=False)
class ActionResult:
    """The answer of an endpoint that only reports success (``type``/``message``).

    Reaching this model means the API said ``type: "success"`` (an error raises instead), so
    ``message`` is informational, e.g. ``"Member Deleted Successfully"``. Any other key the API
    sends is kept in ``extra``.
    """

    message: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)
