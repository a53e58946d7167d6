"""Build the default templates shipped in workbook_templates/ and report_templates/.

    python scripts/build_templates.py            # all
    python scripts/build_templates.py registry   # only 单位名录示例.xlsx

Run it after changing a template's layout, then review the result in Excel/LibreOffice and commit.
"""
from __future__ import annotations

import sys
from pathlib import Path

import docx
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from automation.officialdoc import element, grid_borders  # noqa: E402
from automation.registry import Registry, UnitInfo, write_registry  # noqa: E402

TOWNS = ["孟庄镇", "税郭镇", "齐村镇", "西王庄镇", "永安镇"]
STREETS = ["光明路街道", "中心街街道", "文化路街道", "龙山路街道", "垎塔埠街道", "矿区街道"]
ALL_TOWNS_STREETS = ["各镇街", "各镇（街）", "各镇〈街〉政府〈办事处〉", "各镇街道", "镇街"]
DEPARTMENTS = [
    ("区政府办公室", "区政府办、区府办、区政府办公室"),
    ("区发展和改革局", "区发改局、区发展改革局"),
    ("区财政局", ""),
    ("区工业和信息化局", "区工信局、区经信局"),
    ("区农业农村局", "区农业局"),
    ("区商务和投资促进局", "区商务局"),
    ("区卫生健康局", "区卫健局、卫健局、区卫计局"),
    ("区文化和旅游局", "区文旅局"),
    ("区地方金融监督管理局", "区地方金融监管局、区金融办"),
    ("区市场监督管理局", "区市场监管局"),
    ("区司法局", "区法制办"),
    ("区行政审批服务局", "区行政审批局、区政务服务中心管理办公室"),
    ("区教育和体育局", "区教体局、区教育局"),
    ("区退役军人事务局", "区退役军人局"),
    ("区人力资源和社会保障局", "区人社局"),
    ("区民政局", ""),
    ("区医疗保障局", "区医保局"),
    ("枣庄市生态环境局市中分局", "区生态环境分局、区环保局"),
    ("区自然资源局", "区国土资源分局"),
    ("区应急管理局", "区应急局、区安监局"),
    ("枣庄市公安局市中分局", "区公安分局"),
    ("区住房和城乡建设局", "区住建局"),
    ("区交通运输局", "区交运局"),
    ("区城乡水务局", "区水务局"),
    ("区大数据中心", ""),
]
ALL_DEPARTMENTS = ["区政府各部门", "区政府各部门单位", "区各部门", "各部门"]


def sample_registry() -> Registry:
    units: dict[str, UnitInfo] = {}
    for t in TOWNS:
        units[t] = UnitInfo(t, [t + "人民政府", t + "政府"], "镇街", "", "",
                            ALL_TOWNS_STREETS + ["各镇人民政府", "各镇政府", "各镇"], full_name=t + "人民政府")
    for s in STREETS:
        aliases = list(dict.fromkeys([s + "办事处", s.replace("街道", "") + "街道办事处"]))
        units[s] = UnitInfo(s, aliases, "镇街", "", "",
                            ALL_TOWNS_STREETS + ["各街道办事处", "各街道", "街道办事处"], full_name=s + "办事处")
    for name, aliases in DEPARTMENTS:
        units[name] = UnitInfo(name, list(dict.fromkeys(a for a in aliases.split("、") if a and a != name)), "部门",
                               "", "", list(ALL_DEPARTMENTS),
                               full_name="枣庄市市中区" + name[1:] if name.startswith("区") else name)
    units["枣庄经济开发区管委会"] = UnitInfo("枣庄经济开发区管委会", ["经开区", "枣庄经济开发区", "经济开发区管委会"],
                                         "其他", "", "", [], full_name="枣庄经济开发区管理委员会")
    return Registry(units=units)          # indexed (aliases, collectives) as it is made


def build_registry(out: Path | None = None) -> Path:
    return write_registry(sample_registry(), out or ROOT / "workbook_templates" / "单位名录示例.xlsx")


# ---------------------------------------------------------------- the unit workbook template

def _spans(n: int) -> list[tuple[int, int]]:
    """How n value cells fill the three value columns (2-4) of table 二: the last one spans the rest."""
    if n >= 3:
        return [(2, 2), (3, 3), (4, 4)]
    if n == 2:
        return [(2, 2), (3, 4)]
    return [(2, 4)]


def self_check_formula(wb, spec, unbalanced: str) -> str:
    """The figures sheet's overall check, as collect judges it: a sheet left wholly blank is 未填写 (not
    reported), a row left wholly blank is named (type 0 where there is nothing), text in a number cell is
    not a figure, and only then the balance.  Plain COUNTA/COUNT, which Excel, WPS and LibreOffice share."""
    from automation import unitbook as L

    from openpyxl.utils.cell import coordinate_to_tuple

    figs, _ = L.figure_layout(wb, spec)
    rows = []
    for _, keys in spec.input_rows():
        refs = [figs[k] for k in keys]
        at = [coordinate_to_tuple(r) for r in refs]
        in_line = all(r == at[0][0] and c == at[0][1] + i for i, (r, c) in enumerate(at))
        rows.append(f"{refs[0]}:{refs[-1]}" if in_line and len(refs) > 1 else ",".join(refs))
    every = ",".join(rows)
    blank_rows = "+".join(f"(COUNTA({r})=0)" for r in rows)
    return (f'=IF(COUNTA({every})=0,"✗ 未填写（没有发生的事项请填 0）",'
            f'IF({blank_rows}>0,"✗ 有 "&({blank_rows})&" 行未填写（没有发生的请填 0）",'
            f'IF(COUNTA({every})>COUNT({every}),"✗ 有 "&(COUNTA({every})-COUNT({every}))&" 格不是数字",'
            f'IF({unbalanced},"✗ 有不一致，请核对","✓ 数据一致"))))')


