"""Write endpoints against the sandbox over real TCP: members, call groups, contacts, blacklist."""

from __future__ import annotations

import pytest

from callerdesk_async import CallerdeskClient
from callerdesk_async.errors import DuplicateMemberError
from callerdesk_async.models import CallStrategy, ContactStatus, MemberAccess
from callerdesk_async.sandbox import Sandbox, SandboxConfig


async def sandbox_client(sb: Sandbox) -> CallerdeskClient:
    return CallerdeskClient(sb.authcode, base_url=sb.base_url)


async def test_member_crud() -> None:
    async with Sandbox(SandboxConfig(seed=2, calls=100)) as sb, await sandbox_client(sb) as cd:
        before = await cd.members.list().collect()
        added = await cd.members.add(
            name="Asha Rao", number="+91 91234 56789", access=MemberAccess.REGULAR
        )
        assert added.member_id is not None
        with pytest.raises(DuplicateMemberError, match=r"(?i)already register"):
            await cd.members.add(name="Dup", number="9123456789")
        await cd.members.update(member_id=added.member_id, name="Asha R.")
        after = {m.member_id: m for m in await cd.members.list().collect()}
        assert len(after) == len(before) + 1
        assert after[added.member_id].member_name == "Asha R."
        assert (after[added.member_id].member_num or "").endswith("9123456789")
        await cd.members.delete(member_id=added.member_id)
        final = {m.member_id for m in await cd.members.list().collect()}
        assert added.member_id not in final


async def test_call_group_crud() -> None:
    async with Sandbox(SandboxConfig(seed=2, calls=100)) as sb, await sandbox_client(sb) as cd:
        did = (await cd.account.deskphones())[0]
        member = (await cd.members.list().collect())[0]
        assert did.did_id is not None and member.member_id is not None
        created = await cd.call_groups.create(name="Night Shift", deskphone_id=did.did_id)
        groups = {g.group_name: g for g in await cd.call_groups.list().collect()}
        group = groups["Night Shift"]
        assert group.group_id is not None
        assert created.group is None or created.group.group_name == "Night Shift"
        await cd.call_groups.update(
            group_id=group.group_id,
            strategy=CallStrategy.SEQUENTIAL,
            add_member_id=member.member_id,
            days=[1, 2, 3],
            start_time="09:00",
            end_time="18:00",
            all_day=False,
        )
        detail = await cd.call_groups.get(group_id=group.group_id)
        live_ids = [m.member_id for m in detail.members]
        assert member.member_id in live_ids
        schedule = await cd.call_groups.schedule(group_id=group.group_id)
        assert schedule.day == "1,2,3"
        in_group = next(m for m in detail.members if m.member_id == member.member_id)
        assert in_group.group_member_id is not None
        await cd.call_groups.remove_member(group_member_id=in_group.group_member_id)
        detail = await cd.call_groups.get(group_id=group.group_id)
        assert member.member_id not in [m.member_id for m in detail.members]
        await cd.call_groups.delete(group_id=group.group_id)
        names = {g.group_name for g in await cd.call_groups.list().collect()}
        assert "Night Shift" not in names


async def test_contact_crud() -> None:
    async with Sandbox(SandboxConfig(seed=2, calls=100)) as sb, await sandbox_client(sb) as cd:
        await cd.contacts.add(number="9000012345", name="Ravi", status=ContactStatus.HOT)
        found = await cd.contacts.list(number="9000012345").collect()
        assert len(found) == 1
        contact = found[0]
        assert contact.contact_name == "Ravi"
        assert contact.contact_status == ContactStatus.HOT
        assert contact.contact_id is not None
        await cd.contacts.edit(contact_id=contact.contact_id, name="Ravi K", number="9000012345")
        assert (await cd.contacts.list(number="9000012345").collect())[0].contact_name == "Ravi K"
        await cd.contacts.delete(number="9000012345")
        assert await cd.contacts.list(number="9000012345").collect() == []


async def test_blocklist_crud() -> None:
    async with Sandbox(SandboxConfig(seed=2, calls=100)) as sb, await sandbox_client(sb) as cd:
        await cd.blocklist.block(number="09811122233")
        numbers = [b.caller_no for b in await cd.blocklist.list().collect()]
        assert any(n is not None and n.endswith("9811122233") for n in numbers)
        await cd.blocklist.unblock(number="9811122233")
        numbers = [b.caller_no for b in await cd.blocklist.list().collect()]
        assert not any(n is not None and n.endswith("9811122233") for n in numbers)
