"""``cd.blocklist``: the number blacklist."""

from __future__ import annotations

from typing_extensions import Unpack

from .._pagination import AsyncPaginator, PageState
from .._validation import normalize_phone
from ..models import ActionResult, BlockedNumber
from ._base import CallOptions, Resource

__all__ = ["BlocklistResource"]


class BlocklistResource(Resource):
    """Blocked callers (``block_number``, ``unblock_number``, ``getblocknumber``)."""

    async def block(self, *, number: str, **options: Unpack[CallOptions]) -> ActionResult:
        """Block calls from ``number`` (``POST block_number``).

        Args:
            number: the caller's number; a leading 0 or +91 is stripped (API ``caller_number``).
        """
        params = {"caller_number": normalize_phone(number, "number")}
        return await self._call_model("block_number", params, ActionResult, call=options)

    async def unblock(self, *, number: str, **options: Unpack[CallOptions]) -> ActionResult:
        """Unblock ``number`` (``POST unblock_number``).

        Args:
            number: the caller's number; a leading 0 or +91 is stripped (API ``caller_number``).
        """
        params = {"caller_number": normalize_phone(number, "number")}
        return await self._call_model("unblock_number", params, ActionResult, call=options)

    def list(
        self,
        *,
        per_page: int = 100,
        max_pages: int | None = None,
        resume: PageState | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncPaginator[BlockedNumber]:
        """Iterate blocked numbers (``POST getblocknumber``).

        The endpoint reports no total and the official app never asks for a second page, so
        paging stops at the first short page; if the server ignored ``current_page`` the
        repeated page raises ``PaginationError`` (then raise ``per_page``).

        Args:
            per_page: rows per request (1-1000).
            max_pages: stop with PaginationError after this many page requests. Without it
                the blocklist, which reports no total, stops after 1,000 page requests (a
                server that keeps answering full pages of new rows cannot page forever).
            resume: a ``PageState`` from an earlier ``pager.state``.
        """
        return self._paginate(
            "getblocknumber",
            BlockedNumber,
            {},
            per_page=per_page,
            resume=resume,
            max_pages=max_pages,
            key_fields=("id", "caller_no"),
            call=options,
        )