def _ledger_styles():
    """The unit workbook's borders, fills, fonts and alignments, by what they mark."""
    from types import SimpleNamespace

    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="808080")
    return SimpleNamespace(
        border=Border(left=thin, right=thin, top=thin, bottom=thin),
        head_fill=PatternFill("solid", fgColor="D9E1F2"), locked_fill=PatternFill("solid", fgColor="F2F2F2"),
        input_fill=PatternFill("solid", fgColor="FFFFFF"), calc_fill=PatternFill("solid", fgColor="E2EFDA"),
        title_font=Font(name="黑体", size=16), head_font=Font(name="黑体", size=10), body_font=Font(name="宋体", size=10),
        center=Alignment(horizontal="center", vertical="center", wrap_text=True),
        left=Alignment(horizontal="left", vertical="center", wrap_text=True),
        top=Alignment(horizontal="left", vertical="top", wrap_text=True))


def _define_name(wb, nm: str, sheet: str, ref: str) -> None:
    """A workbook-level name (GK_…) collect reads the unit's answers through."""
    from openpyxl.workbook.defined_name import DefinedName

    wb.defined_names[nm] = DefinedName(nm, attr_text=f"'{sheet}'!{ref}")


def build_ledger(out: Path | None = None, spec=None) -> Path:
    """The unit workbook template: 填报说明, 任务台账 (header and one styled sample row) and 年度报告数据
    (tables 二, 三, 四 of the national format in ``spec``), each sheet one step below."""
    from openpyxl import Workbook

    from automation import reportspec as R
    from automation.tables import save_workbook

    S = _ledger_styles()
    wb = Workbook()
    g = _guide_sheet(wb, S)
    ws = _task_sheet(wb, S)
    f = _figure_sheet(wb, S, spec or R.SPEC_2021)
    for sheet in (g, ws, f):
        sheet.sheet_view.zoomScale = 100
    wb.active = 0
    return save_workbook(wb, out or ROOT / "workbook_templates" / "任务台账.xlsx")


GUIDE_LINES = [
    "一、怎么填",
    "1. 打开“任务台账”工作表，逐项填写白色单元格；灰色单元格是下发的任务信息，不能修改。",
    "2. 完成状态：从下拉列表选择。未启动＝尚未开展；推进中＝已开展、未完成；已完成＝全部完成；不适用＝本单位不涉及（须在“存在问题”中说明理由）。",
    "3. 完成时间：已完成的任务必须填写，格式如 2021-06-30，不能晚于今天。",
    "4. 完成进度：0%～100%。实际完成数量：只在有量化目标的任务中填写数字。",
    "5. 落实情况：写明做了什么、何时在哪里公开、公开了多少条等，年度报告会引用。已完成的任务必须填写。",
    "6. 佐证材料：公开网址或材料文件名。存在问题、下步打算：如实填写，没有可不填。",
    "7. “年度报告数据”工作表：按《政府信息公开工作年度报告》格式填写本单位全年数据，只填白色单元格，绿色单元格自动合计；右侧“校验”显示 ✓ 才算一致。",
    "二、报送前自查",
    "上方“填报进度”会自动显示还有几项没有填写完成状态、几项已完成但没有写落实情况；逾期未完成的任务整行显示为红色。",
    "三、怎么报送",
    "1. 直接保存（Excel 或 WPS 均可），保持 .xlsx 格式，不要另存为 .xls 或 .et，不要改工作表名称，不要插入或删除行。",
    "2. 文件名可以不改；请在截止日期前按办公室要求报送。如需重新报送，直接再报送新的文件即可，以最新的一份为准。",
    "3. 不要把其他单位的任务复制到本表，也不要把本表内容复制到新建的工作簿中报送。",
]


def _guide_sheet(wb, S):
    """填报说明: the unit's facts (named cells distribute fills in) and how to fill, check and return."""
    from openpyxl.styles import Alignment, Font

    from automation import unitbook as L

    g = wb.active
    g.title = L.GUIDE_SHEET
    g.column_dimensions["A"].width = 16
    g.column_dimensions["B"].width = 90
    g["A1"] = "政务公开工作任务台账填报说明"
    g["A1"].font = S.title_font
    g.merge_cells("A1:B1")
    g["A1"].alignment = S.center
    g.row_dimensions[1].height = 32
    row = 3
    for nm, label in L.GUIDE_NAMES.items():
        g.cell(row, 1, label).font = Font(name="黑体", size=11)
        c = g.cell(row, 2)
        c.font = Font(name="宋体", size=11, bold=nm in ("GK_UNIT", "GK_STATUS"),
                      color="C00000" if nm == "GK_STATUS" else None)
        c.alignment = S.left
        for cell in (g.cell(row, 1), c):
            cell.border = S.border
        _define_name(wb, nm, L.GUIDE_SHEET, f"$B${row}")
        row += 1
    g.row_dimensions[row - 1].height = 36
    row += 1
    for text in GUIDE_LINES:
        c = g.cell(row, 1, text)
        g.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        heading = text[:2] in ("一、", "二、", "三、")
        c.font = Font(name="黑体" if heading else "宋体", size=11)
        c.alignment = Alignment(wrap_text=True, vertical="center")
        g.row_dimensions[row].height = 20 if heading or len(text) < 50 else 34
        row += 1
    g.sheet_view.showGridLines = False
    g.page_setup.orientation = "portrait"
    g.page_setup.paperSize = g.PAPERSIZE_A4
    g.page_setup.fitToWidth = 1
    g.sheet_properties.pageSetUpPr.fitToPage = True
    return g


