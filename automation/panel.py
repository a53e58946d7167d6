"""The seam between the control workbook and the actions: get/set by defined name.

``OpenpyxlPanel`` works on the closed 控制台.xlsm (CLI, .cmd files, the browser panel, tests);
``automation.xlwings_entry`` wraps the open workbook in Excel with the same methods.  Actions never know
which one they have.  A 报告设置 row is named ``报告设置!项目`` (its label in column A).

The closed workbook is shared: a colleague's .cmd run, a second browser panel, WPS.  So a panel never
saves the copy it loaded: ``flush`` re-reads the file as it is now and writes only the cells this panel
set, one writer at a time (a lock file beside it), and only where the cell still holds what it held when
the value was set (whoever typed something else meanwhile keeps it).  While Excel/WPS has the workbook
open (its ``~$`` lock file), nothing is written: what is pending waits in a journal beside the workbook
and is written by the next flush of any panel.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import threading
from pathlib import Path

from filelock import FileLock, Timeout
from openpyxl import load_workbook

from .problems import GongkaiError
from .steps import SETTING
from .tables import cell_text

OFFICE_LOCKS = ("~${}", ".~lock.{}#", ".~{}")        # Excel and WPS on Windows; LibreOffice; WPS on Linux
LOCK_WAIT = 60                                       # seconds another writer may hold the workbook


class Panel:
    """Interface: get(name), set(name, value), progress(text), book_dir, flush()."""

    book_dir: Path
    held: str = ""          # why what was set is not in the workbook yet ("" when it is)
    conflicts: list = []    # settings not written because someone changed them meanwhile

    def get(self, name: str):
        raise NotImplementedError

    def set(self, name: str, value) -> None:
        raise NotImplementedError

    def progress(self, text: str) -> None:
        """A short line while a step runs (Excel's status bar; the terminal for the CLI)."""

    def flush(self) -> bool:
        """Make what was set visible/durable; False when it has to wait (see ``held``)."""
        return True


def office_lock(path: Path) -> Path | None:
    """The lock file Excel, WPS or LibreOffice keeps beside a workbook it has open."""
    for pattern in OFFICE_LOCKS:
        p = path.with_name(pattern.format(path.name))
        if p.exists():
            return p
    return None


def journal_path(console: Path) -> Path:
    """What waits to be written while the workbook is open in Excel/WPS."""
    return console.with_name(f".~gk待写入_{console.stem}.json")


def find_cell(wb, name: str):
    """The cell of a defined name, of a 报告设置 row (``报告设置!机关名称``), or of an address
    (``@报告设置!B2``, a cell edited directly in ``panel.wb``); None when absent."""
    if name.startswith("@"):
        sheet, ref = name[1:].split("!", 1)
        return wb[sheet][ref] if sheet in wb.sheetnames else None
    if "!" in name:
        sheet, label = name.split("!", 1)
        if sheet not in wb.sheetnames:
            return None
        for row in wb[sheet].iter_rows(min_row=2, max_col=2):
            if row[0].value is not None and str(row[0].value).strip() == label:
                return row[1]
        return None
    dn = wb.defined_names.get(name)
    if dn is None:
        return None
    sheet, ref = next(iter(dn.destinations))
    return wb[sheet][ref.replace("$", "").split(":")[0]]


def _encode(v):
    if isinstance(v, dt.datetime):
        return {"datetime": v.isoformat()}
    if isinstance(v, dt.date):
        return {"date": v.isoformat()}
    return v


def _decode(v):
    if isinstance(v, dict):
        if "datetime" in v:
            return dt.datetime.fromisoformat(v["datetime"])
        if "date" in v:
            return dt.date.fromisoformat(v["date"])
    return v


def _same(a, b) -> bool:
    if a in (None, "") and b in (None, ""):
        return True
    return a == b or cell_text(a).strip() == cell_text(b).strip()


class OpenpyxlPanel(Panel):
    def __init__(self, path: str | Path, echo: bool = True):
        self.path = Path(path)
        if not self.path.exists():
            raise GongkaiError.of("FILE_NOT_FOUND", self.path)
        self.book_dir = self.path.parent
        self.echo = echo
        self.pending: dict[str, tuple] = {}        # name -> (value, what the cell held when it was set)
        self.held = ""
        self.not_saved = False                     # the year folder cannot be written at all (read-only share)
        self.conflicts = []
        self.mutex = threading.RLock()
        self._load()

    # ------------------------------------------------------------------ the file as it is now
    @property
    def journal(self) -> Path:
        return journal_path(self.path)

    def _writer_lock(self) -> FileLock:
        return FileLock(str(self.path.with_name(f".~gk{self.path.name}.lock")), timeout=LOCK_WAIT)

    def _stamp(self):
        try:
            st = self.path.stat()
        except OSError:
            return None
        return st.st_size, st.st_mtime_ns

    def _journal(self) -> dict[str, tuple]:
        try:
            raw = json.loads(self.journal.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {k: (_decode(v["value"]), _decode(v["base"])) for k, v in raw.items() if isinstance(v, dict)}

    def _load(self) -> None:
        self.wb = load_workbook(self.path, keep_vba=True)
        self.loaded = self._stamp()
        for name, (value, _) in {**self._journal(), **self.pending}.items():
            c = find_cell(self.wb, name)
            if c is not None:
                c.value = value
        self.seen = self._values()

    def _values(self) -> dict:
        return {(ws.title, c.coordinate): c.value for ws in self.wb.worksheets for row in ws.iter_rows() for c in row}

    def _direct_edits(self) -> None:
        """Cells a caller changed in ``self.wb`` itself (not through ``set``) become pending like the others."""
        for (sheet, ref), value in self._values().items():
            before = self.seen.get((sheet, ref))
            if value != before:
                key = f"@{sheet}!{ref}"
                self.pending[key] = (value, self.pending[key][1] if key in self.pending else before)
                self.seen[(sheet, ref)] = value

    def refresh(self) -> None:
        """Read the workbook again when someone (WPS, another panel, a .cmd run) saved it since."""
        with self.mutex:
            if self._stamp() != self.loaded:
                self._direct_edits()              # kept through the reload
                try:
                    self._load()
                except Exception:  # noqa: BLE001 - caught mid-save by another program: the last copy stands
                    pass

    def _cell(self, name: str):
        return find_cell(self.wb, name)

    def get(self, name: str):
        with self.mutex:
            self.refresh()
            c = self._cell(name)
            return None if c is None else c.value

    def set(self, name: str, value) -> None:
        with self.mutex:
            self.refresh()
            c = self._cell(name)
            if c is None:
                return
            base = self.pending[name][1] if name in self.pending else c.value
            self.pending[name] = (value, base)
            c.value = value
            self.seen[(c.parent.title, c.coordinate)] = value

    def progress(self, text: str) -> None:
        if self.echo:
            print(text, flush=True)

    def flush(self) -> bool:
        """Write the cells set since the last flush into the workbook as it is now; False (and ``held``
        says why) when they have to wait."""
        with self.mutex:
            self.conflicts = []
            self._direct_edits()
            if not self.pending and not self.journal.exists():
                self.held = ""
                return True
            try:
                with self._writer_lock():
                    return self._write()
            except Timeout:
                self.held = "另一个步骤正在写入控制台.xlsm，这次的结果暂未写入，稍后会自动写入。"
                return False
            except OSError:         # a read-only folder (a shared drive): not even the lock can be made
                self.not_saved = True
                return False

    def _write(self) -> bool:
        journal = self._journal()              # waiting since an earlier run: its base is what the file held then
        entries = {**journal, **{k: (v, journal[k][1] if k in journal else b) for k, (v, b) in self.pending.items()}}
        lock = office_lock(self.path)
        if lock is None:
            wb = load_workbook(self.path, keep_vba=True)
            for name, (value, base) in entries.items():
                c = find_cell(wb, name)
                if c is None:
                    continue
                if not _same(c.value, base) and not _same(c.value, value):
                    s = SETTING.get(name)                 # changed meanwhile by someone else: theirs stays
                    self.conflicts.append(f"“{s.label if s else name}”已被改为“{cell_text(c.value)}”，未覆盖")
                    continue
                c.value = value
            try:
                fd, tmp = tempfile.mkstemp(prefix=".~gk", suffix=".xlsm", dir=str(self.path.parent))
            except OSError:                # a read-only folder: the status is only shown (actions says so)
                self.not_saved = True
                return False
            os.close(fd)
            try:
                wb.save(tmp)
                os.replace(tmp, self.path)
            except PermissionError:        # open in Excel/WPS on Windows without a lock file we know of
                lock = self.path
            except OSError:
                self.not_saved = True
                return False
            else:
                self.journal.unlink(missing_ok=True)
                self.pending.clear()
                self.wb, self.loaded, self.held, self.not_saved = wb, self._stamp(), "", False
                self.seen = self._values()
                return True
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        try:
            self.journal.write_text(json.dumps({k: {"value": _encode(v), "base": _encode(b)}
                                                for k, (v, b) in entries.items()}, ensure_ascii=False, default=str),
                                    encoding="utf-8")
        except OSError:
            self.not_saved = True
            return False
        self.pending.clear()
        self.held = (f"{self.path.name} 正在 Excel/WPS 中打开，这次的结果和设置暂未写入（已记下）："
                     f"关闭 {self.path.name} 后，再运行任一步骤或在浏览器工作台保存设置时会自动写入。"
                     + (f"如果它并没有打开，请删除同一文件夹中的“{lock.name}”。" if lock != self.path else ""))
        return False


def apply_journal(panel: Panel, console: Path) -> int:
    """Cells a .cmd run or the browser panel could not write while the workbook was open in Excel: written
    now into the open workbook (the Excel button's panel), each only where it still holds what it held then.
    Returns how many were written; the journal is removed."""
    journal = journal_path(Path(console))
    try:
        raw = json.loads(journal.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    written = 0
    for name, entry in raw.items():
        if not isinstance(entry, dict):
            continue
        value, base = _decode(entry.get("value")), _decode(entry.get("base"))
        if _same(panel.get(name), base) or _same(panel.get(name), value):
            panel.set(name, value)
            written += 1
    journal.unlink(missing_ok=True)
    return written


def as_text(v) -> str:
    return cell_text(v).strip()
