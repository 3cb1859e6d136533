"""Date windows: a long range cut into plain, serialisable pieces fetched independently."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import attrs

from .._validation import to_date

__all__ = ["DateWindow", "WindowPlan", "split_windows"]


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


def check_window_days(value: object) -> int:
    """``value`` if it is an int >= 1 (not a bool); ``ValueError`` naming it otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"window_days must be >= 1 and an integer, got {value!r}")
    return value


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
    check_window_days(window_days)
    windows: list[DateWindow] = []
    hi = last
    while hi >= first:
        lo = max(first, hi - timedelta(days=window_days - 1))
        windows.append(DateWindow(lo, hi))
        hi = lo - timedelta(days=1)
    return windows


class WindowPlan:
    """Which windows an export fetches: ``windows`` (:func:`split_windows`' cut of the range),
    with sparse neighbours merged.

    A pure planner (no I/O): it names the spans whose row totals it needs (:meth:`wanted`),
    is told each total (:meth:`tell`), and once :attr:`done` gives the windows, newest first.
    A span is a run of neighbouring ``windows``. One whose total is at most
    ``merge_rows`` becomes a single window (a sparse month costs a few requests, not one per
    day). One denser than ``merge_rows`` per window on average, inside a span that was too,
    keeps its windows as they are (no more totals asked: a uniformly dense range costs two
    extra requests, whatever its length). Any other is halved and each half asked about. The
    first span is the whole range, whose total the export already asks for. ``merge_rows=0``
    merges nothing and asks for nothing.

    Merging changes no output: the rows of neighbouring windows, newest first, are the rows of
    the window spanning them.
    """

    def __init__(self, windows: Sequence[DateWindow], *, merge_rows: int) -> None:
        if isinstance(merge_rows, bool) or not isinstance(merge_rows, int) or merge_rows < 0:
            raise ValueError(f"merge_rows must be an integer >= 0, got {merge_rows!r}")
        for newer, older in itertools.pairwise(windows):
            if older.end + timedelta(days=1) != newer.start:
                raise ValueError(f"windows must be neighbours, newest first: {older}, {newer}")
        if not windows:
            raise ValueError("a window plan needs at least one window")
        self.base = list(windows)
        self.merge_rows = merge_rows
        self._decided: dict[int, list[DateWindow]] = {}  # first base index → its windows
        self._open: dict[DateWindow, tuple[int, int, bool]] = {}  # span → i, j, parent dense
        if merge_rows == 0:
            self._decided[0] = list(self.base)
        else:
            self._add(0, len(self.base), False)

    @property
    def done(self) -> bool:
        """True when every window is decided."""
        return not self._open

    @property
    def windows(self) -> list[DateWindow]:
        """The windows to fetch, newest first (only once :attr:`done`)."""
        if not self.done:
            raise RuntimeError("the window plan still needs totals: see wanted()")
        return [w for i in sorted(self._decided) for w in self._decided[i]]

    def wanted(self) -> list[DateWindow]:
        """The spans whose totals are needed next (they can be asked for concurrently)."""
        return list(self._open)

    def tell(self, span: DateWindow, total: int | None) -> None:
        """The API's row total for ``span`` (``None``: unknown, so its windows are kept)."""
        i, j, parent_dense = self._open.pop(span)
        dense = total is not None and total > self.merge_rows * (j - i)
        if total is not None and total <= self.merge_rows:
            self._decided[i] = [span]
        elif total is None or (dense and parent_dense):
            self._decided[i] = self.base[i:j]
        else:
            middle = (i + j) // 2
            self._add(i, middle, dense)
            self._add(middle, j, dense)

    def _add(self, i: int, j: int, parent_dense: bool) -> None:
        if j - i == 1:
            self._decided[i] = [self.base[i]]
        else:
            self._open[DateWindow(self.base[j - 1].start, self.base[i].end)] = (i, j, parent_dense)
