"""Arrow arrays built from buffers (to keep pandas out of an export) equal pyarrow.array's."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callerdesk_async.export._arrow import arrow_array
from callerdesk_async.export._parquet import _arrow_type

IST = timezone(timedelta(hours=5, minutes=30))
VALUES: dict[str, Any] = {
    "int": st.integers(-(2**63), 2**63 - 1),
    "float": st.floats(allow_nan=False),
    "bool": st.booleans(),
    "str": st.text(),
    "datetime": st.datetimes(
        min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(IST)
    ).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)),
    "date": st.dates(min_value=date(1900, 1, 1)),
}


pa.array([0])  # its first call imports pandas (seconds): not during a timed draw


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(VALUES)).flatmap(
        lambda kind: st.tuples(st.just(kind), st.lists(st.none() | VALUES[kind], max_size=70))
    )
)
def test_same_array_as_pyarrow(case: tuple[str, list[Any]]):
    kind, values = case
    got = arrow_array(pa, _arrow_type(kind), kind, values)  # type: ignore[arg-type]
    got.validate(full=True)
    assert got.equals(pa.array(values, type=_arrow_type(kind)))  # type: ignore[arg-type]
    assert got.null_count == values.count(None)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
TIMESTAMP_TEXT = st.one_of(
    # The API's form, and near misses the fast path must leave to parse_datetime.
    st.datetimes(min_value=datetime(1, 1, 1)).map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S")),
    st.datetimes(timezones=st.just(IST)).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dn%H:%M:%S")),
    st.datetimes().map(lambda d: f" {d:%Y-%m-%d %H:%M:%S} "),
    st.sampled_from(
        ["0000-00-00 00:00:00", "", "  ", "2026-13-01 00:00:00", "2026-01-01 24:00:00"]
    ),
    st.text(max_size=25),
    st.builds(lambda s: s[:19].ljust(19, "0"), st.text(alphabet="0123456789- :", min_size=19)),
)


@given(value=st.one_of(TIMESTAMP_TEXT, st.none(), st.integers(), VALUES["datetime"]))
def test_datetime_milliseconds_equal_those_of_parse_datetime(value: object) -> None:
    from callerdesk_async._rules import parse_datetime
    from callerdesk_async.export._parquet import _datetime_ms

    try:
        parsed = parse_datetime(value)
    except ValueError as refused:
        with pytest.raises(ValueError, match=re.escape(str(refused))):
            _datetime_ms(value)  # refused with the same message
        return
    want = None if parsed is None else (parsed - _EPOCH) // timedelta(milliseconds=1)
    assert _datetime_ms(value) == want
