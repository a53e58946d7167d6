"""Build 控制台.xlsm on the user's machine: XlsxWriter for the sheets and buttons, our VBA module and
the installed xlwings' VBA module in a VBA project written by automation.vba, xlwings.conf with the
absolute path of the Python that runs this.  Nothing of xlwings is stored in our repository."""
from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from .tables import row_height_for, xlsxwriter_print_setup
from .steps import INIT_PLACEHOLDER_ORGAN, REPORT_MODES, REPORT_SETTINGS, REQUIRED_FOR_REPORT, SETTINGS, STEPS
from .vba import Module, document_module, vba_project

PANEL_MODULE = "GongkaiPanel"
ENTRY = "automation.xlwings_entry"
BUTTONS = [(s.key, s.sub, s.label) for s in STEPS]
GUIDE_WIDTH = 78
SETTINGS_ROWS = [(s.label, s.default) for s in REPORT_SETTINGS]      # the 报告设置 sheet, in this order


def panel_module_source() -> str:
    lines = [f'Attribute VB_Name = "{PANEL_MODULE}"', "Option Explicit", "",
             "' Each button runs one action of the gongkai Python package through xlwings.",
             "' Parameters travel as defined names (GK_...), never as cell addresses.", ""]
    for step in STEPS:
        lines += [f"Public Sub {step.sub}()",
                  f"    RunPython \"import {ENTRY} as e; e.run_action('{step.key}')\"",
                  "End Sub", ""]
    return "\r\n".join(lines)


def xlwings_module_source() -> str:
    """The installed xlwings' VBA module; where xlwings is not installed (it drives only Windows and macOS
    Excel: on Linux desktops the browser panel is the control), a module of the same name whose RunPython
    tells the user what to use instead."""
    try:
        import xlwings
    except ImportError:
        return NO_XLWINGS_MODULE
    return (Path(xlwings.__file__).parent / "xlwings.bas").read_text(encoding="cp1252")


def vba_string(text: str) -> list[str]:
    """Chinese text for a code-page-1252 VBA module: statements that build it in ``m`` from ChrW codes."""
    out = ['    m = ""']
    for i in range(0, len(text), 24):
        out.append("    m = m & " + " & ".join(f"ChrW({ord(ch)})" for ch in text[i:i + 24]))
    return out


NO_XLWINGS_MODULE = "\r\n".join(
    ['Attribute VB_Name = "xlwings"', "Option Explicit", "",
     "' Written on a computer without xlwings: the buttons cannot run Python from here.",
     "Public Function RunPython(ByVal PythonCommand As String)", "    Dim m As String"]
    + vba_string("这台电脑上没有安装 xlwings，按钮不能直接运行。请双击文件夹中的“政务公开工作台”（浏览器操作），"
                 "或双击 1-解析工作要点.cmd 等文件。")
    + ["    MsgBox m, vbExclamation", "End Function", ""])


def xlwings_conf() -> list[tuple[str, str]]:
    return [("Interpreter_Win", sys.executable), ("ADD_WORKBOOK_TO_PYTHONPATH", "False"),
            ("SHOW_ERROR_POPUPS", "True")]


def build_vba() -> bytes:
    modules = [document_module("ThisWorkbook", "workbook")]
    modules += [document_module(f"Sheet{i}", "sheet") for i in range(1, len(CONSOLE_SHEETS) + 1)]
    modules += [Module(PANEL_MODULE, panel_module_source()), Module("xlwings", xlwings_module_source())]
    return vba_project(modules)


def read_inputs(path: Path) -> dict:
    """The inputs and settings of an existing console, carried over when it is rebuilt."""
    from openpyxl import load_workbook

    wb = load_workbook(path, keep_vba=False)
    out = {}
    for name, dn in wb.defined_names.items():
        if name.startswith("GK_"):
            sheet, ref = next(iter(dn.destinations))
            out[name] = wb[sheet][ref.replace("$", "")].value
    if "报告设置" in wb.sheetnames:
        out["__settings__"] = [(r[0], r[1]) for r in wb["报告设置"].iter_rows(min_row=2, max_col=2, values_only=True)
                               if r[0]]
    return out


