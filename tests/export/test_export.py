"""Exports against the sandbox over real TCP: content, order, windows, formats, atomicity."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from callerdesk_async import CallerdeskClient, RetryPolicy, __version__
from callerdesk_async._convert import parse_date, parse_datetime
from callerdesk_async._observe import ResponseView, RetryView, tallied
from callerdesk_async.export import (
    ExportOptions,
    ExportProgress,
    MissingDependencyError,
    columns_for,
    export,
    export_app_calls,
    export_calls,
    export_contacts,
    export_members,
)
from callerdesk_async.models import CallRecord, Contact
from callerdesk_async.sandbox import Sandbox

from .conftest import END, START, api_rows, make_config


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def iso(value: object) -> object:
    """The reference for a timestamp cell: the decoder's aware datetime, in ISO 8601."""
    parsed = parse_datetime(value)
    return None if parsed is None else parsed.isoformat()


def normalized(row: dict[str, object], model: type = CallRecord) -> dict[str, object]:
    """An API row as NDJSON writes it: timestamps ISO 8601 with offset, sentinels null."""
    kinds = {c.key: c.kind for c in columns_for(model)}

    def cell(key: str, value: object) -> object:
        if value is None or kinds.get(key) not in ("datetime", "date"):
            return value
        if kinds[key] == "date":
            day = parse_date(value)
            return None if day is None else value
        return iso(value)

    return {k: cell(k, v) for k, v in row.items()}


def expected_cell(value: object, kind: str = "str") -> str:
    if kind == "datetime":
        value = iso(value)
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    return str(value)


async def test_csv_matches_the_api_rows(client: CallerdeskClient, tmp_path: Path):
    out = tmp_path / "calls.csv"
    summary = await export_calls(client, out, start=START, end=END)
    expected = await api_rows(client)
    rows = read_csv(out)
    assert summary.rows == len(rows) == len(expected) == summary.total == 3000
    # 10 days of ~300 rows: merged into windows of 2-3 days (at most 10 pages of 100 rows)
    assert summary.windows == 4
    assert summary.bytes == out.stat().st_size
    columns = columns_for(CallRecord)
    assert list(rows[0]) == [c.name for c in columns] + ["extra"]
    for got, api in zip(rows, expected, strict=True):
        for column in columns:
            want = expected_cell(api.get(column.key), column.kind)
            assert got[column.name] == want, column.name
        assert got["extra"] == ""
    assert len({r["id"] for r in rows}) == len(rows)
    assert not list(tmp_path.glob("*.part"))


async def test_ndjson_is_the_raw_rows_in_api_order(client: CallerdeskClient, tmp_path: Path):
    out = tmp_path / "calls.ndjson"
    await export_calls(client, out, start=START, end=END, format="ndjson", per_page=37)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [normalized(r) for r in await api_rows(client)]
    assert all(list(json.loads(line))[:2] == ["id", "sid_id"] for line in lines[:5])


async def test_order_is_the_same_for_any_windowing(client: CallerdeskClient, tmp_path: Path):
    variants = {
        "one-window": {"window_days": 10},
        "daily": {"window_days": 1},
        "three-day": {"window_days": 3, "options": ExportOptions(windows_in_flight=2)},
        "sequential": {"window_days": 1, "options": ExportOptions(windows_in_flight=1)},
    }
    outputs = {}
    for name, kwargs in variants.items():
        out = tmp_path / f"{name}.csv"
        await export_calls(client, out, start=START, end=END, per_page=50, **kwargs)  # type: ignore[arg-type]
        outputs[name] = out.read_bytes()
    assert len(set(outputs.values())) == 1
    ids = [r["id"] for r in read_csv(tmp_path / "daily.csv")]
    assert ids == [str(r["id"]) for r in await api_rows(client)]


async def test_filters_reach_the_api(client: CallerdeskClient, tmp_path: Path):
    out = tmp_path / "obd.ndjson"
    summary = await export_calls(
        client, out, start=START, end=END, format="ndjson", flow_type="WEBOBD"
    )
    expected = await api_rows(client, flow_type="WEBOBD")
    assert 0 < summary.rows == len(expected) < 3000
    assert [json.loads(x) for x in out.read_text().splitlines()] == [
        normalized(r) for r in expected
    ]
    with pytest.raises(ValueError, match="10-digit"):
        await export_calls(client, out, start=START, end=END, member_num="12")
    with pytest.raises(ValueError, match="cannot be filtered by"):
        await export(client, "members", out, filters={"flow_type": "IVR"})


async def test_empty_range_writes_a_header_only_file(client: CallerdeskClient, tmp_path: Path):
    out = tmp_path / "none.csv"
    summary = await export_calls(client, out, start="2024-01-01", end="2024-01-03")
    assert summary.rows == 0
    assert out.read_text().count("\n") == 1


