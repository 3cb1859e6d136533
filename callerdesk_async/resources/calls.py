"""``cd.calls`` and ``cd.app_calls``: call reports and click-to-call."""

from __future__ import annotations

from datetime import date
from typing import Literal

from .._pagination import AsyncPaginator, PageState
from .._validation import check_date_range, normalize_phone
from ..models import CallRecord, ClickToCallResult
from ._base import Resource

__all__ = ["AppCallsResource", "CallsResource"]

FlowType = Literal["IVR", "WEBOBD"]
_CALL_KEYS = ("id", "sid_id")


def _optional_phone(value: str | None, name: str) -> str | None:
    return None if value is None else normalize_phone(value, name)


class CallsResource(Resource):
    """The call report (``call_list_v2``) and click-to-call."""

    def list(
        self,
        *,
        start_date: date | str | None = None,
        end_date: date | str | None = None,
        deskphone: str | None = None,
        member_num: str | None = None,
        caller_num: str | None = None,
        callresult: str | None = None,
        flow_type: FlowType | None = None,
        callstatus: str | None = None,
        per_page: int = 100,
        max_pages: int | None = None,
        resume: PageState | None = None,
    ) -> AsyncPaginator[CallRecord]:
        """Iterate the call report (IVR and click-to-call calls), newest first.

        Args:
            start_date, end_date: inclusive days (``date`` or ``YYYY-MM-DD``); same day = one day.
            deskphone: only calls on this DID (as the account lists it).
            member_num: only calls handled by this member (10-digit number).
            caller_num: only calls with this customer number (10-digit number).
            callresult: e.g. ``"Answered"``, ``"No Answer"``, ``"Voice Mail"`` (API field).
            flow_type: ``"IVR"`` (incoming) or ``"WEBOBD"`` (click-to-call) (API ``Flow_type``).
            callstatus: e.g. ``"ANSWER"``, ``"NO ANSWER"`` (API field; semantics undocumented).
            per_page: rows per request (1-1000; the server may cap it, which is detected).
            max_pages: stop with PaginationError after this many page requests.
            resume: a ``PageState`` from an earlier ``pager.state`` to continue from.
        """
        start, end = check_date_range(start_date, end_date)
        if flow_type is not None and flow_type not in ("IVR", "WEBOBD"):
            raise ValueError(f"flow_type must be 'IVR' or 'WEBOBD', got {flow_type!r}")
        params = {
            "start_date": start,
            "end_date": end,
            "deskphone": deskphone,
            "member_num": _optional_phone(member_num, "member_num"),
            "caller_num": _optional_phone(caller_num, "caller_num"),
            "callresult": callresult,
            "Flow_type": flow_type,
            "callstatus": callstatus,
        }
        return self._paginate(
            "call_list_v2",
            CallRecord,
            params,
            per_page=per_page,
            resume=resume,
            max_pages=max_pages,
            key_fields=_CALL_KEYS,
        )

    async def click_to_call(
        self,
        *,
        agent: str,
        customer: str,
        deskphone: str,
        group_name: str | None = None,
        campid: str | None = None,
    ) -> ClickToCallResult:
        """Ring ``agent`` first, then bridge to ``customer`` (``click_to_call_v2``).

        Never retried once it may have reached the server: a dropped connection or timeout
        raises :class:`~callerdesk_async.errors.OutcomeUnknownError`, so a phone never rings
        twice because of the SDK.

        Args:
            agent: the member's number, rung first (API ``calling_party_a``).
            customer: the customer's number, rung second (API ``calling_party_b``).
            deskphone: the DID shown as caller ID, exactly as ``getdeskphone_v2`` lists it.
            group_name: report the call under this call group (``agent`` must belong to it).
            campid: your own tracking id, echoed in webhooks.
        """
        params = {
            "calling_party_a": normalize_phone(agent, "agent"),
            "calling_party_b": normalize_phone(customer, "customer"),
            "deskphone": _check_deskphone(deskphone),
            "call_from_did": 1,
            "group_name": group_name,
            "campid": campid,
        }
        return await self._call_model("click_to_call_v2", params, ClickToCallResult)


def _check_deskphone(value: str) -> str:
    text = str(value).strip()
    if not text.isdigit():
        raise ValueError(f"deskphone must be the DID's digits as listed, got {value!r}")
    return text


class AppCallsResource(Resource):
    """The app call report (``app_call_list_v2``): calls placed through the mobile app."""

    def list(
        self,
        *,
        start_date: date | str | None = None,
        end_date: date | str | None = None,
        deskphone: str | None = None,
        caller_num: str | None = None,
        callresult: str | None = None,
        per_page: int = 100,
        max_pages: int | None = None,
        resume: PageState | None = None,
    ) -> AsyncPaginator[CallRecord]:
        """Iterate the app call report, newest first. The agent filter is ``caller_num`` here."""
        start, end = check_date_range(start_date, end_date)
        params = {
            "start_date": start,
            "end_date": end,
            "deskphone": deskphone,
            "caller_num": _optional_phone(caller_num, "caller_num"),
            "callresult": callresult,
        }
        return self._paginate(
            "app_call_list_v2",
            CallRecord,
            params,
            per_page=per_page,
            resume=resume,
            max_pages=max_pages,
            key_fields=_CALL_KEYS,
        )
