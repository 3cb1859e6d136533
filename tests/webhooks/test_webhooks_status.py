"""Status normalisation (reference §10.3)."""

from __future__ import annotations

import pytest

from callerdesk_async.webhooks import (
    CallReportEvent,
    CallStatus,
    event_from_fields,
    normalize_status,
    split_status,
)

from .webhook_helpers import CALL_REPORT


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ANSWER", CallStatus.ANSWER),
        ("answer", CallStatus.ANSWER),
        (" No Answer", CallStatus.NOANSWER),
        ("NO ANSWER", CallStatus.NOANSWER),
        ("NOANSWER", CallStatus.NOANSWER),
        ("NOANSWER(19)", CallStatus.NOANSWER),
        ("NOANSWER (0-customer)", CallStatus.NOANSWER),
        ("BUSY", CallStatus.BUSY),
        ("Busy (17-agent)", CallStatus.BUSY),
        ("CANCEL", CallStatus.CANCEL),
        ("CANCEL (0)", CallStatus.CANCEL),
        ("Congestion (1-agent)", CallStatus.CONGESTION),
        ("Leg A Answer", CallStatus.LEG_A_ANSWER),
        ("Leg B Answer", CallStatus.LEG_B_ANSWER),
        ("leg_b_answer", CallStatus.LEG_B_ANSWER),
        ("", None),
        ("   ", None),
        ("(0)", None),
        (None, None),
        ("Answered by Agent", "Answered by Agent"),
        ("  Transferring   Call to Agent ", "Transferring Call to Agent"),
        ("Cancel-Customer", CallStatus.CANCEL_BY_CUSTOMER),
        ("cancel-Agent", CallStatus.CANCEL_BY_AGENT),
        # Reference section 10.3: the statuses of ~38,000 real calls.
        ("CANCEL BY AGENT", CallStatus.CANCEL_BY_AGENT),
        ("CANCEL BY CUSTOMER", CallStatus.CANCEL_BY_CUSTOMER),
        ("PICKED", CallStatus.PICKED),
        ("Picked", CallStatus.PICKED),
        ("Congestion", CallStatus.CONGESTION),
        ("AbandonedCall", CallStatus.ABANDONED_CALL),
        ("Unavailable", CallStatus.UNAVAILABLE),
        ("Unavailable (19-agent)", CallStatus.UNAVAILABLE),
        ("AgentEngaged (0-Agent)", "AgentEngaged"),
        ("Some Status Nobody Saw", "Some Status Nobody Saw"),
    ],
)
def test_normalize_status(raw: str | None, expected: object) -> None:
    assert normalize_status(raw) == expected
    if isinstance(expected, CallStatus):
        assert normalize_status(raw) is expected


def test_split_status_keeps_cause() -> None:
    assert split_status("NOANSWER(19)") == ("NOANSWER", "19")
    assert split_status(" ANSWER (16-customer) ") == ("ANSWER", "16-customer")
    assert split_status("ANSWER") == ("ANSWER", None)
    assert split_status("") == (None, None)


def test_call_status_is_a_string() -> None:
    assert CallStatus.NOANSWER == "NOANSWER"
    assert str(CallStatus.LEG_B_ANSWER) == "LEG_B_ANSWER"
    assert f"{CallStatus.BUSY}" == "BUSY"


@pytest.mark.parametrize("status", ["ANSWER", " No Answer", "Leg B Answer", "NOANSWER(19)", ""])
def test_event_keeps_raw_and_normalised_status(status: str) -> None:
    event = event_from_fields({**CALL_REPORT, "Status": status, "callstatus": status})
    assert isinstance(event, CallReportEvent)
    assert event.status_raw == status
    assert event.callstatus_raw == status
    assert event.status == normalize_status(status)
    assert event.callstatus == normalize_status(status)
