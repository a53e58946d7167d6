"""Office packages (zip files) written many times over with most parts the same: those parts are deflated
once and their bytes copied into each package (a unit's workbook, a report)."""
from __future__ import annotations

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
    zi = zipfile.ZipInfo(name, date_time)
    zi.compress_type, zi.file_size, zi.compress_size, zi.CRC = zipfile.ZIP_DEFLATED, part.size, len(part.data), part.crc
    zi.header_offset = z.fp.tell()
    z.fp.write(zi.FileHeader(False))
    z.fp.write(part.data)
    z.start_dir = z.fp.tell()
    z.filelist.append(zi)
    z.NameToInfo[name] = zi
    z._didModify = True
