"""Contract of the summary workbook (汇总.xlsx): its sheets, headers and plan facts, written by collect
(XlsxWriter, fast, with charts) and read back by the report stage (``read_summary``), so a clerk's
corrections in 年度报告数据 are what the reports print.

Every text a unit typed is written with write_string: '=HYPERLINK(...)' stays text.
"""
from __future__ import annotations

import datetime as dt
import itertools
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from . import unitbook as L
from .dates import as_date
from .model import task_key
from .problems import GongkaiError, Problem
from .narrative import short_title
from .reportsections import classify, section_name
from .reportspec import spec_for
from .tables import (CALAMINE_ERRORS, MIN_SCALE, PAGE_UNITS, XLSXWRITER_PAD, atomic_target, cell_text, row_height_for,
                     xlsxwriter_print_setup)
from .xlsxparts import BigSheet, Formula, fill_big_sheets

# the sheets, and the headers the reader relies on
OVERVIEW, TASKS, UNITS, OVERDUE, MISSING, DETAIL, PROBLEMS, FIGURES = (
    "总览", "任务进度", "单位进度", "逾期任务", "未报送单位", "落实情况明细", "问题清单", "年度报告数据")
INFO_TITLE, INFO_YEAR, INFO_ROUND, INFO_AS_OF, INFO_DUE = "工作要点", "年度", "调度轮次", "汇总时间", "报送截止"
TASK_FIXED = ["任务编号", "任务内容", "一级标题", "报告栏目", "完成时限", "总体状态", "逾期", "牵头单位"]
TASK_WIDTHS = [10, 40, 14, 10, 10, 8, 5, 14]
UNIT_COLUMNS = ["单位", "类别", "任务数", "已完成", "推进中", "未启动", "不适用", "逾期未完成", "完成率", "报送时间", "逾期报送",
                "问题数", "报送文件", "联系人", "联系电话", "数据轮次", "报送时间依据", "催报次数", "最近催报时间"]
# 单位进度's columns by the key of the state's unit row each one shows (standing.YearState.unit_rows; issue 25)
UNIT_COLUMN_KEYS = dict(zip(["unit", "category", "tasks", "done", "in_progress", "not_started", "na", "overdue", "rate",
                             "returned_at", "late", "problems", "file", "contact", "phone", "data_round", "time_source",
                             "reminded", "reminded_at"],
                            UNIT_COLUMNS, strict=True))
# 总览's table of the rounds (各轮调度趋势), by the key each reader uses (bulletin.py)
TREND_COLUMNS = {"round": "调度轮次", "returned": "本轮报送单位", "share": "报送单位占比", "rate": "单位任务完成率"}
DETAIL_COLUMNS = ["任务编号", "一级标题", "任务（摘要）", "单位", "职责", "完成状态", "完成时间", "完成进度", "实际完成数量",
                  "落实情况", "佐证材料", "存在问题", "下步打算"]
FIGURE_FIXED = ["键", "表", "项目", "栏目", "合计"]
CHECK_KEY = "check"
# up to this many units 任务进度 has a column per unit and 年度报告数据 a column per unit; above it (a city,
# a province) neither grows sideways: 任务进度 counts the units by status and category, 年度报告数据 has a
# row per unit (the per-unit status of every task stays in 落实情况明细)
MATRIX_MAX = 300
# rows of 落实情况明细 or 逾期任务 on one sheet: Excel's 1,048,576 less the header; more (a province: 20,000
# units x 54 tasks) go on in 落实情况明细（2）, （3）…
PAGE_ROWS = 1048575
CHART_MAX = 100               # units in the 总览 completion chart (the lowest, when there are more)
BREAKDOWN = ["责任单位数", "已完成", "推进中", "未启动", "不适用", "未报送或未填写"]
FIGURE_ROW_FIXED = ["单位", "类别", "数据状态", "一致性校验"]
TOTAL_ROW = "合计（可用数据）"

STATUS_COLORS = {"已完成": "C6EFCE", "推进中": "FFEB9C", "未启动": "F2F2F2", "不适用": "DDEBF7", "未报送": "FFC7CE",
                 "未分解": "E7E6E6"}
SEVERITY_CN = {"error": "错误（须改正）", "warning": "提醒（请核实）", "info": "说明"}
ROLE_CN = {"lead": "牵头", "responsible": "负责", "cooperate": "配合"}


def write_summary(summary: dict, output) -> Path:
    out = Path(output)
    with atomic_target(out) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False})
        if summary.get("ledger"):            # the ledger this summary was made from (issue 25)
            wb.set_custom_property(LEDGER_PROPERTY, summary["ledger"][0])
            wb.set_custom_property(LEDGER_CREATED_PROPERTY, summary["ledger"][1] or "—")
        book = SummaryBook(wb)
        for write_sheet in SHEETS:
            write_sheet(book, summary)
        wb.close()
        for source in ("entries", "figures"):     # reopened by whichever process reads through them next
            if hasattr(summary.get(source), "close"):
                summary[source].close()
        fill_big_sheets(str(tmp), book.deferred)
    return out


LEDGER_PROPERTY, LEDGER_CREATED_PROPERTY = "gk_ledger", "gk_ledger_created"


def summary_ledger(path) -> tuple[str, str] | None:
    """(identity, made) of the ledger the summary at ``path`` was made from; None for a summary that does
    not say (made before summaries named their ledger, or not by this tool)."""
    try:
        with zipfile.ZipFile(path) as z:
            xml = z.read("docProps/custom.xml").decode("utf-8")
    except (OSError, KeyError, zipfile.BadZipFile, UnicodeDecodeError):
        return None
    found = {}
    for name in (LEDGER_PROPERTY, LEDGER_CREATED_PROPERTY):
        m = re.search(rf'name="{name}"[^>]*>\s*<vt:lpwstr>([^<]*)</vt:lpwstr>', xml)
        if m:
            found[name] = m.group(1)
    if LEDGER_PROPERTY not in found:
        return None
    return found[LEDGER_PROPERTY], found.get(LEDGER_CREATED_PROPERTY, "")


# ------------------------------------------------------------------------------ writing it

def _formats(wb) -> dict:
    """The summary's cell formats by name: a sheet function names a format, never makes one."""
    base = {"font_name": "宋体", "font_size": 10, "valign": "top", "text_wrap": True, "border": 1,
            "border_color": "#999999"}
    F = {
        "title": wb.add_format({"font_name": "黑体", "font_size": 16}),
        "head": wb.add_format({**base, "font_name": "黑体", "bold": False, "bg_color": "#DDEBF7", "align": "center",
                               "valign": "vcenter"}),
        "text": wb.add_format(base),
        "num": wb.add_format({**base, "align": "right"}),
        "pct": wb.add_format({**base, "num_format": "0.0%", "align": "right"}),
        "date": wb.add_format({**base, "num_format": "yyyy-mm-dd"}),
        "datetime": wb.add_format({**base, "num_format": "yyyy-mm-dd hh:mm"}),
        "label": wb.add_format({"font_name": "黑体", "font_size": 11}),
        "big": wb.add_format({"font_name": "黑体", "font_size": 14, "align": "left"}),
    }
    for st, color in STATUS_COLORS.items():
        F[st] = wb.add_format({**base, "bg_color": "#" + color, "align": "center"})
    F["overdue"] = wb.add_format({**base, "font_color": "#C00000"})
    return F


