"""The output side of an export: the ``.part`` file, durable checkpoints, the final rename.

Or, for a stream (``sys.stdout.buffer``), just the stream: nothing to rename or resume.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO, cast

import attrs

from .._pagination import PageState
from ._checkpoint import Checkpoint, fsync_dir, remove_checkpoint, save_checkpoint
from ._errors import CheckpointError
from ._windows import DateWindow
from ._writers import RowWriter

__all__ = ["Output", "Sink"]


class Sink:
    """What writers write to: counts the bytes that reach the file and, when compressing,
    makes each ``write`` (one page, or the header) one gzip member / zstd frame, so the file
    is valid after every page and a resume appends exactly what an unbroken run would."""

    closed = False

    def __init__(
        self, file: BinaryIO, compress: Callable[[bytes], bytes] | None, written: int = 0
    ) -> None:
        self._file = file
        self._compress = compress
        self.written = written

    def write(self, data: bytes) -> int:
        """Append ``data`` (compressed as one member/frame when compressing)."""
        if not data:
            return 0
        chunk = data if self._compress is None else self._compress(data)
        self._file.write(chunk)
        self.written += len(chunk)
        return len(data)

    def tell(self) -> int:
        """Bytes written to the file so far."""
        return self.written

    def flush(self) -> None:
        """Flush the underlying file."""
        self._file.flush()


class Output:
    """The temporary data file beside the target, and the checkpoint that describes it.

    Data is appended to ``<target>.part``; :meth:`save` makes it durable and only then records
    it in the checkpoint; :meth:`finish` renames the file into place; :meth:`abort` keeps it
    for a resume (CSV/NDJSON with a checkpoint) or removes it. With a stream as ``target``
    rows go straight to it (no checkpoint, no rename, nothing removed on failure).
    ``temp`` overrides the temporary file's name (``<target>.part`` by default).
    """

    def __init__(
        self,
        target: Path | BinaryIO,
        writer: RowWriter,
        checkpoint_path: Path | None,
        params: Mapping[str, Any],
        compress: Callable[[bytes], bytes] | None = None,
        temp: Path | None = None,
        windows: tuple[DateWindow, ...] | None = None,
    ) -> None:
        self.stream = None if isinstance(target, Path) else target
        self.target = target if isinstance(target, Path) else Path("-")
        # A distributed window names its own temporary file per attempt, so an attempt that
        # lost its lease can never write into the file of the attempt that took over.
        self.temp = temp or self.target.with_name(self.target.name + ".part")
        self.writer = writer
        self.checkpoint_path = None if self.stream is not None else checkpoint_path
        self.params = params
        self.compress = compress
        self.file: BinaryIO | None = None
        self.sink: Sink | None = None
        self.progress = Checkpoint(params=params, temp_path=str(self.temp), windows=windows)
        self._hasher = hashlib.sha256()
        self._hashed = 0

    def _begin(self, file: BinaryIO, written: int = 0) -> BinaryIO:
        self.file = file
        self.sink = Sink(file, self.compress, written)
        return cast(BinaryIO, self.sink)

    def open(self, resume_from: Checkpoint | None) -> None:
        """Create the file (or reopen and truncate it to ``resume_from.bytes``)."""
        if self.stream is not None:
            self.writer.begin(self._begin(self.stream))
            return
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
            file: BinaryIO = open(self.temp, "r+b")  # noqa: SIM115 - closed by finish()/abort()
            file.truncate(resume_from.bytes)
            file.seek(resume_from.bytes)
            self.writer.resume(self._begin(file, resume_from.bytes))
            self.progress = resume_from
        else:
            file = open(self.temp, "wb")  # noqa: SIM115 - closed by finish()/abort()
            self.writer.begin(self._begin(file))
            if self.writer.resumable:
                self.progress = attrs.evolve(self.progress, bytes=self._written())
            fsync_dir(self.temp.parent)
        self.save()

    def _written(self) -> int:
        assert self.sink is not None
        return self.sink.written

    def _sync(self) -> None:
        assert self.file is not None
        self.file.flush()
        os.fsync(self.file.fileno())

    def record(self, rows: int, window: int, state: PageState | None) -> None:
        """Account for a page just handed to the writer (not yet durable)."""
        p = self.progress
        self.progress = attrs.evolve(
            p,
            bytes=self._written() if self.writer.resumable else 0,
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
        size = self._written()
        if self.stream is not None:
            self.stream.flush()
            return size
        self._sync()
        self.file.close()
        os.replace(self.temp, self.target)
        fsync_dir(self.target.parent)
        if self.checkpoint_path is not None:
            remove_checkpoint(self.checkpoint_path)
        return size

    def abort(self) -> None:
        """Leave the temporary file for a resume (when checkpointing), else remove it."""
        if self.file is None or self.stream is not None:
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
