"""The sandbox's own declaration of the Callerdesk API, written from the reference.

Paths, HTTP methods, parameter names and response keys are copied here from
``callerdesk-api.md`` (section numbers in the comments), not from the SDK's registry in
``callerdesk_async/_protocol.py``: the routes are built from this table and, in strict mode,
a request carrying a field the reference does not list is refused. So a wrong path, method,
field name or response key in the SDK fails against the sandbox instead of being echoed back,
and ``tests/sandbox/test_api_declaration.py`` compares the two tables directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import attrs

__all__ = ["API", "PAGING", "ApiEndpoint"]

PAGING = frozenset({"current_page", "per_page"})
"""The paging fields (reference section 1.5)."""


@attrs.frozen
class ApiEndpoint:
    """One endpoint as the reference describes it.

    Attributes:
        name: the endpoint's path without a trailing slash (the key both tables use).
        path: joined to the API prefix, spelled as the official app spells it.
        method: ``GET`` reads the query string; ``POST`` a form body (query honoured too).
        section: where the reference describes it.
        required, optional: the request fields besides ``authcode`` (paging included).
        items_key, total_key: the response keys of the row list and of the total count.
    """

    name: str
    path: str
    method: Literal["GET", "POST"]
    section: str
    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()
    items_key: str | None = None
    total_key: str | None = None

    @property
    def paginated(self) -> bool:
        """Takes ``current_page``/``per_page``."""
        return self.optional >= PAGING

    @property
    def fields(self) -> frozenset[str]:
        """Every field the endpoint accepts, ``authcode`` included."""
        return self.required | self.optional | {"authcode"}


def _ep(
    name: str,
    method: Literal["GET", "POST"],
    section: str,
    required: Iterable[str] = (),
    optional: Iterable[str] = (),
    *,
    path: str | None = None,
    items: str | None = None,
    total: str | None = None,
    paged: bool = False,
) -> ApiEndpoint:
    return ApiEndpoint(
        name=name,
        path=path or name,
        method=method,
        section=section,
        required=frozenset(required),
        optional=frozenset(optional) | (PAGING if paged else frozenset()),
        items_key=items,
        total_key=total,
    )


_C2C = ("calling_party_a", "calling_party_b", "deskphone", "call_from_did")
_CONTACT = (
    "contact_email",
    "contact_address",
    "contact_status",
    "contact_followupdate",
    "member_name",
    "contact_comment",
)
_TEMPLATE = ("wa_template_name", "wa_template_content", "wa_template_type", "wa_template_title")

_ENDPOINTS = (
    # §3.1 normal, §3.2 with group_name; CallLimit and uid per §3.1/§3.7, waittime §3.7.
    _ep(
        "click_to_call_v2",
        "GET",
        "3.1",
        _C2C,
        ("campid", "callerid", "call_start_time", "CallLimit", "uid", "group_name", "waittime"),
    ),
    # §3.3 reverse (customer first); group_name per N8N (§3.3), CallLimit v2 docs only.
    _ep("click_to_call_v3", "GET", "3.3", _C2C, ("CallLimit", "campid", "callerid", "group_name")),
    # §3.5 via member id: member_id replaces calling_party_a.
    _ep(
        "click_to_call_v4",
        "GET",
        "3.5",
        ("member_id", "calling_party_b", "deskphone", "call_from_did"),
    ),
    _ep("singleleg-clicktocall", "POST", "3.6", ("agent_number", "customer_number", "callerid")),
    _ep("live_call_v2", "GET", "4.1", items="live_calls"),
    _ep(
        "call_list_v2",
        "POST",
        "4.2",
        (),
        (
            "start_date",
            "end_date",
            "deskphone",
            "member_num",
            "caller_num",
            "callresult",
            "Flow_type",
            "callstatus",
            "contact_id",
            "block",
            "Member_type",
        ),
        items="result",
        total="total",
        paged=True,
    ),
    _ep(
        "app_call_list_v2",
        "POST",
        "4.3",
        (),
        ("start_date", "end_date", "caller_num", "deskphone", "callresult"),
        items="result",
        total="total",
        paged=True,
    ),
    _ep("getroutingdetail_V2", "POST", "4.4", ("sid_id",), items="routing_detail"),
    _ep("get-count-v2", "POST", "4.5", (), ("date",)),
    _ep("dashboard_v2", "POST", "4.6"),
    # §5 team members.
    _ep(
        "getmemberlist_V2",
        "POST",
        "5.1",
        (),
        ("member_num",),
        items="getmember",
        total="total_record",
        paged=True,
    ),
    _ep(
        "addmember_v2",
        "POST",
        "5.2",
        ("member_name", "member_num", "access", "active"),
        ("member_email", "password", "member_id"),
    ),
    # §5.3: the docs list them all as required, the app sends only the changed ones.
    _ep(
        "updatemember_v2",
        "POST",
        "5.3",
        ("member_id",),
        ("member_num", "member_name", "member_email", "password", "access", "status", "agent_extn"),
    ),
    _ep("deletemember_v2", "POST", "5.4", ("member_id",)),
    _ep("changeagentstatus", "POST", "5.5", ("agent_status",)),
    # §5.6: note the trailing slash in the app's URL.
    _ep(
        "update-working-status-v3",
        "GET",
        "5.6",
        ("working_status",),
        ("member_name", "member_num", "direction"),
        path="update-working-status-v3/",
    ),
    # §6 call groups.
    _ep("getgrouplist_v2", "POST", "6.1", items="grouplist", total="total", paged=True),
    _ep("getgroupbyid_v2", "POST", "6.2", ("group_id",)),
    # §6.3: the app spells the owner field group_owner__id; group_owner_id is §6.4's spelling,
    # tolerated here because which one createcallgroup reads is unverified.
    _ep(
        "createcallgroup",
        "POST",
        "6.3",
        ("group_name", "deskphone_id"),
        ("group_owner_name", "group_owner__id", "group_owner_id", "group_extn"),
    ),
    # §6.4: bussiness_hours is the app's spelling (1 = all day), business_hours the v1 docs'
    # (opposite meaning); member_id may be a comma list (bulk add).
    _ep(
        "updategroup_v2",
        "POST",
        "6.4",
        ("group_id",),
        (
            "group_name",
            "deskphone_id",
            "group_owner_id",
            "group_owner_name",
            "strategy_check",
            "sticky_member",
            "multi_sticky",
            "member_id",
            "day",
            "bussiness_hours",
            "business_hours",
            "starttime",
            "endtime",
            "business_hours_prompt_file_name",
            "business_hours_prompt_type",
            "holiday_prompt_file_name",
            "holiday_prompt_type",
        ),
    ),
    _ep("deletegroup", "POST", "6.5", ("group_id",)),
    _ep("delete_user_call_group", "POST", "6.6", ("id",)),
    _ep("getgroupschedule", "POST", "6.7", ("group_id",)),
    # §7 contacts, blacklist, account.
    _ep(
        "contact_list_v2",
        "POST",
        "7.1",
        (),
        ("start_date", "end_date", "member_name", "contact_status", "contact_id", "contact_num"),
        items="result",
        total="total",
        paged=True,
    ),
    _ep("savecontact_v2", "POST", "7.2", ("contact_num", "contact_name"), _CONTACT),
    _ep(
        "editContact_v2",
        "POST",
        "7.3",
        ("contact_id",),
        ("contact_num", "contact_name", *_CONTACT, "contact_followuptime", "followup_action"),
    ),
    _ep("deleteContact", "POST", "7.4", ("contact_num",)),
    _ep("block_number", "POST", "7.5", ("caller_number",)),
    _ep("unblock_number", "POST", "7.5", ("caller_number",)),
    # §7.6: the app sends only per_page; §1.5 lists it among the paged endpoints.
    _ep("getblocknumber", "POST", "7.6", items="blocklist_number", paged=True),
    _ep("profile_billing_v2", "POST", "7.7"),
    _ep(
        "update-profile",
        "POST",
        "7.8",
        (),
        ("company_name", "company_address", "pincode", "state", "gst_no", "plan_id"),
    ),
    _ep("getdeskphone_v2", "POST", "7.9", items="getdeskphone"),
    _ep("getprompt", "POST", "7.10", items="promptlist"),
    _ep(
        "addivrflow",
        "POST",
        "7.11",
        (
            "routing_id",
            "did_id",
            "user_voice_mail_prompt",
            "routing_action",
            "call_groupid",
            "call_strategy",
            "user_post_action",
        ),
    ),
    _ep("get_notification_setting_v2", "POST", "7.12"),
    _ep(
        "add-whatsapp-template",
        "POST",
        "7.12",
        ("wa_template_name", "wa_template_content"),
        ("wa_template_type", "wa_template_title"),
    ),
    _ep("update-whatsapp-template", "POST", "7.12", ("wa_template_id",), _TEMPLATE),
    # §7.12: the app reads the rows from whatsapp_template.
    _ep("get-whatsapp-template", "POST", "7.12", items="whatsapp_template", paged=True),
)

API: Mapping[str, ApiEndpoint] = {ep.name: ep for ep in _ENDPOINTS}
"""Every endpoint the sandbox serves, by name."""