def _task_sheet(wb, S):
    """任务台账: the header row and one styled sample row (distribute copies it for every task)."""
    from openpyxl.styles import PatternFill, Protection
    from openpyxl.utils import get_column_letter

    from automation import unitbook as L
    from automation.tables import print_setup

    ws = wb.create_sheet(L.LEDGER_SHEET)
    for i, col in enumerate(L.COLUMNS, 1):
        letter = get_column_letter(i)
        h = ws.cell(1, i, col.title)
        h.font = S.head_font
        h.fill = S.head_fill if not col.editable else PatternFill("solid", fgColor="FFF2CC")
        h.alignment = S.center
        h.border = S.border
        ws.column_dimensions[letter].width = col.width
        s = ws.cell(2, i)
        s.font = S.body_font
        s.border = S.border
        s.alignment = S.center if col.key in ("seq", "id", "role", "deadline", "frequency", "status", "done_date",
                                              "progress", "actual") else S.top
        s.fill = S.input_fill if col.editable else S.locked_fill
        s.protection = Protection(locked=not col.editable)
        if col.key in ("deadline", "done_date"):
            s.number_format = "yyyy-mm-dd"
        if col.key == "progress":
            s.number_format = "0%"
        _define_name(wb, col.name, L.LEDGER_SHEET, f"${letter}$1")
    ws.row_dimensions[1].height = 42          # 本单位职责, 实际完成数量 on three lines in their narrow columns
    ws.freeze_panes = "C2"
    # the 17 columns print one landscape page wide at 8 pt, text wrapped (not in strips across pages)
    print_setup(ws, [c.width for c in L.COLUMNS], landscape=True, title_rows="1:1", title_cols="A:D")
    return ws


class _FigureSheet:
    """年度报告数据 while it is built: cells of a kind (label, head, input, calc) with their look, merged
    ranges with their borders, and names on the sheet."""

    def __init__(self, wb, S, ws):
        from openpyxl.styles import Font

        self.wb, self.S, self.f = wb, S, ws
        self.small = Font(name="宋体", size=9)

    def cell(self, r, c, v=None, *, kind="label", fmt=None):
        from openpyxl.styles import Font, Protection

        S, x = self.S, self.f.cell(r, c)
        if v is not None:
            x.value = v
        x.border = S.border
        x.font = self.small if kind != "head" else Font(name="黑体", size=9)
        x.alignment = S.center if kind in ("head", "input", "calc") else S.left
        if kind == "input":
            x.fill = S.input_fill
            x.protection = Protection(locked=False)
            x.number_format = fmt or "0"
        elif kind == "calc":
            x.fill = S.calc_fill
            x.number_format = fmt or "0"
        elif kind == "head":
            x.fill = S.head_fill
        return x

    def merge(self, r1, c1, r2, c2):
        for rr in range(r1, r2 + 1):
            for cc in range(c1, c2 + 1):
                self.f.cell(rr, cc).border = self.S.border
        self.f.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)

    def name(self, nm: str, ref: str) -> None:
        from automation import unitbook as L

        _define_name(self.wb, nm, L.FIGURE_SHEET, ref)

    def title(self, r: int, text: str) -> None:
        """A table's title above it, as the national format heads it."""
        from openpyxl.styles import Font

        self.f.cell(r, 1, text).font = Font(name="黑体", size=11)


