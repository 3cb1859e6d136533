"""The webhook emitter against a loopback receiver: modes, URL mangling, duplicates."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from callerdesk_async.sandbox import (
    Sandbox,
    call_report_payload,
    emit_webhooks,
    sample_payloads,
    webhook_request,
)

from .conftest import call, make_config


class Receiver:
    """A tiny webhook receiver that records what arrives."""

    def __init__(self) -> None:
        self.hits: list[dict[str, Any]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.hits.append(
            {
                "method": request.method,
                "raw_path": request.raw_path,
                "content_type": request.content_type,
                "body": body,
            }
        )
        return web.Response(text="ok")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    app = web.Application()
    app.router.add_route("*", "/hook", rec.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    rec.url = f"http://127.0.0.1:{port}/hook"
    yield rec
    await runner.cleanup()


async def test_json_delivery_appends_query_to_existing_query(receiver: Receiver):
    report = await emit_webhooks(receiver.url + "?token=abc", count=3, delivery="json")
    assert (report.sent, report.distinct, report.duplicates, report.failures) == (6, 6, 0, 0)
    first = receiver.hits[0]
    assert first["method"] == "POST"
    assert first["content_type"] == "application/json"
    assert first["raw_path"] == "/hook?token=abc?type=call_report"
    payload = json.loads(first["body"])
    assert payload["type"] == "call_report"
    for field in (
        "SourceNumber",
        "DestinationNumber",
        "DialWhomNumber",
        "CallDuration",
        "TalkDuration",
        "coins",
        "Status",
        "StartTime",
        "EndTime",
        "CallSid",
        "Uniqueid",
        "campid",
        "CallRecordingUrl",
        "Direction",
        "call_group",
        "receiver_name",
        "error_code",
        "LegA_Picked_time",
        "LegB_Start_time",
        "LegB_Picked_time",
        "key_press",
        "hangup_cause",
    ):
        assert field in payload
    assert payload["StartTime"][10] == " "
    live = json.loads(receiver.hits[1]["body"])
    assert live["type"] == "live_call"
    assert live["CallSid"] == payload["CallSid"]
    assert set(live) == {
        "type",
        "SourceNumber",
        "DestinationNumber",
        "DialWhomNumber",
        "Status",
        "StartTime",
        "CallSid",
        "Direction",
        "call_group",
    }


@pytest.mark.parametrize(
    ("delivery", "content_type"),
    [("form", "application/x-www-form-urlencoded"), ("multipart", "multipart/form-data")],
)
async def test_form_deliveries(receiver: Receiver, delivery: str, content_type: str):
    report = await emit_webhooks(
        receiver.url,
        count=2,
        delivery=delivery,  # type: ignore[arg-type]
        events=("call_report",),
    )
    assert report.sent == 2
    assert report.failures == 0
    hit = receiver.hits[0]
    assert hit["content_type"] == content_type
    assert hit["raw_path"] == "/hook?type=call_report"
    assert b"SourceNumber" in hit["body"]
    assert b"CallSid" in hit["body"]


async def test_get_delivery_uses_n_separator_and_mangled_query(receiver: Receiver):
    report = await emit_webhooks(
        receiver.url + "?key=s3cret", count=2, delivery="get", events=("call_report",)
    )
    assert report.sent == 2
    raw = receiver.hits[0]["raw_path"]
    assert receiver.hits[0]["method"] == "GET"
    assert raw.startswith("/hook?key=s3cret?type=call_report&SourceNumber=")
    start = raw.split("StartTime=")[1].split("&")[0]
    assert len(start) == 19
    assert start[10] == "n"


async def test_duplicates_resend_verbatim(receiver: Receiver):
    report = await emit_webhooks(
        receiver.url, count=30, events=("call_report",), duplicate_rate=0.3, seed=5
    )
    assert report.distinct == 30
    assert 3 <= report.duplicates <= 18
    assert report.sent == report.distinct + report.duplicates == len(receiver.hits)
    bodies = [json.loads(h["body"]) for h in receiver.hits]
    assert len({b["CallSid"] for b in bodies}) == 30
    again = [a for a, b in itertools.pairwise(bodies) if a == b]
    assert len(again) == report.duplicates


async def test_failures_are_counted(receiver: Receiver):
    report = await emit_webhooks(receiver.url.replace("/hook", "/nowhere"), count=2)
    assert report.failures == report.sent == 4
    assert report.statuses == {404: 4}


def test_pure_builders():
    payloads = sample_payloads(3, 2)
    assert [p["type"] for p in payloads] == ["call_report", "live_call"] * 2
    assert payloads == sample_payloads(3, 2)
    request = webhook_request("http://x/h?a=1", payloads[0], "get")
    assert request.method == "GET"
    assert request.url.startswith("http://x/h?a=1?type=call_report&")
    row = {
        "Flow_type": "WEBOBD",
        "member_num": "0999",
        "caller_num": "0888",
        "deskphone": "0806",
        "total_duration": "10",
        "talk_duration": "5",
        "coin_deducted": "1",
        "callstatus": "ANSWER",
        "startdatetime": "2025-01-01 10:00:00",
        "enddatetime": "2025-01-01 10:00:10",
        "sid_id": "1.2",
        "file": "f",
        "group_name": "Sales",
        "member_name": "A",
        "LegA_Picked_time": "x",
        "LegB_Start_time": "y",
        "LegB_Picked_time": "z",
        "campid": "77",
    }
    payload = call_report_payload(row)
    assert (payload["SourceNumber"], payload["DialWhomNumber"]) == ("0999", "0888")
    assert payload["campid"] == "77"
    assert payload["Direction"] == "WEBOBD"


async def test_click_to_call_emits_webhooks(http, receiver: Receiver):
    async with Sandbox(
        make_config(webhook_url=receiver.url + "?t=1", webhook_delivery="form")
    ) as sb:
        member = sb.core.world.members[0]
        desk = sb.core.world.deskphones[0].deskphone
        result = await call(
            http,
            sb,
            "click_to_call_v2",
            calling_party_a=member.member_num,
            calling_party_b="9876500001",
            deskphone=desk,
            call_from_did=1,
        )
        await sb.wait_webhooks()
        assert sb.stats.webhooks_sent == 2
        assert sb.stats.webhook_failures == 0
        report = await sb.emit_webhooks(
            receiver.url, count=1, delivery="json", events=("call_report",)
        )
        assert report.sent == 1
    types = [h["raw_path"] for h in receiver.hits[:2]]
    assert types == ["/hook?t=1?type=live_call", "/hook?t=1?type=call_report"]
    assert f"campid={result['campid']}".encode() in receiver.hits[1]["body"]
    emitted = json.loads(receiver.hits[2]["body"])
    assert emitted["campid"] == str(result["campid"])
