"""Recognising the same webhook delivered twice.

A *duplicate* is a delivery whose de-duplication key (:func:`dedupe_key`) was already handled
successfully within the window:

* call events (call report, app call report): the event kind and the call id (``CallSid``,
  else ``Uniqueid``);
* live-call events: the kind, the call id and the raw ``Status`` (one call sends several live
  events, one per state);
* everything else, or a call event without an id: the kind and a hash of all the fields.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from ._events import LiveCallEvent, WebhookEvent, _CallEvent

__all__ = ["Deduplicator", "dedupe_key"]


def dedupe_key(event: WebhookEvent) -> tuple[str, ...]:
    """The key two deliveries of the same event share (see the module docs)."""
    if isinstance(event, _CallEvent):
        call_id = event.call_id
        if call_id is not None:
            if isinstance(event, LiveCallEvent):
                return (event.kind, call_id, (event.status_raw or "").strip().lower())
            return (event.kind, call_id)
    text = json.dumps(dict(event.raw), sort_keys=True, default=repr, ensure_ascii=True)
    return (event.kind, "sha256:" + hashlib.sha256(text.encode("ascii")).hexdigest())


class Deduplicator:
    """Remembers handled events for ``window_seconds``, at most ``max_entries`` of them.

    Memory is bounded: entries older than the window are dropped, and beyond ``max_entries``
    the oldest go first. The receivers call :meth:`seen` before the callback and :meth:`mark`
    only after it succeeded, so a redelivery after a failure is handled again. One instance
    belongs to one event loop (it is not thread-safe); share it between receivers to
    de-duplicate across them.

    Args:
        window_seconds: how long a handled event is remembered (default one day).
        max_entries: the most keys kept (default 100,000, about 30 MB at most: a key longer
            than 64 characters is kept as its 32-byte SHA-256, so a sender's 60 KB ``CallSid``
            costs what a short one does).
        clock: a monotonic clock in seconds (for tests).
    """

    def __init__(
        self,
        window_seconds: float = 86_400.0,
        max_entries: int = 100_000,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if window_seconds <= 0:
            raise ValueError("window_seconds must be positive")
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.window_seconds = float(window_seconds)
        self.max_entries = int(max_entries)
        self._clock = clock
        self._seen: OrderedDict[Hashable, float] = OrderedDict()

    def __len__(self) -> int:
        self._expire()
        return len(self._seen)

    def _expire(self) -> None:
        horizon = self._clock() - self.window_seconds
        while self._seen:
            key, stamp = next(iter(self._seen.items()))
            if stamp > horizon:
                break
            del self._seen[key]

    def seen(self, key: Hashable) -> bool:
        """Whether ``key`` was marked within the window."""
        key = _compact(key)
        self._expire()
        return key in self._seen

    def mark(self, key: Hashable) -> None:
        """Remember ``key`` as handled, now."""
        key = _compact(key)
        self._seen.pop(key, None)
        self._seen[key] = self._clock()
        while len(self._seen) > self.max_entries:
            self._seen.popitem(last=False)

    def forget(self, key: Hashable) -> None:
        """Drop ``key`` so its next delivery is handled again."""
        key = _compact(key)
        self._seen.pop(key, None)

    def clear(self) -> None:
        """Forget everything."""
        self._seen.clear()


_SHORT_KEY_CHARS = 64


def _compact(key: Hashable) -> Hashable:
    """``key`` itself when short; else a 32-byte digest of it (memory bounded by bytes)."""
    if isinstance(key, tuple) and all(isinstance(part, str) for part in key):
        if sum(map(len, key)) <= _SHORT_KEY_CHARS:
            return key
        return hashlib.sha256("\x00".join(key).encode("utf-8", "surrogatepass")).digest()
    if isinstance(key, str) and len(key) <= _SHORT_KEY_CHARS:
        return key
    return hashlib.sha256(repr(key).encode("utf-8", "surrogatepass")).digest()
