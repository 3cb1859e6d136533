"""Streaming page-number pagination: ``AsyncPaginator``, ``Page`` and the resumable ``PageState``.

This is the asyncio driver of the paging planner (``_planner``, which decides which pages to
fetch, which of their rows to hand out and where a resume continues; read its docstring for
how drift is handled). The driver requests the pages the planner asks for, through the client's
dispatcher (so concurrency and rate limits hold), awaits them in order, converts the rows and
yields them; pages fetched ahead are cancelled when the iteration stops early.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable, Mapping
from types import TracebackType
from typing import Any, Generic, TypeVar

import attrs

from ._convert import parse_int, reading
from ._observe import RequestRecord, recording
from ._planner import Batch, PagePlanner, PageState, row_keys
from .errors import APIResponseError

__all__ = ["AsyncPaginator", "Page", "PageState"]

T = TypeVar("T")
U = TypeVar("U")
logger = logging.getLogger("callerdesk_async")

FetchPage = Callable[[Mapping[str, str]], Awaitable[dict[str, Any]]]
"""Sends one page request (the filters plus ``current_page``/``per_page``); returns the payload."""


@attrs.frozen(slots=True)
class Page(Generic[T]):
    """One page as handed to the caller.

    ``items`` holds only rows not yielded before (so with drift a page may hold fewer rows
    than ``per_page``); ``number`` is the ``current_page`` that was requested; ``total`` is the
    API's total on the first page (the snapshot being iterated). ``raw`` is how this page's
    request went (status, headers, elapsed, attempts, request id), or ``None`` for a page
    that was never requested.
    """

    items: list[T]
    number: int
    total: int | None
    per_page: int
    raw: RequestRecord | None = None


@attrs.define(slots=True)
class _Fetched:
    number: int
    rows: list[Mapping[str, Any]]
    total: int | None
    keys: tuple[object, ...]
    raw: RequestRecord | None


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
        if max_pages is not None and max_pages < 1:
            raise ValueError(f"max_pages must be >= 1, got {max_pages}")
        if resume is not None and resume.endpoint != endpoint:
            raise ValueError(f"resume state is for endpoint {resume.endpoint!r}, not {endpoint!r}")
        state = resume or PageState(endpoint=endpoint, params=dict(params), per_page=per_page)
        self._endpoint = endpoint
        self._fetch = fetch
        self._parse = parse
        self._items_key = items_key
        self._total_key = total_key
        self._key_fields = key_fields
        self._prefetch = prefetch
        self._max_pages = max_pages
        self._planner = PagePlanner(
            state, has_total=total_key is not None, prefetch=prefetch, max_pages=max_pages
        )
        self._start_position = state.offset
        self._batch: Batch | None = None  # the batch being handed out
        self._taken = 0  # its rows handed out so far
        self._tasks: dict[int, asyncio.Task[_Fetched]] = {}
        self._started = False
        self._closed = False
        self._unstarted = 0  # pages scheduled since the event loop last ran
        self._last_wait = 0  # the last page we had to wait for
        self.pages_fetched = 0

    # -- public surface ------------------------------------------------------------------

    @property
    def state(self) -> PageState:
        """The resumable position: everything handed to the caller so far is behind it."""
        batch = self._batch
        position = self._start_position if batch is None else batch.position_after(self._taken)
        return self._planner.state_at(position)

    @property
    def total(self) -> int | None:
        """The API's total for the snapshot, known after the first page."""
        return self._planner.total

    def raw(self) -> AsyncPaginator[dict[str, Any]]:
        """The same iteration yielding the API's row dicts unconverted (fastest; for exports)."""
        return self._with_parse(_as_dict)

    def _with_parse(self, parse: Callable[[Mapping[str, Any]], U]) -> AsyncPaginator[U]:
        if self._started:
            raise RuntimeError("raw() must be called before iterating")
        state = self.state
        return AsyncPaginator(
            endpoint=self._endpoint,
            fetch=self._fetch,
            parse=parse,
            params=state.params,
            per_page=state.per_page,
            items_key=self._items_key,
            total_key=self._total_key,
            key_fields=self._key_fields,
            prefetch=self._prefetch,
            max_pages=self._max_pages,
            resume=state,
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
                self._taken += 1
                yield item

    async def collect(self, limit: int | None = None) -> list[T]:
        """All items (or the first ``limit``) as a list; mind the memory on big reports.

        With ``limit`` only the pages those items need are requested.
        """
        if limit is not None and limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")
        result: list[T] = []
        if limit == 0:
            return result
        self._planner.row_limit = limit
        async with self:
            async for item in self:
                result.append(item)
                if limit is not None and len(result) >= limit:
                    break
        return result

    async def first_page(self) -> Page[T]:
        """Fetch and return only the first (or next, when resuming) page: one request."""
        self._planner.row_limit = 1
        async with self:
            async for page in self.pages():
                return page
        planner = self._planner
        return Page(items=[], number=planner.number, total=planner.total, per_page=planner.per_page)

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

    # -- driver --------------------------------------------------------------------------

    async def _run(self, *, count_items: bool = True) -> AsyncIterator[Page[T]]:
        """Request what the planner asks for, hand it each page in order, yield its rows."""
        if self._started:
            raise RuntimeError("an AsyncPaginator can be iterated once; create a new one")
        self._started = True
        planner = self._planner
        try:
            while not planner.done and not self._closed:
                self._schedule(planner.due())
                fetched = await self._take(planner.number)
                batch = planner.accept(fetched.number, fetched.total, fetched.keys)
                # Pages ahead are requested before this one is handed over, so the network
                # works while it is consumed.
                if not planner.done and self._fetch_ahead(planner):
                    await asyncio.sleep(0)  # let them start
                if batch is not None:
                    page = Page(
                        items=self._convert(batch.pick(fetched.rows)),
                        number=batch.number,
                        total=planner.total,
                        per_page=planner.per_page,
                        raw=fetched.raw,
                    )
                    self._batch, self._taken = batch, batch.size if count_items else 0
                    yield page
        finally:
            await self.aclose()

    def _schedule(self, numbers: Iterable[int]) -> None:
        per_page = self._planner.per_page
        for number in numbers:
            self._tasks[number] = asyncio.ensure_future(self._fetch_page(number, per_page))

    def _fetch_ahead(self, planner: PagePlanner) -> bool:
        """Schedule the pages the planner wants ahead; True when the loop should run now."""
        pages = planner.ahead()
        self._schedule(pages)
        # Pages scheduled here start when the loop next runs: when we wait for a page not
        # fetched yet, or when we give it a turn. While the network is the bottleneck (we
        # waited for one of the last `prefetch` pages) every page gets that turn, so requests
        # go out at once. While pages arrive faster than they are consumed, a turn per page
        # only costs CPU (~0.3 µs a row): the turn comes once half the window waits unstarted,
        # the other half being in flight.
        self._unstarted += len(pages)
        if self._unstarted and (
            planner.number - self._last_wait <= self._prefetch
            or self._unstarted >= self._prefetch // 2
        ):
            self._unstarted = 0
            return True
        return False

    async def _take(self, number: int) -> _Fetched:
        task = self._tasks[number]
        waits = not task.done()
        try:
            return await task
        finally:
            self._tasks.pop(number, None)
            if waits:  # the loop ran while we waited: every scheduled page has started
                self._unstarted = 0
                self._last_wait = number

    async def _fetch_page(self, number: int, per_page: int) -> _Fetched:
        params = dict(self._planner.params)
        params["current_page"] = str(number)
        params["per_page"] = str(per_page)
        records: list[RequestRecord] = []  # one small record per page, none per row
        token = recording.set(records)
        try:
            payload = await self._fetch(params)
        finally:
            recording.reset(token)
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
        keys = row_keys(rows, self._key_fields, plain)
        raw = records[-1] if records else None
        return _Fetched(number=number, rows=rows, total=total, keys=keys, raw=raw)

    def _convert(self, rows: list[Mapping[str, Any]]) -> list[T]:
        parse = self._parse
        with reading(self._endpoint):
            return [parse(row) for row in rows]


_DICT = frozenset({dict})


def _as_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    return row if type(row) is dict else dict(row)
