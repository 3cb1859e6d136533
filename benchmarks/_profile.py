"""Where the SDK's client CPU goes, per record, and what the obvious optimisations would buy.

Three views, all from the same sandbox pages:

1. **Layer subtraction.** The real typed iteration over TCP; the same iteration with the
   client's transport swapped for an in-memory one serving the very same page bodies (so the
   difference is aiohttp, sockets and the event loop's I/O); the paginator alone over
   pre-decoded pages; the pipeline and dispatcher alone per request. Each in µs per row.
2. **Micro-benchmarks** of the per-row pieces on the real rows: ``json.loads``, the compiled
   ``CallRecord`` structurer and each of its hooks (datetime, int, float), ``attrs.evolve`` of
   the paginator state, the de-duplication keys, the export writers, plus alternatives
   (orjson, a sentinel fast path, plain slots instead of frozen descriptors, ...).
3. **cProfile** of the real typed iteration, self time grouped by layer (cProfile inflates
   small Python calls, so use it for shares, and view 1 for absolute numbers).

Nothing here changes the SDK: internals are imported and called, a client's transport is
replaced on one instance inside this process.
"""

from __future__ import annotations

import asyncio
import cProfile
import csv
import functools
import io
import json
import pstats
import statistics
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import aiohttp
import attrs

from callerdesk_async import CallerdeskClient
from callerdesk_async._convert import (
    parse_datetime,
    parse_float,
    parse_int,
    structurer_for,
)
from callerdesk_async._dispatcher import Dispatcher
from callerdesk_async._pagination import AsyncPaginator, PageState
from callerdesk_async._pipeline import Pipeline, RequestOptions
from callerdesk_async._protocol import ENDPOINTS, PreparedRequest, Redactor
from callerdesk_async._protocol import _loads as sdk_loads
from callerdesk_async._structurer import builder_for
from callerdesk_async._transport import RawResponse, Timeout
from callerdesk_async.models import CallRecord
from callerdesk_async.sandbox import SandboxConfig, SandboxProcess

from . import _baselines as base
from . import _sdk as sdk
from ._common import pin, run_async

PER_PAGE = 100
DATETIME_KEYS = (
    "call_date", "startdatetime", "enddatetime", "LegA_Picked_time", "LegB_Start_time",
    "LegB_Picked_time",
)  # fmt: skip
INT_KEYS = ("total_duration", "talk_duration", "ringing_duration", "is_contact")
FLOAT_KEYS = ("coin_deducted",)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def per_call_us(
    fn: Callable[[], Any], calls: int, *, repeat: int = 5, min_time: float = 0.2
) -> float:
    """Best-of-``repeat`` µs per call of ``fn`` (``fn`` itself performs ``calls`` calls)."""
    loops = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(loops):
            fn()
        if time.perf_counter() - t0 >= min_time / repeat or loops >= 1 << 16:
            break
        loops *= 2
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(loops):
            fn()
        best = min(best, time.perf_counter() - t0)
    return best / loops / calls * 1e6


# -- page bodies ---------------------------------------------------------------------------------


async def fetch_bodies(base_url: str, authcode: str, pages: int) -> list[bytes]:
    url = base_url + "call_list_v2"
    async with aiohttp.ClientSession() as session:
        out = []
        for page in range(1, pages + 1):
            form = {"authcode": authcode, "current_page": str(page), "per_page": str(PER_PAGE)}
            async with session.post(url, data=form) as resp:
                out.append(await resp.read())
    return out


class MemoryTransport:
    """Serves pre-fetched page bodies by ``current_page``, without sockets."""

    def __init__(self, bodies: list[bytes]) -> None:
        self.bodies = bodies
        self.closed = False
        self.session = None

    async def send(
        self,
        request: PreparedRequest,
        *,
        timeout: Timeout,
        headers: Mapping[str, str],
        redactor: Redactor,
        max_body: int = 0,
    ) -> RawResponse:
        fields = request.form if request.form is not None else request.query
        page = int(fields["current_page"])
        return RawResponse(200, self.bodies[page - 1], None)

    async def aclose(self) -> None:
        self.closed = True


async def memory_iteration(bodies: list[bytes], *, raw: bool) -> int:
    rows = 0
    cd = CallerdeskClient("bench-authcode", base_url="http://127.0.0.1:9/api/")
    cd._core.pipeline.transport = MemoryTransport(bodies)  # type: ignore[assignment]
    pager = cd.calls.list(per_page=PER_PAGE)
    try:
        if raw:
            async for _row in pager.raw():
                rows += 1
        else:
            async for _call in pager:
                rows += 1
    finally:
        await cd.aclose()
    return rows


