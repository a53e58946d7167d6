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
from dataclasses import dataclass, field
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

    def take_conflicts(self) -> list[str]:
        """The settings not written because someone changed them meanwhile, for the caller to report (once)."""
        said, self.conflicts = list(self.conflicts), []
        return said


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


MISSING = object()          # the workbook has no cell for a pending name (an older console)


def merge_pending(entries: dict[str, tuple], now) -> tuple[dict, list[str]]:
    """The one rule for settings set earlier and written later (a panel's pending cells, the journal that waited
    for Excel/WPS): ``entries`` name -> (value, what the cell held when it was set), ``now(name)`` what it holds
    now (MISSING: no such cell, skipped).  Returns what to write — where the cell still holds what it held then,
    or already the value — and, for the rest, what to tell the clerk: someone changed it meanwhile, theirs stays."""
    write, conflicts = {}, []
    for name, (value, base) in entries.items():
        current = now(name)
        if current is MISSING:
            continue
        if _same(current, base) or _same(current, value):
            write[name] = value
        else:
            conflicts.append(conflict_text(name, current, value))
    return write, conflicts


def conflict_text(name: str, kept, not_applied) -> str:
    """A setting not written, in Chinese: which one, the value kept, the value not applied."""
    s = SETTING.get(name)
    label = s.label if s else name.lstrip("@")
    return (f"“{label}”：别处已改为“{cell_text(kept)}”，保留了它；这里设的“{cell_text(not_applied)}”没有写入"
            "（如仍需要，请重新填写）")


CONFLICTS_SAID = "以下设置在别处（WPS、Excel 或另一个工作台）已被修改，保留了那边的内容，请核对："


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
                return self._cannot_write()

    def _cannot_write(self) -> bool:
        """A folder that cannot be written: what was set stays in this panel's memory only — said, not lost
        silently."""
        self.not_saved = True
        self.held = (f"年度工作文件夹不能写入（只读的共享盘或没有写权限）：刚才的设置和状态没有保存到 {self.path.name}，"
                     "只在这次打开期间有效，关闭后就没有了。请把年度工作文件夹复制到本机可写的位置，或请管理员开放写权限。")
        return False

    def _write(self) -> bool:
        journal = self._journal()              # waiting since an earlier run: its base is what the file held then
        entries = {**journal, **{k: (v, journal[k][1] if k in journal else b) for k, (v, b) in self.pending.items()}}
        lock = office_lock(self.path)
        if lock is None:
            wb = load_workbook(self.path, keep_vba=True)
            cells = {name: find_cell(wb, name) for name in entries}
            write, conflicts = merge_pending(entries, lambda n: MISSING if cells[n] is None else cells[n].value)
            for name, value in write.items():
                cells[name].value = value
            try:
                fd, tmp = tempfile.mkstemp(prefix=".~gk", suffix=".xlsm", dir=str(self.path.parent))
            except OSError:                # a read-only folder: kept in memory, said
                return self._cannot_write()
            os.close(fd)
            try:
                wb.save(tmp)
                os.replace(tmp, self.path)
            except PermissionError:        # open in Excel/WPS on Windows without a lock file we know of
                lock = self.path
            except OSError:
                return self._cannot_write()
            else:
                self.journal.unlink(missing_ok=True)     # every entry written or reported (conflicts)
                self.conflicts = [*self.conflicts, *conflicts]
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
            return self._cannot_write()
        self.pending.clear()
        self.held = (f"{self.path.name} 正在 Excel/WPS 中打开，这次的结果和设置暂未写入（已记下）："
                     f"关闭 {self.path.name} 后，再运行任一步骤或在浏览器工作台保存设置时会自动写入。"
                     + (f"如果它并没有打开，请删除同一文件夹中的“{lock.name}”。" if lock != self.path else ""))
        return False


@dataclass
class Waited:
    """What a journal held when it was applied to an open workbook."""
    text: str = ""
    written: int = 0
    conflicts: list = field(default_factory=list)


def apply_journal(panel: Panel, console: Path) -> Waited:
    """Cells a .cmd run or the browser panel could not write while the workbook was open in Excel: written
    now into the open workbook (the Excel button's panel) by the same rule as a flush (``merge_pending``).
    The ones someone changed meanwhile join ``panel.conflicts`` for the step to report; the journal stays
    until ``forget_journal`` (after the report)."""
    journal = journal_path(Path(console))
    try:
        text = journal.read_text(encoding="utf-8")
        raw = json.loads(text)
    except (OSError, ValueError):
        return Waited()
    entries = {k: (_decode(v.get("value")), _decode(v.get("base"))) for k, v in raw.items() if isinstance(v, dict)}
    write, conflicts = merge_pending(entries, panel.get)
    for name, value in write.items():
        panel.set(name, value)
    panel.conflicts = [*panel.conflicts, *conflicts]
    return Waited(text=text, written=len(write), conflicts=conflicts)


def forget_journal(console: Path, waited: Waited) -> None:
    """The journal once what it held was applied or reported — unless a .cmd run added to it since."""
    journal = journal_path(Path(console))
    try:
        if waited.text and journal.read_text(encoding="utf-8") == waited.text:
            journal.unlink()
    except OSError:
        pass


def as_text(v) -> str:
    return cell_text(v).strip()
