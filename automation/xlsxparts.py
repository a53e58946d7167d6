"""The xlsx package at the level of its parts: cell XML written by hand, sheet-part lookup, formula
cells, and rows streamed into a sheet after XlsxWriter has closed the workbook.

Used where openpyxl/XlsxWriter would be too slow (one workbook per unit, summaries of thousands of
units) or would parse what we must not trust (returned files).  Strings are always inline strings,
which Excel never reads as formulas.
"""
from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import shutil
import zipfile
from functools import lru_cache
from xml.sax.saxutils import escape

from defusedxml.ElementTree import fromstring
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import to_excel


NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@lru_cache(maxsize=65536)
def xml_text(s: str) -> str:
    """Text escaped for XML, with the control characters XML forbids removed."""
    return escape(_ILLEGAL_XML.sub("", s))


class Formula:
    """A formula cell of a big sheet (``Formula("SUM(C2:C101)")``); equal to no text, so never mistaken for
    a cached string."""
    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


def cell_xml_tail(style: str, value) -> str:
    """A sheet cell as XML after its '<c r="A1"' opening.  Strings are inline strings; dates and times
    become serial numbers in the given (date-formatted) style, a time of day as the fraction."""
    if value.__class__ is Formula:
        return f' s="{style}"><f>{xml_text(value.text)}</f></c>'
    if value is None or value == "":
        return f' s="{style}"/>'
    if isinstance(value, dt.datetime):
        if value.time() != dt.time():
            return f' s="{style}"><v>{to_excel(value)!r}</v></c>'
        value = value.date()
    if isinstance(value, dt.date):
        return f' s="{style}"><v>{int(to_excel(value))}</v></c>'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value.__class__ is float and value.is_integer() and abs(value) < 1e15:
            value = int(value)          # 3.0 as 3: one way to write a number, whichever comes first in a cache
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
        self.filter_rows: int | None = None      # rows under the filter, when not all (a total row below it)
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
        """Rows made only when the sheet is written — ``rows(start, stop)`` yields (cells, height) for rows
        start to stop - 1 of ``count`` — so a sheet of a million cells is never held whole in memory."""
        self.count, self.source = count, rows

    def __len__(self) -> int:
        return self.count if self.source else len(self.rows)

    def filtered(self) -> int:
        return len(self) if self.filter_rows is None else self.filter_rows

    def pairs(self, start: int = 0, stop: int | None = None):
        stop = len(self) if stop is None else stop
        if self.source:
            return self.source(start, stop)
        return itertools.islice(zip(self.rows, self.heights), start, stop)


def fill_big_sheets(path: str, deferred: dict[str, BigSheet]) -> None:
    """Stream the deferred rows into their sheets (a new zip, written part by part, through zipfile's
    public API), then put it in place of the one XlsxWriter wrote."""
    if not deferred:
        return
    tmp = path + ".part"
    try:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
            parts = zip_sheet_parts(src)
            by_part = {parts[name]: big for name, big in deferred.items()}
            letters = [get_column_letter(i + 1) for i in range(max(b.ncols for b in deferred.values()) + 1)]
            for n in src.namelist():
                if n == "xl/workbook.xml":         # autofilters' hidden names follow the rows written
                    xml = src.read(n).decode("utf-8")
                    for b in deferred.values():
                        last_ref = f"${letters[b.ncols - 1]}${max(2, b.filtered() + 1)}"
                        xml = re.sub(rf"('?{re.escape(b.name)}'?!\$A\$1:)\$[A-Z]+\$\d+",
                                     lambda m: m.group(1) + last_ref, xml)
                    dst.writestr(src.getinfo(n), xml.encode("utf-8"))
                elif n not in by_part:
                    dst.writestr(src.getinfo(n), src.read(n))
                else:
                    with dst.open(n, "w") as out:
                        for chunk in sheet_xml(src.read(n).decode("utf-8"), by_part[n], letters):
                            out.write(chunk)
    except BaseException:                      # a full disk, an interrupted run: no half-written file left
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    shutil.move(tmp, path)


def sheet_xml(xml: str, big: BigSheet, letters: list[str]):
    """The sheet part XlsxWriter wrote (header row and the probe row of formats) with the big sheet's rows
    in place of the probe, in chunks of UTF-8."""
    probe = re.search(r'<row r="2"[^>]*>(.*?)</row>', xml, re.S)
    styles = {big.fmt_names[column_index_from_string(m.group(1)) - 1]: m.group(2)
              for m in re.finditer(r'<c r="([A-Z]+)2" s="(\d+)"', probe.group(1))}
    last = f"{letters[big.ncols - 1]}{max(2, len(big) + 1)}"
    last_filtered = f"{letters[big.ncols - 1]}{max(2, big.filtered() + 1)}"
    cache: dict = {}                      # (value, format) -> the cell's XML after its reference

    def frag(cell):
        value, fmt = cell
        f = cell_xml_tail(styles.get(fmt, "0"), value)
        if len(cache) < 200000 and not (isinstance(value, str) and len(value) > 40):
            cache[cell] = f             # repeated values (names, statuses), not every unit's text
        return f

    opening = ['<c r="' + letter for letter in letters]
    yield re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last}"/>', xml[:probe.start()]).encode("utf-8")
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
    chunk.append(re.sub(r'<autoFilter ref="[^"]*"', f'<autoFilter ref="A1:{last_filtered}"', xml[probe.end():]))
    yield "".join(chunk).encode("utf-8")
    if written != len(big):
        raise RuntimeError(f"{big.name}: {written} rows written, {len(big)} announced")
