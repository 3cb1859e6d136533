"""An exclusive lock on an export's output, so two runs never write the same file."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._errors import ExportLockedError

__all__ = ["output_lock"]

fcntl: Any
try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: an exclusive create stands in
    fcntl = None


@contextlib.contextmanager
def output_lock(target: Path) -> Iterator[None]:
    """Hold ``<target>.lock`` for the block; :class:`ExportLockedError` if another run does.

    The lock is the operating system's (``flock``): it is released when the process dies, even
    by SIGKILL, so a crashed run never blocks the next ``--resume``.
    """
    path = target.with_name(target.name + ".lock")
    if fcntl is None:  # pragma: no cover
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            raise _locked(target, path) from None
        try:
            yield
        finally:
            os.close(fd)
            os.unlink(path)
        return
    while True:
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise _locked(target, path) from None
        # The holder before us may have removed the file after we opened it: then our lock
        # is on a file nobody else sees; take it again on the current one.
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        os.close(fd)


def _locked(target: Path, path: Path) -> ExportLockedError:
    return ExportLockedError(
        f"another export is writing {str(target)!r} right now (it holds {str(path)!r}); wait "
        "for it to finish or stop it, or choose another output file"
    )
