"""The checks collect runs on a returned workbook, each a small function registered with the problem
codes it may emit (the way frictionless declares its checks).

Three scopes, run in the order registered:
- ``file``: the raw bytes, before any parser sees them (size, encryption, zip and XML bombs);
  a check returning an error stops the reading of that file;
- ``row``: one task row of the 任务台账 sheet; checks read the typed cells and fill the parsed
  answer (``row.entry``) that the ledger stores;
- ``figures``: the 年度报告数据 sheet as a whole.

Adding a check = one function here, one catalogue line in problems.py, one test.
"""
from __future__ import annotations

import io
import math
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable

import msoffcrypto
from msoffcrypto.exceptions import FileFormatError, ParseError
from openpyxl.utils.cell import column_index_from_string, coordinate_to_tuple

from . import reportspec as R
from . import unitbook as L
from .dates import typed_date
from .problems import Problem
from .tables import cell_text

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Check:
    name: str
    scope: str                     # "file" | "row" | "figures"
    codes: tuple[str, ...]
    fn: Callable[..., Iterable[Problem]]


CHECKS: list[Check] = []


@lru_cache(maxsize=None)
def _of_scope(scope: str, registered: int) -> tuple[Check, ...]:
    """The checks of a scope, listed once (again only if more were registered since)."""
    return tuple(c for c in CHECKS if c.scope == scope)


def check(scope: str, *codes: str):
    """Register a check of ``scope`` that may emit ``codes``."""
    def register(fn):
        CHECKS.append(Check(fn.__name__, scope, codes, fn))
        return fn
    return register


def run_checks(scope: str, subject, stop_on_error: bool = False) -> list[Problem]:
    found: list[Problem] = []
    for c in _of_scope(scope, len(CHECKS)):
        for p in c.fn(subject) or ():
            assert p.code in c.codes, f"check {c.name} emitted {p.code}, not declared"
            found.append(p)
        if stop_on_error and any(p.severity == "error" for p in found):
            break
    return found


def human_size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


# ------------------------------------------------------------------------------ the raw file

@dataclass
class RawFile:
    name: str                      # as shown to the user (relative to the returns folder)
    ext: str
    size: int
    data: bytes                    # empty when the file is too large to read
    zip: zipfile.ZipFile | None = None

    @property
    def is_zip(self) -> bool:
        return self.data[:4] == b"PK\x03\x04"

    @property
    def is_ole(self) -> bool:
        return self.data[:8] == OLE_MAGIC


@check("file", "TOO_LARGE")
def too_large(f: RawFile):
    if f.size > MAX_FILE_BYTES:
        yield Problem("TOO_LARGE", f.name, params={"size": human_size(f.size), "limit": human_size(MAX_FILE_BYTES)})


@check("file", "FILE_EMPTY")
def empty(f: RawFile):
    if f.size == 0:
        yield Problem("FILE_EMPTY", f.name)


@check("file", "ENCRYPTED", "UNREADABLE")
def encrypted(f: RawFile):
    """An Office file with an open password is an OLE container (msoffcrypto tells which)."""
    if not f.is_ole:
        if f.ext in (".xlsx", ".xlsm") and not f.is_zip:
            yield Problem("UNREADABLE", f.name, params={"detail": "内容不是 Excel 文件"})
        return
    try:
        locked = msoffcrypto.OfficeFile(io.BytesIO(f.data)).is_encrypted()
    except (FileFormatError, ParseError, OSError, ValueError, AssertionError) as exc:
        yield Problem("UNREADABLE", f.name, params={"detail": f"无法识别的 Office 文件（{type(exc).__name__}）"})
        return
    if locked:
        yield Problem("ENCRYPTED", f.name)


@check("file", "ZIP_BOMB", "XML_BOMB", "UNREADABLE")
def zip_screen(f: RawFile):
    """Reject zip bombs and XML entity bombs before any parser sees the file."""
    if not f.is_zip or f.ext not in (".xlsx", ".xlsm"):
        return
    try:
        f.zip = zipfile.ZipFile(io.BytesIO(f.data))
        infos = f.zip.infolist()
    except zipfile.BadZipFile:
        yield Problem("UNREADABLE", f.name, params={"detail": "不是有效的 xlsx 压缩包"})
        return
    total = sum(i.file_size for i in infos)
    if total > MAX_UNZIPPED_BYTES:
        yield Problem("ZIP_BOMB", f.name, params={"detail": f"解压后 {human_size(total)}"})
        return
    for i in infos:
        if i.file_size > 1024 * 1024 and i.compress_size and i.file_size / i.compress_size > MAX_RATIO:
            yield Problem("ZIP_BOMB", f.name, params={"detail": f"{i.filename} 压缩比 {i.file_size // i.compress_size}:1"})
            return
    for i in infos:
        if i.filename.endswith((".xml", ".rels", ".vml")):
            try:
                with f.zip.open(i) as fh:
                    head = fh.read(2048)
            except (zipfile.BadZipFile, OSError, NotImplementedError) as exc:
                yield Problem("UNREADABLE", f.name, params={"detail": f"{i.filename}：{type(exc).__name__}"})
                return
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                yield Problem("XML_BOMB", f.name, params={"detail": i.filename})
                return


