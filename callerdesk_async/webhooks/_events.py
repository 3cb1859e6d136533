"""Typed webhook events and the function that builds one from a delivery's fields.

Attribute names are the payload's field names in lower-case snake_case (``SourceNumber`` →
``source_number``, ``LegA_Picked_time`` → ``lega_picked_time``); the full table is in
``docs/webhooks.md``. Every event keeps ``raw`` (the repaired field dict it was built from) and
``extra`` (the fields the model does not declare), so nothing Callerdesk sends is dropped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, TypeVar

import attrs

from .._convert import api_field, structure
from ..models.members import Member
from ._status import CallStatus, normalize_status, split_status

__all__ = [
    "AppCallReportEvent",
    "CallGroupEvent",
    "CallReportEvent",
    "LiveCallEvent",
    "MemberEvent",
    "SecurityActivityEvent",
    "UnknownEvent",
    "WebhookEvent",
    "event_from_fields",
]

logger = logging.getLogger("callerdesk_async.webhooks")
_T = TypeVar("_T")
_BAD_VALUE = (ValueError, TypeError, OverflowError)


@attrs.frozen(slots=True, kw_only=True)
class _Event:
    """Attributes every webhook event has."""

    kind: ClassVar[str] = "unknown"

    type: str | None = None
    """The payload's ``type`` field as sent (``None`` when the delivery had none)."""
    raw: Mapping[str, Any] = attrs.field(factory=dict, init=False, repr=False)
    """Every field of the delivery after repair (query and body merged)."""
    extra: Mapping[str, Any] = attrs.field(factory=dict)
    """Fields this model does not declare, as sent."""

    def get(self, key: str, default: Any = None) -> Any:
        """The raw value of payload field ``key`` (exact spelling), or ``default``."""
        return self.raw.get(key, default)


@attrs.frozen(slots=True, kw_only=True)
class _CallEvent(_Event):
    """Fields shared by call events (Call Report, Live Call, App Call Report)."""

    source_number: str | None = api_field("SourceNumber")
    destination_number: str | None = api_field("DestinationNumber")
    dial_whom_number: str | None = api_field("DialWhomNumber")
    call_duration: int | None = api_field("CallDuration")
    talk_duration: int | None = api_field("TalkDuration")
    coins: float | None = None
    status_raw: str | None = api_field("Status")
    callstatus_raw: str | None = api_field("callstatus")
    start_time: datetime | None = api_field("StartTime")
    end_time: datetime | None = api_field("EndTime")
    call_sid: str | None = api_field("CallSid")
    uniqueid: str | None = api_field("Uniqueid")
    campid: int | None = None
    call_recording_url: str | None = api_field("CallRecordingUrl")
    direction: str | None = api_field("Direction")
    call_group: str | None = None
    receiver_name: str | None = None
    error_code: int | None = None
    lega_picked_time: datetime | None = api_field("LegA_Picked_time")
    legb_start_time: datetime | None = api_field("LegB_Start_time")
    legb_picked_time: datetime | None = api_field("LegB_Picked_time")
    key_press: str | None = None
    hangup_cause: str | None = None
    agent_email: str | None = None
    account_id: str | None = None
    group_id: str | None = None
    cparty_number: str | None = None
    cparty_recording: str | None = None
    status: CallStatus | str | None = attrs.field(default=None, init=False)
    """``Status`` normalised (see :func:`normalize_status`); the original is ``status_raw``."""
    status_cause: str | None = attrs.field(default=None, init=False)
    """The bracketed cause stripped from ``Status`` (``"19"`` for ``NOANSWER(19)``)."""
    callstatus: CallStatus | str | None = attrs.field(default=None, init=False)
    """``callstatus`` normalised like ``status``; the original is ``callstatus_raw``."""

    @property
    def call_id(self) -> str | None:
        """The call's unique id: ``CallSid``, else ``Uniqueid`` (``None`` if both are blank)."""
        for value in (self.call_sid, self.uniqueid):
            if value is not None and value.strip():
                return value.strip()
        return None

    @property
    def is_outgoing(self) -> bool | None:
        """``True`` for click-to-call (``WEBOBD``), ``False`` for IVR, ``None`` if unknown."""
        direction = (self.direction or "").strip().upper()
        if direction == "WEBOBD":
            return True
        if direction == "IVR":
            return False
        return None


@attrs.frozen(slots=True, kw_only=True)
class CallReportEvent(_CallEvent):
    """End of a call (``type=call_report``): durations, result, recording, leg timings.

    Also used for legacy GET deliveries without a ``type`` that carry a call id and an
    ``EndTime``/``CallDuration``/``TalkDuration``.
    """

    kind: ClassVar[str] = "call_report"


