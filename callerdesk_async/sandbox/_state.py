"""The account's mutable state: members, call groups, contacts, blacklist, account settings.

Every operation takes the request's fields as strings and returns the response payload, or
raises :class:`Rejected` with the message the API would put in its error envelope.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from ._data import digits, format_local, local_day
from ._world import World

__all__ = ["AccountState", "Rejected", "page_params"]

Params = Mapping[str, str]
NO_RECORD = "No Record Found"
# Wordings seen in the reference (section 11.3); the others in this module are the sandbox's own.
DUPLICATE_MEMBER = "Mobile no of user is already register for this user."
NO_CALLGROUP = "No Callgroup is available for this Account."
INVALID_VALUE = "Invalid Parameter value."
_TIME = re.compile(r"(0?[1-9]|1[0-2]):[0-5]\d ?[AP]M|([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?",
                   re.IGNORECASE)  # fmt: skip
_DAYS = re.compile(r"[1-7](,[1-7])*")


class Rejected(Exception):
    """A request the API answers with ``{"type": "error", "message": ...}``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def page_params(params: Params, default: int, maximum: int | None) -> tuple[int, int]:
    """(current_page, per_page) with the API's leniency: junk → defaults, big → clamped to
    ``maximum`` when there is one."""
    try:
        page = max(1, int(params.get("current_page") or 1))
    except ValueError:
        page = 1
    try:
        per_page = int(params.get("per_page") or default)
    except ValueError:
        per_page = default
    per_page = max(per_page, 1)
    return page, per_page if maximum is None else min(per_page, maximum)


def _require(params: Params, *names: str) -> None:
    for name in names:
        if not params.get(name, "").strip():
            raise Rejected(f"Please provide {name}")


def _mobile(value: str) -> str:
    number = digits(value)
    if len(number) != 10:
        raise Rejected("Please enter valid 10 digit mobile number")
    return "0" + number


def _slice(items: list[dict[str, Any]], page: int, per_page: int) -> list[dict[str, Any]]:
    chunk = items[(page - 1) * per_page : page * per_page]
    if not chunk:
        raise Rejected(NO_RECORD)
    return chunk


