"""Typed models of Callerdesk API objects (frozen, slotted attrs classes)."""

from .calls import CallRecord
from .members import Member, MemberAccess, MemberStatus

__all__ = ["CallRecord", "Member", "MemberAccess", "MemberStatus"]