def _figure_sheet(wb, S, spec):
    """年度报告数据: tables 二, 三, 四 as in the national format, the fee and the other figures, the checks."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from automation import unitbook as L
    from automation.tables import print_setup

    f = wb.create_sheet(L.FIGURE_SHEET)
    # 9 pt text printed one page wide stays at 8 pt or more only up to PAGE_UNITS / (8/9) = 150 width units
    widths = {"A": 10, "B": 10, "C": 24}
    for i in range(4, 16):
        widths[get_column_letter(i)] = 7.5
    widths["K"] = 7           # table 四 needs K..O as value columns too: "结果维持" on two lines, not in 2 chars
    widths["L"] = 7
    widths["M"] = 18
    for k, w in widths.items():
        f.column_dimensions[k].width = w
    fs = _FigureSheet(wb, S, f)
    f["A1"] = "年度报告数据（《政府信息公开工作年度报告》表二、表三、表四）"
    f["A1"].font = Font(name="黑体", size=14)
    f["A2"] = "只在白色单元格填写非负整数（收费金额单位为万元，可填小数）；绿色单元格自动计算；右侧“校验”列显示 ✓ 表示数据一致，✗ 表示需要核对。"
    f["A2"].font = Font(name="宋体", size=9, color="C00000")
    f.merge_cells("A2:O2")
    r = _table2(fs, spec, 4)
    chk = _table3(fs, spec, r + 1)
    d = _table4(fs, chk + 2)
    _fee_and_extra(fs, d + 2)
    _figure_checks(fs, spec, chk, d)
    _figure_validations(f)
    f.freeze_panes = "A4"
    print_setup(f, list(widths.values()) + [5], landscape=True, title_rows=None, title_cols=None)
    f.sheet_view.showGridLines = False
    return f


def _table2(fs: _FigureSheet, spec, r: int) -> int:
    """Table 二 in columns A-D from row ``r``, a name per row (GK_T2_R1…); returns the row after it."""
    from openpyxl.utils import get_column_letter

    cell, merge = fs.cell, fs.merge
    fs.title(r, "二、主动公开政府信息情况")
    r += 1
    t2_row = 0
    for title, header, rows in spec.t2_blocks:
        cell(r, 1, title, kind="head")
        merge(r, 1, r, 4)
        r += 1
        cell(r, 1, header[0], kind="head")
        spans = _spans(len(header) - 1)
        for (c1, c2), h in zip(spans, header[1:]):
            cell(r, c1, h, kind="head")
            if c2 > c1:
                merge(r, c1, r, c2)
        r += 1
        for label, keys in rows:
            cell(r, 1, label)
            cells = []
            for (c1, c2), k in zip(_spans(len(keys)), keys):
                fmt = "0.00" if k in spec.t2_decimal else ("+0;-0;0" if k in spec.t2_signed else "0")
                cell(r, c1, kind="input", fmt=fmt)
                if c2 > c1:
                    merge(r, c1, r, c2)
                cells.append(f"${get_column_letter(c1)}${r}")
            t2_row += 1
            fs.name(f"GK_T2_R{t2_row}", f"{cells[0]}:{cells[-1]}" if len(cells) > 1 else cells[0])
            r += 1
    return r


def _table3(fs: _FigureSheet, spec, r: int) -> int:
    """Table 三 in columns A-J from row ``r`` (its check and note in L-M); returns its check row."""
    from openpyxl.utils import get_column_letter

    from automation import reportspec as R

    cell, merge, f = fs.cell, fs.merge, fs.f
    fs.title(r, "三、收到和处理政府信息公开申请情况")
    h0 = r + 1
    cell(h0, 1, R.T3_CORNER, kind="head")
    merge(h0, 1, h0 + 2, 3)
    cell(h0, 4, "申请人情况", kind="head")
    merge(h0, 4, h0, 10)
    cell(h0 + 1, 4, "自然人", kind="head")
    merge(h0 + 1, 4, h0 + 2, 4)
    cell(h0 + 1, 5, "法人或其他组织", kind="head")
    merge(h0 + 1, 5, h0 + 1, 9)
    for j, h in enumerate(R.T3_COLS[1:6], 5):
        cell(h0 + 2, j, h, kind="head")
    cell(h0 + 1, 10, "总计", kind="head")
    merge(h0 + 1, 10, h0 + 2, 10)
    cell(h0, 12, "校验", kind="head")
    cell(h0, 13, "说明", kind="head")
    first = h0 + 3
    rows = spec.t3_rows
    _table3_labels(fs, rows, first)
    last_row = first + len(rows) - 1
    total_row = first + spec.t3_total_row - 1
    carry_row = first + spec.t3_carry_row - 1
    for idx in range(len(rows)):
        rr = first + idx
        for c in range(4, 10):
            letter = get_column_letter(c)
            if rr == total_row:
                cell(rr, c, f"=SUM({letter}{first + 2}:{letter}{total_row - 1})", kind="calc")
            else:
                cell(rr, c, kind="input")
        cell(rr, 10, f"=SUM(D{rr}:I{rr})", kind="calc")
        f.row_dimensions[rr].height = 24 if len(rows[idx][0]) > 18 else 15
    fs.name("GK_T3", f"$D${first}:$J${last_row}")
    chk = last_row + 1
    cell(chk, 1, "校验：一+二＝三（七）+四")
    merge(chk, 1, chk, 3)
    for c in range(4, 11):
        letter = get_column_letter(c)
        cell(chk, c, f'=IF({letter}{first}+{letter}{first + 1}={letter}{total_row}+{letter}{carry_row},"✓","✗")',
             kind="calc")
    cell(chk, 12, f'=IF(COUNTIF(D{chk}:J{chk},"✗")>0,"✗","✓")', kind="calc")
    cell(chk, 13, "每一列：本年新收＋上年结转＝本年度办理结果总计＋结转下年度继续办理")
    f.row_dimensions[chk].height = 26
    return chk


def _table3_labels(fs: _FigureSheet, rows, first: int) -> None:
    """Table 三's row labels in A-C from row ``first``: a group in A over its rows, a subgroup in B over
    its items in C, a plain row across A-C."""
    cell, merge = fs.cell, fs.merge
    i = 0
    while i < len(rows):
        label, group, sub = rows[i]
        if not group:
            cell(first + i, 1, label)
            merge(first + i, 1, first + i, 3)
            i += 1
            continue
        j = i
        while j < len(rows) and rows[j][1] == group:
            j += 1
        cell(first + i, 1, group)
        merge(first + i, 1, first + j - 1, 1)
        k = i
        while k < j:
            lab, _, sb = rows[k]
            if not sb:
                cell(first + k, 2, lab)
                merge(first + k, 2, first + k, 3)
                k += 1
                continue
            m = k
            while m < j and rows[m][2] == sb:
                cell(first + m, 3, rows[m][0])
                m += 1
            cell(first + k, 2, sb)
            merge(first + k, 2, first + m - 1, 2)
            k = m
        i = j


def _table4(fs: _FigureSheet, r: int) -> int:
    """Table 四 in columns A-O from row ``r``, on a new printed page (its header never sits alone at the
    foot of the page before); returns its value row."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.pagebreak import Break

    from automation import reportspec as R

    cell, merge = fs.cell, fs.merge
    fs.f.row_breaks.append(Break(id=r - 1))
    fs.title(r, "四、政府信息公开行政复议、行政诉讼情况")
    r += 1
    cell(r, 1, "行政复议", kind="head")
    merge(r, 1, r, 5)
    cell(r, 6, "行政诉讼", kind="head")
    merge(r, 6, r, 15)
    for j, lab in enumerate(R.T4_LABELS, 1):
        cell(r + 1, j, lab, kind="head")
        merge(r + 1, j, r + 2, j)
    cell(r + 1, 6, "未经复议直接起诉", kind="head")
    merge(r + 1, 6, r + 1, 10)
    cell(r + 1, 11, "复议后起诉", kind="head")
    merge(r + 1, 11, r + 1, 15)
    for j, lab in enumerate(R.T4_LABELS * 2, 6):
        cell(r + 2, j, lab, kind="head")
    d = r + 3
    for c in range(1, 16):
        if c % 5 == 0:
            a, b = get_column_letter(c - 4), get_column_letter(c - 1)
            cell(d, c, f"=SUM({a}{d}:{b}{d})", kind="calc")
        else:
            cell(d, c, kind="input")
    fs.name("GK_T4", f"$A${d}:$O${d}")
    return d


