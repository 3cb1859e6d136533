"""What a user writes without the SDK: the floors and the naive page loops.

Every baseline fetches the same call-report pages (``call_list_v2``, ``per_page`` rows, POST
form with ``authcode``/``current_page``/``per_page``) from the same sandbox as the SDK and
returns the number of rows it consumed. They are written to be fast, not to make the SDK look
good: the floors fetch concurrently with the SDK's concurrency, read the body once, decode it
with ``json.loads`` and handle pages in completion order (the SDK yields in order, which a
floor does not need to).
"""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, TextIO

import aiohttp

Row = dict[str, Any]
OnRows = Callable[[list[Row]], int]

# The API keys of every CallRecord field, in the model's attribute order.
CALL_KEYS = (
    "id", "sid_id", "file", "deskphone", "caller_num", "caller_name", "member_num",
    "member_name", "call_date", "startdatetime", "enddatetime", "total_duration", "talk_duration",
    "ringing_duration", "callresult", "callstatus", "group_name", "circle", "key_pressed", "block",
    "coin_deducted", "is_contact", "contact_id", "LegA_Picked_time", "LegB_Start_time",
    "LegB_Picked_time", "Flow_type", "Member_type",
)  # fmt: skip

_KNOWN = frozenset(CALL_KEYS)
_fromiso = datetime.fromisoformat


class HandCall:
    """A careful hand-written typed row: ``__slots__``, ints, floats, aware IST datetimes.

    Timestamps get ``+05:30`` appended before ``fromisoformat`` (about 6x faster than
    ``.replace(tzinfo=...)`` on CPython 3.11); ``0000-...`` sentinels and empty values are None.
    Any row shape: a missing key reads as None, numbers may come as JSON numbers or strings,
    and keys it does not know are kept in ``extra`` (the subset check is the cheapest correct
    test for them a hand-written reader has: it cannot count misses for free).
    """

    __slots__ = (*CALL_KEYS, "extra")  # attribute names = API keys, as a user would write them

    def __init__(self, row: Row) -> None:
        get = row.get
        self.extra = {} if _KNOWN.issuperset(row) else {k: row[k] for k in row if k not in _KNOWN}
        self.id = get("id")
        self.sid_id = get("sid_id")
        self.file = get("file")
        self.deskphone = get("deskphone")
        self.caller_num = get("caller_num")
        self.caller_name = get("caller_name")
        self.member_num = get("member_num")
        self.member_name = get("member_name")
        v = get("call_date")
        self.call_date = None if not v or v[0] == "0" else _fromiso(v + "+05:30")
        v = get("startdatetime")
        self.startdatetime = None if not v or v[0] == "0" else _fromiso(v + "+05:30")
        v = get("enddatetime")
        self.enddatetime = None if not v or v[0] == "0" else _fromiso(v + "+05:30")
        v = get("total_duration")
        self.total_duration = None if v is None or v == "" else int(v)
        v = get("talk_duration")
        self.talk_duration = None if v is None or v == "" else int(v)
        v = get("ringing_duration")
        self.ringing_duration = None if v is None or v == "" else int(v)
        self.callresult = get("callresult")
        self.callstatus = get("callstatus")
        self.group_name = get("group_name")
        self.circle = get("circle")
        self.key_pressed = get("key_pressed")
        self.block = get("block")
        v = get("coin_deducted")
        self.coin_deducted = None if v is None or v == "" else float(v)
        v = get("is_contact")
        self.is_contact = None if v is None or v == "" else int(v)
        self.contact_id = get("contact_id")
        v = get("LegA_Picked_time")
        self.LegA_Picked_time = None if not v or v[0] == "0" else _fromiso(v + "+05:30")
        v = get("LegB_Start_time")
        self.LegB_Start_time = None if not v or v[0] == "0" else _fromiso(v + "+05:30")
        v = get("LegB_Picked_time")
        self.LegB_Picked_time = None if not v or v[0] == "0" else _fromiso(v + "+05:30")
        self.Flow_type = get("Flow_type")
        self.Member_type = get("Member_type")


def count_rows(rows: list[Row]) -> int:
    n = 0
    for _row in rows:
        n += 1
    return n


def type_rows(rows: list[Row]) -> int:
    n = 0
    for row in rows:
        HandCall(row)
        n += 1
    return n


def csv_rows(out: TextIO) -> OnRows:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CALL_KEYS)
    keys = CALL_KEYS

    def write(rows: list[Row]) -> int:
        writer.writerows([[row.get(k) for k in keys] for row in rows])
        return len(rows)

    return write


def ndjson_rows(out: TextIO) -> OnRows:
    dumps = json.dumps

    def write(rows: list[Row]) -> int:
        out.write("".join([dumps(row) + "\n" for row in rows]))
        return len(rows)

    return write


async def parquet_floor(base_url: str, authcode: str, path: str, *, concurrency: int = 8) -> int:
    """The untyped floor with the plainest Parquet a user writes: every row kept, then
    ``pq.write_table(pa.Table.from_pylist(rows), path, compression="zstd")`` (pyarrow infers
    the column types: text, and ints where the API sends JSON numbers)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    kept: list[Row] = []

    def keep(rows: list[Row]) -> int:
        kept.extend(rows)
        return len(rows)

    count = await aiohttp_floor(base_url, authcode, keep, concurrency=concurrency)
    pq.write_table(pa.Table.from_pylist(kept), path, compression="zstd")
    return count


def _form(authcode: str, page: int, per_page: int) -> dict[str, str]:
    return {"authcode": authcode, "current_page": str(page), "per_page": str(per_page)}


async def aiohttp_floor(
    base_url: str, authcode: str, on_rows: OnRows, *, per_page: int = 100, concurrency: int = 8
) -> int:
    """Raw aiohttp: page 1 for the total, then the rest ``concurrency`` at a time."""
    url = base_url + "call_list_v2"
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def fetch(page: int) -> dict[str, Any]:
            async with session.post(url, data=_form(authcode, page, per_page)) as resp:
                body = await resp.read()
            return json.loads(body)  # type: ignore[no-any-return]

        first = await fetch(1)
        total = int(first["total"])
        consumed = on_rows(first["result"])
        last_page = -(-total // per_page)
        next_page = 2

        async def worker() -> int:
            nonlocal next_page
            done = 0
            while next_page <= last_page:
                page = next_page
                next_page += 1
                payload = await fetch(page)
                done += on_rows(payload.get("result") or [])
            return done

        counts = await asyncio.gather(*(worker() for _ in range(concurrency)))
    return consumed + sum(counts)


async def httpx_loop(base_url: str, authcode: str, *, per_page: int = 100) -> int:
    """What an integrator writes first: an ``httpx.AsyncClient``, one page after another."""
    import httpx

    url = base_url + "call_list_v2"
    rows = 0
    async with httpx.AsyncClient(timeout=30.0) as client:
        page = 1
        while True:
            resp = await client.post(url, data=_form(authcode, page, per_page))
            payload = resp.json()
            result = payload.get("result") or []
            rows += count_rows(result)
            if not result or page * per_page >= int(payload["total"]):
                return rows
            page += 1


def requests_loop(base_url: str, authcode: str, *, per_page: int = 100) -> int:
    """What most existing Callerdesk integrations do: ``requests``, page after page."""
    import requests

    url = base_url + "call_list_v2"
    rows = 0
    with requests.Session() as session:
        page = 1
        while True:
            resp = session.post(url, data=_form(authcode, page, per_page), timeout=30)
            payload = resp.json()
            result = payload.get("result") or []
            rows += count_rows(result)
            if not result or page * per_page >= int(payload["total"]):
                return rows
            page += 1