def median_cpu_us(make: Callable[[], Any], rows: int, runs: int, *, sync: bool = False) -> float:
    values = []
    for _ in range(runs):
        if sync:
            t0 = time.process_time()
            make()
            values.append((time.process_time() - t0) / rows * 1e6)
        else:
            m = run_async(make)
            assert m.rows == rows, (m.rows, rows)
            values.append(m.cpu_us_per_row)
    return float(statistics.median(values))


# -- view 1: layers ------------------------------------------------------------------------------


def layers(
    base_url: str, authcode: str, bodies: list[bytes], rows: int, runs: int
) -> dict[str, Any]:
    assert int(json.loads(bodies[0])["total"]) == rows
    # Whole runs first, while no decoded rows are alive: keeping 30,000 decoded dicts around
    # would make every GC pass of the measured runs slower than in real use.
    sdk_tcp = median_cpu_us(lambda: sdk.typed_iteration(base_url, authcode), rows, runs)
    sdk_raw_tcp = median_cpu_us(lambda: sdk.raw_iteration(base_url, authcode), rows, runs)
    floor_tcp = median_cpu_us(
        lambda: base.aiohttp_floor(base_url, authcode, base.count_rows), rows, runs
    )
    hand_tcp = median_cpu_us(
        lambda: base.aiohttp_floor(base_url, authcode, base.type_rows), rows, runs
    )
    sdk_mem = median_cpu_us(lambda: memory_iteration(bodies, raw=False), rows, runs)
    sdk_raw_mem = median_cpu_us(lambda: memory_iteration(bodies, raw=True), rows, runs)
    # The pieces, on 50 decoded pages (cycled where a run needs more).
    sub = bodies[:50]
    payloads: list[dict[str, Any]] = [json.loads(b) for b in sub]

    # The paginator alone: pre-decoded payloads, identity parse (structuring excluded).
    async def pager_only(parse: Callable[[Mapping[str, Any]], Any]) -> int:
        async def fetch(params: Mapping[str, str]) -> dict[str, Any]:
            return payloads[(int(params["current_page"]) - 1) % len(payloads)]

        pager: AsyncPaginator[Any] = AsyncPaginator(
            endpoint="call_list_v2",
            fetch=fetch,
            parse=parse,
            params={},
            per_page=PER_PAGE,
            items_key="result",
            total_key="total",
            key_fields=("id", "sid_id"),
            prefetch=8,
        )
        n = 0
        async for _item in pager:
            n += 1
        return n

    pagination = median_cpu_us(lambda: pager_only(lambda r: r), rows, runs)
    pagination_dict = median_cpu_us(lambda: pager_only(dict), rows, runs)

    # The pipeline (encode, dispatcher, decode incl. json.loads, bookkeeping) per request.
    pipeline = Pipeline(
        transport=MemoryTransport(bodies),  # type: ignore[arg-type]
        dispatcher=Dispatcher(max_concurrency=8),
        authcode="bench-authcode",
        base_url="http://127.0.0.1:9/api/",
    )
    spec, options = ENDPOINTS["call_list_v2"], RequestOptions()

    async def requests_only() -> int:
        for page in range(1, len(bodies) + 1):
            await pipeline.request(spec, {"current_page": str(page), "per_page": "100"}, options)
        return rows

    # A tiny body isolates the pipeline's own work from json.loads of a 100-row page.
    tiny = json.dumps({"type": "success", "total": rows, "result": []}).encode()
    pipeline.transport = MemoryTransport([tiny] * len(bodies))  # type: ignore[assignment]
    pipeline_us = median_cpu_us(requests_only, rows, runs)
    json_us = per_call_us(lambda: [json.loads(b) for b in sub], len(sub) * PER_PAGE)
    # The SDK decodes with its own decoder (orjson where installed), the floor with json.loads.
    sdk_json_us = per_call_us(lambda: [sdk_loads(b) for b in sub], len(sub) * PER_PAGE)
    dispatcher = Dispatcher(max_concurrency=8, slow_start=False)

    async def slots() -> int:
        for _ in range(len(bodies)):
            async with dispatcher.slot():
                pass
        return rows

    dispatcher_us = median_cpu_us(slots, rows, runs)
    structure = structurer_for(CallRecord)
    all_rows = [r for p in payloads for r in p["result"]]
    structure_us = per_call_us(lambda: [structure(r) for r in all_rows], len(all_rows))
    return {
        "measured_tcp_us_per_row": {
            "sdk_typed": round(sdk_tcp, 3),
            "sdk_raw": round(sdk_raw_tcp, 3),
            "floor_untyped": round(floor_tcp, 3),
            "floor_hand_typed": round(hand_tcp, 3),
        },
        "in_memory_us_per_row": {
            "sdk_typed_no_sockets": round(sdk_mem, 3),
            "sdk_raw_no_sockets": round(sdk_raw_mem, 3),
            "paginator_only_identity_parse": round(pagination, 3),
            "paginator_only_dict_parse (raw())": round(pagination_dict, 3),
            "pipeline_per_request_excl_json / 100": round(pipeline_us, 3),
            "dispatcher_slot_per_request / 100": round(dispatcher_us, 3),
            "json_loads": round(json_us, 3),
            "sdk_decoder": round(sdk_json_us, 3),
            "structure_CallRecord": round(structure_us, 3),
        },
        "breakdown_sdk_typed_us_per_row": {
            "aiohttp + sockets + event-loop I/O (tcp - no_sockets)": round(sdk_tcp - sdk_mem, 3),
            "json decode (the SDK's decoder)": round(sdk_json_us, 3),
            "structuring (CallRecord, all hooks)": round(structure_us, 3),
            "pagination bookkeeping (+async-gen per item, tasks per page)": round(pagination, 3),
            "pipeline excl. json and dispatcher (encode, uuid, redact, decode) / 100": round(
                pipeline_us - dispatcher_us, 3
            ),
            "dispatcher / 100": round(dispatcher_us, 3),
            "unexplained (no_sockets - sum of the parts)": round(
                sdk_mem - pagination - structure_us - pipeline_us - sdk_json_us, 3
            ),
            "total measured": round(sdk_tcp, 3),
        },
        "breakdown_floor_untyped_us_per_row": {
            "json decode": round(json_us, 3),
            "aiohttp + sockets + event loop (rest)": round(floor_tcp - json_us, 3),
            "total measured": round(floor_tcp, 3),
        },
    }