class SummaryBook:
    """The summary workbook being written, the one owner of how rows reach the file.  A sheet function
    says what its rows hold, as (value, format name) cells; the book writes short sheets through
    XlsxWriter (``row``) and streams long ones into the file after XlsxWriter has closed it (``table``,
    ``paged``: rows made only when the sheet is written, never all held at once)."""

    def __init__(self, wb):
        self.wb, self.F = wb, _formats(wb)
        self.deferred: dict[str, BigSheet] = {}      # streamed in by fill_big_sheets once the workbook is closed

    def sheet(self, name: str, widths: list[float], hidden: tuple = (), **print_options):
        """A new sheet with its column widths and print setup; returns it and the widths that print."""
        ws = self.wb.add_worksheet(name)
        printed = _columns(ws, widths, hidden)
        xlsxwriter_print_setup(ws, printed, **print_options)
        return ws, printed

    def row(self, ws, r: int, cells: list[tuple]) -> None:
        """Row ``r`` of a short sheet, from column A: text as text (never a formula), numbers as numbers."""
        for c, (value, fmt) in enumerate(cells):
            if isinstance(value, str):
                ws.write_string(r, c, value, self.F[fmt])
            else:
                ws.write_number(r, c, value, self.F[fmt])

    def table(self, ws, cols: list[str], formats: list[str]) -> BigSheet:
        """The header row of a long sheet, and its body: add rows (BigSheet.add) or stream them
        (BigSheet.stream) with the named formats."""
        big = BigSheet(ws, ws.name, {"__head__": self.F["head"], **{k: self.F[k] for k in formats}}, cols)
        self.deferred[big.name] = big
        return big

    def paged(self, name: str, cols: list[str], widths: list[float], formats: list[str], count: int, rows,
              repeat_cols: int = 0) -> None:
        """A sheet of ``count`` rows streamed from ``rows(start, stop)``, going on in ``name（2）``… past
        PAGE_ROWS; each page with the header, filter, frozen header row and print setup."""
        for page, start in enumerate(range(0, max(count, 1), PAGE_ROWS), 1):
            ws, _ = self.sheet(page_name(name, page), widths, repeat_cols=repeat_cols)
            _head_height(ws, cols, widths)
            big = self.table(ws, cols, formats)
            stop = min(count, start + PAGE_ROWS)
            big.stream(stop - start, lambda a, b, start=start: rows(start + a, start + b))
            ws.autofilter(0, 0, 1, len(cols) - 1)
            ws.freeze_panes(1, 0)


def _head(ws, titles: list[str], fmt) -> None:
    for c, t in enumerate(titles):
        ws.write_string(0, c, t, fmt)


def _columns(ws, widths: list[float], hidden: tuple = ()) -> list[float]:
    """Set the column widths; returns the widths that print (hidden ones left out)."""
    for c, w in enumerate(widths):
        ws.set_column(c, c, w, None, {"hidden": True} if c in hidden else None)
    return [w for c, w in enumerate(widths) if c not in hidden]


def _head_height(ws, titles: list[str], widths: list[float], line_height: float = 13.5) -> None:
    """The header row as high as its longest wrapped title (unit names in narrow columns; a name written one
    character a line needs a line height of 15, as LibreOffice sets CJK text, not to lose its ends)."""
    ws.set_row(0, row_height_for(list(zip(titles, widths)), line_height))


def _cutoff(s: dict) -> str:
    return s["due"].isoformat() if s["due"] else "汇总时间"


def _category_of(s: dict) -> dict:
    return {u["unit"]: u["category"] or "其他" for u in s["unit_rows"]}


# ---- 总览: the metrics, each with how it is counted, the trend and the per-unit chart

OVERVIEW_WIDTHS = [20, 12, 56, 12]        # portrait, one page wide at 8 pt or more
MEETING_UNITS, MEETING_TASKS = 10, 8      # the units behind and the overdue tasks 总览 prints on its one page


def _overview(book: SummaryBook, s: dict) -> None:
    # the page printed for a meeting: the figures, the units behind, the overdue tasks (the trend, the full
    # ranking and the charts below are for the screen; 单位进度 prints the ranking)
    ws, widths = book.sheet(OVERVIEW, OVERVIEW_WIDTHS, landscape=False, title_row=False, pages_high=1)
    r = _overview_figures(ws, book.F, s)
    r = _meeting_lists(ws, book.F, s, r + 2, _cutoff(s))
    ws.print_area(0, 0, r - 1, len(OVERVIEW_WIDTHS) - 1)
    r = _overview_trend(book, ws, s, r + 1)
    _overview_ranking(book, ws, s, r)


def _overview_headlines(s: dict) -> list[tuple]:
    """总览's metrics: (name, value, how it is counted); a value of None heads a group."""
    h, cutoff = s["headline"], _cutoff(s)
    base = sum(u["tasks"] - u["na"] for u in s["unit_rows"])
    unit_rate = sum(u["done"] for u in s["unit_rows"]) / base if base else 0
    errors = sum(1 for p in s["problems"] if p.severity == "error")
    return [("单位报送（本轮）", None, ""),
            ("应报送单位", h["expected"], "本轮下发了工作簿、须报送的单位"),
            ("已报送单位", h["returned"], "本轮收到工作簿的单位（含逾期报送）"),
            ("逾期报送单位", h["late"], f"工作簿最后保存时间晚于报送截止日（{cutoff}）的单位"),
            ("未报送单位", h["missing"], "本轮没有收到工作簿的单位；它以前各轮报送的进度仍计入下面的任务统计"),
            ("任务（按任务计）", None, ""),
            ("任务总数", h["tasks"], "工作要点中的全部任务"),
            ("已完成任务", h["done"], "每个责任单位（牵头、负责单位，不含配合单位；填“不适用”的除外）都已完成的任务"),
            ("推进中任务", h["in_progress"], "至少一个责任单位已开始（推进中或已完成），但还没有全部完成"),
            ("未启动任务", h["not_started"], "责任单位都还没有开始，或都没有报送"),
            ("逾期未完成任务", h["overdue"], f"完成时限早于报送截止日（{cutoff}）仍未完成的任务；“逾期任务”表按单位逐条列出，"
                                         "条数会多于任务数"),
            ("未分解任务（未下发）", h["unassigned"], "没有落到具体单位、没有下发的任务（见任务清单“实际责任单位”）"),
            ("单位×任务", None, ""),
            ("单位任务完成率", unit_rate, "所有“单位×任务”（不含不适用）中已完成的比例；与“已完成任务”口径不同："
                                   "一项任务只要有一个责任单位未完成，就不算已完成"),
            ("问题条数", len(s["problems"]), f"见“问题清单”：错误（须改正）{errors} 条，其余为提醒")]


