"""A call report as the API serves it: the seeded dataset plus calls arriving while running.

New calls (live traffic and executed click-to-calls) sit on top of the dataset, newest first, so
``total`` grows and rows drift to later pages exactly as they do on the real API. Live calls are
a count derived from elapsed time, never stored; click-to-calls are kept explicitly (few).
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from ._data import CallDataset, RowFilter, local_now, mix64

__all__ = ["CallFeed", "ReportPage"]

_BLOCK = 4096
_CACHE_ENTRIES = 32


@attrs.frozen
class ReportPage:
    """One page of a call report and the totals of the whole filtered range."""

    total: int
    answered: int
    noanswer: int
    voicemail: int
    rows: list[bytes]


@attrs.define
class _Explicit:
    live_before: int
    t: int
    row: dict[str, Any]
    text: bytes


class CallFeed:
    """The rows of ``call_list_v2`` (or ``app_call_list_v2``) at any instant."""

    def __init__(
        self, dataset: CallDataset, *, live_rate: float, clock: Callable[[], float], start: float
    ) -> None:
        self.dataset = dataset
        self.live_rate = live_rate
        self._clock = clock
        self._t0 = start
        self._live_key = mix64(dataset.hash(0) ^ 0x5DEECE66D)
        self._floor = dataset.end_local + 1
        self._explicit: list[_Explicit] = []
        self._frozen = 0
        self._time_rate = live_rate or 1.0
        self._positions: list[int] = []  # arrival number of each explicit call
        self._blocks: dict[int, tuple[int, int, int]] = {}
        self._tallies: dict[tuple[int, int], tuple[int, int, int]] = {}
        self._matches: dict[tuple[int, int, RowFilter], tuple[list[int], tuple[int, int, int]]] = {}

    # --- arrivals ----------------------------------------------------------------------

    def live_count(self, now: float | None = None) -> int:
        """Live calls that have arrived so far."""
        if not self.live_rate:
            return self._frozen
        now = self._clock() if now is None else now
        return max(0, int((now - self._t0) * self.live_rate))

    def set_live_rate(self, rate: float, now: float) -> None:
        """Change the arrival rate, keeping the calls that already arrived."""
        arrived = self.live_count(now)
        self.live_rate = rate
        # Live calls already in the report keep their place: pretend the new rate always was.
        if rate:
            self._t0 = now - arrived / rate
            self._time_rate = rate
        else:
            self._frozen = arrived

    def next_id(self, now: float) -> int:
        """The id the next arriving call gets."""
        d = self.dataset
        return d.first_id + d.count + self.live_count(now) + len(self._explicit)

    def now_local(self, now: float) -> int:
        """Local (IST) time stamped on a call arriving at unix time ``now``."""
        return max(self._floor, int(local_now(now)))

    def add(self, row: dict[str, Any], now: float) -> None:
        """Put an executed call (a click-to-call) on top of the report."""
        served = {k: v for k, v in row.items() if k != "campid"}  # webhooks only
        text = json.dumps(served, separators=(",", ":")).encode()
        live = self.live_count(now)
        self._positions.append(live + len(self._explicit))
        self._explicit.append(_Explicit(live, self.now_local(now), row, text))

    def newest_rows(self, n: int) -> list[dict[str, Any]]:
        """The ``n`` newest rows as dicts (click-to-calls keep their ``campid``)."""
        result = self.page(first=None, last=None, filters=RowFilter(), page=1, per_page=n)
        by_text = {e.text: e.row for e in self._explicit[-n:]}
        return [by_text.get(text) or json.loads(text) for text in result.rows]

    def explicit_rows(self) -> list[dict[str, Any]]:
        """The click-to-call rows, oldest first."""
        return [e.row for e in self._explicit]

    def _live_time(self, j: int) -> int:
        return max(self._floor, int(local_now(self._t0 + j / self._time_rate)))

    def _top(self, p: int) -> tuple[int, int]:
        """Arrival ``p`` → (explicit index, -1) or (-1, live call number)."""
        k = bisect.bisect_left(self._positions, p)
        if k < len(self._positions) and self._positions[k] == p:
            return k, -1
        return -1, p - k

    def _top_time(self, p: int) -> int:
        k, j = self._top(p)
        return self._explicit[k].t if k >= 0 else self._live_time(j)

    # --- queries -----------------------------------------------------------------------

    def page(
        self,
        *,
        first: int | None,
        last: int | None,
        filters: RowFilter,
        page: int,
        per_page: int,
    ) -> ReportPage:
        """Page ``page`` (1-based) of rows whose start lies in [first, last] (local seconds)."""
        now = self._clock()
        live = self.live_count(now)
        top = live + len(self._explicit)
        d = self.dataset
        lo_t = first if first is not None else -(1 << 62)
        hi_t = last if last is not None else 1 << 62
        # Top region, indexed by arrival: times increase with the arrival number.
        p_lo = _first_true(0, top, lambda p: self._top_time(p) >= lo_t)
        p_hi = _first_true(p_lo, top, lambda p: self._top_time(p) > hi_t)
        b_lo, b_hi = (0, d.count) if first is None and last is None else d.index_range(lo_t, hi_t)
        if b_lo >= b_hi:
            b_lo = b_hi = 0
        arrivals = range(p_hi - 1, p_lo - 1, -1)  # newest first
        offset = (page - 1) * per_page
        if not filters:
            top_tally = self._tally_top(arrivals)
            base_tally = self._tally_base(b_lo, b_hi)
            n_top = len(arrivals)
            top_rows: Sequence[int] = arrivals[offset : offset + per_page]
            rest = per_page - len(top_rows)
            start = b_lo + max(0, offset - n_top)
            base_rows: Sequence[int] = range(start, min(b_hi, start + rest)) if rest else []
            total = n_top + b_hi - b_lo
        else:
            test = d.predicate(filters)
            top_list = [p for p in arrivals if self._top_accepts(p, test, filters)]
            matches, base_tally = self._match_base(b_lo, b_hi, filters, test)
            top_tally = self._tally_top(top_list)
            top_rows = top_list[offset : offset + per_page]
            rest = per_page - len(top_rows)
            start = max(0, offset - len(top_list))
            base_rows = matches[start : start + rest] if rest else []
            total = len(top_list) + len(matches)
        rows = self._render_top(top_rows)
        if isinstance(base_rows, range) and base_rows.step == 1:
            rows.extend(d.render_range(base_rows.start, base_rows.stop))
        else:
            rows.extend(d._render(base_rows, None))
        answered = top_tally[0] + base_tally[0]
        voicemail = top_tally[1] + base_tally[1]
        return ReportPage(total, answered, total - answered - voicemail, voicemail, rows)

    def _live_hash(self, j: int) -> int:
        return mix64(self._live_key + j * 0x9E3779B97F4A7C15)

    def _render_top(self, arrivals: Any) -> list[bytes]:
        d = self.dataset
        base_id = d.first_id + d.count
        out = []
        for p in arrivals:
            k, j = self._top(p)
            if k >= 0:
                out.append(self._explicit[k].text)
            else:
                out.append(d.render(self._live_hash(j), base_id + p, self._live_time(j)))
        return out

    def _top_accepts(self, p: int, test: Callable[[int], bool], filters: RowFilter) -> bool:
        k, j = self._top(p)
        if k >= 0:
            return filters.accepts(self._explicit[k].row)
        return test(self._live_hash(j))

    def _tally_top(self, arrivals: Any) -> tuple[int, int, int]:
        answered = voicemail = n = 0
        outcomes, table = self.dataset.outcomes, self.dataset._table
        for p in arrivals:
            n += 1
            k, j = self._top(p)
            if k >= 0:
                row = self._explicit[k].row
                answered += row["callstatus"] == "ANSWER"
                voicemail += row["callresult"] == "Voice Mail"
            else:
                o = outcomes[table[(self._live_hash(j) >> 16) % 100]]
                answered += o.answered
                voicemail += o.voicemail
        return answered, voicemail, n - answered - voicemail

    def _tally_base(self, lo: int, hi: int) -> tuple[int, int, int]:
        if lo >= hi:
            return 0, 0, 0
        cached = self._tallies.get((lo, hi))
        if cached is not None:
            return cached
        d = self.dataset
        first_block, last_block = -(-lo // _BLOCK), hi // _BLOCK
        if first_block >= last_block:
            result = d.tally(range(lo, hi))
        else:
            parts = [
                d.tally(range(lo, first_block * _BLOCK)),
                d.tally(range(last_block * _BLOCK, hi)),
            ]
            for b in range(first_block, last_block):
                block = self._blocks.get(b)
                if block is None:
                    block = self._blocks[b] = d.tally(range(b * _BLOCK, (b + 1) * _BLOCK))
                parts.append(block)
            result = (sum(p[0] for p in parts), sum(p[1] for p in parts), sum(p[2] for p in parts))
        if len(self._tallies) >= _CACHE_ENTRIES:
            self._tallies.clear()
        self._tallies[(lo, hi)] = result
        return result

    def _match_base(
        self, lo: int, hi: int, filters: RowFilter, test: Callable[[int], bool]
    ) -> tuple[list[int], tuple[int, int, int]]:
        key = (lo, hi, filters)
        cached = self._matches.get(key)
        if cached is None:
            matches = self.dataset.matching(lo, hi, test)
            cached = (matches, self.dataset.tally(matches))
            if len(self._matches) >= _CACHE_ENTRIES:
                self._matches.clear()
            self._matches[key] = cached
        return cached


def _first_true(lo: int, hi: int, pred: Callable[[int], bool]) -> int:
    """Smallest x in [lo, hi) with ``pred(x)`` (``pred`` monotonic), or ``hi``."""
    while lo < hi:
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo
