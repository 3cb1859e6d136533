"""Webhook payloads as the platform builds them, and an emitter that delivers them.

Deliveries keep the platform's habits: ``?<params>`` is appended to the configured URL even when
it already has a query string, and legacy GET deliveries put the letter ``n`` between the date
and the time of every timestamp (``2020-04-09n13:46:56``).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import aiohttp
import attrs
from yarl import URL

from ._config import WebhookDelivery
from ._data import CallDataset
from ._world import build_world

__all__ = [
    "EVENTS",
    "EmitReport",
    "WebhookRequest",
    "call_report_payload",
    "deliver",
    "emit_webhooks",
    "live_call_payload",
    "sample_call_rows",
    "sample_payloads",
    "webhook_request",
]

EVENTS = ("call_report", "live_call")
_STATUS = {"ANSWER": "ANSWER", "NO ANSWER": "NOANSWER"}
_TIME_FIELDS = ("StartTime", "EndTime", "LegA_Picked_time", "LegB_Start_time", "LegB_Picked_time")


def _parties(row: Mapping[str, Any]) -> tuple[str, str]:
    """(SourceNumber, DialWhomNumber): incoming is caller → agent, outgoing agent → customer."""
    if row.get("Flow_type") == "WEBOBD":
        return str(row["member_num"]), str(row["caller_num"])
    return str(row["caller_num"]), str(row["member_num"])


def call_report_payload(row: Mapping[str, Any]) -> dict[str, str]:
    """The ``call_report`` event for a call-report row (as ``call_list_v2`` serves it)."""
    source, whom = _parties(row)
    callstatus = str(row.get("callstatus", ""))
    answered = callstatus == "ANSWER"
    outgoing = row.get("Flow_type") == "WEBOBD"
    if answered:
        hangup = "ANSWER(16-customer)" if outgoing else "NORMAL_CLEARING"
    elif callstatus.lower() == "cancel-agent":
        hangup = "NOANSWER(0-agent)"
    elif outgoing:
        hangup = "NOANSWER(0-customer)"
    else:
        hangup = "(0)"
    return {
        "type": "call_report",
        "SourceNumber": source,
        "DestinationNumber": str(row["deskphone"]),
        "DialWhomNumber": whom,
        "CallDuration": str(row["total_duration"]),
        "TalkDuration": str(row["talk_duration"]),
        "coins": str(row["coin_deducted"]),
        "Status": _STATUS.get(callstatus, "CANCEL"),
        "callstatus": callstatus,
        "StartTime": str(row["startdatetime"]),
        "EndTime": str(row["enddatetime"]),
        "CallSid": str(row["sid_id"]),
        "Uniqueid": str(row["sid_id"]),
        "campid": str(row.get("campid", "")) if outgoing else "",
        "CallRecordingUrl": str(row["file"]),
        "Direction": str(row["Flow_type"]),
        "call_group": str(row["group_name"]),
        "receiver_name": str(row["member_name"]) if answered else "0",
        "error_code": "0" if answered else "19",
        "LegA_Picked_time": str(row["LegA_Picked_time"]),
        "LegB_Start_time": str(row["LegB_Start_time"]),
        "LegB_Picked_time": str(row["LegB_Picked_time"]),
        "key_press": str(row.get("key_pressed", "")),
        "hangup_cause": hangup,
    }


def live_call_payload(row: Mapping[str, Any]) -> dict[str, str]:
    """The ``live_call`` event sent while the call in ``row`` is in progress."""
    source, whom = _parties(row)
    outgoing = row.get("Flow_type") == "WEBOBD"
    answered = row.get("callstatus") == "ANSWER"
    if outgoing:
        status = "Answered by Customer" if answered else "Dialing Customer"
    else:
        status = "Answered by Agent" if answered else "Transferring Call to Agent"
    return {
        "type": "live_call",
        "SourceNumber": source,
        "DestinationNumber": str(row["deskphone"]),
        "DialWhomNumber": whom,
        "Status": status,
        "StartTime": str(row["startdatetime"]),
        "CallSid": str(row["sid_id"]),
        "Direction": str(row["Flow_type"]),
        "call_group": str(row["group_name"]),
    }


def sample_call_rows(seed: int, count: int, *, end: date | None = None) -> list[dict[str, Any]]:
    """``count`` deterministic call-report rows for ``seed`` (newest first)."""
    last = end or date(2026, 1, 31)
    world = build_world(seed, members=12, groups=4, contacts=40)
    dataset = CallDataset(
        world, count=max(count, 1), start=last - timedelta(days=29), end=last, salt=7
    )
    return [dataset.row(i) for i in range(count)]


def sample_payloads(
    seed: int, count: int, events: Sequence[str] = EVENTS, *, end: date | None = None
) -> list[dict[str, str]]:
    """Webhook payloads for ``count`` calls: per call, one payload per event in ``events``."""
    builders = {"call_report": call_report_payload, "live_call": live_call_payload}
    unknown = set(events) - set(builders)
    if unknown:
        raise ValueError(f"unknown webhook events: {sorted(unknown)}")
    return [builders[e](row) for row in sample_call_rows(seed, count, end=end) for e in events]


@attrs.frozen
class WebhookRequest:
    """One delivery as the platform would send it: method, exact URL, body."""

    method: str
    url: str
    json: dict[str, str] | None = None
    form: dict[str, str] | None = None
    multipart: dict[str, str] | None = None


def webhook_request(
    url: str, payload: Mapping[str, str], delivery: WebhookDelivery
) -> WebhookRequest:
    """Build the delivery of ``payload`` to ``url`` (a pure function, for tests and factories)."""
    data = dict(payload)
    if delivery == "get":
        for field in _TIME_FIELDS:
            value = data.get(field, "")
            if len(value) > 10 and value[10] == " ":
                data[field] = f"{value[:10]}n{value[11:]}"
        return WebhookRequest("GET", f"{url}?{urlencode(data, safe=':')}")
    target = f"{url}?{urlencode({'type': data.get('type', '')})}"
    if delivery == "json":
        return WebhookRequest("POST", target, json=data)
    if delivery == "form":
        return WebhookRequest("POST", target, form=data)
    if delivery == "multipart":
        return WebhookRequest("POST", target, multipart=data)
    raise ValueError(f"unknown webhook delivery {delivery!r}")


async def deliver(session: aiohttp.ClientSession, request: WebhookRequest) -> int:
    """Send one delivery; the HTTP status of the receiver's answer."""
    kwargs: dict[str, Any] = {}
    if request.json is not None:
        kwargs["json"] = request.json
    elif request.form is not None:
        kwargs["data"] = request.form
    elif request.multipart is not None:
        writer = aiohttp.MultipartWriter("form-data")
        for key, value in request.multipart.items():
            part = writer.append(value)
            part.set_content_disposition("form-data", name=key)
        kwargs["data"] = writer
    async with session.request(request.method, URL(request.url, encoded=True), **kwargs) as resp:
        await resp.read()
        return resp.status