def _overview_figures(ws, F, s: dict) -> int:
    """总览's title, the plan facts and the metrics; returns the last row written."""
    plan = s["plan"]
    ws.write_string(0, 0, f"{plan.get('title', '')} 落实情况汇总", F["title"])
    info = [(INFO_TITLE, plan.get("title", "")), (INFO_YEAR, str(plan.get("year") or "")),
            (INFO_ROUND, s["round"] or "（未命名）"), (INFO_AS_OF, s["as_of"].strftime("%Y-%m-%d %H:%M")),
            (INFO_DUE, s["due"].isoformat() if s["due"] else "未设定")]
    r = 2
    for k, v in info:
        ws.write_string(r, 0, k, F["head"])
        ws.merge_range(r, 1, r, 2, str(v), F["text"])
        r += 1
    r += 1
    ws.write_string(r, 0, "指标", F["head"])
    ws.write_string(r, 1, "数值", F["head"])
    ws.write_string(r, 2, "怎么计算（指标说明）", F["head"])
    for k, v, how in _overview_headlines(s):
        r += 1
        if v is None:
            ws.write_string(r, 0, k, F["label"])
            continue
        ws.write_string(r, 0, k, F["head"])
        ws.write_number(r, 1, v, F["pct"] if k == "单位任务完成率" else F["num"])
        ws.write_string(r, 2, how, F["text"])
        ws.set_row(r, row_height_for([(how, OVERVIEW_WIDTHS[2])], 13.5))
    return r


def _overview_trend(book: SummaryBook, ws, s: dict, r: int) -> int:
    """The rounds' trend as a table from row ``r`` and, from two rounds on, a line chart; returns the next
    free row."""
    F = book.F
    ws.write_string(r, 0, "各轮调度趋势", F["label"])
    r += 1
    trend_first = r + 1
    for c, t in enumerate(TREND_COLUMNS.values()):
        ws.write_string(r, c, t, F["head"])
    for t in s["trend"]:
        r += 1
        book.row(ws, r, [(t["round"], "text"), (t["returned"], "num"), (t["share"], "pct"), (t["rate"], "pct")])
    trend_last = r
    r += 2
    if len(s["trend"]) >= 2:              # one round is a dot, not a trend
        line = book.wb.add_chart({"type": "line"})
        line.add_series({"name": "单位任务完成率", "categories": [OVERVIEW, trend_first, 0, trend_last, 0],
                         "values": [OVERVIEW, trend_first, 3, trend_last, 3], "marker": {"type": "circle"},
                         "data_labels": {"value": True, "num_format": "0%"}})
        line.set_title({"name": "各轮调度单位任务完成率", "name_font": {"name": "黑体", "size": 12}})
        line.set_y_axis({"num_format": "0%", "min": 0, "max": 1})
        line.set_legend({"none": True})
        line.set_size({"width": 640, "height": 260})
        ws.insert_chart(r, 0, line)
        r += 14
    return r


def _overview_ranking(book: SummaryBook, ws, s: dict, r: int) -> None:
    """Per-unit completion, lowest first, from row ``r``: the ranking as a table, and the chart drawn
    from it."""
    ranked = sorted(s["unit_rows"], key=lambda u: (u["rate"], u["unit"]))
    if not ranked:
        return
    F = book.F
    ws.write_string(r, 0, "各单位任务完成率（从低到高）", F["label"])
    r += 1
    for c, t in enumerate(["单位", "完成率", "已完成/应完成任务（不含不适用）"]):
        ws.write_string(r, c, t, F["head"])
    first = r + 1
    for u in ranked:
        r += 1
        book.row(ws, r, [(u["unit"], "text"), (u["rate"], "pct"),
                         (f"{u['done']}/{u['tasks'] - u['na']}" + ("（本轮未报送）" if u["unit"] in s["missing"] else ""),
                          "text")])
    r += 2
    shown = min(len(ranked), CHART_MAX)      # a readable chart: the lowest units when there are many
    last = first + shown - 1
    bar = book.wb.add_chart({"type": "bar"})
    bar.add_series({"name": "完成率", "categories": [OVERVIEW, first, 0, last, 0],
                    "values": [OVERVIEW, first, 1, last, 1], "fill": {"color": "#5B9BD5"},
                    "data_labels": {"value": True, "num_format": "0%", "font": {"size": 8}}})
    bar.set_title({"name": "各单位任务完成率（从低到高）" if shown == len(ranked) else f"完成率最低的{shown}个单位",
                   "name_font": {"name": "黑体", "size": 12}})
    bar.set_x_axis({"num_format": "0%", "min": 0, "max": 1})
    bar.set_y_axis({"reverse": True, "interval_unit": 1, "num_font": {"name": "宋体", "size": 8}})
    bar.set_legend({"none": True})
    bar.set_size({"width": 640, "height": 60 + 18 * shown})
    ws.insert_chart(r, 0, bar)


def _meeting_lists(ws, F, s: dict, r: int, cutoff: str) -> int:
    """Below 总览's figures: the units furthest behind and the overdue tasks with the units yet to finish
    them, each cut to what one page holds (the rest named in 单位进度 / 逾期任务).  Returns the next free row."""
    behind = sorted((u for u in s["unit_rows"] if u["rate"] < 1 or u["unit"] in s["missing"]),
                    key=lambda u: (u["rate"], -u["overdue"], u["unit"]))
    ws.write_string(r, 0, f"进度落后的单位（完成率最低的{min(len(behind), MEETING_UNITS)}个）" if behind
                    else "进度落后的单位", F["label"])
    r += 1
    for c, t in enumerate(["单位", "完成率", "已完成/应完成任务（不含不适用）", "逾期未完成"]):
        ws.write_string(r, c, t, F["head"])
    for u in behind[:MEETING_UNITS]:
        r += 1
        ws.write_string(r, 0, u["unit"], F["text"])
        ws.write_number(r, 1, u["rate"], F["pct"])
        ws.write_string(r, 2, f"{u['done']}/{u['tasks'] - u['na']}" + ("（本轮未报送）" if u["unit"] in s["missing"]
                                                                       else ""), F["text"])
        ws.write_number(r, 3, u["overdue"], F["num"])
    r += 1
    if not behind:
        ws.merge_range(r, 0, r, 3, "各单位的任务都已完成", F["text"])
        r += 1
    elif len(behind) > MEETING_UNITS:
        ws.merge_range(r, 0, r, 3, f"另有 {len(behind) - MEETING_UNITS} 个单位未全部完成，见“单位进度”表（可按完成率排序）",
                       F["text"])
        r += 1
    late = sorted((row for row in s["task_rows"] if row["overdue"]),
                  key=lambda row: (str(row["task"].get("deadline") or ""), row["task"]["id"]))
    r += 1
    ws.write_string(r, 0, f"逾期未完成任务（完成时限早于 {cutoff}）", F["label"])
    r += 1
    for c, t in enumerate(["任务编号", "完成时限", "任务及尚未完成的单位", "单位数"]):
        ws.write_string(r, c, t, F["head"])
    for row in late[:MEETING_TASKS]:
        t = row["task"]
        open_units = [u for u, _ in row["units"] if row["statuses"].get(u) not in (L.DONE, L.NA)]
        text = f"{short_title(t['text'], 30)}——" + "、".join(open_units[:6]) + ("等" if len(open_units) > 6 else "")
        r += 1
        ws.write_string(r, 0, t["id"], F["text"])
        ws.write_string(r, 1, str(t.get("deadline") or t.get("deadline_text") or ""), F["text"])
        ws.write_string(r, 2, text, F["overdue"])
        ws.write_number(r, 3, len(open_units), F["num"])
        ws.set_row(r, row_height_for([(text, OVERVIEW_WIDTHS[2])], 13.5))
    r += 1
    if not late:
        ws.merge_range(r, 0, r, 3, "无逾期未完成的任务", F["text"])
        r += 1
    elif len(late) > MEETING_TASKS:
        ws.merge_range(r, 0, r, 3, f"另有 {len(late) - MEETING_TASKS} 项，见“逾期任务”表", F["text"])
        r += 1
    return r


