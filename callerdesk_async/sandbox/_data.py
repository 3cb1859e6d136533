"""Deterministic call rows: row ``index`` of a dataset is a pure function of (seed, index).

Index 0 is the newest call. Start times never increase with the index, so a date filter maps to
an index range by binary search and nothing is ever materialised: a 1,000,000-call report costs
a few megabytes of string pools. Rows are rendered straight to JSON text from pre-serialised
fragments, because serving a page must stay far cheaper than the SDK's parsing of it.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timezone
from typing import Any

import attrs

from ._world import World

__all__ = [
    "NEVER",
    "CallDataset",
    "Outcome",
    "format_local",
    "local_day",
    "local_now",
    "mix64",
]

NEVER = "0000-00-00 00:00:00"
_M64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_IST_OFFSET = 19800  # +05:30: "local" seconds are IST wall-clock seconds since 1970-01-01
_JITTER_BITS = 16


def mix64(x: int) -> int:
    """splitmix64's finaliser: a cheap, well-spread 64-bit hash of ``x``."""
    x &= _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def local_now(now: float) -> float:
    """Unix time → IST wall-clock seconds."""
    return now + _IST_OFFSET


def local_day(day: date) -> int:
    """IST wall-clock seconds at the start of ``day``."""
    return day.toordinal() * 86400 - _EPOCH_ORDINAL_SECONDS


_EPOCH_ORDINAL_SECONDS = date(1970, 1, 1).toordinal() * 86400
_TOD = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]
_DAYS: dict[int, str] = {}
_MONTHS: dict[str, str] = {}  # "YYYY-MM-DD " → "MM_YYYY/" (recording folders)


def format_local(t: int) -> str:
    """IST wall-clock seconds → ``YYYY-MM-DD HH:MM:SS`` (cached per day, no strftime)."""
    d = t // 86400
    day = _DAYS.get(d)
    if day is None:
        day = _DAYS[d] = datetime.fromtimestamp(d * 86400, timezone.utc).strftime("%Y-%m-%d ")
        _MONTHS[day] = f"{day[5:7]}_{day[:4]}/"
    return day + _TOD[t % 86400]


@attrs.frozen
class Outcome:
    """How a call ended, with the report's labels for it."""

    callresult: str
    callstatus: str
    flow_type: str
    answered: bool
    voicemail: bool = False
    agent_picked: bool = True  # leg A (the agent, for WEBOBD) answered
    has_member: bool = True


_IVR = "IVR"
_OBD = "WEBOBD"
# (outcome, weight out of 100)
_CALL_OUTCOMES = (
    (Outcome("Answered", "ANSWER", _IVR, True), 48),
    (Outcome("No Answer", "NO ANSWER", _IVR, False, has_member=False), 19),
    (Outcome("Voice Mail", "NO ANSWER", _IVR, False, voicemail=True, has_member=False), 8),
    (Outcome("Answered", "ANSWER", _OBD, True), 15),
    (Outcome("Cancel-Agent", "cancel-Agent", _OBD, False, agent_picked=False), 4),
    (Outcome("Cancel-Customer", "Cancel-Customer", _OBD, False), 6),
)
_APP_OUTCOMES = (
    (Outcome("Answered", "ANSWER", "INCOMING", True), 40),
    (Outcome("No Answer", "NO ANSWER", "INCOMING", False), 15),
    (Outcome("Answered", "ANSWER", "OUTGOING", True), 35),
    (Outcome("No Answer", "NO ANSWER", "OUTGOING", False), 10),
)
_REC = "https://newcallrecords.callerdesk.io/"
_KEYS = ("1", "2", "3")
# Per (outcome, member) template: constants baked in, "%%" slots left for the per-row values.
_ROW = (
    '{"id":"%%d","sid_id":"%%d.%%d","file":"%s",%s,%%s,"call_date":"%%s",'
    '"startdatetime":"%%s","enddatetime":"%%s","total_duration":"%%d","talk_duration":"%%d",'
    '"ringing_duration":%%d,%s,"key_pressed":"%%s","coin_deducted":"%%d",'
    '"LegA_Picked_time":"%%s","LegB_Start_time":"%%s","LegB_Picked_time":"%%s"}'
)


def _fragment(**fields: Any) -> str:
    return json.dumps(fields, separators=(",", ":"))[1:-1]