def build_console(path, year: int | None = None, keep_inputs: bool = True) -> Path:
    """控制台.xlsm at ``path``: each sheet of CONSOLE_SHEETS written by its function; the inputs and settings of
    a console already there are carried over (unless ``keep_inputs`` is false)."""
    path = Path(path)
    previous = read_inputs(path) if keep_inputs and path.exists() else {}
    tmp = path.with_name(".~gk" + path.name)
    wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False})
    wb.set_vba_name("ThisWorkbook")
    wb.add_vba_project(io.BytesIO(build_vba()), is_stream=True)
    book = _Book(wb=wb, f=_formats(wb), previous=previous, year=year)
    for i, (name, write_sheet) in enumerate(CONSOLE_SHEETS, 1):
        ws = wb.add_worksheet(name)
        ws.set_vba_name(f"Sheet{i}")                 # the document modules build_vba writes
        write_sheet(ws, book)
    wb.close()
    _printable_buttons(tmp)
    tmp.replace(path)
    return path


@dataclass
class _Book:
    """The console being written: the workbook, its named formats, what the previous console held."""
    wb: xlsxwriter.Workbook
    f: dict
    previous: dict
    year: int | None

    def name(self, nm: str, cell: str, sheet: str = "控制台") -> None:
        """A defined name (GK_…): the buttons, the panel and the actions read and write cells by name."""
        col = "".join(ch for ch in cell if ch.isalpha())
        row = "".join(ch for ch in cell if ch.isdigit())
        self.wb.define_name(nm, f"='{sheet}'!${col}${row}")


def _formats(wb) -> dict:
    return {
        "title": wb.add_format({"font_name": "黑体", "font_size": 18}),
        "sub": wb.add_format({"font_name": "宋体", "font_size": 10, "font_color": "#666666"}),
        "label": wb.add_format({"font_name": "黑体", "font_size": 11, "bg_color": "#DDEBF7", "border": 1,
                                "valign": "vcenter"}),
        "input": wb.add_format({"font_name": "宋体", "font_size": 11, "bg_color": "#FFF2CC", "border": 1,
                                "locked": False, "valign": "vcenter", "align": "left"}),
        "date": wb.add_format({"font_name": "宋体", "font_size": 11, "bg_color": "#FFF2CC", "border": 1,
                               "locked": False, "num_format": "yyyy-mm-dd", "align": "left", "valign": "vcenter"}),
        "note": wb.add_format({"font_name": "宋体", "font_size": 9, "font_color": "#666666", "text_wrap": True,
                               "valign": "vcenter"}),
        "head": wb.add_format({"font_name": "黑体", "font_size": 11, "bg_color": "#BDD7EE", "border": 1,
                               "align": "center", "valign": "vcenter"}),
        "step": wb.add_format({"font_name": "黑体", "font_size": 12, "border": 1, "valign": "vcenter"}),
        "status": wb.add_format({"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter",
                                 "text_wrap": True}),
        "link": wb.add_format({"font_name": "宋体", "font_size": 10, "font_color": "#0563C1", "underline": 1,
                               "border": 1, "valign": "vcenter"}),
        "msg": wb.add_format({"font_name": "宋体", "font_size": 11, "border": 2, "border_color": "#5B9BD5",
                              "text_wrap": True, "valign": "top", "bg_color": "#F7FBFF"}),
        "text": wb.add_format({"font_name": "宋体", "font_size": 11, "text_wrap": True, "valign": "top"}),
        "h2": wb.add_format({"font_name": "黑体", "font_size": 12}),
        "to_fill": wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"}),    # a required cell left blank
    }


def _panel_sheet(ws, book: _Book) -> None:
    """控制台: the inputs (yellow), a button and a status per step, the last run's message."""
    f = book.f
    ws.hide_gridlines(2)
    ws.set_column("A:A", 20)
    ws.set_column("B:B", 22)
    ws.set_column("C:C", 52)
    ws.set_column("D:D", 18)
    ws.write_string("A1", "政务公开工作控制台", f["title"])
    ws.write_string("A2", "填写黄色单元格后，按 1→4 的顺序点击按钮；每一步的结果显示在下方“运行结果”中。", f["sub"])
    r = _inputs(ws, book, 3)
    r = _step_buttons(ws, book, r + 1)
    r += 1
    ws.write_string(r, 0, "运行结果", f["h2"])
    r += 1
    ws.merge_range(r, 0, r + 7, 3, str(book.previous.get("GK_MESSAGE") or "尚未运行任何步骤。"), f["msg"])
    book.name("GK_MESSAGE", f"A{r + 1}")
    xlsxwriter_print_setup(ws, [20, 22, 52, 18], landscape=True, title_row=False, pages_high=1)
    ws.activate()


