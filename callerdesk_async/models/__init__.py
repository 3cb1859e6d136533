"""Typed models of Callerdesk API objects (frozen, slotted attrs classes).

Attribute names are the API's field names in lower-case snake_case; fields a model does not
declare are kept in its ``extra`` mapping.
"""

from .account import (
    Deskphone,
    Invoice,
    LoginAccount,
    NotificationSettings,
    PlanDetail,
    Profile,
    Prompt,
    WhatsAppTemplate,
)
from .analytics import CallSummary, Dashboard, MemberAnalysis
from .blocklist import BlockedNumber
from .call_groups import (
    CallGroup,
    CallGroupCreated,
    CallGroupDetail,
    CallStrategy,
    GroupMember,
    GroupSchedule,
    StickyMode,
)
from .calls import CallRecord, ClickToCallResult, LiveCall, LiveCalls, RoutingStep
from .common import ActionResult
from .contacts import Contact, ContactStatus
from .members import Member, MemberAccess, MemberAdded, MemberStatus

__all__ = [
    "ActionResult",
    "BlockedNumber",
    "CallGroup",
    "CallGroupCreated",
    "CallGroupDetail",
    "CallRecord",
    "CallStrategy",
    "CallSummary",
    "ClickToCallResult",
    "Contact",
    "ContactStatus",
    "Dashboard",
    "Deskphone",
    "GroupMember",
    "GroupSchedule",
    "Invoice",
    "LiveCall",
    "LiveCalls",
    "LoginAccount",
    "Member",
    "MemberAccess",
    "MemberAdded",
    "MemberAnalysis",
    "MemberStatus",
    "NotificationSettings",
    "PlanDetail",
    "Profile",
    "Prompt",
    "RoutingStep",
    "StickyMode",
    "WhatsAppTemplate",
]
