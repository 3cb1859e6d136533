"""Errors raised by exports (beside the client's own :mod:`callerdesk_async.errors`)."""

from __future__ import annotations

from ..errors import CallerdeskError

__all__ = ["CheckpointError", "ExportError", "ExportLockedError", "MissingDependencyError"]


class ExportError(CallerdeskError):
    """An export could not run: a missing optional dependency, an unreadable row, bad output."""


class CheckpointError(ExportError):
    """A checkpoint cannot be used: it belongs to another export (different parameters), is
    unreadable, or its temporary file is missing or shorter than the checkpoint says."""


class MissingDependencyError(ExportError):
    """An optional dependency the chosen format needs is not installed (pyarrow)."""


class ExportLockedError(ExportError):
    """Another export is writing the same output file right now (its lock is held)."""