# ---- 任务进度: one row per task, one column per unit (or, for many units, the units counted)

# 任务进度 prints one page wide at 8 pt or more on the first of these that holds it: A4 with a unit's status
# on one line (a few units), A4 and then A3 with narrow unit columns, a status and a unit name one character a
# line (已/完/成), 任务内容 giving way down to TASK_TEXT_MIN; a county's 30-40 units go on A3, which its office
# copiers print.  Wider (41-300 units): A3 in strips at PRINT_SCALE, 任务编号 and 任务内容 repeated.
TASK_COMPACT = [10, 40, 10, 8, 10, 7, 3, 10]      # the fixed columns beside narrow unit columns
TASK_UNIT_WIDE, TASK_UNIT_NARROW, TASK_TEXT_MIN = 6, 3, 24
A3_PAPER = 8                                      # XlsxWriter's paper index for A3 (A4 is 9)
A3_UNITS = PAGE_UNITS["landscape"] * (420 - 20.32) / (297 - 20.32)    # a landscape A3 page, 0.4" side margins


def _task_layout(n_units: int, hidden: tuple) -> tuple[list[float], bool, bool]:
    """任务进度's column widths for a matrix of ``n_units`` units, whether it goes on A3, whether it fits one
    page wide at MIN_SCALE."""
    for page, fixed, unit in ((PAGE_UNITS["landscape"], TASK_WIDTHS, TASK_UNIT_WIDE),
                              (PAGE_UNITS["landscape"], TASK_COMPACT, TASK_UNIT_NARROW),
                              (A3_UNITS, TASK_COMPACT, TASK_UNIT_NARROW)):
        widths = list(fixed) + [unit] * n_units
        spare = page / MIN_SCALE - sum(w + XLSXWRITER_PAD for c, w in enumerate(widths) if c not in hidden)
        if spare >= 0 or (fixed is TASK_COMPACT and widths[1] + spare >= TASK_TEXT_MIN):
            widths[1] = min(widths[1], int(widths[1] + spare))
            return widths, page == A3_UNITS, True
    return TASK_COMPACT + [TASK_UNIT_NARROW] * n_units, True, False


def _tasks(book: SummaryBook, s: dict) -> None:
    units = [r["unit"] for r in s["unit_rows"]]
    matrix = len(units) <= MATRIX_MAX
    category_of = _category_of(s)
    categories = list(dict.fromkeys(category_of.values()))[:20] if not matrix else []
    extra = units if matrix else BREAKDOWN + [f"{c}（已完成/应完成）" for c in categories]
    no_lead = not any(role == "lead" for row in s["task_rows"] for _, role in row["units"]) and \
        not any(row.get("unassigned") for row in s["task_rows"])       # a plan naming no 牵头 unit: column hidden
    hidden = (TASK_FIXED.index("牵头单位"),) if no_lead else ()
    if matrix:
        all_widths, a3, fits = _task_layout(len(units), hidden)
    else:
        all_widths, a3, fits = TASK_WIDTHS + [8] * len(BREAKDOWN) + [12] * len(categories), False, False
    ws, _ = book.sheet(TASKS, all_widths, hidden=hidden, repeat_cols=0 if fits else 2)
    if a3:
        ws.set_paper(A3_PAPER)
    if fits:
        ws.set_print_scale(100)          # (turns the fixed scale off) one page wide
        ws.fit_to_pages(1, 0)
    _head_height(ws, TASK_FIXED + extra, all_widths, 15 if all_widths[-1] == TASK_UNIT_NARROW else 13.5)
    ws.freeze_panes(1, 2)
    big = book.table(ws, TASK_FIXED + extra, ["text", "overdue", "num", *STATUS_COLORS])
    col_of = {u: i for i, u in enumerate(units)}
    # a row as high as the task's text, and as a status written one character a line (3 lines) in narrow columns
    status_height = [("已完成", all_widths[-1])] if matrix and units and all_widths[-1] == TASK_UNIT_NARROW else []
    for row in s["task_rows"]:
        t = row["task"]
        cells = _task_cells(row)
        if matrix:
            per_unit = [("", "text")] * len(extra)
            for u, _ in row["units"]:
                st = _unit_status(s, row, u)
                per_unit[col_of[u]] = (st, st if st in STATUS_COLORS else "text")
        else:
            per_unit = _task_counts(s, row, category_of, categories)
        big.add(cells + per_unit, row_height_for([(t["text"], all_widths[1]), (cells[2][0], all_widths[2])]
                                                 + status_height, 13.5))
    ws.autofilter(0, 0, 1, len(TASK_FIXED) - 1 + len(extra))


def _unit_status(s: dict, row: dict, u: str) -> str:
    return row["statuses"].get(u) or ("未报送" if u in s["missing"] else "未填写")


def _task_cells(row: dict) -> list[tuple]:
    """A task's fixed columns in 任务进度 (TASK_FIXED)."""
    t = row["task"]
    return [(t["id"], "text"), (t["text"], "text"), ((t.get("path") or [""])[0], "text"),
            (t.get("report_section") or classify(t.get("path") or [], t["text"]), "text"),
            (t.get("deadline") or t.get("deadline_text") or "", "text"),
            (row["overall"], row["overall"] if row["overall"] in STATUS_COLORS else "text"),
            ("逾期" if row["overdue"] else "", "overdue"),
            ("、".join(u for u, role in row["units"] if role == "lead")
             + (f"（未分解：{row['unassigned']}）" if row.get("unassigned") else ""), "text")]


