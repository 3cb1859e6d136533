"""Write endpoints keep state; live traffic shifts the report."""

from __future__ import annotations

from callerdesk_async.sandbox import Sandbox

from ..clock import VirtualClock
from .conftest import call, make_config


async def test_members_crud(http, sandbox):
    added = await call(
        http,
        sandbox,
        "addmember_v2",
        member_name="Test Agent",
        member_num="9811112222",
        access=2,
        active=1,
    )
    assert added["type"] == "success"
    member_id = added["getmember"][0]["member_id"]
    dup = await call(
        http,
        sandbox,
        "addmember_v2",
        member_name="Again",
        member_num="09811112222",
        access=2,
        active=1,
    )
    assert dup["type"] == "error"
    assert "already register" in dup["message"]
    listed = await call(http, sandbox, "getmemberlist_V2", member_num="9811112222")
    assert listed["total_record"] == 1
    assert listed["getmember"][0]["member_num"] == "09811112222"
    upd = await call(http, sandbox, "updatemember_v2", member_id=member_id, member_name="Renamed")
    assert upd["type"] == "success"
    listed = await call(http, sandbox, "getmemberlist_V2", per_page=100)
    assert listed["total_record"] == 13
    assert any(m["member_name"] == "Renamed" for m in listed["getmember"])
    status = await call(
        http, sandbox, "update-working-status-v3", working_status="Lunch", member_num="9811112222"
    )
    assert status == {"type": "error", "message": "Invalid Parameter value."}
    assert (await call(http, sandbox, "changeagentstatus", agent_status=1))["type"] == "success"
    assert (await call(http, sandbox, "deletemember_v2", member_id=member_id))["type"] == "success"
    gone = await call(http, sandbox, "deletemember_v2", member_id=member_id)
    assert gone["type"] == "error"
    missing = await call(http, sandbox, "addmember_v2", member_name="No number")
    assert missing["type"] == "error"


async def test_groups_crud(http, sandbox):
    desk = (await call(http, sandbox, "getdeskphone_v2"))["getdeskphone"][0]
    created = await call(
        http, sandbox, "createcallgroup", group_name="Night Shift", deskphone_id=desk["did_id"]
    )
    assert created["type"] == "success"
    group_id = created["grouplist"][0]["group_id"]
    listed = await call(http, sandbox, "getgrouplist_v2")
    assert listed["total"] == 5
    member_id = (await call(http, sandbox, "getmemberlist_V2"))["getmember"][3]["member_id"]
    await call(
        http,
        sandbox,
        "updategroup_v2",
        group_id=group_id,
        member_id=member_id,
        strategy_check=2,
        day="2,3,4",
        starttime="10:00:00",
    )
    detail = await call(http, sandbox, "getgroupbyid_v2", group_id=group_id)
    assert [m["member_id"] for m in detail["group_user_live"]] == [member_id]
    assert all(m["member_id"] != member_id for m in detail["group_user_nonlive"])
    assert detail["grouplist"][0]["call_strategy"] == "2"
    schedule = await call(http, sandbox, "getgroupschedule", group_id=group_id)
    assert schedule["day"] == "2,3,4"
    assert schedule["starttime"] == "10:00:00"
    gm_id = detail["group_user_live"][0]["group_member_id"]
    removed = await call(http, sandbox, "delete_user_call_group", id=gm_id)
    assert removed["type"] == "success"
    assert (await call(http, sandbox, "getgroupbyid_v2", group_id=group_id))[
        "group_user_live"
    ] == []
    assert (await call(http, sandbox, "deletegroup", group_id=group_id))["type"] == "success"
    assert (await call(http, sandbox, "getgroupbyid_v2", group_id=group_id))["type"] == "error"
    bad = await call(http, sandbox, "createcallgroup", group_name="X", deskphone_id=999)
    assert bad == {"type": "error", "message": "Invalid Deskphone"}


async def test_contacts_crud(http, sandbox):
    saved = await call(
        http,
        sandbox,
        "savecontact_v2",
        contact_num="9000000001",
        contact_name="Asha",
        contact_status=1,
    )
    assert saved["type"] == "success"
    found = await call(http, sandbox, "contact_list_v2", contact_num="9000000001")
    assert found["total"] == 1
    contact = found["result"][0]
    assert contact["contact_num"] == "09000000001"
    await call(
        http, sandbox, "editContact_v2", contact_id=contact["contact_id"], contact_name="Asha K"
    )
    found = await call(http, sandbox, "contact_list_v2", contact_id=contact["contact_id"])
    assert found["result"][0]["contact_name"] == "Asha K"
    assert (await call(http, sandbox, "contact_list_v2"))["total"] == 41
    deleted = await call(http, sandbox, "deleteContact", contact_num="9000000001")
    assert deleted["type"] == "success"
    again = await call(http, sandbox, "deleteContact", contact_num="9000000001")
    assert again["type"] == "error"


