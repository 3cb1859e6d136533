"""Differential test: every compiled structurer against a plain reference path.

The reference reads each declared field with the public ``parse_*`` functions (and a loose
enum's ``parse``), one field at a time, and applies the lenient policy by hand: a value a
function refuses leaves the attribute at its default and goes to ``extra``. The compiled code
(inline shortcuts, key counting, builders) must agree with it on random rows: random subsets
of declared keys, unknown keys, shuffled order and values of the shapes the API sends.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import callerdesk_async.models as models
from callerdesk_async._convert import (
    ConversionError,
    Decoding,
    LooseIntEnum,
    parse_date,
    parse_datetime,
    parse_float,
    parse_int,
    structurer_for,
)
from callerdesk_async._rules import parse_bool, parse_duration, parse_required_int, parse_str

MODELS = sorted(
    (m for m in vars(models).values() if isinstance(m, type) and attrs.has(m)),
    key=lambda m: m.__name__,
)

_REFERENCE: dict[Any, Callable[[Any], Any]] = {
    int | None: parse_int,
    float | None: parse_float,
    datetime | None: parse_datetime,
    date | None: parse_date,
    str | None: parse_str,
    bool | None: parse_bool,
    timedelta | None: parse_duration,
    int: parse_required_int,
}


def _api_key(field: attrs.Attribute[Any]) -> str:
    return str(field.metadata.get("callerdesk_api_key", field.name))


def _default(field: attrs.Attribute[Any]) -> Any:
    default = field.default
    return default.factory() if isinstance(default, attrs.Factory) else default  # type: ignore[arg-type]


def _nested_model(annotation: Any) -> tuple[type, bool] | None:
    args = getattr(annotation, "__args__", ())
    if getattr(annotation, "__origin__", None) is list and attrs.has(args[0]):
        return args[0], True
    inner = [a for a in args if a is not type(None)]
    if len(inner) == 1 and attrs.has(inner[0]):
        return inner[0], False
    return None


@attrs.frozen
class _Expected:
    """A nested model as the reference reads it."""

    cls: type
    values: dict[str, Any]


def _reference_value(annotation: Any, value: Any, odd_seen: list[str]) -> Any:
    nested = _nested_model(annotation)
    if nested is not None:
        cls, many = nested
        if many:
            if value is None or value == "":
                return []
            items = [value] if isinstance(value, Mapping) else value
            if not isinstance(items, list):
                raise ValueError("not a list")
            return [_Expected(cls, _reference(cls, item, odd_seen)) for item in items]
        if isinstance(value, list):
            value = value[0] if value else None
        return (
            None
            if value is None or value == ""
            else _Expected(cls, _reference(cls, value, odd_seen))
        )
    if annotation is Any:
        return value
    for candidate in getattr(annotation, "__args__", (annotation,)):
        if isinstance(candidate, type) and issubclass(candidate, LooseIntEnum):
            return candidate.parse(value)
    return _REFERENCE[annotation](value)


def _reference(cls: type, row: Any, odd_seen: list[str]) -> dict[str, Any]:
    """What a lenient read of ``row`` gives, attribute by attribute (``extra`` included);
    the API keys of the values it had to repair, nested ones too, are added to ``odd_seen``."""
    if not isinstance(row, Mapping):
        raise ValueError("not an object")
    out: dict[str, Any] = {}
    declared = set()
    odd: dict[str, Any] = {}
    for field in attrs.fields(attrs.resolve_types(cls)):
        if field.name == "extra":
            continue
        if not field.init:
            out[field.name] = _default(field)
            continue
        key = _api_key(field)
        declared.add(key)
        if key not in row:
            out[field.name] = _default(field)
            continue
        try:
            out[field.name] = _reference_value(field.type, row[key], odd_seen)
        except ValueError:
            out[field.name] = _default(field)
            odd[key] = row[key]
            odd_seen.append(key)
    out["extra"] = {k: v for k, v in row.items() if k not in declared} | odd
    return out


def _comparable(value: Any) -> Any:
    """A value with what equality alone does not check: zone names, float kinds, nesting."""
    if isinstance(value, datetime):
        return (value, value.tzname(), value.utcoffset())
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, LooseIntEnum):
        return (type(value), value.name, int(value))
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _comparable(v) for k, v in value.items()}
    if isinstance(value, _Expected):
        return (value.cls, _comparable(value.values))
    if attrs.has(type(value)):
        fields = attrs.fields(type(value))
        return (type(value), _comparable({f.name: getattr(value, f.name) for f in fields}))
    return (type(value), value)


_DIGITS = st.integers(0, 10**6).map(str)
_STAMP = st.datetimes(datetime(1971, 1, 1), datetime(2099, 12, 31)).map(
    lambda d: d.replace(microsecond=0)
)
_TIMESTAMPS = st.one_of(
    _STAMP.map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S")),
    _STAMP.map(lambda d: d.strftime("%Y-%m-%dn%H:%M:%S")),
    _STAMP.map(lambda d: d.strftime("%Y-%m-%d")),
    _STAMP.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S+00:00")),
    _STAMP.map(lambda d: d.strftime("%Y-%m-%d %H:%M")),
    _STAMP.map(lambda d: f" {d:%Y-%m-%d %H:%M:%S} "),
    st.sampled_from(["0000-00-00 00:00:00", "0000-00-00", "2026-13-01 00:00:00",
                     "2026-02-30 10:00:00", "9999-12-31 23:59:59", "1000-01-01 00:00:0x"]),
)  # fmt: skip
_NUMBERS = st.one_of(
    _DIGITS,
    _DIGITS.map(lambda d: "0" + d),
    _DIGITS.map(lambda d: f" {d} "),
    _DIGITS.map(lambda d: d + ".0"),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["1.5", "-0", "1e3", "1_000", "nan", "inf", "0x10", "٣", "abc", " ", "1e400"]),
)  # fmt: skip
VALUES = st.one_of(
    st.none(),
    st.just(""),
    st.booleans(),
    _NUMBERS,
    _TIMESTAMPS,
    st.text(max_size=8),
    st.sampled_from(["yes", "no", "true", "off", "maybe", "null", "None"]),
    st.sampled_from(["05:12:40", "12:40", " 1:02:03 ", "99:59:59", "1:60:00", "-5"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["member_id", "x"]), st.integers(), max_size=2),
)


@st.composite
def rows(draw: st.DrawFn, cls: type) -> dict[str, Any]:
    keys = [_api_key(f) for f in attrs.fields(cls) if f.init and f.name != "extra"]
    row = {k: draw(VALUES) for k in keys if draw(st.integers(0, 4))}  # mostly present
    if draw(st.booleans()):  # timestamps repeating one another (the inline parse is reused)
        stamp = draw(_TIMESTAMPS)
        row.update(dict.fromkeys(("call_date", "startdatetime", "LegB_Start_time"), stamp))
    unknown = draw(st.dictionaries(st.sampled_from(["new", "Extra_1", "extra", "x"]), VALUES))
    items = list(row.items()) + list(unknown.items())
    return dict(draw(st.permutations(items)))


@given(data=st.data())
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_compiled_structurers_agree_with_the_parse_functions(data: st.DataObject) -> None:
    cls = data.draw(st.sampled_from(MODELS), label="model")
    row = data.draw(rows(cls), label="row")
    odd_seen: list[str] = []
    expected = _reference(cls, row, odd_seen)
    logging.disable(logging.WARNING)  # the lenient warnings are checked elsewhere
    try:
        obj = structurer_for(cls, Decoding().at("test"))(row)
    finally:
        logging.disable(logging.NOTSET)
    assert type(obj) is cls
    got = {f.name: getattr(obj, f.name) for f in attrs.fields(cls)}
    assert _comparable(got) == _comparable(expected)
    # Strict decoding fails exactly the rows the lenient one had to repair.
    if odd_seen:
        with pytest.raises(ConversionError):
            structurer_for(cls)(row)
    else:
        assert _comparable(structurer_for(cls)(row)) == _comparable(obj)


def test_every_sdk_model_is_covered() -> None:
    assert len(MODELS) >= 25 and models.CallRecord in MODELS and models.CallGroup in MODELS
