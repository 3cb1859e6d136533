"""Pagination over a real socket: totals, resume, stall guards, drift, early exit."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from aiohttp import web

from callerdesk_async import CallerdeskClient, PageState, RetryPolicy
from callerdesk_async.errors import PaginationError
from tests.conftest import AUTHCODE, LocalServer


def json_response(obj: object) -> web.Response:
    return web.Response(text=json.dumps(obj), content_type="text/html")


def member(i: int) -> dict[str, str]:
    return {
        "member_id": str(i),
        "member_name": f"Agent {i}",
        "member_num": f"0{9000000000 + i}",
        "access": "2",
        "status": "1",
    }


class MemberServer:
    """getmemberlist_V2 over ``count`` members; records every page asked for."""

    def __init__(self, count: int, page_hook: Callable[[int], None] | None = None) -> None:
        self.count = count
        self.pages: list[int] = []
        self.page_hook = page_hook
        self.repeat_first = False
        self.reported_total: int | None = None

    async def handle(self, request: web.Request) -> web.Response:
        form = await request.post()
        assert form["authcode"] == AUTHCODE
        page = int(str(form.get("current_page", "1")))
        per_page = int(str(form.get("per_page", "25")))
        self.pages.append(page)
        if self.page_hook:
            self.page_hook(page)
        if self.repeat_first:
            page = 1
        start = (page - 1) * per_page
        rows = [member(i) for i in range(start, min(start + per_page, self.count))]
        if not rows:
            return json_response({"type": "error", "message": "No Record Found"})
        total = self.reported_total or self.count
        return json_response({"type": "success", "total_record": total, "getmember": rows})


async def start(local_server: LocalServer, handler: MemberServer) -> CallerdeskClient:
    local_server.route("POST", "/api/getmemberlist_V2", handler.handle)
    await local_server.start()
    return CallerdeskClient(
        AUTHCODE, base_url=local_server.base_url, retry=RetryPolicy(max_retries=0)
    )


async def test_thousand_members_over_ten_pages(local_server: LocalServer) -> None:
    server = MemberServer(1000)
    async with await start(local_server, server) as cd:
        pager = cd.members.list(per_page=100)
        members = [m async for m in pager]
    ids = [m.member_id for m in members]
    assert len(ids) == 1000
    assert len(set(ids)) == 1000
    assert ids == list(range(1000))  # in order
    assert sorted(server.pages) == list(range(1, 11))
    assert pager.total == 1000
    assert pager.state.offset == 1000


async def test_pages_and_collect(local_server: LocalServer) -> None:
    server = MemberServer(250)
    async with await start(local_server, server) as cd:
        pages = [p async for p in cd.members.list(per_page=100).pages()]
        assert [(p.number, len(p.items), p.total) for p in pages] == [
            (1, 100, 250),
            (2, 100, 250),
            (3, 50, 250),
        ]
        first = await cd.members.list(per_page=100)
        assert first.number == 1 and len(first.items) == 100
        assert len(await cd.members.list(per_page=100).collect(limit=120)) == 120


async def test_resume_after_page_four_fetches_pages_five_to_ten_only(
    local_server: LocalServer,
) -> None:
    server = MemberServer(1000)
    async with await start(local_server, server) as cd:
        pager = cd.members.list(
            per_page=100,
        )
        async with pager:
            async for page in pager.pages():
                if page.number == 4:
                    break
        saved = json.dumps(pager.state.to_dict())
        server.pages.clear()
        state = PageState.from_dict(json.loads(saved))
        rest = [m.member_id async for m in cd.members.list(resume=state)]
    assert rest == list(range(400, 1000))
    assert sorted(server.pages) == [5, 6, 7, 8, 9, 10]


async def test_resume_state_must_match(local_server: LocalServer) -> None:
    server = MemberServer(10)
    async with await start(local_server, server) as cd:
        state = PageState(endpoint="call_list_v2", params={}, per_page=10)
        with pytest.raises(ValueError, match="endpoint"):
            cd.members.list(resume=state)
        state = PageState(
            endpoint="getmemberlist_V2", params={"member_num": "9000000001"}, per_page=10
        )
        with pytest.raises(ValueError, match="filters"):
            cd.members.list(member_num="9000000002", resume=state)
    with pytest.raises(ValueError, match="PageState"):
        PageState.from_dict({"endpoint": "x"})


async def test_repeated_page_raises_pagination_error(local_server: LocalServer) -> None:
    server = MemberServer(1000)
    server.repeat_first = True
    async with await start(local_server, server) as cd:
        with pytest.raises(PaginationError, match="repeated"):
            await cd.members.list(per_page=100).collect()


async def test_empty_page_before_total_raises(local_server: LocalServer) -> None:
    server = MemberServer(150)
    server.reported_total = 1000  # claims 1000 rows but runs dry after 150
    async with await start(local_server, server) as cd:
        with pytest.raises(PaginationError, match="empty page"):
            await cd.members.list(per_page=100).collect()


async def test_max_pages_guard(local_server: LocalServer) -> None:
    server = MemberServer(1000)
    async with await start(local_server, server) as cd:
        with pytest.raises(PaginationError, match="max_pages"):
            await cd.members.list(per_page=100, max_pages=3).collect()


class GrowingCalls:
    """call_list_v2, newest first, where 7 new calls arrive after the first page is served."""

    def __init__(self, count: int, growth: int = 7) -> None:
        self.count = count
        self.growth = growth
        self.served = 0

    def row(self, serial: int) -> dict[str, object]:
        return {
            "id": str(serial),
            "sid_id": f"1700000000.{serial}",
            "startdatetime": "2026-01-01 10:00:00",
            "total_duration": "5",
        }

    async def handle(self, request: web.Request) -> web.Response:
        form = await request.post()
        page = int(str(form["current_page"]))
        per_page = int(str(form["per_page"]))
        self.served += 1
        total = self.count + (self.growth if self.served > 1 else 0)
        # Row 0 is the newest; serial numbers count up with age so ids stay unique.
        newest_serial = -(total - self.count)
        start = (page - 1) * per_page
        rows = [self.row(newest_serial + i) for i in range(start, min(start + per_page, total))]
        return json_response(
            {"type": "success", "total": total, "current_page": page, "result": rows}
        )


@pytest.mark.parametrize("prefetch", [0, 8])
async def test_total_growing_by_seven_yields_no_duplicate(
    local_server: LocalServer, prefetch: int
) -> None:
    server = GrowingCalls(500)
    local_server.route("POST", "/api/call_list_v2", server.handle)
    await local_server.start()
    async with CallerdeskClient(AUTHCODE, base_url=local_server.base_url, prefetch=prefetch) as cd:
        ids = [c.id async for c in cd.calls.list(per_page=50)]
    assert len(ids) == len(set(ids)) == 500
    assert ids == [str(i) for i in range(500)]  # exactly the snapshot, in order


async def test_break_after_three_items_leaves_no_open_connection(
    local_server: LocalServer,
) -> None:
    gate = asyncio.Event()

    async def slow_pages(request: web.Request) -> web.Response:
        form = await request.post()
        page = int(str(form["current_page"]))
        if page > 1:
            await gate.wait()  # keep prefetched pages in flight while we break out
        rows = [member(i) for i in range((page - 1) * 10, page * 10)]
        return json_response({"type": "success", "total_record": 100, "getmember": rows})

    local_server.route("POST", "/api/getmemberlist_V2", slow_pages)
    await local_server.start()
    async with CallerdeskClient(AUTHCODE, base_url=local_server.base_url) as cd:
        seen = []
        async for m in cd.members.list(per_page=10):
            seen.append(m)
            if len(seen) == 3:
                break
        for _ in range(5):
            await asyncio.sleep(0)  # let the generator's aclose run
        session = cd._core.transport.session
        assert session is not None and session.connector is not None
        assert len(session.connector._acquired) == 0
        assert cd.stats.in_flight == 0
        gate.set()
    assert len(seen) == 3


class ScriptedCalls:
    """call_list_v2 serving fixed pages (lists of ids) under a fixed total."""

    def __init__(self, pages: list[list[object]], total: int | None) -> None:
        self.pages = pages
        self.total = total

    async def handle(self, request: web.Request) -> web.Response:
        form = await request.post()
        page = int(str(form["current_page"]))
        if page > len(self.pages):
            return json_response({"type": "error", "message": "No Record Found"})
        rows = [{"id": i, "total_duration": "5"} for i in self.pages[page - 1]]
        body: dict[str, object] = {"type": "success", "current_page": page, "result": rows}
        if self.total is not None:
            body["total"] = self.total
        return json_response(body)


async def scripted_ids(
    local_server: LocalServer, pages: list[list[object]], *, with_total: bool = True
) -> list[object]:
    total = sum(len(p) for p in pages) if with_total else None
    server = ScriptedCalls(pages, total=total)
    local_server.route("POST", "/api/call_list_v2", server.handle)
    await local_server.start()
    async with CallerdeskClient(AUTHCODE, base_url=local_server.base_url) as cd:
        return [c.id async for c in cd.calls.list(per_page=len(pages[0]))]


async def test_rows_a_reordering_server_repeats_are_dropped(local_server: LocalServer) -> None:
    # Page 2 repeats "3" (from page 1) and "5" (within itself); page 3 repeats "4".
    pages: list[list[object]] = [["1", "2", "3"], ["4", "3", "5"], ["5", "6", "4"]]
    ids = await scripted_ids(local_server, pages)
    assert ids == ["1", "2", "3", "4", "5", "6"]


async def test_rows_without_an_id_are_never_dropped(local_server: LocalServer) -> None:
    pages: list[list[object]] = [["", "", 7], [None, 7, 8]]
    ids = await scripted_ids(local_server, pages)
    assert ids == ["", "", "7", None, "8"]  # int ids read as str; blanks kept, 7 once


@pytest.mark.parametrize(
    ("pages", "expected"),
    [
        # A key stays remembered for two pages' worth of keys, however the batches fall.
        ([["a", "b", "c"], ["c", "d", "e"], ["e", "f", "g"], ["c", "h", "i"]],
         ["a", "b", "c", "d", "e", "f", "g", "h", "i"]),
        ([["a", "b", "c"], ["d", "a", "e"], ["f", "g", "h"], ["i", "d", "j"], ["k"]],
         ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"]),
    ],
)  # fmt: skip
async def test_repeated_rows_are_dropped_within_a_window_of_two_pages_of_keys(
    local_server: LocalServer, pages: list[list[object]], expected: list[str]
) -> None:
    # No total reported: the paginator pages on until a short page, guarding against repeats.
    assert await scripted_ids(local_server, pages, with_total=False) == expected


async def test_without_a_total_a_page_of_only_rows_handed_out_raises(
    local_server: LocalServer,
) -> None:
    pages: list[list[object]] = [["a", "b"], ["c", "d"], ["a", "b"], ["c", "d"], ["x"]]
    with pytest.raises(PaginationError, match="page 3 repeated rows already handed out"):
        await scripted_ids(local_server, pages, with_total=False)


async def _window_trace(fetch_turns: int) -> list[tuple[int, int]]:
    """(page being consumed, pages whose fetch has started) at each page's first item."""
    from callerdesk_async._pagination import AsyncPaginator

    started: list[int] = []
    per_page, pages = 10, 40

    async def fetch(params: Mapping[str, str]) -> dict[str, object]:
        number = int(params["current_page"])
        started.append(number)
        for _ in range(fetch_turns):  # a "network" slow in event-loop turns, not in seconds
            await asyncio.sleep(0)
        rows = [{"id": str(number * per_page + i)} for i in range(per_page)]
        return {"type": "success", "total": per_page * pages, "result": rows}

    pager: AsyncPaginator[Any] = AsyncPaginator(
        endpoint="call_list_v2", fetch=fetch, parse=lambda row: row, params={},
        per_page=per_page, items_key="result", total_key="total", prefetch=8,
    )  # fmt: skip
    trace = []
    async for row in pager:
        if int(row["id"]) % per_page == 0:  # first item of a page; no await in this body
            trace.append((int(row["id"]) // per_page, len(started)))
    return trace


async def test_pages_ahead_start_within_half_the_window_when_pages_are_ready() -> None:
    trace = await _window_trace(fetch_turns=0)
    assert [page for page, _ in trace] == list(range(1, 41))
    for page, started in trace:
        # Never more than 8 ahead; never fewer than 4 ahead until the end is near.
        assert started <= page + 8
        assert started >= min(40, page + 4), (page, started)


async def test_pages_ahead_start_at_once_while_the_network_is_the_bottleneck() -> None:
    trace = await _window_trace(fetch_turns=50)
    for page, started in trace:
        assert started == min(40, page + 8), (page, started)  # the window is always full


# -- exact request counts ------------------------------------------------------------------------


async def test_max_pages_three_with_prefetch_eight_sends_exactly_three_requests(
    local_server: LocalServer,
) -> None:
    server = MemberServer(5000)  # 50 pages of 100
    local_server.route("POST", "/api/getmemberlist_V2", server.handle)
    await local_server.start()
    seen: list[str] = []

    async def iterate(cd: CallerdeskClient) -> None:
        async for m in cd.members.list(per_page=100, max_pages=3):
            seen.append(str(m.member_id))

    async with CallerdeskClient(AUTHCODE, base_url=local_server.base_url, prefetch=8) as cd:
        with pytest.raises(PaginationError, match="max_pages=3"):
            await iterate(cd)
        assert cd.stats.admitted == 3
    assert sorted(server.pages) == [1, 2, 3]
    assert seen == [str(i) for i in range(300)]


@pytest.mark.parametrize(
    ("limit", "pages"), [(5, [1]), (100, [1]), (120, [1, 2]), (250, [1, 2, 3])]
)
async def test_collect_with_a_limit_requests_only_the_pages_it_needs(
    local_server: LocalServer, limit: int, pages: list[int]
) -> None:
    server = MemberServer(5000)
    async with await start(local_server, server) as cd:
        members = await cd.members.list(per_page=100).collect(limit=limit)
        assert cd.stats.admitted == len(pages)  # requests the client sent (or began to)
    assert [str(m.member_id) for m in members] == [str(i) for i in range(limit)]
    assert sorted(server.pages) == pages


async def test_awaiting_a_pager_sends_one_request(local_server: LocalServer) -> None:
    server = MemberServer(5000)
    async with await start(local_server, server) as cd:
        page = await cd.members.list(per_page=100)
        assert (page.number, len(page.items), page.total) == (1, 100, 5000)
        assert await cd.members.list(per_page=100).collect(limit=0) == []
        with pytest.raises(ValueError, match="limit"):
            await cd.members.list(per_page=100).collect(limit=-1)
        assert cd.stats.admitted == 1
    assert server.pages == [1]


# -- resume ------------------------------------------------------------------------------------


@pytest.mark.parametrize("stop", ["page", "item"])
async def test_resume_after_a_dropped_repeat_yields_each_id_once(
    local_server: LocalServer, stop: str
) -> None:
    # Page 2 repeats "3"; stopped after page 2 (or after its last item) and resumed.
    server = ScriptedCalls([["1", "2", "3"], ["4", "3", "5"], ["6", "7", "8"]], total=9)
    local_server.route("POST", "/api/call_list_v2", server.handle)
    await local_server.start()
    ids: list[str] = []
    async with CallerdeskClient(AUTHCODE, base_url=local_server.base_url) as cd:
        pager = cd.calls.list(per_page=3)
        async with pager:
            if stop == "page":
                async for page in pager.pages():
                    ids += [c.id for c in page.items]
                    if page.number == 2:
                        break
            else:
                async for call in pager:
                    ids.append(call.id)
                    if call.id == "5":
                        break
        saved = json.dumps(pager.state.to_dict())
        state = PageState.from_dict(json.loads(saved))
        ids += [c.id async for c in cd.calls.list(resume=state)]
    assert ids == ["1", "2", "3", "4", "5", "6", "7", "8"]


async def test_a_state_saved_by_the_previous_release_resumes(local_server: LocalServer) -> None:
    server = MemberServer(1000)
    async with await start(local_server, server) as cd:
        old = {"endpoint": "getmemberlist_V2", "params": {}, "per_page": 100, "offset": 400}
        old["total"] = 1000  # 0.1 wrote no "version"
        rest = [str(m.member_id) async for m in cd.members.list(resume=PageState.from_dict(old))]
    assert rest == [str(i) for i in range(400, 1000)]
    assert sorted(server.pages) == [5, 6, 7, 8, 9, 10]


# -- endpoints without a total (the blocklist) ---------------------------------------------------


class Blocklist:
    """getblocknumber (no total) serving ``pages(current_page)`` of ids; counts requests."""

    def __init__(self, pages: Callable[[int], list[str]]) -> None:
        self.pages = pages
        self.requests = 0

    async def handle(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.requests += 1
        ids = self.pages(int(str(form.get("current_page", "1"))))
        rows = [{"id": i, "caller_no": f"98{i:0>8}"} for i in ids]
        return json_response({"type": "success", "blocklist_number": rows})


async def blocklist_client(local_server: LocalServer, server: Blocklist) -> CallerdeskClient:
    local_server.route("POST", "/api/getblocknumber", server.handle)
    await local_server.start()
    return CallerdeskClient(AUTHCODE, base_url=local_server.base_url)


async def test_blocklist_full_pages_forever_stop_at_the_default_ceiling(
    local_server: LocalServer,
) -> None:
    # A server that always answers a full page of new rows: the release before paged forever.
    server = Blocklist(lambda page: [str(page * 100 + i) for i in range(10)])
    async with await blocklist_client(local_server, server) as cd:
        with pytest.raises(PaginationError, match=r"after 1000 page requests.*max_pages="):
            await cd.blocklist.list(per_page=10).collect()
        assert server.requests == 1000
        with pytest.raises(PaginationError, match="max_pages=3"):
            await cd.blocklist.list(per_page=10, max_pages=3).collect()
    assert server.requests == 1003


async def test_blocklist_server_cycling_through_pages_raises(local_server: LocalServer) -> None:
    # current_page ignored, two pages served in turn: each row was already handed out.
    server = Blocklist(lambda page: ["1", "2"] if server.requests % 2 else ["3", "4"])
    async with await blocklist_client(local_server, server) as cd:
        with pytest.raises(PaginationError, match="page 3 repeated rows already handed out"):
            await cd.blocklist.list(per_page=2).collect()
    assert server.requests == 3


async def test_blocklist_pages_until_a_short_page(local_server: LocalServer) -> None:
    server = Blocklist(lambda page: [str(i) for i in range((page - 1) * 10, min(page * 10, 25))])
    async with await blocklist_client(local_server, server) as cd:
        numbers = [str(b.id) for b in await cd.blocklist.list(per_page=10).collect()]
    assert numbers == [str(i) for i in range(25)] and server.requests == 3
