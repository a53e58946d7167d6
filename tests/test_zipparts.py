"""Deflated pieces joined into one zip part: the CRC of the whole from the pieces' CRCs."""
import io
import os
import random
import zipfile
import zlib

from automation.zipparts import DeflateWriter, crc32_combine, write_packed_file


def test_crc32_combine_is_the_crc_of_the_joined_bytes():
    rnd = random.Random(7)
    for _ in range(200):
        a = rnd.randbytes(rnd.randint(0, 3000))
        b = rnd.randbytes(rnd.choice([0, 1, 2, 3, 255, 4096, 65537]))
        assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)
    a, b = b"<row>" * 700_000, os.urandom(1 << 16) * 40          # pieces of megabytes, as a city's sheet has
    assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def test_two_deflated_pieces_are_one_part_of_a_zip(tmp_path):
    first, rest = io.BytesIO(), io.BytesIO()
    one, two = DeflateWriter(first), DeflateWriter(rest)
    head, tail = "<sheetData>".encode() + "<row>落实情况</row>".encode() * 5000, b"<row/>" * 3000 + b"</sheetData>"
    one.write(head)
    one.close(last=False)                 # ends on a byte boundary, no final block: the rest follows it
    two.write(tail)
    two.close()
    first.seek(0)
    rest.seek(0)
    path = tmp_path / "joined.zip"
    with zipfile.ZipFile(path, "w") as z:
        write_packed_file(z, "xl/worksheets/sheet1.xml", [first, rest], one.size + two.size,
                          len(first.getvalue()) + len(rest.getvalue()), crc32_combine(one.crc, two.crc, two.size))
        z.writestr("after.txt", "x")
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        assert z.read("xl/worksheets/sheet1.xml") == head + tail and z.read("after.txt") == b"x"
