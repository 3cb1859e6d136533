"""Bar 3: bad input raises ValueError naming the parameter, and nothing is sent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aioresponses import aioresponses

from callerdesk_async import CallerdeskClient

Invoke = Callable[[CallerdeskClient], Awaitable[Any]]
NINE = "987654321"
OK = "9876543210"
DID = "08065551234"

BAD: list[tuple[str, str, Invoke]] = [
    # Reversed date ranges.
    (
        "calls.list dates",
        "start_date",
        lambda cd: cd.calls.list(start_date="2026-02-01", end_date="2026-01-01").collect(),
    ),
    (
        "app_calls.list dates",
        "start_date",
        lambda cd: cd.app_calls.list(start_date="2026-02-01", end_date="2026-01-31").collect(),
    ),
    (
        "contacts.list dates",
        "start_date",
        lambda cd: cd.contacts.list(start_date="2026-02-01", end_date="2026-01-31").collect(),
    ),
    ("calls.summary date", "date", lambda cd: cd.calls.summary(date="05/01/2026")),
    # 9-digit phone numbers.
    (
        "click_to_call agent",
        "agent",
        lambda cd: cd.calls.click_to_call(agent=NINE, customer=OK, deskphone=DID),
    ),
    (
        "click_to_call customer",
        "customer",
        lambda cd: cd.calls.click_to_call(agent=OK, customer=NINE, deskphone=DID),
    ),
    (
        "reverse customer",
        "customer",
        lambda cd: cd.calls.reverse_click_to_call(customer=NINE, agent=OK, deskphone=DID),
    ),
    (
        "by_member_id customer",
        "customer",
        lambda cd: cd.calls.click_to_call_by_member_id(member_id=7, customer=NINE, deskphone=DID),
    ),
    (
        "single_leg agent",
        "agent",
        lambda cd: cd.calls.single_leg_call(agent=NINE, customer=OK, callerid=DID),
    ),
    ("calls.list caller_num", "caller_num", lambda cd: cd.calls.list(caller_num=NINE).collect()),
    (
        "members.list member_num",
        "member_num",
        lambda cd: cd.members.list(member_num=NINE).collect(),
    ),
    ("members.add number", "number", lambda cd: cd.members.add(name="Ravi", number=NINE)),
    ("members.update number", "number", lambda cd: cd.members.update(member_id=7, number=NINE)),
    (
        "working status member_num",
        "member_num",
        lambda cd: cd.members.set_working_status(
            status="Ready", member_name="Ravi", member_num=NINE
        ),
    ),
    ("contacts.add number", "number", lambda cd: cd.contacts.add(number=NINE, name="Asha")),
    ("contacts.delete number", "number", lambda cd: cd.contacts.delete(number=NINE)),
    ("blocklist.block number", "number", lambda cd: cd.blocklist.block(number=NINE)),
    ("blocklist.unblock number", "number", lambda cd: cd.blocklist.unblock(number="+91" + NINE)),
    # Unknown enum names and unlisted codes.
    (
        "members.add access name",
        "access",
        lambda cd: cd.members.add(name="Ravi", number=OK, access="superuser"),
    ),
    (
        "members.add access code",
        "access",
        lambda cd: cd.members.add(name="Ravi", number=OK, access=9),
    ),
    (
        "members.update status name",
        "status",
        lambda cd: cd.members.update(member_id=7, status="gone"),
    ),
    (
        "call_groups.update strategy",
        "strategy",
        lambda cd: cd.call_groups.update(group_id=1, strategy="fastest"),
    ),
    (
        "contacts.add status",
        "status",
        lambda cd: cd.contacts.add(number=OK, name="Asha", status="lukewarm"),
    ),
    ("contacts.list status", "status", lambda cd: cd.contacts.list(status="HOTTEST").collect()),
    (
        "add_ivr_flow strategy",
        "strategy",
        lambda cd: cd.account.add_ivr_flow(
            did_id=1, group_id=2, voicemail_prompt_id=3, strategy="loudest"
        ),
    ),
    (
        "working status",
        "status",
        lambda cd: cd.members.set_working_status(status="Lunch", member_name="Ravi", member_num=OK),
    ),  # type: ignore[arg-type]
    # per_page=0 on every paginator.
    ("calls.list per_page", "per_page", lambda cd: cd.calls.list(per_page=0).collect()),
    ("app_calls.list per_page", "per_page", lambda cd: cd.app_calls.list(per_page=0).collect()),
    ("members.list per_page", "per_page", lambda cd: cd.members.list(per_page=0).collect()),
    ("call_groups.list per_page", "per_page", lambda cd: cd.call_groups.list(per_page=0).collect()),
    ("contacts.list per_page", "per_page", lambda cd: cd.contacts.list(per_page=0).collect()),
    ("blocklist.list per_page", "per_page", lambda cd: cd.blocklist.list(per_page=0).collect()),
    (
        "whatsapp_templates per_page",
        "per_page",
        lambda cd: cd.account.whatsapp_templates(per_page=0).collect(),
    ),
    # Other malformed values.
    (
        "deskphone letters",
        "deskphone",
        lambda cd: cd.calls.click_to_call(agent=OK, customer=OK, deskphone="0806-DID"),
    ),
    (
        "call_limit zero",
        "call_limit",
        lambda cd: cd.calls.reverse_click_to_call(
            customer=OK, agent=OK, deskphone=DID, call_limit=0
        ),
    ),
    ("member_id text", "member_id", lambda cd: cd.members.delete(member_id="ravi")),
    ("sid_id blank", "sid_id", lambda cd: cd.calls.routing_detail(" ")),
    ("weekday 0", "days", lambda cd: cd.call_groups.update(group_id=1, days=[0, 1])),
    ("start_time", "start_time", lambda cd: cd.call_groups.update(group_id=1, start_time="25:00")),
    # A bool used to mean Advance; Normal could not be set. Refused with the modes named.
    ("sticky bool", "StickyMode", lambda cd: cd.call_groups.update(group_id=1, sticky=True)),  # type: ignore[arg-type]
    ("sticky code", "sticky", lambda cd: cd.call_groups.update(group_id=1, sticky=3)),
    ("sticky name", "sticky", lambda cd: cd.call_groups.update(group_id=1, sticky="sometimes")),
    ("weekday name", "funday", lambda cd: cd.call_groups.update(group_id=1, days=["funday"])),
    ("weekday 8", "days", lambda cd: cd.call_groups.update(group_id=1, days=[8])),
    ("weekday str", "days", lambda cd: cd.call_groups.update(group_id=1, days="mon")),  # type: ignore[arg-type]
    ("no weekdays", "days", lambda cd: cd.call_groups.update(group_id=1, days=[])),
    ("time seconds", "seconds", lambda cd: cd.call_groups.update(group_id=1, end_time="18:00:30")),
    ("time pm", "end_time", lambda cd: cd.call_groups.update(group_id=1, end_time="13:00 PM")),
    ("all_day int", "all_day", lambda cd: cd.call_groups.update(group_id=1, all_day=1)),  # type: ignore[arg-type]
    (
        "no member ids",
        "add_member_id",
        lambda cd: cd.call_groups.update(group_id=1, add_member_id=[]),
    ),
    (
        "bad member id",
        "add_member_id",
        lambda cd: cd.call_groups.update(group_id=1, add_member_id=[5, "x"]),
    ),
    (
        "extra repeats a typed field",
        "bussiness_hours",
        lambda cd: cd.call_groups.update(
            group_id=1, all_day=True, extra_params={"bussiness_hours": 0}
        ),
    ),
    (
        "extra authcode",
        "authcode",
        lambda cd: cd.call_groups.update(group_id=1, extra_params={"authcode": "x"}),
    ),
    (
        "extra value type",
        "business_hours",
        lambda cd: cd.call_groups.update(group_id=1, extra_params={"business_hours": [0]}),  # type: ignore[dict-item]
    ),
    (
        "callerid letters",
        "callerid",
        lambda cd: cd.calls.click_to_call(agent=OK, customer=OK, deskphone=DID, callerid="DID"),
    ),
    (
        "call_limit bool",
        "call_limit",
        lambda cd: cd.calls.click_to_call(agent=OK, customer=OK, deskphone=DID, call_limit=True),
    ),
    (
        "uid blank",
        "uid",
        lambda cd: cd.calls.click_to_call(agent=OK, customer=OK, deskphone=DID, uid=" "),
    ),
    (
        "followup_action text",
        "followup_action",
        lambda cd: cd.contacts.edit(contact_id=1, followup_action="Yes"),  # type: ignore[arg-type]
    ),
    ("group name blank", "name", lambda cd: cd.call_groups.create(name=" ", deskphone_id=3)),
    ("update_profile empty", "at least one", lambda cd: cd.account.update_profile()),
]


@pytest.mark.parametrize(("name", "mentions", "invoke"), BAD, ids=[b[0] for b in BAD])
async def test_bad_input_raises_before_sending(
    name: str, mentions: str, invoke: Invoke, cd: CallerdeskClient, mocked: aioresponses
) -> None:
    with pytest.raises(ValueError, match=mentions):
        await invoke(cd)
    assert mocked.requests == {}
