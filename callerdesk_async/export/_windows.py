"""Date windows: a long range cut into plain, serialisable pieces fetched independently."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import attrs

from .._validation import to_date

__all__ = ["DateWindow", "split_windows"]


@attrs.frozen(slots=True, order=True)
class DateWindow:
    """The IST days ``start`` to ``end``, both inclusive: one independent slice of an export.

    A window is a plain value (:meth:`to_dict` / :meth:`from_dict`), so it can be fetched by
    this process, by another one, or handed to a task queue.
    """

    start: date
    end: date

    def __attrs_post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"window start {self.start} is after its end {self.end}")

    @property
    def days(self) -> int:
        """How many days the window spans."""
        return (self.end - self.start).days + 1

    def to_dict(self) -> dict[str, str]:
        """``{"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}``."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DateWindow:
        """Rebuild a window saved with :meth:`to_dict`; ``ValueError`` if malformed."""
        try:
            return cls(date.fromisoformat(data["start"]), date.fromisoformat(data["end"]))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a valid DateWindow: {exc}") from None


def split_windows(start: date | str, end: date | str, window_days: int = 1) -> list[DateWindow]:
    """Cut ``start``..``end`` (inclusive days) into windows of ``window_days`` days, newest first.

    Newest first is the API's own order, so writing the windows one after another gives the
    same rows in the same order as one sequential listing of the whole range. The oldest
    window may be shorter.
    """
    first = to_date(start, "start")
    last = to_date(end, "end")
    if first is None or last is None:
        raise ValueError("start and end are required")
    if first > last:
        raise ValueError(f"start {first} is after end {last}")
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 1:
        raise ValueError(f"window_days must be an integer >= 1, got {window_days!r}")
    windows: list[DateWindow] = []
    hi = last
    while hi >= first:
        lo = max(first, hi - timedelta(days=window_days - 1))
        windows.append(DateWindow(lo, hi))
        hi = lo - timedelta(days=1)
    return windows
