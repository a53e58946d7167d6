"""Build 控制台.xlsm on the user's machine: XlsxWriter for the sheets and buttons, our VBA module and
the installed xlwings' VBA module in a VBA project written by automation.vba, xlwings.conf with the
absolute path of the Python that runs this.  Nothing of xlwings is stored in our repository."""
from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

import xlsxwriter

from .tables import row_height_for, xlsxwriter_print_setup
from .steps import STEPS
from .vba import Module, document_module, vba_project

PANEL_MODULE = "GongkaiPanel"
ENTRY = "automation.xlwings_entry"
BUTTONS = [(s.key, s.sub, s.label) for s in STEPS]
SHEETS = ["控制台", "使用说明", "报告设置", "xlwings.conf"]
REPORT_MODES = ["全部单位和汇总报告", "仅汇总报告", "指定单位"]
SETTINGS_ROWS = [("机关名称", "XX区人民政府"), ("地址", ""), ("邮编", ""), ("联系电话", ""), ("电子邮箱", ""),
                 ("网站", ""), ("成文日期", ""), ("汇总范围", ""), ("人大代表建议和政协提案", ""),
                 ("其他需要报告的事项", "")]


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
    import xlwings

    return (Path(xlwings.__file__).parent / "xlwings.bas").read_text(encoding="cp1252")


def xlwings_conf() -> list[tuple[str, str]]:
    return [("Interpreter_Win", sys.executable), ("ADD_WORKBOOK_TO_PYTHONPATH", "False"),
            ("SHOW_ERROR_POPUPS", "True")]


