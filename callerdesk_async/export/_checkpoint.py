"""Checkpoints: what an export needs to continue, saved atomically after the data is durable.

A checkpoint is a small JSON file. The runner writes it only after the data it describes has
been flushed and fsynced, by writing a temporary file beside it, fsyncing that, renaming it over
the old one and fsyncing the directory. So after a crash at any instant the checkpoint on disk
describes a prefix of the temporary data file that is really there.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from .._pagination import PageState
from ._errors import CheckpointError
from ._windows import DateWindow

__all__ = ["CHECKPOINT_VERSION", "Checkpoint", "fsync_dir", "load_checkpoint", "save_checkpoint"]

CHECKPOINT_VERSION = 3
"""2: with ``digest`` (of the data bytes) and ``seal`` (of the checkpoint itself); 3: with
``windows`` (the planned windows, sparse ones merged). Version 2 is still read: its windows
are the range cut every ``window_days`` days, as that version planned them."""

_READABLE_VERSIONS = (2, 3)


@attrs.frozen(slots=True)
class Checkpoint:
    """An export's durable progress.

    Attributes:
        params: the export's parameters; a resume with other parameters is refused.
        temp_path: the temporary data file being written.
        bytes: how many bytes of ``temp_path`` are durable and valid.
        rows, pages: rows and pages written so far.
        window: index of the window in progress (every earlier window is complete).
        state: the position inside that window (``None`` before its first page).
        digest: SHA-256 of the first ``bytes`` bytes of ``temp_path``; a resume re-reads
            them and refuses a file that does not match.
        windows: the export's windows as planned when it started, newest first (``window``
            indexes them); ``None`` for an undated export or a version-2 checkpoint.
    """

    params: Mapping[str, Any]
    temp_path: str
    bytes: int = 0
    rows: int = 0
    pages: int = 0
    window: int = 0
    state: PageState | None = None
    digest: str | None = None
    windows: tuple[DateWindow, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "version": CHECKPOINT_VERSION,
            "params": dict(self.params),
            "temp_path": self.temp_path,
            "bytes": self.bytes,
            "rows": self.rows,
            "pages": self.pages,
            "window": self.window,
            "state": None if self.state is None else self.state.to_dict(),
            "digest": self.digest,
            "windows": None if self.windows is None else [w.to_dict() for w in self.windows],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Checkpoint:
        """Rebuild a checkpoint; ``CheckpointError`` if it is malformed or of another version."""
        try:
            if data.get("version") not in _READABLE_VERSIONS:
                raise CheckpointError(
                    f"checkpoint version {data.get('version')!r} is not supported "
                    f"(expected {CHECKPOINT_VERSION})"
                )
            if data.get("seal") != _seal(data):
                raise CheckpointError(
                    "the checkpoint was changed after it was written (its seal does not "
                    "match its content); delete it and the .part file to start over"
                )
            params = data["params"]
            if not isinstance(params, Mapping):
                raise TypeError("params is not an object")
            state = data.get("state")
            windows = data.get("windows")
            return cls(
                params=dict(params),
                temp_path=str(data["temp_path"]),
                bytes=int(data["bytes"]),
                rows=int(data["rows"]),
                pages=int(data["pages"]),
                window=int(data["window"]),
                state=None if state is None else PageState.from_dict(state),
                digest=None if data.get("digest") is None else str(data["digest"]),
                windows=None if windows is None else tuple(map(DateWindow.from_dict, windows)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(f"the checkpoint is malformed: {exc}") from None


def _seal(data: Mapping[str, Any]) -> str:
    """SHA-256 of a checkpoint's content (all but the seal): catches an edited field."""
    content = {k: v for k, v in data.items() if k != "seal"}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new file in ``directory`` durable (a no-op where unsupported)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some filesystems refuse fsync on directories
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, tmp: Path | None = None) -> None:
    """Replace ``path`` with ``data``: write ``tmp`` (default: a name of this call's own, so
    two writers never share it), fsync, rename over ``path``, fsync the directory. A reader
    sees the old content or the new one, never a mix."""
    tmp = tmp or path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def save_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    """Atomically replace ``path`` with ``checkpoint`` (tmp file, fsync, rename, dir fsync)."""
    body = checkpoint.to_dict()
    body["seal"] = _seal(body)
    data = json.dumps(body, indent=1, sort_keys=True).encode()
    write_atomic(path, data, path.with_name(path.name + ".tmp"))


def load_checkpoint(path: Path) -> Checkpoint | None:
    """The checkpoint at ``path``, or ``None`` if there is none."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        raise CheckpointError(f"the checkpoint {str(path)!r} is not valid JSON") from None
    if not isinstance(data, Mapping):
        raise CheckpointError(f"the checkpoint {str(path)!r} is not a JSON object")
    return Checkpoint.from_dict(data)


def remove_checkpoint(path: Path) -> None:
    """Delete a checkpoint and its temporary sibling, if present."""
    for p in (path, path.with_name(path.name + ".tmp")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
