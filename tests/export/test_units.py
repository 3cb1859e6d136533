"""Windows, columns and writers without a server."""

from __future__ import annotations

import csv
import io
import itertools
import json
from datetime import date

import pytest

from callerdesk_async.export import EXTRA_COLUMN, DateWindow, columns_for, split_windows
from callerdesk_async.export._writers import CsvWriter, NdjsonWriter, make_writer
from callerdesk_async.models import CallRecord, Member


def test_split_windows_newest_first_and_covering():
    windows = split_windows("2026-10-01", "2026-10-31", 7)
    assert windows[0] == DateWindow(date(2026, 10, 25), date(2026, 10, 31))
    assert windows[-1] == DateWindow(date(2026, 10, 1), date(2026, 10, 3))
    assert sum(w.days for w in windows) == 31
    for newer, older in itertools.pairwise(windows):
        assert (newer.start - older.end).days == 1


def test_split_windows_single_day_and_errors():
    assert split_windows(date(2026, 1, 1), date(2026, 1, 1)) == [
        DateWindow(date(2026, 1, 1), date(2026, 1, 1))
    ]
    with pytest.raises(ValueError, match="after"):
        split_windows("2026-01-02", "2026-01-01")
    with pytest.raises(ValueError, match="window_days"):
        split_windows("2026-01-01", "2026-01-02", 0)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        split_windows("01/01/2026", "2026-01-02")


def test_window_round_trips_through_json():
    window = DateWindow(date(2026, 10, 1), date(2026, 10, 7))
    assert DateWindow.from_dict(json.loads(json.dumps(window.to_dict()))) == window
    with pytest.raises(ValueError, match="not a valid DateWindow"):
        DateWindow.from_dict({"start": "2026-10-01"})
    with pytest.raises(ValueError, match="after its end"):
        DateWindow(date(2026, 10, 2), date(2026, 10, 1))


def test_columns_follow_the_model_with_api_keys_and_kinds():
    columns = columns_for(CallRecord)
    names = [c.name for c in columns]
    assert names[:3] == ["id", "sid_id", "file"]
    assert EXTRA_COLUMN not in names
    by_name = {c.name: c for c in columns}
    assert by_name["flow_type"].key == "Flow_type"
    assert by_name["legb_picked_time"].key == "LegB_Picked_time"
    assert by_name["talk_duration"].kind == "int"
    assert by_name["coin_deducted"].kind == "float"
    assert by_name["startdatetime"].kind == "datetime"
    assert by_name["caller_num"].kind == "str"
    assert {c.name: c.kind for c in columns_for(Member)}["access"] == "int"


def test_csv_cells_are_verbatim_with_extra_json():
    buf = io.BytesIO()
    writer = CsvWriter(columns_for(CallRecord))
    writer.begin(buf)
    writer.write(
        [
            {"id": "1", "Flow_type": "IVR", "caller_num": "0987", "is_contact": 0},
            {"id": "2", "caller_name": 'A "quoted", name\nline', "zeta": [1], "alpha": "x"},
            {"id": "3", "contact_id": None, "block": True, "file": {"a": 1}},
        ]
    )
    rows = list(csv.DictReader(io.StringIO(buf.getvalue().decode())))
    assert list(rows[0])[-1] == "extra"
    assert rows[0]["flow_type"] == "IVR"
    assert rows[0]["caller_num"] == "0987"
    assert rows[0]["is_contact"] == "0"
    assert rows[0]["extra"] == ""
    assert rows[1]["caller_name"] == 'A "quoted", name\nline'
    assert rows[1]["extra"] == '{"alpha":"x","zeta":[1]}'
    assert rows[2]["contact_id"] == ""
    assert rows[2]["block"] == "true"
    assert rows[2]["file"] == '{"a":1}'
    assert buf.getvalue().endswith(b"\n") and b"\r\n" not in buf.getvalue().split(b'"')[0]


def test_ndjson_keeps_the_api_row_and_key_order():
    buf = io.BytesIO()
    writer = NdjsonWriter()
    writer.begin(buf)
    writer.write([{"b": "1", "a": "é"}, {"id": None}])
    assert buf.getvalue().decode() == '{"b":"1","a":"é"}\n{"id":null}\n'


def test_page_boundaries_do_not_change_bytes():
    rows = [{"id": str(i), "caller_name": f"n,{i}"} for i in range(10)]
    one, many = io.BytesIO(), io.BytesIO()
    for buf, chunks in ((one, [rows]), (many, [rows[:3], rows[3:4], rows[4:]])):
        writer = CsvWriter(columns_for(CallRecord))
        writer.begin(buf)
        for chunk in chunks:
            writer.write(chunk)
    assert one.getvalue() == many.getvalue()


def test_unknown_format_is_rejected():
    with pytest.raises(ValueError, match="csv, ndjson, parquet"):
        make_writer("xlsx", (), row_group_size=10)
