"""Deterministic call rows: row ``index`` of a dataset is a pure function of (seed, index).

Index 0 is the newest call. Start times never increase with the index, so a date filter maps to
an index range by binary search and nothing is ever materialised: a 1,000,000-call report costs
a few megabytes of string pools. Rows are rendered straight to JSON bytes from pre-serialised
fragments, because serving a page must stay far cheaper than the SDK's parsing of it.
"""

from __future__ import annotations

import json
import sys
from array import array
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
_TOD_B = tuple(s.encode() for s in _TOD)
# key_pressed of an IVR row, indexed by its hash's top byte: bits 0-1 zero → none pressed.
_KEY_BY_BYTE = tuple(b"" if b & 3 == 0 else _KEYS[(b >> 2) % 3].encode() for b in range(256))
_DAY_BYTES: dict[int, tuple[bytes, bytes]] = {}  # day → (b"YYYY-MM-DD ", b"MM_YYYY/")

# Row formulas (the hash's bit fields); the renderer and the reference below share them.
_RING_MIN, _RING_SPREAD = 3, 35  # ringing_duration = 3 + (z >> 40) % 35
_TALK_MIN, _TALK_SPREAD = 10, 590  # talk_duration of answered calls = 10 + (z >> 48) % 590
_VM_MIN, _VM_SPREAD = 20, 40  # voicemail: total = ring + 20 + (z >> 48) % 40
# A row whose times all fall on its start day (the start second-of-day is below this) takes
# the fast path; the few rows starting closer to midnight are rendered by the reference.
_LONGEST = _RING_MIN + _RING_SPREAD - 1 + max(_TALK_MIN + _TALK_SPREAD, _VM_MIN + _VM_SPREAD) + 4
_FAST_BEFORE = 86400 - _LONGEST

# The row shapes the renderer knows (which fields vary, which are constant for an outcome).
_IVR_ANSWERED, _IVR_MISSED, _IVR_VOICEMAIL, _OBD_ANSWERED, _OBD_UNPICKED, _OBD_MISSED = range(6)


def _shape(o: Outcome) -> int:
    if o.flow_type == _IVR and o.agent_picked:
        if o.answered:
            return _IVR_ANSWERED if not o.voicemail else -1
        return _IVR_VOICEMAIL if o.voicemail else _IVR_MISSED
    if o.flow_type != _IVR and not o.voicemail:
        if o.answered:
            return _OBD_ANSWERED if o.agent_picked else -1
        return _OBD_MISSED if o.agent_picked else _OBD_UNPICKED
    return -1


def _fragment(**fields: Any) -> str:
    return json.dumps(fields, separators=(",", ":"))[1:-1]


def _literal(text: str) -> str:
    """``text`` as a constant of a ``%`` template."""
    return text.replace("%", "%%")


def _day_bytes(d: int) -> tuple[bytes, bytes]:
    """(b"YYYY-MM-DD ", b"MM_YYYY/") of day number ``d`` (IST days since 1970-01-01)."""
    pair = _DAY_BYTES.get(d)
    if pair is None:
        day = format_local(d * 86400)[:11]
        pair = _DAY_BYTES[d] = (day.encode(), _MONTHS[day].encode())
    return pair


def digits(number: str) -> str:
    """The comparable part of a phone number: its last 10 digits."""
    clean = "".join(ch for ch in number if ch.isdigit())
    return clean[-10:]