# -- view 2: micro-benchmarks --------------------------------------------------------------------


class _PlainSlots:
    __slots__ = tuple(f.name for f in attrs.fields(CallRecord))


def _inline_structurer(cls: type, *, frozen: bool) -> Callable[[Mapping[str, Any]], Any]:
    """A sketch of a faster generated structurer for CallRecord (same results).

    Fast paths inlined (no call per value in the common case), ``extra`` decided from a miss
    counter instead of ``data.keys() <= known``, general parsers only as fallbacks. ``frozen``
    stores through the slot descriptors as the SDK does; otherwise plain ``STORE_ATTR``.
    """
    from callerdesk_async import _rules as conv

    fields: tuple[attrs.Attribute[Any], ...] = attrs.fields(attrs.resolve_types(CallRecord))
    ns: dict[str, Any] = {
        "_new": object.__new__, "_cls": cls, "_M": object(), "_iso": datetime.fromisoformat,
        "_dt": conv.parse_datetime, "_int": conv.parse_int, "_float": conv.parse_float,
        "_str": conv.parse_str,
    }  # fmt: skip
    lines = ["def build(data):", "    get = data.get", "    o = _new(_cls)", "    miss = 0"]
    known = 0
    for i, f in enumerate(fields):
        if f.name == "extra":
            continue
        known += 1
        key = f.metadata.get("callerdesk_api_key", f.name)
        lines += [
            f"    x = get({key!r}, _M)",
            "    if x is _M:",
            "        miss += 1",
            "        x = None",
        ]
        t = f.type
        if t == (datetime | None):
            lines += [
                "    elif x.__class__ is str and len(x) == 19 and x[0] != '0':",
                "        try:",
                "            x = _iso(x + '+05:30')",
                "        except ValueError:",
                "            x = _dt(x)",
                "    elif x is not None:",
                "        x = _dt(x)",
            ]
        elif t == (int | None):
            lines += [
                "    elif x.__class__ is str:",
                "        try:",
                "            x = int(x)",
                "        except ValueError:",
                "            x = _int(x)",
                "    elif x is not None and x.__class__ is not int:",
                "        x = _int(x)",
            ]
        elif t == (float | None):
            lines += [
                "    elif x.__class__ is str:",
                "        try:",
                "            x = float(x)",
                "        except ValueError:",
                "            x = _float(x)",
                "    elif x is not None and x.__class__ is not float:",
                "        x = _float(x)",
            ]
        else:
            lines += ["    elif x is not None and x.__class__ is not str:", "        x = _str(x)"]
        if frozen:
            ns[f"_set{i}"] = cls.__dict__[f.name].__set__
            lines.append(f"    _set{i}(o, x)")
        else:
            lines.append(f"    o.{f.name} = x")
    ns["_known"] = frozenset(f.metadata.get("callerdesk_api_key", f.name) for f in fields)
    extra = "{k: v for k, v in data.items() if k not in _known}"
    lines.append(f"    extra = {{}} if len(data) + miss == {known} else {extra}")
    lines.append("    _set_extra(o, extra)" if frozen else "    o.extra = extra")
    if frozen:
        ns["_set_extra"] = cls.__dict__["extra"].__set__
    lines.append("    return o")
    exec("\n".join(lines), ns)
    return ns["build"]  # type: ignore[no-any-return]