def _fee_and_extra(fs: _FigureSheet, r: int) -> None:
    """The information fee (元) from row ``r``, and below it the other figures the report's 总体情况 quotes,
    with three blank rows a unit may name its own in."""
    from openpyxl.styles import Protection

    from automation import reportspec as R

    cell, merge = fs.cell, fs.merge
    fs.title(r, "信息处理费")
    cell(r + 1, 1, "信息处理费（元）")
    merge(r + 1, 1, r + 1, 3)
    cell(r + 1, 4, kind="input", fmt="0.00")
    fs.name("GK_FEE_YUAN", f"$D${r + 1}")
    cell(r + 1, 5, "本年度按《政府信息公开信息处理费管理办法》收取的信息处理费，未收取填 0。")
    merge(r + 1, 5, r + 1, 13)
    r += 3
    fs.title(r, "其他数据（年度报告“总体情况”引用：填本年度数量，没有的填 0；未统计的留空，报告中就不提；可在下方空行增加项目）")
    ex0 = r + 1
    for j, lab in enumerate(R.EXTRA_FIGURES + ["", "", ""]):
        lc = cell(ex0 + j, 1, lab or None)
        merge(ex0 + j, 1, ex0 + j, 3)
        if not lab:
            lc.protection = Protection(locked=False)
            lc.fill = fs.S.input_fill
        cell(ex0 + j, 4, kind="input")
    fs.name("GK_EXTRA", f"$A${ex0}:$D${ex0 + len(R.EXTRA_FIGURES) + 2}")


