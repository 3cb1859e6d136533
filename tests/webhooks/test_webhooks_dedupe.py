"""De-duplication keys and the bounded Deduplicator."""

from __future__ import annotations

import pytest

from callerdesk_async.webhooks import Deduplicator, dedupe_key, event_from_fields

from .webhook_helpers import CALL_REPORT, LIVE_CALL


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_call_events_are_keyed_by_kind_and_call_id() -> None:
    report = event_from_fields(CALL_REPORT)
    again = event_from_fields({**CALL_REPORT, "coins": "2"})  # same call, redelivered
    assert dedupe_key(report) == dedupe_key(again) == ("call_report", "1672649960.9601")
    live = event_from_fields({**CALL_REPORT, "type": "live_call"})
    assert dedupe_key(live) != dedupe_key(report)


def test_uniqueid_is_used_without_callsid() -> None:
    fields = {k: v for k, v in CALL_REPORT.items() if k != "CallSid"}
    assert dedupe_key(event_from_fields(fields)) == ("call_report", "1672649960.9601")


def test_live_events_of_one_call_differ_by_status() -> None:
    ringing = event_from_fields({**LIVE_CALL, "Status": "Ringing"})
    answered = event_from_fields(LIVE_CALL)
    assert dedupe_key(ringing) != dedupe_key(answered)
    assert dedupe_key(answered) == dedupe_key(event_from_fields(dict(LIVE_CALL)))


def test_events_without_id_are_keyed_by_a_hash_of_all_fields() -> None:
    a = event_from_fields({"type": "add_member", "member_id": "1"})
    b = event_from_fields({"member_id": "1", "type": "add_member"})
    c = event_from_fields({"type": "add_member", "member_id": "2"})
    assert dedupe_key(a) == dedupe_key(b) != dedupe_key(c)
    assert dedupe_key(a)[0] == "member"
    assert dedupe_key(a)[1].startswith("sha256:")
    odd = event_from_fields({"type": "x", "v": ["\ud800", {"n": float("nan")}]})
    assert dedupe_key(odd)[0] == "unknown"


def test_window_expiry() -> None:
    clock = FakeClock()
    dedupe = Deduplicator(window_seconds=60, clock=clock)
    dedupe.mark("a")
    assert dedupe.seen("a")
    assert len(dedupe) == 1
    clock.now += 59
    assert dedupe.seen("a")
    clock.now += 2
    assert not dedupe.seen("a")
    assert len(dedupe) == 0


def test_max_entries_evicts_oldest() -> None:
    dedupe = Deduplicator(max_entries=3, clock=FakeClock())
    for key in "abcd":
        dedupe.mark(key)
    assert not dedupe.seen("a")
    assert all(dedupe.seen(k) for k in "bcd")
    assert len(dedupe) == 3


def test_remarking_refreshes_and_forget_and_clear() -> None:
    clock = FakeClock()
    dedupe = Deduplicator(window_seconds=10, clock=clock)
    dedupe.mark("a")
    dedupe.mark("b")
    clock.now += 5
    dedupe.mark("a")
    clock.now += 6
    assert dedupe.seen("a")
    assert not dedupe.seen("b")
    dedupe.forget("a")
    assert not dedupe.seen("a")
    dedupe.mark("c")
    dedupe.clear()
    assert len(dedupe) == 0


@pytest.mark.parametrize("kwargs", [{"window_seconds": 0}, {"max_entries": 0}])
def test_invalid_settings(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        Deduplicator(**kwargs)  # type: ignore[arg-type]
