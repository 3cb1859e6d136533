"""``cd.call_groups``: call groups, their members, strategy and working hours."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time

import attrs
from typing_extensions import Unpack

from .._pagination import AsyncPaginator, PageState
from .._protocol import ParamValue
from .._validation import (
    check_clock_time,
    check_flag,
    check_id,
    check_optional_enum,
    check_optional_id,
    check_text,
    check_weekdays,
)
from ..models import (
    ActionResult,
    CallGroup,
    CallGroupCreated,
    CallGroupDetail,
    CallStrategy,
    GroupSchedule,
    StickyMode,
)
from ._base import CallOptions, Resource

__all__ = ["CallGroupsResource"]


class CallGroupsResource(Resource):
    """Call groups (``getgrouplist_v2`` and the group endpoints)."""

    def list(
        self,
        *,
        per_page: int = 100,
        max_pages: int | None = None,
        resume: PageState | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncPaginator[CallGroup]:
        """Iterate the account's call groups (``POST getgrouplist_v2``).

        Args:
            per_page: rows per request (1-1000).
            max_pages: stop with PaginationError after this many page requests.
            resume: a ``PageState`` from an earlier ``pager.state``.
        """
        return self._paginate(
            "getgrouplist_v2",
            CallGroup,
            {},
            per_page=per_page,
            resume=resume,
            max_pages=max_pages,
            key_fields=("group_id",),
            call=options,
        )

    async def get(self, *, group_id: int | str, **options: Unpack[CallOptions]) -> CallGroupDetail:
        """One group with its members and the members not in it (``POST getgroupbyid_v2``).

        Args:
            group_id: the group (API ``group_id``).
        """
        params = {"group_id": check_id(group_id, "group_id")}
        return await self._call_model("getgroupbyid_v2", params, CallGroupDetail, call=options)

    async def create(
        self,
        *,
        name: str,
        deskphone_id: int | str,
        owner_id: int | str | None = None,
        owner_name: str | None = None,
        extension: str | None = None,
        **options: Unpack[CallOptions],
    ) -> CallGroupCreated:
        """Create a call group (``POST createcallgroup``).

        Args:
            name: the group's name (API ``group_name``).
            deskphone_id: the IVR number's ``did_id`` from ``cd.account.deskphones()``
                (API ``deskphone_id``).
            owner_id: the owning member's id (API ``group_owner__id``, double underscore as the
                official app sends it, and ``group_owner_id``).
            owner_name: the owning member's name (API ``group_owner_name``).
            extension: the group's extension, e.g. ``"*1234"`` (API ``group_extn``).
        """
        group_name = check_text(name, "name")
        owner = check_optional_id(owner_id, "owner_id")
        params: dict[str, ParamValue] = {
            "group_name": group_name,
            "deskphone_id": check_id(deskphone_id, "deskphone_id"),
            # The app spells it with two underscores; updategroup_v2 uses one. Which one
            # createcallgroup reads is unverified, so both are sent (unknown fields are ignored).
            "group_owner__id": owner,
            "group_owner_id": owner,
            "group_owner_name": owner_name,
            "group_extn": extension,
        }
        created = await self._call_model("createcallgroup", params, CallGroupCreated, call=options)
        match = next((g for g in created.groups if g.group_name == group_name), None)
        return attrs.evolve(created, group=match)

    async def update(
        self,
        *,
        group_id: int | str,
        name: str | None = None,
        deskphone_id: int | str | None = None,
        owner_id: int | str | None = None,
        owner_name: str | None = None,
        strategy: CallStrategy | int | str | None = None,
        sticky: StickyMode | int | str | None = None,
        multi_sticky: bool | None = None,
        add_member_id: int | str | Iterable[int | str] | None = None,
        days: Iterable[int | str] | None = None,
        all_day: bool | None = None,
        start_time: time | str | None = None,
        end_time: time | str | None = None,
        business_hours_prompt_file_name: str | None = None,
        business_hours_prompt_type: str | None = None,
        holiday_prompt_file_name: str | None = None,
        holiday_prompt_type: str | None = None,
        **options: Unpack[CallOptions],
    ) -> ActionResult:
        """Change a group (``POST updategroup_v2``); only the fields given are sent.

        One endpoint serves renaming, strategy, stickiness, adding members and the schedule.

        Args:
            group_id: the group (API ``group_id``).
            name: (API ``group_name``).
            deskphone_id: the IVR number's ``did_id`` (API ``deskphone_id``).
            owner_id, owner_name: the owning member (API ``group_owner_id``,
                ``group_owner_name``).
            strategy: ``CallStrategy`` member, code or name (API ``strategy_check``).
            sticky: ``StickyMode.OFF``, ``ADVANCE`` or ``NORMAL`` (or its code 0/1/2 or name;
                API ``sticky_member``). A bool is refused: there are two sticky modes.
            multi_sticky: (API ``multi_sticky``, 1/0).
            add_member_id: add this member, or these members in one request (API
                ``member_id``, a comma list for several).
            days: working weekdays as names (``"monday"``, ``"Mon"``), ``date.isoweekday()``
                numbers (1 = Monday ... 7 = Sunday, the API's numbering) or ``calendar.Day``
                members (API ``day``, comma list).
            all_day: ``True`` = open all day, ``False`` = use ``start_time``/``end_time``
                (sent as the app's ``bussiness_hours`` (sic): 1 = all day, 0 = the hours; the
                v1 docs' ``business_hours`` has the opposite meaning, see docs/api.md).
            start_time, end_time: working hours, ``time``, ``"HH:MM"`` or ``"hh:mm AM"``; sent
                as ``"hh:mm AM"``/``"hh:mm PM"`` (API ``starttime``, ``endtime``).
            business_hours_prompt_file_name, business_hours_prompt_type: the after-hours
                prompt (API fields of the same names).
            holiday_prompt_file_name, holiday_prompt_type: the non-working-day prompt
                (API fields of the same names).
            extra_params: raw API fields sent as given, e.g. ``{"business_hours": 0}`` or
                ``{"starttime": "09:00:00"}``; a field a typed parameter above also sends is
                refused.
        """
        if isinstance(sticky, bool):
            raise ValueError(
                "sticky takes StickyMode.OFF, ADVANCE or NORMAL, not a bool: the API has two "
                f"sticky modes (True used to send 1 = Advance); got {sticky!r}"
            )
        params: dict[str, ParamValue] = {
            "group_id": check_id(group_id, "group_id"),
            "group_name": None if name is None else check_text(name, "name"),
            "deskphone_id": check_optional_id(deskphone_id, "deskphone_id"),
            "group_owner_id": check_optional_id(owner_id, "owner_id"),
            "group_owner_name": owner_name,
            "strategy_check": check_optional_enum(strategy, CallStrategy, "strategy"),
            "sticky_member": check_optional_enum(sticky, StickyMode, "sticky"),
            "multi_sticky": check_flag(multi_sticky, "multi_sticky"),
            "member_id": None if add_member_id is None else _member_ids(add_member_id),
            "day": None if days is None else check_weekdays(days),
            "bussiness_hours": check_flag(all_day, "all_day"),
            "starttime": None if start_time is None else check_clock_time(start_time, "start_time"),
            "endtime": None if end_time is None else check_clock_time(end_time, "end_time"),
            "business_hours_prompt_file_name": business_hours_prompt_file_name,
            "business_hours_prompt_type": business_hours_prompt_type,
            "holiday_prompt_file_name": holiday_prompt_file_name,
            "holiday_prompt_type": holiday_prompt_type,
        }
        return await self._call_model("updategroup_v2", params, ActionResult, call=options)

    async def delete(self, *, group_id: int | str, **options: Unpack[CallOptions]) -> ActionResult:
        """Delete a group (``POST deletegroup``).

        Args:
            group_id: the group (API ``group_id``).
        """
        params = {"group_id": check_id(group_id, "group_id")}
        return await self._call_model("deletegroup", params, ActionResult, call=options)

    async def remove_member(
        self, *, group_member_id: int | str, **options: Unpack[CallOptions]
    ) -> ActionResult:
        """Take a member out of a group (``POST delete_user_call_group``).

        Args:
            group_member_id: the membership's id from ``get(...).members``, not the member's
                id (API ``id``).
        """
        params = {"id": check_id(group_member_id, "group_member_id")}
        return await self._call_model("delete_user_call_group", params, ActionResult, call=options)

    async def schedule(
        self, *, group_id: int | str, **options: Unpack[CallOptions]
    ) -> GroupSchedule:
        """A group's working days, hours and prompts (``POST getgroupschedule``).

        Args:
            group_id: the group (API ``group_id``).
        """
        params = {"group_id": check_id(group_id, "group_id")}
        return await self._call_model("getgroupschedule", params, GroupSchedule, call=options)


def _member_ids(value: int | str | Iterable[int | str]) -> str:
    """One id, or several as the comma list ``updategroup_v2`` takes for a bulk add."""
    if isinstance(value, (int, str)):
        return str(check_id(value, "add_member_id"))
    ids = list(dict.fromkeys(check_id(one, "add_member_id") for one in value))
    if not ids:
        raise ValueError("add_member_id must name at least one member id")
    return ",".join(str(one) for one in ids)