@attrs.frozen(slots=True, kw_only=True)
class LiveCallEvent(_CallEvent):
    """A call in progress (``type=live_call``). ``status`` is e.g. ``"Ringing"``,
    ``"Answered by Agent"``; durations and recording are normally absent."""

    kind: ClassVar[str] = "live_call"


@attrs.frozen(slots=True, kw_only=True)
class AppCallReportEvent(_CallEvent):
    """A call made through the Callerdesk mobile app (``type=app_call_report``, inferred).

    No sample payload is public; the call-report fields are assumed and anything else lands in
    ``extra``.
    """

    kind: ClassVar[str] = "app_call_report"


@attrs.frozen(slots=True, kw_only=True)
class MemberEvent(_Event):
    """A team member was added, updated or deleted (``type`` spellings are inferred).

    ``member`` is the payload read as a :class:`~callerdesk_async.models.Member`
    (``member_id``, ``member_name``, ``member_num``, ``access``, ...).
    """

    kind: ClassVar[str] = "member"

    action: str | None = attrs.field(default=None, init=False)
    """``"add"``, ``"update"`` or ``"delete"``."""
    member: Member = attrs.field(factory=Member, init=False)


@attrs.frozen(slots=True, kw_only=True)
class CallGroupEvent(_Event):
    """A call group was added, updated or deleted (``type`` spellings and fields inferred)."""

    kind: ClassVar[str] = "call_group"

    group_id: str | None = None
    group_name: str | None = None
    action: str | None = attrs.field(default=None, init=False)
    """``"add"``, ``"update"`` or ``"delete"``."""


@attrs.frozen(slots=True, kw_only=True)
class SecurityActivityEvent(_Event):
    """A security activity notice (``type=security_activity``, inferred; payload unknown)."""

    kind: ClassVar[str] = "security_activity"


@attrs.frozen(slots=True, kw_only=True)
class UnknownEvent(_Event):
    """A delivery whose ``type`` this version does not know. ``raw`` holds every field and
    ``extra`` every field except ``type``."""

    kind: ClassVar[str] = "unknown"


WebhookEvent = (
    CallReportEvent
    | LiveCallEvent
    | AppCallReportEvent
    | MemberEvent
    | CallGroupEvent
    | SecurityActivityEvent
    | UnknownEvent
)
"""Any event :func:`parse_event` can return."""

# --- classification -------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s_\-]+")
_ACTIONS = {
    "add": "add", "added": "add", "create": "add", "created": "add", "new": "add",
    "update": "update", "updated": "update", "edit": "update", "edited": "update",
    "delete": "delete", "deleted": "delete", "remove": "delete", "removed": "delete",
}  # fmt: skip
_VERB = "|".join(sorted(_ACTIONS, key=len, reverse=True))
_MEMBER = re.compile(rf"(?:(?P<a>{_VERB})(?:team)?member|(?:team)?member(?P<b>{_VERB}))")
_GROUP = re.compile(rf"(?:(?P<a>{_VERB})(?:call)?group|(?:call)?group(?P<b>{_VERB}))")
_CALL_TYPES: dict[str, type[_CallEvent]] = {
    "callreport": CallReportEvent,
    "livecall": LiveCallEvent,
    "appcallreport": AppCallReportEvent,
}
_SECURITY = frozenset({"securityactivity", "security"})
_REPORT_HINTS = frozenset({"endtime", "callduration", "talkduration"})
_ID_HINTS = frozenset({"callsid", "uniqueid"})


def _type_value(fields: Mapping[str, Any]) -> str | None:
    value = fields.get("type")
    if value is None:
        value = next((v for k, v in fields.items() if k.lower() == "type"), None)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return str(value)


def _classify(type_value: str | None, fields: Mapping[str, Any]) -> tuple[type[_Event], str | None]:
    if type_value is None or not type_value.strip():
        lowered = {k.lower() for k, v in fields.items() if v not in (None, "")}
        if lowered & _ID_HINTS and lowered & _REPORT_HINTS:
            return CallReportEvent, None
        return UnknownEvent, None
    key = _SEPARATORS.sub("", type_value.lower())
    key = key[:-1] if key.endswith("s") and key[:-1] in _CALL_TYPES else key
    if key in _CALL_TYPES:
        return _CALL_TYPES[key], None
    if key in _SECURITY:
        return SecurityActivityEvent, None
    for pattern, cls in ((_MEMBER, MemberEvent), (_GROUP, CallGroupEvent)):
        match = pattern.fullmatch(key)
        if match is not None:
            return cls, _ACTIONS[match.group("a") or match.group("b")]
    return UnknownEvent, None