async def test_app_calls_and_members(client: CallerdeskClient, tmp_path: Path):
    summary = await export_app_calls(client, tmp_path / "app.csv", start=START, end=END)
    expected = await client.app_calls.list(start_date=START, end_date=END).raw().collect()
    assert [r["id"] for r in read_csv(tmp_path / "app.csv")] == [str(r["id"]) for r in expected]
    assert summary.rows == len(expected) > 0

    summary = await export_members(client, tmp_path / "members.csv")
    rows = read_csv(tmp_path / "members.csv")
    assert summary.rows == len(rows) == 12
    assert "password" not in rows[0]
    assert all("password" not in r["extra"] for r in rows)
    await export_members(client, tmp_path / "members.ndjson", format="ndjson")
    assert "password" not in (tmp_path / "members.ndjson").read_text()


async def test_parquet_has_typed_columns(
    client: CallerdeskClient, sandbox: Sandbox, tmp_path: Path
):
    import pyarrow.parquet as pq  # the test extra installs it: a missing pyarrow must fail

    out = tmp_path / "calls.parquet"
    summary = await export_calls(
        client,
        out,
        start=START,
        end=END,
        format="parquet",
        options=ExportOptions(row_group_size=1000),
    )
    table = pq.read_table(out)
    assert table.num_rows == summary.rows == 3000
    assert pq.ParquetFile(out).num_row_groups == 3
    schema = table.schema
    assert str(schema.field("talk_duration").type) == "int64"
    assert str(schema.field("coin_deducted").type) == "double"
    # A zone name: Polars panics on a fixed "+05:30" zone.
    assert str(schema.field("startdatetime").type) == "timestamp[ms, tz=Asia/Kolkata]"
    assert str(schema.field("caller_num").type) == "string"
    meta = pq.ParquetFile(out).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"
    kv = {k.decode(): v.decode() for k, v in meta.metadata.items()}
    assert kv["callerdesk.report"] == "calls"
    assert (kv["callerdesk.start"], kv["callerdesk.end"]) == ("2025-01-01", "2025-01-10")
    assert kv["callerdesk.filters"] == "{}"
    assert kv["callerdesk.sdk_version"] == __version__
    assert datetime.fromisoformat(kv["callerdesk.exported_at"]).tzinfo is not None
    assert sandbox.authcode.encode() not in out.read_bytes()
    expected = await api_rows(client)
    got = table.to_pylist()
    assert [r["id"] for r in got] == [r["id"] for r in expected]
    first, api = got[0], expected[0]
    assert first["startdatetime"].strftime("%Y-%m-%d %H:%M:%S") == api["startdatetime"]
    assert first["startdatetime"].utcoffset().total_seconds() == 19800
    assert first["talk_duration"] == int(api["talk_duration"])
    assert first["caller_num"] == api["caller_num"]  # leading zero kept
    never = [
        r for r, a in zip(got, expected, strict=True) if a["enddatetime"] == "0000-00-00 00:00:00"
    ]
    assert never and all(r["enddatetime"] is None for r in never)