def _task_counts(s: dict, row: dict, category_of: dict, categories: list[str]) -> list[tuple]:
    """A task's units counted by status (BREAKDOWN) and done/due by category: 任务进度 for many units."""
    counts = dict.fromkeys(BREAKDOWN[1:], 0)
    by_cat: dict = {}
    for u, _ in row["units"]:
        st = _unit_status(s, row, u)
        counts[st if st in counts else BREAKDOWN[-1]] += 1
        done_all = by_cat.setdefault(category_of.get(u, "其他"), [0, 0])
        done_all[0] += st == L.DONE
        done_all[1] += st != L.NA
    return [(len(row["units"]), "num")] + [(v, "num") for v in counts.values()] + \
        [(f"{by_cat[c][0]}/{by_cat[c][1]}" if c in by_cat else "", "text") for c in categories]


# ---- 单位进度 (sortable for the 通报 ranking), a row per unit: a city's thousands made as the sheet is written

UNIT_COUNTS = ["tasks", "done", "in_progress", "not_started", "na", "overdue"]
UNIT_WIDTHS = [15, 5, 5, 5, 5, 5, 5, 6, 7, 16, 5, 5, 11, 8, 12, 9, 8, 5, 16]


def _unit_name_height(s: dict) -> float | None:
    """单位进度's row height: every row as high as the longest unit name needs, wrapped in 单位 (a name of 8+
    characters takes two lines and prints whole: 区人力资源和社会保障局) — every row, since sorting (by 完成率,
    for the 通报 ranking) leaves row heights in place; None, the default height, when every name fits one line."""
    height = max((row_height_for([(u["unit"], UNIT_WIDTHS[0])], 13.5) for u in s["unit_rows"]), default=0)
    return height if height > row_height_for([("", 1)], 13.5) else None


def _units(book: SummaryBook, s: dict) -> None:
    cols = UNIT_COLUMNS
    # one page wide at 8 pt or more: numbers in narrow columns, their headers on two lines
    ws, widths = book.sheet(UNITS, UNIT_WIDTHS, repeat_cols=1)
    _head_height(ws, cols, widths)
    n_units = len(s["unit_rows"])
    big = book.table(ws, cols, ["head", "text", "num", "pct", "datetime", "未报送", "overdue"])
    height = _unit_name_height(s)

    def unit_rows(start: int, stop: int):
        for u in s["unit_rows"][start:stop]:
            yield _unit_cells(u), height
        if stop > n_units:              # 合计, below the filter so sorting never moves it
            sums = [(Formula(f"SUM({get_column_letter(c + 1)}2:{get_column_letter(c + 1)}{n_units + 1})"), "num")
                    if n_units else ("", "num") for c in range(2, 2 + len(UNIT_COUNTS))]
            rate = sum(u["done"] for u in s["unit_rows"]) / max(1, sum(u["tasks"] - u["na"] for u in s["unit_rows"]))
            yield [("合计", "head"), ("", "text")] + sums + [(rate, "pct")], None

    big.stream(n_units + 1, unit_rows)
    big.filter_rows = max(1, n_units)
    ws.autofilter(0, 0, 1, len(cols) - 1)
    ws.freeze_panes(1, 1)


def _unit_cells(u: dict) -> list[tuple]:
    """A unit's row of 单位进度 (UNIT_COLUMNS)."""
    u = dict(u, not_started=u["tasks"] - u["done"] - u["in_progress"] - u["na"])
    return [(u["unit"], "text"), (u["category"] or "", "text")] + [(u[k], "num") for k in UNIT_COUNTS] + [
        (u["rate"], "pct"),
        (dt.datetime.fromisoformat(u["returned_at"]), "datetime") if u["returned_at"] else ("未报送", "未报送"),
        ("是" if u["late"] else "", "overdue"), (u["problems"], "num"), (u["file"] or "", "text"),
        (u["contact"] or "", "text"), (u["phone"] or "", "text"), (u["data_round"] or "", "text"),
        (u["time_source"] or "", "text"), (u.get("reminded", 0), "num"),
        (dt.datetime.fromisoformat(u["reminded_at"]), "datetime") if u.get("reminded_at") else ("", "text")]


# ---- 逾期任务: a row per overdue task per unit not done (a city's can fill more than a sheet)

def _overdue(book: SummaryBook, s: dict) -> None:
    contacts = {u["unit"]: u for u in s["unit_rows"]}

    def late_pairs():                    # (task row, unit, role), made when looked at: a city has ~10^6
        for row in s["task_rows"]:
            if row["overdue"]:
                for u, role in row["units"]:
                    if row["statuses"].get(u) not in (L.DONE, L.NA):
                        yield row, u, role

    def overdue_rows(start: int, stop: int):
        for row, u, role in itertools.islice(late_pairs(), start, stop):
            t, st = row["task"], row["statuses"].get(u)
            yield ([(t["id"], "text"), (t["text"], "text"), (t.get("deadline") or "", "text"), (u, "text"),
                    (ROLE_CN.get(role, role), "text"), (st or ("未报送" if u in s["missing"] else "未填写"), "text"),
                    (contacts[u]["contact"] or "", "text"), (contacts[u]["phone"] or "", "text")],
                   row_height_for([(t["text"], 50)], 13.5))

    cols, widths = ["任务编号", "任务内容", "完成时限", "单位", "职责", "单位填报状态", "联系人", "联系电话"], \
        [10, 50, 11, 20, 6, 10, 10, 14]
    count = sum(1 for _ in late_pairs())
    if count:
        book.paged(OVERDUE, cols, widths, ["text"], count, overdue_rows)
        return
    # nothing overdue: the header for the screen, and one line that prints alone (no header-only page)
    ws, _ = book.sheet(OVERDUE, widths, title_row=False)
    _head(ws, cols, book.F["head"])
    _head_height(ws, cols, widths)
    as_of = s["due"].isoformat() if s["due"] else s["as_of"].strftime("%Y-%m-%d %H:%M")
    ws.merge_range(1, 0, 1, len(cols) - 1, f"{OVERDUE}：无逾期未完成的任务（{s['round'] or '本轮'}，截至 {as_of}）",
                   book.F["text"])
    ws.print_area(1, 0, 1, len(cols) - 1)


# ---- 未报送单位 (the 催报 list)

def _missing(book: SummaryBook, s: dict) -> None:
    cols = ["序号", "单位", "类别", "任务数", "联系人", "联系电话"]
    ws, _ = book.sheet(MISSING, [6, 28, 8, 8, 14, 16], landscape=False)
    _head(ws, cols, book.F["head"])
    for r, u in enumerate(s["missing"], 1):
        a = s["assignments"][u]
        book.row(ws, r, [(r, "num"), (u, "text"), (a["category"] or "", "text"), (len(a["tasks"]), "num"),
                         (a["contact"] or "", "text"), (a["phone"] or "", "text")])


# ---- 落实情况明细 (ready to quote in the report); beyond a sheet's rows it goes on in 落实情况明细（2）…

DETAIL_WIDTHS = [10, 8, 22, 12, 5, 7, 10, 6, 6, 34, 12, 13, 13]       # one page wide at 8 pt or more


