"""The only module that imports xlwings: what the control workbook's buttons call.

    RunPython "import automation.xlwings_entry as e; e.run_action('plan')"
"""
from __future__ import annotations

from pathlib import Path

from .actions import run_in_open_book
from .panel import Panel


class XlwingsPanel(Panel):
    """The calling workbook, open in Excel, behind the Panel interface."""

    def __init__(self, book):
        self.book = book
        self.book_dir = Path(book.fullname).parent

    def _range(self, name: str):
        if "!" in name:                 # a 报告设置 row by its label (panel.find_cell's rule)
            sheet, label = name.split("!", 1)
            try:
                sh = self.book.sheets[sheet]
                labels = sh.range("A2:A60").value
                row = next(i for i, v in enumerate(labels, 2) if v is not None and str(v).strip() == label)
                return sh.range(f"B{row}")
            except Exception:  # noqa: BLE001 - no such sheet or row: skip it
                return None
        try:
            return self.book.names[name].refers_to_range
        except Exception:  # noqa: BLE001 - a name deleted by a user: skip it
            return None

    def get(self, name: str):
        r = self._range(name)
        return None if r is None else r.value

    def set(self, name: str, value) -> None:
        r = self._range(name)
        if r is not None:
            r.value = value

    def progress(self, text: str) -> None:
        try:
            self.book.app.status_bar = text or False
        except Exception:  # noqa: BLE001
            pass

    def flush(self) -> None:
        try:
            self.book.app.status_bar = False
        except Exception:  # noqa: BLE001
            pass


def run_action(name: str) -> None:
    import xlwings as xw          # only here: the module runs inside Excel's Python

    panel = XlwingsPanel(xw.Book.caller())
    run_in_open_book(name, panel, Path(panel.book.fullname))   # what a .cmd run left while it was open here first
