"""Dates as people type them: in task lists, returned workbooks, the console and on the command line.

One set of rules everywhere: a real date cell, an Excel serial number, ``2021-06-30`` /
``2021/6/30`` / ``2021.6.30`` / ``2021年6月30日``, and ``6月30日`` (which takes the plan's year).
And dates as documents write them (``cn_date``, ``month_day``): reports, notices, circulars, the same words.
"""
from __future__ import annotations

import datetime as dt
import re

from openpyxl.utils.datetime import from_excel

from .problems import GongkaiError

FULL = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
MONTH_DAY = re.compile(r"^\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?\s*$")
SERIAL_RANGE = (20000, 80000)          # 1954 … 2119: outside this, a number is not a date


def as_date(value, year: int | None = None) -> dt.date | None:
    """A date from a cell value; None for blank.  Raises ValueError for text that is not a date
    (and for "6月30日" when no year is known)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if SERIAL_RANGE[0] < value < SERIAL_RANGE[1]:
            return from_excel(value).date()
        raise ValueError(str(value))
    text = str(value)
    m = FULL.match(text)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = MONTH_DAY.match(text)
    if m and year:
        return dt.date(int(year), int(m.group(1)), int(m.group(2)))
    raise ValueError(text)


def typed_date(value, year: int | None = None) -> dt.date | None:
    """A date typed by a unit, or None when it is blank or not a date."""
    try:
        return as_date(value, year)
    except ValueError:
        return None


def parse_due(due) -> dt.date | None:
    """A due date given by the office (console cell or command-line option)."""
    try:
        return as_date(due)
    except ValueError:
        raise GongkaiError.of("BAD_ARGUMENT", detail=f"报送截止日期“{due}”无法识别，请写成 2021-07-10 的形式") from None


# ------------------------------------------------------------------ dates as documents write them

ISO_TEXT = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?")


def cn_date(value) -> str:
    """2021-12-31 → 2021年12月31日, for a date, a datetime or ISO text (a time of day after it is left out);
    any other text as written, nothing as ''."""
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.year}年{value.month}月{value.day}日"
    m = ISO_TEXT.fullmatch(str(value or ""))
    return f"{int(m.group(1))}年{int(m.group(2))}月{int(m.group(3))}日" if m else str(value or "")


def month_day(day: dt.date) -> str:
    """2021-07-10 → 7月10日 (a notice or a message within the year)."""
    return f"{day.month}月{day.day}日"