async def test_blacklist(http, sandbox):
    before = (await call(http, sandbox, "getblocknumber", per_page=50))["blocklist_number"]
    assert len(before) == 3
    assert set(before[0]) == {"id", "caller_no"}
    assert (await call(http, sandbox, "block_number", caller_number="9123456789"))[
        "type"
    ] == "success"
    dup = await call(http, sandbox, "block_number", caller_number="09123456789")
    assert dup["type"] == "error"
    after = (await call(http, sandbox, "getblocknumber", per_page=50))["blocklist_number"]
    assert "9123456789" in {b["caller_no"] for b in after}
    assert (await call(http, sandbox, "unblock_number", caller_number="9123456789"))[
        "type"
    ] == "success"
    assert len((await call(http, sandbox, "getblocknumber"))["blocklist_number"]) == 3


async def test_account_endpoints(http, sandbox):
    assert (await call(http, sandbox, "update-profile", state="Goa"))["type"] == "success"
    profile = await call(http, sandbox, "profile_billing_v2")
    assert profile["login_account"]["state"] == "Goa"
    prompts = (await call(http, sandbox, "getprompt"))["promptlist"]
    groups = (await call(http, sandbox, "getgrouplist_v2"))["grouplist"]
    flow = await call(
        http,
        sandbox,
        "addivrflow",
        routing_id=1,
        did_id=groups[0]["deskphone_id"],
        user_voice_mail_prompt=prompts[0]["id"],
        routing_action="group",
        call_groupid=groups[0]["group_id"],
        call_strategy=1,
        user_post_action=2,
    )
    assert flow["type"] == "success"
    await call(
        http,
        sandbox,
        "add-whatsapp-template",
        wa_template_name="hi",
        wa_template_content="Hello",
        wa_template_type="text",
        wa_template_title="Hi",
    )
    templates = await call(http, sandbox, "get-whatsapp-template", per_page=10)
    # Reference section 7.12: the rows come under "whatsapp_template"; two are seeded.
    assert [t["wa_template_name"] for t in templates["whatsapp_template"]] == [
        "missed_call",
        "after_hours",
        "hi",
    ]
    upd = await call(
        http,
        sandbox,
        "update-whatsapp-template",
        wa_template_id=2,
        wa_template_content="Hello again",
    )
    assert upd["type"] == "success"
    assert (await call(http, sandbox, "get_notification_setting_v2"))["type"] == "success"
    counts = await call(http, sandbox, "get-count-v2", date="2025-01-15")
    assert int(counts["total_calls"]) > 0
    assert counts["member_analysis"]
    assert len((await call(http, sandbox, "dashboard_v2"))["answer_hourly"]) == 24
    row = (await call(http, sandbox, "call_list_v2"))["result"][0]
    routing = await call(http, sandbox, "getroutingdetail_V2", sid_id=row["sid_id"])
    assert routing["routing_detail"][-1]["caller_num"] == row["caller_num"]


async def test_reset_restores_seeded_state(http, sandbox):
    await call(http, sandbox, "block_number", caller_number="9123456789")
    async with http.post(sandbox.url + "_sandbox/reset") as resp:
        assert resp.status == 200
    assert len((await call(http, sandbox, "getblocknumber"))["blocklist_number"]) == 3
    assert sandbox.stats.requests_total == 1


async def test_live_traffic_grows_total_and_shifts_rows(http):
    # A virtual clock: calls arrive only when the test moves time on, so no call can land
    # between reading the counter and the request that relies on it.
    clock = VirtualClock()
    async with Sandbox(make_config(live_calls_per_second=200.0), clock=clock) as sb:
        first = await call(http, sb, "call_list_v2", per_page=10)
        assert first["total"] == 2000
        clock.advance(0.25)
        second = await call(http, sb, "call_list_v2", per_page=10)
        assert second["total"] - first["total"] == sb.stats.live_calls_added == 50
        assert second["result"][0]["startdatetime"] >= first["result"][0]["startdatetime"]
        # the newest row of the first snapshot has moved down by exactly the arrivals
        later = await call(http, sb, "call_list_v2", per_page=1, current_page=51)
        assert later["total"] == 2050
        dataset_top = sb.core.calls.dataset.row(0)["id"]
        assert later["result"][0]["id"] == dataset_top
        assert later["result"][0]["id"] == first["result"][0]["id"]
        ids = [r["id"] for r in second["result"]]
        assert len(set(ids)) == len(ids)
        # frozen time: nothing more arrives however long the requests take
        assert (await call(http, sb, "call_list_v2", per_page=1))["total"] == 2050
