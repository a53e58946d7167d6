"""Contract of the unit workbook (任务台账): what distribute writes and collect reads back.

Its columns, statuses and defined names; the plan's id and fingerprint; the locked cells of a task
row and their hash; where the figures sit; and the hidden metadata sheet (``write_meta`` rows,
``read_meta``).  Shared by the template builder (scripts/build_templates.py), distribute and collect,
so the three agree on one description.  Columns are found through defined names (GK_COL_<KEY>) that
point at the header cell, so staff may rename headers or move columns in the template.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

from openpyxl import load_workbook
from openpyxl.utils.cell import get_column_letter, range_boundaries

from . import reportspec as R
from .model import FREQ_CN, targets_text
from .resources import workbook_template
from .tables import cell_text
from .units import ROLE_CN

TEMPLATE_VERSION = "1"
GUIDE_SHEET = "填报说明"
LEDGER_SHEET = "任务台账"
FIGURE_SHEET = "年度报告数据"
META_SHEET = "_gk_meta"
STATUSES = ["未启动", "推进中", "已完成", "不适用"]
DONE, NA = "已完成", "不适用"
MAX_ROW = 1999
# whether a unit's 年度报告数据 can be used, kept with its figures (the key sorts before every figure key)
FIGURE_STATUS = "数据状态"
FIGURES_OK, FIGURES_UNUSABLE, FIGURES_MISSING = "可用", "不可用", "未报送"        # validations and formulas in the template cover rows up to this


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: float
    editable: bool
    help: str = ""

    @property
    def name(self) -> str:
        return "GK_COL_" + self.key.upper()


# widths: the 17 columns print one landscape A4 page wide at 8 pt (tables.PAGE_UNITS / MIN_SCALE), text wrapped
COLUMNS = [
    Column("seq", "序号", 4, False),
    Column("id", "任务编号", 11, False),
    Column("section", "一级标题", 12, False),
    Column("text", "任务内容", 29, False),
    Column("role", "本单位职责", 5, False),
    Column("others", "任务责任单位", 10, False),
    Column("deadline", "完成时限", 10, False),
    Column("frequency", "频次", 5, False),
    Column("target", "量化目标", 7, False),
    Column("status", "完成状态", 7, True, "从下拉列表选择：未启动、推进中、已完成、不适用。"),
    Column("done_date", "完成时间", 11, True, "已完成的任务填写完成日期，格式如 2021-06-30。"),
    Column("progress", "完成进度", 6, True, "填写 0 到 100% 之间的百分比。"),
    Column("actual", "实际完成数量", 6, True, "有量化目标的任务填写实际完成的数量（只填数字）。"),
    Column("detail", "落实情况", 18, True, "写明做了什么、何时在何处公开、数量等，可被年度报告直接引用。已完成的任务必须填写。"),
    Column("evidence", "佐证材料", 8, True, "填写公开链接或佐证材料文件名。"),
    Column("issues", "存在问题", 8, True, "没有可不填。选择“不适用”的任务请在此说明理由。"),
    Column("next", "下步打算", 8, True, "没有可不填。"),
]
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
EDITABLE_KEYS = [c.key for c in COLUMNS if c.editable]
LOCKED_KEYS = [c.key for c in COLUMNS if not c.editable]

# named cells on the instructions sheet
GUIDE_NAMES = {"GK_UNIT": "单位名称", "GK_PLAN": "工作要点", "GK_ROUND": "调度轮次", "GK_DUE": "报送截止日期",
               "GK_CONTACT": "办公室联系人", "GK_STATUS": "填报进度"}
# named input areas on the figures sheet
FIGURE_NAMES = ["GK_T3", "GK_T4", "GK_FEE_YUAN", "GK_EXTRA", "GK_CHECK_ALL"]   # plus GK_T2_R1.. per table 二 row


def t2_row_names(spec) -> list[str]:
    return [f"GK_T2_R{i}" for i in range(1, sum(len(rows) for _, _, rows in spec.t2_blocks) + 1)]


def required_names(spec) -> list[str]:
    return [c.name for c in COLUMNS] + list(GUIDE_NAMES) + t2_row_names(spec) + FIGURE_NAMES


def template_name(spec) -> str:
    """The bundled unit workbook template of a report format edition."""
    return "任务台账.xlsx" if spec.name == "2021" else f"任务台账_{spec.name}格式.xlsx"


def task_hash(values: list) -> str:
    """Hash of a task's locked cells as written, to detect edits by the unit."""
    text = "\x1f".join("" if v is None else str(v) for v in values)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def unit_id(name: str) -> str:
    return "U" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]


