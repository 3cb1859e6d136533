"""Call models: report rows, click-to-call answers, live calls and routing detail."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from .._convert import api_field
from ._nested import nested

__all__ = ["CallRecord", "ClickToCallResult", "LiveCall", "LiveCalls", "RoutingStep"]


@attrs.frozen(slots=True, weakref_slot=False)
class CallRecord:
    """One row of the call report (``call_list_v2``) or app call report (``app_call_list_v2``).

    Attribute names are the API's field names in lower-case snake_case. Durations are seconds,
    datetimes are aware (+05:30); ``0000-00-00 00:00:00`` and ``""`` become ``None``. Fields the
    model does not declare are kept in ``extra``.
    """

    id: str | None = None
    sid_id: str | None = None
    file: str | None = None
    deskphone: str | None = None
    caller_num: str | None = None
    caller_name: str | None = None
    member_num: str | None = None
    member_name: str | None = None
    call_date: datetime | None = None
    startdatetime: datetime | None = None
    enddatetime: datetime | None = None
    total_duration: int | None = None
    talk_duration: int | None = None
    ringing_duration: int | None = None
    callresult: str | None = None
    callstatus: str | None = None
    group_name: str | None = None
    circle: str | None = None
    key_pressed: str | None = None
    block: str | None = None
    coin_deducted: float | None = None
    is_contact: int | None = None
    contact_id: str | None = None
    lega_picked_time: datetime | None = api_field("LegA_Picked_time")
    legb_start_time: datetime | None = api_field("LegB_Start_time")
    legb_picked_time: datetime | None = api_field("LegB_Picked_time")
    flow_type: str | None = api_field("Flow_type")
    member_type: str | None = api_field("Member_type")
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(slots=True, weakref_slot=False)
class ClickToCallResult:
    """What the API answers when a click-to-call was accepted.

    ``campid`` is the only id returned at initiation; the call's webhooks echo it, so use it to
    find the call later. ``callerid`` is the DID presented (``0091``-prefixed at times).
    """

    campid: int | None = None
    callerid: str | None = None
    message: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@nested
@attrs.frozen(slots=True, weakref_slot=False)
class LiveCall:
    """One call in progress (an item of ``live_call_v2``'s ``live_calls``).

    ``msisdn`` is the caller; ``callstatus`` is a label such as ``"Picked"``.
    """

    msisdn: str | None = None
    entrydate: datetime | None = None
    member_num: str | None = None
    member_name: str | None = None
    callstatus: str | None = None
    lastupdatedate: datetime | None = None
    did_num: str | None = None
    deskphone: str | None = None
    sid_id: str | None = None
    channel: str | None = None
    group_name: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(slots=True, weakref_slot=False)
class LiveCalls:
    """The calls in progress (``live_call_v2``): ``total`` from ``total_live_calls``."""

    total: int = api_field("total_live_calls", 0)
    calls: list[LiveCall] = api_field("live_calls", attrs.Factory(list))
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(slots=True, weakref_slot=False)
class RoutingStep:
    """One member a call was offered to (a row of ``getroutingdetail_V2``'s ``routing_detail``)."""

    member_num: str | None = None
    caller_num: str | None = None
    total_duration: int | None = None
    startdatetime: datetime | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)