def digits(number: str) -> str:
    """The comparable part of a phone number: its last 10 digits."""
    clean = "".join(ch for ch in number if ch.isdigit())
    return clean[-10:]


_RANGE_CACHE_SIZE = 256


class CallDataset:
    """``count`` calls spread over [start, end] (IST days), newest first.

    ``app=True`` gives the app call report's flavour (SIM calls, INCOMING/OUTGOING).
    """

    def __init__(
        self, world: World, *, count: int, start: date, end: date, salt: int = 0, app: bool = False
    ) -> None:
        self.world = world
        self.count = count
        self.app = app
        self.start_local = local_day(start)
        self.end_local = local_day(end) + 86399
        self._span = self.end_local - self.start_local + 1
        self._key = mix64(world.seed * 0x100000001B3 + salt + 1)
        self.first_id = 1_000_000 + salt * 10_000_000
        table: list[int] = []
        outcomes = _APP_OUTCOMES if app else _CALL_OUTCOMES
        for k, (_, weight) in enumerate(outcomes):
            table.extend([k] * weight)
        self.outcomes = tuple(o for o, _ in outcomes)
        self._table = tuple(table)
        self._n_members = len(world.members)
        self._n_callers = len(world.callers)
        self._member_group = tuple(m.group for m in world.members)
        self._range_cache: OrderedDict[tuple[int, int], list[str]] = OrderedDict()
        self._build_fragments()

    def _build_fragments(self) -> None:
        w = self.world
        member_frags = [
            (
                _fragment(
                    deskphone=w.groups[m.group].deskphone.deskphone,
                    member_num=m.member_num,
                    member_name=m.member_name,
                    group_name=w.groups[m.group].group_name,
                ),
                _fragment(
                    deskphone=w.groups[m.group].deskphone.deskphone,
                    member_num="0",
                    member_name="",
                    group_name=w.groups[m.group].group_name,
                ),
            )
            for m in w.members
        ]
        self._templates = tuple(
            tuple(
                _ROW
                % (
                    f"{_REC}{self._rec_dir(o)}%s%d.%d.wav" if o.answered else "",
                    with_member if o.has_member else without,
                    _fragment(
                        callresult=o.callresult,
                        callstatus=o.callstatus,
                        Flow_type=o.flow_type,
                        Member_type="Agent" if o.has_member else "",
                    ),
                )
                for with_member, without in member_frags
            )
            for o in self.outcomes
        )
        self._caller_frag = tuple(
            _fragment(
                caller_num=c.num,
                caller_name=c.name,
                circle=c.circle,
                block="YES" if c.blocked else "NO",
                is_contact=1 if c.contact_id else 0,
                contact_id=None if c.contact_id is None else str(c.contact_id),
            )
            for c in w.callers
        )
        self._kinds = tuple(
            (
                o.answered,
                o.voicemail,
                o.flow_type == _IVR,
                o.agent_picked,
            )
            for o in self.outcomes
        )

    def _rec_dir(self, o: Outcome) -> str:
        return "app/" if self.app else ("incoming/" if o.flow_type == _IVR else "outgoing/")

    # --- index arithmetic -------------------------------------------------------------

    def hash(self, index: int) -> int:
        """The row's 64 random bits."""
        return mix64(self._key + index * _GOLDEN)

    def start_of(self, index: int) -> int:
        """Start time of row ``index`` in IST wall-clock seconds (non-increasing in index)."""
        z = mix64(self._key + index * _GOLDEN)
        off = ((index << _JITTER_BITS) + (z & 0xFFFF)) * self._span // (self.count << _JITTER_BITS)
        return self.end_local - off

    def first_at_or_before(self, t: int) -> int:
        """The smallest index whose start time is <= ``t`` (``count`` if none)."""
        lo, hi = 0, self.count
        while lo < hi:
            mid = (lo + hi) // 2
            if self.start_of(mid) <= t:
                hi = mid
            else:
                lo = mid + 1
        return lo

    def index_range(self, first_local: int, last_local: int) -> tuple[int, int]:
        """Indexes [lo, hi) of the rows starting within [first_local, last_local]."""
        return self.first_at_or_before(last_local), self.first_at_or_before(first_local - 1)

    def facets(self, z: int) -> tuple[int, int, int]:
        """(outcome, member, caller) indexes of the row with hash ``z``: what filters test."""
        return (
            self._table[(z >> 16) % 100],
            (z >> 24) % self._n_members,
            (z >> 32) % self._n_callers,
        )

    # --- rendering ----------------------------------------------------------------------

    def render(self, z: int, row_id: int, t: int) -> str:
        """JSON text of the row with hash ``z``, id ``row_id``, starting at local time ``t``."""
        return self._render((), ((z, row_id, t),))[0]

    def render_base(self, index: int) -> str:
        """JSON text of dataset row ``index``."""
        return self._render((index,), None)[0]

    def render_range(self, lo: int, hi: int) -> list[str]:
        """JSON texts of dataset rows ``lo..hi-1`` (the benchmark path: no filters).

        Rows are a pure function of (seed, index), so recently rendered ranges are kept in a
        small LRU (at most ``_RANGE_CACHE_SIZE`` ranges, ~25 MB for 100-row pages): benchmarks
        that read the same pages in every repeat then cost the sandbox almost nothing.
        """
        key = (lo, hi)
        cache = self._range_cache
        rows = cache.get(key)
        if rows is not None:
            cache.move_to_end(key)
            return rows
        rows = cache[key] = self._render(range(lo, hi), None)
        if len(cache) > _RANGE_CACHE_SIZE:
            cache.popitem(last=False)
        return rows

    def _render(
        self, indexes: Iterable[int], explicit: Sequence[tuple[int, int, int]] | None
    ) -> list[str]:
        # The sandbox's hot path, so one loop with everything in locals. Rows come either from
        # dataset indexes (hash, id and time derived here) or as explicit (hash, id, time).
        key, span, scale, last = self._key, self._span, self.count << _JITTER_BITS, self.end_local
        top_id = self.first_id + self.count - 1
        table, kinds, templates = self._table, self._kinds, self._templates
        n_m, n_c, callers = self._n_members, self._n_callers, self._caller_frag
        days, months, tod, never, keys = _DAYS, _MONTHS, _TOD, NEVER, _KEYS
        out: list[str] = []
        append = out.append
        source: Iterable[Any] = indexes if explicit is None else explicit
        for item in source:
            if explicit is None:
                z = key + item * _GOLDEN & _M64
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9 & _M64
                z = (z ^ (z >> 27)) * 0x94D049BB133111EB & _M64
                z ^= z >> 31
                row_id = top_id - item
                t = last - ((item << 16) + (z & 0xFFFF)) * span // scale
            else:
                z, row_id, t = item
            oc = table[(z >> 16) % 100]
            answered, voicemail, ivr, picked = kinds[oc]
            ring = 3 + (z >> 40) % 35
            if answered:
                talk = 10 + (z >> 48) % 590
                total = ring + talk
                coins = 1 + talk // 60
            else:
                talk = 0
                total = ring + 20 + (z >> 48) % 40 if voicemail else ring
                coins = 0 if ivr else 1
            s = t % 86400
            day = days.get(t // 86400)
            if day is None:
                format_local(t)
                day = days[t // 86400]
            if s + total < 86400:
                start = day + tod[s]
                stamp = day + tod[s + 2] if ivr else day + tod[s + 3]
                stamp2 = day + tod[s + 4]
                picked_at = day + tod[s + ring] if answered else never
                end = day + tod[s + total] if picked else never
            else:
                start = format_local(t)
                stamp = format_local(t + 2 if ivr else t + 3)
                stamp2 = format_local(t + 4)
                picked_at = format_local(t + ring) if answered else never
                end = format_local(t + total) if picked else never
            if ivr:
                key_pressed = "" if (z >> 56) & 3 == 0 else keys[(z >> 58) % 3]
                lega, legb = start, stamp
            elif picked:
                key_pressed, lega, legb = "", stamp, stamp2
            else:
                key_pressed, lega, legb = "", never, never
            utc = t - _IST_OFFSET
            template = templates[oc][(z >> 24) % n_m]
            caller = callers[(z >> 32) % n_c]
            if answered:
                append(template % (row_id, utc, row_id, months[day], utc, row_id, caller, start,
                                   start, end, total, talk, ring, key_pressed, coins, lega, legb,
                                   picked_at))  # fmt: skip
            else:
                append(template % (row_id, utc, row_id, caller, start, start, end, total, talk,
                                   ring, key_pressed, coins, lega, legb, picked_at))  # fmt: skip
        return out

    def row(self, index: int) -> dict[str, Any]:
        """Row ``index`` as a dict (tests, webhooks)."""
        result: dict[str, Any] = json.loads(self.render_base(index))
        return result

    # --- filtering and counting --------------------------------------------------------

    def predicate(self, filters: RowFilter) -> Callable[[int], bool]:
        """A test on a row hash ``z`` for ``filters`` (which must not be empty)."""
        outcomes = filters.outcome_set(self.outcomes)
        members = filters.member_set(self.world) if filters.member_num else None
        groups = filters.group_set(self.world) if filters.deskphone else None
        callers = filters.caller_set(self.world) if filters.caller_num else None
        table, n_m, n_c = self._table, self._n_members, self._n_callers
        member_group = self._member_group
        out = self.outcomes

        def test(z: int) -> bool:
            oc = table[(z >> 16) % 100]
            if outcomes is not None and oc not in outcomes:
                return False
            m = (z >> 24) % n_m
            if members is not None and (m not in members or not out[oc].has_member):
                return False
            if groups is not None and member_group[m] not in groups:
                return False
            return callers is None or (z >> 32) % n_c in callers

        return test

    def matching(self, lo: int, hi: int, test: Callable[[int], bool]) -> list[int]:
        """Indexes in [lo, hi) whose hash passes ``test``."""
        key = self._key
        return [i for i in range(lo, hi) if test(mix64(key + i * _GOLDEN))]

    def tally(self, indexes: Iterable[int]) -> tuple[int, int, int]:
        """(answered, voicemail, other) counts over ``indexes``."""
        key, table, out = self._key, self._table, self.outcomes
        answered = voicemail = 0
        n = 0
        for i in indexes:
            n += 1
            o = out[table[(mix64(key + i * _GOLDEN) >> 16) % 100]]
            if o.answered:
                answered += 1
            elif o.voicemail:
                voicemail += 1
        return answered, voicemail, n - answered - voicemail


@attrs.frozen
class RowFilter:
    """The non-date filters of a call report request (empty strings mean "not set")."""

    deskphone: str = ""
    member_num: str = ""
    caller_num: str = ""
    callresult: str = ""
    flow_type: str = ""

    def __bool__(self) -> bool:
        return bool(
            self.deskphone or self.member_num or self.caller_num or self.callresult
            or self.flow_type
        )  # fmt: skip

    def outcome_set(self, outcomes: Sequence[Outcome]) -> frozenset[int] | None:
        if not (self.callresult or self.flow_type):
            return None
        result = self.callresult.strip().lower()
        flow = self.flow_type.strip().lower()
        return frozenset(
            k
            for k, o in enumerate(outcomes)
            if (not result or result in (o.callresult.lower(), o.callstatus.lower()))
            and (not flow or flow == o.flow_type.lower())
        )

    def member_set(self, world: World) -> frozenset[int]:
        want = digits(self.member_num)
        return frozenset(k for k, m in enumerate(world.members) if digits(m.member_num) == want)

    def group_set(self, world: World) -> frozenset[int]:
        want = self.deskphone.strip().lstrip("0")
        return frozenset(
            k for k, g in enumerate(world.groups) if g.deskphone.deskphone.lstrip("0") == want
        )

    def caller_set(self, world: World) -> frozenset[int]:
        want = digits(self.caller_num)
        return frozenset(k for k, c in enumerate(world.callers) if digits(c.num) == want)

    def accepts(self, row: dict[str, Any]) -> bool:
        """Whether an explicit row (a click-to-call) passes the filters."""
        if self.deskphone and str(row["deskphone"]).lstrip("0") != self.deskphone.lstrip("0"):
            return False
        if self.member_num and digits(str(row["member_num"])) != digits(self.member_num):
            return False
        if self.caller_num and digits(str(row["caller_num"])) != digits(self.caller_num):
            return False
        if self.callresult and self.callresult.strip().lower() not in (
            str(row["callresult"]).lower(),
            str(row["callstatus"]).lower(),
        ):
            return False
        return not self.flow_type or self.flow_type.lower() == str(row["Flow_type"]).lower()