def _detail(book: SummaryBook, s: dict) -> None:
    entries = s["entries"]
    count = sum(1 for row in s["task_rows"] for u, _ in row["units"] if (u, task_key(row["task"])) in entries)

    def detail_rows(start: int, stop: int):     # made while the sheet is written: one task's answers at a time
        at = 0
        for row in s["task_rows"]:
            t = row["task"]
            mine = [(u, role) for u, role in row["units"] if (u, task_key(t)) in entries]
            if at + len(mine) <= start or at >= stop:
                at += len(mine)
                continue
            section = (t.get("path") or [""])[0]
            title = short_title(t["text"], 30)              # once a task, not once a unit
            answers = entries.for_task(task_key(t))
            for u, role in mine:
                at += 1
                if not start < at <= stop:
                    continue
                e = answers.get(u)
                if e is not None:
                    yield _detail_row(t, section, title, u, role, e)

    book.paged(DETAIL, DETAIL_COLUMNS, DETAIL_WIDTHS, ["text", "num", "pct", *STATUS_COLORS], count, detail_rows,
               repeat_cols=1)


def _detail_row(t: dict, section: str, title: str, u: str, role: str, e: dict) -> tuple[list, float]:
    """One unit's answer to one task in 落实情况明细 (DETAIL_COLUMNS), with the row's height."""
    st = e.get("status") or ""
    widths = DETAIL_WIDTHS
    return ([(t["id"], "text"), (section, "text"), (title, "text"), (u, "text"),
             (ROLE_CN.get(role, role), "text"), (st, st if st in STATUS_COLORS else "text"),
             (e.get("done_date") or "", "text"), (e.get("progress"), "pct"), (e.get("actual"), "num"),
             (e.get("detail") or "", "text"), (e.get("evidence") or "", "text"),
             (e.get("issues") or "", "text"), (e.get("next") or "", "text")],
            row_height_for([(title, widths[2]), (e.get("detail"), widths[9]), (e.get("evidence"), widths[10]),
                            (e.get("issues"), widths[11]), (e.get("next"), widths[12])], 13.5))


# ---- 问题清单

def _problems(book: SummaryBook, s: dict) -> None:
    cols = ["轮次", "级别", "说明", "文件", "工作表", "单元格", "代码"]
    ws, _ = book.sheet(PROBLEMS, [14, 12, 70, 26, 10, 7, 18], hidden=(6,))
    _head(ws, cols, book.F["head"])
    all_problems = s["problems"] + s.get("history", [])     # this round first, then older rounds, newest first
    for r, p in enumerate(all_problems, 1):
        ws.set_row(r, row_height_for([(p.message, 70), (p.file, 26)], 13.5))
        book.row(ws, r, [(str(v or ""), "text")
                         for v in [p.round, SEVERITY_CN[p.severity], p.message, p.file, p.sheet, p.cell, p.code]])
    ws.autofilter(0, 0, max(1, len(all_problems)), len(cols) - 1)
    ws.freeze_panes(1, 0)


# ---- 年度报告数据: one column per unit plus the sum (a row per unit when there are many); clerks may
# correct values here

def _figures(book: SummaryBook, s: dict) -> None:
    spec = spec_for(s["plan"].get("year"))
    fig_units = [r["unit"] for r in s["unit_rows"] if r["unit"] in s["figures"]]
    status, extra, sums = _figure_pass(s["figures"], fig_units, spec)
    usable = [status[u] == L.FIGURES_OK for u in fig_units]
    keys = spec.all_keys + extra
    totals = [sums.get(k, 0) for k in keys]
    if len(fig_units) > MATRIX_MAX:
        _figures_by_row(book, s, spec, keys, fig_units, usable, totals)
        return
    cols = FIGURE_FIXED + fig_units
    all_widths = [12, 4, 28, 9, 8] + [5.5] * len(fig_units)     # a county's 30-40 units in two strips
    ws, _ = book.sheet(FIGURES, all_widths, hidden=(0,), repeat_cols=4)
    _head_height(ws, cols, all_widths)
    ws.freeze_panes(1, 5)
    big = book.table(ws, cols, ["text", "num"])
    big.add([(L.FIGURE_STATUS, "text"), ("", "text"),
             ("数据状态（不可用、未报送的单位不计入合计、不生成报告；更正数据后把状态改为“可用”）", "text"), ("", "text"),
             (f"可用 {sum(usable)}/{len(fig_units)}", "text")] + [(status[u], "text") for u in fig_units])
    columns = [figure_values(spec, keys, s["figures"][u], ok) for u, ok in zip(fig_units, usable)]
    for i, key in enumerate(keys):
        table, row_label, col_label = spec.label_of(key)
        big.add([(key, "text"), (table, "text"), (row_label, "text"), (col_label, "text"), (totals[i], "num")]
                + [(values[i], "num") for values in columns], row_height_for([(row_label, 28), (col_label, 9)], 13.5))
    marks = [balance_mark(spec, s["figures"][u], ok) for u, ok in zip(fig_units, usable)]
    big.add([(CHECK_KEY, "text"), ("", "text"), ("一致性校验（表三：一+二＝三（七）+四）", "text"), ("", "text"),
             ("✗" if "✗" in marks else "✓", "text")] + [(m, "text") for m in marks])


# the summary's sheets in the order they appear: a new sheet is one function here (and its test)
SHEETS = (_overview, _tasks, _units, _overdue, _missing, _detail, _problems, _figures)


def page_name(name: str, page: int) -> str:
    """落实情况明细, then 落实情况明细（2）… for the rows a sheet cannot hold."""
    return name if page == 1 else f"{name}（{page}）"


def figure_values(spec, keys: list[str], figs: dict, usable: bool) -> list:
    """A unit's figures as 年度报告数据 shows them: a usable unit's totals derived from its inputs (blank = 0
    there, its figures passed the checks); the others as typed, blanks left blank (never 0)."""
    if not usable:
        return [figs.get(k) for k in keys]
    shown = spec.complete(figs)
    national = spec.key_set
    return [(shown.get(k) or 0) if k in national else shown.get(k) for k in keys]


def balance_mark(spec, figs: dict, usable: bool) -> str:
    """✓ / ✗ for table 三's balance (一+二＝三（七）+四); — for a unit whose figures are not usable."""
    return ("✗" if spec.check_balance(figs) else "✓") if usable else "—"


def _figure_pass(figures, fig_units: list[str], spec) -> tuple[dict, list[str], dict]:
    """One pass over the units' figures (each read once): every unit's 数据状态, the figures outside the
    national tables (the narrative counts) in the order units gave them, and the usable units' sums.  The
    totals are sums of their parts, so the sum of the units' totals is the total of the summed parts: the
    inputs are added up and the totals derived once."""
    status, extra, inputs = {}, {}, {}
    for u in fig_units:
        figs = figures[u]
        status[u] = figs.get(L.FIGURE_STATUS, L.FIGURES_OK)
        extra.update(dict.fromkeys(k for k in figs if k not in spec.key_set and k != L.FIGURE_STATUS))
        if status[u] == L.FIGURES_OK:
            for k, v in figs.items():
                if k != L.FIGURE_STATUS and isinstance(v, (int, float)) and not isinstance(v, bool):
                    inputs[k] = inputs.get(k, 0) + v
    if L.FIGURES_OK not in status.values():
        return status, list(extra), {}
    sums = spec.complete({k: v for k, v in inputs.items() if k in spec.key_set})       # every national key
    sums.update((k, v) for k, v in inputs.items() if k not in spec.key_set)            # the narrative counts
    return status, list(extra), sums


