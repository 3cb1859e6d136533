"""The CSV writer against a row-by-row reference, on pages of any shape (property tests).

The writer converts a page column by column and rewrites a batch of the API's usual
timestamps as one text; these tests hold it to the plain definition of every cell, one row
and one value at a time, on rows the sandbox never produces: missing, unknown and reordered
keys, mixed types, near-miss timestamps, sentinels, quotes and line breaks.
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import datetime
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callerdesk_async._convert import parse_datetime
from callerdesk_async.export import _writers, columns_for
from callerdesk_async.export._writers import CsvWriter, NdjsonWriter, iso_date, iso_timestamp
from callerdesk_async.models import CallRecord, Contact

CALL_COLUMNS = columns_for(CallRecord)
CALL_KEYS = [c.key for c in CALL_COLUMNS]

usual_timestamps = st.datetimes(min_value=datetime(1000, 1, 1)).map(
    lambda d: d.strftime("%Y-%m-%d %H:%M:%S")
)
near_misses = st.sampled_from(
    [
        "0000-00-00 00:00:00",
        "0000-00-00 00:00:01",
        "0000-00-00",
        "",
        "2026-10-01T09:30:00",
        "2026-10-01T09:30:00+05:30",
        "2026-10-01 09:30:00+00:00",
        "2026-10-01 09:30 00",
        "2026-10-01  9:30:00",
        "2026-10-01 09:30:0",
        "2026-10-01 09:30:000",
        "2026-10-01 09:30:00\n",
        "2026-10-01\n09:30:00",
        "2026/10/01 09:30:00",
        "2026-10-01n09:30:00",
        "0026-10-01 09:30:00",
        "not a timestamp....",
    ]
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(
        ['a "quoted", text', "line\nbreak", "cr\ronly", "crlf\r\n", "0987654321", "x},{y", "é ü ह"]
    ),
)
values = st.one_of(
    scalars,
    st.just([{"a": 1}, {"b": "},{"}]),
    st.lists(scalars, max_size=3),
    st.dictionaries(st.text(max_size=4), scalars, max_size=3),
)
timestamp_values = st.one_of(usual_timestamps, usual_timestamps, near_misses, values)


@st.composite
def rows(draw: st.DrawFn, *, shaped: bool, stamps: st.SearchStrategy[Any]) -> dict[str, Any]:
    """A call row. ``shaped``: exactly the known keys in order, text in the other columns
    (the API's usual row); otherwise keys missing, reordered and unknown, values of any type.
    Timestamp columns hold values from ``stamps``."""
    kinds = {c.key: c.kind for c in CALL_COLUMNS}
    keys = CALL_KEYS if shaped else draw(st.permutations(CALL_KEYS))
    other = st.text(max_size=8) if shaped else values
    row = {}
    for key in keys:
        if shaped or draw(st.integers(0, 9)):
            row[key] = draw(stamps if kinds[key] == "datetime" else other)
    if not shaped:
        row.update(draw(st.dictionaries(st.sampled_from(["zeta", "alpha", "Extra"]), values)))
    return row


usual_or_never = st.one_of(usual_timestamps, st.just("0000-00-00 00:00:00"))
pages = st.one_of(
    st.lists(rows(shaped=True, stamps=usual_or_never), max_size=12),
    st.lists(rows(shaped=True, stamps=st.one_of(usual_or_never, near_misses)), max_size=4),
    st.lists(rows(shaped=True, stamps=timestamp_values), max_size=12),
    st.lists(
        st.one_of(
            rows(shaped=True, stamps=usual_or_never), rows(shaped=False, stamps=timestamp_values)
        ),
        max_size=12,
    ),
)


def as_json(value: Any, *, sort_keys: bool = True) -> str:
    """Sorted compact JSON, a NaN or infinity anywhere inside as ``null`` (bare NaN is not JSON)."""

    def finite(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: finite(x) for k, x in v.items()}
        if isinstance(v, list):
            return [finite(x) for x in v]
        return v

    return json.dumps(finite(value), separators=(",", ":"), sort_keys=sort_keys, ensure_ascii=False)


def reference_cell(value: Any, kind: str) -> Any:
    """One cell as defined: nested values as JSON, booleans as true/false, then timestamps
    through ``iso_timestamp`` and dates through ``iso_date``."""
    if isinstance(value, (dict, list)):
        value = as_json(value)
    elif isinstance(value, bool):
        value = "true" if value else "false"
    if kind == "datetime":
        return iso_timestamp(value)
    if kind == "date":
        return iso_date(value)
    return value


def reference_texts(page: list[dict[str, Any]], model: type = CallRecord) -> list[list[str]]:
    """Every row's cell texts, one row and one value at a time."""
    columns = columns_for(model)
    known = {c.key for c in columns}
    texts = []
    for row in page:
        extra = {k: v for k, v in row.items() if k not in known}
        cells = [reference_cell(row.get(c.key), c.kind) for c in columns]
        texts.append(
            ["" if v is None else str(v) for v in cells] + [as_json(extra) if extra else ""]
        )
    return texts


def rfc4180(rows: list[list[str]]) -> bytes:
    """RFC 4180 with LF line ends: a cell holding a quote, comma, CR or LF is quoted."""

    def cell(text: str) -> str:
        if any(c in text for c in '",\r\n'):
            return '"' + text.replace('"', '""') + '"'
        return text

    return "".join(",".join(map(cell, row)) + "\n" for row in rows).encode("utf-8")


def reference_csv(page: list[dict[str, Any]], model: type = CallRecord) -> bytes:
    return rfc4180(reference_texts(page, model))


def written(
    page: list[dict[str, Any]],
    chunks: list[int],
    model: type = CallRecord,
    writer_type: Any = CsvWriter,
) -> bytes:
    """What ``writer_type`` writes for ``page`` handed over in pieces of ``chunks`` rows."""
    buf = io.BytesIO()
    writer = writer_type(columns_for(model))
    writer.resume(buf)  # no header: the bytes of the rows alone
    start = 0
    for size in [*chunks, len(page)]:
        writer.write(page[start : start + size])
        start += size
    return buf.getvalue()


@given(page=pages, chunks=st.lists(st.integers(0, 5), max_size=3))
@settings(max_examples=700, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_csv_pages_match_the_row_by_row_definition(
    page: list[dict[str, Any]], chunks: list[int]
) -> None:
    data = written(page, chunks)
    assert data == reference_csv(page)
    # and any CSV reader gets the cells back, line breaks and quotes inside them included
    assert list(csv.reader(io.StringIO(data.decode(), newline=""))) == reference_texts(page)


@given(stamps=st.lists(usual_or_never, min_size=1))
@settings(max_examples=300, deadline=None)
def test_a_page_of_usual_timestamps_is_iso_with_offset(stamps: list[str]) -> None:
    page = [dict.fromkeys(CALL_KEYS, "x") | {"startdatetime": s} for s in stamps]
    lines = written(page, []).decode().splitlines()
    index = CALL_KEYS.index("startdatetime")
    got = [next(csv.reader([line]))[index] for line in lines]
    want = [parsed.isoformat() if (parsed := parse_datetime(s)) else "" for s in stamps]
    assert got == want


contact_pages = st.lists(
    st.dictionaries(
        st.sampled_from(["id", "contact_savedate", "contact_followupdate", "other"]),
        st.one_of(timestamp_values, st.sampled_from(["2026-10-01", "0000-00-00"])),
    )
)


@given(page=contact_pages)
@settings(max_examples=200, deadline=None)
def test_contact_pages_match_the_definition(page: list[dict[str, Any]]) -> None:
    assert written(page, [], Contact) == reference_csv(page, Contact)
    assert_ndjson(page, [], Contact)


NEAR_MISS_BATCHES = [
    ["2026-10-01 09:30:0"],  # one character short, alone
    ["2026-10-01 09:30:0", "2026-10-01 09:30:000"],  # short and long: the right total
    ["2026-10-01 09:30:0", "\n2026-10-01 09:30:00"],  # a line break in a value
    ["2026-10-01 09:30:0", "X2026-10-01 09:30:00"],  # the right total, spaces and "-"s
    ["2026-10-01 09:30 00"],  # a second space
    ["2026-10-01T09:30 00"],  # no space at 10, one elsewhere
    ["2026/10/01 09:30:00"],
    ["0000-00-00 00:00:01"],  # starts with 0, not the sentinel
    ["0000-00-00 00:00:00", "0026-10-01 09:30:00", "2026-10-01 09:30:00"],
]

USUAL_ROW = {c.key: "2026-10-01 09:30:00" if c.kind == "datetime" else "x" for c in CALL_COLUMNS}


@pytest.mark.parametrize("stamps", NEAR_MISS_BATCHES)
@pytest.mark.parametrize("key", ["call_date", "LegB_Picked_time"])  # first and last batched
def test_near_miss_timestamps_in_an_otherwise_usual_page(stamps: list[str], key: str) -> None:
    """Each batch passes all but one of the checks that admit the batched rewrite."""
    page = [USUAL_ROW | {key: s} for s in stamps]
    assert written(page, []) == reference_csv(page)


def reference_ndjson(page: list[dict[str, Any]], model: type = CallRecord) -> bytes:
    """Each row as received, keys in its order, timestamps through ``iso_timestamp`` and
    dates through ``iso_date`` (nested values untouched), one compact JSON object a line."""
    kinds = {c.key: c.kind for c in columns_for(model)}
    pick = {"datetime": iso_timestamp, "date": iso_date}
    lines = []
    for row in page:
        normal = {k: pick[kinds[k]](v) if kinds.get(k) in pick else v for k, v in row.items()}
        lines.append(as_json(normal, sort_keys=False) + "\n")
    return "".join(lines).encode("utf-8")


def has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(has_float(v) for v in value.values())
    if isinstance(value, list):
        return any(has_float(v) for v in value)
    return False


def assert_ndjson(page: list[dict[str, Any]], chunks: list[int], model: type = CallRecord) -> None:
    """The bytes of the definition, written by the ``json`` module; with orjson, the same
    bytes unless a float is in the page (its exponent is written ``1e16``, not ``1e+16``),
    and always the same values."""
    want = reference_ndjson(page, model)
    with mock.patch.object(_writers, "_fast_dumps", None):
        assert ndjson_written(page, chunks, model) == want
    got = ndjson_written(page, chunks, model)
    if not any(has_float(row) for row in page):
        assert got == want
    assert [json.loads(x) for x in got.splitlines()] == [json.loads(x) for x in want.splitlines()]


def ndjson_written(
    page: list[dict[str, Any]], chunks: list[int], model: type = CallRecord
) -> bytes:
    return written(page, chunks, model, NdjsonWriter)


@given(page=pages, chunks=st.lists(st.integers(0, 5), max_size=3))
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_ndjson_pages_match_the_row_by_row_definition(
    page: list[dict[str, Any]], chunks: list[int]
) -> None:
    before = [dict(row) for row in page]
    assert_ndjson(page, chunks)
    assert page == before  # the rows handed in are not changed


@pytest.mark.parametrize("key", ["call_date", "LegB_Picked_time"])
def test_ndjson_near_misses_and_contacts(key: str) -> None:
    for stamps in NEAR_MISS_BATCHES:
        page = [USUAL_ROW | {key: s} for s in stamps]
        assert_ndjson(page, [])
    contacts = [
        {
            "id": "1",
            "contact_savedate": "2026-10-01 09:30:00",
            "contact_followupdate": "0000-00-00",
        },
        {
            "contact_savedate": "0000-00-00 00:00:00",
            "contact_followupdate": "2026-10-02",
            "id": "2",
        },
    ]
    assert_ndjson(contacts, [], Contact)
