"""Linking click-to-call requests and incoming calls to their webhook events.

Outgoing (click-to-call): the API's response carries a ``campid``; the live-call and
call-report events of that call echo it, so match ``campid`` first and learn the ``CallSid``
from the first event that has both. Incoming (IVR): ``campid`` is ``0``/blank, match the
``CallSid`` (``Uniqueid``). ``call_list_v2`` rows expose the same id as ``sid_id``.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any

import attrs

from .._convert import parse_int
from ._events import CallReportEvent, WebhookEvent, _CallEvent

__all__ = ["CallCorrelator", "CorrelatedCall", "campid_key"]

_MAX_ID_CHARS = 128


@attrs.define(slots=True, eq=False)
class CorrelatedCall:
    """What is known about one call: its ids, your context, and its events in arrival order."""

    campid: str | None = None
    """The click-to-call ``campid`` as text (``"11387004"``), ``None`` for incoming calls."""
    call_sid: str | None = None
    context: Any = None
    """Whatever you passed to :meth:`CallCorrelator.expect` (e.g. your CRM lead id)."""
    events: list[WebhookEvent] = attrs.field(factory=list)
    report: CallReportEvent | None = None
    """The call report, once it arrived."""
    _waiters: list[asyncio.Future[CallReportEvent]] = attrs.field(factory=list, repr=False)
    _arrivals: list[int] = attrs.field(factory=list, repr=False)  # arrival number per event

    def _absorb(self, other: CorrelatedCall) -> None:
        """Take over the events (kept in arrival order), report and waiters of ``other``."""
        merged = sorted(
            zip(self._arrivals + other._arrivals, self.events + other.events, strict=True),
            key=lambda pair: pair[0],
        )
        self._arrivals = [number for number, _ in merged]
        self.events = [event for _, event in merged]
        self.report = self.report or other.report
        self._waiters.extend(other._waiters)


def campid_key(value: object) -> str | None:
    """A ``campid`` as comparable text: ``11387004``, ``"11387004"`` and ``"11387004.0"`` agree;
    ``0``, blank and ``None`` mean "no campid"; a non-numeric id you chose is kept, trimmed."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = parse_int(value)
    except ValueError:
        text = str(value).strip()
        return text or None
    return str(number) if number else None


class CallCorrelator:
    """Groups call events by call, keyed by click-to-call ``campid`` and by ``CallSid``.

    ::

        correlator = CallCorrelator()
        result = await cd.calls.click_to_call(agent=..., customer=..., deskphone=...)
        correlator.expect(result.campid, context={"lead": 42})
        ...                                   # in the webhook callback:
        call = correlator.add(event)          # -> CorrelatedCall (or None for non-call events)
        report = await correlator.wait_for_report(result.campid, timeout=600)

    Memory is bounded: beyond ``max_calls`` the oldest calls are forgotten; a call keeps its
    latest ``max_events_per_call`` events (its report stays in ``report``); an event whose
    ``CallSid`` or ``campid`` is longer than 128 characters is not a real call and is not
    filed (``add`` returns ``None``). Use it from one event loop.
    """

    def __init__(self, *, max_calls: int = 10_000, max_events_per_call: int = 32) -> None:
        if max_calls < 1:
            raise ValueError("max_calls must be at least 1")
        if max_events_per_call < 1:
            raise ValueError("max_events_per_call must be at least 1")
        self.max_calls = max_calls
        self.max_events_per_call = max_events_per_call
        self._calls: OrderedDict[int, CorrelatedCall] = OrderedDict()
        self._by_campid: dict[str, CorrelatedCall] = {}
        self._by_sid: dict[str, CorrelatedCall] = {}
        self._arrived = 0

    def __len__(self) -> int:
        return len(self._calls)

    def _remember(self, call: CorrelatedCall) -> CorrelatedCall:
        self._calls[id(call)] = call
        if call.campid is not None:
            self._by_campid[call.campid] = call
        if call.call_sid is not None:
            self._by_sid[call.call_sid] = call
        while len(self._calls) > self.max_calls:
            _, old = self._calls.popitem(last=False)
            if old.campid is not None and self._by_campid.get(old.campid) is old:
                del self._by_campid[old.campid]
            if old.call_sid is not None and self._by_sid.get(old.call_sid) is old:
                del self._by_sid[old.call_sid]
        return call

    def expect(self, campid: int | str, context: Any = None) -> CorrelatedCall:
        """Register an outgoing call by the ``campid`` click-to-call returned (or you sent)."""
        key = campid_key(campid)
        if key is None:
            raise ValueError(f"not a campid: {campid!r}")
        call = self._by_campid.get(key)
        if call is None:
            return self._remember(CorrelatedCall(campid=key, context=context))
        if context is not None:
            call.context = context
        return call

    def get(
        self, *, campid: int | str | None = None, call_sid: str | None = None
    ) -> CorrelatedCall | None:
        """The call known by ``campid`` or ``call_sid``, if any."""
        key = campid_key(campid)
        if key is not None:
            found = self._by_campid.get(key)
            if found is not None:
                return found
        return self._by_sid.get(call_sid) if call_sid else None

    def add(self, event: WebhookEvent) -> CorrelatedCall | None:
        """File ``event`` under its call (match ``campid``, then the call id).

        A call event of an unknown call (an incoming call, or one placed elsewhere) starts a
        new entry. An entry known only by its ``CallSid`` (e.g. a live_call without campid that
        came first) is joined to the campid's call once an event links both ids; its events
        stay in arrival order. Events that are not about a call, or carry no id at all, give
        ``None``.
        """
        if not isinstance(event, _CallEvent):
            return None
        call_id = event.call_id
        campid = campid_key(event.campid if event.campid is not None else event.get("campid"))
        if len(call_id or "") > _MAX_ID_CHARS or len(campid or "") > _MAX_ID_CHARS:
            return None
        call = self.get(campid=campid, call_sid=call_id)
        if call is None:
            if campid is None and call_id is None:
                return None
            call = self._remember(CorrelatedCall(campid=campid, call_sid=call_id))
        elif (call.call_sid is None and call_id) or (call.campid is None and campid):
            # An earlier event of this call without a campid (the outgoing live_call sample
            # has none) started its own entry under the CallSid: join it to this one.
            orphan = self._by_sid.get(call_id) if call.call_sid is None and call_id else None
            if orphan is not None and orphan is not call and orphan.campid in (None, campid):
                call._absorb(orphan)
                self._calls.pop(id(orphan), None)
            call.call_sid = call.call_sid or call_id
            call.campid = call.campid or campid
            self._remember(call)
        self._arrived += 1
        call._arrivals.append(self._arrived)
        call.events.append(event)
        if len(call.events) > self.max_events_per_call:
            del call.events[: len(call.events) - self.max_events_per_call]
        if isinstance(event, CallReportEvent):
            call.report = event
            for waiter in call._waiters:
                if not waiter.done():
                    waiter.set_result(event)
            call._waiters.clear()
        return call

    async def wait_for_report(
        self, campid: int | str, *, timeout: float | None = None
    ) -> CallReportEvent:
        """Wait for the call report of the click-to-call ``campid`` (registering it if needed).

        Raises:
            asyncio.TimeoutError: no report arrived within ``timeout`` seconds.
        """
        call = self.expect(campid)
        if call.report is not None:
            return call.report
        waiter: asyncio.Future[CallReportEvent] = asyncio.get_running_loop().create_future()
        call._waiters.append(waiter)
        try:
            return await asyncio.wait_for(waiter, timeout)
        finally:
            if waiter in call._waiters:
                call._waiters.remove(waiter)