def figure_label(spec, key: str) -> str:
    """A figure's column title in the row-per-unit layout: table, item and column ("表三｜一、本年新收…｜自然人")."""
    table, row_label, col_label = spec.label_of(key)
    return "｜".join(x for x in (f"表{table}" if table else "", row_label, col_label) if x)


def _figures_by_row(book: SummaryBook, s: dict, spec, keys: list[str], fig_units: list[str], usable: list[bool],
                    totals: list) -> None:
    """年度报告数据 for many units: a row per unit, a column per figure, the usable units' totals on top
    (``totals``, summed in the first pass over the figures); each unit's row is made when it is written,
    never all held at once."""
    cols = FIGURE_ROW_FIXED + [figure_label(spec, k) for k in keys]
    ws, _ = book.sheet(FIGURES, [20, 8, 9, 8] + [10] * len(keys), repeat_cols=1)
    ws.set_row(0, 96)
    ws.freeze_panes(2, 1)
    big = book.table(ws, cols, ["text", "num"])
    category_of = _category_of(s)

    def rows(start: int, stop: int):        # made while the sheet is written, a unit at a time
        if start == 0 < stop:
            yield [(TOTAL_ROW, "text"), ("", "text"), (f"可用 {sum(usable)}/{len(fig_units)}", "text"),
                   ("", "text")] + [(t, "num") for t in totals], None
        first, last = max(0, start - 1), max(0, stop - 1)         # row 0 is the total, row i unit i - 1
        for u, ok in zip(fig_units[first:last], usable[first:last]):
            figs = s["figures"][u]
            yield [(u, "text"), (category_of.get(u, ""), "text"), (figs.get(L.FIGURE_STATUS, L.FIGURES_OK), "text"),
                   (balance_mark(spec, figs, ok), "text")] + [(v, "num") for v in figure_values(spec, keys, figs, ok)], None

    big.stream(1 + len(fig_units), rows)


# ------------------------------------------------------------------------------ reading it back

@dataclass
class UnitData:
    name: str
    category: str = ""
    contact: str = ""
    phone: str = ""
    figures: dict = field(default_factory=dict)          # as typed in the summary (may be corrected)
    entries: list = field(default_factory=list)          # dicts: task id, section, text, role, status, detail...
    data_round: str = ""                                 # the round its figures and statuses come from (数据轮次)

    @property
    def figure_status(self) -> str:
        """可用 / 不可用 / 未报送, as the summary says (a clerk who corrected the figures sets 可用)."""
        if not self.figures:
            return L.FIGURES_MISSING
        return str(self.figures.get(L.FIGURE_STATUS) or L.FIGURES_OK).strip()

    @property
    def numbers(self) -> dict:
        return {k: v for k, v in self.figures.items() if k != L.FIGURE_STATUS}


@dataclass
class SummaryData:
    title: str
    year: int | None
    round: str
    units: dict
    tasks: list          # dicts: id, section, report_section, text, deadline, overall, overdue, leads, units
    source: str
    due: dt.date | None = None          # the round's cut-off (报送截止), when one was set
    as_of: str = ""                     # when the summary was made (汇总时间)
    key_at: dict = field(default_factory=dict)      # figure key -> its row in 年度报告数据 (its column, by rows)
    unit_at: dict = field(default_factory=dict)     # unit -> its column there (its row); None: the total
    units_as_rows: bool = False                     # the layout for many units: a row per unit
    problems: list = field(default_factory=list)    # what reading the office's edits found (a column not a unit)
    metrics: dict = field(default_factory=dict)     # 总览's metrics: label -> value (the first of each label)
    trend: list = field(default_factory=list)       # 总览's rounds: dicts by TREND_COLUMNS' keys
    unit_rows: list = field(default_factory=list)   # 单位进度's rows in order: dicts by UNIT_COLUMN_KEYS' keys

    def figure_cell(self, unit: str | None, key: str) -> str:
        """The cell of 年度报告数据 where a unit's figure (or the total, for unit None) is."""
        at, key_at = self.unit_at.get(unit), self.key_at.get(key)
        if not at or not key_at:
            return ""
        col, row = (key_at, at) if self.units_as_rows else (at, key_at)
        return f"{get_column_letter(col)}{row}"


def read_summary(path) -> SummaryData:
    """The summary as the report stage needs it, with the clerk's corrections."""
    p = Path(path)
    if not p.exists():
        raise GongkaiError.of("FILE_NOT_FOUND", p)
    try:
        wb = CalamineWorkbook.from_path(str(p))
        sheets = set(wb.sheet_names)
        need = {OVERVIEW, TASKS, UNITS, DETAIL, FIGURES}
        if not need <= sheets:
            raise GongkaiError.of("SUMMARY_INVALID", p.name, detail="缺少工作表：" + "、".join(sorted(need - sheets)))
        rows = {n: wb.get_sheet_by_name(n).to_python() for n in need}
        page = 2
        while page_name(DETAIL, page) in sheets:          # 落实情况明细 continued on further sheets
            rows[DETAIL] += wb.get_sheet_by_name(page_name(DETAIL, page)).to_python()[1:]
            page += 1
    except CALAMINE_ERRORS as exc:
        raise GongkaiError.of("SUMMARY_INVALID", p.name, detail=type(exc).__name__) from None
    info: dict = {}
    for r in rows[OVERVIEW]:                 # the first of a label: the trend table below repeats 调度轮次
        if len(r) > 1 and r[0]:
            info.setdefault(str(r[0]), r[1])
    metrics, trend = _overview_rows(rows[OVERVIEW])
    title = str(info.get(INFO_TITLE, ""))
    year = _year(info.get(INFO_YEAR)) or _year(title)
    units: dict[str, UnitData] = {}
    unit_rows = []
    head = rows[UNITS][0]
    for r in rows[UNITS][1:]:
        d = dict(zip(head, r))
        if not d.get("单位") or d["单位"] == "合计":
            continue
        unit_rows.append({key: d.get(title) for key, title in UNIT_COLUMN_KEYS.items()})
        units[str(d["单位"])] = UnitData(str(d["单位"]), str(d.get("类别") or ""), str(d.get("联系人") or ""),
                                       str(d.get("联系电话") or ""), data_round=str(d.get("数据轮次") or ""))
    fig_rows = rows[FIGURES]
    by_rows = bool(fig_rows) and str(fig_rows[0][0]) == FIGURE_ROW_FIXED[0]
    found: list[Problem] = []
    if by_rows:
        key_at, unit_at = _figures_by_rows(fig_rows, units, spec_for(year), found, p.name)
    else:
        key_at, unit_at = _figures_by_columns(fig_rows, units, spec_for(year), found, p.name)
    det = rows[DETAIL]
    head = det[0]
    for r in det[1:]:
        d = dict(zip(head, r))
        units.setdefault(str(d["单位"]), UnitData(str(d["单位"]))).entries.append(d)
    tasks = []
    head = rows[TASKS][0]
    matrix = BREAKDOWN[0] not in head[len(TASK_FIXED):len(TASK_FIXED) + 1]
    for r in rows[TASKS][1:]:
        d = dict(zip(head, r))
        tasks.append({"id": str(d["任务编号"]), "section": str(d.get("一级标题") or ""), "text": str(d["任务内容"]),
                      "report_section": section_name(d.get("报告栏目")) or classify([str(d.get("一级标题") or "")],
                                                                                  str(d["任务内容"])),
                      "deadline": str(d.get("完成时限") or ""), "overall": str(d.get("总体状态") or ""),
                      "overdue": bool(d.get("逾期")), "leads": str(d.get("牵头单位") or ""),
                      "units": {h: str(r[i]) for i, h in enumerate(head) if i >= len(TASK_FIXED) and r[i] not in ("", None)}
                      if matrix else {}})
    if not matrix:                       # many units: each unit's status of each task from 落实情况明细
        by_id = {t["id"]: t for t in tasks}
        for u in units.values():
            for e in u.entries:
                t = by_id.get(str(e.get("任务编号")))
                if t is not None:
                    t["units"][u.name] = str(e.get("完成状态") or "未填写")
    try:
        due = as_date(info.get(INFO_DUE))
    except ValueError:
        due = None
    return SummaryData(title=title, year=year, round=str(info.get(INFO_ROUND, "")), units=units, tasks=tasks,
                       source=p.name, due=due, as_of=str(info.get(INFO_AS_OF) or ""), key_at=key_at, unit_at=unit_at,
                       units_as_rows=by_rows, problems=found, metrics=metrics, trend=trend, unit_rows=unit_rows)


