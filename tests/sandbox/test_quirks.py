"""The real API's envelope, typing and paging quirks."""

from __future__ import annotations

import json
import re
from datetime import date

import aiohttp

from callerdesk_async.sandbox import Sandbox

from .conftest import call, make_config

STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


async def test_invalid_authcode_is_http_200_html(http: aiohttp.ClientSession, sandbox: Sandbox):
    for authcode in ("wrong", None):
        data = {"authcode": authcode} if authcode else {}
        async with http.post(sandbox.base_url + "call_list_v2", data=data) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "text/html; charset=UTF-8"
            assert await resp.read() == b'{"type":"error","message":"Invalid Auth Code!"}'
    async with http.get(sandbox.base_url + "live_call_v2", params={"authcode": "x"}) as resp:
        assert json.loads(await resp.read())["message"] == "Invalid Auth Code!"


async def test_success_is_labelled_html_unless_configured(http: aiohttp.ClientSession):
    for flag, expected in ((False, "text/html; charset=UTF-8"), (True, "application/json")):
        async with (
            Sandbox(make_config(json_content_type=flag)) as sb,
            http.post(sb.base_url + "profile_billing_v2", data={"authcode": sb.authcode}) as resp,
        ):
            assert resp.headers["Content-Type"] == expected


async def test_page_past_the_end_is_no_record_found(http, sandbox):
    data = await call(http, sandbox, "call_list_v2", current_page=81, per_page=25)
    assert data == {"type": "error", "message": "No Record Found"}
    last = await call(http, sandbox, "call_list_v2", current_page=80, per_page=25)
    assert len(last["result"]) == 25


async def test_default_per_page_and_clamp(http, sandbox):
    data = await call(http, sandbox, "call_list_v2")
    assert len(data["result"]) == 25
    assert data["current_page"] == 1
    # No source shows a cap on per_page (reference section 1.5): none by default...
    data = await call(http, sandbox, "call_list_v2", per_page=500)
    assert len(data["result"]) == 500
    # ...and the knob still clamps when set.
    sandbox.configure(max_per_page=100)
    data = await call(http, sandbox, "call_list_v2", per_page=5000)
    assert len(data["result"]) == 100
    members = await call(http, sandbox, "getmemberlist_V2", per_page=5)
    assert len(members["getmember"]) == 5
    assert members["total_record"] == 12


async def test_strings_numbers_zeros_and_sentinels(http, sandbox):
    data = await call(http, sandbox, "call_list_v2", per_page=100)
    assert isinstance(data["total"], int)
    assert isinstance(data["current_page"], int)
    assert isinstance(data["answered_total"], str)
    assert isinstance(data["noanswer_total"], str)
    assert isinstance(data["voicemail"], int)
    fields = [
        "id",
        "sid_id",
        "file",
        "deskphone",
        "caller_num",
        "caller_name",
        "member_num",
        "member_name",
        "call_date",
        "startdatetime",
        "enddatetime",
        "total_duration",
        "talk_duration",
        "ringing_duration",
        "callresult",
        "callstatus",
        "group_name",
        "circle",
        "key_pressed",
        "block",
        "coin_deducted",
        "is_contact",
        "contact_id",
        "LegA_Picked_time",
        "LegB_Start_time",
        "LegB_Picked_time",
        "Flow_type",
        "Member_type",
    ]
    sentinel_seen = False
    for row in data["result"]:
        assert set(fields) <= row.keys()
        assert isinstance(row["total_duration"], str)
        assert isinstance(row["talk_duration"], str)
        assert isinstance(row["ringing_duration"], int)
        assert isinstance(row["is_contact"], int)
        assert re.fullmatch(r"0\d{10}", row["caller_num"])
        assert re.fullmatch(r"0806\d{7}", row["deskphone"])
        assert row["member_num"] == "0" or re.fullmatch(r"0\d{10}", row["member_num"])
        assert STAMP.match(row["startdatetime"])
        answered = row["callstatus"] == "ANSWER"
        assert bool(row["file"]) == answered
        if not answered:
            assert row["LegB_Picked_time"] == "0000-00-00 00:00:00"
            sentinel_seen = True
    assert sentinel_seen
    members = await call(http, sandbox, "getmemberlist_V2")
    member = members["getmember"][0]
    assert isinstance(member["member_id"], str)
    assert isinstance(member["access"], str)
    assert isinstance(member["status"], str)
    assert member["member_num"].startswith("0")


async def test_same_seed_same_bytes(http: aiohttp.ClientSession):
    bodies = []
    for _ in range(2):
        async with (
            Sandbox(make_config(seed=7)) as sb,
            http.post(
                sb.base_url + "call_list_v2", data={"authcode": sb.authcode, "current_page": "3"}
            ) as resp,
        ):
            bodies.append(await resp.read())
    assert bodies[0] == bodies[1]
    async with (
        Sandbox(make_config(seed=8)) as sb,
        http.post(
            sb.base_url + "call_list_v2", data={"authcode": sb.authcode, "current_page": "3"}
        ) as resp,
    ):
        assert await resp.read() != bodies[0]


async def test_newest_first_and_query_params_on_post(http, sandbox):
    stamps = []
    for page in (1, 2, 3):
        url = f"{sandbox.base_url}call_list_v2?current_page={page}&per_page=50"
        async with http.post(url, data={"authcode": sandbox.authcode}) as resp:
            data = json.loads(await resp.read())
        assert data["current_page"] == page
        stamps += [r["startdatetime"] for r in data["result"]]
    assert stamps == sorted(stamps, reverse=True)
    assert stamps[0].startswith("2025-01-31")


async def test_date_filter_paging_yields_each_row_once(http, sandbox):
    dataset = sandbox.core.calls.dataset
    expected = {
        row["id"]
        for row in (dataset.row(i) for i in range(dataset.count))
        if "2025-01-10" <= row["startdatetime"][:10] <= "2025-01-12"
    }
    seen: list[str] = []
    page = 1
    while True:
        data = await call(
            http,
            sandbox,
            "call_list_v2",
            start_date="2025-01-10",
            end_date="2025-01-12",
            per_page=30,
            current_page=page,
        )
        if data["type"] == "error":
            assert data["message"] == "No Record Found"
            break
        assert data["total"] == len(expected)
        assert (
            int(data["answered_total"]) + int(data["noanswer_total"]) + data["voicemail"]
            == (data["total"])
        )
        seen += [r["id"] for r in data["result"]]
        page += 1
    assert len(seen) == len(set(seen)) == len(expected)
    assert set(seen) == expected


async def test_other_filters(http, sandbox):
    rows = (await call(http, sandbox, "call_list_v2", per_page=100))["result"]
    member = next(r["member_num"] for r in rows if r["member_num"] != "0")
    for field, value in (
        ("member_num", member),
        ("Flow_type", "WEBOBD"),
        ("callresult", "Voice Mail"),
        ("caller_num", rows[0]["caller_num"][1:]),
        ("deskphone", rows[0]["deskphone"]),
    ):
        data = await call(http, sandbox, "call_list_v2", per_page=100, **{field: value})
        assert data["type"] == "success"
        assert data["total"] > 0
        for row in data["result"]:
            assert row[field].endswith(value)
    data = await call(http, sandbox, "call_list_v2", caller_num="9999999999")
    assert data == {"type": "error", "message": "No Record Found"}


async def test_app_call_list(http, sandbox):
    data = await call(http, sandbox, "app_call_list_v2", per_page=10, start_date=date(2025, 1, 1))
    assert data["total"] == 500
    assert {r["Flow_type"] for r in data["result"]} <= {"INCOMING", "OUTGOING"}