def _inputs(ws, book: _Book, r: int) -> int:
    """One row per steps.SETTINGS from row ``r`` (0-based): label, value (kept from the previous console),
    note; returns the row after the last."""
    previous, year, f = book.previous, book.year, book.f
    defaults = {"GK_YEAR": year or previous.get("GK_YEAR") or dt.date.today().year,
                "GK_DUE": previous.get("GK_DUE"),
                "GK_ROUND": previous.get("GK_ROUND") or f"{year or ''}年第1次调度"}
    for s in SETTINGS:
        value = defaults[s.name] if s.name in defaults else previous.get(s.name) or (s.choices[0] if s.choices else "")
        ws.write_string(r, 0, s.label, f["label"])
        _input_cell(ws, f, r, s, value)
        ws.merge_range(r, 2, r, 3, s.note, f["note"])
        ws.set_row(r, 22)
        book.name(s.name, f"B{r + 1}")
        r += 1
    return r


def _input_cell(ws, f: dict, r: int, s, value) -> None:
    """The value cell of one setting, with what Excel accepts there: a date, a year, one of its choices."""
    cell = f"B{r + 1}"
    if s.name == "GK_DUE":
        if isinstance(value, (dt.date, dt.datetime)):
            ws.write_datetime(r, 1, value if isinstance(value, dt.datetime) else
                              dt.datetime.combine(value, dt.time()), f["date"])
        else:
            ws.write_blank(r, 1, None, f["date"])
        ws.data_validation(cell, {"validate": "date", "criteria": "between",
                                  "minimum": dt.date(2000, 1, 1), "maximum": dt.date(2099, 12, 31),
                                  "error_message": "请填写日期，如 2021-07-10"})
    elif s.name == "GK_YEAR":
        ws.write_number(r, 1, int(value), f["input"])
        ws.data_validation(cell, {"validate": "integer", "criteria": "between", "minimum": 2019,
                                  "maximum": 2099, "error_message": "请填写年份，如 2021"})
    else:
        ws.write_string(r, 1, str(value), f["input"])
        if s.name == "GK_REPORT_MODE":
            ws.data_validation(cell, {"validate": "list", "source": list(REPORT_MODES)})
        elif s.choices:
            ws.data_validation(cell, {"validate": "list", "source": list(s.choices)})


def _step_buttons(ws, book: _Book, r: int) -> int:
    """The 步骤/按钮/状态/输出 table from row ``r``: a row per steps.STEPS; returns the row after the last."""
    f = book.f
    for c, t in enumerate(["步骤", "按钮", "状态", "输出"]):
        ws.write_string(r, c, t, f["head"])
    r += 1
    for i, step in enumerate(STEPS, 1):
        ws.set_row(r, 40)
        ws.write_string(r, 0, f"第{i}步", f["step"])
        ws.write_blank(r, 1, None, f["status"])
        ws.insert_button(r, 1, {"macro": step.sub, "caption": step.label, "width": 150, "height": 40,
                                "x_offset": 2, "y_offset": 4})
        ws.write_string(r, 2, str(book.previous.get(step.status_name) or "未运行"), f["status"])
        book.name(step.status_name, f"C{r + 1}")
        ws.write_url(r, 3, f"external:{step.output}", f["link"], step.output_text)
        r += 1
    return r


