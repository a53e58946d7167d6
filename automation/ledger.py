"""What the unit workbook (任务台账) holds: its columns, statuses, defined names and metadata keys.

Shared by the template builder (scripts/build_templates.py), distribute and collect, so the three
agree on one description.  Columns are found through defined names (GK_COL_<KEY>) that point at
the header cell, so staff may rename headers or move columns in the template.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

TEMPLATE_VERSION = "1"
GUIDE_SHEET = "填报说明"
LEDGER_SHEET = "任务台账"
FIGURE_SHEET = "年度报告数据"
META_SHEET = "_gk_meta"
STATUSES = ["未启动", "推进中", "已完成", "不适用"]
DONE, NA = "已完成", "不适用"
MAX_ROW = 1999        # validations and formulas in the template cover rows up to this


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


COLUMNS = [
    Column("seq", "序号", 5, False),
    Column("id", "任务编号", 11, False),
    Column("section", "一级标题", 18, False),
    Column("text", "任务内容", 46, False),
    Column("role", "本单位职责", 8, False),
    Column("others", "任务责任单位", 22, False),
    Column("deadline", "完成时限", 11, False),
    Column("frequency", "频次", 7, False),
    Column("target", "量化目标", 10, False),
    Column("status", "完成状态", 9, True, "从下拉列表选择：未启动、推进中、已完成、不适用。"),
    Column("done_date", "完成时间", 11, True, "已完成的任务填写完成日期，格式如 2021-06-30。"),
    Column("progress", "完成进度", 8, True, "填写 0 到 100% 之间的百分比。"),
    Column("actual", "实际完成数量", 9, True, "有量化目标的任务填写实际完成的数量（只填数字）。"),
    Column("detail", "落实情况", 40, True, "写明做了什么、何时在何处公开、数量等，可被年度报告直接引用。已完成的任务必须填写。"),
    Column("evidence", "佐证材料", 20, True, "填写公开链接或佐证材料文件名。"),
    Column("issues", "存在问题", 20, True, "没有可不填。选择“不适用”的任务请在此说明理由。"),
    Column("next", "下步打算", 20, True, "没有可不填。"),
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
