"""The Parquet writer's column-by-column conversion against the per-value definition
(``_PARSERS``, one value at a time, arrays by ``pyarrow.array``) on pages of any shape."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callerdesk_async.export import columns_for
from callerdesk_async.export._errors import ExportError
from callerdesk_async.export._parquet import _PARSERS, ParquetRowWriter, _arrow_type
from callerdesk_async.export._writers import _extra_text, clean_text
from callerdesk_async.models import CallRecord, Contact

from .test_writer_properties import (
    USUAL_ROW,
    contact_pages,
    pages,
    scalars,
    timestamp_values,
)

numbers_as_text = st.one_of(
    st.integers(-(2**40), 2**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["007", " 5", "5 ", "+5", "1_000", "٣", "4.0", "4.5", "", "  ", "1e400"]),
)


SAMPLE = {"int": "7", "float": "0.5", "bool": "1", "date": "2026-10-01", "str": "x"}
TYPED_ROW = {c.key: USUAL_ROW[c.key] for c in columns_for(CallRecord)} | {
    c.key: SAMPLE[c.kind] for c in columns_for(CallRecord) if c.kind != "datetime"
}
"""A call row every column reads without a fault."""


def reference_batch(rows: list[dict[str, Any]], model: type) -> Any:
    columns = columns_for(model)
    known = frozenset(c.key for c in columns)
    arrays = []
    for column in columns:
        parse = _PARSERS[column.kind]
        try:
            cells = [parse(row.get(column.key)) for row in rows]
            arrays.append(pa.array(cells, type=_arrow_type(column.kind)))
        except (ValueError, OverflowError):  # no value / past int64: the column is named
            raise ExportError(f"column {column.name!r}") from None
    extra = [clean_text(_extra_text(row, known)) or None for row in rows]
    arrays.append(pa.array(extra, type=pa.string()))
    return arrays


def check(rows: list[dict[str, Any]], model: type = CallRecord) -> None:
    writer = ParquetRowWriter(columns_for(model))
    try:
        want = reference_batch(rows, model)
    except ExportError as error:
        with pytest.raises(ExportError, match=str(error)):
            writer._batch(rows)
        return
    got = writer._batch(rows)
    assert got.columns == want


@given(page=pages)
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_call_pages_match_the_per_value_definition(page: list[dict[str, Any]]) -> None:
    check(page)


@given(
    page=st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "total_duration": numbers_as_text,
                "talk_duration": st.one_of(numbers_as_text, scalars),
                "coin_deducted": numbers_as_text,
                "caller_name": st.one_of(st.text(), scalars),
                "startdatetime": timestamp_values,
            },
        ).map(lambda extra: TYPED_ROW | extra),
        min_size=1,
        max_size=8,
    )
)
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_number_and_text_columns_match_the_definition(page: list[dict[str, Any]]) -> None:
    check(page)


@given(page=contact_pages)
@settings(max_examples=200, deadline=None)
def test_contact_pages_match_the_definition(page: list[dict[str, Any]]) -> None:
    check(page, Contact)


@pytest.mark.parametrize(
    "changes",
    [
        [{"coin_deducted": "nan"}],  # float() reads it; parse_float refuses it
        [{"coin_deducted": "1e400"}, {"coin_deducted": "2.5"}],  # an infinity
        [{"coin_deducted": " 2.5 "}, {"coin_deducted": "1_0"}],
        [{"caller_name": "lone \ud800 surrogate"}, {"caller_name": "é"}],  # cleaned to U+FFFD
        [{"zeta": 1}],  # every known key and one more: extra is not empty
        [{"total_duration": "٣"}, {"total_duration": "12"}],
        [{"total_duration": "²"}],
        [{"total_duration": str(2**63)}],  # past int64: the column is named
    ],
)
def test_pages_one_change_away_from_the_usual(changes: list[dict[str, Any]]) -> None:
    check([TYPED_ROW | change for change in changes] + [TYPED_ROW])
    assert ParquetRowWriter(columns_for(CallRecord))._batch([TYPED_ROW]).num_rows == 1


def test_pages_buffered_for_conversion_keep_row_groups_and_content(tmp_path: Any) -> None:
    """Rows are converted CONVERT_ROWS at a time, yet row groups keep their size and the file
    holds every row in order (the last, short group written by close)."""
    import pyarrow.parquet as pq

    from callerdesk_async.export._parquet import CONVERT_ROWS

    rows = [TYPED_ROW | {"id": str(i), "total_duration": str(i)} for i in range(2_537)]
    assert len(rows) > 2 * CONVERT_ROWS
    path = tmp_path / "calls.parquet"
    with open(path, "wb") as f:
        writer = ParquetRowWriter(columns_for(CallRecord), row_group_size=700)
        writer.begin(f)
        for start in range(0, len(rows), 100):
            writer.write(rows[start : start + 100])
        writer.close()
    meta = pq.ParquetFile(path).metadata
    groups = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert groups == [700, 700, 700, 437]
    table = pq.read_table(path)
    assert table.column("id").to_pylist() == [r["id"] for r in rows]
    assert [c.combine_chunks() for c in table.columns] == reference_batch(rows, CallRecord)