def _overview_rows(rows: list) -> tuple[dict, list[dict]]:
    """总览's metrics (label -> value, the first of each label) and its trend table (a row per round, by
    TREND_COLUMNS' keys; the table ends at its first blank or unreadable row)."""
    head = list(TREND_COLUMNS.values())
    metrics: dict = {}
    trend, in_trend = [], False
    for r in rows:
        label = str(r[0] if r else "").strip()
        if label == head[0] and len(r) > 1 and str(r[1]).strip() == head[1]:
            in_trend = True
            continue
        if in_trend:
            try:
                if not label or len(r) < 4 or r[1] in ("", None):
                    raise ValueError(label)
                trend.append({"round": label, "returned": int(r[1]), "share": float(r[2]), "rate": float(r[3])})
            except (ValueError, TypeError):
                in_trend = False
            continue
        if label and len(r) > 1 and label not in metrics:
            metrics[label] = r[1]
    return metrics, trend


def _figures_by_columns(fig_rows: list, units: dict, spec, problems: list | None = None,
                        source: str = "") -> tuple[dict, dict]:
    """年度报告数据 with a column per unit: figures into ``units``; (key -> row, unit -> column).  Columns are
    found by their header, as the office may have left them: a unit column is one headed by a unit of
    单位进度 (a column inserted, such as 备注, is named and never summed; the 合计 column deleted or moved
    changes nothing)."""
    header = [cell_text(x).strip() for x in fig_rows[0]]
    fixed = {h: c for c, h in enumerate(header) if h in FIGURE_FIXED}
    key_col = fixed.get("键", 0)
    known = set(units)
    unit_cols: dict = {}
    for c, h in enumerate(header):
        if c == key_col or h in fixed:
            continue
        if h in known or not known:
            unit_cols.setdefault(h, c)
        elif h and problems is not None:
            problems.append(Problem("SUMMARY_COLUMN_UNKNOWN", source, FIGURES, f"{get_column_letter(c + 1)}1",
                                    {"value": h}))
    key_at = {}
    for i, r in enumerate(fig_rows[1:], 2):
        key = cell_text(r[key_col] if key_col < len(r) else "").strip()
        if not key or key == CHECK_KEY:
            continue
        key_at[key] = i
        for u, c in unit_cols.items():
            v = r[c] if c < len(r) else ""
            units.setdefault(u, UnitData(u)).figures[key] = v if v != "" else None
    for u in unit_cols:
        _derive_blank_totals(units[u].figures, spec)
    unit_at: dict = {u: c + 1 for u, c in unit_cols.items()}
    if "合计" in fixed:
        unit_at[None] = fixed["合计"] + 1
    return key_at, unit_at


def _derive_blank_totals(figs: dict, spec) -> None:
    """A total left blank whose parts are all numbers is their sum: the summary leaves a unusable unit's
    totals blank, and a clerk who corrected its input cells and set 数据状态 to 可用 typed no totals.  A total
    typed is kept as typed (the report's checks compare it with its parts)."""
    if not figs:
        return
    for total, parts in spec.total_parts:
        if figs.get(total) not in (None, ""):
            continue
        values = [figs.get(k) for k in parts]
        if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            figs[total] = sum(values)


def _figures_by_rows(fig_rows: list, units: dict, spec, problems: list | None = None,
                     source: str = "") -> tuple[dict, dict]:
    """年度报告数据 with a row per unit: a column is a figure, known by its title (figure_label); a title
    that is no national-table figure is a narrative count's own name. (key -> column, unit -> row)."""
    key_of = {figure_label(spec, k): k for k in spec.all_keys}
    header = [str(x) for x in fig_rows[0]]
    first = len(FIGURE_ROW_FIXED)
    keys = [key_of.get(h, h) for h in header[first:]]
    status_col = FIGURE_ROW_FIXED.index("数据状态")
    key_at = {k: c for c, k in enumerate(keys, first + 1)}
    unit_at: dict = {}
    known = set(units)
    for i, r in enumerate(fig_rows[1:], 2):
        name = cell_text(r[0]).strip()
        if not name:
            continue
        if name == TOTAL_ROW:
            unit_at[None] = i
            continue
        if known and name not in known:         # a row the office added (备注, a subtotal): named, never summed
            if problems is not None:
                problems.append(Problem("SUMMARY_ROW_UNKNOWN", source, FIGURES, f"A{i}", {"value": name}))
            continue
        unit_at[name] = i
        figs = units.setdefault(name, UnitData(name)).figures
        figs[L.FIGURE_STATUS] = r[status_col] if status_col < len(r) and r[status_col] != "" else None
        for c, k in enumerate(keys, first):
            v = r[c] if c < len(r) else ""
            figs[k] = v if v != "" else None
        _derive_blank_totals(figs, spec)
    return key_at, unit_at


def _year(value) -> int | None:
    m = re.search(r"((?:19|20)\d{2})", str(value or ""))
    return int(m.group(1)) if m else None