GUIDE_LINES = [
    ("h2", "一、每年的工作顺序"),
    ("text", "1. 把本年度《政务公开工作要点》（Word、PDF 或文本）放进本文件夹下的“工作要点”文件夹；通知和附件可以都放进去。"),
    ("text", "2. 在“控制台”填写年度，点“解析工作要点”，然后打开“任务清单.xlsx”核对：可以直接改单位、时限，删除或增加任务。"),
    ("text", "3. 填写报送截止日期和调度轮次，点“生成分发工作簿”，按“下发清单.xlsx”把每个单位的工作簿发给该单位。"),
    ("text", "4. 各单位报回的文件全部放进“回收”文件夹（不用改名，可以有子文件夹），点“汇总回收工作簿”，查看“汇总\\汇总.xlsx”。"),
    ("text", "   每次调度换一个“调度轮次”名称，历次结果都保存在“汇总\\台账.sqlite”中。"),
    ("text", "5. 年底在“报告设置”表填写机关名称、地址、电话、成文日期等，点“生成年度报告”，在“报告”文件夹中修改润色 Word 报告。"),
    ("h2", "二、第一次使用（每台电脑只做一次）"),
    ("text", "1. 安装 Python 3.11 或更高版本，安装到不含中文和空格的路径（如 C:\\Python311），勾选“Add python.exe to PATH”。"),
    ("text", "2. 安装本工具：在命令提示符中运行 pip install gongkai（或按维护人员提供的离线安装包说明安装）。"),
    ("text", "3. 本文件夹和本控制台由维护人员用 gongkai init 命令在本机生成（不要从网上或邮件直接下载控制台文件）。"),
    ("text", "4. 打开本工作簿时点“启用内容/启用宏”。如果文件被 Windows 阻止：右键文件→属性→勾选“解除锁定”。"),
    ("text", "5. 如 360、火绒或 Defender 拦截 Excel 启动 Python，请在安全软件中把 Excel 和 Python 加入信任。"),
    ("h2", "三、使用 WPS 或按钮不能用时"),
    ("text", "双击本文件夹中的“1-解析工作要点.cmd”“2-生成分发工作簿.cmd”等文件，效果与按钮相同（先关闭本工作簿）；结果同样写回本工作簿。"),
    ("text", "统信 UOS、银河麒麟等电脑：双击本文件夹中的“政务公开工作台”，在浏览器中按同样的四个步骤操作（设置和状态也保存在本工作簿中）。"),
]


def _guide_sheet(ws, book: _Book) -> None:
    """使用说明: GUIDE_LINES, headings and wrapped paragraphs."""
    # one wrapped column narrower than a portrait page (a wider one printed at 100 %, cut at both sides)
    ws.set_column("A:A", GUIDE_WIDTH)
    xlsxwriter_print_setup(ws, [GUIDE_WIDTH], landscape=False, title_row=False)
    for i, (kind, text) in enumerate(GUIDE_LINES):
        ws.write_string(i, 0, text, book.f[kind])
        ws.set_row(i, 24 if kind == "h2" else row_height_for([(text, GUIDE_WIDTH)], 15.0))


def _settings_sheet(ws, book: _Book) -> None:
    """报告设置: a row per steps.REPORT_SETTINGS, the values kept from the previous console."""
    f = book.f
    ws.set_column("A:A", 20)
    ws.set_column("B:B", 44)
    ws.set_column("C:C", 30)
    xlsxwriter_print_setup(ws, [20, 44, 30], landscape=False)
    ws.write_string(0, 0, "项目", f["head"])
    ws.write_string(0, 1, "内容（年度报告的导语、落款使用）", f["head"])
    ws.write_string(0, 2, "说明", f["head"])
    rows = dict(book.previous.get("__settings__") or SETTINGS_ROWS)
    for i, s in enumerate(REPORT_SETTINGS, 1):         # column C is read by nobody: the panel shows the same notes
        ws.write_string(i, 0, s.label, f["label"])
        value = str(rows.get(s.label) or s.default or "")
        ws.write_string(i, 1, "" if value == INIT_PLACEHOLDER_ORGAN else value, f["input"])
        ws.write_string(i, 2, s.note, f["note"])
        if s.name in REQUIRED_FOR_REPORT:               # to fill: red while blank, here as in the browser panel
            ws.conditional_format(i, 1, i, 1, {"type": "blanks", "format": f["to_fill"]})
        ws.set_row(i, row_height_for([(s.note, 30)], 15.0))


def _conf_sheet(ws, book: _Book) -> None:
    """xlwings.conf (hidden): the Python the buttons run."""
    for i, (k, v) in enumerate(xlwings_conf()):
        ws.write_string(i, 0, k)
        ws.write_string(i, 1, v)
    ws.hide()


# The console's sheets in order (Sheet1, Sheet2 … of the VBA project): name, and the function writing it.
CONSOLE_SHEETS = (("控制台", _panel_sheet), ("使用说明", _guide_sheet), ("报告设置", _settings_sheet),
                  ("xlwings.conf", _conf_sheet))


def _printable_buttons(path: Path) -> None:
    """XlsxWriter marks buttons as not printed; the panel reads better on paper and in a PDF with them."""
    with zipfile.ZipFile(path) as z:
        parts = [(info, z.read(info.filename)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            if info.filename.endswith(".vml"):
                data = data.replace(b"<x:PrintObject>False</x:PrintObject>", b"")
            z.writestr(info, data)