def _figure_checks(fs: _FigureSheet, spec, chk: int, d: int) -> None:
    """Table 四's check beside its values (column P) and the sheet's overall check in M4 (GK_CHECK_ALL),
    red until all is well."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Font

    f = fs.f
    fs.cell(d, 16, f'=IF(AND(E{d}=SUM(A{d}:D{d}),J{d}=SUM(F{d}:I{d}),O{d}=SUM(K{d}:N{d})),"✓","✗")', kind="calc")
    f.column_dimensions["P"].width = 5
    f["L4"] = "全部校验"
    f["L4"].font = Font(name="黑体", size=10)
    x = f["M4"]
    x.value = self_check_formula(fs.wb, spec, f'COUNTIF(D{chk}:J{chk},"✗")+COUNTIF(P{d},"✗")>0')
    x.font = Font(name="黑体", size=10, color="C00000")          # red unless all is well (green, below)
    f.conditional_formatting.add("M4", FormulaRule(formula=['LEFT($M$4,1)="✓"'], font=Font(color="00803C")))
    fs.name("GK_CHECK_ALL", "$M$4")


def _figure_validations(f) -> None:
    """Every input cell of 年度报告数据 validated by its number format: whole numbers >= 0, the fee in 万元
    and 元 as decimals >= 0, the signed changes as whole numbers."""
    from openpyxl.worksheet.datavalidation import DataValidation

    whole = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                           showErrorMessage=True, errorTitle="年度报告数据", error="请填写不小于 0 的整数",
                           showInputMessage=True, promptTitle="年度报告数据", prompt="填写非负整数，没有填 0")
    money = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                           showErrorMessage=True, errorTitle="金额", error="请填写不小于 0 的数字")
    signed = DataValidation(type="whole", operator="between", formula1="-999999", formula2="999999", allow_blank=True,
                            showErrorMessage=True, errorTitle="年度报告数据", error="请填写整数（减少填负数）",
                            showInputMessage=True, promptTitle="本年增/减", prompt="增加填正数，减少填负数，没有变化填 0")
    f.add_data_validation(whole)
    f.add_data_validation(money)
    f.add_data_validation(signed)
    for row in f.iter_rows():
        for x in row:
            if x.protection.locked is False and x.column > 1:
                {"0.00": money, "+0;-0;0": signed}.get(x.number_format, whole).add(x.coordinate)


# ---------------------------------------------------------------- the annual report template
# Where python-docx has no call (every <w:tc>'s width in a merged grid, rows that never split, repeated header
# rows, cell margins) the table's or row's XML is reached through officialdoc.element, the one bounded place.

def build_report(out: Path | None = None, spec=None) -> Path:
    """report_templates/年度报告.docx: GB/T 9704 layout in styles, docxtpl tags for the content; the page,
    the styles, the page numbers, then each part of the report (REPORT_PARTS) in order."""
    from automation import reportspec as R

    spec = spec or R.SPEC_2021
    d = docx.Document()
    _page_layout(d.sections[0])
    _report_styles(d.styles)
    _page_numbers(d)
    doc = _ReportDoc(d)
    for part in REPORT_PARTS:
        part(doc, spec)
    props = d.core_properties          # python-docx's blank document names itself author and comment
    props.title, props.author, props.comments, props.last_modified_by = "政府信息公开工作年度报告", "", "", ""
    compact_styles(d)
    target = out or ROOT / "report_templates" / "年度报告.docx"
    target.parent.mkdir(parents=True, exist_ok=True)
    d.save(target)
    return target


def _page_layout(sec) -> None:
    """A4, GB/T 9704 margins: a 156 x 225 mm text block."""
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    sec.header_distance, sec.footer_distance = Mm(15), Mm(24)


def _fonts(style_or_run, east: str, size: float | None = None, ascii_font: str | None = None) -> None:
    """The Chinese (east Asian) and Latin fonts of a style or run, in black."""
    f = style_or_run.font
    f.name = ascii_font or east
    if size:
        f.size = Pt(size)
    rpr = style_or_run.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(attr), east if attr == "w:eastAsia" else (ascii_font or east))
    f.color.rgb = None


def _indent_chars(pf_element, chars: int = 2) -> None:
    """A first-line indent of ``chars`` characters (and its twips for readers that ignore characters)."""
    ppr = pf_element.get_or_add_pPr()
    ind = ppr.find(qn("w:ind"))
    if ind is None:
        ind = OxmlElement("w:ind")
        ppr.append(ind)
    ind.set(qn("w:firstLineChars"), str(chars * 100))
    ind.set(qn("w:firstLine"), str(chars * 320))


def _no_indent(ppr, **more: str) -> None:
    """No first-line indent (the Normal style's two characters undone), plus ``more`` w:ind attributes."""
    ind = OxmlElement("w:ind")
    ind.set(qn("w:firstLine"), "0")
    ind.set(qn("w:firstLineChars"), "0")
    for attr, value in more.items():
        ind.set(qn(f"w:{attr}"), value)
    ppr.append(ind)


def _report_styles(styles) -> None:
    """正文 仿宋_GB2312 三号 at a fixed 28.95 pt (22 lines a page), 标题 方正小标宋简体 二号, headings 黑体 /
    楷体 / 仿宋 三号, the tables' 五号 text and numbers, the right-aligned 落款."""
    normal = styles["Normal"]
    _fonts(normal, "仿宋_GB2312", 16, "Times New Roman")
    pf = normal.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(28.95)          # 22 lines in the 225 mm text block
    pf.space_before = pf.space_after = Pt(0)
    pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _indent_chars(normal.element)
    _title_style(styles["Title"])
    for name, east in (("Heading 1", "黑体"), ("Heading 2", "楷体_GB2312"), ("Heading 3", "仿宋_GB2312")):
        _heading_style(styles[name], east)
    table_text = styles.add_style("表格文字", 1)
    table_text.base_style = normal
    _fonts(table_text, "仿宋_GB2312", 10.5, "Times New Roman")     # 五号: readable, still fits A4
    ttf = table_text.paragraph_format
    ttf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    ttf.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _no_indent(table_text.element.get_or_add_pPr())
    table_num = styles.add_style("表格数字", 1)
    table_num.base_style = table_text
    table_num.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    signature = styles.add_style("落款", 1)
    signature.base_style = normal
    signature.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _no_indent(signature.element.get_or_add_pPr(), right="1280", rightChars="400")


def _title_style(title) -> None:
    _fonts(title, "方正小标宋简体", 22)
    title.font.bold = False
    tpf = title.paragraph_format
    tpf.alignment = WD_ALIGN_PARAGRAPH.CENTER
    tpf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    tpf.line_spacing = Pt(36)
    tpf.space_after = Pt(0)
    ppr = title.element.get_or_add_pPr()
    for el in ppr.findall(qn("w:pBdr")):           # the default Title has a bottom border
        ppr.remove(el)
    _no_indent(ppr)


def _heading_style(h, east: str) -> None:
    _fonts(h, east, 16, "Times New Roman")
    h.font.bold = False
    h.font.italic = False
    hpf = h.paragraph_format
    hpf.space_before = hpf.space_after = Pt(0)
    hpf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    hpf.line_spacing = Pt(28.95)
    hpf.keep_with_next = True
    _indent_chars(h.element)


def _page_numbers(d) -> None:
    """Page numbers "— 1 —", 4号宋体, odd pages right, even pages left."""
    d.settings.odd_and_even_pages_header_footer = True
    sec = d.sections[0]
    _page_number(sec.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(sec.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def _page_number(paragraph, align) -> None:
    paragraph.alignment = align
    paragraph.paragraph_format.first_line_indent = Pt(0)
    for text in ("— ", None, " —"):
        run = paragraph.add_run()
        _fonts(run, "宋体", 14, "宋体")
        if text:
            run.text = text
        else:                                   # a PAGE field: python-docx has no call for fields
            for kind, val in (("begin", None), ("instr", " PAGE "), ("separate", None), ("end", None)):
                if kind == "instr":
                    el = OxmlElement("w:instrText")
                    el.set(qn("xml:space"), "preserve")
                    el.text = val
                else:
                    el = OxmlElement("w:fldChar")
                    el.set(qn("w:fldCharType"), kind)
                run.element.append(el)


class _ReportDoc:
    """The template being written: paragraphs, docxtpl blocks, table cells."""

    def __init__(self, d):
        self.d = d

    def para(self, text, style=None):
        return self.d.add_paragraph(text, style=style)

    def blocks(self, var: str) -> None:
        """A docxtpl loop over a section's paragraphs (narrative.Block: a heading or a paragraph)."""
        self.para("{%p for b in " + var + " %}")
        self.para("{%p if b.heading %}")
        self.para("{{ b.text }}", "Heading 2")
        self.para("{%p else %}")
        self.para("{{ b.text }}")
        self.para("{%p endif %}")
        self.para("{%p endfor %}")

    def table(self, rows: int, cols: int):
        """A centred table with single lines round and inside every cell."""
        table = self.d.add_table(rows=rows, cols=cols)
        grid_borders(table)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        return table

    def write(self, cell, text, style="表格文字") -> None:
        cell.text = ""
        p = cell.paragraphs[0]
        p.style = self.d.styles[style]
        p.add_run(text)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _var(key: str) -> str:
    return "{{ f." + key + " }}"


def _keep_rows(table, header_rows: int) -> None:
    """Rows never split across pages; the header rows repeat at the top of each page."""
    for i, row in enumerate(table.rows):
        tr_pr = element(row).get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if i < header_rows:
            tr_pr.append(OxmlElement("w:tblHeader"))


def _set_widths(table, mm: list[float]) -> None:
    """Column widths in the grid (what Word and LibreOffice lay out by) and in every cell."""
    table.autofit = False
    for w, col in zip(mm, table.columns):
        col.width = Mm(w)
    for row in table.rows:
        col = 0
        for tc in element(row).tc_lst:          # merged cells too: each <w:tc>, whatever it spans
            span = tc.grid_span
            tc.width = Mm(sum(mm[col:col + span]))
            col += span


def _title_part(doc: _ReportDoc, spec) -> None:
    doc.para("{{ organ }}", "Title")
    doc.para("{{ year }}年政府信息公开工作年度报告", "Title")
    doc.para("")
    doc.para("{{ preamble }}")


def _overview_part(doc: _ReportDoc, spec) -> None:
    doc.para("一、总体情况", "Heading 1")
    doc.blocks("overview")


def _table2_part(doc: _ReportDoc, spec) -> None:
    """二: per block a title row, a header row and a row per item; value cells spanning columns as _spans."""
    doc.para("二、主动公开政府信息情况", "Heading 1")
    t2 = doc.table(sum(2 + len(rows) for _, _, rows in spec.t2_blocks), 4)

    def span(row, c1, c2):     # 1-based value columns of _spans -> 0-based table cells
        return t2.cell(row, c1 - 1) if c1 == c2 else t2.cell(row, c1 - 1).merge(t2.cell(row, c2 - 1))

    r = 0
    for title_text, header, rows in spec.t2_blocks:
        doc.write(t2.cell(r, 0).merge(t2.cell(r, 3)), title_text)
        r += 1
        doc.write(t2.cell(r, 0), header[0])
        for (c1, c2), h in zip(_spans(len(header) - 1), header[1:]):
            doc.write(span(r, c1, c2), h)
        r += 1
        for label, keys in rows:
            doc.write(t2.cell(r, 0), label)
            for (c1, c2), k in zip(_spans(len(keys)), keys):
                doc.write(span(r, c1, c2), _var(k), "表格数字")
            r += 1
    _set_widths(t2, [45, 37, 37, 37])
    _keep_rows(t2, 1)


def _table3_part(doc: _ReportDoc, spec) -> None:
    """三: the applicant-type header (three rows), the row labels in up to three merged levels, 7 value columns."""
    from automation import reportspec as R

    doc.para("三、收到和处理政府信息公开申请情况", "Heading 1")
    t3 = doc.table(3 + len(spec.t3_rows), 10)
    doc.write(t3.cell(0, 0).merge(t3.cell(2, 2)), R.T3_CORNER)
    doc.write(t3.cell(0, 3).merge(t3.cell(0, 9)), "申请人情况")
    doc.write(t3.cell(1, 3).merge(t3.cell(2, 3)), "自然人")
    doc.write(t3.cell(1, 4).merge(t3.cell(1, 8)), "法人或其他组织")
    for j, h in enumerate(R.T3_COLS[1:6], 4):
        doc.write(t3.cell(2, j), h)
    doc.write(t3.cell(1, 9).merge(t3.cell(2, 9)), "总计")
    _t3_row_labels(doc, t3, spec.t3_rows)
    for rr in range(len(spec.t3_rows)):
        for cc in range(7):
            doc.write(t3.cell(3 + rr, 3 + cc), _var(R.t3(rr + 1, cc + 1)), "表格数字")
    _set_widths(t3, [12, 14, 49] + [11.5] * 7)
    _keep_rows(t3, 3)


def _t3_row_labels(doc: _ReportDoc, t3, rows) -> None:
    """Table 三's row labels: (label, group, sub) rows; a group's rows share column A, a sub-group's column B."""
    i = 0
    while i < len(rows):
        label, group, sub = rows[i]
        if not group:
            doc.write(t3.cell(3 + i, 0).merge(t3.cell(3 + i, 2)), label, "表格文字")
            i += 1
            continue
        j = i
        while j < len(rows) and rows[j][1] == group:
            j += 1
        doc.write(t3.cell(3 + i, 0).merge(t3.cell(3 + j - 1, 0)), group)
        k = i
        while k < j:
            lab, _, sb = rows[k]
            if not sb:
                doc.write(t3.cell(3 + k, 1).merge(t3.cell(3 + k, 2)), lab)
                k += 1
                continue
            m = k
            while m < j and rows[m][2] == sb:
                doc.write(t3.cell(3 + m, 2), rows[m][0])
                m += 1
            doc.write(t3.cell(3 + k, 1).merge(t3.cell(3 + m - 1, 1)), sb)
            k = m
        i = j


def _table4_part(doc: _ReportDoc, spec) -> None:
    """四: 行政复议 (5 columns) and 行政诉讼 (twice 5), 15 narrow columns with narrow cell margins."""
    from automation import reportspec as R

    doc.para("四、政府信息公开行政复议、行政诉讼情况", "Heading 1")
    t4 = doc.table(4, 15)
    doc.write(t4.cell(0, 0).merge(t4.cell(0, 4)), "行政复议")
    doc.write(t4.cell(0, 5).merge(t4.cell(0, 14)), "行政诉讼")
    for j, lab in enumerate(R.T4_LABELS):
        doc.write(t4.cell(1, j).merge(t4.cell(2, j)), lab)
    doc.write(t4.cell(1, 5).merge(t4.cell(1, 9)), "未经复议直接起诉")
    doc.write(t4.cell(1, 10).merge(t4.cell(1, 14)), "复议后起诉")
    for j, lab in enumerate(R.T4_LABELS * 2, 5):
        doc.write(t4.cell(2, j), lab)
    for j in range(15):
        doc.write(t4.cell(3, j), _var(R.t4(j + 1)), "表格数字")
    _set_widths(t4, [10.4] * 15)
    _keep_rows(t4, 3)
    margins = OxmlElement("w:tblCellMar")          # 15 narrow columns: two characters a line, not one
    for side in ("left", "right"):
        m = OxmlElement(f"w:{side}")
        m.set(qn("w:w"), "30")
        m.set(qn("w:type"), "dxa")
        margins.append(m)
    element(t4).tblPr.append(margins)


def _five_part(doc: _ReportDoc, spec) -> None:
    doc.para(spec.section_five, "Heading 1")
    doc.blocks("five")


def _six_part(doc: _ReportDoc, spec) -> None:
    doc.para("六、其他需要报告的事项", "Heading 1")
    doc.blocks("six")


def _signature_part(doc: _ReportDoc, spec) -> None:
    doc.para("")
    doc.para("{{ organ }}", "落款")
    doc.para("{{ date_text }}", "落款")


# The report's parts in order; each writes its heading and its docxtpl tags (report.SECTIONS fills them).
REPORT_PARTS = (_title_part, _overview_part, _table2_part, _table3_part, _table4_part, _five_part, _six_part,
                _signature_part)


def compact_styles(d) -> None:
    """Only the styles the report uses (and what they are based on, linked to, followed by) stay in
    styles.xml, and the Word 2010 copy (stylesWithEffects.xml) goes: python-docx's blank document carries
    ~800 KB of them, which every report would parse and compress again. Word still offers every built-in
    style (latentStyles stay) and adds its definition when the writer uses one."""
    for rid, rel in list(d.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            d.part.drop_rel(rid)
    styles = d.styles.element
    by_id = {s.get(qn("w:styleId")): s for s in styles.findall(qn("w:style"))}
    used = set()
    parts = [d.part] + [r.target_part for r in d.part.rels.values()
                        if not r.is_external and r.reltype.endswith(("/header", "/footer", "/numbering"))]
    for part in parts:
        for tag in ("w:pStyle", "w:rStyle", "w:tblStyle", "w:numStyleLink", "w:styleLink"):
            used.update(el.get(qn("w:val")) for el in part.element.iter(qn(tag)))
    used.update(sid for sid, s in by_id.items()
                if s.get(qn("w:default")) in ("1", "true") or s.get(qn("w:customStyle")) in ("1", "true"))
    todo = list(used)
    while todo:
        s = by_id.get(todo.pop())
        for tag in ("w:basedOn", "w:link", "w:next"):
            el = s.find(qn(tag)) if s is not None else None
            if el is not None and el.get(qn("w:val")) not in used:
                used.add(el.get(qn("w:val")))
                todo.append(el.get(qn("w:val")))
    for sid, s in by_id.items():
        if sid not in used:
            styles.remove(s)


def build_ledger_2019(out: Path | None = None) -> Path:
    from automation import reportspec as R

    return build_ledger(out or ROOT / "workbook_templates" / "任务台账_2019格式.xlsx", R.SPEC_2019)


def build_report_2019(out: Path | None = None) -> Path:
    from automation import reportspec as R

    return build_report(out or ROOT / "report_templates" / "年度报告_2019格式.docx", R.SPEC_2019)


BUILDERS = {"registry": build_registry, "ledger": build_ledger, "ledger2019": build_ledger_2019,
            "report": build_report, "report2019": build_report_2019}


def main(argv: list[str]) -> None:
    names = argv or list(BUILDERS)
    for name in names:
        print("已生成：", BUILDERS[name]())


if __name__ == "__main__":
    main(sys.argv[1:])