def build_vba() -> bytes:
    modules = [document_module("ThisWorkbook", "workbook")]
    modules += [document_module(f"Sheet{i}", "sheet") for i in range(1, len(SHEETS) + 1)]
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
    path = Path(path)
    previous = read_inputs(path) if keep_inputs and path.exists() else {}
    tmp = path.with_name(".~gk" + path.name)
    wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False})
    wb.set_vba_name("ThisWorkbook")
    wb.add_vba_project(io.BytesIO(build_vba()), is_stream=True)
    f = {
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
    }
    ws = wb.add_worksheet("控制台")
    ws.set_vba_name("Sheet1")
    ws.hide_gridlines(2)
    ws.set_column("A:A", 20)
    ws.set_column("B:B", 22)
    ws.set_column("C:C", 52)
    ws.set_column("D:D", 18)
    ws.write_string("A1", "政务公开工作控制台", f["title"])
    ws.write_string("A2", "填写黄色单元格后，按 1→4 的顺序点击按钮；每一步的结果显示在下方“运行结果”中。", f["sub"])

    def name(nm: str, cell: str, sheet: str = "控制台") -> None:
        col = "".join(ch for ch in cell if ch.isalpha())
        row = "".join(ch for ch in cell if ch.isdigit())
        wb.define_name(nm, f"='{sheet}'!${col}${row}")

    inputs = [
        ("GK_YEAR", "年度", year or previous.get("GK_YEAR") or dt.date.today().year, "例如 2021"),
        ("GK_PLAN_FILES", "工作要点文件", previous.get("GK_PLAN_FILES") or "",
         "放在“工作要点”文件夹中；多个文件（通知和附件）用“；”分隔；留空则读取该文件夹中的全部文件"),
        ("GK_DUE", "报送截止日期", previous.get("GK_DUE"), "各单位报送台账的截止日期，如 2021-07-10"),
        ("GK_ROUND", "调度轮次", previous.get("GK_ROUND") or f"{year or ''}年第1次调度",
         "每次调度换一个名称，下发文件放在“下发\\轮次名称”文件夹"),
        ("GK_CONTACT", "办公室联系人", previous.get("GK_CONTACT") or "", "写入下发工作簿的填报说明，如 张三 0632-1234567"),
        ("GK_SKIP_UNRESOLVED", "跳过无法确定的单位", previous.get("GK_SKIP_UNRESOLVED") or "否",
         "任务清单中有“区政府有关部门”等不能确定是哪些单位的名称时：选“否”先停下来核对；选“是”先下发其他任务，这些任务列为未分解"),
        ("GK_ON_TIME", "认定按时报送的单位", previous.get("GK_ON_TIME") or "",
         "报送时间晚于截止日期、但办公室认定按时的单位，用“、”分隔"),
        ("GK_REPORT_MODE", "年度报告范围", previous.get("GK_REPORT_MODE") or REPORT_MODES[0], "从下拉列表选择"),
        ("GK_REPORT_UNIT", "指定单位", previous.get("GK_REPORT_UNIT") or "", "范围选“指定单位”时填写单位名称"),
        ("GK_FORCE", "覆盖已有报告", previous.get("GK_FORCE") or "否", "选“是”时数据校验未通过也生成并覆盖"),
    ]
    r = 3
    for nm, label, value, note in inputs:
        ws.write_string(r, 0, label, f["label"])
        cell = f"B{r + 1}"
        if nm == "GK_DUE":
            if isinstance(value, (dt.date, dt.datetime)):
                ws.write_datetime(r, 1, value if isinstance(value, dt.datetime) else
                                  dt.datetime.combine(value, dt.time()), f["date"])
            else:
                ws.write_blank(r, 1, None, f["date"])
            ws.data_validation(cell, {"validate": "date", "criteria": "between",
                                      "minimum": dt.date(2000, 1, 1), "maximum": dt.date(2099, 12, 31),
                                      "error_message": "请填写日期，如 2021-07-10"})
        elif nm == "GK_YEAR":
            ws.write_number(r, 1, int(value), f["input"])
            ws.data_validation(cell, {"validate": "integer", "criteria": "between", "minimum": 2019,
                                      "maximum": 2099, "error_message": "请填写年份，如 2021"})
        else:
            ws.write_string(r, 1, str(value), f["input"])
            if nm == "GK_REPORT_MODE":
                ws.data_validation(cell, {"validate": "list", "source": REPORT_MODES})
            if nm in ("GK_FORCE", "GK_SKIP_UNRESOLVED"):
                ws.data_validation(cell, {"validate": "list", "source": ["否", "是"]})
        ws.merge_range(r, 2, r, 3, note, f["note"])
        ws.set_row(r, 22)
        name(nm, cell)
        r += 1
    r += 1
    for c, t in enumerate(["步骤", "按钮", "状态", "输出"]):
        ws.write_string(r, c, t, f["head"])
    r += 1
    for i, step in enumerate(STEPS, 1):
        ws.set_row(r, 40)
        ws.write_string(r, 0, f"第{i}步", f["step"])
        ws.write_blank(r, 1, None, f["status"])
        ws.insert_button(r, 1, {"macro": step.sub, "caption": step.label, "width": 150, "height": 40,
                                "x_offset": 2, "y_offset": 4})
        ws.write_string(r, 2, str(previous.get(step.status_name) or "未运行"), f["status"])
        name(step.status_name, f"C{r + 1}")
        ws.write_url(r, 3, f"external:{step.output}", f["link"], step.output_text)
        r += 1
    r += 1
    ws.write_string(r, 0, "运行结果", f["h2"])
    r += 1
    ws.merge_range(r, 0, r + 7, 3, str(previous.get("GK_MESSAGE") or "尚未运行任何步骤。"), f["msg"])
    name("GK_MESSAGE", f"A{r + 1}")
    xlsxwriter_print_setup(ws, [20, 22, 52, 18], landscape=True, title_row=False, pages_high=1)
    ws.activate()

    guide = wb.add_worksheet("使用说明")
    guide.set_vba_name("Sheet2")
    guide.set_column("A:A", 96)
    xlsxwriter_print_setup(guide, [96], landscape=False, title_row=False)
    lines = [
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
    ]
    for i, (kind, text) in enumerate(lines):
        guide.write_string(i, 0, text, f[kind])
        guide.set_row(i, 24 if kind == "h2" else row_height_for([(text, 96)], 15.0))

    settings = wb.add_worksheet("报告设置")
    settings.set_vba_name("Sheet3")
    settings.set_column("A:A", 22)
    settings.set_column("B:B", 60)
    xlsxwriter_print_setup(settings, [22, 60], landscape=False)
    settings.write_string(0, 0, "项目", f["head"])
    settings.write_string(0, 1, "内容（年度报告的导语、落款使用）", f["head"])
    rows = dict(previous.get("__settings__") or SETTINGS_ROWS)
    for i, (key, default) in enumerate(SETTINGS_ROWS, 1):
        settings.write_string(i, 0, key, f["label"])
        settings.write_string(i, 1, str(rows.get(key) or default or ""), f["input"])

    conf = wb.add_worksheet("xlwings.conf")
    conf.set_vba_name("Sheet4")
    for i, (k, v) in enumerate(xlwings_conf()):
        conf.write_string(i, 0, k)
        conf.write_string(i, 1, v)
    conf.hide()
    wb.close()
    _printable_buttons(tmp)
    tmp.replace(path)
    return path


def _printable_buttons(path: Path) -> None:
    """XlsxWriter marks buttons as not printed; the panel reads better on paper and in a PDF with them."""
    with zipfile.ZipFile(path) as z:
        parts = [(info, z.read(info.filename)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            if info.filename.endswith(".vml"):
                data = data.replace(b"<x:PrintObject>False</x:PrintObject>", b"")
            z.writestr(info, data)
