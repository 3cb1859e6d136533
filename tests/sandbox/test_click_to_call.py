"""Click-to-call: validation, the new report row, execution and duplicate counting."""

from __future__ import annotations

import aiohttp

from callerdesk_async.sandbox import Sandbox

from .conftest import call


async def _agent_and_desk(http: aiohttp.ClientSession, sb: Sandbox) -> tuple[str, str, str]:
    member = (await call(http, sb, "getmemberlist_V2"))["getmember"][2]
    desk = (await call(http, sb, "getdeskphone_v2"))["getdeskphone"][1]["deskphone"]
    return member["member_num"], member["member_id"], desk


async def test_click_to_call_appears_on_top(http, sandbox):
    agent, _, desk = await _agent_and_desk(http, sandbox)
    result = await call(
        http,
        sandbox,
        "click_to_call_v2",
        calling_party_a=agent,
        calling_party_b="9876500001",
        deskphone=desk,
        call_from_did=1,
    )
    assert result["type"] == "success"
    assert result["message"] == "Call to Customer Initiate Successfully.."
    assert isinstance(result["campid"], int)
    assert result["callerid"] == desk
    top = await call(http, sandbox, "call_list_v2", per_page=1)
    assert top["total"] == 2001
    row = top["result"][0]
    assert row["Flow_type"] == "WEBOBD"
    assert row["caller_num"] == "09876500001"
    assert row["member_num"] == agent
    assert sandbox.stats.click_to_call_executions == 1


async def test_click_to_call_variants_and_errors(http, sandbox):
    agent, member_id, desk = await _agent_and_desk(http, sandbox)
    ok = [
        (
            "click_to_call_v3",
            {
                "calling_party_a": "9876500002",
                "calling_party_b": agent,
                "deskphone": desk,
                "call_from_did": 1,
            },
        ),
        (
            "click_to_call_v4",
            {
                "member_id": member_id,
                "calling_party_b": "9876500003",
                "deskphone": desk,
                "call_from_did": 1,
            },
        ),
        (
            "singleleg-clicktocall",
            {"agent_number": agent, "customer_number": "9876500004", "callerid": desk},
        ),
    ]
    for endpoint, fields in ok:
        assert (await call(http, sandbox, endpoint, **fields))["type"] == "success", endpoint
    bad_desk = await call(
        http,
        sandbox,
        "click_to_call_v2",
        calling_party_a=agent,
        calling_party_b="9876500005",
        deskphone="0111",
        call_from_did=1,
    )
    assert bad_desk == {"type": "error", "message": "Invalid Deskphone"}
    stranger = await call(
        http,
        sandbox,
        "click_to_call_v2",
        calling_party_a="9000000000",
        calling_party_b="9876500005",
        deskphone=desk,
        call_from_did=1,
    )
    assert stranger == {"type": "error", "message": "Agent on break/Inactive. Call not allowed"}
    await call(
        http,
        sandbox,
        "update-working-status-v3",
        working_status="Short Break",
        member_num=agent,
        member_name="x",
        direction="IVR",
    )
    on_break = await call(
        http,
        sandbox,
        "click_to_call_v2",
        calling_party_a=agent,
        calling_party_b="9876500005",
        deskphone=desk,
        call_from_did=1,
    )
    assert on_break["message"] == "Agent on break. Call not allowed"  # reference section 11.3
    assert sandbox.stats.click_to_call_executions == 3
    assert (await call(http, sandbox, "call_list_v2", per_page=1))["total"] == 2003


async def test_duplicate_executions_by_request_id(http, sandbox):
    agent, _, desk = await _agent_and_desk(http, sandbox)
    params = {
        "authcode": sandbox.authcode,
        "calling_party_a": agent,
        "calling_party_b": "9876500009",
        "deskphone": desk,
        "call_from_did": "1",
    }
    for request_id in ("req-1", "req-2", "req-2", "req-3", "req-3", "req-3"):
        headers = {"X-Callerdesk-Request-Id": request_id}
        async with http.get(
            sandbox.base_url + "click_to_call_v2", params=params, headers=headers
        ) as resp:
            assert resp.status == 200
    async with http.get(sandbox.url + "_sandbox/stats") as resp:
        stats = await resp.json()
    assert stats["click_to_call_executions"] == 6
    assert stats["executions_by_request_id"] == {"req-1": 1, "req-2": 2, "req-3": 3}
    assert stats["duplicate_executions"] == {"req-2": 2, "req-3": 3}
