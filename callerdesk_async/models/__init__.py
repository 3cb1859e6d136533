"""Typed models of Callerdesk API objects (frozen, slotted attrs classes)."""

from .calls import CallRecord, ClickToCallResult
from .members import Member, MemberAccess, MemberStatus

__all__ = ["CallRecord", "ClickToCallResult", "Member", "MemberAccess", "MemberStatus"]
