"""Files that several processes (and hosts, on a shared volume) replace under each other."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from ..export._checkpoint import fsync_dir

__all__ = ["write_atomic"]


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: a temporary file of this call's own, fsync, rename,
    directory fsync. Two writers never share the temporary file, and a reader sees the old
    content or the new one, never a mix."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)
