"""``cd.members``: team members, their login and working status."""

from __future__ import annotations

from typing import Literal

import attrs
from typing_extensions import Unpack

from .._pagination import AsyncPaginator, PageState
from .._protocol import ParamValue
from .._validation import (
    check_enum,
    check_flag,
    check_id,
    check_optional_enum,
    check_text,
    normalize_optional_phone,
    normalize_phone,
)
from ..models import ActionResult, Member, MemberAccess, MemberAdded, MemberStatus
from ._base import CallOptions, Resource

__all__ = ["MembersResource", "WorkingStatus"]

WorkingStatus = Literal["Ready", "Short Break"]
"""The working statuses the official app sends to ``update-working-status-v3/``."""

_WORKING_STATUSES = ("Ready", "Short Break")


class MembersResource(Resource):
    """Team members (``getmemberlist_V2`` and the member write endpoints)."""

    def list(
        self,
        *,
        member_num: str | None = None,
        per_page: int = 100,
        max_pages: int | None = None,
        resume: PageState | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncPaginator[Member]:
        """Iterate the account's members (``POST getmemberlist_V2``).

        Args:
            member_num: only the member with this number (10-digit; API ``member_num``).
            per_page: rows per request (1-1000).
            max_pages: stop with PaginationError after this many page requests.
            resume: a ``PageState`` from an earlier ``pager.state``.
        """
        params = {"member_num": normalize_optional_phone(member_num, "member_num")}
        return self._paginate(
            "getmemberlist_V2",
            Member,
            params,
            per_page=per_page,
            resume=resume,
            max_pages=max_pages,
            key_fields=("member_id",),
            call=options,
        )

    async def add(
        self,
        *,
        name: str,
        number: str,
        access: MemberAccess | int | str = MemberAccess.REGULAR,
        active: bool = True,
        email: str | None = None,
        password: str | None = None,
        **options: Unpack[CallOptions],
    ) -> MemberAdded:
        """Add a team member (``POST addmember_v2``); the result carries the new ``member_id``.

        A number already registered on the account raises ``APIResponseError``.

        Args:
            name: display and login name (API ``member_name``).
            number: the member's mobile, unique in the account (API ``member_num``).
            access: ``MemberAccess`` member, code or name (API ``access``).
            active: whether the member can take calls (API ``active``, 1/0).
            email: (API ``member_email``).
            password: panel login password (API ``password``).
        """
        params: dict[str, ParamValue] = {
            "member_name": check_text(name, "name"),
            "member_num": normalize_phone(number, "number"),
            "access": check_enum(access, MemberAccess, "access"),
            "active": bool(active),
            "member_email": email,
            "password": password,
        }
        added = await self._call_model("addmember_v2", params, MemberAdded, call=options)
        if added.member_id is None and added.member is not None:
            added = attrs.evolve(added, member_id=added.member.member_id)
        return added

    async def update(
        self,
        *,
        member_id: int | str,
        name: str | None = None,
        number: str | None = None,
        email: str | None = None,
        password: str | None = None,
        access: MemberAccess | int | str | None = None,
        status: MemberStatus | int | str | None = None,
        agent_extn: str | None = None,
        **options: Unpack[CallOptions],
    ) -> ActionResult:
        """Change a member (``POST updatemember_v2``); only the fields given are sent.

        Args:
            member_id: the member to change (API ``member_id``).
            name: (API ``member_name``).
            number: (API ``member_num``; the docs call it non-editable, it identifies the member).
            email: (API ``member_email``).
            password: (API ``password``).
            access: ``MemberAccess`` member, code or name (API ``access``).
            status: ``MemberStatus`` member, code or name (API ``status``).
            agent_extn: the member's extension (API ``agent_extn``).
        """
        params: dict[str, ParamValue] = {
            "member_id": check_id(member_id, "member_id"),
            "member_name": None if name is None else check_text(name, "name"),
            "member_num": normalize_optional_phone(number, "number"),
            "member_email": email,
            "password": password,
            "access": check_optional_enum(access, MemberAccess, "access"),
            "status": check_optional_enum(status, MemberStatus, "status"),
            "agent_extn": agent_extn,
        }
        return await self._call_model("updatemember_v2", params, ActionResult, call=options)

    async def delete(self, *, member_id: int | str, **options: Unpack[CallOptions]) -> ActionResult:
        """Delete a member (``POST deletemember_v2``).

        Args:
            member_id: the member to delete (API ``member_id``).
        """
        params = {"member_id": check_id(member_id, "member_id")}
        return await self._call_model("deletemember_v2", params, ActionResult, call=options)

    async def set_login_status(
        self, *, logged_in: bool, **options: Unpack[CallOptions]
    ) -> ActionResult:
        """Log the account's agent in or out (``POST changeagentstatus``).

        Args:
            logged_in: ``True`` logs in ("entry"), ``False`` logs out (API ``agent_status`` 1/0).
        """
        params = {"agent_status": check_flag(logged_in, "logged_in")}
        return await self._call_model("changeagentstatus", params, ActionResult, call=options)

    async def set_working_status(
        self,
        *,
        status: WorkingStatus,
        member_name: str,
        member_num: str,
        direction: str = "IVR",
        **options: Unpack[CallOptions],
    ) -> ActionResult:
        """Put a member on a break or back to ready (``GET update-working-status-v3/``).

        New members may start on a break; click-to-call refuses them until they are ``Ready``.

        Args:
            status: ``"Ready"`` or ``"Short Break"`` (API ``working_status``).
            member_name: the member's name (API ``member_name``).
            member_num: the member's number (API ``member_num``).
            direction: the call direction the status applies to; the app always sends ``IVR``
                (API ``direction``).
        """
        if status not in _WORKING_STATUSES:
            raise ValueError(f"status must be one of {_WORKING_STATUSES}, got {status!r}")
        params: dict[str, ParamValue] = {
            "working_status": status,
            "member_name": check_text(member_name, "member_name"),
            "member_num": normalize_phone(member_num, "member_num"),
            "direction": check_text(direction, "direction"),
        }
        return await self._call_model(
            "update-working-status-v3", params, ActionResult, call=options
        )
