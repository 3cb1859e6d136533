"""``cd.members``: team members."""

from __future__ import annotations

from .._pagination import AsyncPaginator, PageState
from .._validation import normalize_phone
from ..models import Member
from ._base import Resource

__all__ = ["MembersResource"]


class MembersResource(Resource):
    """Team members (``getmemberlist_V2`` and the member write endpoints)."""

    def list(
        self,
        *,
        member_num: str | None = None,
        per_page: int = 100,
        max_pages: int | None = None,
        resume: PageState | None = None,
    ) -> AsyncPaginator[Member]:
        """Iterate the account's members.

        Args:
            member_num: only the member with this number (10-digit).
            per_page: rows per request (1-1000).
            max_pages: stop with PaginationError after this many page requests.
            resume: a ``PageState`` from an earlier ``pager.state``.
        """
        params = {
            "member_num": None if member_num is None else normalize_phone(member_num, "member_num")
        }
        return self._paginate(
            "getmemberlist_V2",
            Member,
            params,
            per_page=per_page,
            resume=resume,
            max_pages=max_pages,
            key_fields=("member_id",),
        )
