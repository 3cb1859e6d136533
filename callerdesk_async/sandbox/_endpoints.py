"""Which function answers which endpoint: the table behind every API route."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import _calls
from ._core import SandboxCore
from ._data import format_local
from ._state import page_params

__all__ = ["CLICK_TO_CALL", "ENDPOINT_HANDLERS", "Handler"]

Params = Mapping[str, str]
Handler = Callable[[SandboxCore, Params], "dict[str, Any] | bytes"]
CLICK_TO_CALL = frozenset(
    {"click_to_call_v2", "click_to_call_v3", "click_to_call_v4", "singleleg-clicktocall"}
)


def _pages(core: SandboxCore, params: Params) -> tuple[int, int]:
    return page_params(params, core.config.per_page, core.config.max_per_page)


def _now(core: SandboxCore) -> str:
    return format_local(core.calls.now_local(core.clock()))


def _profile(core: SandboxCore, _: Params) -> dict[str, Any]:
    state = core.state
    return {
        "type": "success",
        "login_account": dict(state.profile),
        "plan_details": [
            {"plan_id": "3", "plan_type": "Standard", "plan_amount": "9999",
             "plan_validity": "365", "call_coins": "50000"}
        ],
        "past_invoices": [
            {"order_id": "ORD10023", "plan_display_name": "Standard (Annual)",
             "plan_activation_date": state.profile["create_at"],
             "invoice_url": "https://app.callerdesk.io/invoice/ORD10023.pdf"}
        ],
        "did_id": ",".join(str(d.did_id) for d in core.world.deskphones),
    }  # fmt: skip


def _deskphones(core: SandboxCore, _: Params) -> dict[str, Any]:
    return {
        "type": "success",
        "getdeskphone": [
            {"did_id": str(d.did_id), "did_num": d.did_num, "deskphone": d.deskphone,
             "account_id": "4242", "status": "1"}
            for d in core.world.deskphones
        ],
    }  # fmt: skip


def _prompts(core: SandboxCore, _: Params) -> dict[str, Any]:
    kinds = ("WELCOME PROMPT", "AFTER WORK HOURS PROMPT", "VOICE MAIL", "HOLIDAY PROMPT")
    return {
        "type": "success",
        "promptlist": [
            {"id": str(401 + k), "template_name": kind.title(),
             "template_url": f"https://callrecords.callerdesk.io/prompts/{401 + k}.wav",
             "template_type_name": kind}
            for k, kind in enumerate(kinds)
        ],
    }  # fmt: skip


def _notifications(core: SandboxCore, _: Params) -> dict[str, Any]:
    events = ("missed_call", "call_report", "low_balance", "daily_summary")
    return {
        "type": "success",
        "notification_setting": [
            {"id": str(k + 1), "notification_type": event, "email": "1", "sms": str(k % 2),
             "whatsapp": "0", "status": "1"}
            for k, event in enumerate(events)
        ],
    }  # fmt: skip


ENDPOINT_HANDLERS: dict[str, Handler] = {
    "live_call_v2": lambda core, p: _calls.live_calls(core),
    "call_list_v2": lambda core, p: _calls.call_list(core, core.calls, p),
    "app_call_list_v2": lambda core, p: _calls.call_list(core, core.app_calls, p),
    "getroutingdetail_V2": _calls.routing_detail,
    "get-count-v2": _calls.counts,
    "dashboard_v2": lambda core, p: _calls.dashboard(core),
    "getmemberlist_V2": lambda core, p: core.state.list_members(p, *_pages(core, p)),
    "addmember_v2": lambda core, p: core.state.add_member(p),
    "updatemember_v2": lambda core, p: core.state.update_member(p),
    "deletemember_v2": lambda core, p: core.state.delete_member(p),
    "changeagentstatus": lambda core, p: core.state.change_agent_status(p),
    "update-working-status-v3": lambda core, p: core.state.update_working_status(p),
    "getgrouplist_v2": lambda core, p: core.state.list_groups(*_pages(core, p)),
    "getgroupbyid_v2": lambda core, p: core.state.group_by_id(p),
    "createcallgroup": lambda core, p: core.state.create_group(p),
    "updategroup_v2": lambda core, p: core.state.update_group(p),
    "deletegroup": lambda core, p: core.state.delete_group(p),
    "delete_user_call_group": lambda core, p: core.state.remove_group_member(p),
    "getgroupschedule": lambda core, p: core.state.group_schedule(p),
    "contact_list_v2": lambda core, p: core.state.list_contacts(p, *_pages(core, p)),
    "savecontact_v2": lambda core, p: core.state.save_contact(p, _now(core)),
    "editContact_v2": lambda core, p: core.state.edit_contact(p),
    "deleteContact": lambda core, p: core.state.delete_contact(p),
    "block_number": lambda core, p: core.state.block(p),
    "unblock_number": lambda core, p: core.state.unblock(p),
    "getblocknumber": lambda core, p: core.state.list_blocked(*_pages(core, p)),
    "profile_billing_v2": _profile,
    "update-profile": lambda core, p: core.state.update_profile(p),
    "getdeskphone_v2": _deskphones,
    "getprompt": _prompts,
    "addivrflow": lambda core, p: core.state.add_ivr_flow(p),
    "get_notification_setting_v2": _notifications,
    "add-whatsapp-template": lambda core, p: core.state.save_template(p, update=False),
    "update-whatsapp-template": lambda core, p: core.state.save_template(p, update=True),
    "get-whatsapp-template": lambda core, p: core.state.list_templates(*_pages(core, p)),
}
"""Every non-click-to-call endpoint of the sandbox's ``API`` → the function that answers it."""