def _build_all(build: Callable[[Any], Any], rows: list[Any]) -> list[Any]:
    return [build(r) for r in rows]


def _same(a: Any, b: Any) -> bool:
    return all(getattr(a, f.name) == getattr(b, f.name) for f in attrs.fields(CallRecord))


def micro(bodies: list[bytes]) -> dict[str, Any]:
    payloads = [json.loads(b) for b in bodies]
    rows = [r for p in payloads for r in p["result"]]
    n = len(rows)
    out: dict[str, Any] = {"rows": n}
    structure = structurer_for(CallRecord)
    out["structure_CallRecord"] = per_call_us(lambda: [structure(r) for r in rows], n)
    out["hand_typed_HandCall"] = per_call_us(lambda: [base.HandCall(r) for r in rows], n)

    # The general parsers (the generated code inlines the usual cases and falls back to these).
    dt_values = [r.get(k) for r in rows for k in DATETIME_KEYS]
    sentinel = [v for v in dt_values if isinstance(v, str) and v.startswith("0000")]
    normal = [v for v in dt_values if isinstance(v, str) and not v.startswith("0000")]
    int_values = [r.get(k) for r in rows for k in INT_KEYS]
    int_called = [v for v in int_values if v is not None and v.__class__ is not int]
    float_called = [r.get(k) for r in rows for k in FLOAT_KEYS]
    float_called = [v for v in float_called if v is not None and v.__class__ is not float]
    out["hook_datetime_per_row"] = per_call_us(lambda: [parse_datetime(v) for v in dt_values], n)
    out["hook_datetime_normal_per_call"] = per_call_us(
        lambda: [parse_datetime(v) for v in normal], len(normal)
    )
    out["hook_datetime_sentinel_per_call"] = per_call_us(
        lambda: [parse_datetime(v) for v in sentinel], max(len(sentinel), 1)
    )
    out["datetime_values_per_row"] = len(dt_values) / n
    out["datetime_sentinels_per_row"] = len(sentinel) / n
    out["hook_int_per_row"] = per_call_us(lambda: [parse_int(v) for v in int_called], n)
    out["hook_float_per_row"] = per_call_us(lambda: [parse_float(v) for v in float_called], n)
    out["list_comprehension_per_value_overhead"] = per_call_us(
        lambda: list(dt_values), len(dt_values)
    )

    # Alternatives for the lead to weigh.
    fromiso = datetime.fromisoformat

    def dt_sentinel_first(v: Any) -> Any:
        if v.__class__ is str and len(v) == 19:
            if v[0] == "0" and v == "0000-00-00 00:00:00":
                return None
            try:
                return fromiso(v + "+05:30")
            except ValueError:
                pass
        return parse_datetime(v)

    out["alt_datetime_sentinel_first_per_row"] = per_call_us(
        lambda: [dt_sentinel_first(v) for v in dt_values], n
    )
    out["alt_datetime_sentinel_first_sentinel_per_call"] = per_call_us(
        lambda: [dt_sentinel_first(v) for v in sentinel], max(len(sentinel), 1)
    )
    sample = rows[0]
    fields = [f.name for f in attrs.fields(CallRecord)]
    setters = [CallRecord.__dict__[name].__set__ for name in fields]
    new = object.__new__

    def frozen_descriptors() -> None:
        for _ in range(100):
            obj = new(CallRecord)
            for s in setters:
                s(obj, None)

    def stores(make: str, cls: type, *, reclass: type | None = None) -> Callable[[], None]:
        """100 objects with every field stored by plain STORE_ATTR (then re-classed)."""
        src = (
            f"def build():\n    o = {make}\n"
            + "".join(f"    o.{name} = None\n" for name in fields)
            + ("    o.__class__ = _reclass\n" if reclass is not None else "")
            + "    return o\n"
        )
        ns: dict[str, Any] = {"_new": new, "_cls": cls, "_reclass": reclass}
        exec(src, ns)
        build = ns["build"]

        def hundred() -> None:
            for _ in range(100):
                build()

        return hundred

    plain_slots = stores("_new(_cls)", _PlainSlots)
    builder = builder_for(CallRecord)
    assert builder is not None
    builder_reclassed = stores("_cls()", builder, reclass=CallRecord)

    out["store_29_fields_builder_then_reclass (what the SDK does)"] = per_call_us(
        builder_reclassed, 100
    )
    out["store_29_fields_frozen_descriptor_set"] = per_call_us(frozen_descriptors, 100)
    out["store_29_fields_plain_slots_STORE_ATTR"] = per_call_us(plain_slots, 100)
    for label, cls, frozen in (
        ("alt_structurer_inline_plain_slots", _PlainSlots, False),
        ("alt_structurer_inline_frozen_descriptors", CallRecord, True),
    ):
        build = _inline_structurer(cls, frozen=frozen)
        assert _same(build(rows[0]), structure(rows[0]))
        out[label] = per_call_us(functools.partial(_build_all, build, rows), n)
    out["extra_check_keys_subset"] = per_call_us(
        lambda: [r.keys() <= sample.keys() for r in rows], n
    )

    # Pagination bookkeeping pieces.
    state = PageState(endpoint="call_list_v2", params={}, per_page=100)
    out["attrs_evolve_PageState_per_item"] = per_call_us(
        lambda: [attrs.evolve(state, offset=i) for i in range(1000)], 1000
    )
    key_fields = ("id", "sid_id")

    def keys() -> None:
        for r in rows:
            for f in key_fields:
                v = r.get(f)
                if v is not None and v != "":
                    break

    out["dedup_key_per_row"] = per_call_us(keys, n)

    def fresh() -> None:
        recent: deque[object] = deque(maxlen=200)
        seen: set[object] = set()
        for r in rows:
            k = r["id"]
            if k in seen:
                continue
            if len(recent) == recent.maxlen:
                seen.discard(recent[0])
            recent.append(k)
            seen.add(k)

    out["dedup_fresh_per_row"] = per_call_us(fresh, n)
    out["dict_copy_per_row (raw())"] = per_call_us(lambda: [dict(r) for r in rows], n)

    async def agen_items() -> Any:
        for p in payloads:
            for r in p["result"]:
                yield r

    async def consume_agen() -> None:
        async for _r in agen_items():
            pass

    out["async_generator_per_item"] = per_call_us(lambda: asyncio.run(consume_agen()), n, repeat=3)
    out["asyncio_run_baseline_per_item"] = per_call_us(
        lambda: asyncio.run(asyncio.sleep(0)), n, repeat=3
    )

    # JSON.
    out["json_loads_per_row"] = per_call_us(lambda: [json.loads(b) for b in bodies], n)
    try:
        import orjson

        out["orjson_loads_per_row"] = per_call_us(lambda: [orjson.loads(b) for b in bodies], n)
        out["orjson_dumps_per_row"] = per_call_us(lambda: [orjson.dumps(r) for r in rows], n)
    except ImportError:
        pass
    out["json_dumps_per_row"] = per_call_us(lambda: [json.dumps(r) for r in rows], n)

    # Export writers against the plain ones.
    try:
        from callerdesk_async.export._columns import columns_for
        from callerdesk_async.export._writers import CsvWriter, NdjsonWriter

        pages = [p["result"] for p in payloads]

        def sdk_csv() -> None:
            w = CsvWriter(columns_for(CallRecord))
            w.begin(io.BytesIO())
            for page in pages:
                w.write(page)

        def sdk_ndjson() -> None:
            w = NdjsonWriter()
            w.begin(io.BytesIO())
            for page in pages:
                w.write(page)

        out["export_CsvWriter_per_row"] = per_call_us(sdk_csv, n, repeat=3)
        out["export_NdjsonWriter_per_row"] = per_call_us(sdk_ndjson, n, repeat=3)
    except ImportError:
        pass

    def plain_csv() -> None:
        w = base.csv_rows(io.StringIO())
        for p in payloads:
            w(p["result"])

    def plain_ndjson() -> None:
        w = base.ndjson_rows(io.StringIO())
        for p in payloads:
            w(p["result"])

    def csv_values_only() -> None:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        for p in payloads:
            writer.writerows([[r.get(k) for k in base.CALL_KEYS] for r in p["result"]])
        buf.getvalue().encode()

    out["plain_csv_writer_per_row"] = per_call_us(plain_csv, n, repeat=3)
    out["plain_csv_writer_plus_encode_per_row"] = per_call_us(csv_values_only, n, repeat=3)
    out["plain_json_dumps_per_row"] = per_call_us(plain_ndjson, n, repeat=3)
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in out.items()}


