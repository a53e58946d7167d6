"""How much of a new annual report repeats last year's published one (issue 30).

Assessments deduct for a 年报 more than half the same as last year's.  Sentences are compared whole, with
years written as a placeholder (so "2021年" and "2022年" read alike) and spaces dropped; boilerplate every
report must carry (the preamble, the contact and download lines, headings) is left out of the count.
The share is written into 报告清单.xlsx beside each report, flagged over 50 %.
"""
from __future__ import annotations

import re
from pathlib import Path

import docx
from openpyxl import load_workbook
from openpyxl.styles import Font

from .tables import save_workbook

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


def mark_repeats(result, last) -> dict:
    """Compare each written report with last year's and add the share to 报告清单.xlsx; returns
    report file name -> (share, repeated, counted, last year's file)."""
    last = Path(last)
    found = {}
    for o in result.written:
        old = last_year_file(last, o.organ, o.unit)
        if o.file is not None and old is not None:
            share, rep, n = repeated_share(o.file, old)
            found[o.file.name] = (share, rep, n, old)
    listing = result.listing
    if listing is not None and Path(listing).exists():
        wb = load_workbook(listing)
        ws = wb.active
        header_row = 2
        head = [c.value for c in ws[header_row]]
        file_col = head.index("文件") + 1 if "文件" in head else 4
        col = len(head) + 1 if SHARE_COLUMN not in head else head.index(SHARE_COLUMN) + 1
        ws.cell(header_row, col).value = SHARE_COLUMN
        ws.cell(header_row, col + 1).value = FLAG_COLUMN
        for c in (col, col + 1):
            ws.cell(header_row, c)._style = ws.cell(header_row, 1)._style
            ws.column_dimensions[ws.cell(header_row, c).column_letter].width = 16 if c == col else 40
        for r in range(header_row + 1, ws.max_row + 1):
            name = ws.cell(r, file_col).value
            if name in found:
                share, rep, n, old = found[name]
                ws.cell(r, col).value = share
                ws.cell(r, col).number_format = "0.0%"
                over = flagged(share)
                ws.cell(r, col + 1).value = (f"{'超过一半与上年相同，请改写' if over else '未超过一半'}"
                                             f"（{rep}/{n} 句与 {old.name} 相同，不计固定表述）")
                if over:
                    ws.cell(r, col).font = ws.cell(r, col + 1).font = Font(name="宋体", color="C00000", bold=True)
        save_workbook(wb, listing)
    return found
