"""``cd.contacts``: the account's saved contacts (leads)."""

from __future__ import annotations

from datetime import date, time

from typing_extensions import Unpack

from .._pagination import AsyncPaginator, PageState
from .._protocol import ParamValue
from .._validation import (
    check_date_range,
    check_flag,
    check_id,
    check_optional_enum,
    check_optional_id,
    check_text,
    check_time,
    normalize_optional_phone,
    normalize_phone,
    to_date,
)
from ..models import ActionResult, Contact, ContactStatus
from ._base import CallOptions, Resource

__all__ = ["ContactsResource"]


class ContactsResource(Resource):
    """Contacts (``contact_list_v2``, ``savecontact_v2``, ``editContact_v2``, ``deleteContact``)."""

    def list(
        self,
        *,
        start_date: date | str | None = None,
        end_date: date | str | None = None,
        member_name: str | None = None,
        status: ContactStatus | int | str | None = None,
        contact_id: int | str | None = None,
        number: str | None = None,
        per_page: int = 100,
        max_pages: int | None = None,
        resume: PageState | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncPaginator[Contact]:
        """Iterate contacts, optionally filtered (``POST contact_list_v2``).

        Args:
            start_date, end_date: inclusive days the contacts were saved (API ``start_date``,
                ``end_date``).
            member_name: only contacts owned by this member (API ``member_name``).
            status: ``ContactStatus`` member, code or name (API ``contact_status``).
            contact_id: only this contact (API ``contact_id``).
            number: only the contact with this number (API ``contact_num``).
            per_page: rows per request (1-1000).
            max_pages: stop with PaginationError after this many page requests.
            resume: a ``PageState`` from an earlier ``pager.state``.
        """
        start, end = check_date_range(start_date, end_date)
        params: dict[str, ParamValue] = {
            "start_date": start,
            "end_date": end,
            "member_name": member_name,
            "contact_status": check_optional_enum(status, ContactStatus, "status"),
            "contact_id": check_optional_id(contact_id, "contact_id"),
            "contact_num": normalize_optional_phone(number, "number"),
        }
        return self._paginate(
            "contact_list_v2",
            Contact,
            params,
            per_page=per_page,
            resume=resume,
            max_pages=max_pages,
            key_fields=("contact_id", "contact_num"),
            call=options,
        )

    async def add(
        self,
        *,
        number: str,
        name: str,
        email: str | None = None,
        address: str | None = None,
        status: ContactStatus | int | str | None = None,
        followup_date: date | str | None = None,
        member_name: str | None = None,
        comment: str | None = None,
        **options: Unpack[CallOptions],
    ) -> ActionResult:
        """Save a contact (``POST savecontact_v2``).

        Args:
            number: the contact's number (API ``contact_num``).
            name: (API ``contact_name``).
            email: (API ``contact_email``).
            address: (API ``contact_address``).
            status: ``ContactStatus`` member, code or name (API ``contact_status``).
            followup_date: next follow-up day (API ``contact_followupdate``, ``YYYY-MM-DD``).
            member_name: the owning member (API ``member_name``).
            comment: (API ``contact_comment``).
        """
        params: dict[str, ParamValue] = {
            "contact_num": normalize_phone(number, "number"),
            "contact_name": check_text(name, "name"),
            "contact_email": email,
            "contact_address": address,
            "contact_status": check_optional_enum(status, ContactStatus, "status"),
            "contact_followupdate": to_date(followup_date, "followup_date"),
            "member_name": member_name,
            "contact_comment": comment,
        }
        return await self._call_model("savecontact_v2", params, ActionResult, call=options)

    async def edit(
        self,
        *,
        contact_id: int | str,
        number: str | None = None,
        name: str | None = None,
        email: str | None = None,
        address: str | None = None,
        status: ContactStatus | int | str | None = None,
        followup_date: date | str | None = None,
        followup_time: time | str | None = None,
        member_name: str | None = None,
        comment: str | None = None,
        followup_action: bool | None = None,
        **options: Unpack[CallOptions],
    ) -> ActionResult:
        """Change a contact (``POST editContact_v2``); only the fields given are sent.

        Args:
            contact_id: the contact (API ``contact_id``).
            number: (API ``contact_num``).
            name: (API ``contact_name``).
            email: (API ``contact_email``).
            address: (API ``contact_address``).
            status: ``ContactStatus`` member, code or name (API ``contact_status``).
            followup_date: (API ``contact_followupdate``, ``YYYY-MM-DD``).
            followup_time: ``time`` or ``"HH:MM[:SS]"`` (API ``contact_followuptime``).
            member_name: the owning member (API ``member_name``).
            comment: (API ``contact_comment``).
            followup_action: ``True`` schedules the follow-up given by ``followup_date`` /
                ``followup_time`` (API ``followup_action``: ``Yes``; ``False`` sends ``No``,
                a value no source shows).
        """
        params: dict[str, ParamValue] = {
            "contact_id": check_id(contact_id, "contact_id"),
            "contact_num": normalize_optional_phone(number, "number"),
            "contact_name": None if name is None else check_text(name, "name"),
            "contact_email": email,
            "contact_address": address,
            "contact_status": check_optional_enum(status, ContactStatus, "status"),
            "contact_followupdate": to_date(followup_date, "followup_date"),
            "contact_followuptime": (
                None if followup_time is None else check_time(followup_time, "followup_time")
            ),
            "member_name": member_name,
            "contact_comment": comment,
            "followup_action": (
                None if check_flag(followup_action, "followup_action") is None
                else ("Yes" if followup_action else "No")
            ),
        }  # fmt: skip
        return await self._call_model("editContact_v2", params, ActionResult, call=options)

    async def delete(self, *, number: str, **options: Unpack[CallOptions]) -> ActionResult:
        """Delete a contact by its number, not its id (``POST deleteContact``).

        Args:
            number: the contact's number (API ``contact_num``).
        """
        params = {"contact_num": normalize_phone(number, "number")}
        return await self._call_model("deleteContact", params, ActionResult, call=options)