# ------------------------------------------------------------------------------ plan identity

def plan_id(plan) -> str:
    return "P" + hashlib.sha1(f"{plan.title}|{plan.year}".encode("utf-8")).hexdigest()[:10]


def plan_fingerprint(plan) -> str:
    h = hashlib.sha256()
    for t in plan.tasks:
        h.update("\x1f".join([t.id, t.text, ",".join(f"{u.name}:{u.role}" for u in t.units)]).encode("utf-8"))
        h.update(b"\x1e")
    return h.hexdigest()[:16]


# ------------------------------------------------------------------------------ a task row

def locked_cells(task, role: str, seq: int) -> dict:
    """The given (locked) cells of one task row, as written to a unit's workbook and checked on return."""
    section = task.path[0] if task.path else ""
    if len(task.path) > 1:
        section += "\n" + " / ".join(task.path[1:])
    return {"seq": seq, "id": task.id, "section": section, "text": task.text, "role": ROLE_CN[role],
            "others": _others(task), "deadline": task.deadline or (task.deadline_text or None),
            "frequency": FREQ_CN.get(task.frequency or "", ""), "target": targets_text(task.targets)}


def _others(task) -> str:
    """All units of the task as the plan wrote them, for context ('责任单位：' dropped)."""
    raw = task.units_raw or "、".join(u.name for u in task.units)
    return re.sub(r"^责任单位[：:]\s*", "", raw)


# ------------------------------------------------------------------------------ where the figures sit

def resolve_name(wb, name: str):
    """(sheet, ref) of a defined name in an openpyxl workbook, or None."""
    dn = wb.defined_names.get(name)
    if dn is None:
        return None
    dests = list(dn.destinations)
    return dests[0] if dests else None