@check("file", "XLS_FORMAT")
def old_xls(f: RawFile):
    if f.ext == ".xls":
        yield Problem("XLS_FORMAT", f.name)


@check("file", "MACROS")
def macros(f: RawFile):
    if f.is_zip and b"vbaProject.bin" in f.data:
        yield Problem("MACROS", f.name)


# ------------------------------------------------------------------------------ one task row

def number(v) -> float | None:
    """A number as typed: 12, "12", "1,200", "50%"; None for blank or text that is not a number (and for
    "inf", "NaN", "1e999": Python reads them as numbers, Excel would refuse them in a summary)."""
    if v is None or v == "" or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v) if math.isfinite(v) else None
    s = str(v).strip().replace(",", "").replace("，", "")
    m = re.fullmatch(r"(-?\d+(?:\.\d+)?)\s*[%％]", s)
    if m:
        return float(m.group(1)) / 100
    try:
        num = float(s)
    except ValueError:
        return None
    return num if math.isfinite(num) else None


@lru_cache(maxsize=256)
def column_index(letter: str) -> int:
    """0-based index of a column letter (A -> 0)."""
    return column_index_from_string(letter) - 1


@dataclass
class TaskRowView:
    """One task row of a returned 任务台账 sheet, with what checks need around it."""
    file: str
    task: str                      # task id
    values: list                   # the row's cells as read
    columns: dict                  # column key -> letter
    row: int                       # 1-based sheet row
    digest: str                    # hash of the locked cells at distribution ("" when unknown)
    expected: Callable[[], dict | None]   # the locked cells as distributed (text), to name a changed one
    formulas: set
    as_of_date: object
    year: int | None
    entry: dict = field(default_factory=dict)

    def cell(self, key: str) -> str:
        return f"{self.columns[key]}{self.row}"

    def raw(self, key: str):
        c = column_index(self.columns[key])
        v = self.values[c] if c < len(self.values) else None
        return None if v == "" else v

    def problem(self, code: str, key: str, **params) -> Problem:
        return Problem(code, self.file, L.LEDGER_SHEET, self.cell(key), params)


@check("row", "TASK_CHANGED")
def locked_cells_changed(row: TaskRowView):
    """The given cells are compared with the hash written at distribution; the changed cell is named."""
    if not row.digest:
        return
    plain = [cell_text(row.raw(k)) for k in L.LOCKED_KEYS]
    if L.task_hash(plain) == row.digest:
        return
    expected = row.expected()
    changed = [k for k, v in zip(L.LOCKED_KEYS, plain) if expected and expected.get(k) != v]
    for k in changed or ["text"]:
        yield row.problem("TASK_CHANGED", k, task=row.task, column=L.COLUMN_BY_KEY[k].title)


@check("row", "INVALID_STATUS")
def status(row: TaskRowView):
    v = row.raw("status")
    v = str(v).strip() if v is not None else None
    if v and v not in L.STATUSES:
        yield row.problem("INVALID_STATUS", "status", value=v)
        v = None
    row.entry["status"] = v or None


@check("row", "BAD_DATE", "DATE_FUTURE", "DATE_BEFORE_PLAN")
def done_date(row: TaskRowView):
    raw = row.raw("done_date")
    done = typed_date(raw, row.year) if raw is not None else None
    if raw is not None:
        if done is None:
            yield row.problem("BAD_DATE", "done_date", value=str(raw))
        elif done > row.as_of_date:
            yield row.problem("DATE_FUTURE", "done_date", value=done.isoformat())
        elif row.year and done.year < row.year - 1:
            yield row.problem("DATE_BEFORE_PLAN", "done_date", value=done.isoformat())
    row.entry["done_date"] = done.isoformat() if done else None
    row.entry["_date_typed"] = raw is not None


@check("row", "FORMULA_IN_INPUT")
def formulas_in_answers(row: TaskRowView):
    for key in L.EDITABLE_KEYS:
        if row.cell(key) in row.formulas:
            yield row.problem("FORMULA_IN_INPUT", key)


