"""Call-group models (``getgrouplist_v2``, ``getgroupbyid_v2``, ``getgroupschedule``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .._convert import LooseIntEnum, api_field
from ._nested import nested
from .members import Member, MemberStatus

__all__ = [
    "CallGroup",
    "CallGroupCreated",
    "CallGroupDetail",
    "CallStrategy",
    "GroupMember",
    "GroupSchedule",
    "StickyMode",
]


class CallStrategy(LooseIntEnum):
    """How a group distributes calls (``call_strategy`` / ``strategy_check``)."""

    ROUND_ROBIN = 1
    SEQUENTIAL = 2
    RANDOM = 3
    LEAST_OCCUPIED = 4
    PARALLEL = 5
    LEAST_IDLE = 6


class StickyMode(LooseIntEnum):
    """Sticky routing of a group (``is_sticky`` in reads, ``sticky_member`` in writes).

    The reference (section 6.4) shows three values: 0 off, 1 "Advance", 2 "Normal". Codes the
    SDK does not know come back as ``UNKNOWN_<n>`` pseudo-members instead of failing.
    """

    OFF = 0
    ADVANCE = 1
    NORMAL = 2


@nested
@attrs.frozen(slots=True, weakref_slot=False)
class CallGroup:
    """One call group. ``is_sticky`` is a :class:`StickyMode` (0 off, 1 Advance, 2 Normal);
    ``is_multi_sticky`` is a flag; ``time_schedule`` is truthy
    when the group has working hours. The app calls the extension ``group_extn``; some
    accounts send ``extension``; both are kept."""

    group_id: int | None = None
    group_name: str | None = None
    call_strategy: CallStrategy | None = None
    is_sticky: StickyMode | None = None
    is_multi_sticky: bool | None = None
    group_owner_name: str | None = None
    group_extn: str | None = None
    extension: str | None = None
    deskphone_id: int | None = None
    desk_phone: str | None = None
    did_no: str | None = None
    groupmember_count: int | None = None
    time_schedule: Any = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@nested
@attrs.frozen(slots=True, weakref_slot=False)
class GroupMember:
    """A member inside a group (``group_user_live``); ``group_member_id`` removes it."""

    group_member_id: int | None = None
    member_id: int | None = None
    member_name: str | None = None
    member_email: str | None = None
    member_num: str | None = None
    group_member_status: int | None = None
    starttime: str | None = None
    endtime: str | None = None
    weekdays: str | None = None
    priority: int | None = None
    member_status: MemberStatus | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(slots=True, weakref_slot=False)
class CallGroupDetail:
    """A group with its members (``getgroupbyid_v2``).

    ``members`` are in the group (``group_user_live``); ``non_members`` are the account's other
    members (``group_user_nonlive``), the candidates for ``update(add_member_id=...)``.
    """

    group: CallGroup | None = api_field("grouplist")
    members: list[GroupMember] = api_field("group_user_live", attrs.Factory(list))
    non_members: list[Member] = api_field("group_user_nonlive", attrs.Factory(list))
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(slots=True, weakref_slot=False)
class CallGroupCreated:
    """The answer of ``createcallgroup``.

    ``groups`` is the ``grouplist`` the API returns; whether it holds only the new group or
    all groups is not documented, so ``group`` is the one whose name matches the request
    (``None`` if none does).
    """

    message: str | None = None
    groups: list[CallGroup] = api_field("grouplist", attrs.Factory(list))
    group: CallGroup | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(slots=True, weakref_slot=False)
class GroupSchedule:
    """A group's working hours and prompts (``getgroupschedule``).

    ``day`` is the API's comma list of weekdays (1 = Monday ... 7 = Sunday, as
    ``date.isoweekday()`` counts); :attr:`days` parses it.
    Times are kept as sent.
    """

    day: str | None = None
    starttime: str | None = None
    endtime: str | None = None
    holiday_prompt_type: str | None = None
    holiday_prompt_file_name: str | None = None
    business_hours_prompt_type: str | None = None
    business_hours_prompt_file_name: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)

    @property
    def days(self) -> tuple[int, ...]:
        """``day`` as weekday numbers (``"1,2,3"`` → ``(1, 2, 3)``); blanks are skipped."""
        return tuple(int(d) for d in (self.day or "").split(",") if d.strip().isdigit())
