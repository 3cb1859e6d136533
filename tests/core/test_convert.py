"""The converter: loose API types into typed models."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callerdesk_async._convert import (
    IST,
    _compile_structurer,
    api_field,
    parse_datetime,
    parse_int,
    structure,
    structurer_for,
)
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
    with pytest.raises(ValueError, match="could not convert"):
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


def test_fast_structurer_matches_the_general_one_on_full_rows() -> None:
    fast = structurer_for(CallRecord)
    general = _compile_structurer(CallRecord, None)
    assert fast is not general and "fast" in fast.__code__.co_filename
    row = _full_call_row()
    call = fast(row)
    assert type(call) is CallRecord and call == general(row)
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


def test_fast_structurer_hands_rows_with_a_missing_key_to_the_general_one() -> None:
    row = _full_call_row()
    del row["file"]
    row["surprise"] = 1  # same length as a full row: the missing key must still be seen
    call = structure(row, CallRecord)
    assert call.file is None
    assert call.extra == {"surprise": 1}
    full = _full_call_row()
    full["surprise"] = 2
    assert structure(full, CallRecord).extra == {"surprise": 2}


def test_fast_structurer_converts_odd_values_like_the_general_one() -> None:
    row = _full_call_row()
    row.update(id=17, call_date="2026-03-04T05:06:07+00:00", total_duration="12.0",
               LegB_Start_time="2020-04-09n13:46:56")  # fmt: skip
    call = structure(row, CallRecord)
    assert call.id == "17"
    assert call.call_date == datetime(2026, 3, 4, 10, 36, 7, tzinfo=IST)
    assert call.total_duration == 12
    assert call.legb_start_time == datetime(2020, 4, 9, 13, 46, 56, tzinfo=IST)
    row["talk_duration"] = "ten"
    with pytest.raises(ValueError, match="could not convert"):
        structure(row, CallRecord)


@attrs.frozen(slots=True)
class _WithWeakref:
    name: str | None = None


def test_models_with_a_weakref_slot_use_the_general_structurer() -> None:
    assert "fast" not in structurer_for(_WithWeakref).__code__.co_filename
    assert structure({"name": "a"}, _WithWeakref) == _WithWeakref("a")


@pytest.mark.parametrize("variant", ["fast", "general"])
def test_date_only_timestamps_are_aware_midnights(variant: str) -> None:
    structure_one = structurer_for(CallRecord)
    if variant == "general":
        structure_one = _compile_structurer(CallRecord, None)
    row = _full_call_row()
    row.update(call_date="2024-03-01", startdatetime="2024-03-01 00:00:00")
    call = structure_one(row)
    midnight = datetime(2024, 3, 1, tzinfo=IST)
    assert call.call_date == midnight and call.call_date.utcoffset() == timedelta(
        hours=5, minutes=30
    )
    assert call.startdatetime == midnight


_TIMESTAMPS = st.sampled_from(
    ["2026-03-04 05:06:07", "0000-00-00 00:00:00", "2024-03-01", "2020-04-09n13:46:56",
     " 2026-03-04 05:06:07", "2026-03-04T05:06:07+00:00", "2026-13-01 00:00:00", ""]
)  # fmt: skip
_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=False),
    st.text(max_size=6), st.sampled_from(["42", "42.0", " 7 ", "1.5", "abc"]), _TIMESTAMPS,
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)  # fmt: skip


def _outcome(structure_one: Any, row: dict[str, Any]) -> object:
    try:
        return structure_one(row)
    except Exception as exc:  # the comparison is of the failure's type
        return type(exc)


@pytest.mark.parametrize("model", [CallRecord, Member])
@given(data=st.data())
@settings(max_examples=300, deadline=None)
def test_fast_structurer_agrees_with_the_general_one(model: type, data: st.DataObject) -> None:
    row = {
        key: data.draw(_VALUES) for key in _api_keys(model) if data.draw(st.booleans(), label="has")
    }
    row.update(data.draw(st.dictionaries(st.sampled_from(["new", "x"]), _VALUES, max_size=2)))
    if data.draw(st.booleans(), label="timestamps repeat"):
        row.update({k: row.get("call_date") for k in ("startdatetime", "LegA_Picked_time")})
    fast, general = structurer_for(model), _compile_structurer(model, None)
    assert _outcome(fast, row) == _outcome(general, row)