# -- view 3: cProfile ----------------------------------------------------------------------------

_CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("structuring (generated + hooks)",
     ("<callerdesk_async structure", "callerdesk_async/_convert")),
    ("datetime parsing (fromisoformat)", ("fromisoformat",)),
    ("json decode", ("json/", "_json.Scanner", "raw_decode")),
    ("pagination bookkeeping", ("callerdesk_async/_pagination", "callerdesk_async/_planner",
                                "attr/_funcs", "attr/_make")),
    ("dispatcher", ("callerdesk_async/_dispatcher", "heapq")),
    ("pipeline + protocol", ("callerdesk_async/_pipeline", "callerdesk_async/_protocol",
                             "uuid", "re/", "method 'sub'", "resources/_base")),
    ("transport (SDK)", ("callerdesk_async/_transport",)),
    ("aiohttp + yarl + multidict", ("aiohttp/", "yarl/", "multidict/", "propcache/")),
    ("asyncio event loop + sockets", ("asyncio/", "selectors", "socket", "epoll", "recv", "send")),
)  # fmt: skip


def _category(filename: str, funcname: str) -> str:
    text = f"{filename} {funcname}"
    for name, needles in _CATEGORIES:
        if any(n in text for n in needles):
            return name
    return "other"


def profile_typed(base_url: str, authcode: str, rows: int) -> dict[str, Any]:
    prof = cProfile.Profile()
    prof.enable()
    m = run_async(lambda: sdk.typed_iteration(base_url, authcode))
    prof.disable()
    stats = pstats.Stats(prof)
    by_cat: dict[str, float] = {}
    top: list[tuple[float, str]] = []
    for (filename, line, func), (_cc, nc, tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        cat = _category(filename, func)
        by_cat[cat] = by_cat.get(cat, 0.0) + tt
        short = filename.split("site-packages/")[-1].split("callerdesk_async/")[-1]
        top.append((tt, f"{short}:{line}({func}) calls={nc}"))
    total = sum(by_cat.values())
    top.sort(reverse=True)
    return {
        "rows": m.rows,
        "note": "cProfile self time by layer; deterministic profiling inflates many small "
        "Python calls, so read shares, and take absolute µs from the layer breakdown",
        "total_profiled_s": round(total, 3),
        "share_percent": {
            k: round(v / total * 100, 1) for k, v in sorted(by_cat.items(), key=lambda kv: -kv[1])
        },
        "top_functions_self_time": [
            f"{tt * 1e6 / rows:.3f} µs/row  {name}" for tt, name in top[:25]
        ],
    }


def run_profile(*, quick: bool) -> dict[str, dict[str, Any]]:
    rows = 10_000 if quick else 30_000
    runs = 3 if quick else 5
    config = SandboxConfig(calls=rows, app_calls=1)
    with SandboxProcess(config) as sb:
        pin(sb.pid)
        bodies = asyncio.run(fetch_bodies(sb.base_url, sb.authcode, rows // PER_PAGE))
        run_async(lambda: sdk.typed_iteration(sb.base_url, sb.authcode))  # warm-up
        log("  profile: layers")
        layer = layers(sb.base_url, sb.authcode, bodies, rows, runs)
        log("  profile: micro-benchmarks")
        micros = micro(bodies[: min(len(bodies), 50)])
        log("  profile: cProfile")
        cprof = profile_typed(sb.base_url, sb.authcode, rows)
    return {
        "profile": {
            "setup": {
                "rows": rows,
                "runs": runs,
                "sandbox": "own process; no latency, faults or rate limit",
                "units": "µs of client CPU per row (process_time for runs, best-of-5 "
                "perf_counter for micro-benchmarks)",
            },
            "layers": layer,
            "micro_us": micros,
            "cprofile": cprof,
        }
    }
