"""One request/response case per wrapped endpoint, built from the API reference.

Each case calls one SDK method, states the exact request it must send (method, path and every
field) and answers with a realistic body: numbers as strings, numbers with a leading 0, the
``0000-00-00 00:00:00`` sentinel, an optional key left out and a key the model does not know
(which must land in ``extra``). ``expected`` is the whole result, compared with ``==``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import attrs

from callerdesk_async import CallerdeskClient
from callerdesk_async._convert import IST
from callerdesk_async.models import (
    ActionResult,
    BlockedNumber,
    CallGroup,
    CallGroupCreated,
    CallGroupDetail,
    CallRecord,
    CallStrategy,
    CallSummary,
    ClickToCallResult,
    Contact,
    ContactStatus,
    Dashboard,
    Deskphone,
    GroupMember,
    GroupSchedule,
    Invoice,
    LiveCall,
    LiveCalls,
    LoginAccount,
    Member,
    MemberAccess,
    MemberAdded,
    MemberAnalysis,
    MemberStatus,
    NotificationSettings,
    PlanDetail,
    Profile,
    Prompt,
    RoutingStep,
    StickyMode,
    WhatsAppTemplate,
)
from tests.conftest import AUTHCODE

Invoke = Callable[[CallerdeskClient], Awaitable[Any]]


def ist(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=IST)  # type: ignore[misc]


@attrs.frozen
class Case:
    """A method call, the request it must produce and the result it must decode to."""

    id: str
    endpoint: str
    invoke: Invoke
    http: str
    path: str
    fields: dict[str, str]
    response: dict[str, Any]
    expected: Any


def fields(**kw: str) -> dict[str, str]:
    return {"authcode": AUTHCODE, **kw}


def page(per_page: int = 100, **kw: str) -> dict[str, str]:
    return fields(current_page="1", per_page=str(per_page), **kw)


C2C_OK = "Call to Customer Initiate Successfully.."
DONE = {"type": "success", "message": "Updated Successfully", "request_ref": "r-1"}
DONE_RESULT = ActionResult(message="Updated Successfully", extra={"request_ref": "r-1"})

CALL_ROW = {
    "id": "9001",
    "sid_id": "1641549947.1751",
    "file": "",
    "deskphone": "08065551234",
    "caller_num": "09876543210",
    "caller_name": "Asha",
    "member_num": "0",
    "member_name": "",
    "call_date": "2026-01-05 10:15:00",
    "startdatetime": "2026-01-05 10:15:00",
    "enddatetime": "0000-00-00 00:00:00",
    "total_duration": "42",
    "talk_duration": "0",
    "ringing_duration": 12,
    "callresult": "No Answer",
    "callstatus": "NO ANSWER",
    "group_name": "Sales",
    "circle": None,
    "key_pressed": "1",
    "block": "NO",
    "coin_deducted": "1.5",
    "is_contact": 0,
    "contact_id": None,
    "Flow_type": "IVR",
    "recording_channel": "left",
}
CALL_RECORD = CallRecord(
    id="9001",
    sid_id="1641549947.1751",
    file="",
    deskphone="08065551234",
    caller_num="09876543210",
    caller_name="Asha",
    member_num="0",
    member_name="",
    call_date=ist(2026, 1, 5, 10, 15),
    startdatetime=ist(2026, 1, 5, 10, 15),
    enddatetime=None,
    total_duration=42,
    talk_duration=0,
    ringing_duration=12,
    callresult="No Answer",
    callstatus="NO ANSWER",
    group_name="Sales",
    circle=None,
    key_pressed="1",
    block="NO",
    coin_deducted=1.5,
    is_contact=0,
    contact_id=None,
    flow_type="IVR",
    extra={"recording_channel": "left"},
)
GROUP_ROW = {
    "group_id": "12",
    "group_name": "Sales",
    "call_strategy": "2",
    "is_sticky": "1",
    "is_multi_sticky": "0",
    "group_owner_name": "Ravi",
    "group_extn": "*4821",
    "deskphone_id": "3",
    "desk_phone": "08065551234",
    "did_no": "08065551234",
    "groupmember_count": "4",
    "time_schedule": "1",
    "color": "blue",
}
GROUP = CallGroup(
    group_id=12,
    group_name="Sales",
    call_strategy=CallStrategy.SEQUENTIAL,
    is_sticky=StickyMode.ADVANCE,
    is_multi_sticky=False,
    group_owner_name="Ravi",
    group_extn="*4821",
    deskphone_id=3,
    desk_phone="08065551234",
    did_no="08065551234",
    groupmember_count=4,
    time_schedule="1",
    extra={"color": "blue"},
)


CALLS = [
    Case(
        "calls.click_to_call",
        "click_to_call_v2",
        lambda cd: cd.calls.click_to_call(
            agent="+91 98765 43210", customer="09123456780", deskphone="08065551234"
        ),
        "GET",
        "click_to_call_v2",
        fields(
            calling_party_a="9876543210",
            calling_party_b="9123456780",
            deskphone="08065551234",
            call_from_did="1",
        ),
        {"type": "success", "message": C2C_OK, "campid": 11387004, "callerid": "00918065551234"},
        ClickToCallResult(campid=11387004, callerid="00918065551234", message=C2C_OK),
    ),
    Case(
        "calls.click_to_call+group",
        "click_to_call_v2",
        lambda cd: cd.calls.click_to_call(
            agent="9876543210",
            customer="9123456780",
            deskphone="08065551234",
            group_name="Sales",
            campid="crm-7",
        ),
        "GET",
        "click_to_call_v2",
        fields(
            calling_party_a="9876543210",
            calling_party_b="9123456780",
            deskphone="08065551234",
            call_from_did="1",
            group_name="Sales",
            campid="crm-7",
        ),
        {"type": "success", "message": C2C_OK, "campid": "11387005", "trace": "t"},
        ClickToCallResult(campid=11387005, callerid=None, message=C2C_OK, extra={"trace": "t"}),
    ),
    Case(
        "calls.click_to_call+options",
        "click_to_call_v2",
        lambda cd: cd.calls.click_to_call(
            agent="9876543210",
            customer="9123456780",
            deskphone="08065551234",
            callerid="08065551235",
            call_limit=300,
            call_start_time="2026-01-05 10:15:00",
            uid="crm-42",
        ),
        "GET",
        "click_to_call_v2",
        # Section 3.1: callerid, CallLimit (seconds), call_start_time (pass-through), uid.
        fields(
            calling_party_a="9876543210",
            calling_party_b="9123456780",
            deskphone="08065551234",
            call_from_did="1",
            callerid="08065551235",
            CallLimit="300",
            call_start_time="2026-01-05 10:15:00",
            uid="crm-42",
        ),
        {"type": "success", "message": C2C_OK, "campid": 11387006, "callerid": "08065551235"},
        ClickToCallResult(campid=11387006, callerid="08065551235", message=C2C_OK),
    ),
    Case(
        "calls.reverse_click_to_call",
        "click_to_call_v3",
        lambda cd: cd.calls.reverse_click_to_call(
            customer="919123456780", agent="9876543210", deskphone="08065551234", call_limit=60
        ),
        "GET",
        "click_to_call_v3",
        fields(
            calling_party_a="9123456780",
            calling_party_b="9876543210",
            deskphone="08065551234",
            call_from_did="1",
            CallLimit="60",
        ),
        {"type": "success", "message": C2C_OK, "campid": "11387006", "deskphone": "08065551234"},
        ClickToCallResult(campid=11387006, message=C2C_OK, extra={"deskphone": "08065551234"}),
    ),
    Case(
        "calls.click_to_call_by_member_id",
        "click_to_call_v4",
        lambda cd: cd.calls.click_to_call_by_member_id(
            member_id="77", customer="9123456780", deskphone="08065551234"
        ),
        "GET",
        "click_to_call_v4",
        fields(
            member_id="77",
            calling_party_b="9123456780",
            deskphone="08065551234",
            call_from_did="1",
        ),
        {"type": "success", "message": C2C_OK, "campid": 11387007, "callerid": "08065551234"},
        ClickToCallResult(campid=11387007, callerid="08065551234", message=C2C_OK),
    ),
    Case(
        "calls.single_leg_call",
        "singleleg-clicktocall",
        lambda cd: cd.calls.single_leg_call(
            agent="09876543210", customer="9123456780", callerid="08065551234"
        ),
        "POST",
        "singleleg-clicktocall",
        fields(agent_number="9876543210", customer_number="9123456780", callerid="08065551234"),
        {"type": "success", "message": "Call initiated", "leg": "single"},
        ClickToCallResult(message="Call initiated", extra={"leg": "single"}),
    ),
    Case(
        "calls.live",
        "live_call_v2",
        lambda cd: cd.calls.live(),
        "GET",
        "live_call_v2",
        fields(),
        {
            "type": "success",
            "total_live_calls": "1",
            "live_calls": [
                {
                    "msisdn": "09876543210",
                    "entrydate": "2026-01-05 10:15:00",
                    "member_num": "09123456780",
                    "member_name": "Ravi",
                    "callstatus": "Picked",
                    "lastupdatedate": "0000-00-00 00:00:00",
                    "did_num": "08065551234",
                    "deskphone": "08065551234",
                    "sid_id": "1641549947.1751",
                    "group_name": "Sales",
                    "queue_position": "2",
                }
            ],
        },
        LiveCalls(
            total=1,
            calls=[
                LiveCall(
                    msisdn="09876543210",
                    entrydate=ist(2026, 1, 5, 10, 15),
                    member_num="09123456780",
                    member_name="Ravi",
                    callstatus="Picked",
                    lastupdatedate=None,
                    did_num="08065551234",
                    deskphone="08065551234",
                    sid_id="1641549947.1751",
                    channel=None,
                    group_name="Sales",
                    extra={"queue_position": "2"},
                )
            ],
        ),
    ),
    Case(
        "calls.list",
        "call_list_v2",
        lambda cd: cd.calls.list(
            start_date=date(2026, 1, 1),
            end_date="2026-01-31",
            deskphone="08065551234",
            member_num="09123456780",
            callresult="No Answer",
            flow_type="IVR",
            per_page=25,
        ).collect(),
        "POST",
        "call_list_v2",
        page(
            25,
            start_date="2026-01-01",
            end_date="2026-01-31",
            deskphone="08065551234",
            member_num="9123456780",
            callresult="No Answer",
            Flow_type="IVR",
        ),
        {
            "type": "success",
            "current_page": 1,
            "total": 1,
            "answered_total": "0",
            "noanswer_total": "1",
            "voicemail": 0,
            "result": [CALL_ROW],
        },
        [CALL_RECORD],
    ),
    Case(
        "app_calls.list",
        "app_call_list_v2",
        lambda cd: cd.app_calls.list(caller_num="9876543210", callresult="Answered").collect(),
        "POST",
        "app_call_list_v2",
        page(caller_num="9876543210", callresult="Answered"),
        {"type": "success", "total": "1", "result": [CALL_ROW]},
        [CALL_RECORD],
    ),
    Case(
        "calls.routing_detail",
        "getroutingdetail_V2",
        lambda cd: cd.calls.routing_detail("1641549947.1751"),
        "POST",
        "getroutingdetail_V2",
        fields(sid_id="1641549947.1751"),
        {
            "type": "success",
            "routing_detail": [
                {
                    "member_num": "09123456780",
                    "caller_num": "09876543210",
                    "total_duration": "18",
                    "startdatetime": "2026-01-05 10:15:03",
                    "hangup": "ANSWER(16)",
                },
                {"member_num": "08123456789", "startdatetime": "0000-00-00 00:00:00"},
            ],
        },
        [
            RoutingStep(
                member_num="09123456780",
                caller_num="09876543210",
                total_duration=18,
                startdatetime=ist(2026, 1, 5, 10, 15, 3),
                extra={"hangup": "ANSWER(16)"},
            ),
            RoutingStep(member_num="08123456789"),
        ],
    ),
    Case(
        "calls.summary",
        "get-count-v2",
        lambda cd: cd.calls.summary(date="2026-01-05"),
        "POST",
        "get-count-v2",
        fields(date="2026-01-05"),
        {
            "active_members": "5",
            "inactive_members": "1",
            "total_members": "6",
            "total_groups": 2,
            "total_calls": "120",
            "unique_calls": "98",
            "answered": "90",
            "noanswer": "30",
            "noanswer_details": [{"total": "30"}],
            "voicemail": "0",
            "talk_duration": "05:12:40",
            "average_talk_time": "208",
            "block_users": "3",
            "total_break": "00:30:00",
            "member_analysis": [
                {
                    "member_name": "Ravi",
                    "productivity_time": "04:00:00",
                    "unique_calls": "40",
                    "queue_duration": 35,
                    "login_time": "09:01",
                }
            ],
            "top_circle": "Karnataka",
        },
        CallSummary(
            active_members=5,
            inactive_members=1,
            total_members=6,
            total_groups=2,
            total_calls=120,
            unique_calls=98,
            answered=90,
            noanswer=30,
            noanswer_details=[{"total": "30"}],
            voicemail=0,
            talk_duration=timedelta(hours=5, minutes=12, seconds=40),
            average_talk_time=timedelta(seconds=208),
            queue_duration=None,
            block_users=3,
            total_break=timedelta(minutes=30),
            member_analysis=[
                MemberAnalysis(
                    member_name="Ravi",
                    productivity_time=timedelta(hours=4),
                    unique_calls=40,
                    queue_duration=timedelta(seconds=35),
                    extra={"login_time": "09:01"},
                )
            ],
            extra={"top_circle": "Karnataka"},
        ),
    ),
    Case(
        "calls.dashboard",
        "dashboard_v2",
        lambda cd: cd.calls.dashboard(),
        "POST",
        "dashboard_v2",
        fields(),
        {
            "type": "success",
            "answer_hourly": ["0", "3"],
            "noanswer_hourly": ["1", "0"],
            "time_hourly": ["09", "10"],
            "answer_daily": [12],
            "noanswer_daily": [4],
            "date_daily": ["2026-01-05"],
            "user_traffic": {"new": "10", "repeat": "6"},
            "weekly": [],
        },
        Dashboard(
            answer_hourly=["0", "3"],
            noanswer_hourly=["1", "0"],
            time_hourly=["09", "10"],
            answer_daily=[12],
            noanswer_daily=[4],
            date_daily=["2026-01-05"],
            user_traffic={"new": "10", "repeat": "6"},
            monthly_calls_regionwise=None,
            extra={"weekly": []},
        ),
    ),
]

MEMBERS = [
    Case(
        "members.list",
        "getmemberlist_V2",
        lambda cd: cd.members.list(member_num="09123456780", per_page=20).collect(),
        "POST",
        "getmemberlist_V2",
        page(20, member_num="9123456780"),
        {
            "type": "success",
            "total_record": 1,
            "getmember": [
                {
                    "member_id": "77",
                    "member_name": "Ravi",
                    "member_email": "ravi@example.com",
                    "member_num": "09123456780",
                    "access": "3",
                    "status": "1",
                    "agent_extn": "",
                    "last_login": "0000-00-00 00:00:00",
                }
            ],
        },
        [
            Member(
                member_id=77,
                member_name="Ravi",
                member_email="ravi@example.com",
                member_num="09123456780",
                access=MemberAccess.GROUP_OWNER,
                status=MemberStatus.ACTIVE,
                agent_extn="",
                extra={"last_login": "0000-00-00 00:00:00"},
            )
        ],
    ),
    Case(
        "members.add",
        "addmember_v2",
        lambda cd: cd.members.add(
            name="Ravi", number="09123456780", access="admin", email="ravi@example.com"
        ),
        "POST",
        "addmember_v2",
        fields(
            member_name="Ravi",
            member_num="9123456780",
            access="1",
            active="1",
            member_email="ravi@example.com",
        ),
        {
            "type": "success",
            "message": "Member Added Successfully",
            "getmember": [{"member_id": "78", "member_num": "09123456780", "access": "1"}],
            "credits": "2",
        },
        MemberAdded(
            member_id=78,
            message="Member Added Successfully",
            member=Member(member_id=78, member_num="09123456780", access=MemberAccess.ADMIN),
            extra={"credits": "2"},
        ),
    ),
    Case(
        "members.update",
        "updatemember_v2",
        lambda cd: cd.members.update(member_id=78, status=MemberStatus.INACTIVE, agent_extn="21"),
        "POST",
        "updatemember_v2",
        fields(member_id="78", status="0", agent_extn="21"),
        DONE,
        DONE_RESULT,
    ),
    Case(
        "members.delete",
        "deletemember_v2",
        lambda cd: cd.members.delete(member_id="78"),
        "POST",
        "deletemember_v2",
        fields(member_id="78"),
        DONE,
        DONE_RESULT,
    ),
    Case(
        "members.set_login_status",
        "changeagentstatus",
        lambda cd: cd.members.set_login_status(logged_in=False),
        "POST",
        "changeagentstatus",
        fields(agent_status="0"),
        {"type": "success"},
        ActionResult(),
    ),
    Case(
        "members.set_working_status",
        "update-working-status-v3",
        lambda cd: cd.members.set_working_status(
            status="Short Break", member_name="Ravi", member_num="09123456780"
        ),
        "GET",
        "update-working-status-v3/",
        fields(
            working_status="Short Break",
            member_name="Ravi",
            member_num="9123456780",
            direction="IVR",
        ),
        {"type": "success", "message": "Working Status Updated Successfully."},
        ActionResult(message="Working Status Updated Successfully."),
    ),
]

CALL_GROUPS = [
    Case(
        "call_groups.list",
        "getgrouplist_v2",
        lambda cd: cd.call_groups.list(per_page=10).collect(),
        "POST",
        "getgrouplist_v2",
        page(10),
        {"type": "success", "total": "1", "grouplist": [GROUP_ROW]},
        [GROUP],
    ),
    Case(
        "call_groups.get",
        "getgroupbyid_v2",
        lambda cd: cd.call_groups.get(group_id=12),
        "POST",
        "getgroupbyid_v2",
        fields(group_id="12"),
        {
            "type": "success",
            "grouplist": [GROUP_ROW],
            "group_user_live": [
                {
                    "group_member_id": "301",
                    "member_id": "77",
                    "member_name": "Ravi",
                    "member_num": "09123456780",
                    "group_member_status": "1",
                    "starttime": "09:00:00",
                    "endtime": "18:00:00",
                    "weekdays": "2,3,4,5,6",
                    "priority": "1",
                    "member_status": "1",
                    "skill": "hindi",
                }
            ],
            "group_user_nonlive": [
                {
                    "member_id": "79",
                    "member_name": "Meera",
                    "member_num": "08123456789",
                    "access": "2",
                    "status": "0",
                }
            ],
        },
        CallGroupDetail(
            group=GROUP,
            members=[
                GroupMember(
                    group_member_id=301,
                    member_id=77,
                    member_name="Ravi",
                    member_num="09123456780",
                    group_member_status=1,
                    starttime="09:00:00",
                    endtime="18:00:00",
                    weekdays="2,3,4,5,6",
                    priority=1,
                    member_status=MemberStatus.ACTIVE,
                    extra={"skill": "hindi"},
                )
            ],
            non_members=[
                Member(
                    member_id=79,
                    member_name="Meera",
                    member_num="08123456789",
                    access=MemberAccess.REGULAR,
                    status=MemberStatus.INACTIVE,
                )
            ],
        ),
    ),
    Case(
        "call_groups.create",
        "createcallgroup",
        lambda cd: cd.call_groups.create(
            name="Sales", deskphone_id="3", owner_id=77, owner_name="Ravi", extension="*4821"
        ),
        "POST",
        "createcallgroup",
        fields(
            group_name="Sales",
            deskphone_id="3",
            group_owner__id="77",
            group_owner_id="77",
            group_owner_name="Ravi",
            group_extn="*4821",
        ),
        {
            "type": "success",
            "message": "Group Created",
            "grouplist": [{**GROUP_ROW, "group_name": "Support", "group_id": "11"}, GROUP_ROW],
        },
        CallGroupCreated(
            message="Group Created",
            groups=[attrs.evolve(GROUP, group_name="Support", group_id=11), GROUP],
            group=GROUP,
        ),
    ),
    Case(
        "call_groups.update",
        "updategroup_v2",
        lambda cd: cd.call_groups.update(
            group_id=12,
            strategy="least idle",
            sticky=StickyMode.NORMAL,
            multi_sticky=False,
            add_member_id=[79, "80", 79],
            days=["Sat", "tuesday", 3, date(2026, 1, 8).isoweekday(), "FRI"],
            all_day=False,
            start_time="09:30",
            end_time=time(18, 0),
            holiday_prompt_type="2",
            extra_params={"business_hours": 1},
        ),
        "POST",
        "updategroup_v2",
        # Section 6.4: sticky 2 = Normal, member_id a comma list, day 1 = Monday, the app's
        # bussiness_hours (0 = use the hours), AM/PM times; business_hours sent raw.
        fields(
            group_id="12",
            strategy_check="6",
            sticky_member="2",
            multi_sticky="0",
            member_id="79,80",
            day="2,3,4,5,6",
            bussiness_hours="0",
            starttime="09:30 AM",
            endtime="06:00 PM",
            holiday_prompt_type="2",
            business_hours="1",
        ),
        DONE,
        DONE_RESULT,
    ),
    Case(
        "call_groups.delete",
        "deletegroup",
        lambda cd: cd.call_groups.delete(group_id="12"),
        "POST",
        "deletegroup",
        fields(group_id="12"),
        DONE,
        DONE_RESULT,
    ),
    Case(
        "call_groups.remove_member",
        "delete_user_call_group",
        lambda cd: cd.call_groups.remove_member(group_member_id=301),
        "POST",
        "delete_user_call_group",
        fields(id="301"),
        DONE,
        DONE_RESULT,
    ),
    Case(
        "call_groups.schedule",
        "getgroupschedule",
        lambda cd: cd.call_groups.schedule(group_id=12),
        "POST",
        "getgroupschedule",
        fields(group_id="12"),
        {
            "day": "2,3,4,5,6",
            "starttime": "09:30:00",
            "endtime": "18:00:00",
            "holiday_prompt_type": "2",
            "holiday_prompt_file_name": "holiday.wav",
            "business_hours_prompt_type": 1,
            "timezone": "Asia/Kolkata",
        },
        GroupSchedule(
            day="2,3,4,5,6",
            starttime="09:30:00",
            endtime="18:00:00",
            holiday_prompt_type="2",
            holiday_prompt_file_name="holiday.wav",
            business_hours_prompt_type="1",
            extra={"timezone": "Asia/Kolkata"},
        ),
    ),
]

CONTACTS = [
    Case(
        "contacts.list",
        "contact_list_v2",
        lambda cd: cd.contacts.list(
            start_date="2026-01-01", end_date="2026-01-01", status="hot", member_name="Ravi"
        ).collect(),
        "POST",
        "contact_list_v2",
        page(
            start_date="2026-01-01", end_date="2026-01-01", member_name="Ravi", contact_status="1"
        ),
        {
            "type": "success",
            "total": 1,
            "result": [
                {
                    "contact_id": "501",
                    "contact_num": "09876543210",
                    "contact_num_unmask": "09876543210",
                    "contact_name": "Asha",
                    "contact_email": "",
                    "member_name": "Ravi",
                    "contact_status": "1",
                    "contact_comment": "call after 5",
                    "contact_savedate": "2026-01-01 11:00:00",
                    "contact_followupdate": "0000-00-00",
                    "contact_followuptime": "17:00",
                    "deskphone": "08065551234",
                    "source": "ivr",
                }
            ],
        },
        [
            Contact(
                contact_id=501,
                contact_num="09876543210",
                contact_num_unmask="09876543210",
                contact_name="Asha",
                contact_email="",
                member_name="Ravi",
                contact_status=ContactStatus.HOT,
                contact_comment="call after 5",
                contact_savedate=ist(2026, 1, 1, 11, 0),
                contact_followupdate=None,
                contact_followuptime="17:00",
                deskphone="08065551234",
                extra={"source": "ivr"},
            )
        ],
    ),
    Case(
        "contacts.add",
        "savecontact_v2",
        lambda cd: cd.contacts.add(
            number="09876543210",
            name="Asha",
            status=ContactStatus.PROSPECT,
            followup_date=date(2026, 2, 1),
            member_name="Ravi",
        ),
        "POST",
        "savecontact_v2",
        fields(
            contact_num="9876543210",
            contact_name="Asha",
            contact_status="6",
            contact_followupdate="2026-02-01",
            member_name="Ravi",
        ),
        DONE,
        DONE_RESULT,
    ),
    Case(
        "contacts.edit",
        "editContact_v2",
        lambda cd: cd.contacts.edit(
            contact_id="501", status=3, followup_time="17:00", comment="cold now"
        ),
        "POST",
        "editContact_v2",
        fields(
            contact_id="501",
            contact_status="3",
            contact_followuptime="17:00:00",
            contact_comment="cold now",
        ),
        DONE,
        DONE_RESULT,
    ),
    Case(
        "contacts.edit+followup",
        "editContact_v2",
        lambda cd: cd.contacts.edit(
            contact_id=501, followup_date="2026-01-09", followup_time="11:00", followup_action=True
        ),
        "POST",
        "editContact_v2",
        # Section 7.3: followup_action=Yes schedules the follow-up.
        fields(
            contact_id="501",
            contact_followupdate="2026-01-09",
            contact_followuptime="11:00:00",
            followup_action="Yes",
        ),
        DONE,
        DONE_RESULT,
    ),
    Case(
        "contacts.delete",
        "deleteContact",
        lambda cd: cd.contacts.delete(number="+919876543210"),
        "POST",
        "deleteContact",
        fields(contact_num="9876543210"),
        DONE,
        DONE_RESULT,
    ),
]

BLOCKLIST = [
    Case(
        "blocklist.block",
        "block_number",
        lambda cd: cd.blocklist.block(number="09876543210"),
        "POST",
        "block_number",
        fields(caller_number="9876543210"),
        DONE,
        DONE_RESULT,
    ),
    Case(
        "blocklist.unblock",
        "unblock_number",
        lambda cd: cd.blocklist.unblock(number="09876543210"),
        "POST",
        "unblock_number",
        fields(caller_number="9876543210"),
        DONE,
        DONE_RESULT,
    ),
    Case(
        "blocklist.list",
        "getblocknumber",
        lambda cd: cd.blocklist.list(per_page=50).collect(),
        "POST",
        "getblocknumber",
        page(50),
        {
            "type": "success",
            "blocklist_number": [
                {"id": "9", "caller_no": "09876543210", "blocked_on": "0000-00-00 00:00:00"},
                {"id": 10, "caller_no": "8123456789"},
            ],
        },
        [
            BlockedNumber(
                id=9, caller_no="09876543210", extra={"blocked_on": "0000-00-00 00:00:00"}
            ),
            BlockedNumber(id=10, caller_no="8123456789"),
        ],
    ),
]

ACCOUNT = [
    Case(
        "account.profile",
        "profile_billing_v2",
        lambda cd: cd.account.profile(),
        "POST",
        "profile_billing_v2",
        fields(),
        {
            "type": "success",
            "login_account": {
                "company_name": "Acme",
                "state": "Karnataka",
                "pincode": "560001",
                "gst_no": "",
                "fname": "Ravi",
                "admin_number": "09123456780",
                "plan_id": "4",
                "avail_call_coins": "1520.5",
                "create_at": "2024-03-01 12:00:00",
                "expired_on": "0000-00-00 00:00:00",
                "kyc": "done",
            },
            "plan_details": [
                {
                    "plan_id": "4",
                    "plan_type": "Monthly",
                    "plan_amount": "999",
                    "plan_validity": "30",
                    "call_coins": 1000,
                }
            ],
            "past_invoices": [
                {
                    "order_id": "ORD-1",
                    "plan_display_name": "Starter",
                    "plan_activation_date": "2024-03-01 12:00:00",
                    "invoice_url": "https://example.com/i/1.pdf",
                }
            ],
            "did_id": "3,4",
            "wallet": "0",
        },
        Profile(
            login_account=LoginAccount(
                company_name="Acme",
                state="Karnataka",
                pincode="560001",
                gst_no="",
                fname="Ravi",
                admin_number="09123456780",
                plan_id=4,
                avail_call_coins=1520.5,
                create_at=ist(2024, 3, 1, 12, 0),
                expired_on=None,
                extra={"kyc": "done"},
            ),
            plan_details=[
                PlanDetail(
                    plan_id=4,
                    plan_type="Monthly",
                    plan_amount=999.0,
                    plan_validity="30",
                    call_coins=1000.0,
                )
            ],
            past_invoices=[
                Invoice(
                    order_id="ORD-1",
                    plan_display_name="Starter",
                    plan_activation_date=ist(2024, 3, 1, 12, 0),
                    invoice_url="https://example.com/i/1.pdf",
                )
            ],
            did_id="3,4",
            extra={"wallet": "0"},
        ),
    ),
    Case(
        "account.update_profile",
        "update-profile",
        lambda cd: cd.account.update_profile(company_name="Acme Ltd", pincode="560002"),
        "POST",
        "update-profile",
        fields(company_name="Acme Ltd", pincode="560002"),
        DONE,
        DONE_RESULT,
    ),
    Case(
        "account.deskphones",
        "getdeskphone_v2",
        lambda cd: cd.account.deskphones(),
        "POST",
        "getdeskphone_v2",
        fields(),
        {
            "type": "success",
            "getdeskphone": [
                {
                    "did_id": "3",
                    "did_num": "08065551234",
                    "deskphone": "08065551234",
                    "status": "1",
                },
                {"did_id": 4, "deskphone": "1204567890"},
            ],
        },
        [
            Deskphone(
                did_id=3, did_num="08065551234", deskphone="08065551234", extra={"status": "1"}
            ),
            Deskphone(did_id=4, deskphone="1204567890"),
        ],
    ),
    Case(
        "account.prompts",
        "getprompt",
        lambda cd: cd.account.prompts(),
        "POST",
        "getprompt",
        fields(),
        {
            "type": "success",
            "promptlist": [
                {
                    "id": "21",
                    "template_name": "After hours",
                    "template_url": "https://example.com/p/21.wav",
                    "template_type_name": "AFTER WORK HOURS PROMPT",
                    "duration": "7",
                }
            ],
        },
        [
            Prompt(
                id=21,
                template_name="After hours",
                template_url="https://example.com/p/21.wav",
                template_type_name="AFTER WORK HOURS PROMPT",
                extra={"duration": "7"},
            )
        ],
    ),
    Case(
        "account.add_ivr_flow",
        "addivrflow",
        lambda cd: cd.account.add_ivr_flow(
            did_id=3, group_id="12", voicemail_prompt_id=21, strategy=CallStrategy.ROUND_ROBIN
        ),
        "POST",
        "addivrflow",
        fields(
            routing_id="1",
            did_id="3",
            user_voice_mail_prompt="21",
            routing_action="group",
            call_groupid="12",
            call_strategy="1",
            user_post_action="2",
        ),
        DONE,
        DONE_RESULT,
    ),
    Case(
        "account.notification_settings",
        "get_notification_setting_v2",
        lambda cd: cd.account.notification_settings(),
        "POST",
        "get_notification_setting_v2",
        fields(),
        {"type": "success", "email_missed_call": "1", "sms": {"enabled": "0"}},
        NotificationSettings(extra={"email_missed_call": "1", "sms": {"enabled": "0"}}),
    ),
    Case(
        "account.add_whatsapp_template",
        "add-whatsapp-template",
        lambda cd: cd.account.add_whatsapp_template(
            name="welcome", content="Hi {{1}}", template_type="text", title="Welcome"
        ),
        "POST",
        "add-whatsapp-template",
        fields(
            wa_template_name="welcome",
            wa_template_content="Hi {{1}}",
            wa_template_type="text",
            wa_template_title="Welcome",
        ),
        DONE,
        DONE_RESULT,
    ),
    Case(
        "account.update_whatsapp_template",
        "update-whatsapp-template",
        lambda cd: cd.account.update_whatsapp_template(template_id="5", content="Hello {{1}}"),
        "POST",
        "update-whatsapp-template",
        fields(wa_template_id="5", wa_template_content="Hello {{1}}"),
        DONE,
        DONE_RESULT,
    ),
    Case(
        "account.whatsapp_templates",
        "get-whatsapp-template",
        lambda cd: cd.account.whatsapp_templates(per_page=20).collect(),
        "POST",
        "get-whatsapp-template",
        page(20),
        {
            "type": "success",
            "whatsapp_template": [
                {
                    "wa_template_id": "5",
                    "wa_template_name": "welcome",
                    "wa_template_content": "Hi {{1}}",
                    "wa_template_type": "text",
                    "created_at": "0000-00-00 00:00:00",
                }
            ],
        },
        [
            WhatsAppTemplate(
                wa_template_id=5,
                wa_template_name="welcome",
                wa_template_content="Hi {{1}}",
                wa_template_type="text",
                extra={"created_at": "0000-00-00 00:00:00"},
            )
        ],
    ),
]

CASES: list[Case] = [*CALLS, *MEMBERS, *CALL_GROUPS, *CONTACTS, *BLOCKLIST, *ACCOUNT]