def cells_of(ref: str) -> list[list[str]]:
    c1, r1, c2, r2 = range_boundaries(ref.replace("$", ""))
    return [[f"{get_column_letter(c)}{r}" for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]


def figure_layout(wb, spec) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Cell of every figure key, and (label cell, value cell) of the extra figures, from the names."""
    figs: dict[str, str] = {}
    t2_rows = [keys for _, _, rows in spec.t2_blocks for _, keys in rows]
    for nm, keys in zip(t2_row_names(spec), t2_rows):
        cells = [c for row in cells_of(resolve_name(wb, nm)[1]) for c in row]
        figs.update(zip(keys, cells))
    figs["fee_yuan"] = cells_of(resolve_name(wb, "GK_FEE_YUAN")[1])[0][0]
    t3 = cells_of(resolve_name(wb, "GK_T3")[1])
    figs.update({R.t3(r + 1, c + 1): t3[r][c] for r in range(len(spec.t3_rows)) for c in range(7)})
    t4 = cells_of(resolve_name(wb, "GK_T4")[1])[0]
    figs.update({R.t4(c + 1): t4[c] for c in range(15)})
    extras = [(row[0], row[-1]) for row in cells_of(resolve_name(wb, "GK_EXTRA")[1])]
    return figs, extras


@lru_cache(maxsize=4)
def default_figure_layout(spec_name: str) -> tuple[dict, list]:
    """Figure cell addresses of the bundled template (for files that lost their metadata)."""
    spec = R.SPECS[spec_name]
    return figure_layout(load_workbook(workbook_template(template_name(spec))), spec)


# ------------------------------------------------------------------------------ the metadata sheet

@dataclass
class TaskRow:
    id: str             # the task's key (its identity in the ledger)
    digest: str
    row: int
    label: str = ""     # the 任务编号 the unit sees, when it is not the key

    @property
    def shown(self) -> str:
        return self.label or self.id


@dataclass
class Meta:
    """What the hidden metadata sheet says about a unit workbook."""
    info: dict = field(default_factory=dict)             # unit, unit_id, plan_id, plan_title, plan_year, round …
    columns: dict = field(default_factory=dict)          # column key -> letter
    titles: dict = field(default_factory=dict)           # column key -> its header text as sent
    figures: dict = field(default_factory=dict)          # figure key -> cell
    extras: list = field(default_factory=list)           # (label cell, value cell)
    tasks: list = field(default_factory=list)            # TaskRow, in sheet order

    def text(self, key: str) -> str:
        return cell_text(self.info.get(key)).strip()

    @property
    def unit(self) -> str:
        return self.text("unit")

    @property
    def header_row(self) -> int:
        v = self.info.get("header_row")
        return int(float(v)) if v not in (None, "") else 1


def write_meta(common: list[tuple], unit: str, task_rows: list[TaskRow]) -> list[tuple]:
    """The unit's own metadata rows, to follow the rows every unit shares (``meta_common_rows``)."""
    return [("unit", unit), ("unit_id", unit_id(unit)), ("task_count", len(task_rows))] + \
        [("task", t.id, t.digest, t.row) + ((t.label,) if t.label and t.label != t.id else ()) for t in task_rows]


@dataclass(frozen=True)
class Sending:
    """One distribution as every unit workbook of it records it: the round, when it was issued, the cut-off."""
    round_name: str
    issued: str
    due: object = None                  # dt.date or None
    ledger: tuple = ("", "")            # (identity, made) of the ledger it is recorded in: a return naming another
    #                                     says the year's ledger was lost (LEDGER_LOST)


@dataclass(frozen=True)
class Layout:
    """Where the template puts things: 任务台账's header row, its columns (key -> letter) and their titles as
    shown, the figure cells (key -> cell) and the extra cells ((name, cell) pairs)."""
    header_row: int
    columns: dict
    figures: dict
    extras: list
    titles: dict | None = None


def meta_common_rows(plan, spec, sent: Sending, layout: Layout) -> list[tuple]:
    """The metadata rows every unit workbook of one distribution shares (with the ledger it is recorded in)."""
    due = sent.due
    rows = [("gk_version", "1"), ("template_version", TEMPLATE_VERSION), ("report_format", spec.name),
            ("plan_id", plan_id(plan)), ("plan_title", plan.title or ""), ("plan_year", plan.year or ""),
            ("fingerprint", plan_fingerprint(plan)), ("round", sent.round_name or ""), ("issued_at", sent.issued),
            ("due", due.isoformat() if due else ""), ("header_row", layout.header_row)]
    rows += [("col", k, v, (layout.titles or {}).get(k, COLUMN_BY_KEY[k].title)) for k, v in layout.columns.items()]
    # the figure cells in one row ("t3_r1_c1=D27;…"): a row each made the sheet a quarter of what collect reads
    rows += [("figs", ";".join(f"{k}={c}" for k, c in layout.figures.items()))] + \
        [("extra", a, b) for a, b in layout.extras]
    if sent.ledger[0]:
        rows += [("ledger", sent.ledger[0]), ("ledger_created", sent.ledger[1] or "")]
    return rows


def read_meta(rows: Iterable) -> Meta:
    """Parse the metadata sheet's rows (from calamine or openpyxl); unknown kinds are kept in info."""
    m = Meta()
    for row in rows:
        if not row or row[0] in ("", None):
            continue
        row = list(row) + [None] * 4
        kind = str(row[0])
        if kind == "col":
            m.columns[str(row[1])] = str(row[2])
            m.titles[str(row[1])] = cell_text(row[3]).strip() or COLUMN_BY_KEY.get(str(row[1]), Column("", "", 0, False)).title
        elif kind == "figs":
            m.figures.update(pair.split("=", 1) for pair in str(row[1]).split(";") if "=" in pair)
        elif kind == "fig":                          # workbooks distributed before the one-row form
            m.figures[str(row[1])] = str(row[2])
        elif kind == "extra":
            m.extras.append((str(row[1]), str(row[2])))
        elif kind == "task":
            m.tasks.append(TaskRow(id=cell_text(row[1]), digest=cell_text(row[2]), row=int(float(row[3])),
                                   label=cell_text(row[4])))
        else:
            m.info[kind] = row[1]
    return m


def read_meta_openpyxl(wb) -> Meta:
    """The metadata of a unit workbook opened with openpyxl."""
    return read_meta(wb[META_SHEET].iter_rows(values_only=True))