class AccountState:
    """In-memory account, seeded from a :class:`World`."""

    def __init__(self, world: World, first_day: date, last_day: date) -> None:
        self.world = world
        rng = random.Random(f"callerdesk-sandbox-state-{world.seed}")
        span = (last_day - first_day).days + 1
        self.members: dict[int, dict[str, str]] = {}
        self.working_status: dict[int, str] = {}
        for m in world.members:
            self.members[m.member_id] = {
                "member_id": str(m.member_id),
                "member_name": m.member_name,
                "member_email": m.member_email,
                "member_num": m.member_num,
                "password": "********",
                "access": str(m.access),
                "status": "1",
                "type": "member",
                "agent_extn": m.agent_extn,
            }
            self.working_status[m.member_id] = "Ready"
        self.next_member = 1001 + len(world.members)
        self.groups: dict[int, dict[str, Any]] = {}
        self.group_members: dict[int, tuple[int, int]] = {}  # group_member_id → (group, member)
        self.next_group_member = 3001
        for k, g in enumerate(world.groups):
            self.groups[g.group_id] = self._new_group(
                g.group_id, g.group_name, g.deskphone.did_id, g.extension, g.call_strategy
            )
            # Section 6.4: is_sticky is 0 off, 1 Advance or 2 Normal; real accounts have all three.
            self.groups[g.group_id]["is_sticky"] = str(k % 3)
        for m in world.members:
            self._join(world.groups[m.group].group_id, m.member_id)
        self.next_group = 201 + len(world.groups)
        self.contacts: dict[int, dict[str, str]] = {}
        owners = list(world.members)
        for c in world.callers[: world.contacts]:
            assert c.contact_id is not None
            saved = local_day(first_day + timedelta(days=rng.randrange(span)))
            self.contacts[c.contact_id] = self._contact_record(
                c.contact_id,
                {
                    "contact_num": c.num,
                    "contact_name": c.name,
                    "contact_email": c.name.split()[0].lower() + "@example.in",
                    "member_name": rng.choice(owners).member_name,
                    "contact_status": str(1 + rng.randrange(6)),
                },
                format_local(saved + rng.randrange(86400)),
            )
        self.next_contact = 5001 + len(world.callers)
        self.blocked: dict[int, str] = {
            701 + k: world.callers[i].num for k, i in enumerate(world.blocked)
        }
        self.next_block = 701 + len(self.blocked)
        self.agent_status = "1"
        self.profile = {
            "company_name": "Sandbox Telecom Pvt Ltd",
            "company_address": "12 MG Road, Bengaluru",
            "state": "Karnataka",
            "pincode": "560001",
            "gst_no": "29ABCDE1234F1Z5",
            "fname": world.members[0].member_name,
            "admin_number": world.members[0].member_num,
            "plan_id": "3",
            "avail_call_coins": "25000",
            "create_at": f"{first_day.isoformat()} 10:15:00",
            "expired_on": f"{(last_day + timedelta(days=365)).isoformat()} 23:59:59",
        }
        self.ivr_flows: list[dict[str, str]] = []
        self.templates: dict[int, dict[str, str]] = {
            1: {
                "wa_template_id": "1",
                "wa_template_name": "missed_call",
                "wa_template_title": "Sorry we missed you",
                "wa_template_content": "We missed your call and will call you back shortly.",
                "wa_template_type": "text",
            },
            2: {
                "wa_template_id": "2",
                "wa_template_name": "after_hours",
                "wa_template_title": "We are closed",
                "wa_template_content": "Our office hours are 9 AM to 6 PM, Monday to Saturday.",
                "wa_template_type": "text",
            },
        }

    # --- members -----------------------------------------------------------------------

    def member_by_number(self, number: str) -> dict[str, str] | None:
        """The member whose number matches ``number`` (last 10 digits), if any."""
        want = digits(number)
        for member in self.members.values():
            if want and digits(member["member_num"]) == want:
                return member
        return None

    def can_take_calls(self, member: Mapping[str, str]) -> bool:
        """Active and not on a break: what click-to-call requires of the agent."""
        return (
            member["status"] == "1"
            and self.working_status.get(int(member["member_id"]), "Ready") == "Ready"
        )

    def list_members(self, params: Params, page: int, per_page: int) -> dict[str, Any]:
        items = list(self.members.values())
        if params.get("member_num"):
            want = digits(params["member_num"])
            items = [m for m in items if digits(m["member_num"]) == want]
        return {
            "type": "success",
            "getmember": _slice(items, page, per_page),
            "total_record": len(items),
        }

    def add_member(self, params: Params) -> dict[str, Any]:
        _require(params, "member_name", "member_num", "access", "active")
        number = _mobile(params["member_num"])
        if self.member_by_number(number) is not None:
            raise Rejected(DUPLICATE_MEMBER)
        if params["access"] not in ("1", "2", "3") or params["active"] not in ("0", "1"):
            raise Rejected(INVALID_VALUE)
        member_id = self.next_member
        self.next_member += 1
        member = {
            "member_id": str(member_id),
            "member_name": params["member_name"],
            "member_email": params.get("member_email", ""),
            "member_num": number,
            "password": "********",
            "access": params["access"],
            "status": params["active"],
            "type": "member",
            "agent_extn": str(100 + member_id - 1001),
        }
        self.members[member_id] = member
        self.working_status[member_id] = "Ready"
        return {"type": "success", "message": "Member Added Successfully.", "getmember": [member]}

    def _member(self, params: Params) -> dict[str, str]:
        _require(params, "member_id")
        try:
            return self.members[int(params["member_id"])]
        except (KeyError, ValueError):
            raise Rejected("Invalid Member Id") from None

    def update_member(self, params: Params) -> dict[str, Any]:
        member = self._member(params)
        for field in ("member_name", "member_email", "access", "agent_extn"):
            if params.get(field):
                member[field] = params[field]
        status = params.get("status") or params.get("active")
        if status:
            if status not in ("0", "1"):
                raise Rejected("Invalid Parameter value.")
            member["status"] = status
        return {"type": "success", "message": "Member Updated Successfully."}

    def delete_member(self, params: Params) -> dict[str, Any]:
        member_id = int(self._member(params)["member_id"])
        del self.members[member_id]
        for gm, (_, mid) in list(self.group_members.items()):
            if mid == member_id:
                del self.group_members[gm]
        return {"type": "success", "message": "Member Deleted Successfully."}

    def change_agent_status(self, params: Params) -> dict[str, Any]:
        _require(params, "agent_status")
        if params["agent_status"] not in ("0", "1"):
            raise Rejected("Invalid Parameter value.")
        self.agent_status = params["agent_status"]
        return {"type": "success", "message": "Agent Status Updated Successfully."}

    def update_working_status(self, params: Params) -> dict[str, Any]:
        _require(params, "working_status", "member_num")
        if params["working_status"] not in ("Ready", "Short Break"):
            raise Rejected("Invalid Parameter value.")
        member = self.member_by_number(params["member_num"])
        if member is None:
            raise Rejected("Invalid Member Number")
        self.working_status[int(member["member_id"])] = params["working_status"]
        return {"type": "success", "message": "Working Status Updated Successfully."}

    # --- call groups -------------------------------------------------------------------

    def _new_group(
        self, group_id: int, name: str, did_id: int, extension: str, strategy: int
    ) -> dict[str, Any]:
        desk = next(d for d in self.world.deskphones if d.did_id == did_id)
        return {
            "group_id": str(group_id),
            "group_name": name,
            "call_strategy": str(strategy),
            "is_sticky": "0",
            "is_multi_sticky": "0",
            "group_owner_name": self.world.members[0].member_name,
            "group_owner_id": str(self.world.members[0].member_id),
            "group_extn": extension,
            "deskphone_id": str(desk.did_id),
            "desk_phone": desk.deskphone,
            "did_no": desk.did_num,
            "time_schedule": "0",
            "schedule": {
                "day": "1,2,3,4,5,6,7",
                "starttime": "09:00:00",
                "endtime": "18:00:00",
                "bussiness_hours": "1",
                "holiday_prompt_type": "",
                "holiday_prompt_file_name": "",
                "business_hours_prompt_type": "",
                "business_hours_prompt_file_name": "",
            },
        }

    def _join(self, group_id: int, member_id: int) -> None:
        self.group_members[self.next_group_member] = (group_id, member_id)
        self.next_group_member += 1

    def _group_view(self, group: dict[str, Any]) -> dict[str, Any]:
        view = {k: v for k, v in group.items() if k != "schedule"}
        view["groupmember_count"] = str(
            sum(1 for g, _ in self.group_members.values() if str(g) == group["group_id"])
        )
        return view

    def _group(self, params: Params) -> dict[str, Any]:
        _require(params, "group_id")
        try:
            return self.groups[int(params["group_id"])]
        except (KeyError, ValueError):
            raise Rejected("Invalid Group Id") from None

    def group_names(self) -> set[str]:
        return {g["group_name"] for g in self.groups.values()}

    def list_groups(self, page: int, per_page: int) -> dict[str, Any]:
        if not self.groups:
            raise Rejected(NO_CALLGROUP)
        items = [self._group_view(g) for g in self.groups.values()]
        return {"type": "success", "grouplist": _slice(items, page, per_page), "total": len(items)}

    def group_by_id(self, params: Params) -> dict[str, Any]:
        group = self._group(params)
        gid = int(group["group_id"])
        live: list[dict[str, str]] = []
        in_group: set[int] = set()
        for gm_id, (g, mid) in self.group_members.items():
            if g != gid or mid not in self.members:
                continue
            m = self.members[mid]
            in_group.add(mid)
            live.append(
                {
                    "group_member_id": str(gm_id),
                    "member_id": m["member_id"],
                    "member_name": m["member_name"],
                    "member_email": m["member_email"],
                    "member_num": m["member_num"],
                    "group_member_status": "1",
                    "starttime": group["schedule"]["starttime"],
                    "endtime": group["schedule"]["endtime"],
                    "weekdays": group["schedule"]["day"],
                    "priority": str(len(live) + 1),
                    "member_status": m["status"],
                }
            )
        nonlive = [
            {k: m[k] for k in ("member_id", "member_name", "member_email", "member_num",
                               "access", "status")}
            for mid, m in self.members.items()
            if mid not in in_group
        ]  # fmt: skip
        return {
            "type": "success",
            "group_user_live": live,
            "group_user_nonlive": nonlive,
            "grouplist": [self._group_view(group)],
        }

    def create_group(self, params: Params) -> dict[str, Any]:
        _require(params, "group_name", "deskphone_id")
        if params["group_name"] in self.group_names():
            raise Rejected("Group name already exists")
        try:
            did_id = int(params["deskphone_id"])
        except ValueError:
            did_id = -1
        if did_id not in {d.did_id for d in self.world.deskphones}:
            raise Rejected("Invalid Deskphone")
        group_id = self.next_group
        self.next_group += 1
        ext = params.get("group_extn") or f"*{1000 + group_id}"
        group = self._new_group(group_id, params["group_name"], did_id, ext, 1)
        if params.get("group_owner_name"):
            group["group_owner_name"] = params["group_owner_name"]
        owner = params.get("group_owner_id") or params.get("group_owner__id")
        if owner:
            group["group_owner_id"] = owner
        self.groups[group_id] = group
        return {
            "type": "success",
            "message": "Call Group Created Successfully.",
            "grouplist": [self._group_view(group)],
        }

    def update_group(self, params: Params) -> dict[str, Any]:
        group = self._group(params)
        _check_group_values(params)
        simple = {
            "group_name": "group_name",
            "group_owner_id": "group_owner_id",
            "group_owner_name": "group_owner_name",
            "strategy_check": "call_strategy",
            "sticky_member": "is_sticky",
            "multi_sticky": "is_multi_sticky",
        }
        for field, key in simple.items():
            if params.get(field):
                group[key] = params[field]
        if params.get("deskphone_id"):
            desk = {str(d.did_id): d for d in self.world.deskphones}.get(params["deskphone_id"])
            if desk is None:
                raise Rejected("Invalid Deskphone")
            group.update(deskphone_id=str(desk.did_id), desk_phone=desk.deskphone,
                         did_no=desk.did_num)  # fmt: skip
        schedule = group["schedule"]
        if params.get("business_hours"):
            # The v1 docs' spelling has the opposite meaning: 0 = all day (section 6.4).
            schedule["bussiness_hours"] = "1" if params["business_hours"] == "0" else "0"
            group["time_schedule"] = "1"
        for field in ("day", "starttime", "endtime", "bussiness_hours", "holiday_prompt_type",
                      "holiday_prompt_file_name", "business_hours_prompt_type",
                      "business_hours_prompt_file_name"):  # fmt: skip
            if params.get(field):
                schedule[field] = params[field]
                group["time_schedule"] = "1"
        if params.get("member_id"):
            gid = int(group["group_id"])
            for text in params["member_id"].split(","):
                try:
                    member_id = int(text)
                except ValueError:
                    member_id = -1
                if member_id not in self.members:
                    raise Rejected("Invalid Member Id")
            for text in params["member_id"].split(","):  # section 6.4: a comma list bulk-adds
                if (gid, int(text)) not in self.group_members.values():
                    self._join(gid, int(text))
        return {"type": "success", "message": "Call Group Updated Successfully."}

    def delete_group(self, params: Params) -> dict[str, Any]:
        gid = int(self._group(params)["group_id"])
        del self.groups[gid]
        for gm, (g, _) in list(self.group_members.items()):
            if g == gid:
                del self.group_members[gm]
        return {"type": "success", "message": "Call Group Deleted Successfully."}

    def remove_group_member(self, params: Params) -> dict[str, Any]:
        _require(params, "id")
        try:
            del self.group_members[int(params["id"])]
        except (KeyError, ValueError):
            raise Rejected("Invalid Group Member Id") from None
        return {"type": "success", "message": "Member Removed From Call Group Successfully."}

    def group_schedule(self, params: Params) -> dict[str, Any]:
        return {"type": "success", **self._group(params)["schedule"]}

    # --- contacts ----------------------------------------------------------------------

    def _contact_record(self, contact_id: int, params: Params, saved: str) -> dict[str, str]:
        number = _mobile(params["contact_num"])
        return {
            "contact_id": str(contact_id),
            "contact_num": number,
            "contact_num_unmask": number,
            "contact_name": params["contact_name"],
            "contact_email": params.get("contact_email", ""),
            "contact_address": params.get("contact_address", ""),
            "company_name": params.get("company_name", ""),
            "member_name": params.get("member_name", ""),
            "contact_status": params.get("contact_status", "") or "6",
            "contact_comment": params.get("contact_comment", ""),
            "contact_savedate": saved,
            "contact_followupdate": params.get("contact_followupdate", "") or "0000-00-00",
            "contact_followuptime": params.get("contact_followuptime", ""),
            "deskphone": self.world.deskphones[0].deskphone,
        }

    def contact_by_number(self, number: str) -> dict[str, str] | None:
        want = digits(number)
        return next((c for c in self.contacts.values() if digits(c["contact_num"]) == want), None)

    def list_contacts(self, params: Params, page: int, per_page: int) -> dict[str, Any]:
        items = sorted(self.contacts.values(), key=lambda c: c["contact_savedate"], reverse=True)
        first, last = params.get("start_date", ""), params.get("end_date", "")
        if first:
            items = [c for c in items if c["contact_savedate"][:10] >= first]
        if last:
            items = [c for c in items if c["contact_savedate"][:10] <= last]
        for field in ("member_name", "contact_status", "contact_id"):
            if params.get(field):
                items = [c for c in items if c[field] == params[field]]
        if params.get("contact_num"):
            want = digits(params["contact_num"])
            items = [c for c in items if digits(c["contact_num"]) == want]
        return {"type": "success", "result": _slice(items, page, per_page), "total": len(items)}

    def save_contact(self, params: Params, saved: str) -> dict[str, Any]:
        _require(params, "contact_num", "contact_name")
        if self.contact_by_number(params["contact_num"]) is not None:
            raise Rejected("Contact number already exists.")
        contact_id = self.next_contact
        self.next_contact += 1
        self.contacts[contact_id] = self._contact_record(contact_id, params, saved)
        return {"type": "success", "message": "Contact Saved Successfully."}

    def edit_contact(self, params: Params) -> dict[str, Any]:
        _require(params, "contact_id")
        try:
            contact = self.contacts[int(params["contact_id"])]
        except (KeyError, ValueError):
            raise Rejected("Invalid Contact Id") from None
        if params.get("contact_num"):
            number = _mobile(params["contact_num"])
            contact["contact_num"] = contact["contact_num_unmask"] = number
        for field in ("contact_name", "contact_email", "contact_address", "company_name",
                      "member_name", "contact_status", "contact_comment",
                      "contact_followupdate", "contact_followuptime"):  # fmt: skip
            if params.get(field):
                contact[field] = params[field]
        return {"type": "success", "message": "Contact Updated Successfully."}

    def delete_contact(self, params: Params) -> dict[str, Any]:
        _require(params, "contact_num")
        contact = self.contact_by_number(params["contact_num"])
        if contact is None:
            raise Rejected("Contact not found.")
        del self.contacts[int(contact["contact_id"])]
        return {"type": "success", "message": "Contact Deleted Successfully."}

    # --- blacklist ---------------------------------------------------------------------

    def is_blocked(self, number: str) -> bool:
        want = digits(number)
        return any(digits(n) == want for n in self.blocked.values())

    def block(self, params: Params) -> dict[str, Any]:
        _require(params, "caller_number")
        number = digits(params["caller_number"])
        if len(number) != 10:
            raise Rejected("Please enter valid 10 digit mobile number")
        if self.is_blocked(number):
            raise Rejected("Number is already blocked.")
        self.blocked[self.next_block] = number
        self.next_block += 1
        return {"type": "success", "message": "Number Blocked Successfully."}

    def unblock(self, params: Params) -> dict[str, Any]:
        _require(params, "caller_number")
        want = digits(params["caller_number"])
        for block_id, number in list(self.blocked.items()):
            if digits(number) == want:
                del self.blocked[block_id]
                return {"type": "success", "message": "Number Unblocked Successfully."}
        raise Rejected("Number not found in block list.")

    def list_blocked(self, page: int, per_page: int) -> dict[str, Any]:
        items = [{"id": str(k), "caller_no": v} for k, v in sorted(self.blocked.items())]
        chunk = items[(page - 1) * per_page : page * per_page]
        return {"type": "success", "blocklist_number": chunk, "total": len(items)}

    # --- account -----------------------------------------------------------------------

    def update_profile(self, params: Params) -> dict[str, Any]:
        fields = ("company_name", "company_address", "pincode", "state", "gst_no", "plan_id")
        if not any(params.get(f) for f in fields):
            raise Rejected("Please provide profile details")
        for field in fields:
            if params.get(field):
                self.profile[field] = params[field]
        return {"type": "success", "message": "Profile Updated Successfully."}

    def add_ivr_flow(self, params: Params) -> dict[str, Any]:
        _require(params, "did_id", "call_groupid")
        if params["did_id"] not in {str(d.did_id) for d in self.world.deskphones}:
            raise Rejected("Invalid Deskphone")
        self._group({"group_id": params["call_groupid"]})
        flow = {k: v for k, v in params.items() if k != "authcode"}
        flow["ivr_id"] = str(901 + len(self.ivr_flows))
        self.ivr_flows.append(flow)
        return {
            "type": "success",
            "message": "IVR Flow Added Successfully.",
            "ivr_id": flow["ivr_id"],
        }

    def save_template(self, params: Params, *, update: bool) -> dict[str, Any]:
        if update:
            _require(params, "wa_template_id")
            try:
                template = self.templates[int(params["wa_template_id"])]
            except (KeyError, ValueError):
                raise Rejected("Invalid Template Id") from None
        else:
            _require(params, "wa_template_name", "wa_template_content")
            template_id = max(self.templates, default=0) + 1
            template = self.templates[template_id] = {"wa_template_id": str(template_id)}
        for field in ("wa_template_name", "wa_template_content", "wa_template_type",
                      "wa_template_title"):  # fmt: skip
            if params.get(field) or field not in template:
                template[field] = params.get(field, "")
        verb = "Updated" if update else "Added"
        return {"type": "success", "message": f"Template {verb} Successfully."}

    def list_templates(self, page: int, per_page: int) -> dict[str, Any]:
        items = [dict(t) for _, t in sorted(self.templates.items())]
        # Section 7.12: the app reads the list from "whatsapp_template".
        return {"type": "success", "whatsapp_template": _slice(items, page, per_page)}


def _check_group_values(params: Params) -> None:
    """``updategroup_v2``'s coded fields (section 6.4), refused like the white-label host
    refuses an unknown value (section 11.3)."""
    allowed = {"sticky_member": ("0", "1", "2"), "multi_sticky": ("0", "1"),
               "bussiness_hours": ("0", "1"), "business_hours": ("0", "1")}  # fmt: skip
    for field, values in allowed.items():
        if params.get(field) and params[field] not in values:
            raise Rejected(INVALID_VALUE)
    if params.get("day") and not _DAYS.fullmatch(params["day"]):
        raise Rejected(INVALID_VALUE)
    for field in ("starttime", "endtime"):
        if params.get(field) and not _TIME.fullmatch(params[field].strip()):
            raise Rejected(INVALID_VALUE)
