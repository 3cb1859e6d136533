"""``cd.calls`` and ``cd.app_calls``: call reports, live calls, analytics and click-to-call."""

from __future__ import annotations

import builtins
from datetime import date as Date
from typing import Literal

from typing_extensions import Unpack

from .._pagination import AsyncPaginator, PageState
from .._protocol import ParamValue
from .._validation import (
    check_date_range,
    check_deskphone,
    check_id,
    check_text,
    normalize_optional_phone,
    normalize_phone,
    to_date,
)
from ..models import (
    CallRecord,
    CallSummary,
    ClickToCallResult,
    Dashboard,
    LiveCalls,
    RoutingStep,
)
from ._base import CallOptions, Resource

__all__ = ["AppCallsResource", "CallsResource"]

FlowType = Literal["IVR", "WEBOBD"]
_CALL_KEYS = ("id", "sid_id")
# ``call_from_did`` is documented as mandatory and always 1 for every click-to-call flow.
_FROM_DID = 1


def _seconds(call_limit: int | None) -> int | None:
    if call_limit is not None and (
        isinstance(call_limit, bool) or not isinstance(call_limit, int) or call_limit < 1
    ):
        raise ValueError(f"call_limit must be a positive number of seconds, got {call_limit!r}")
    return call_limit


class CallsResource(Resource):
    """The call report (``call_list_v2``), live calls, analytics and the click-to-call family.

    None of the click-to-call methods is retried once the request may have reached the
    server: a dropped connection or timeout raises
    :class:`~callerdesk_async.errors.OutcomeUnknownError`, so a phone never rings twice
    because of the SDK.
    """

    def list(
        self,
        *,
        start_date: Date | str | None = None,
        end_date: Date | str | None = None,
        deskphone: str | None = None,
        member_num: str | None = None,
        caller_num: str | None = None,
        callresult: str | None = None,
        flow_type: FlowType | None = None,
        callstatus: str | None = None,
        per_page: int = 100,
        max_pages: int | None = None,
        resume: PageState | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncPaginator[CallRecord]:
        """Iterate the call report (``POST call_list_v2``): IVR and click-to-call, newest first.

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
        params: dict[str, ParamValue] = {
            "start_date": start,
            "end_date": end,
            "deskphone": None if deskphone is None else check_deskphone(deskphone),
            "member_num": normalize_optional_phone(member_num, "member_num"),
            "caller_num": normalize_optional_phone(caller_num, "caller_num"),
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
            call=options,
        )

    async def click_to_call(
        self,
        *,
        agent: str,
        customer: str,
        deskphone: str,
        group_name: str | None = None,
        campid: str | None = None,
        callerid: str | None = None,
        call_limit: int | None = None,
        call_start_time: str | None = None,
        uid: str | None = None,
        **options: Unpack[CallOptions],
    ) -> ClickToCallResult:
        """Ring ``agent`` first, then bridge to ``customer`` (``GET click_to_call_v2``).

        Args:
            agent: the member's number, rung first (API ``calling_party_a``).
            customer: the customer's number, rung second (API ``calling_party_b``).
            deskphone: the DID shown as caller ID, exactly as ``getdeskphone_v2`` lists it
                (API ``deskphone``).
            group_name: report the call under this call group; ``agent`` must belong to it
                (API ``group_name``).
            campid: your own tracking id, echoed in webhooks (API ``campid``).
            callerid: the DID shown to the member/customer, as the account lists it (API
                ``callerid``; documented, rarely used).
            call_limit: hang up after this many seconds (API ``CallLimit``).
            call_start_time: sent as given (API ``call_start_time``; documented without its
                meaning or format, probably scheduling).
            uid: white-label hosts: your own id, echoed in the call's webhook (API ``uid``).
        """
        params: dict[str, ParamValue] = {
            "calling_party_a": normalize_phone(agent, "agent"),
            "calling_party_b": normalize_phone(customer, "customer"),
            "deskphone": check_deskphone(deskphone),
            "call_from_did": _FROM_DID,
            "group_name": group_name,
            "campid": campid,
            "callerid": None if callerid is None else check_deskphone(callerid, "callerid"),
            "CallLimit": _seconds(call_limit),
            "call_start_time": (
                None if call_start_time is None else check_text(call_start_time, "call_start_time")
            ),
            "uid": None if uid is None else check_text(uid, "uid"),
        }
        return await self._call_model("click_to_call_v2", params, ClickToCallResult, call=options)

    async def reverse_click_to_call(
        self,
        *,
        customer: str,
        agent: str,
        deskphone: str,
        call_limit: int | None = None,
        campid: str | None = None,
        callerid: str | None = None,
        **options: Unpack[CallOptions],
    ) -> ClickToCallResult:
        """Ring ``customer`` first, then bridge to ``agent`` (``GET click_to_call_v3``).

        The variant that bridges the customer to a deskphone's call group instead of a member
        has no known path; see ``docs/api.md``.

        Args:
            customer: the customer's number, rung first (API ``calling_party_a``).
            agent: an active member's number, rung second (API ``calling_party_b``).
            deskphone: the DID, exactly as ``getdeskphone_v2`` lists it (API ``deskphone``).
            call_limit: hang up after this many seconds (API ``CallLimit``; v2 docs only).
            campid: your own tracking id, echoed in webhooks (API ``campid``).
            callerid: the DID landed on the member/customer, as the account lists it (API
                ``callerid``, v1 docs).
        """
        params: dict[str, ParamValue] = {
            "calling_party_a": normalize_phone(customer, "customer"),
            "calling_party_b": normalize_phone(agent, "agent"),
            "deskphone": check_deskphone(deskphone),
            "call_from_did": _FROM_DID,
            "CallLimit": _seconds(call_limit),
            "campid": campid,
            "callerid": None if callerid is None else check_deskphone(callerid, "callerid"),
        }
        return await self._call_model("click_to_call_v3", params, ClickToCallResult, call=options)

    async def click_to_call_by_member_id(
        self, *, member_id: int | str, customer: str, deskphone: str, **options: Unpack[CallOptions]
    ) -> ClickToCallResult:
        """Ring the member with ``member_id`` first, then ``customer`` (``GET click_to_call_v4``).

        Args:
            member_id: the member's id from ``cd.members.list()`` (API ``member_id``).
            customer: the customer's number, rung second (API ``calling_party_b``).
            deskphone: the DID, exactly as ``getdeskphone_v2`` lists it (API ``deskphone``).
        """
        params: dict[str, ParamValue] = {
            "member_id": check_id(member_id, "member_id"),
            "calling_party_b": normalize_phone(customer, "customer"),
            "deskphone": check_deskphone(deskphone),
            "call_from_did": _FROM_DID,
        }
        return await self._call_model("click_to_call_v4", params, ClickToCallResult, call=options)

    async def single_leg_call(
        self, *, agent: str, customer: str, callerid: str, **options: Unpack[CallOptions]
    ) -> ClickToCallResult:
        """Place a single-leg call from a member's phone (``POST singleleg-clicktocall``).

        The response's fields beyond ``type``/``message`` are not documented; ``campid`` and
        ``callerid`` are filled if the API sends them.

        Args:
            agent: the member's mobile number (API ``agent_number``).
            customer: the customer's number (API ``customer_number``).
            callerid: the DID to present, as the account lists it (API ``callerid``).
        """
        params: dict[str, ParamValue] = {
            "agent_number": normalize_phone(agent, "agent"),
            "customer_number": normalize_phone(customer, "customer"),
            "callerid": check_deskphone(callerid, "callerid"),
        }
        return await self._call_model(
            "singleleg-clicktocall", params, ClickToCallResult, call=options
        )

    async def live(self, **options: Unpack[CallOptions]) -> LiveCalls:
        """The calls in progress right now (``GET live_call_v2``)."""
        return await self._call_model("live_call_v2", {}, LiveCalls, call=options)

    async def routing_detail(
        self, sid_id: str, **options: Unpack[CallOptions]
    ) -> builtins.list[RoutingStep]:
        """Every member a call was offered to (``POST getroutingdetail_V2``).

        Args:
            sid_id: the call's ``sid_id`` from a call-report row (API ``sid_id``).
        """
        if not isinstance(sid_id, str) or not sid_id.strip():
            raise ValueError(f"sid_id must be a call's sid_id string, got {sid_id!r}")
        return await self._call_items(
            "getroutingdetail_V2", {"sid_id": sid_id.strip()}, RoutingStep, call=options
        )

    async def summary(
        self, *, date: Date | str | None = None, **options: Unpack[CallOptions]
    ) -> CallSummary:
        """Summary counts and member analysis (``POST get-count-v2``).

        Args:
            date: the day to count (``date`` or ``YYYY-MM-DD``; API ``date``, seen once);
                the account's default period when omitted.
        """
        return await self._call_model(
            "get-count-v2", {"date": to_date(date, "date")}, CallSummary, call=options
        )

    async def dashboard(self, **options: Unpack[CallOptions]) -> Dashboard:
        """The analytics dashboard's hourly, daily and regional series (``POST dashboard_v2``)."""
        return await self._call_model("dashboard_v2", {}, Dashboard, call=options)


class AppCallsResource(Resource):
    """The app call report (``app_call_list_v2``): calls placed through the mobile app."""

    def list(
        self,
        *,
        start_date: Date | str | None = None,
        end_date: Date | str | None = None,
        deskphone: str | None = None,
        caller_num: str | None = None,
        callresult: str | None = None,
        per_page: int = 100,
        max_pages: int | None = None,
        resume: PageState | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncPaginator[CallRecord]:
        """Iterate the app call report, newest first (``POST app_call_list_v2``).

        Args:
            start_date, end_date: inclusive days (``date`` or ``YYYY-MM-DD``).
            deskphone: only calls on this DID (API ``deskphone``).
            caller_num: the agent filter here, unlike the call report (API ``caller_num``).
            callresult: e.g. ``"Answered"`` (API ``callresult``).
            per_page, max_pages, resume: as for :meth:`CallsResource.list`.
        """
        start, end = check_date_range(start_date, end_date)
        params: dict[str, ParamValue] = {
            "start_date": start,
            "end_date": end,
            "deskphone": None if deskphone is None else check_deskphone(deskphone),
            "caller_num": normalize_optional_phone(caller_num, "caller_num"),
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
            call=options,
        )
