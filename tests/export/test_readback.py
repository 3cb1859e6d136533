"""Bar 1 of issue 17: every format, compressed or not, read back by pandas, Polars and DuckDB
with the one-line recipes of docs/export.md: same rows, same ids, aware (or ISO 8601 with
offset) timestamps, phone numbers with their leading zero."""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import polars as pl
import pytest
import zstandard

from callerdesk_async import CallerdeskClient
from callerdesk_async._convert import IST
from callerdesk_async.export import export_calls, text_columns

from .conftest import END, START, api_rows

FILES = ("calls.csv", "calls.csv.gz", "calls.ndjson", "calls.ndjson.zst", "calls.parquet")

# The recipes, exactly as docs/export.md gives them (one line per tool and format).
READERS: dict[str, dict[str, Any]] = {
    "csv": {
        "pandas": lambda p: pd.read_csv(p, dtype=dict.fromkeys(text_columns("calls"), "string")),
        "polars": lambda p: pl.read_csv(
            p,
            schema_overrides=dict.fromkeys(text_columns("calls"), pl.String),
            try_parse_dates=True,
        ),
        "duckdb": lambda p: duckdb.read_csv(
            str(p), dtype=dict.fromkeys(text_columns("calls"), "VARCHAR")
        ),
    },
    "ndjson": {
        "pandas": lambda p: pd.read_json(p, lines=True, dtype=False),
        "polars": lambda p: pl.read_ndjson(p, infer_schema_length=None),
        "duckdb": lambda p: duckdb.read_json(str(p)),
    },
    "parquet": {
        "pandas": lambda p: pd.read_parquet(p),
        "polars": lambda p: pl.read_parquet(p),
        "duckdb": lambda p: duckdb.read_parquet(str(p)),
    },
}


def columns(frame: Any, *names: str) -> list[list[Any]]:
    """Columns of a pandas/Polars frame or a DuckDB relation as Python lists."""
    if isinstance(frame, pd.DataFrame):
        return [[None if pd.isna(v) else v for v in frame[n].tolist()] for n in names]
    if isinstance(frame, pl.DataFrame):
        return [frame[n].to_list() for n in names]
    rows = frame.select(", ".join(names)).fetchall()
    return [list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in names]


def aware(value: Any) -> datetime:
    """A timestamp cell as an aware datetime: typed (aware) or ISO 8601 text with offset."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    assert isinstance(value, datetime) and value.utcoffset() is not None, value
    return value


@pytest.fixture
async def exported(client: CallerdeskClient, tmp_path: Path) -> dict[str, Path]:
    for name in FILES:
        await export_calls(client, tmp_path / name, start=START, end=END, per_page=70)
    return {name: tmp_path / name for name in FILES}


async def test_every_format_reads_back_in_every_tool(
    client: CallerdeskClient, exported: dict[str, Path]
):
    expected = await api_rows(client)
    ids = [str(r["id"]) for r in expected]
    callers = [r["caller_num"] for r in expected]
    assert sum(c.startswith("0") for c in callers) > 100  # the sandbox's numbers do have them
    starts = [datetime.fromisoformat(r["startdatetime"]) for r in expected]
    ends = [r["enddatetime"] for r in expected]
    assert "0000-00-00 00:00:00" in ends  # and the "never" sentinel appears
    for name, path in exported.items():
        fmt = name.split(".")[1]
        for tool, read in READERS[fmt].items():
            got_ids, got_callers, got_starts, got_ends = columns(
                read(path), "id", "caller_num", "startdatetime", "enddatetime"
            )
            where = f"{name} via {tool}"
            assert [str(i) for i in got_ids] == ids, where
            assert got_callers == callers, where
            got = [aware(v).timestamp() for v in got_starts]
            assert got == [s.replace(tzinfo=IST).timestamp() for s in starts], where
            never = [i for i, e in enumerate(ends) if e == "0000-00-00 00:00:00"]
            assert all(got_ends[i] is None for i in never), where


async def test_compressed_files_hold_the_plain_bytes(exported: dict[str, Path]):
    plain_csv = exported["calls.csv"].read_bytes()
    assert gzip.decompress(exported["calls.csv.gz"].read_bytes()) == plain_csv
    reader = zstandard.ZstdDecompressor().stream_reader(
        exported["calls.ndjson.zst"].read_bytes(), read_across_frames=True
    )
    assert reader.read() == exported["calls.ndjson"].read_bytes()


AWKWARD_NAMES = ["cr\ronly", "crlf\r\nend", "lf\nend", 'a "quoted", name', "plain", "é ü ह"]


def test_awkward_text_reads_back_in_every_tool(tmp_path: Path):
    """Line breaks (a lone CR too), quotes and commas inside a cell survive every reader: a
    lone CR left unquoted (as ``csv.writer(lineterminator="\\n")`` leaves it) splits the row
    in pandas and ``csv.reader`` and stops DuckDB's sniffer."""
    from callerdesk_async.export import columns_for
    from callerdesk_async.export._writers import CsvWriter
    from callerdesk_async.models import CallRecord

    path = tmp_path / "calls.csv"
    rows = [
        {"id": str(i), "caller_num": f"0{i}", "caller_name": name}
        for i, name in enumerate(AWKWARD_NAMES)
    ]
    with open(path, "wb") as f:
        writer = CsvWriter(columns_for(CallRecord))
        writer.begin(f)
        writer.write(rows)
    for tool, read in READERS["csv"].items():
        ids, callers, names = columns(read(path), "id", "caller_num", "caller_name")
        assert [str(i) for i in ids] == [r["id"] for r in rows], tool
        assert callers == [r["caller_num"] for r in rows], tool
        assert names == AWKWARD_NAMES, tool
