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
    _added(z)


def write_packed_file(z: zipfile.ZipFile, name: str, pieces: list, size: int, compress_size: int, crc: int,
                      date_time=(1980, 1, 1, 0, 0, 0)) -> None:
    """The same for deflated bytes waiting in open files, one piece after the other (a large part that two
    processes compressed)."""
    _add_header(z, name, size, compress_size, crc, date_time)
    for fh in pieces:
        shutil.copyfileobj(fh, z.fp, 1 << 20)
    _added(z)


class DeflateWriter:
    """Raw deflate into a file, counting size and CRC as zip needs them.  ``close(last=False)`` ends on a
    byte boundary without a final block, so another writer's deflate can follow it in the same part (the way
    pigz compresses one stream in pieces): join the pieces' CRCs with ``crc32_combine``."""

    def __init__(self, fh, level: int = 1):
        self.fh, self.size, self.crc = fh, 0, 0
        self._c = zlib.compressobj(level, zlib.DEFLATED, -15)

    def write(self, raw: bytes) -> None:
        self.size += len(raw)
        self.crc = zlib.crc32(raw, self.crc)
        self.fh.write(self._c.compress(raw))

    def close(self, last: bool = True) -> None:
        self.fh.write(self._c.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH))


# crc32_combine as zlib (1.2.12 and later) computes it; Python's zlib module does not offer it.  Polynomials
# over GF(2) in zlib's reflected form: bit 31 is x^0.
_POLY = 0xEDB88320


def _multmodp(a: int, b: int) -> int:
    m, p = 1 << 31, 0
    while True:
        if a & m:
            p ^= b
            if a & (m - 1) == 0:
                return p
        m >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1


def _x2n_table() -> list[int]:
    table, p = [], 1 << 30                       # x^1
    for _ in range(32):
        table.append(p)
        p = _multmodp(p, p)
    return table


_X2N = _x2n_table()


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """The CRC-32 of A followed by B, from crc32(A), crc32(B) and len(B)."""
    p, k, n = 1 << 31, 3, len2                   # x^0; len2 bytes are 8 * len2 bits: x^(2^3) per byte
    while n:
        if n & 1:
            p = _multmodp(_X2N[k & 31], p)
        n >>= 1
        k += 1
    return _multmodp(p, crc1) ^ (crc2 & 0xFFFFFFFF)


def _add_header(z: zipfile.ZipFile, name: str, size: int, compress_size: int, crc: int, date_time) -> None:
    zi = zipfile.ZipInfo(name, date_time)
    zi.compress_type, zi.file_size, zi.compress_size, zi.CRC = zipfile.ZIP_DEFLATED, size, compress_size, crc
    zi.header_offset = z.fp.tell()
    z.fp.write(zi.FileHeader(None))         # zip64 only where a part is over 2 GB, as zipfile decides
    z.filelist.append(zi)
    z.NameToInfo[name] = zi


def _added(z: zipfile.ZipFile) -> None:
    z.start_dir = z.fp.tell()
    z._didModify = True
