"""Call endpoints: reports, live calls, routing detail, summaries and click-to-call."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from ._core import SandboxCore
from ._data import NEVER, RowFilter, format_local, local_day, mix64
from ._report import CallFeed
from ._state import NO_CALLGROUP, NO_RECORD, Rejected, page_params
from ._webhooks import call_report_payload, live_call_payload

__all__ = ["ClickToCall", "call_list", "click_to_call", "counts", "dashboard", "live_calls",
           "routing_detail"]  # fmt: skip

Params = Mapping[str, str]
_SUCCESS = "Call to Customer Initiate Successfully.."


def _day(params: Params, name: str) -> date | None:
    value = params.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise Rejected(f"Invalid {name}") from None


_HEAD = (
    b'{"type":"success","current_page":%d,"total":%d,"answered_total":"%d",'
    b'"noanswer_total":"%d","voicemail":%d,"answered":[{"total":"%d"}],'
    b'"noanswer":[{"total":"%d"}],"result":['
)


def call_list(core: SandboxCore, feed: CallFeed, params: Params) -> bytes:
    """``call_list_v2`` / ``app_call_list_v2``: one page, already JSON-encoded."""
    page, per_page = page_params(params, core.config.per_page, core.config.max_per_page)
    first, last = _day(params, "start_date"), _day(params, "end_date")
    filters = RowFilter(
        deskphone=params.get("deskphone", ""),
        member_num=params.get("member_num", ""),
        caller_num=params.get("caller_num", ""),
        callresult=params.get("callresult", ""),
        flow_type=params.get("Flow_type", ""),
    )
    result = feed.page(
        first=None if first is None else local_day(first),
        last=None if last is None else local_day(last) + 86399,
        filters=filters,
        page=page,
        per_page=per_page,
    )
    if not result.rows:
        raise Rejected(NO_RECORD)
    head = _HEAD % (page, result.total, result.answered, result.noanswer, result.voicemail,
                    result.answered, result.noanswer)  # fmt: skip
    return b"".join((head, b",".join(result.rows), b"]}"))


def _newest_rows(core: SandboxCore, n: int) -> list[dict[str, Any]]:
    result = core.calls.page(first=None, last=None, filters=RowFilter(), page=1, per_page=n)
    return [json.loads(text) for text in result.rows]


def live_calls(core: SandboxCore) -> dict[str, Any]:
    """``live_call_v2``: the newest calls still in progress."""
    now = core.calls.now_local(core.clock())
    live = []
    for row in _newest_rows(core, 20):
        started = row["startdatetime"]
        if started < format_local(now - 600):
            break
        live.append(
            {
                "msisdn": row["caller_num"],
                "entrydate": started,
                "member_num": row["member_num"],
                "member_name": row["member_name"],
                "callstatus": "Picked" if row["callstatus"] == "ANSWER" else "Ringing",
                "lastupdatedate": format_local(now),
                "did_num": row["deskphone"].lstrip("0"),
                "deskphone": row["deskphone"],
                "sid_id": row["sid_id"],
                "channel": f"SIP/{row['deskphone']}-{int(row['id']) % 100000:08x}",
                "group_name": row["group_name"],
            }
        )
    return {"type": "success", "total_live_calls": str(len(live)), "live_calls": live}


def _find_call(core: SandboxCore, sid: str) -> dict[str, Any] | None:
    try:
        row_id = int(sid.rsplit(".", 1)[1])
    except (IndexError, ValueError):
        return None
    feed = core.calls
    d = feed.dataset
    index = d.first_id + d.count - 1 - row_id
    if 0 <= index < d.count:
        row = d.row(index)
        return row if row["sid_id"] == sid else None
    for row in feed.explicit_rows():
        if row["sid_id"] == sid:
            return row
    for row in _newest_rows(core, 100):
        if row["sid_id"] == sid:
            return row
    return None


def routing_detail(core: SandboxCore, params: Params) -> dict[str, Any]:
    """``getroutingdetail_V2``: the members a call was offered to."""
    sid = params.get("sid_id", "").strip()
    if not sid:
        raise Rejected("Please provide sid_id")
    row = _find_call(core, sid)
    if row is None:
        raise Rejected(NO_RECORD)
    group = [m for m in core.world.members if core.world.groups[m.group].group_name
             == row["group_name"]] or list(core.world.members)  # fmt: skip
    tries = 1 + mix64(int(row["id"])) % min(3, len(group))
    start = row["startdatetime"]
    detail = []
    for k in range(tries):
        member = group[(int(row["id"]) + k) % len(group)]
        last = k == tries - 1
        detail.append(
            {
                "member_num": member.member_num,
                "member_name": member.member_name,
                "caller_num": row["caller_num"],
                "total_duration": row["total_duration"] if last else "20",
                "callstatus": row["callstatus"] if last else "NO ANSWER",
                "startdatetime": start,
            }
        )
    return {"type": "success", "routing_detail": detail}


def _day_totals(feed: CallFeed, day: date) -> tuple[int, int, int, int]:
    first = local_day(day)
    result = feed.page(first=first, last=first + 86399, filters=RowFilter(), page=1, per_page=1)
    return result.total, result.answered, result.noanswer, result.voicemail


def counts(core: SandboxCore, params: Params) -> dict[str, Any]:
    """``get-count-v2``: the home screen's summary for one day."""
    day = _day(params, "date") or core.last_day
    total, answered, noanswer, voicemail = _day_totals(core.calls, day)
    members = list(core.state.members.values())
    active = sum(1 for m in members if m["status"] == "1")
    on_break = sum(1 for s in core.state.working_status.values() if s != "Ready")
    talk = answered * 305
    analysis = []
    for m in members:
        h = mix64(int(m["member_id"]) * 7919 + day.toordinal())
        analysis.append(
            {
                "member_name": m["member_name"],
                "productivity_time": str(3600 + h % 25000),
                "total_break": str((h >> 16) % 4),
                "short_break": str((h >> 20) % 3),
                "unique_calls": str(total // max(1, len(members)) + (h >> 24) % 5),
                "queue_duration": str((h >> 28) % 900),
            }
        )
    return {
        "type": "success",
        "active_members": str(active),
        "inactive_members": str(len(members) - active),
        "total_members": str(len(members)),
        "total_groups": str(len(core.state.groups)),
        "total_calls": str(total),
        "unique_calls": str(total - total // 7),
        "answered": str(answered),
        "noanswer": str(noanswer),
        "noanswer_details": str(noanswer),
        "voicemail": str(voicemail),
        "talk_duration": str(talk),
        "average_talk_time": str(talk // answered if answered else 0),
        "queue_duration": str(noanswer * 23),
        "block_users": str(len(core.state.blocked)),
        "total_break": str(on_break),
        "member_analysis": analysis,
    }


def dashboard(core: SandboxCore) -> dict[str, Any]:
    """``dashboard_v2``: hourly figures for the last day, daily ones for the last week."""
    feed, last = core.calls, core.last_day
    answer_hourly, noanswer_hourly = [], []
    base = local_day(last)
    for hour in range(24):
        r = feed.page(first=base + hour * 3600, last=base + hour * 3600 + 3599,
                      filters=RowFilter(), page=1, per_page=1)  # fmt: skip
        answer_hourly.append(r.answered)
        noanswer_hourly.append(r.total - r.answered)
    days = [last - timedelta(days=k) for k in range(6, -1, -1)]
    daily = [_day_totals(feed, d) for d in days]
    week_total = sum(t for t, *_ in daily)
    members = core.world.members
    return {
        "type": "success",
        "answer_hourly": answer_hourly,
        "noanswer_hourly": noanswer_hourly,
        "time_hourly": [f"{h:02d}:00" for h in range(24)],
        "answer_daily": [a for _, a, _, _ in daily],
        "noanswer_daily": [t - a for t, a, _, _ in daily],
        "date_daily": [d.isoformat() for d in days],
        "user_traffic": [
            {"member_name": m.member_name, "total": str(week_total // len(members))}
            for m in members
        ],
        "monthly_calls_regionwise": [
            {"circle": circle, "total": str(week_total * (k + 1) // 105)}
            for k, circle in enumerate(sorted({c.circle for c in core.world.callers[:200]}))
        ],
    }


class ClickToCall:
    """The outcome of an executed click-to-call: the response, the new row, its webhooks."""

    def __init__(self, response: dict[str, Any], row: dict[str, Any], uid: str = "") -> None:
        self.response = response
        self.row = row
        self.webhooks = [live_call_payload(row), call_report_payload(row)]
        if uid:  # section 3.1: a white-label uid comes back in the call's webhook
            for payload in self.webhooks:
                payload["uid"] = uid


def click_to_call(
    core: SandboxCore, name: str, params: Params, request_id: str | None
) -> ClickToCall:
    """Validate and execute one click-to-call; raises :class:`Rejected` like the API."""
    state = core.state
    required: tuple[str, ...]
    if name == "singleleg-clicktocall":
        required = ("agent_number", "customer_number", "callerid")
        agent_key, customer_key, desk_key = required
    elif name == "click_to_call_v4":
        required = ("member_id", "calling_party_b", "deskphone", "call_from_did")
        agent_key, customer_key, desk_key = "member_id", "calling_party_b", "deskphone"
    elif name == "click_to_call_v3":
        required = ("calling_party_a", "calling_party_b", "deskphone", "call_from_did")
        agent_key, customer_key, desk_key = "calling_party_b", "calling_party_a", "deskphone"
    else:
        required = ("calling_party_a", "calling_party_b", "deskphone", "call_from_did")
        agent_key, customer_key, desk_key = "calling_party_a", "calling_party_b", "deskphone"
    for key in required:
        if not params.get(key, "").strip():
            raise Rejected(f"Please provide {key}")
    if "call_from_did" in required and params["call_from_did"].strip() != "1":
        raise Rejected("Invalid Parameter value.")
    wanted = params[desk_key].strip().lstrip("0")
    desk = next((d for d in core.world.deskphones if d.deskphone.lstrip("0") == wanted), None)
    if desk is None:
        raise Rejected("Invalid Deskphone")
    if agent_key == "member_id":
        try:
            agent = state.members.get(int(params["member_id"]))
        except ValueError:
            agent = None
    else:
        agent = state.member_by_number(params[agent_key])
    # Section 11.3: on a break → "Agent on break. Call not allowed" (211 rows of a CRM's
    # production data); not an active member → "Agent on break/Inactive. Call not allowed".
    if agent is None or agent["status"] != "1":
        raise Rejected("Agent on break/Inactive. Call not allowed")
    if not state.can_take_calls(agent):
        raise Rejected("Agent on break. Call not allowed")
    customer = "".join(ch for ch in params[customer_key] if ch.isdigit())[-10:]
    if len(customer) != 10:
        raise Rejected("Please enter valid 10 digit mobile number")
    group_name = params.get("group_name", "").strip()
    if group_name and not state.groups:
        raise Rejected(NO_CALLGROUP)
    if group_name and group_name not in state.group_names():
        raise Rejected("Invalid Group Name")
    limit = params.get("CallLimit", "").strip()
    if limit and (not limit.isdigit() or int(limit) < 1):
        raise Rejected("Invalid Parameter value.")
    return _execute(core, agent, "0" + customer, desk.deskphone, group_name, params, request_id)


def _execute(
    core: SandboxCore,
    agent: Mapping[str, str],
    customer: str,
    deskphone: str,
    group_name: str,
    params: Params,
    request_id: str | None,
) -> ClickToCall:
    counters = core.counters
    counters.click_to_call += 1
    if request_id:
        counters.executions[request_id] += 1
    now = core.clock()
    feed = core.calls
    row_id = feed.next_id(now)
    t = feed.now_local(now)
    try:
        campid = int(params.get("campid") or 0) or 11_387_000 + counters.click_to_call
    except ValueError:
        campid = 11_387_000 + counters.click_to_call
    h = mix64(core.config.seed * 1_000_003 + row_id)
    answered = h % 100 < 70
    agent_missed = not answered and (h >> 8) % 3 == 0
    ring = 5 + (h >> 16) % 20
    talk = 15 + (h >> 24) % 300 if answered else 0
    limit = params.get("CallLimit", "").strip()
    if limit:  # section 3.1: the call is cut after CallLimit seconds
        talk = min(talk, int(limit))
    total = ring + talk + 4
    utc = t - 19800
    start = format_local(t)
    contact = core.state.contact_by_number(customer)
    if not group_name:
        member_group = next(
            (m.group for m in core.world.members if str(m.member_id) == agent["member_id"]), 0
        )
        group_name = core.world.groups[member_group].group_name
    row = {
        "id": str(row_id),
        "sid_id": f"{utc}.{row_id}",
        "file": f"https://newcallrecords.callerdesk.io/outgoing/{start[5:7]}_{start[:4]}/"
        f"{utc}.{row_id}.wav"
        if answered
        else "",
        "deskphone": deskphone,
        "member_num": agent["member_num"],
        "member_name": agent["member_name"],
        "group_name": group_name,
        "caller_num": customer,
        "caller_name": contact["contact_name"] if contact else "",
        "circle": "Karnataka",
        "block": "YES" if core.state.is_blocked(customer) else "NO",
        "is_contact": 1 if contact else 0,
        "contact_id": contact["contact_id"] if contact else None,
        "call_date": start,
        "startdatetime": start,
        "enddatetime": NEVER if agent_missed else format_local(t + total),
        "total_duration": str(total),
        "talk_duration": str(talk),
        "ringing_duration": ring,
        "callresult": "Answered" if answered else ("Cancel-Agent" if agent_missed
                                                    else "Cancel-Customer"),
        "callstatus": "ANSWER" if answered else ("cancel-Agent" if agent_missed
                                                  else "Cancel-Customer"),
        "Flow_type": "WEBOBD",
        "Member_type": "Agent",
        "key_pressed": "",
        "coin_deducted": str(1 + talk // 60 if answered else (0 if agent_missed else 1)),
        "LegA_Picked_time": NEVER if agent_missed else format_local(t + 3),
        "LegB_Start_time": NEVER if agent_missed else format_local(t + 4),
        "LegB_Picked_time": format_local(t + 4 + ring) if answered else NEVER,
        "campid": str(campid),
    }  # fmt: skip
    feed.add(row, now)
    response = {"type": "success", "message": _SUCCESS, "campid": campid, "callerid": deskphone}
    return ClickToCall(response, row, params.get("uid", "").strip())
