"""File names made from unit and organ names: safe on Windows, unique, readable."""
from __future__ import annotations

import re

LEDGER_NAME = "台账.sqlite"          # the ledger's default name, beside the task list

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_filename(name: str, limit: int = 60) -> str:
    s = _UNSAFE.sub("_", name).strip(" .")
    return s[:limit].rstrip(" .") or "未命名单位"


def unit_workbook_names(units: list[str], year) -> dict[str, str]:
    """One workbook name per unit; names that differ only in case or unsafe characters get _2, _3 …"""
    used: dict[str, int] = {}
    names = {}
    for u in units:
        base = f"{safe_filename(u)}_{year or ''}政务公开任务台账"
        key = base.lower()
        used[key] = used.get(key, 0) + 1
        names[u] = base + (f"_{used[key]}" if used[key] > 1 else "") + ".xlsx"
    return names


def report_name(organ: str, year) -> str:
    return f"{safe_filename(organ)}_{year}年政府信息公开工作年度报告.docx"
