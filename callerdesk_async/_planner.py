"""The paging planner: which pages to fetch and which of their rows to hand out. Pure, no I/O.

The API pages newest-first with ``current_page``/``per_page`` and reports a ``total``. When new
rows arrive during an iteration they are inserted at the top and every older row slides down,
so the naive "page 1, 2, 3…" loop yields some rows twice. The planner pins the snapshot seen on
the first page (``total`` then) and maps each fetched page back into that snapshot using the
page's own ``total``: a page fetched after *d* new rows arrived starts *d* rows later. Rows newer
than the snapshot are skipped, rows handed out already are skipped, and a gap (a page fetched
before a drift that an earlier page already saw) is filled by fetching the right page again. So
each row of the snapshot is handed out exactly once, in order.

Its durable state is :class:`PageState`, whose one position (``offset``) is the snapshot
position to continue from: every row before it was handed out or dropped as a repeat, so a
resumed iteration neither repeats nor loses a row. The rest of :class:`PagePlanner` is what one
run keeps to guard itself (pages in flight, the request count, the window of recent row keys)
and starts afresh on resume.

The asyncio driver (``_pagination.AsyncPaginator``) asks :meth:`PagePlanner.due` and
:meth:`PagePlanner.ahead` which pages to request, awaits them in order and hands each to
:meth:`PagePlanner.accept`, which answers the :class:`Batch` of rows to hand out (or ``None``
when the page brought none and the planner moved on to another page), sets ``done`` at the end,
or raises :class:`PaginationError` when the server pages inconsistently.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from itertools import repeat
from typing import Any, TypeVar

import attrs

from ._version import __version__
from .errors import PaginationError

__all__ = ["TOTALLESS_MAX_PAGES", "Batch", "PagePlanner", "PageState", "row_keys"]

R = TypeVar("R")

STATE_VERSION = 2
"""``PageState.to_dict`` format. 1 (no ``version`` key) is the 0.1 release's: its ``offset``
counted rows handed out, and that release resumed from it as a snapshot position, as this one
does; 2 defines ``offset`` as the snapshot position itself (repeats dropped included)."""

TOTALLESS_MAX_PAGES = 1000
"""Page requests allowed, when ``max_pages`` is not given, on an endpoint that reports no total
(the blocklist): a server that keeps answering full pages of new rows cannot page forever."""

_MAX_IDLE_PAGES = 5  # pages in a row that bring no row (empty, gaps) before PaginationError


@attrs.frozen(slots=True)
class PageState:
    """Where an iteration stands: enough to resume it in another process, later.

    It is a small value (serialise with :meth:`to_dict`, restore with :meth:`from_dict`) and is
    passed back as ``resume=`` to the same list method. ``offset`` is the position in the
    snapshot to continue from: every row before it was handed to the caller (or dropped as a
    row the server repeated). ``total`` is the snapshot's size (``None`` for endpoints that
    report none, or before the first page).
    """

    endpoint: str
    params: Mapping[str, str]
    per_page: int
    offset: int = 0
    total: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "version": STATE_VERSION,
            "endpoint": self.endpoint,
            "params": dict(self.params),
            "per_page": self.per_page,
            "offset": self.offset,
            "total": self.total,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PageState:
        """Rebuild a state saved with :meth:`to_dict` (this release's or 0.1's format).

        ``ValueError`` if it is malformed or of a format version this release cannot read.
        """
        loaded: object = data  # from JSON: it may be anything
        if not isinstance(loaded, Mapping):
            kind = type(loaded).__name__
            raise ValueError(f"not a valid PageState: expected an object, got {kind}")
        version = data.get("version", 1)
        if type(version) is not int or not 1 <= version <= STATE_VERSION:
            raise ValueError(
                f"PageState format version {version!r} is not supported: callerdesk_async "
                f"{__version__} reads versions 1 to {STATE_VERSION} (was it saved by a newer "
                "release?)"
            )
        try:
            params = data["params"]
            if not isinstance(params, Mapping):
                raise TypeError("params is not an object")
            total = data.get("total")
            state = cls(
                endpoint=str(data["endpoint"]),
                params={str(k): str(v) for k, v in params.items()},
                per_page=int(data["per_page"]),
                offset=int(data["offset"]),
                total=None if total is None else int(total),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a valid PageState: {exc}") from None
        limit = state.offset if state.total is None else state.total  # offset never passes it
        if state.per_page < 1 or not 0 <= state.offset <= limit:
            raise ValueError(
                f"not a valid PageState: per_page={state.per_page}, offset={state.offset}, "
                f"total={state.total}"
            )
        return state


@attrs.define(slots=True)  # not frozen: one is made per page, and frozen init costs ~1 µs
class Batch:
    """The rows of one fetched page to hand out, and where each moves the resume position.

    The rows are the page's ``lo:hi`` slice, or, when some of those repeat rows handed out
    already, the page rows at ``keep``. Row ``i`` of the page is snapshot position ``start + i``.
    Treat it as a value: nothing changes it once made.
    """

    number: int  # the page (current_page) these rows came from
    start: int
    lo: int
    hi: int
    keep: tuple[int, ...] | None
    end: int  # the resume position once the whole batch is handed out
    size: int

    def pick(self, rows: list[R]) -> list[R]:
        """The rows of ``rows`` (the page, as fetched) to hand out."""
        if self.keep is not None:
            return [rows[i] for i in self.keep]
        if self.lo == 0 and self.hi == len(rows):
            return rows
        return rows[self.lo : self.hi]

    def position_after(self, taken: int) -> int:
        """The resume position once the first ``taken`` rows of the batch are handed out: the
        position of the next row to hand out (so repeats in between stay dropped)."""
        if taken >= self.size:
            return self.end
        if self.keep is None:
            return self.start + self.lo + taken
        return self.start + self.keep[taken]


class PagePlanner:
    """Plans one iteration of a paginated endpoint from a :class:`PageState` (see the module).

    ``has_total``: whether the endpoint reports a total (else pages are read one after another
    until a short page). ``prefetch``: pages to keep in flight once the total is known.
    ``max_pages``: page requests allowed (refetches included); the planner never asks for more
    and raises :class:`PaginationError` when it needs more. ``row_limit`` (settable until the
    first page) stops it from fetching ahead beyond the pages that many rows need.
    """

    def __init__(
        self,
        state: PageState,
        *,
        has_total: bool,
        prefetch: int = 8,
        max_pages: int | None = None,
    ) -> None:
        self.endpoint = state.endpoint
        self.params = state.params
        self.per_page = state.per_page
        self.position = state.offset
        self.total = state.total
        self.prefetch = prefetch
        self.max_pages = max_pages
        self.budget = max_pages if max_pages is not None or has_total else TOTALLESS_MAX_PAGES
        self.has_total = has_total
        self.row_limit: int | None = None
        self.number = state.offset // state.per_page + 1  # the page to accept next
        self.done = state.total is not None and state.offset >= state.total
        self.requested = 0  # page requests asked for, counted as they are asked
        self.emitted = 0  # rows handed out in this run
        self._upto = self.number - 1  # the highest page asked for ahead
        self._in_flight: set[int] = set()
        self._drift = 0  # the most rows seen arriving after the snapshot
        self._idle_pages = 0  # pages in a row that brought no row
        self._idle_cause = ""
        self._started = False
        self._recent = _RecentKeys(2 * state.per_page)

    def state_at(self, position: int) -> PageState:
        """The resumable state at snapshot ``position`` (see :meth:`Batch.position_after`)."""
        return PageState(self.endpoint, self.params, self.per_page, position, self.total)

    # -- which pages ----------------------------------------------------------------------

    def due(self) -> tuple[int, ...]:
        """``(number,)`` when the page to accept next must be requested now (it is counted);
        ``()`` when it is in flight. ``PaginationError`` when the request budget is spent."""
        number = self.number
        if number in self._in_flight:
            return ()
        if self.budget is not None and self.requested >= self.budget:
            raise PaginationError(self._budget_message(), endpoint=self.endpoint)
        self.requested += 1
        self._in_flight.add(number)
        self._upto = max(self._upto, number)
        return (number,)

    def ahead(self) -> range:
        """Pages to request now so the next ``prefetch`` pages are in flight (counted); none
        before the total is known, beyond the last page the snapshot needs, beyond what
        ``row_limit`` rows need, or beyond the request budget."""
        if self.done or self.total is None or not self._started:
            return range(0)
        per_page = self.per_page
        last = min(self.number + self.prefetch - 1, (self.total + self._drift - 1) // per_page + 1)
        if self.row_limit is not None:
            left = self.row_limit - self.emitted
            last = min(last, self.number - 1 + (left + per_page - 1) // per_page)
        first = max(self._upto, self.number - 1) + 1
        if self.budget is not None:
            last = min(last, first - 1 + self.budget - self.requested)
        if last < first:
            return range(0)
        pages = range(first, last + 1)
        self.requested += len(pages)
        self._in_flight.update(pages)
        self._upto = last
        return pages

    def _budget_message(self) -> str:
        if self.max_pages is not None:
            return f"stopped after max_pages={self.max_pages} page requests"
        return (
            f"stopped after {self.budget} page requests: {self.endpoint} reports no total and "
            "every page came back full (pass max_pages= to allow more)"
        )

    # -- which rows -----------------------------------------------------------------------

    def accept(self, number: int, total: int | None, keys: Sequence[object]) -> Batch | None:
        """Take page ``number`` as fetched: its ``total`` and the key of each row (``None`` for
        a row without one). Returns the rows to hand out, or ``None`` when it brought none."""
        self._in_flight.discard(number)
        if not self._started:
            self._first_page(total, len(keys))
        if self.total is None:
            batch = self._sequential(number, keys)
        else:
            batch = self._mapped(number, total, keys)
        if batch is not None:
            self.emitted += batch.size
        return batch

    def _first_page(self, total: int | None, count: int) -> None:
        self._started = True
        if self.total is None and self.has_total:
            self.total = total
        self._recent.keep_first = self.total is None
        # A first page bigger than asked, or smaller although more rows exist: the server uses
        # its own page size (it ignores per_page, or caps it). Adopt that size.
        if (
            self.position == 0
            and count
            and (
                count > self.per_page
                or (count < self.per_page and self.total is not None and count < self.total)
            )
        ):
            self.per_page = count
            self._recent.window = 2 * count

    def _sequential(self, number: int, keys: Sequence[object]) -> Batch | None:
        """No total: pages one after another until a short page."""
        count = len(keys)
        served = (number - 1) * self.per_page
        skip = max(0, self.position - served)
        self.number = number + 1
        self.done = count < self.per_page
        if skip >= count:
            return None
        self.position = served + count
        return self._batch(number, served, skip, count, keys)

    def _mapped(self, number: int, total: int | None, keys: Sequence[object]) -> Batch | None:
        """A total: map the page into the snapshot through its own total."""
        snapshot = self.total
        assert snapshot is not None
        count = len(keys)
        drift = 0 if total is None else max(0, total - snapshot)
        self._drift = max(self._drift, drift)
        served = (number - 1) * self.per_page
        start = served - drift  # the snapshot position of the page's first row
        at_end = total is not None and served + count >= total  # nothing after this page
        skip = self.position - start
        stop = min(count, snapshot - start)
        if count == 0 and at_end:
            self.done = True  # rows were deleted: the server holds no more
            return None
        if count == 0 or skip < 0:
            self._idle(number, "was an empty page" if count == 0 else "left a gap")
            return None
        if skip >= stop:
            if at_end:
                self.done = True
            else:
                self._idle(number, "held only rows handed out already")
            return None
        self._idle_pages = 0
        self.number = number + 1
        self.position = start + stop
        self.done = self.position >= snapshot or (at_end and stop == count)
        return self._batch(number, start, skip, stop, keys)

    def _batch(self, number: int, start: int, lo: int, hi: int, keys: Sequence[object]) -> Batch:
        keep = self._recent.fresh(keys, lo, hi)
        if keep == ():
            raise PaginationError(
                f"page {number} repeated rows already handed out: the server ignored current_page",
                endpoint=self.endpoint,
            )
        size = hi - lo if keep is None else len(keep)
        return Batch(number, start, lo, hi, keep, start + hi, size)

    def _idle(self, number: int, what: str) -> None:
        """The page brought no row: fetch the page where the next row is now, a few times."""
        if not self._idle_pages:
            self._idle_cause = f"page {number} {what}"  # the first of the run names the cause
        self._idle_pages += 1
        if self._idle_pages > _MAX_IDLE_PAGES:
            raise PaginationError(
                f"{self._idle_cause} before the total ({self.total}) was reached at row "
                f"{self.position}, and {_MAX_IDLE_PAGES} pages fetched after it brought no row",
                endpoint=self.endpoint,
            )
        self.number = (self.position + self._drift) // self.per_page + 1


class _RecentKeys:
    """The keys of the rows handed out lately (a bounded guard against servers that reorder),
    plus, with ``keep_first``, those of the run's first batch (a server ignoring
    ``current_page`` comes back to it; kept only without a total, where nothing else bounds
    the paging, because checking it costs about 3 µs a page).

    It holds at least the last ``window`` keys, as one set per batch, so the usual batch, a page
    of new rows, is checked with a few set operations instead of row by row.
    """

    def __init__(self, window: int) -> None:
        self.window = window
        self.keep_first = False
        self._first: set[object] | None = None
        self._batches: deque[set[object]] = deque()
        self._size = 0

    def fresh(self, keys: Sequence[object], lo: int, hi: int) -> tuple[int, ...] | None:
        """Which of ``keys[lo:hi]`` are fresh: ``None`` when all are, else their indices. A key
        is stale when handed out lately or earlier in the slice; no key (``None``) is always
        fresh. Remembers the fresh keys."""
        part = keys if lo == 0 and hi == len(keys) else keys[lo:hi]
        batch = set(part)
        first = self._first or _EMPTY
        if len(batch) == len(part) and None not in batch and batch.isdisjoint(first):
            for earlier in self._batches:
                if not batch.isdisjoint(earlier):
                    break
            else:
                self._remember(batch)
                return None
        batch = set()
        keep = []
        for i in range(lo, hi):
            key = keys[i]
            if key is not None:
                if key in batch or key in first or any(key in b for b in self._batches):
                    continue
                batch.add(key)
            keep.append(i)
        self._remember(batch)
        return tuple(keep)

    def _remember(self, batch: set[object]) -> None:
        if not batch:
            return
        if self.keep_first and self._first is None:
            self._first = batch
            return
        self._batches.append(batch)
        self._size += len(batch)
        # Drop the oldest batch once the newer ones alone cover the window.
        while self._size - len(self._batches[0]) >= self.window:
            self._size -= len(self._batches.popleft())


_EMPTY: frozenset[object] = frozenset()
_dict_get: Callable[[Any, str], object] = dict.get
_KEY_TYPES = frozenset({str, int})


def row_keys(
    rows: list[Mapping[str, Any]], key_fields: tuple[str, ...], plain: bool
) -> tuple[object, ...]:
    """The key of every row: its first non-empty ``key_fields`` value (``None`` if none). The
    usual page (``plain`` dicts whose first key field is a non-empty str or int) is read in one
    pass at C speed."""
    if key_fields and plain:
        keys: tuple[object, ...] = tuple(map(_dict_get, rows, repeat(key_fields[0])))
        kinds = set(map(type, keys))
        if kinds <= _KEY_TYPES and (str not in kinds or "" not in keys):
            return keys
    return tuple(_key(row, key_fields) for row in rows)


def _key(row: Mapping[str, Any], key_fields: tuple[str, ...]) -> object:
    for field in key_fields:
        value = row.get(field)
        if value is not None and value != "":
            return value if isinstance(value, (str, int)) else repr(value)
    return None
