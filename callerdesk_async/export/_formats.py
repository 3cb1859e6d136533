"""Formats, compression and file extensions: what a path means and which codecs exist.

CSV and NDJSON can be compressed as a whole stream (``gzip``, ``zstd``): every page is written
as its own gzip member or zstd frame, so a file cut after any page is a valid compressed file
and a resumed export appends exactly the members an uninterrupted run would have written.
Parquet compresses inside the file (``compression`` is its column codec: ``zstd`` by default).
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from ._errors import MissingDependencyError

__all__ = [
    "COMPRESSIONS",
    "EXTENSIONS",
    "FORMATS",
    "PARQUET_CODECS",
    "STREAM_COMPRESSIONS",
    "Compression",
    "ExportFormat",
    "compressor",
    "resolve_compression",
    "resolve_format",
    "split_extension",
]

ExportFormat = Literal["csv", "ndjson", "parquet"]
FORMATS: tuple[ExportFormat, ...] = ("csv", "ndjson", "parquet")

Compression = Literal["none", "gzip", "zstd", "snappy"]
STREAM_COMPRESSIONS: tuple[Compression, ...] = ("none", "gzip", "zstd")
"""What CSV and NDJSON accept (the whole file is compressed)."""
PARQUET_CODECS: tuple[Compression, ...] = ("zstd", "snappy", "gzip", "none")
"""Parquet's column codecs; the first is the default."""
COMPRESSIONS: tuple[Compression, ...] = ("none", "gzip", "zstd", "snappy")

EXTENSIONS: dict[str, ExportFormat] = {
    ".csv": "csv",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".parquet": "parquet",
}
COMPRESSION_SUFFIXES: dict[str, Compression] = {".gz": "gzip", ".zst": "zstd"}

ZSTD_MISSING = "zstd compression needs the zstandard package: pip install 'callerdesk-async[zstd]'"
_GZIP_LEVEL = 6
_ZSTD_LEVEL = 3


def split_extension(path: str | os.PathLike[str]) -> tuple[str, Compression | None]:
    """``("calls.csv.gz")`` → ``(".csv", "gzip")``; the format suffix is lower-cased and may
    be ``""``; the compression is ``None`` when the name has no ``.gz``/``.zst``."""
    name = Path(path).name.lower()
    compression = None
    for suffix, codec in COMPRESSION_SUFFIXES.items():
        if name.endswith(suffix):
            name, compression = name[: -len(suffix)], codec
            break
    return Path(name).suffix, compression


def resolve_format(format: str | None, path: str | os.PathLike[str] | None) -> str:
    """``format``, else what ``path``'s extension names (``.csv``, ``.ndjson``/``.jsonl``,
    ``.parquet``, before any ``.gz``/``.zst``), else ``csv``. A format that contradicts a
    known extension raises ``ValueError`` (NDJSON in ``x.csv`` would fool every reader)."""
    named = None if path is None else EXTENSIONS.get(split_extension(path)[0])
    if format is None:
        return named or "csv"
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    if named is not None and named != format:
        raise ValueError(
            f"format {format!r} does not match the file name {Path(path or '').name!r} "
            f"(a {named} extension)"
        )
    return format


def resolve_compression(
    format: str, compression: str | None, path: str | os.PathLike[str] | None
) -> Compression:
    """The compression to use: ``compression`` if given, else what ``path`` ends in (CSV and
    NDJSON) or ``zstd`` (Parquet). A value that does not fit the format or disagrees with
    the path's ``.gz``/``.zst`` suffix raises ``ValueError`` naming both."""
    suffix = None if path is None else split_extension(path)[1]
    if format == "parquet":
        if suffix is not None:
            raise ValueError(
                f"a Parquet file compresses its columns itself; drop the {_suffix(suffix)!r} "
                "suffix and pick the codec with compression= (--compression)"
            )
        chosen = PARQUET_CODECS[0] if compression is None else compression
        if chosen not in PARQUET_CODECS:
            raise ValueError(
                f"Parquet compression must be one of {', '.join(PARQUET_CODECS)}, got {chosen!r}"
            )
        return chosen
    if compression is None:
        return suffix or "none"
    if compression not in STREAM_COMPRESSIONS:
        raise ValueError(
            f"{format} compression must be one of {', '.join(STREAM_COMPRESSIONS)}, "
            f"got {compression!r}"
        )
    if path is not None and (suffix or "none") != compression:
        wanted = "no .gz/.zst suffix" if compression == "none" else f"a {_suffix(compression)}"
        raise ValueError(
            f"compression {compression!r} does not match the file name {Path(path).name!r} "
            f"(it needs {wanted} ending)"
        )
    return compression


def _suffix(compression: str) -> str:
    return next(s for s, c in COMPRESSION_SUFFIXES.items() if c == compression)


def compressor(compression: Compression) -> Callable[[bytes], bytes] | None:
    """A function compressing one chunk into one self-contained gzip member / zstd frame
    (``None`` for ``none``). ``MissingDependencyError`` if zstd support is missing."""
    if compression == "none":
        return None
    if compression == "gzip":
        return lambda data: gzip.compress(data, compresslevel=_GZIP_LEVEL, mtime=0)
    if compression == "zstd":
        return _zstd_compressor()
    raise ValueError(f"{compression!r} is not a stream compression")


def _zstd_compressor() -> Callable[[bytes], bytes]:
    try:
        from compression import zstd  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        pass
    else:  # pragma: no cover - Python >= 3.14
        return lambda data: bytes(zstd.compress(data, level=_ZSTD_LEVEL))
    try:
        import zstandard
    except ImportError:
        raise MissingDependencyError(ZSTD_MISSING) from None
    compress: Callable[[bytes], bytes] = zstandard.ZstdCompressor(level=_ZSTD_LEVEL).compress
    return compress