# --- building -------------------------------------------------------------------------------


def _api_keys(cls: type[Any]) -> dict[str, str]:
    """Lower-cased API key → API key, for the attributes ``structure`` fills."""
    keys: dict[str, str] = {}
    for field in attrs.fields(cls):
        if field.init and field.name != "extra":
            key = field.metadata.get("callerdesk_api_key", field.name)
            keys[key.lower()] = key
    return keys


_KEYS_CACHE: dict[type[Any], dict[str, str]] = {}


def _prepare(cls: type[Any], fields: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split ``fields`` into what ``structure`` reads (keys matched case-insensitively) and the
    fields it must not see (ones named like a derived attribute, e.g. ``raw``)."""
    keys = _KEYS_CACHE.get(cls)
    if keys is None:
        keys = _KEYS_CACHE[cls] = _api_keys(cls)
    derived = {f.name for f in attrs.fields(cls) if not f.init} | {"extra"}
    data: dict[str, Any] = {}
    hidden: dict[str, Any] = {}
    for key, value in fields.items():
        canonical = keys.get(key.lower())
        if canonical is not None and (canonical == key or canonical not in fields):
            data[canonical] = value
        elif key in derived:
            hidden[key] = value
        else:
            data[key] = value
    return data, hidden


def _lenient_structure(data: Mapping[str, Any], cls: type[_T]) -> _T:
    """``structure``, except that a value that cannot be read leaves its attribute unset
    (it stays in ``raw``) instead of failing the whole event."""
    try:
        return structure(data, cls)
    except _BAD_VALUE:
        pass
    bad = set()
    for key, value in data.items():
        try:
            structure({key: value}, cls)
        except _BAD_VALUE:
            bad.add(key)
    logger.warning(
        "webhook fields %s of %s could not be read; kept in raw", sorted(bad), cls.__name__
    )
    return structure({k: v for k, v in data.items() if k not in bad}, cls)


def _set(obj: object, **values: Any) -> None:
    # Frozen instances: derived attributes are set the way attrs documents (as _convert does).
    for name, value in values.items():
        object.__setattr__(obj, name, value)


def _build_call(cls: type[_CallEvent], fields: dict[str, Any]) -> _CallEvent:
    data, hidden = _prepare(cls, fields)
    event = _lenient_structure(data, cls)
    status_text, cause = split_status(event.status_raw)
    _set(
        event,
        status=normalize_status(status_text),
        status_cause=cause,
        callstatus=normalize_status(event.callstatus_raw),
        campid=event.campid or None,
        raw=fields,
        extra={**event.extra, **hidden},
    )
    return event


def _build_member(
    type_value: str | None, action: str | None, fields: dict[str, Any]
) -> MemberEvent:
    body = {k: v for k, v in fields.items() if k.lower() != "type"}
    data, hidden = _prepare(Member, body)
    member = _lenient_structure(data, Member)
    event = MemberEvent(type=type_value, extra={**member.extra, **hidden})
    _set(event, action=action, member=member, raw=fields)
    return event


def _build_other(cls: type[_Event], action: str | None, fields: dict[str, Any]) -> _Event:
    data, hidden = _prepare(cls, fields)
    event = _lenient_structure(data, cls)
    _set(event, raw=fields, extra={**event.extra, **hidden})
    if isinstance(event, CallGroupEvent):
        _set(event, action=action)
    return event


def event_from_fields(fields: Mapping[str, Any]) -> WebhookEvent:
    """Build the typed event for a delivery's (already repaired) fields.

    Dispatches on ``type`` (case, spaces, hyphens and underscores ignored); a ``type`` this
    version does not know gives :class:`UnknownEvent`. Never raises for odd values: a field
    whose value cannot be read leaves its attribute ``None`` and stays in ``raw``. Handy in
    tests: ``event_from_fields({"type": "call_report", "CallSid": "1.2", ...})``.
    """
    data = dict(fields)
    type_value = _type_value(data)
    cls, action = _classify(type_value, data)
    event: _Event
    if issubclass(cls, _CallEvent):
        event = _build_call(cls, data)
    elif cls is MemberEvent:
        event = _build_member(type_value, action, data)
    else:
        event = _build_other(cls, action, data)
    return event  # type: ignore[return-value]
