"""How much of a new annual report repeats last year's published one (issue 30).

Assessments deduct for a 年报 more than half the same as last year's.  Sentences are compared whole, with
years written as a placeholder (so "2021年" and "2022年" read alike) and spaces dropped; boilerplate every
report must carry (the preamble, the contact and download lines, headings) is left out of the count.
The report stage writes the share into 报告清单.xlsx beside each report (``ReportOptions.last_reports``),
flagged over 50 %.
"""
from __future__ import annotations

import re
from pathlib import Path

import docx
from openpyxl.styles import Font

FLAG_OVER = 0.5
SHARE_COLUMN, FLAG_COLUMN = "与上年报告重复句子占比", "与上年报告比较"
BOILERPLATE = ("本报告根据", "如对本报告有疑问", "本报告电子版", "统计期限", "全文包括", "报告汇总了", "报告中所列数据")
MIN_CHARS = 12                        # shorter: a heading or a fragment, not a sentence to count
SPLIT = re.compile(r"(?<=[。！？；])")


def sentences(path: str | Path) -> list[str]:
    """The body's sentences, normalised, boilerplate left out (tables are figures, not prose)."""
    out = []
    for p in docx.Document(str(path)).paragraphs:
        text = re.sub(r"\s+", "", p.text)
        if not text or text.startswith(BOILERPLATE[0]):
            continue
        for s in SPLIT.split(text):
            s = re.sub(r"(?:19|20)\d{2}", "YYYY", s.strip())
            if len(s) >= MIN_CHARS and not any(b in s for b in BOILERPLATE):
                out.append(s)
    return out


def repeated_share(new: str | Path, old: str | Path) -> tuple[float, int, int]:
    """(share of the new report's sentences found in the old one, repeated, counted)."""
    mine = sentences(new)
    before = set(sentences(old))
    repeated = sum(1 for s in mine if s in before)
    return (repeated / len(mine) if mine else 0.0), repeated, len(mine)


def flagged(share: float) -> bool:
    """More than half the same as last year's (exactly half is not flagged)."""
    return share > FLAG_OVER


def last_year_file(last: Path, organ: str, unit: str | None) -> Path | None:
    """Last year's report of the same organ: a folder is searched by the name before the first "_"; a single
    file stands for the consolidated report."""
    if last.is_file():
        return last if unit is None else None
    if not last.is_dir():
        return None
    for p in sorted(last.glob("*.docx")):
        if p.name.startswith("~$"):
            continue
        head = p.name.split("_")[0]
        if head in (organ, unit or organ):
            return p
    return None


def compare_with_last(outcomes, last) -> dict:
    """Compare each written report with last year's (``last``: a file or a folder): report file name ->
    (share, repeated, counted, last year's file), for the reports that have one to compare with."""
    last = Path(last)
    found = {}
    for o in outcomes:
        old = last_year_file(last, o.organ, o.unit) if o.status.written and o.file is not None else None
        if old is not None:
            share, rep, n = repeated_share(o.file, old)
            found[o.file.name] = (share, rep, n, old)
    return found


COLUMNS, WIDTHS = [SHARE_COLUMN, FLAG_COLUMN], [16, 40]      # 报告清单's two columns, when compared


def listing_cells(found: tuple | None) -> list:
    """A report's two cells in 报告清单: the share and what it means (blank: nothing to compare with)."""
    if found is None:
        return [None, None]
    share, rep, n, old = found
    return [share, f"{'超过一半与上年相同，请改写' if flagged(share) else '未超过一半'}"
                   f"（{rep}/{n} 句与 {Path(old).name} 相同，不计固定表述）"]


def style_cells(share_cell, text_cell) -> None:
    """The share as a percentage; over half in red."""
    if share_cell.value is None:
        return
    share_cell.number_format = "0.0%"
    if flagged(share_cell.value):
        share_cell.font = text_cell.font = Font(name="宋体", color="C00000", bold=True)
