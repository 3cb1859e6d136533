"""Streaming page-number pagination: ``AsyncPaginator``, ``Page`` and the resumable ``PageState``.

The API pages newest-first with ``current_page``/``per_page`` and reports a ``total``. When new
rows arrive during an iteration they are inserted at the top and every older row slides down,
so the naive "page 1, 2, 3…" loop yields some rows twice. The paginator pins the snapshot seen
on the first page (``total`` then) and maps each fetched page back into that snapshot using the
page's own ``total``: a page fetched after *d* new rows arrived starts *d* rows later. Rows newer
than the snapshot are skipped, rows already yielded are skipped, and a gap (a page fetched
before a drift that an earlier page already saw) is filled by fetching the right page again. So
each row of the snapshot is yielded exactly once, in order, with memory bounded by the pages in
flight.

Once the total is known, up to ``prefetch`` pages are fetched concurrently (through the client's
dispatcher, so concurrency and rate limits hold) while the caller consumes earlier ones.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Mapping
from itertools import repeat
from types import TracebackType
from typing import Any, Generic, TypeVar

import attrs

from ._convert import parse_int, reading
from .errors import APIResponseError, PaginationError

__all__ = ["AsyncPaginator", "Page", "PageState"]

T = TypeVar("T")
U = TypeVar("U")
logger = logging.getLogger("callerdesk_async")

FetchPage = Callable[[Mapping[str, str]], Awaitable[dict[str, Any]]]
"""Sends one page request (the filters plus ``current_page``/``per_page``); returns the payload."""

_MAX_GAP_REFETCHES = 5


@attrs.frozen(slots=True)
class PageState:
    """Where an iteration stands: enough to resume it in another process, later.

    It is a small value (serialise with :meth:`to_dict`, restore with :meth:`from_dict`) and is
    passed back as ``resume=`` to the same list method. ``offset`` counts the rows of the
    snapshot already handed to the caller; ``total`` is the snapshot's size (``None`` for
    endpoints that report none, or before the first page).
    """

    endpoint: str
    params: Mapping[str, str]
    per_page: int
    offset: int = 0
    total: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "endpoint": self.endpoint,
            "params": dict(self.params),
            "per_page": self.per_page,
            "offset": self.offset,
            "total": self.total,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PageState:
        """Rebuild a state saved with :meth:`to_dict`; ``ValueError`` if it is malformed."""
        try:
            params = data["params"]
            if not isinstance(params, Mapping):
                raise TypeError("params")
            total = data.get("total")
            return cls(
                endpoint=str(data["endpoint"]),
                params={str(k): str(v) for k, v in params.items()},
                per_page=int(data["per_page"]),
                offset=int(data["offset"]),
                total=None if total is None else int(total),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a valid PageState: {exc}") from None


@attrs.frozen(slots=True)
class Page(Generic[T]):
    """One page as handed to the caller.

    ``items`` holds only rows not yielded before (so with drift a page may hold fewer rows
    than ``per_page``); ``number`` is the ``current_page`` that was requested; ``total`` is the
    API's total on the first page (the snapshot being iterated).
    """

    items: list[T]
    number: int
    total: int | None
    per_page: int


@attrs.define(slots=True)
class _Fetched:
    number: int
    rows: list[Mapping[str, Any]]
    total: int | None
    plain: bool  # every row is a plain dict (the usual page): keys are read in bulk


class AsyncPaginator(Generic[T]):
    """Iterates a paginated endpoint; created by list methods without awaiting.

    ``async for item in pager`` yields items; ``pager.pages()`` yields :class:`Page` objects;
    ``await pager.collect()`` returns a list; ``await pager`` returns the first page.
    ``pager.total`` is known once the first page arrived and ``pager.state`` is the resumable
    position. Use ``async with pager:`` (or call :meth:`aclose`) to stop early and cancel any
    page fetched ahead; leaving ``async for`` with ``break`` releases them too.
    """

    def __init__(
        self,
        *,
        endpoint: str,
        fetch: FetchPage,
        parse: Callable[[Mapping[str, Any]], T],
        params: Mapping[str, str],
        per_page: int,
        items_key: str,
        total_key: str | None,
        key_fields: tuple[str, ...] = ("id",),
        prefetch: int = 8,
        max_pages: int | None = None,
        resume: PageState | None = None,
    ) -> None:
        if prefetch < 0:
            raise ValueError(f"prefetch must be >= 0, got {prefetch}")
        if max_pages is not None and max_pages < 1:
            raise ValueError(f"max_pages must be >= 1, got {max_pages}")
        if resume is not None and resume.endpoint != endpoint:
            raise ValueError(f"resume state is for endpoint {resume.endpoint!r}, not {endpoint!r}")
        self._endpoint = endpoint
        self._fetch = fetch
        self._parse = parse
        self._items_key = items_key
        self._total_key = total_key
        self._key_fields = key_fields
        self._prefetch = prefetch
        self._max_pages = max_pages
        self._state = resume or PageState(endpoint=endpoint, params=dict(params), per_page=per_page)
        self._offset = self._state.offset  # kept as an int: it moves once per item
        self._tasks: dict[int, asyncio.Task[_Fetched]] = {}
        self._started = False
        self._closed = False
        self._last_number = 0
        self._unstarted = 0  # pages scheduled since the event loop last ran
        self._last_wait = 0  # the last page we had to wait for
        self.pages_fetched = 0

    # -- public surface ------------------------------------------------------------------

    @property
    def state(self) -> PageState:
        """The resumable position: everything handed to the caller so far is behind it."""
        if self._state.offset != self._offset:
            self._state = attrs.evolve(self._state, offset=self._offset)
        return self._state

    @property
    def total(self) -> int | None:
        """The API's total for the snapshot, known after the first page."""
        return self._state.total

    def raw(self) -> AsyncPaginator[dict[str, Any]]:
        """The same iteration yielding the API's row dicts unconverted (fastest; for exports)."""
        return self._with_parse(_as_dict)

    def _with_parse(self, parse: Callable[[Mapping[str, Any]], U]) -> AsyncPaginator[U]:
        if self._started:
            raise RuntimeError("raw() must be called before iterating")
        return AsyncPaginator(
            endpoint=self._endpoint,
            fetch=self._fetch,
            parse=parse,
            params=self._state.params,
            per_page=self._state.per_page,
            items_key=self._items_key,
            total_key=self._total_key,
            key_fields=self._key_fields,
            prefetch=self._prefetch,
            max_pages=self._max_pages,
            resume=self.state,
        )

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Yield pages in order; each holds only rows not yielded before."""
        async for page in self._run():
            yield page

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        async for page in self._run(count_items=False):
            for item in page.items:
                self._offset += 1
                yield item

    async def collect(self, limit: int | None = None) -> list[T]:
        """All items (or the first ``limit``) as a list; mind the memory on big reports."""
        result: list[T] = []
        async with self:
            async for item in self:
                result.append(item)
                if limit is not None and len(result) >= limit:
                    break
        return result

    async def first_page(self) -> Page[T]:
        """Fetch and return only the first (or next, when resuming) page."""
        async with self:
            async for page in self.pages():
                return page
        return Page(items=[], number=1, total=self._state.total, per_page=self._state.per_page)

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self.first_page().__await__()

    async def aclose(self) -> None:
        """Cancel pages fetched ahead and release their connections (idempotent)."""
        self._closed = True
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def __aenter__(self) -> AsyncPaginator[T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- engine --------------------------------------------------------------------------

    async def _fetch_page(self, number: int, per_page: int) -> _Fetched:
        params = dict(self._state.params)
        params["current_page"] = str(number)
        params["per_page"] = str(per_page)
        payload = await self._fetch(params)
        rows = payload.get(self._items_key)
        if rows is None:
            rows = []
        kinds = set(map(type, rows)) if isinstance(rows, list) else set()
        plain = kinds <= _DICT
        if not isinstance(rows, list) or not (
            plain or all(issubclass(kind, Mapping) for kind in kinds)
        ):
            raise APIResponseError(
                f"expected a list of objects under {self._items_key!r}",
                endpoint=self._endpoint,
            )
        total: int | None = None
        if self._total_key is not None and not payload.get("_empty"):
            try:
                total = parse_int(payload.get(self._total_key))
            except ValueError:
                raise APIResponseError(
                    f"{self._total_key!r} is not a number", endpoint=self._endpoint
                ) from None
        self.pages_fetched += 1
        return _Fetched(number=number, rows=rows, total=total, plain=plain)

    def _schedule(self, number: int, per_page: int) -> None:
        if number not in self._tasks:
            self._tasks[number] = asyncio.ensure_future(self._fetch_page(number, per_page))

    async def _take(self, number: int, per_page: int) -> _Fetched:
        self._schedule(number, per_page)
        task = self._tasks[number]
        waits = not task.done()
        try:
            return await task
        finally:
            self._tasks.pop(number, None)
            if waits:  # the loop ran while we waited: every scheduled page has started
                self._unstarted = 0
                self._last_wait = number

    def _key(self, row: Mapping[str, Any]) -> object:
        for field in self._key_fields:
            value = row.get(field)
            if value is not None and value != "":
                return value if isinstance(value, (str, int)) else repr(value)
        return None

    def _keys(self, rows: list[Mapping[str, Any]], plain: bool) -> tuple[object, ...]:
        """``_key`` of every row; the usual page (``plain`` dicts whose first key field is a
        non-empty str or int) is done in one pass at C speed."""
        if self._key_fields and plain:
            keys: tuple[object, ...] = tuple(map(_dict_get, rows, repeat(self._key_fields[0])))
            kinds = set(map(type, keys))
            if kinds <= _KEY_TYPES and (str not in kinds or "" not in keys):
                return keys
        return tuple(self._key(r) for r in rows)

    def _convert(self, rows: list[Mapping[str, Any]]) -> list[T]:
        parse = self._parse
        with reading(self._endpoint):
            return [parse(row) for row in rows]

    async def _run(self, *, count_items: bool = True) -> AsyncIterator[Page[T]]:
        if self._started:
            raise RuntimeError("an AsyncPaginator can be iterated once; create a new one")
        self._started = True
        try:
            async for number, rows in self._snapshot_rows():
                page = Page(
                    items=self._convert(rows),
                    number=number,
                    total=self._state.total,
                    per_page=self._state.per_page,
                )
                if count_items:
                    self._offset += len(rows)
                yield page
        finally:
            await self.aclose()

    async def _snapshot_rows(self) -> AsyncIterator[tuple[int, list[Mapping[str, Any]]]]:
        """Yield (page number, new rows of the snapshot) in snapshot order."""
        state = self._state
        per_page = state.per_page
        cursor = self._offset  # next snapshot row to hand out
        snapshot_total = state.total
        drift = 0
        recent = _RecentKeys(2 * per_page)
        last_signature: tuple[int | None, tuple[object, ...]] | None = None
        refetches = 0
        number = cursor // per_page + 1
        scheduled_upto = number - 1
        first = True

        while not self._closed:
            if self._max_pages is not None and self.pages_fetched >= self._max_pages:
                raise PaginationError(
                    f"stopped after max_pages={self._max_pages} pages",
                    endpoint=self._endpoint,
                )
            fetched = await self._take(number, per_page)
            rows = fetched.rows
            if first:
                first = False
                if snapshot_total is None:
                    snapshot_total = fetched.total
                    self._state = attrs.evolve(self._state, total=snapshot_total)
                if (
                    cursor == 0
                    and snapshot_total is not None
                    and 0 < len(rows) < per_page
                    and len(rows) < snapshot_total
                ):
                    # The server capped the page size below what we asked for: adopt its size.
                    per_page = len(rows)
                    self._state = attrs.evolve(self._state, per_page=per_page)
                    recent.window = 2 * per_page
            keys = self._keys(rows, fetched.plain)
            signature = (fetched.total, keys)
            if (
                last_signature == signature
                and number != self._last_number
                and any(k is not None for k in keys)
            ):
                raise PaginationError(
                    f"page {number} repeated page {self._last_number}: the server ignored "
                    "current_page",
                    endpoint=self._endpoint,
                )
            last_signature, self._last_number = signature, number

            if snapshot_total is None:
                # No total reported: plain sequential paging until a short page.
                new_rows = recent.fresh(rows, keys)
                cursor += len(rows)
                if new_rows:
                    yield number, new_rows
                if len(rows) < per_page:
                    return
                number += 1
                continue

            if fetched.total is not None and fetched.total > snapshot_total + drift:
                drift = fetched.total - snapshot_total
            page_drift = 0 if fetched.total is None else max(0, fetched.total - snapshot_total)
            start = (number - 1) * per_page - page_drift
            if cursor >= snapshot_total:
                return
            if start > cursor or (not rows and cursor < snapshot_total):
                refetches += 1
                if refetches > _MAX_GAP_REFETCHES:
                    what = "an empty page" if not rows else "a gap"
                    raise PaginationError(
                        f"page {number} left {what} before the total ({snapshot_total}) was "
                        f"reached at row {cursor}",
                        endpoint=self._endpoint,
                    )
                number = (cursor + drift) // per_page + 1
                continue
            skip = cursor - start
            end = min(len(rows), snapshot_total - start)
            new_rows = []
            if skip < end:
                new_rows = recent.fresh(rows[skip:end], keys[skip:end])
                cursor = start + end
                refetches = 0
            done = cursor >= snapshot_total
            if not done:
                # Schedule the pages ahead before handing this one over, so the network works
                # while the caller consumes this page.
                number += 1
                last_needed = (snapshot_total + drift - 1) // per_page + 1
                scheduled_upto = max(scheduled_upto, number - 1)
                started = scheduled_upto
                while scheduled_upto < last_needed and scheduled_upto - number + 1 < self._prefetch:
                    scheduled_upto += 1
                    self._schedule(scheduled_upto, per_page)
                # Pages scheduled here start when the loop next runs: when we wait for a page
                # not fetched yet, or when we give it a turn here. While the network is the
                # bottleneck (we waited for one of the last `prefetch` pages) every page gets
                # that turn, so requests go out at once. While pages arrive faster than they
                # are consumed, a turn per page only costs CPU (~0.3 µs a row): the turn comes
                # once half the window waits unstarted, the other half being in flight.
                self._unstarted += scheduled_upto - started
                if self._unstarted and (
                    number - self._last_wait <= self._prefetch
                    or self._unstarted >= self._prefetch // 2
                ):
                    self._unstarted = 0
                    await asyncio.sleep(0)
            if new_rows:
                yield number - (not done), new_rows
            if done:
                return


class _RecentKeys:
    """The keys of the rows handed out lately (a bounded guard against servers that reorder).

    It holds at least the last ``window`` keys, as one set per batch, so the usual batch, a page
    of new rows, is checked with a few set operations instead of row by row.
    """

    def __init__(self, window: int) -> None:
        self.window = window
        self._batches: deque[set[object]] = deque()
        self._size = 0

    def fresh(
        self, rows: list[Mapping[str, Any]], keys: tuple[object, ...]
    ) -> list[Mapping[str, Any]]:
        """``rows`` minus those whose key was handed out lately or earlier in ``rows``; rows
        without a key are always fresh. Remembers the keys of the rows it returns."""
        batch = set(keys)
        if (
            len(batch) == len(keys)
            and None not in batch
            and all(batch.isdisjoint(earlier) for earlier in self._batches)
        ):
            self._remember(batch)
            return rows
        batch = set()
        fresh = []
        for row, key in zip(rows, keys, strict=True):
            if key is not None:
                if key in batch or any(key in earlier for earlier in self._batches):
                    continue
                batch.add(key)
            fresh.append(row)
        self._remember(batch)
        return fresh

    def _remember(self, batch: set[object]) -> None:
        if not batch:
            return
        self._batches.append(batch)
        self._size += len(batch)
        # Drop the oldest batch once the newer ones alone cover the window.
        while self._size - len(self._batches[0]) >= self.window:
            self._size -= len(self._batches.popleft())


_DICT = frozenset({dict})
_dict_get: Callable[[Any, str], object] = dict.get
_KEY_TYPES = frozenset({str, int})


def _as_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    return row if type(row) is dict else dict(row)
