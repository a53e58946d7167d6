"""Office packages (zip files) written many times over with most parts the same: those parts are deflated
once and their bytes copied into each package (a unit's workbook, a report)."""
from __future__ import annotations

import shutil
import zipfile
import zlib
from dataclasses import dataclass


@dataclass(frozen=True)
class PackedPart:
    """A part deflated once: its compressed bytes, size and checksum, ready to copy."""
    data: bytes
    size: int
    crc: int

    @classmethod
    def of(cls, raw: bytes, level: int = 1) -> PackedPart:
        c = zlib.compressobj(level, zlib.DEFLATED, -15)       # raw deflate, as zip stores it
        return cls(c.compress(raw) + c.flush(), len(raw), zlib.crc32(raw))


def write_packed(z: zipfile.ZipFile, name: str, part: PackedPart, date_time=(1980, 1, 1, 0, 0, 0)) -> None:
    """Add a part whose deflated bytes are already made to a zip being written (zipfile has no public way
    to copy compressed bytes; this writes the same local header zipfile itself writes)."""
    _add_header(z, name, part.size, len(part.data), part.crc, date_time)
    z.fp.write(part.data)
    _added(z, name)


def write_packed_file(z: zipfile.ZipFile, name: str, fh, size: int, compress_size: int, crc: int,
                      date_time=(1980, 1, 1, 0, 0, 0)) -> None:
    """The same for deflated bytes waiting in an open file (a large part another process compressed)."""
    _add_header(z, name, size, compress_size, crc, date_time)
    shutil.copyfileobj(fh, z.fp, 1 << 20)
    _added(z, name)


class DeflateWriter:
    """Raw deflate into a file, counting size and CRC as zip needs them (``write`` text as UTF-8)."""

    def __init__(self, fh, level: int = 1):
        self.fh, self.size, self.crc = fh, 0, 0
        self._c = zlib.compressobj(level, zlib.DEFLATED, -15)

    def write(self, raw: bytes) -> None:
        self.size += len(raw)
        self.crc = zlib.crc32(raw, self.crc)
        self.fh.write(self._c.compress(raw))

    def close(self) -> None:
        self.fh.write(self._c.flush())


def _add_header(z: zipfile.ZipFile, name: str, size: int, compress_size: int, crc: int, date_time) -> None:
    zi = zipfile.ZipInfo(name, date_time)
    zi.compress_type, zi.file_size, zi.compress_size, zi.CRC = zipfile.ZIP_DEFLATED, size, compress_size, crc
    zi.header_offset = z.fp.tell()
    z.fp.write(zi.FileHeader(None))         # zip64 only where a part is over 2 GB, as zipfile decides
    z.filelist.append(zi)
    z.NameToInfo[name] = zi


def _added(z: zipfile.ZipFile, name: str) -> None:
    z.start_dir = z.fp.tell()
    z._didModify = True
