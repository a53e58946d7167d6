"""Spreadsheet helpers shared by the stages: fast value reading, house style, safe saving."""
from __future__ import annotations

import datetime as dt
import errno
import os
import shutil
import tempfile
import time
from copy import copy
from contextlib import contextmanager
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook, PasswordError, WorksheetNotFound, XmlError, ZipError

from .problems import GongkaiError

# what python-calamine raises for a file it cannot read (plus the OS and value errors of a bad path)
CALAMINE_ERRORS = (CalamineError, PasswordError, WorksheetNotFound, XmlError, ZipError, ValueError, OSError)

FONT = "宋体"
HEADER_FILL = "DDEBF7"


def read_rows(path: str | Path, sheet: str | None = None) -> list[list] | None:
    """All values of one sheet (first sheet when sheet is None) with python-calamine; None when the
    workbook has no such sheet.  Raises one of CALAMINE_ERRORS for a file that is not a workbook."""
    wb = CalamineWorkbook.from_path(str(path))
    names = wb.sheet_names
    if sheet is not None and sheet not in names:
        return None
    return wb.get_sheet_by_name(sheet or names[0]).to_python(skip_empty_area=False)


def sheet_names(path: str | Path) -> list[str]:
    return list(CalamineWorkbook.from_path(str(path)).sheet_names)


def write_text_row(ws, row: int, values: list) -> None:
    """Write one row whose text is data: a value starting with '=' stays text, never becomes a formula.
    The caller counts its rows (openpyxl's public API has no O(1) "last row"; ws.max_row scans every cell)."""
    for c, v in enumerate(values, 1):
        cell = ws.cell(row=row, column=c, value=v)
        if isinstance(v, str) and v.startswith("="):
            cell.data_type = "s"


def copy_style(src, *dsts) -> None:
    """Give cells ``dsts`` the look of cell ``src`` (same workbook) through openpyxl's public style attributes:
    the named style first (setting it resets the rest), then each part, copied once for all of them."""
    parts = {part: copy(getattr(src, part)) for part in ("font", "fill", "border", "alignment", "protection")}
    for dst in dsts:
        dst.style = src.style
        for part, value in parts.items():
            setattr(dst, part, value)
        dst.number_format = src.number_format
        dst.quotePrefix, dst.pivotButton = src.quotePrefix, src.pivotButton


def cell_text(value) -> str:
    """A cell value as text, the same whoever wrote or read it (openpyxl, calamine, xlwings):
    dates as ISO dates, whole floats without '.0', nothing as ''."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# How sheets print: A4, margins of 0.4" at the sides; a page then holds about this many column-width units
# (as stored in the file) at 100 %.  Measured: 单位进度, 17 columns stored as 180 units, fit to a landscape
# page printed at 0.78 in LibreOffice with Calibri's metrics (140 units a page) and at 7.4 pt in the issue's
# Excel (133); 150/100 had been assumed.  A sheet is shrunk to one page wide only while its 10 pt text stays
# at 8 pt or more; a wider sheet prints at PRINT_SCALE % (8 pt) across pages, its first column(s) repeated.
PAGE_UNITS = {"landscape": 134, "portrait": 92}
MIN_SCALE = 0.8
PRINT_SCALE = 80
XLSXWRITER_PAD = 0.71         # XlsxWriter stores a width of w as w + 0.71 (Excel's cell padding)


def fits_one_page_wide(total_width: float, landscape: bool = True) -> bool:
    return total_width * MIN_SCALE <= PAGE_UNITS["landscape" if landscape else "portrait"]


def print_setup(ws, widths: list[float], landscape: bool = True, title_rows: str | None = "1:1",
                title_cols: str | None = "A:A") -> None:
    """A4, orientation, margins, repeated header rows and, for a sheet too wide for one page at a readable
    size, a fixed scale with the first column(s) repeated on every page instead of fit-to-width."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.3    # page number in the margin, not on the last row
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    if fits_one_page_wide(sum(widths), landscape):
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    else:
        ws.sheet_properties.pageSetUpPr.fitToPage = False
        ws.page_setup.scale = PRINT_SCALE
        if title_cols:
            ws.print_title_cols = title_cols
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def xlsxwriter_print_setup(ws, widths: list[float], landscape: bool = True, repeat_cols: int = 0,
                           title_row: bool = True, pages_high: int = 0) -> None:
    """The same rules for a sheet XlsxWriter writes: A4, margins, repeated header row; one page wide while the
    text stays readable, else PRINT_SCALE % across pages with the first ``repeat_cols`` columns repeated."""
    ws.set_paper(9)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    if fits_one_page_wide(sum(widths) + XLSXWRITER_PAD * len(widths), landscape):
        ws.fit_to_pages(1, pages_high)
    else:
        ws.set_print_scale(PRINT_SCALE)
        if repeat_cols:
            ws.repeat_columns(0, repeat_cols - 1)
    if title_row:
        ws.repeat_rows(0)
    ws.set_footer("&C第 &P 页，共 &N 页")