def progress_share(num: float) -> float | None:
    """完成进度 as a share of 1, by one rule: a percentage cell (50%) and a fraction (0.5) are stored as
    0.5 by Excel; a whole number from 2 to 100 typed without % means percent (50 → 50 %).  Anything
    else (1.5, 150, 150 %) is outside 0–100 % and has no value."""
    if 0 <= num <= 1:
        return num
    if 1 < num <= 100 and float(num).is_integer():
        return num / 100
    return None


@check("row", "TEXT_IN_NUMBER", "NEGATIVE_NUMBER", "PROGRESS_OUT_OF_RANGE")
def numbers(row: TaskRowView):
    """完成进度 and 实际完成数量: numbers, progress by the rule of ``progress_share``."""
    for key in ("progress", "actual"):
        v = row.raw(key)
        num = number(v)
        if v is not None and num is None:
            yield row.problem("TEXT_IN_NUMBER", key, value=str(v), hint=number_hint(v))
        elif num is not None and num < 0:
            yield row.problem("NEGATIVE_NUMBER", key, value=num)
            num = None
        if key == "progress" and num is not None:
            share = progress_share(num)
            if share is None:
                yield row.problem("PROGRESS_OUT_OF_RANGE", key, value=cell_text(v))
            num = share
        row.entry[key] = num


@check("row")
def texts(row: TaskRowView):
    for key in ("detail", "evidence", "issues", "next"):
        v = row.raw(key)
        row.entry[key] = str(v).strip() if v is not None and str(v).strip() else None
    return ()


@check("row", "DONE_NO_DATE", "DONE_NO_DETAIL")
def done_needs_date_and_detail(row: TaskRowView):
    if row.entry.get("status") != L.DONE:
        return
    if not row.entry.get("done_date") and not row.entry.get("_date_typed"):
        yield row.problem("DONE_NO_DATE", "done_date", task=row.task)
    if not row.entry.get("detail"):
        yield row.problem("DONE_NO_DETAIL", "detail", task=row.task)


@check("row", "NA_NO_REASON")
def not_applicable_needs_reason(row: TaskRowView):
    if row.entry.get("status") == L.NA and not row.entry.get("issues"):
        yield row.problem("NA_NO_REASON", "issues", task=row.task)


@check("row", "STATUS_PROGRESS_CONFLICT")
def not_started_with_progress(row: TaskRowView):
    """Issue 28: a task 未启动 whose 完成进度 says work was done (50%) contradicts itself; the progress cell is
    named (the status may be the wrong one, so neither is changed)."""
    share = row.entry.get("progress")
    if row.entry.get("status") == L.STATUSES[0] and share:
        yield row.problem("STATUS_PROGRESS_CONFLICT", "progress", status=L.STATUSES[0],
                          progress=f"{share * 100:g}%")


# ------------------------------------------------------------------------------ the figures sheet

@dataclass
class FiguresView:
    file: str
    rows: list                     # the sheet's cells as read
    cells: dict                    # figure key -> cell
    extras: list                   # (label cell, value cell)
    formulas: set
    spec: R.Spec
    values: dict = field(default_factory=dict)
    blank: set = field(default_factory=set)        # input keys left blank
    bad: dict = field(default_factory=dict)        # input key -> the text typed, unusable

    @property
    def usable(self) -> bool:
        return bool(self.values) and not self.bad

    def at(self, ref: str):
        r, c = _row_col(ref)
        if r < len(self.rows) and c < len(self.rows[r]):
            v = self.rows[r][c]
            return None if v == "" else v
        return None

    def problem(self, code: str, ref: str, **params) -> Problem:
        return Problem(code, self.file, L.FIGURE_SHEET, ref, params)


@lru_cache(maxsize=4096)
def _row_col(ref: str) -> tuple[int, int]:
    """0-based (row, column) of a cell reference such as "D27"."""
    r, c = coordinate_to_tuple(ref)
    return r - 1, c - 1


