"""The output side of an export: the ``.part`` file, durable checkpoints, the final rename."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

import attrs

from .._pagination import PageState
from ._checkpoint import Checkpoint, fsync_dir, remove_checkpoint, save_checkpoint
from ._errors import CheckpointError
from ._writers import RowWriter

__all__ = ["Output"]


class Output:
    """The temporary data file beside the target, and the checkpoint that describes it.

    Data is appended to ``<target>.part``; :meth:`save` makes it durable and only then records
    it in the checkpoint; :meth:`finish` renames the file into place; :meth:`abort` keeps it
    for a resume (CSV/NDJSON with a checkpoint) or removes it.
    """

    def __init__(
        self,
        target: Path,
        writer: RowWriter,
        checkpoint_path: Path | None,
        params: Mapping[str, Any],
    ) -> None:
        self.target = target
        self.temp = target.with_name(target.name + ".part")
        self.writer = writer
        self.checkpoint_path = checkpoint_path
        self.params = params
        self.file: BinaryIO | None = None
        self.progress = Checkpoint(params=params, temp_path=str(self.temp))
        self._hasher = hashlib.sha256()
        self._hashed = 0

    def open(self, resume_from: Checkpoint | None) -> None:
        """Create the file (or reopen and truncate it to ``resume_from.bytes``)."""
        if resume_from is not None and self.writer.resumable:
            try:
                size = self.temp.stat().st_size
            except FileNotFoundError:
                raise CheckpointError(
                    f"cannot resume: the temporary file {str(self.temp)!r} is missing; delete "
                    "the checkpoint to start over"
                ) from None
            if size < resume_from.bytes:
                raise CheckpointError(
                    f"cannot resume: {str(self.temp)!r} holds {size} bytes but the checkpoint "
                    f"records {resume_from.bytes}; delete the checkpoint to start over"
                )
            if self._digest_upto(resume_from.bytes) != resume_from.digest:
                raise CheckpointError(
                    f"cannot resume: the first {resume_from.bytes} bytes of {str(self.temp)!r} "
                    "are not the ones the checkpoint recorded (the file was changed); delete "
                    "the checkpoint and the .part file to start over"
                )
            self.file = open(self.temp, "r+b")  # noqa: SIM115 - closed by finish()/abort()
            self.file.truncate(resume_from.bytes)
            self.file.seek(resume_from.bytes)
            self.writer.resume(self.file)
            self.progress = resume_from
        else:
            self.file = open(self.temp, "wb")  # noqa: SIM115 - closed by finish()/abort()
            self.writer.begin(self.file)
            if self.writer.resumable:
                self.progress = attrs.evolve(self.progress, bytes=self.file.tell())
            fsync_dir(self.temp.parent)
        self.save()

    def _sync(self) -> None:
        assert self.file is not None
        self.file.flush()
        os.fsync(self.file.fileno())

    def record(self, rows: int, window: int, state: PageState | None) -> None:
        """Account for a page just handed to the writer (not yet durable)."""
        assert self.file is not None
        p = self.progress
        self.progress = attrs.evolve(
            p,
            bytes=self.file.tell() if self.writer.resumable else 0,
            rows=p.rows + rows,
            pages=p.pages + (1 if rows or state is not None else 0),
            window=window,
            state=state,
        )

    def save(self) -> None:
        """Make the recorded progress durable: data first, then the checkpoint."""
        if self.checkpoint_path is None:
            return
        if self.writer.resumable:
            self._sync()
            digest = self._digest_upto(self.progress.bytes)
            self.progress = attrs.evolve(self.progress, digest=digest)
        save_checkpoint(self.checkpoint_path, self.progress)

    def _digest_upto(self, size: int) -> str:
        """SHA-256 of the file's first ``size`` bytes, reading only those not hashed yet."""
        with open(self.temp, "rb") as f:
            f.seek(self._hashed)
            while self._hashed < size:
                block = f.read(min(1 << 20, size - self._hashed))
                if not block:
                    break
                self._hasher.update(block)
                self._hashed += len(block)
        return self._hasher.hexdigest()

    def finish(self) -> int:
        """Close the format, fsync, rename into place, drop the checkpoint; returns the size."""
        assert self.file is not None
        self.writer.close()
        self._sync()
        size = self.file.tell()
        self.file.close()
        os.replace(self.temp, self.target)
        fsync_dir(self.target.parent)
        if self.checkpoint_path is not None:
            remove_checkpoint(self.checkpoint_path)
        return size

    def abort(self) -> None:
        """Leave the temporary file for a resume (when checkpointing), else remove it."""
        if self.file is None:
            return
        keep = self.checkpoint_path is not None and self.writer.resumable
        if keep:
            with contextlib.suppress(OSError):
                self.save()
        else:
            with contextlib.suppress(Exception):
                self.writer.close()  # releases Parquet's native writer; the file is dropped
        with contextlib.suppress(OSError):
            self.file.close()
        if not keep:
            with contextlib.suppress(OSError):
                self.temp.unlink()