def style_header(ws, widths: list[float], header_row: int = 1, wrap: bool = True, freeze: bool = True,
                 landscape: bool = True, title_cols: str | None = "A:A") -> None:
    """House style: bold filled header, borders, wrapped text, frozen header, filter, A4 print."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    for cell in ws[header_row]:
        cell.font = Font(name=FONT, bold=True, size=11)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
    # one named style for the body: assigning it is far cheaper than per-cell style objects
    from openpyxl.styles import NamedStyle

    style_name = f"gk_body_{'wrap' if wrap else 'nowrap'}"
    wb = ws.parent
    if style_name not in wb.named_styles:
        wb.add_named_style(NamedStyle(style_name, font=Font(name=FONT, size=10), border=border,
                                      alignment=Alignment(vertical="top", wrap_text=wrap)))
    for row in ws.iter_rows(min_row=header_row + 1, max_row=ws.max_row, max_col=len(widths)):
        for cell in row:
            cell.style = style_name
    if freeze:
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    last = get_column_letter(len(widths))
    ws.auto_filter.ref = f"A{header_row}:{last}{max(ws.max_row, header_row + 1)}"
    visible = [w for i, w in enumerate(widths, 1)
               if not ws.column_dimensions[get_column_letter(i)].hidden]
    print_setup(ws, visible, landscape, f"{header_row}:{header_row}", title_cols)
    head_height = max(row_height_for([(c.value, widths[i]) for i, c in enumerate(ws[header_row]) if i < len(widths)],
                                     14.0), 20.0)
    ws.row_dimensions[header_row].height = head_height


def row_height_for(texts_and_widths: list[tuple[str, float]], line_height: float = 14.0) -> float:
    """Row height that shows wrapped Chinese text: a CJK char is about 2 width units.  (Called for every
    row of a city's 落实情况明细 — 800,000 of them — so written for speed.)"""
    lines = 1
    for text, width in texts_and_widths:
        if not text:
            continue
        if text.__class__ is not str:
            text = str(text)
        # UTF-8 takes 3 bytes for a CJK character (and for “”—…, wide in Chinese fonts too), 1 for ASCII
        n = len(text)
        units = n + (len(text.encode("utf-8")) - n) // 2
        per_line = int(width - 1) if width >= 2 else 1
        wrapped = -(-units // per_line)
        if "\n" in text:
            wrapped += text.count("\n")
        if wrapped > lines:
            lines = wrapped
    return min(409.0, max(18.0, lines * line_height + 4))


@contextmanager
def atomic_target(path: str | Path):
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one rename, so a
    crash or an error never leaves a half-written file, and a file open in Excel gets a clear message."""
    p = Path(path)
    if p.is_dir():
        raise GongkaiError.of("OUTPUT_IS_FOLDER", p)
    tmp = None
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temp_files(p.parent)
        fd, tmp = tempfile.mkstemp(prefix=".~gk", suffix=p.suffix, dir=str(p.parent))
        os.close(fd)
        yield Path(tmp)
        os.replace(tmp, p)
    except PermissionError:
        if tmp and p.exists():               # the target itself refused: open in Excel/WPS on Windows
            raise GongkaiError.of("OUTPUT_LOCKED", p) from None
        raise GongkaiError.of("OUTPUT_NOT_WRITABLE", p) from None
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise GongkaiError.of("DISK_FULL", p, disk=p.anchor or str(p.parent)) from None
        if exc.errno in (errno.EROFS, errno.EACCES):
            raise GongkaiError.of("OUTPUT_NOT_WRITABLE", p) from None
        raise
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)


STALE_SECONDS = 3600


_CLEANED: dict[str, float] = {}


def _remove_stale_temp_files(folder: Path) -> None:
    """Temp files an earlier run left when it was killed (an hour old: no run still writes them); a folder
    is looked through once a minute at most (a batch writes thousands of files into one folder)."""
    now = time.time()
    if now - _CLEANED.get(str(folder), 0) < 60:
        return
    _CLEANED[str(folder)] = now
    for f in folder.glob(".~gk*"):
        try:
            if now - f.stat().st_mtime > STALE_SECONDS:
                f.unlink()
        except OSError:
            pass


def guard_output(output: str | Path, inputs=(), input_dirs=(), force: bool = False) -> Path:
    """Refuse an output that would replace an input, land inside an input folder, is a folder, or
    exists (unless ``force``).  Inputs are never overwritten, whatever ``force`` says."""
    out = Path(output)
    target = out.resolve()
    for i in inputs:
        if i and Path(i).resolve() == target:
            raise GongkaiError.of("OUTPUT_IS_INPUT", out)
    for d in input_dirs:
        if d and Path(d).resolve() in target.parents:
            raise GongkaiError.of("OUTPUT_IN_INPUT_FOLDER", out, folder=str(d))
    if out.is_dir():
        raise GongkaiError.of("OUTPUT_IS_FOLDER", out)
    if out.exists() and not force:
        raise GongkaiError.of("OUTPUT_EXISTS", out)
    return out


def save_workbook(wb, path: str | Path, force: bool = True) -> Path:
    """Save an openpyxl workbook atomically."""
    p = Path(path)
    if p.exists() and not force:
        raise GongkaiError.of("OUTPUT_EXISTS", p)
    with atomic_target(p) as tmp:
        wb.save(tmp)
    return p


def backup_copy(path: Path) -> Path:
    """A copy of a file people may have edited, beside it as 名称（日期-时间备份）, before it is written again."""
    path = Path(path)
    stamp, n = f"{dt.datetime.now():%Y%m%d-%H%M%S}", 1
    backup = path.with_name(f"{path.stem}（{stamp}备份）{path.suffix}")
    while backup.exists():
        n += 1
        backup = path.with_name(f"{path.stem}（{stamp}-{n}备份）{path.suffix}")
    try:
        shutil.copy2(path, backup)
    except OSError:         # a read-only folder (a shared drive): said, never a traceback
        raise GongkaiError.of("OUTPUT_NOT_WRITABLE", backup) from None
    return backup