@check("figures", "FORMULA_IN_INPUT", "TEXT_IN_NUMBER", "NEGATIVE_NUMBER", "FIGURE_TOO_LARGE", "FIGURE_VERY_LARGE")
def figure_cells(fv: FiguresView):
    """Every input cell: a number, whole where a count is meant, not negative (but signed 本年增/减), not
    absurdly large.  A cell that fails keeps no value: it never becomes 0 downstream."""
    spec = fv.spec
    inputs = spec.input_set
    for key, ref in fv.cells.items():
        if key not in inputs:
            continue
        v = fv.at(ref)
        if ref in fv.formulas:
            yield fv.problem("FORMULA_IN_INPUT", ref)
        if v is None:
            fv.blank.add(key)
            continue
        num = number(v)
        if num is None or num != num or num in (float("inf"), float("-inf")):
            fv.bad[key] = str(v)
            yield fv.problem("TEXT_IN_NUMBER", ref, value=str(v), hint=number_hint(v))
            continue
        if num < 0 and key not in spec.t2_signed:
            fv.bad[key] = str(v)
            yield fv.problem("NEGATIVE_NUMBER", ref, value=num)
            continue
        if key not in spec.decimal and not float(num).is_integer():
            fv.bad[key] = str(v)
            yield fv.problem("TEXT_IN_NUMBER", ref, value=str(v), hint="应填整数")
            continue
        if abs(num) > R.MAX_FIGURE:
            fv.bad[key] = str(v)
            yield fv.problem("FIGURE_TOO_LARGE", ref, value=str(v), limit=f"{R.MAX_FIGURE:,}")
            continue
        if abs(num) > R.LARGE_FIGURE:           # real published figures reach this: checked, not refused
            t, r, c = spec.label_of(key)
            yield fv.problem("FIGURE_VERY_LARGE", ref, value=f"{num:,.0f}" if float(num).is_integer() else str(num),
                             limit=f"{R.LARGE_FIGURE:,}", label=f"表{t}“{r}”“{c}”" if c else f"表{t}“{r}”")
        fv.values[key] = int(num) if key not in spec.decimal else float(num)


def number_hint(v) -> str:
    """What a clerk should type instead of "12件" or "0.5万"."""
    s = str(v).strip()
    m = re.fullmatch(r"(-?\d+(?:\.\d+)?)\s*万(?:元)?", s)
    if m:
        return f"只填数字，如 {float(m.group(1)) * 10000:g}"
    m = re.match(r"\s*(-?\d+(?:\.\d+)?)", s)
    return f"只填数字，如 {m.group(1)}" if m else "只填数字，没有的填 0"


@check("figures", "FIGURES_NOT_REPORTED", "FIGURE_ROW_BLANK")
def figures_reported(fv: FiguresView):
    """Blank is not zero: a sheet left wholly blank has not reported its figures; a table row left
    wholly blank in a sheet that has figures is named (type 0 where there is nothing)."""
    if not fv.values and not fv.bad:
        yield Problem("FIGURES_NOT_REPORTED", fv.file, L.FIGURE_SHEET)
        return
    for label, keys in fv.spec.input_rows():
        present = [k for k in keys if k in fv.cells]
        if present and all(k in fv.blank for k in present):
            first, last = fv.cells[present[0]], fv.cells[present[-1]]
            yield fv.problem("FIGURE_ROW_BLANK", first if first == last else f"{first}:{last}", row=label)


@check("figures", "FIGURES_INCONSISTENT")
def figures_balance(fv: FiguresView):
    """Table 三: 一+二 = 三（七）+四 in every column (the 总计 column follows from the others), judged only
    on figures that were all typed properly."""
    if fv.bad or not fv.values:
        return
    for res in fv.spec.check_balance(fv.values):
        col = R.T3_COLS.index(res.column) + 1
        yield fv.problem("FIGURES_INCONSISTENT", fv.cells.get(R.t3(1, col), ""), detail=res.message)


@check("figures", "TOTAL_MISMATCH")
def typed_totals(fv: FiguresView):
    """A 总计 cell holds the sum of its parts (a formula in our workbook).  A unit that typed a number
    over it, or edited the formula, is told where its own total disagrees with its parts."""
    spec = fv.spec
    if fv.bad:
        return
    full = spec.complete(fv.values)
    totals = [k for k in spec.total_keys if k in fv.cells]
    for key in totals:
        shown = number(fv.at(fv.cells[key]))
        if shown is not None and shown != full[key]:
            t, r, col = spec.label_of(key)
            yield fv.problem("TOTAL_MISMATCH", fv.cells[key], label=f"表{t}“{r}”“{col}”",
                             value=cell_text(shown), computed=full[key])


@check("figures", "EXTRA_NOT_NUMBER")
def extra_figures(fv: FiguresView):
    """The narrative counts (其他数据) are not national-table figures: one that is not a number is left out of
    the report's text, with a warning; it never makes the unit's tables unusable."""
    for label_ref, value_ref in fv.extras:
        label = fv.at(label_ref)
        if label is None or not str(label).strip():
            continue
        v = fv.at(value_ref)
        num = number(v)
        if v is not None and num is None:
            yield fv.problem("EXTRA_NOT_NUMBER", value_ref, label=str(label).strip(), value=str(v),
                             hint=number_hint(v))
        elif num is not None:
            fv.values[str(label).strip()] = num
