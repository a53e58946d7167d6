"""The xlsx package at the level of its parts: cell XML written by hand, sheet-part lookup, formula
cells, and rows streamed into a sheet after XlsxWriter has closed the workbook.

Used where openpyxl/XlsxWriter would be too slow (one workbook per unit, summaries of thousands of
units) or would parse what we must not trust (returned files).  Strings are always inline strings,
which Excel never reads as formulas.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import zipfile
from functools import lru_cache
from xml.sax.saxutils import escape

from defusedxml.ElementTree import fromstring
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import to_excel

from .workers import Forked
from .zipparts import DeflateWriter, write_packed_file

NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@lru_cache(maxsize=65536)
def xml_text(s: str) -> str:
    """Text escaped for XML, with the control characters XML forbids removed."""
    return escape(_ILLEGAL_XML.sub("", s))


def cell_xml_tail(style: str, value) -> str:
    """A sheet cell as XML after its '<c r="A1"' opening.  Strings are inline strings; dates become
    serial numbers in the given (date-formatted) style."""
    if value is None or value == "":
        return f' s="{style}"/>'
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f' s="{style}"><v>{int(to_excel(value))}</v></c>'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f' s="{style}"><v>{value}</v></c>'
    return f' s="{style}" t="inlineStr"><is><t xml:space="preserve">{xml_text(str(value))}</t></is></c>'


def cell_xml(ref: str, style: str, value) -> str:
    return f'<c r="{ref}"' + cell_xml_tail(style, value)


def rows_xml(rows: list[tuple], first: int) -> str:
    """Plain rows (style 0) from row number ``first``: one value per column from A."""
    out = []
    for r, values in enumerate(rows, first):
        cells = "".join(cell_xml(f"{get_column_letter(c + 1)}{r}", "0", v) for c, v in enumerate(values))
        out.append(f'<row r="{r}">{cells}</row>')
    return "".join(out)


def sheet_parts(workbook_xml: bytes, rels_xml: bytes) -> dict[str, str]:
    """Sheet name -> part name (``xl/worksheets/sheet1.xml``), parsed with defusedxml."""
    return dict(_sheet_parts(workbook_xml, rels_xml))


@lru_cache(maxsize=16)
def _sheet_parts(workbook_xml: bytes, rels_xml: bytes) -> dict[str, str]:
    """Parsed once for the many returned files of one distribution, which share these two parts."""
    wb, rels = fromstring(workbook_xml), fromstring(rels_xml)
    targets = {x.get("Id"): x.get("Target") for x in rels}
    out = {}
    for sh in wb.iter(f"{NS_MAIN}sheet"):
        t = (targets.get(sh.get(f"{NS_REL}id")) or "").lstrip("/")
        out[sh.get("name")] = t if t.startswith("xl/") else "xl/" + t
    return out


def zip_sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    return sheet_parts(z.read("xl/workbook.xml"), z.read("xl/_rels/workbook.xml.rels"))


def formula_cells(sheet_xml: bytes) -> set[str]:
    """References of the cells of a sheet part that hold a formula (a value reader cannot tell)."""
    out = set()
    for m in re.finditer(rb"<f[ >/]", sheet_xml):
        start = sheet_xml.rfind(b'<c r="', 0, m.start())
        if start >= 0:
            end = sheet_xml.index(b'"', start + 6)
            out.add(sheet_xml[start + 6:end].decode())
    return out


# ------------------------------------------------------------------------------ big sheets

class BigSheet:
    """Rows of a large sheet, written as sheet XML after XlsxWriter has closed the workbook.

    XlsxWriter spends ~20 µs a cell; the summary of 1,000 units has ~700,000 cells in two sheets.
    A probe row (row 2) carries one blank cell per format so the style ids can be read back."""

    def __init__(self, ws, name: str, formats: dict, header: list[str]):
        self.name, self.rows, self.heights = name, [], []
        self.source, self.count = None, 0        # rows made while the sheet is written (stream)
        self.fmt_names = list(formats)
        for c, t in enumerate(header):
            ws.write_string(0, c, t, formats["__head__"])
        for c, key in enumerate(self.fmt_names):
            ws.write_blank(1, c, None, formats[key])
        self.ncols = len(header)

    def add(self, cells: list[tuple], height: float | None = None) -> None:
        """A row of (value, format name) cells; ``height`` in points for wrapped text (None: default)."""
        self.rows.append(cells)
        self.heights.append(height)

    def stream(self, count: int, rows) -> None:
        """Rows made only when the sheet is written — ``rows()`` yields (cells, height), ``count`` of them —
        so a sheet of a million cells is never held whole in memory."""
        self.count, self.source = count, rows

    def __len__(self) -> int:
        return self.count if self.source else len(self.rows)

    def pairs(self):
        return self.source() if self.source else zip(self.rows, self.heights)


# a sheet of this many rows or more is written by a forked child while this process writes the rest
PARALLEL_ROWS = 20000


def fill_big_sheets(path: str, deferred: dict[str, BigSheet]) -> None:
    """Stream the deferred rows into their sheets (a new zip, written part by part).  Where processes fork,
    the largest sheet, when it is big, is made and deflated by a child process meanwhile and its bytes
    copied in last (a city's 落实情况明细 and the rest of the summary on two cores)."""
    if not deferred:
        return
    src = zipfile.ZipFile(path)
    names = src.namelist()
    parts = zip_sheet_parts(src)
    by_part = {parts[name]: big for name, big in deferred.items()}
    letters = [get_column_letter(i + 1) for i in range(max(b.ncols for b in deferred.values()) + 1)]
    largest = max(by_part, key=lambda n: len(by_part[n]))
    child = None
    if len(by_part[largest]) >= PARALLEL_ROWS:
        template = src.read(largest).decode("utf-8")
        child = Forked(_deflate_sheet, template, by_part[largest], letters, path + ".sheet")
    tmp = path + ".part"
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
            for n in names:
                if n == "xl/workbook.xml":         # autofilters' hidden names follow the rows written
                    xml = src.read(n).decode("utf-8")
                    for big in deferred.values():
                        last_ref = f"${letters[big.ncols - 1]}${max(2, len(big) + 1)}"
                        xml = re.sub(rf"('?{re.escape(big.name)}'?!\$A\$1:)\$[A-Z]+\$\d+",
                                     lambda m: m.group(1) + last_ref, xml)
                    dst.writestr(src.getinfo(n), xml.encode("utf-8"))
                elif n not in by_part:
                    dst.writestr(src.getinfo(n), src.read(n))
                elif not (child and child.started and n == largest):
                    with dst.open(n, "w") as out:
                        for chunk in sheet_xml(src.read(n).decode("utf-8"), by_part[n], letters):
                            out.write(chunk)
            if child and child.started:
                if child.wait():
                    with open(path + ".sheet", "rb") as fh:
                        size, compress_size, crc = (int(x) for x in fh.readline().split())
                        write_packed_file(dst, largest, fh, size, compress_size, crc, src.getinfo(largest).date_time)
                else:                              # the child failed: the same sheet made here (or its error)
                    with dst.open(largest, "w") as out:
                        for chunk in sheet_xml(src.read(largest).decode("utf-8"), by_part[largest], letters):
                            out.write(chunk)
    finally:
        if child and child.started:
            child.wait()
            if os.path.exists(path + ".sheet"):
                os.unlink(path + ".sheet")
    src.close()
    shutil.move(tmp, path)


def _deflate_sheet(template: str, big: BigSheet, letters: list[str], target: str) -> None:
    """In a child process: the sheet's XML deflated into ``target``, after a first line with its size,
    compressed size and CRC."""
    with open(target, "wb") as fh:
        fh.write(b" " * 64 + b"\n")               # room for the line written when the sizes are known
        packed = DeflateWriter(fh)
        for chunk in sheet_xml(template, big, letters):
            packed.write(chunk)
        packed.close()
        compress_size = fh.tell() - 65
        fh.seek(0)
        fh.write(f"{packed.size} {compress_size} {packed.crc}".encode().ljust(64))


def sheet_xml(xml: str, big: BigSheet, letters: list[str]):
    """The sheet part XlsxWriter wrote (header row and the probe row of formats) with the big sheet's rows
    in place of the probe, in chunks of UTF-8."""
    probe = re.search(r'<row r="2"[^>]*>(.*?)</row>', xml, re.S)
    styles = {big.fmt_names[column_index_from_string(m.group(1)) - 1]: m.group(2)
              for m in re.finditer(r'<c r="([A-Z]+)2" s="(\d+)"', probe.group(1))}
    last = f"{letters[big.ncols - 1]}{max(2, len(big) + 1)}"
    head = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last}"/>', xml[:probe.start()])
    tail = re.sub(r'<autoFilter ref="[^"]*"', f'<autoFilter ref="A1:{last}"', xml[probe.end():])
    cache: dict = {}                      # (value, format) -> the cell's XML after its reference

    def frag(cell):
        value, fmt = cell
        f = cell_xml_tail(styles.get(fmt, "0"), value)
        if len(cache) < 200000 and not (isinstance(value, str) and len(value) > 40):
            cache[cell] = f             # repeated values (names, statuses), not every unit's text
        return f

    opening = ['<c r="' + letter for letter in letters]
    yield head.encode("utf-8")
    chunk = []
    written = 0
    for r, (cells, ht) in enumerate(big.pairs(), 2):
        written += 1
        rs = str(r)
        attrs = f' ht="{ht:g}" customHeight="1"' if ht else ""
        at = rs + '"'
        chunk.append(f'<row r="{rs}"{attrs}>' + "".join(
            [opening[c] + at + (cache.get(cell) or frag(cell)) for c, cell in enumerate(cells)]) + "</row>")
        if len(chunk) >= 200:
            yield "".join(chunk).encode("utf-8")
            chunk = []
    yield ("".join(chunk) + tail).encode("utf-8")
    if written != len(big):
        raise RuntimeError(f"{big.name}: {written} rows written, {len(big)} announced")