@attrs.frozen
class EmitReport:
    """What :func:`emit_webhooks` did.

    Attributes:
        sent: deliveries attempted, duplicates included.
        distinct: distinct events (type + CallSid).
        duplicates: deliveries that repeated an event verbatim.
        failures: deliveries answered non-2xx or not answered at all.
        statuses: receiver answers by HTTP status.
    """

    sent: int
    distinct: int
    duplicates: int
    failures: int
    statuses: dict[int, int]


async def emit_webhooks(
    url: str,
    *,
    count: int = 10,
    delivery: WebhookDelivery = "json",
    events: Sequence[str] = EVENTS,
    duplicate_rate: float = 0.0,
    seed: int = 1,
    rows: Iterable[Mapping[str, Any]] | None = None,
    session: aiohttp.ClientSession | None = None,
    timeout: float = 10.0,
) -> EmitReport:
    """Deliver ``count`` calls' events to ``url``, re-sending some verbatim.

    Args:
        url: the receiver, as configured in the dashboard (may carry its own query).
        count: calls to deliver events for (each yields one payload per event).
        delivery: ``json``, ``form``, ``multipart`` (POST) or ``get`` (legacy query string).
        events: which events, in order, per call.
        duplicate_rate: chance (0..1) that a delivery is immediately sent again.
        seed: seeds the calls (unless ``rows`` are given) and the duplicate dice.
        rows: the call-report rows to build payloads from (default: generated from ``seed``).
        session: an aiohttp session to reuse; one is opened and closed otherwise.
        timeout: seconds allowed per delivery.
    """
    if not 0.0 <= duplicate_rate <= 1.0:
        raise ValueError("duplicate_rate must be between 0 and 1")
    if rows is None:
        payloads = sample_payloads(seed, count, events)
    else:
        builders = {"call_report": call_report_payload, "live_call": live_call_payload}
        payloads = [builders[e](row) for row in list(rows)[:count] for e in events]
    dice = random.Random(f"callerdesk-sandbox-webhooks-{seed}")
    own = session is None
    http = session or aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))
    sent = duplicates = failures = 0
    statuses: dict[int, int] = {}
    try:
        for payload in payloads:
            repeats = 2 if dice.random() < duplicate_rate else 1
            for attempt in range(repeats):
                sent += 1
                duplicates += attempt
                try:
                    status = await deliver(http, webhook_request(url, payload, delivery))
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    failures += 1
                    continue
                statuses[status] = statuses.get(status, 0) + 1
                if not 200 <= status < 300:
                    failures += 1
    finally:
        if own:
            await http.close()
    distinct = len({(p["type"], p["CallSid"]) for p in payloads})
    return EmitReport(sent, distinct, duplicates, failures, statuses)
