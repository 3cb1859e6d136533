"""The converter: loose API types into typed models."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest

from callerdesk_async._convert import (
    IST,
    ConversionError,
    api_field,
    parse_datetime,
    parse_int,
    structure,
    structurer_for,
)
from callerdesk_async._structurer import uses_builder
from callerdesk_async.models import CallRecord, Member, MemberAccess, MemberStatus


def test_call_record_from_loose_row() -> None:
    row = {
        "id": "17",
        "sid_id": "1641549947.1751",
        "caller_num": "08120833324",
        "total_duration": "42",
        "talk_duration": "",
        "ringing_duration": 7,
        "startdatetime": "2026-01-02 10:11:12",
        "enddatetime": "0000-00-00 00:00:00",
        "coin_deducted": "1.5",
        "Flow_type": "WEBOBD",
        "LegB_Picked_time": "2026-01-02 10:11:30",
        "circle": None,
        "brand_new_field": {"x": 1},
    }
    call = structure(row, CallRecord)
    assert call.id == "17"
    assert call.caller_num == "08120833324"  # leading zero kept
    assert call.total_duration == 42
    assert call.talk_duration is None
    assert call.ringing_duration == 7
    assert call.startdatetime == datetime(2026, 1, 2, 10, 11, 12, tzinfo=IST)
    assert call.startdatetime is not None
    assert call.startdatetime.utcoffset() == timedelta(hours=5, minutes=30)
    assert call.enddatetime is None
    assert call.coin_deducted == 1.5
    assert call.flow_type == "WEBOBD"
    assert call.legb_picked_time is not None
    assert call.member_name is None  # missing optional key
    assert call.extra == {"brand_new_field": {"x": 1}}


def test_member_enums_keep_unknown_codes() -> None:
    member = structure({"member_id": "5", "access": "9", "status": "1"}, Member)
    assert member.member_id == 5
    assert member.access == 9
    assert member.access is not None and member.access.name == "UNKNOWN_9"
    assert member.status is MemberStatus.ACTIVE
    assert structure({"access": 1}, Member).access is MemberAccess.ADMIN


def test_password_is_not_in_repr() -> None:
    assert "hunter2" not in repr(structure({"password": "hunter2"}, Member))


@pytest.mark.parametrize(
    ("value", "expected"), [("42", 42), (42, 42), ("42.0", 42), ("", None), (None, None)]
)
def test_parse_int(value: object, expected: int | None) -> None:
    assert parse_int(value) == expected


def test_parse_int_rejects_junk() -> None:
    with pytest.raises(ValueError, match="expected an integer, got text that is not a number"):
        parse_int("abc")
    with pytest.raises(ValueError, match="expected an integer"):
        parse_int("4.5")


def test_parse_datetime_forms() -> None:
    expected = datetime(2020, 4, 9, 13, 46, 56, tzinfo=IST)
    assert parse_datetime("2020-04-09 13:46:56") == expected
    assert parse_datetime("2020-04-09n13:46:56") == expected
    assert parse_datetime("2020-04-09T13:46:56+05:30") == expected
    assert parse_datetime("0000-00-00 00:00:00") is None
    assert parse_datetime("") is None


@attrs.frozen(slots=True, kw_only=True)
class _Base:
    name: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(slots=True, kw_only=True)
class _Child(_Base):
    count: int | None = api_field("Count")
    tags: list[str] = attrs.field(factory=list)
    derived: str | None = attrs.field(default=None, init=False)


@attrs.define
class _Plain:
    when: datetime | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


def test_compiled_structurer_handles_inheritance_factories_and_derived_fields() -> None:
    child = structure({"name": 5, "Count": "7", "tags": ["a"], "other": 1}, _Child)
    assert child.name == "5"
    assert child.count == 7
    assert child.tags == ["a"]
    assert child.derived is None
    assert child.extra == {"other": 1}
    empty = structure({}, _Child)
    assert empty.tags == []
    assert empty.tags is not structure({}, _Child).tags  # a fresh list per object


def test_compiled_structurer_for_non_slotted_classes() -> None:
    plain = structure({"when": "2026-01-02 03:04:05", "x": 1}, _Plain)
    assert plain.when == datetime(2026, 1, 2, 3, 4, 5, tzinfo=IST)
    assert plain.extra == {"x": 1}


def test_structure_rejects_non_objects() -> None:
    with pytest.raises(ValueError, match="expected an object"):
        structure(["not", "a", "dict"], CallRecord)  # type: ignore[arg-type]


def _api_keys(model: type) -> list[str]:
    """The API keys ``model`` declares (``extra`` aside)."""
    fields = attrs.fields(model)
    return [f.metadata.get("callerdesk_api_key", f.name) for f in fields if f.name != "extra"]


def _full_call_row() -> dict[str, Any]:
    """A row holding every key CallRecord declares (the shape the fast structurer takes)."""
    row: dict[str, Any] = dict.fromkeys(_api_keys(CallRecord), "x")
    for key in ("call_date", "startdatetime", "LegA_Picked_time"):
        row[key] = "2026-03-04 05:06:07"
    row["enddatetime"] = "0000-00-00 00:00:00"
    row["LegB_Start_time"] = "2026-03-04 05:06:09"
    row["LegB_Picked_time"] = ""
    row.update(total_duration="12", talk_duration=10, ringing_duration="", is_contact=0)
    row["coin_deducted"] = "1.5"
    return row


def test_structurer_builds_ordinary_frozen_models() -> None:
    structure_one = structurer_for(CallRecord)
    assert uses_builder(CallRecord)
    row = _full_call_row()
    call = structure_one(row)
    assert type(call) is CallRecord
    start = datetime(2026, 3, 4, 5, 6, 7, tzinfo=IST)
    assert call.call_date == call.startdatetime == call.lega_picked_time == start
    assert call.legb_start_time == start + timedelta(seconds=2)
    assert call.enddatetime is None and call.legb_picked_time is None
    assert (call.total_duration, call.talk_duration, call.ringing_duration) == (12, 10, None)
    assert call.coin_deducted == 1.5 and call.is_contact == 0
    assert call.extra == {}
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        call.id = "changed"  # type: ignore[misc]
    # A re-classed builder is an ordinary model instance in every other way.
    assert pickle.loads(pickle.dumps(call)) == call  # noqa: S301 - our own bytes
    assert copy.deepcopy(call) == call
    assert attrs.evolve(call, id="9").id == "9"
    assert call == CallRecord(**{f.name: getattr(call, f.name) for f in attrs.fields(CallRecord)})


def test_missing_and_unknown_keys_of_the_same_count_are_both_seen() -> None:
    row = _full_call_row()
    del row["file"]
    row["surprise"] = 1  # same length as a full row: the missing key must still be seen
    call = structure(row, CallRecord)
    assert call.file is None
    assert call.extra == {"surprise": 1}
    full = _full_call_row()
    full["surprise"] = 2
    assert structure(full, CallRecord).extra == {"surprise": 2}


def test_unknown_keys_anywhere_keep_their_order() -> None:
    row = {"new_first": 1, **_full_call_row(), "new_last": 3}
    keys = list(row)
    keys.insert(10, "new_middle")
    row = {k: row.get(k, 2) for k in keys}
    assert list(structure(row, CallRecord).extra.items()) == [
        ("new_first", 1), ("new_middle", 2), ("new_last", 3)
    ]  # fmt: skip
    del row["id"], row["Member_type"]
    assert structure(row, CallRecord).extra == {"new_first": 1, "new_middle": 2, "new_last": 3}


def test_odd_values_are_read_like_the_rules_read_them() -> None:
    row = _full_call_row()
    row.update(id=17, call_date="2026-03-04T05:06:07+00:00", total_duration="12.0",
               LegB_Start_time="2020-04-09n13:46:56")  # fmt: skip
    call = structure(row, CallRecord)
    assert call.id == "17"
    assert call.call_date == datetime(2026, 3, 4, 10, 36, 7, tzinfo=IST)
    assert call.total_duration == 12
    assert call.legb_start_time == datetime(2020, 4, 9, 13, 46, 56, tzinfo=IST)


def test_without_a_client_a_bad_value_raises_naming_the_field_not_the_value() -> None:
    row = _full_call_row()
    row["coin_deducted"] = "KEY-ECHOED-BY-SERVER"
    with pytest.raises(ConversionError) as caught:
        structure(row, CallRecord)
    message = str(caught.value)
    assert message == (
        "CallRecord.coin_deducted (API field 'coin_deducted') is not a number (got a str)"
    )
    assert caught.value.__suppress_context__  # the parser's message (with the value) is hidden


@attrs.frozen(slots=True)
class _WithWeakref:
    name: str | None = None


@attrs.frozen(slots=True, weakref_slot=False)
class _WithValidator:
    name: str | None = attrs.field(default=None, validator=attrs.validators.instance_of(str))


def test_models_the_builder_cannot_make_are_built_through_init() -> None:
    assert not uses_builder(_WithWeakref)
    assert structure({"name": "a"}, _WithWeakref) == _WithWeakref("a")
    assert not uses_builder(_WithValidator)
    with pytest.raises(TypeError):  # the validator ran
        structure({}, _WithValidator)


def test_timestamps_read_the_same_inline_and_through_the_rule() -> None:
    row = _full_call_row()
    row.update(call_date="2024-03-01", startdatetime="2024-03-01 00:00:00",
               LegB_Start_time=" 2024-03-01 00:00:00")  # fmt: skip
    call = structure(row, CallRecord)
    midnight = datetime(2024, 3, 1, tzinfo=IST)
    for value in (call.call_date, call.startdatetime, call.legb_start_time):
        assert value == midnight
        assert value is not None and value.tzname() == midnight.tzname() == "UTC+05:30"
    assert parse_datetime(" 2024-03-01 00:00:00") == midnight


@pytest.mark.parametrize("secret", ["sk-live-SECRET-1", "2026-13-99 SECRET:00", "SECRET.5e"])
def test_the_rules_never_quote_the_value_they_refuse(secret: str) -> None:
    from callerdesk_async._rules import parse_bool, parse_date, parse_float

    for parse in (parse_int, parse_float, parse_datetime, parse_date, parse_bool):
        with pytest.raises(ValueError, match="expected") as caught:
            parse(secret)
        assert "SECRET" not in str(caught.value), parse.__name__
        assert caught.value.__context__ is None, parse.__name__


def test_a_model_reading_one_key_twice_is_refused() -> None:
    @attrs.frozen(slots=True, weakref_slot=False)
    class Twice:
        a: str | None = api_field("k")
        b: str | None = api_field("k")

    with pytest.raises(TypeError, match="two fields read API key 'k'"):
        structurer_for(Twice)


@pytest.mark.parametrize("value", ["nan", " NaN ", "inf", "-Infinity", "1e400", float("nan"),
                                   float("inf"), float("-inf")])  # fmt: skip
def test_non_finite_numbers_are_refused_and_kept_in_extra(value: object) -> None:
    from callerdesk_async._rules import parse_float
    from callerdesk_async._structurer import Decoding

    with pytest.raises(ValueError, match="finite"):
        parse_float(value)
    with pytest.raises(ConversionError, match="coin_deducted"):
        structure({"coin_deducted": value}, CallRecord)
    call = structure({"coin_deducted": value, "call_sid": "1"}, CallRecord, Decoding())
    assert call.coin_deducted is None
    assert call.extra["coin_deducted"] is value


@pytest.mark.parametrize(
    ("value", "number"),
    [("1.5", 1.5), ("-0", -0.0), (" 2 ", 2.0), (3, 3.0), (2.25, 2.25), ("1e3", 1000.0)],
)
def test_finite_numbers_still_read(value: object, number: float) -> None:
    call = structure({"coin_deducted": value}, CallRecord)
    assert call.coin_deducted == number
    assert "coin_deducted" not in call.extra
