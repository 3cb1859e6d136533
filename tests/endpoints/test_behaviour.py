"""Endpoint behaviours beyond the request table: undocumented keys, empty answers, enums."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aioresponses import aioresponses

from callerdesk_async import CallerdeskClient
from callerdesk_async._validation import check_enum
from callerdesk_async.errors import APIResponseError, OutcomeUnknownError
from callerdesk_async.models import CallStrategy, ContactStatus, MemberAccess

from .conftest import BASE, only_request

DID = "08065551234"


def url(path: str) -> re.Pattern[str]:
    return re.compile(re.escape(BASE + path) + r"(\?.*)?$")


async def test_whatsapp_templates_come_from_the_whatsapp_template_key(
    cd: CallerdeskClient, mocked: aioresponses
) -> None:
    # Reference section 7.12: the app reads the templates from "whatsapp_template".
    body = {
        "type": "success",
        "whatsapp_template": [{"wa_template_id": "5", "wa_template_name": "a"}],
    }
    mocked.post(url("get-whatsapp-template"), body=json.dumps(body))
    templates = await cd.account.whatsapp_templates().collect()
    assert [(t.wa_template_id, t.wa_template_name) for t in templates] == [(5, "a")]


@pytest.mark.parametrize(
    ("path", "key", "call"),
    [
        ("get-whatsapp-template", "whatsapp_template", lambda cd: cd.account.whatsapp_templates()),
        ("getgrouplist_v2", "grouplist", lambda cd: cd.call_groups.list()),
        ("contact_list_v2", "result", lambda cd: cd.contacts.list()),
    ],
)
async def test_a_page_without_the_list_key_names_the_keys_it_has(
    path: str, key: str, call: Any, cd: CallerdeskClient, mocked: aioresponses
) -> None:
    # A wrong key in the registry must not read as an empty account.
    body = {"type": "success", "templates": [{"id": "5"}], "total": 1}
    mocked.post(url(path), body=json.dumps(body))
    with pytest.raises(APIResponseError, match=rf"no '{key}' list.*\['templates'\]"):
        await call(cd).collect()


@pytest.mark.parametrize(
    ("path", "call"),
    [
        ("getroutingdetail_V2", lambda cd: cd.calls.routing_detail("1.2")),
        ("getdeskphone_v2", lambda cd: cd.account.deskphones()),
        ("getprompt", lambda cd: cd.account.prompts()),
        ("get-whatsapp-template", lambda cd: cd.account.whatsapp_templates().collect()),
        ("getblocknumber", lambda cd: cd.blocklist.list().collect()),
    ],
)
async def test_no_record_error_reads_as_empty(
    path: str, call: object, cd: CallerdeskClient, mocked: aioresponses
) -> None:
    mocked.post(url(path), body=json.dumps({"type": "error", "message": "No Record Found"}))
    assert await call(cd) == []  # type: ignore[operator]


async def test_live_calls_with_no_record_is_zero_calls(
    cd: CallerdeskClient, mocked: aioresponses
) -> None:
    mocked.get(url("live_call_v2"), body=json.dumps({"type": "error", "message": "no data"}))
    live = await cd.calls.live()
    assert (live.total, live.calls) == (0, [])


async def test_added_member_without_getmember_has_no_id(
    cd: CallerdeskClient, mocked: aioresponses
) -> None:
    mocked.post(url("addmember_v2"), body=json.dumps({"type": "success", "message": "ok"}))
    added = await cd.members.add(name="Ravi", number="9876543210")
    assert (added.member_id, added.member, added.message) == (None, None, "ok")


async def test_created_group_is_none_when_no_name_matches(
    cd: CallerdeskClient, mocked: aioresponses
) -> None:
    body = {"type": "success", "grouplist": [{"group_id": "1", "group_name": "Other"}]}
    mocked.post(url("createcallgroup"), body=json.dumps(body))
    created = await cd.call_groups.create(name="Sales", deskphone_id=3)
    assert created.group is None
    assert [g.group_id for g in created.groups] == [1]
    assert only_request(mocked)[2]["group_name"] == "Sales"


async def test_unknown_codes_in_responses_are_kept(
    cd: CallerdeskClient, mocked: aioresponses
) -> None:
    row = {"group_id": "1", "call_strategy": "7"}
    mocked.post(url("getgrouplist_v2"), body=json.dumps({"total": 1, "grouplist": [row]}))
    (group,) = await cd.call_groups.list().collect()
    assert group.call_strategy == 7
    assert group.call_strategy is not None and group.call_strategy.name == "UNKNOWN_7"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (CallStrategy.LEAST_IDLE, 6),
        (6, 6),
        ("6", 6),
        ("least idle", 6),
        ("Least-Occupied", 4),
        ("ROUND_ROBIN", 1),
        (CallStrategy(9), 9),  # a deliberately unlisted code
    ],
)
def test_enum_parameters_accept_members_codes_and_names(value: object, code: int) -> None:
    assert check_enum(value, CallStrategy, "strategy") == code  # type: ignore[arg-type]


def test_enum_names_of_another_enum_are_refused() -> None:
    with pytest.raises(ValueError, match="access must be one of ADMIN, REGULAR, GROUP_OWNER"):
        check_enum("hot", MemberAccess, "access")
    with pytest.raises(ValueError, match="status"):
        check_enum(True, ContactStatus, "status")  # type: ignore[arg-type]


async def test_enum_member_of_unlisted_code_is_sent(
    cd: CallerdeskClient, mocked: aioresponses
) -> None:
    mocked.post(url("updategroup_v2"), body=json.dumps({"type": "success"}))
    await cd.call_groups.update(group_id=1, strategy=CallStrategy(9))
    assert only_request(mocked)[2]["strategy_check"] == "9"


@pytest.mark.parametrize(
    ("path", "http", "call"),
    [
        (
            "click_to_call_v3",
            "GET",
            lambda cd: cd.calls.reverse_click_to_call(
                customer="9876543210", agent="9123456780", deskphone=DID
            ),
        ),
        (
            "click_to_call_v4",
            "GET",
            lambda cd: cd.calls.click_to_call_by_member_id(
                member_id=7, customer="9876543210", deskphone=DID
            ),
        ),
        (
            "singleleg-clicktocall",
            "POST",
            lambda cd: cd.calls.single_leg_call(
                agent="9876543210", customer="9123456780", callerid=DID
            ),
        ),
        ("deletemember_v2", "POST", lambda cd: cd.members.delete(member_id=7)),
        ("block_number", "POST", lambda cd: cd.blocklist.block(number="9876543210")),
    ],
)
async def test_side_effecting_calls_are_sent_once_after_a_5xx(
    path: str, http: str, call: object, cd: CallerdeskClient, mocked: aioresponses
) -> None:
    mocked.add(url(path), method=http, status=502, body="bad gateway")
    mocked.add(url(path), method=http, body=json.dumps({"type": "success"}))
    with pytest.raises(OutcomeUnknownError):
        await call(cd)  # type: ignore[operator]
    assert sum(len(v) for v in mocked.requests.values()) == 1
