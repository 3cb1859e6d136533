"""CallCorrelator: click-to-call campid → events; incoming calls by CallSid."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import pytest

import callerdesk_async.webhooks as webhooks
from callerdesk_async.webhooks import (
    CallCorrelator,
    CallReportEvent,
    campid_key,
    event_from_fields,
)

from .webhook_helpers import CALL_REPORT, LIVE_CALL


def test_outgoing_call_matched_by_campid_then_callsid() -> None:
    correlator = CallCorrelator()
    call = correlator.expect(11387004, context={"lead": 42})
    live = event_from_fields({**LIVE_CALL, "CallSid": "9.1", "campid": "11387004"})
    assert correlator.add(live) is call
    assert call.call_sid == "9.1"
    # A later event without campid still finds the call through CallSid.
    later = event_from_fields({**LIVE_CALL, "CallSid": "9.1", "Status": "Ringing"})
    assert correlator.add(later) is call
    report = event_from_fields({**CALL_REPORT, "CallSid": "9.1", "campid": "11387004"})
    assert correlator.add(report) is call
    assert call.report is report
    assert call.campid == "11387004"
    assert len(call.events) == 3
    assert call.context == {"lead": 42}
    assert correlator.get(campid="11387004") is call
    assert correlator.get(call_sid="9.1") is call


def test_incoming_call_and_non_call_events() -> None:
    correlator = CallCorrelator()
    report = event_from_fields({**CALL_REPORT, "campid": "0", "CallSid": "5.5"})
    call = correlator.add(report)
    assert call is not None
    assert call.campid is None
    assert call.call_sid == "5.5"
    assert correlator.add(event_from_fields({"type": "add_member", "member_id": "1"})) is None
    assert correlator.add(event_from_fields({"type": "live_call"})) is None
    assert correlator.get(call_sid="nope") is None


def test_bounded_memory() -> None:
    correlator = CallCorrelator(max_calls=2)
    for campid in (1, 2, 3):
        correlator.expect(campid)
    assert len(correlator) == 2
    assert correlator.get(campid=1) is None
    assert correlator.get(campid=3) is not None


async def test_wait_for_report() -> None:
    correlator = CallCorrelator()
    waiter = asyncio.ensure_future(correlator.wait_for_report("777", timeout=5))
    await asyncio.sleep(0)
    correlator.add(event_from_fields({**LIVE_CALL, "campid": "777", "CallSid": "7.7"}))
    assert not waiter.done()
    correlator.add(event_from_fields({**CALL_REPORT, "CallSid": "7.7", "campid": ""}))
    report = await waiter
    assert isinstance(report, CallReportEvent)
    assert report.call_sid == "7.7"
    assert await correlator.wait_for_report(777) is report
    with pytest.raises(asyncio.TimeoutError):
        await correlator.wait_for_report(778, timeout=0.01)


def test_non_numeric_campid_is_kept_in_raw_and_matched() -> None:
    correlator = CallCorrelator()
    call = correlator.expect("lead-42")
    event = event_from_fields({**CALL_REPORT, "campid": "lead-42"})
    assert isinstance(event, CallReportEvent)
    assert event.campid is None
    assert correlator.add(event) is call
    assert call.campid == "lead-42"


def test_campid_key() -> None:
    assert campid_key(11387004) == campid_key("11387004") == campid_key(" 11387004.0") == "11387004"
    assert campid_key(0) is campid_key("") is campid_key(None) is campid_key("0") is None
    assert campid_key(" x1 ") == "x1"


def test_expect_rejects_blank_campid() -> None:
    with pytest.raises(ValueError, match="not a campid"):
        CallCorrelator().expect("0")


def test_webhooks_package_does_not_import_the_client_side() -> None:
    forbidden = {"_client", "_transport", "_pipeline", "_dispatcher", "_retry", "resources"}
    for path in Path(webhooks.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = set(node.module.split("."))
                assert not parts & forbidden, f"{path.name} imports {node.module}"
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not set(alias.name.split(".")) & forbidden, path.name


def test_public_names_are_documented() -> None:
    aliases = {"EventCallback", "WebhookEvent"}  # type aliases, documented in the module
    for name in set(webhooks.__all__) - aliases:
        obj = getattr(webhooks, name)
        if callable(obj):
            assert obj.__doc__, name


def test_live_call_without_campid_first_is_joined_when_the_report_links_the_ids() -> None:
    # The reference's outgoing live_call sample carries no campid: it arrives first and can
    # only be filed under its CallSid; the report (campid and CallSid) joins the two.
    correlator = CallCorrelator()
    call = correlator.expect(11387004, context={"lead": 42})
    sample = {k: v for k, v in LIVE_CALL.items() if k != "campid"}
    ringing = event_from_fields({**sample, "CallSid": "9.1", "Status": "Ringing"})
    assert ringing.campid is None
    orphan = correlator.add(ringing)
    assert orphan is not None and orphan is not call
    assert len(correlator) == 2
    answered = event_from_fields({**LIVE_CALL, "CallSid": "9.1", "Status": "ANSWER", "campid": ""})
    assert correlator.add(answered) is orphan
    report = event_from_fields({**CALL_REPORT, "CallSid": "9.1", "campid": "11387004"})
    assert correlator.add(report) is call
    assert call.events == [ringing, answered, report]  # arrival order, one call
    assert call.call_sid == "9.1"
    assert call.context == {"lead": 42}
    assert call.report is report
    assert len(correlator) == 1
    assert correlator.get(call_sid="9.1") is call
    assert correlator.get(campid=11387004) is call
    # Later events find the joined call by either id.
    hangup = event_from_fields({**sample, "CallSid": "9.1", "Status": "Hangup"})
    assert correlator.add(hangup) is call
    assert call.events[-1] is hangup


def test_entries_of_two_different_campids_are_never_joined() -> None:
    correlator = CallCorrelator()
    first = correlator.expect(1)
    other = correlator.add(event_from_fields({**LIVE_CALL, "CallSid": "4.4", "campid": "2"}))
    assert other is not None and other.campid == "2"
    # A report claiming campid 1 for CallSid 4.4 does not swallow campid 2's call.
    report = event_from_fields({**CALL_REPORT, "CallSid": "4.4", "campid": "1"})
    assert correlator.add(report) is first
    assert other.events and report not in other.events
    assert correlator.get(campid=2) is other
