"""The paging planner as plain function calls: scripted servers and hypothesis properties.

``play`` drives a :class:`PagePlanner` exactly as the asyncio driver does (``due``, wait for
that page, ``accept``, ``ahead``), against a model server that holds ids newest first and can
drift (rows inserted at the top), delete rows, lie about its total, cap or ignore ``per_page``
and ignore ``current_page``. Pages can be served when requested or later (so concurrently
fetched pages see different drifts, the source of gaps).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callerdesk_async._planner import TOTALLESS_MAX_PAGES, PagePlanner, PageState
from callerdesk_async.errors import PaginationError

Keys = tuple[object, ...]


@attrs.define
class Server:
    """A list endpoint over ``ids`` (newest first) with configurable misbehaviour."""

    ids: list[object]
    report_total: bool = True
    total_lie: int = 0  # added to the reported total
    page_size: int | None = None  # the server's own page size (ignores per_page)
    cap: int | None = None  # largest page it serves
    ignore_page: bool = False
    endless: bool = False  # always a full page of new rows (no total)
    script: dict[int, Callable[[Server], None]] = attrs.Factory(dict)  # before serve #k
    requests: list[int] = attrs.Factory(list)
    served: int = 0
    _new: int = 0

    def insert(self, n: int) -> None:
        """``n`` new rows arrive at the top."""
        self.ids[:0] = [f"new{self._new + i}" for i in range(n)][::-1]
        self._new += n

    def delete(self, *ids: object) -> None:
        for i in ids:
            self.ids.remove(i)

    def serve(self, number: int, per_page: int) -> tuple[int | None, Keys]:
        self.served += 1
        if self.served in self.script:
            self.script[self.served](self)
        size = self.page_size or min(per_page, self.cap or per_page)
        if self.endless:
            return None, tuple(f"e{number}.{i}" for i in range(size))
        page = 1 if self.ignore_page else number
        rows = tuple(self.ids[(page - 1) * size : page * size])
        return (len(self.ids) + self.total_lie if self.report_total else None), rows


Later = Callable[[list[int]], list[int]]  # which of the unserved pages to serve now


def planner_for(
    state: PageState | None = None, *, server: Server, per_page: int = 3, **kw: object
) -> PagePlanner:
    state = state or PageState(endpoint="call_list_v2", params={}, per_page=per_page)
    return PagePlanner(state, has_total=server.report_total, **kw)  # type: ignore[arg-type]


def play(
    planner: PagePlanner,
    server: Server,
    *,
    late: set[int] | None = None,
    serve_now: Later | None = None,
    tick: Callable[[], None] | None = None,
    stop_after: int | None = None,
) -> tuple[list[object], PageState | None]:
    """Drive ``planner`` to the end (or to ``stop_after`` rows handed out, then the state
    there). Pages in ``late`` are served only when accepted; with ``serve_now`` every page is
    served late, or when it picks it at a step (random timing); ``tick`` runs once a step, before
    pages are served (time passing: rows arriving)."""
    pending: dict[int, tuple[int | None, Keys] | int] = {}  # served page, or its per_page
    ids: list[object] = []

    def request(numbers: range | tuple[int, ...]) -> None:
        for n in numbers:
            server.requests.append(n)
            later = serve_now is not None or (late is not None and n in late)
            pending[n] = planner.per_page if later else server.serve(n, planner.per_page)

    def served(n: int) -> tuple[int | None, Keys]:
        got = pending.pop(n)
        return server.serve(n, got) if isinstance(got, int) else got

    while not planner.done:
        request(planner.due())
        if tick is not None:
            tick()
        if serve_now is not None:
            waiting = sorted(n for n, got in pending.items() if isinstance(got, int))
            for n in serve_now(waiting):
                pending[n] = served(n)
        number = planner.number
        total, keys = served(number)
        batch = planner.accept(number, total, keys)
        if not planner.done:
            request(planner.ahead())
        if batch is None:
            continue
        rows = batch.pick(list(keys))
        if stop_after is not None and len(ids) + len(rows) >= stop_after:
            taken = stop_after - len(ids)
            ids += rows[:taken]
            return ids, planner.state_at(batch.position_after(taken))
        ids += rows
    return ids, None


def through_json(state: PageState) -> PageState:
    return PageState.from_dict(json.loads(json.dumps(state.to_dict())))


def numbers(n: int) -> list[object]:
    return [str(i) for i in range(n)]


# -- scripted sequences -----------------------------------------------------------------------


def test_plain_paging_requests_each_page_once() -> None:
    server = Server(numbers(10))
    ids, _ = play(planner_for(server=server, prefetch=2), server)
    assert ids == numbers(10)
    assert server.requests == [1, 2, 3, 4]


@pytest.mark.parametrize("prefetch", [0, 1, 8])
@pytest.mark.parametrize("serve", [2, 3, 4])
def test_rows_arriving_at_the_top_between_fetches(prefetch: int, serve: int) -> None:
    server = Server(numbers(12), script={serve: lambda s: s.insert(2)})
    ids, _ = play(planner_for(server=server, prefetch=prefetch), server)
    assert ids == numbers(12)  # the snapshot of the first page, in order, once


def test_a_page_fetched_before_a_drift_an_earlier_page_saw_is_refetched() -> None:
    # Pages 3 and 4 are served right away; page 2 only when its turn comes, after 2 new rows.
    server = Server(numbers(12), script={4: lambda s: s.insert(2)})
    planner = planner_for(server=server, prefetch=8)
    ids, _ = play(planner, server, late={2})
    assert ids == numbers(12)
    assert server.requests == [1, 2, 3, 4, 5, 3, 4]  # 3 and 4 left gaps: fetched again


def test_a_burst_of_new_rows_skips_pages_that_hold_only_rows_handed_out() -> None:
    server = Server(numbers(30), script={3: lambda s: s.insert(7)})
    ids, _ = play(planner_for(server=server, prefetch=0), server)
    assert ids == numbers(30)
    assert server.requests == [1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13]


def test_rows_deleted_before_they_are_reached_are_not_yielded_and_nothing_twice() -> None:
    server = Server(numbers(12), script={3: lambda s: s.delete("7", "8")})
    ids, _ = play(planner_for(server=server, prefetch=0), server)
    assert ids == ["0", "1", "2", "3", "4", "5", "6", "9", "10", "11"]


def test_rows_deleted_behind_the_cursor_end_the_iteration_where_the_server_ends() -> None:
    # Two handed-out rows vanish: the rest slide up a page, the server's total shrinks to 10.
    server = Server(numbers(12), script={3: lambda s: s.delete("0", "1")})
    ids, _ = play(planner_for(server=server, prefetch=0), server)
    assert len(ids) == len(set(ids))
    assert ids == ["0", "1", "2", "3", "4", "5", "8", "9", "10", "11"]  # 6, 7 slid to page 2


def test_a_server_ignoring_current_page_raises() -> None:
    server = Server(numbers(30), ignore_page=True)
    with pytest.raises(PaginationError, match="page 2 repeated"):
        play(planner_for(server=server), server)


def test_a_server_ignoring_current_page_while_rows_arrive_raises() -> None:
    server = Server(numbers(30), ignore_page=True, script={2: lambda s: s.insert(1)})
    with pytest.raises(PaginationError, match="repeated"):
        play(planner_for(server=server, prefetch=0), server)


def test_a_total_that_lies_high_raises_at_the_empty_page() -> None:
    server = Server(numbers(7), total_lie=13)
    with pytest.raises(PaginationError, match="page 4 was an empty page before the total"):
        play(planner_for(server=server, prefetch=0), server)
    assert len(server.requests) == 4 + 5  # the empty page, then five tries to fill it


def test_a_total_that_lies_low_yields_the_snapshot_it_announced() -> None:
    server = Server(numbers(9), total_lie=-4)
    ids, _ = play(planner_for(server=server, prefetch=8), server)
    assert ids == numbers(5)
    assert server.requests == [1, 2]


def test_a_server_capping_per_page_has_its_page_size_adopted() -> None:
    server = Server(numbers(10), cap=4)
    planner = planner_for(server=server, per_page=6, prefetch=8)
    ids, _ = play(planner, server)
    assert ids == numbers(10)
    assert planner.per_page == 4 and server.requests == [1, 2, 3]


def test_a_server_ignoring_per_page_with_bigger_pages_has_its_page_size_adopted() -> None:
    server = Server(numbers(23), page_size=5)
    planner = planner_for(server=server, per_page=3, prefetch=8)
    ids, _ = play(planner, server)
    assert ids == numbers(23)
    assert planner.per_page == 5 and server.requests == [1, 2, 3, 4, 5]


def test_resume_after_a_repeated_row_is_dropped_yields_each_id_once() -> None:
    pages = ["1", "2", "3", "4", "3", "5", "6", "7", "8"]
    server = Server(list(pages))
    first, state = play(planner_for(server=server), server, stop_after=5)
    assert first == ["1", "2", "3", "4", "5"] and state is not None
    assert state.offset == 6  # the repeated "3" at position 4 stays behind the position
    rest, _ = play(planner_for(through_json(state), server=server), server)
    assert first + rest == ["1", "2", "3", "4", "5", "6", "7", "8"]


def test_resume_mid_batch_continues_at_the_next_row_to_hand_out() -> None:
    server = Server(["1", "2", "3", "4", "3", "5", "6", "7", "8"])
    first, state = play(planner_for(server=server), server, stop_after=4)
    assert first == ["1", "2", "3", "4"] and state is not None and state.offset == 5
    rest, _ = play(planner_for(through_json(state), server=server), server)
    assert rest == ["5", "6", "7", "8"]


def test_a_finished_state_needs_no_request() -> None:
    server = Server(numbers(6))
    _, state = play(planner_for(server=server), server, stop_after=6)
    assert state is not None and state.offset == 6
    planner = planner_for(through_json(state), server=server)
    assert planner.done
    assert play(planner, server)[0] == [] and server.requests == [1, 2]


@pytest.mark.parametrize("prefetch", [0, 1, 3, 8, 50])
def test_max_pages_bounds_the_requests_exactly(prefetch: int) -> None:
    server = Server(numbers(150))
    planner = planner_for(server=server, prefetch=prefetch, max_pages=3)
    with pytest.raises(PaginationError, match="max_pages=3"):
        play(planner, server)
    assert server.requests == [1, 2, 3]


def test_refetches_count_against_max_pages() -> None:
    server = Server(numbers(12), script={4: lambda s: s.insert(2)})
    planner = planner_for(server=server, prefetch=8, max_pages=6)
    with pytest.raises(PaginationError, match="max_pages=6"):
        play(planner, server, late={2})
    assert len(server.requests) == 6


@pytest.mark.parametrize(("limit", "requests"), [(1, [1]), (3, [1]), (4, [1, 2]), (7, [1, 2, 3])])
def test_row_limit_asks_only_for_the_pages_it_needs(limit: int, requests: list[int]) -> None:
    server = Server(numbers(60))
    planner = planner_for(server=server, prefetch=8)
    planner.row_limit = limit
    play(planner, server, stop_after=limit)
    assert server.requests == requests


def test_without_a_total_paging_stops_at_the_first_short_page() -> None:
    server = Server(numbers(7), report_total=False)
    ids, _ = play(planner_for(server=server, prefetch=8), server)
    assert ids == numbers(7) and server.requests == [1, 2, 3]


def test_without_a_total_a_repeated_first_page_raises() -> None:
    server = Server(numbers(30), report_total=False, ignore_page=True)
    with pytest.raises(PaginationError, match="page 2 repeated rows already handed out"):
        play(planner_for(server=server), server)
    assert server.requests == [1, 2]


def test_without_a_total_a_server_cycling_back_to_the_first_page_raises() -> None:
    pages = ["a", "b", "c", "d", "e", "f", "g", "h", "a", "b"]
    server = Server(pages * 3, report_total=False, page_size=2)
    with pytest.raises(PaginationError, match="page 5 repeated"):
        play(planner_for(server=server, per_page=2), server)


def test_without_a_total_endless_full_pages_stop_at_the_default_ceiling() -> None:
    server = Server([], report_total=False, endless=True)
    with pytest.raises(PaginationError, match=f"after {TOTALLESS_MAX_PAGES} page requests"):
        play(planner_for(server=server), server)
    assert len(server.requests) == TOTALLESS_MAX_PAGES


def test_without_a_total_max_pages_replaces_the_default_ceiling() -> None:
    server = Server([], report_total=False, endless=True)
    with pytest.raises(PaginationError, match="max_pages=1500"):
        play(planner_for(server=server, max_pages=1500), server)
    assert len(server.requests) == 1500


def test_rows_without_a_key_are_never_dropped() -> None:
    server = Server(["1", None, None, "7", None, "7", "8"])  # None: a row without a key
    ids, _ = play(planner_for(server=server), server)
    assert ids == ["1", None, None, "7", None, "8"]


# -- PageState ----------------------------------------------------------------------------------


def test_state_round_trips_and_carries_its_format_version() -> None:
    state = PageState(endpoint="call_list_v2", params={"a": "1"}, per_page=3, offset=4, total=9)
    assert state.to_dict()["version"] == 2
    assert through_json(state) == state


def test_a_state_from_the_previous_release_resumes() -> None:
    old = {"endpoint": "call_list_v2", "params": {}, "per_page": 3, "offset": 6, "total": 9}
    state = PageState.from_dict(old)
    server = Server(numbers(9))
    assert play(planner_for(state, server=server), server)[0] == ["6", "7", "8"]


@pytest.mark.parametrize("version", [3, 0, "2", None, True])
def test_a_state_of_an_unknown_format_version_is_refused_naming_it(version: object) -> None:
    data = PageState(endpoint="x", params={}, per_page=3).to_dict() | {"version": version}
    with pytest.raises(ValueError, match=f"PageState format version {version!r} is not"):
        PageState.from_dict(data)


@pytest.mark.parametrize(
    "change",
    [{"per_page": 0}, {"offset": -1}, {"offset": 10, "total": 9}, {"params": []}, {"offset": "x"}],
)
def test_a_malformed_state_is_refused(change: dict[str, object]) -> None:
    data = PageState(endpoint="x", params={}, per_page=3, total=9).to_dict() | change
    with pytest.raises(ValueError, match="not a valid PageState"):
        PageState.from_dict(data)


# -- properties ---------------------------------------------------------------------------------


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.integers(0, 60),
    per_page=st.integers(1, 9),
    prefetch=st.integers(0, 6),
    stops=st.lists(st.integers(1, 60), max_size=3),
    data=st.data(),
)
def test_drift_and_resumes_yield_exactly_the_snapshot(
    rows: int, per_page: int, prefetch: int, stops: list[int], data: st.DataObject
) -> None:
    """Rows arriving at random moments, pages served at random moments, stopped and resumed
    (through JSON) at random rows: each snapshot row exactly once, in order."""
    snapshot: list[object] = []
    server = Server(numbers(rows), script={1: lambda s: snapshot.extend(s.ids)})

    def tick() -> None:
        # Up to a quarter page while a page is consumed; much more outruns the paging, which
        # then stops with PaginationError (pages in a row that bring no row).
        server.insert(data.draw(st.integers(0, per_page // 4), label="new rows"))

    waited: set[int] = set()

    def serve_now(waiting: list[int]) -> list[int]:
        # A page requested is served now or at the next step (each in its own random moment).
        now = [n for n in waiting if n in waited or data.draw(st.booleans(), label=f"serve {n}")]
        waited.clear()
        waited.update(set(waiting) - set(now))
        return now

    ids: list[object] = []
    state: PageState | None = PageState(endpoint="call_list_v2", params={}, per_page=per_page)
    for stop in [*sorted(stops), None]:
        assert state is not None
        planner = PagePlanner(through_json(state), has_total=True, prefetch=prefetch)
        left = None if stop is None else stop - len(ids)
        got, state = play(planner, server, serve_now=serve_now, tick=tick, stop_after=left)
        ids += got
        if state is None:
            break
    assert ids == snapshot  # every row of the first page's snapshot, once, in order


@settings(max_examples=500, deadline=None)
@given(
    rows=st.integers(0, 60),
    per_page=st.integers(1, 6),
    prefetch=st.integers(0, 12),
    max_pages=st.integers(1, 12),
    total=st.booleans(),
    data=st.data(),
)
def test_max_pages_is_never_exceeded(
    rows: int, per_page: int, prefetch: int, max_pages: int, total: bool, data: st.DataObject
) -> None:
    server = Server(numbers(rows), report_total=total)
    planner = planner_for(server=server, per_page=per_page, prefetch=prefetch, max_pages=max_pages)
    # PaginationError: max_pages, or a drift of a page or more between two fetches.
    with contextlib.suppress(PaginationError):
        play(
            planner,
            server,
            serve_now=lambda waiting: [n for n in waiting if data.draw(st.booleans())],
            tick=lambda: server.insert(data.draw(st.integers(0, per_page))),
        )
    assert len(server.requests) <= max_pages