_RANGE_CACHE_BYTES = 40 * 2**20  # rendered rows kept for repeated reads (~500 pages of 100)
_ROW_OVERHEAD = 41  # a bytes object's header and its list slot
_LANES = 128  # rows hashed together by CallDataset._hashes
_LANE_ONES = sum(1 << (128 * k) for k in range(_LANES))
_LANE_RAMP = sum(k << (128 * k) for k in range(_LANES))
_LANE_M64 = _M64 * _LANE_ONES
_BIG_ENDIAN = sys.byteorder == "big"


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
        self._range_cache: OrderedDict[tuple[int, int], tuple[list[bytes], int]] = OrderedDict()
        self._range_cache_bytes = 0
        self._build_fragments()

    def _build_fragments(self) -> None:
        w = self.world
        self._shapes = tuple(_shape(o) for o in self.outcomes)
        if -1 in self._shapes:
            raise ValueError("an outcome the row renderer has no shape for")
        self._member_frags = tuple(
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
        )
        self._outcome_frags = tuple(
            _fragment(
                callresult=o.callresult,
                callstatus=o.callstatus,
                Flow_type=o.flow_type,
                Member_type="Agent" if o.has_member else "",
            )
            for o in self.outcomes
        )
        self._templates = tuple(
            tuple(
                self._template(k, with_member if o.has_member else without)
                for with_member, without in self._member_frags
            )
            for k, o in enumerate(self.outcomes)
        )
        self._caller_frags = tuple(
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
        self._caller_bytes = tuple(f.encode() for f in self._caller_frags)

    def _template(self, oc: int, member: str) -> bytes:
        """The ``%`` template of outcome ``oc`` with ``member``'s fragment: only what varies
        between rows is a slot; times are two slots each (day, then time of day)."""
        o, shape = self.outcomes[oc], self._shapes[oc]
        ivr = shape in (_IVR_ANSWERED, _IVR_MISSED, _IVR_VOICEMAIL)
        at = "%s%s"
        never = NEVER
        legs = at if shape != _OBD_UNPICKED else never
        file = _literal(_REC + self._rec_dir(o)) + "%s%d.%d.wav" if o.answered else ""
        return (
            '{"id":"%d","sid_id":"%d.%d","file":"' + file + '",' + _literal(member) + ",%s,"
            f'"call_date":"{at}","startdatetime":"{at}",'
            f'"enddatetime":"{at if o.agent_picked else never}","total_duration":"%d",'
            f'"talk_duration":"{"%d" if o.answered else "0"}","ringing_duration":%d,'
            + _literal(self._outcome_frags[oc])
            + f',"key_pressed":"{"%s" if ivr else ""}",'
            f'"coin_deducted":"{"%d" if o.answered else (0 if ivr else 1)}",'
            f'"LegA_Picked_time":"{legs}","LegB_Start_time":"{legs}",'
            f'"LegB_Picked_time":"{at if o.answered else never}"}}'
        ).encode()

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

    def render(self, z: int, row_id: int, t: int) -> bytes:
        """JSON of the row with hash ``z``, id ``row_id``, starting at local time ``t``."""
        return self._render((), ((z, row_id, t),))[0]

    def render_base(self, index: int) -> bytes:
        """JSON of dataset row ``index``."""
        return self._render((index,), None)[0]

    def render_range(self, lo: int, hi: int) -> list[bytes]:
        """JSON of dataset rows ``lo..hi-1`` (the benchmark path: no filters).

        Rows are a pure function of (seed, index), so recently rendered ranges are kept in an
        LRU bounded by size (``_RANGE_CACHE_BYTES``, about 500 pages of 100 rows): benchmarks
        read the same pages in every repeat and variant, and then cost the sandbox almost
        nothing after the first read.
        """
        key = (lo, hi)
        cache = self._range_cache
        hit = cache.get(key)
        if hit is not None:
            cache.move_to_end(key)
            return hit[0]
        rows = self._render(range(lo, hi), None)
        size = sum(map(len, rows)) + _ROW_OVERHEAD * len(rows)
        cache[key] = (rows, size)
        self._range_cache_bytes += size
        while self._range_cache_bytes > _RANGE_CACHE_BYTES and len(cache) > 1:
            _, (_, dropped) = cache.popitem(last=False)
            self._range_cache_bytes -= dropped
        return rows

    def _hashes(self, indexes: Sequence[int]) -> list[int]:
        """``hash(i)`` for each of ``indexes``; a contiguous range is hashed ``_LANES`` rows at a
        time, as the 128-bit lanes of one big integer (a few big-int operations per lane
        group instead of a dozen small ones per row)."""
        key = self._key
        if not isinstance(indexes, range) or indexes.step != 1 or len(indexes) < _LANES // 8:
            return [mix64(key + i * _GOLDEN) for i in indexes]
        ones, ramp, mask = _LANE_ONES, _LANE_RAMP, _LANE_M64
        out: list[int] = []
        for lo in range(indexes.start, indexes.stop, _LANES):
            n = min(_LANES, indexes.stop - lo)
            z = ((key + lo * _GOLDEN) & _M64) * ones + _GOLDEN * ramp & mask
            z = ((z ^ (z >> 30)) & mask) * 0xBF58476D1CE4E5B9 & mask
            z = ((z ^ (z >> 27)) & mask) * 0x94D049BB133111EB & mask
            z = (z ^ (z >> 31)) & mask
            lanes = array("Q", z.to_bytes(16 * _LANES, "little"))
            if _BIG_ENDIAN:
                lanes.byteswap()
            out += lanes[: 2 * n : 2].tolist()
        return out

    def _render(
        self, indexes: Sequence[int], explicit: Sequence[tuple[int, int, int]] | None
    ) -> list[bytes]:
        # The sandbox's hot path, so one loop with everything in locals, rendering straight to
        # bytes: one ``%`` per row on its outcome's template, whose slots are only what varies
        # (times as day + time of day, so nothing is concatenated). Rows come either from
        # dataset indexes (hash, id and time derived here) or as explicit (hash, id, time).
        # ``_reference`` is the readable definition of a row; tests hold the two equal.
        rows: Iterable[tuple[int, int, int]]
        if explicit is None:
            span, scale, last = self._span, self.count << _JITTER_BITS, self.end_local
            top_id = self.first_id + self.count - 1
            zs = self._hashes(indexes)
            ts = [last - ((i << 16) + (z & 0xFFFF)) * span // scale
                  for i, z in zip(indexes, zs, strict=True)]  # fmt: skip
            rows = zip(zs, [top_id - i for i in indexes], ts, strict=True)
        else:
            rows = explicit
        table, shapes, templates = self._table, self._shapes, self._templates
        n_m, n_c, callers = self._n_members, self._n_callers, self._caller_bytes
        tod, key_by_byte, fast_before, utc_offset = _TOD_B, _KEY_BY_BYTE, _FAST_BEFORE, _IST_OFFSET
        ring_min, ring_spread = _RING_MIN, _RING_SPREAD
        talk_min, talk_spread = _TALK_MIN, _TALK_SPREAD
        vm_min, vm_spread = _VM_MIN, _VM_SPREAD
        ivr_answered, ivr_missed, ivr_voicemail = _IVR_ANSWERED, _IVR_MISSED, _IVR_VOICEMAIL
        obd_answered, obd_missed = _OBD_ANSWERED, _OBD_MISSED
        cur = -1
        day = month = b""
        out: list[bytes] = []
        append = out.append
        # fmt: off
        for z, row_id, t in rows:
            d = t // 86400
            s = t - d * 86400
            if s >= fast_before:  # a time may fall on the next day
                append(self._reference_json(z, row_id, t))
                continue
            if d != cur:
                cur = d
                day, month = _day_bytes(d)
            oc = table[(z >> 16) % 100]
            shape = shapes[oc]
            template = templates[oc][(z >> 24) % n_m]
            caller = callers[(z >> 32) % n_c]
            ring = ring_min + (z >> 40) % ring_spread
            utc = t - utc_offset
            at = tod[s]
            if shape == ivr_answered:
                talk = talk_min + (z >> 48) % talk_spread
                total = ring + talk
                append(template % (
                    row_id, utc, row_id, month, utc, row_id, caller, day, at, day, at,
                    day, tod[s + total], total, talk, ring, key_by_byte[z >> 56], 1 + talk // 60,
                    day, at, day, tod[s + 2], day, tod[s + ring]))
            elif shape == ivr_missed:
                append(template % (
                    row_id, utc, row_id, caller, day, at, day, at,
                    day, tod[s + ring], ring, ring, key_by_byte[z >> 56],
                    day, at, day, tod[s + 2]))
            elif shape == obd_answered:
                talk = talk_min + (z >> 48) % talk_spread
                total = ring + talk
                append(template % (
                    row_id, utc, row_id, month, utc, row_id, caller, day, at, day, at,
                    day, tod[s + total], total, talk, ring, 1 + talk // 60,
                    day, tod[s + 3], day, tod[s + 4], day, tod[s + ring]))
            elif shape == ivr_voicemail:
                total = ring + vm_min + (z >> 48) % vm_spread
                append(template % (
                    row_id, utc, row_id, caller, day, at, day, at,
                    day, tod[s + total], total, ring, key_by_byte[z >> 56],
                    day, at, day, tod[s + 2]))
            elif shape == obd_missed:
                append(template % (
                    row_id, utc, row_id, caller, day, at, day, at,
                    day, tod[s + ring], ring, ring,
                    day, tod[s + 3], day, tod[s + 4]))
            else:  # _OBD_UNPICKED
                append(template % (row_id, utc, row_id, caller, day, at, day, at, ring, ring))
        # fmt: on
        return out

    def _reference(self, z: int, row_id: int, t: int) -> dict[str, Any]:
        """The row with hash ``z``, id ``row_id``, starting at ``t``, spelled out field by field.

        The definition ``_render`` must agree with byte for byte (it also renders the rows
        whose times cross midnight).
        """
        o = self.outcomes[self._table[(z >> 16) % 100]]
        member = self.world.members[(z >> 24) % self._n_members]
        group = self.world.groups[member.group]
        caller = self.world.callers[(z >> 32) % self._n_callers]
        ivr = o.flow_type == _IVR
        ring = _RING_MIN + (z >> 40) % _RING_SPREAD
        if o.answered:
            talk = _TALK_MIN + (z >> 48) % _TALK_SPREAD
            total = ring + talk
            coins = 1 + talk // 60
        else:
            talk = 0
            total = ring + _VM_MIN + (z >> 48) % _VM_SPREAD if o.voicemail else ring
            coins = 0 if ivr else 1
        utc = t - _IST_OFFSET
        start = format_local(t)
        if ivr:
            key_pressed = "" if (z >> 56) & 3 == 0 else _KEYS[(z >> 58) % 3]
            lega, legb = start, format_local(t + 2)
        elif o.agent_picked:
            key_pressed, lega, legb = "", format_local(t + 3), format_local(t + 4)
        else:
            key_pressed, lega, legb = "", NEVER, NEVER
        folder = f"{start[5:7]}_{start[:4]}/"
        return {
            "id": str(row_id),
            "sid_id": f"{utc}.{row_id}",
            "file": f"{_REC}{self._rec_dir(o)}{folder}{utc}.{row_id}.wav" if o.answered else "",
            "deskphone": group.deskphone.deskphone,
            "member_num": member.member_num if o.has_member else "0",
            "member_name": member.member_name if o.has_member else "",
            "group_name": group.group_name,
            "caller_num": caller.num,
            "caller_name": caller.name,
            "circle": caller.circle,
            "block": "YES" if caller.blocked else "NO",
            "is_contact": 1 if caller.contact_id else 0,
            "contact_id": None if caller.contact_id is None else str(caller.contact_id),
            "call_date": start,
            "startdatetime": start,
            "enddatetime": format_local(t + total) if o.agent_picked else NEVER,
            "total_duration": str(total),
            "talk_duration": str(talk),
            "ringing_duration": ring,
            "callresult": o.callresult,
            "callstatus": o.callstatus,
            "Flow_type": o.flow_type,
            "Member_type": "Agent" if o.has_member else "",
            "key_pressed": key_pressed,
            "coin_deducted": str(coins),
            "LegA_Picked_time": lega,
            "LegB_Start_time": legb,
            "LegB_Picked_time": format_local(t + ring) if o.answered else NEVER,
        }

    def _reference_json(self, z: int, row_id: int, t: int) -> bytes:
        return json.dumps(self._reference(z, row_id, t), separators=(",", ":")).encode()

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
