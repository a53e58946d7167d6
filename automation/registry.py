"""Contract of the office's unit registry (单位名录.xlsx): canonical names, aliases, categories, contacts,
and which collective names (各镇街, 区政府各部门 …) include each unit."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from .problems import GongkaiError, Problem
from .tables import CALAMINE_ERRORS, print_setup, read_rows, save_workbook, style_header
from .units import is_collective

SHEET = "单位名录"
COLUMNS = ["单位名称", "简称/别名", "类别", "联系人", "联系电话", "所属集合", "机关全称", "办公地址"]
CATEGORIES = ["镇街", "部门", "其他"]
SPLIT = re.compile(r"[、,，;；\n]+")


def _norm(name: str) -> str:
    return re.sub(r"\s+", "", str(name or "")).replace("(", "（").replace(")", "）")


@dataclass
class UnitInfo:
    name: str
    aliases: list[str] = field(default_factory=list)
    category: str = "部门"
    contact: str = ""
    phone: str = ""
    collectives: list[str] = field(default_factory=list)
    full_name: str = ""          # the organ's full name, as its annual report is signed
    address: str = ""            # for the contact line of its report


@dataclass
class Registry:
    units: dict[str, UnitInfo] = field(default_factory=dict)
    path: str = ""
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._index()

    def _index(self) -> None:
        self.alias: dict[str, str] = {}
        self.groups: dict[str, list[str]] = {}
        for u in self.units.values():
            for a in [u.name, *u.aliases]:
                self.alias.setdefault(_norm(a), u.name)
            for c in u.collectives:
                self.groups.setdefault(_norm(c), []).append(u.name)

    def add(self, info: UnitInfo) -> None:
        self.units[info.name] = info
        self._index()

    def canonical(self, name: str) -> str | None:
        return self.alias.get(_norm(name))

    def members(self, collective: str) -> list[str] | None:
        """Units a collective name stands for, or None when the registry cannot expand it."""
        return self.groups.get(_norm(collective))

    def knows(self, name: str) -> bool:
        return self.canonical(name) is not None or self.members(name) is not None

    def info(self, name: str) -> UnitInfo | None:
        c = self.canonical(name)
        return self.units.get(c) if c else None

    def review(self, plan) -> None:
        """Add '不在名录' notes to tasks whose units the registry does not know."""
        for t in plan.tasks:
            unknown = [u.name for u in t.units if not self.knows(u.name)]
            if unknown:
                note = "单位不在名录：" + "、".join(unknown) + "（请在“实际责任单位”列写明由哪些单位落实）"
                t.review = "；".join(x for x in [t.review, note] if x)


def load_registry(path: str | Path) -> Registry:
    p = Path(path)
    if not p.exists():
        raise GongkaiError.of("FILE_NOT_FOUND", p)
    try:
        rows = read_rows(p, SHEET)
    except CALAMINE_ERRORS as exc:
        raise GongkaiError.of("REGISTRY_INVALID", p.name, detail=f"不是可读取的 Excel 文件（{type(exc).__name__}）") from None
    if rows is None:
        raise GongkaiError.of("REGISTRY_INVALID", p.name, detail=f"缺少工作表“{SHEET}”")
    if not rows:
        raise GongkaiError.of("REGISTRY_INVALID", p.name, detail="工作表为空")
    header = [_norm(c) for c in rows[0]]
    if "单位名称" not in header:
        raise GongkaiError.of("REGISTRY_INVALID", p.name, detail="缺少“单位名称”列")
    col = {name: header.index(name) for name in COLUMNS if name in header}
    reg = Registry(path=str(p))
    seen: dict[str, str] = {}

    def get(row, key):
        i = col.get(key)
        return str(row[i]).strip() if i is not None and i < len(row) and row[i] is not None else ""

    for r_i, row in enumerate(rows[1:], 2):
        name = _norm(get(row, "单位名称"))
        if not name:
            continue
        info = UnitInfo(name, list(dict.fromkeys(a for a in (_norm(x) for x in SPLIT.split(get(row, "简称/别名")))
                                                 if a and a != name)),
                        get(row, "类别") or "部门", get(row, "联系人"), get(row, "联系电话"),
                        [c for c in (_norm(x) for x in SPLIT.split(get(row, "所属集合"))) if c],
                        get(row, "机关全称"), get(row, "办公地址"))
        for a in [name, *info.aliases]:
            if a in seen and seen[a] != name:
                reg.problems.append(Problem("REGISTRY_DUPLICATE", p.name, SHEET, f"A{r_i}", {"unit": a}))
            seen.setdefault(a, name)
        reg.units[name] = info
    reg._index()
    return reg


def write_registry(reg: Registry, path: str | Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(COLUMNS)
    for u in reg.units.values():
        aliases = [a for a in dict.fromkeys(u.aliases) if a != u.name]
        ws.append([u.name, "、".join(aliases), u.category, u.contact, u.phone, "、".join(dict.fromkeys(u.collectives)),
                   u.full_name, u.address])
    style_header(ws, widths=[22, 26, 7, 9, 14, 30, 22, 26])
    ask = PatternFill("solid", fgColor="FFF2CC")            # what the office still has to fill in
    for r in range(2, ws.max_row + 1):
        for c in (4, 5, 7, 8):
            if not ws.cell(r, c).value:
                ws.cell(r, c).fill = ask
    dv = DataValidation(type="list", formula1='"' + ",".join(CATEGORIES) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle="类别", error="请从下拉列表选择：镇街、部门或其他")
    ws.add_data_validation(dv)
    dv.add(f"C2:C{max(2, ws.max_row + 200)}")
    note = wb.create_sheet("填写说明")
    for line in [
        "单位名录填写说明",
        "1. 每个单位一行，“单位名称”写规范全称或本区通用名称，下发的工作簿按此名称命名。",
        "2. “简称/别名”写工作要点中可能出现的其他写法，用顿号分隔，例如：区发改局、区发展改革局。",
        "3. “类别”选择 镇街、部门 或 其他。",
        "4. “所属集合”写包含本单位的集合名称，用顿号分隔，例如镇街写“各镇街、各镇人民政府”，部门写“区政府各部门”。",
        "   工作要点中出现这些集合名称时，任务会分到集合中的每个单位。",
        "5. 联系人和联系电话用于下发清单、汇总表和催报名单；联系电话也写进本单位年度报告的联系方式。黄色格子是还没有填的。",
        "6. “机关全称”是年度报告标题和落款用的名称（如 孟庄镇人民政府、枣庄市市中区财政局）；不填时按单位名称推定。",
        "7. “办公地址”写进本单位年度报告开头的联系方式。",
    ]:
        note.append([line])
    note.column_dimensions["A"].width = 96
    print_setup(note, [96], landscape=False, title_rows=None)
    return save_workbook(wb, path)


def guess_category(name: str) -> str:
    if re.search(r"(镇|乡|街道|办事处)(人民政府|政府)?$", name):
        return "镇街"
    if re.search(r"(局|办|委|室|中心|分局|部|院|馆|所|站|队)$", name):
        return "部门"
    return "其他"


def registry_from_plan(plan) -> Registry:
    """Start a registry from the units a plan names (the clerk completes it in Excel)."""
    reg = Registry()
    for name in plan.unit_names():
        if is_collective(name) or name in reg.units:
            continue
        cat = guess_category(name)
        coll = ["各镇街"] if cat == "镇街" else (["区政府各部门"] if cat == "部门" else [])
        reg.units[name] = UnitInfo(name, [], cat, "", "", coll)
    reg._index()
    return reg