async def test_parquet_without_pyarrow_names_the_extra(
    client: CallerdeskClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from callerdesk_async.export import _parquet

    monkeypatch.setattr(_parquet, "pa", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'callerdesk-async\[parquet\]'"):
        await export_calls(client, tmp_path / "x.parquet", start=START, end=END, format="parquet")
    assert not list(tmp_path.iterdir())


async def test_failure_leaves_no_partial_file(client: CallerdeskClient, tmp_path: Path):
    out = tmp_path / "calls.csv"
    out.write_text("the previous export\n")

    def boom(progress: ExportProgress) -> None:
        if progress.pages == 5:
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        await export_calls(client, out, start=START, end=END, on_progress=boom)
    assert out.read_text() == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calls.csv"]


async def test_progress_reports_rows_total_and_eta(client: CallerdeskClient, tmp_path: Path):
    seen: list[ExportProgress] = []
    await export_calls(client, tmp_path / "c.csv", start=START, end=END, on_progress=seen.append)
    assert seen[0].rows == 0 and seen[0].total == 3000
    assert [p.rows for p in seen] == sorted(p.rows for p in seen)
    last = seen[-1]
    assert last.rows == 3000 and last.eta == 0 and last.rate > 0
    assert last.windows == 4 and last.pages == len(seen) - 1


async def test_throttling_and_retries_are_survived_and_counted(tmp_path: Path):
    async with Sandbox(make_config(fault_429=0.1, fault_5xx=0.05, retry_after_seconds=0.0)) as sb:
        retry = RetryPolicy(max_retries=10, initial=0.01, max_delay=0.05)
        async with CallerdeskClient(sb.authcode, base_url=sb.base_url, retry=retry) as cd:
            summary = await export_calls(cd, tmp_path / "a.csv", start=START, end=END, per_page=25)
        sb.configure(fault_429=0.0)
        async with CallerdeskClient(sb.authcode, base_url=sb.base_url) as cd:
            await export_calls(cd, tmp_path / "b.csv", start=START, end=END)
    assert summary.throttled > 0 and summary.retries > 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


async def test_concurrent_exports_on_one_client_count_only_their_own_retries_and_429s(
    tmp_path: Path,
):
    config = make_config(app_calls=500, fault_429=0.3, retry_after_seconds=0.0)
    answered: Counter[tuple[str, int]] = Counter()
    retried: Counter[str] = Counter()

    def on_response(view: ResponseView) -> None:
        answered[view.request.endpoint, view.status] += 1

    def on_retry(view: RetryView) -> None:
        retried[view.request.endpoint] += 1

    hooks = {"response": [on_response], "retry": [on_retry]}
    retry = RetryPolicy(max_retries=30, initial=0.001, max_delay=0.005)
    async with (
        Sandbox(config) as sb,
        CallerdeskClient(sb.authcode, base_url=sb.base_url, retry=retry, event_hooks=hooks) as cd,
    ):
        before = cd.stats
        with tallied() as both:
            calls, app_calls = await asyncio.gather(
                export_calls(cd, tmp_path / "c.csv", start=START, end=END, per_page=10),
                export_app_calls(cd, tmp_path / "a.csv", start=START, end=END, per_page=10),
            )
        after = cd.stats
    assert calls.rows == 3000 and app_calls.rows == 500
    assert calls.throttled == answered["call_list_v2", 429] > 0
    assert app_calls.throttled == answered["app_call_list_v2", 429] > 0
    assert calls.retries == retried["call_list_v2"] > 0
    assert app_calls.retries == retried["app_call_list_v2"] > 0
    # The client's totals are the sum of both; an enclosing tally sees both too.
    assert after.throttled - before.throttled == calls.throttled + app_calls.throttled
    assert after.retries - before.retries == calls.retries + app_calls.retries
    assert (both.throttled, both.retries) == (
        calls.throttled + app_calls.throttled,
        calls.retries + app_calls.retries,
    )


async def test_bad_arguments(client: CallerdeskClient, tmp_path: Path):
    with pytest.raises(ValueError, match="format"):
        await export_calls(client, tmp_path / "a", start=START, end=END, format="xml")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="does not exist"):
        await export_calls(client, tmp_path / "no" / "a.csv", start=START, end=END)
    with pytest.raises(ValueError, match="after"):
        await export_calls(client, tmp_path / "a.csv", start=END, end=START)
    with pytest.raises(ValueError, match="needs a start"):
        await export(client, "calls", tmp_path / "a.csv")
    with pytest.raises(ValueError, match="known reports"):
        await export(client, "sms", tmp_path / "a.csv")
    assert not list(tmp_path.iterdir())
    _ = io


async def test_contacts_whole_and_by_saved_date(client: CallerdeskClient, tmp_path: Path):
    everything = await client.contacts.list().raw().collect()
    summary = await export_contacts(client, tmp_path / "all.ndjson", format="ndjson")
    assert summary.rows == len(everything) == 40 and summary.windows == 1
    assert [json.loads(x) for x in (tmp_path / "all.ndjson").read_text().splitlines()] == [
        normalized(c, Contact) for c in everything
    ]
    days = sorted({str(c["contact_savedate"])[:10] for c in everything})
    first, last = days[0], days[-1]
    unmerged = ExportOptions(merge_pages=0)  # the 2-day windows as cut
    summary = await export_contacts(
        client, tmp_path / "c.csv", start=first, end=last, window_days=2, per_page=7,
        options=unmerged,
    )  # fmt: skip
    rows = read_csv(tmp_path / "c.csv")
    expected = await client.contacts.list(start_date=first, end_date=last).raw().collect()
    assert [r["contact_id"] for r in rows] == [str(c["contact_id"]) for c in expected]
    assert list(rows[0])[:2] == ["contact_id", "contact_num"]
    span = (date.fromisoformat(last) - date.fromisoformat(first)).days + 1
    assert summary.windows == -(-span // 2)
    merged = await export_contacts(
        client, tmp_path / "m.csv", start=first, end=last, window_days=2, per_page=7
    )
    assert merged.windows == 1  # 40 contacts: 6 pages of 7, under the 10 pages a merge may hold
    assert (tmp_path / "m.csv").read_bytes() == (tmp_path / "c.csv").read_bytes()
    summary = await export_contacts(
        client, tmp_path / "d.csv", start=first, end=last, options=unmerged
    )
    assert summary.windows == -(-span // 31)  # contacts' own default window
    with pytest.raises(ValueError, match="start and an end"):
        await export_contacts(client, tmp_path / "x.csv", start=first)
    with pytest.raises(TypeError, match="window_days"):
        await export_members(client, tmp_path / "m.csv", window_days=2)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="per_pag"):
        await export_contacts(client, tmp_path / "x.csv", per_pag=5)  # type: ignore[call-arg]
