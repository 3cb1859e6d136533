"""Issue 14 against the sandbox over TCP: the shapes real accounts send (reference sections 1.2,
3.1, 6.4, 7.12, 10.3, 11.3) and the typed business errors.

The sandbox serves its own declaration of the API (written from the reference) in strict mode,
so every request here is checked field by field, not echoed back.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import date, time
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from callerdesk_async import CallerdeskClient
from callerdesk_async.errors import (
    AccountInactiveError,
    AgentUnavailableError,
    APIResponseError,
    DuplicateMemberError,
    NoCallGroupError,
)
from callerdesk_async.models import StickyMode
from callerdesk_async.sandbox import (
    Sandbox,
    SandboxConfig,
    call_report_payload,
    sample_call_rows,
    webhook_request,
)
from callerdesk_async.sandbox._webhooks import deliver
from callerdesk_async.webhooks import CallReportEvent, CallStatus, add_webhook_route


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox(SandboxConfig(seed=3, calls=200)) as sandbox:
        yield sandbox


@pytest.fixture
async def cd(sb: Sandbox) -> AsyncIterator[CallerdeskClient]:
    async with CallerdeskClient(sb.authcode, base_url=sb.base_url) as client:
        yield client


async def test_groups_with_every_sticky_mode_list_and_update(cd: CallerdeskClient) -> None:
    groups = await cd.call_groups.list().collect()
    # Section 6.4: is_sticky is 0 off, 1 Advance, 2 Normal; a Normal group no longer fails.
    assert {g.is_sticky for g in groups} == {StickyMode.OFF, StickyMode.ADVANCE, StickyMode.NORMAL}
    normal = next(g for g in groups if g.is_sticky is StickyMode.NORMAL)
    assert normal.group_id is not None
    detail = await cd.call_groups.get(group_id=normal.group_id)
    assert detail.group is not None and detail.group.is_sticky is StickyMode.NORMAL
    off = next(g for g in groups if g.is_sticky is StickyMode.OFF)
    assert off.group_id is not None
    for mode, expected in ((StickyMode.NORMAL, StickyMode.NORMAL), ("advance", StickyMode.ADVANCE),
                           (0, StickyMode.OFF)):  # fmt: skip
        await cd.call_groups.update(group_id=off.group_id, sticky=mode)
        got = await cd.call_groups.get(group_id=off.group_id)
        assert got.group is not None and got.group.is_sticky is expected


async def test_weekdays_times_and_all_day_reach_the_schedule(cd: CallerdeskClient) -> None:
    group_id = (await cd.call_groups.list().collect())[0].group_id
    assert group_id is not None
    monday = date(2026, 1, 5)
    await cd.call_groups.update(
        group_id=group_id,
        days=[monday.isoweekday(), "Wednesday", "fri", 7],
        start_time=time(9, 30),
        end_time="18:00",
        all_day=False,
    )
    schedule = await cd.call_groups.schedule(group_id=group_id)
    # Section 6.4: 1 = Monday ... 7 = Sunday; AM/PM times; the app's bussiness_hours 0 = hours.
    assert schedule.day == "1,3,5,7"
    assert schedule.days == (1, 3, 5, 7)
    assert (schedule.starttime, schedule.endtime) == ("09:30 AM", "06:00 PM")
    assert schedule.extra["bussiness_hours"] == "0"
    await cd.call_groups.update(group_id=group_id, all_day=True)
    assert (await cd.call_groups.schedule(group_id=group_id)).extra["bussiness_hours"] == "1"
    # The raw fields through extra_params: the docs' business_hours (0 = all day) and the
    # app picker's hh:mm:ss time.
    await cd.call_groups.update(
        group_id=group_id, extra_params={"business_hours": 1, "starttime": "08:15:00"}
    )
    raw = await cd.call_groups.schedule(group_id=group_id)
    assert (raw.extra["bussiness_hours"], raw.starttime) == ("0", "08:15:00")


async def test_the_sandbox_refuses_values_section_6_4_does_not_allow(cd: CallerdeskClient) -> None:
    group_id = (await cd.call_groups.list().collect())[0].group_id
    for field, value in (("day", "0,8"), ("sticky_member", "3"), ("starttime", "25:00")):
        with pytest.raises(APIResponseError, match="Invalid Parameter value"):
            await cd.request("updategroup_v2", {"group_id": group_id, field: value})


async def test_bulk_add_puts_every_member_in_the_group(cd: CallerdeskClient) -> None:
    group_id = (await cd.call_groups.list().collect())[0].group_id
    assert group_id is not None
    outside = (await cd.call_groups.get(group_id=group_id)).non_members
    ids = [m.member_id for m in outside[:3] if m.member_id is not None]
    assert len(ids) == 3
    await cd.call_groups.update(group_id=group_id, add_member_id=ids)
    inside = {m.member_id for m in (await cd.call_groups.get(group_id=group_id)).members}
    assert set(ids) <= inside


async def test_whatsapp_templates_give_id_and_name(cd: CallerdeskClient) -> None:
    await cd.account.add_whatsapp_template(
        name="follow_up", content="Hi {{1}}", template_type="text", title="Follow up"
    )
    templates = await cd.account.whatsapp_templates(per_page=2).collect()
    assert [(t.wa_template_id, t.wa_template_name) for t in templates] == [
        (1, "missed_call"),
        (2, "after_hours"),
        (3, "follow_up"),
    ]


async def test_click_to_call_options_and_contact_followup(sb: Sandbox) -> None:
    received: list[Any] = []

    async def record(event: Any) -> None:
        received.append(event)

    app = web.Application()
    add_webhook_route(app, "/hook", record)
    async with TestServer(app, host="127.0.0.1") as server:
        sb.configure(webhook_url=str(server.make_url("/hook")))
        async with CallerdeskClient(sb.authcode, base_url=sb.base_url) as cd:
            member = (await cd.members.list().collect())[0]
            desk = (await cd.account.deskphones())[0]
            assert member.member_num and desk.deskphone
            result = await cd.calls.click_to_call(
                agent=member.member_num,
                customer="9812345678",
                deskphone=desk.deskphone,
                callerid=desk.deskphone,
                call_limit=20,
                call_start_time="2026-01-05 10:15:00",
                uid="crm-ticket-42",
            )
            assert result.campid is not None
            for _ in range(5):  # answered calls talk 15-314 s uncapped; the cap must hold
                await cd.calls.click_to_call(
                    agent=member.member_num,
                    customer="9812345678",
                    deskphone=desk.deskphone,
                    call_limit=20,
                )
            rows = (await cd.calls.list(per_page=6).first_page()).items
            talks = [r.talk_duration for r in rows]
            assert all(t is not None and t <= 20 for t in talks), talks  # CallLimit
            assert any(t for t in talks), talks  # at least one was answered
            contact = (await cd.contacts.list(per_page=1).first_page()).items[0]
            assert contact.contact_id is not None
            done = await cd.contacts.edit(
                contact_id=contact.contact_id,
                followup_date="2026-01-09",
                followup_time=time(11, 0),
                followup_action=True,
            )
            assert done.message
            await sb.wait_webhooks()
    report = [e for e in received if isinstance(e, CallReportEvent)]
    assert report and report[0].extra.get("uid") == "crm-ticket-42"  # section 3.1


async def test_business_errors_are_typed(sb: Sandbox, cd: CallerdeskClient) -> None:
    members = await cd.members.list().collect()
    first = members[0]
    assert first.member_num is not None
    with pytest.raises(DuplicateMemberError) as dup:
        await cd.members.add(name="Again", number=first.member_num)
    assert dup.value.message == "Mobile no of user is already register for this user."
    desk = (await cd.account.deskphones())[0].deskphone
    assert desk is not None
    await cd.members.set_working_status(
        status="Short Break", member_name=first.member_name or "x", member_num=first.member_num
    )
    with pytest.raises(AgentUnavailableError, match="Agent on break"):
        await cd.calls.click_to_call(agent=first.member_num, customer="9812345678", deskphone=desk)
    with pytest.raises(AgentUnavailableError, match="Inactive"):
        await cd.calls.click_to_call(agent="9000000001", customer="9812345678", deskphone=desk)
    for group in await cd.call_groups.list().collect():
        assert group.group_id is not None
        await cd.call_groups.delete(group_id=group.group_id)
    assert await cd.call_groups.list().collect() == []  # "No Callgroup..." on a list: empty
    second = members[1]
    assert second.member_num is not None
    with pytest.raises(NoCallGroupError, match="No Callgroup"):
        await cd.calls.click_to_call(
            agent=second.member_num, customer="9812345678", deskphone=desk, group_name="Sales"
        )
    sb.configure(account_active=False)
    with pytest.raises(AccountInactiveError, match="Account is Inactive"):
        await cd.account.profile()


async def test_adding_a_member_idempotently(cd: CallerdeskClient) -> None:
    async def ensure_member(name: str, number: str) -> None:
        with contextlib.suppress(DuplicateMemberError):  # already there: nothing to do
            await cd.members.add(name=name, number=number)

    await ensure_member("Asha", "9123400001")
    await ensure_member("Asha", "9123400001")
    numbers = [m.member_num for m in await cd.members.list().collect()]
    assert sum(1 for n in numbers if n and n.endswith("9123400001")) == 1


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("CANCEL BY AGENT", CallStatus.CANCEL_BY_AGENT),
        ("CANCEL BY CUSTOMER", CallStatus.CANCEL_BY_CUSTOMER),
        ("PICKED", CallStatus.PICKED),
        ("Congestion", CallStatus.CONGESTION),
        ("AbandonedCall", CallStatus.ABANDONED_CALL),
        ("Unavailable", CallStatus.UNAVAILABLE),
        ("Brand New Status", "Brand New Status"),
    ],
)
async def test_webhook_statuses_seen_on_real_calls(status: str, expected: object) -> None:
    # A sandbox call-report payload with each status of section 10.3, delivered over TCP.
    received: list[Any] = []

    async def record(event: Any) -> None:
        received.append(event)

    app = web.Application()
    add_webhook_route(app, "/hook", record)
    payload = {**call_report_payload(sample_call_rows(3, 1)[0]), "Status": status}
    async with TestServer(app, host="127.0.0.1") as server, aiohttp.ClientSession() as http:
        request = webhook_request(str(server.make_url("/hook")), payload, "form")
        assert await deliver(http, request) == 200
    (event,) = received
    assert isinstance(event, CallReportEvent)
    assert event.status == expected
    assert event.status_raw == status
    if isinstance(expected, CallStatus):
        assert event.status is expected
