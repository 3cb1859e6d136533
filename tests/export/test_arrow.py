"""Arrow arrays built from buffers (to keep pandas out of an export) equal pyarrow.array's."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pyarrow as pa
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
