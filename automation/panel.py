"""The seam between the control workbook and the actions: get/set by defined name.

``OpenpyxlPanel`` works on the closed 控制台.xlsm (CLI, .cmd files, tests); ``automation.xlwings_entry``
wraps the open workbook in Excel with the same methods.  Actions never know which one they have.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from openpyxl import load_workbook

from .problems import GongkaiError
from .tables import cell_text


class Panel:
    """Interface: get(name), set(name, value), progress(text), book_dir, flush()."""

    book_dir: Path

    def get(self, name: str):
        raise NotImplementedError

    def set(self, name: str, value) -> None:
        raise NotImplementedError

    def progress(self, text: str) -> None:
        """A short line while a step runs (Excel's status bar; the terminal for the CLI)."""

    def flush(self) -> None:
        """Make what was set visible/durable."""


class OpenpyxlPanel(Panel):
    def __init__(self, path: str | Path, echo: bool = True):
        self.path = Path(path)
        if not self.path.exists():
            raise GongkaiError.of("FILE_NOT_FOUND", self.path)
        self.wb = load_workbook(self.path, keep_vba=True)
        self.book_dir = self.path.parent
        self.echo = echo
        self.saved_elsewhere: Path | None = None

    def _cell(self, name: str):
        dn = self.wb.defined_names.get(name)
        if dn is None:
            return None
        sheet, ref = next(iter(dn.destinations))
        return self.wb[sheet][ref.replace("$", "").split(":")[0]]

    def get(self, name: str):
        c = self._cell(name)
        return None if c is None else c.value

    def set(self, name: str, value) -> None:
        c = self._cell(name)
        if c is not None:
            c.value = value

    def progress(self, text: str) -> None:
        if self.echo:
            print(text, flush=True)

    def flush(self) -> None:
        try:
            fd, tmp = tempfile.mkstemp(prefix=".~gk", suffix=".xlsm", dir=str(self.path.parent))
        except OSError:                # a read-only folder (a shared drive): the status is only shown
            self.not_saved = True
            return
        os.close(fd)
        try:
            self.wb.save(tmp)
            os.replace(tmp, self.path)
        except PermissionError:        # open in Excel/WPS on Windows: keep the status beside it
            alt = self.path.with_name(self.path.stem + "（运行结果）.xlsm")
            try:
                os.replace(tmp, alt)
                self.saved_elsewhere = alt
            except OSError:
                self.not_saved = True
        except OSError:
            self.not_saved = True
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def as_text(v) -> str:
    return cell_text(v).strip()
