"""The control workbook: VBA project, buttons, names, xlwings.conf; actions through the panel seam."""
import datetime as dt
import importlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from automation import actions
from automation.console import BUTTONS, PANEL_MODULE, xlwings_module_source
from automation.demo import SAMPLE_ACTUAL_UNITS, fill_return, map_names
from automation.resources import sample_plan
from automation.steps import STEPS
from automation.workspace import Workspace, init_workspace, write_cmd_files
from conftest import console_get, console_run, soffice


@pytest.fixture
def ws(tmp_path):
    root = tmp_path / "2021年政务公开"
    init_workspace(root, 2021)
    return root


def macros_of(path):
    from oletools.olevba import VBA_Parser

    vp = VBA_Parser(str(path))
    return {name.rsplit(".", 1)[0]: code for _, _, name, code in vp.extract_macros()}


def button_macros(path):
    with zipfile.ZipFile(path) as z:
        vml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".vml"))
    return re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml)


def test_buttons_call_public_subs_that_import_real_functions(ws):
    console = ws / "控制台.xlsm"
    macros = macros_of(console)
    assert set(macros) >= {"ThisWorkbook", "Sheet1", PANEL_MODULE, "xlwings"}
    panel_code = macros[PANEL_MODULE]
    bound = button_macros(console)
    assert bound == [sub for _, sub, _ in BUTTONS]
    for sub in bound:
        m = re.search(rf"Public Sub {sub}\(\)\s*\r?\n\s*RunPython \"(.+?)\"\s*\r?\n\s*End Sub", panel_code)
        assert m, sub
        parsed = re.fullmatch(r"import ([\w.]+) as (\w+); \2\.(\w+)\('(\w+)'\)", m.group(1))
        assert parsed, m.group(1)
        module_name, _, func, action = parsed.groups()
        assert callable(getattr(importlib.import_module(module_name), func))
        assert action in actions.HANDLERS
    # the xlwings module is the installed package's, unchanged
    assert macros["xlwings"].replace("\r\n", "\n").strip() == xlwings_module_source().replace("\r\n", "\n").strip()


def test_names_and_xlwings_conf(ws):
    wb = openpyxl.load_workbook(ws / "控制台.xlsm", keep_vba=True)
    needed = {"GK_YEAR", "GK_PLAN_FILES", "GK_DUE", "GK_ROUND", "GK_CONTACT", "GK_REPORT_MODE", "GK_REPORT_UNIT",
              "GK_FORCE", "GK_STATUS_PLAN", "GK_STATUS_DISTRIBUTE", "GK_STATUS_COLLECT", "GK_STATUS_REPORT",
              "GK_MESSAGE"}
    assert needed <= set(wb.defined_names)
    labels = {"GK_YEAR": "年度", "GK_PLAN_FILES": "工作要点文件", "GK_DUE": "报送截止日期", "GK_ROUND": "调度轮次",
              "GK_CONTACT": "办公室联系人", "GK_REPORT_MODE": "年度报告范围", "GK_REPORT_UNIT": "指定单位",
              "GK_FORCE": "覆盖已有报告"}
    values = {"GK_YEAR": 2021, "GK_ROUND": "2021年第1次调度", "GK_REPORT_MODE": "全部单位和汇总报告", "GK_FORCE": "否",
              "GK_STATUS_PLAN": "未运行", "GK_STATUS_REPORT": "未运行", "GK_MESSAGE": "尚未运行任何步骤。"}
    for name in needed:
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        assert sheet == "控制台" and ":" not in ref, name        # one cell on the panel
        cell = wb[sheet][ref.replace("$", "")]
        if name in labels:                                       # an input sits right of its label
            assert wb[sheet].cell(cell.row, cell.column - 1).value == labels[name], name
        if name in values:
            assert cell.value == values[name], name
    assert wb["控制台"][wb.defined_names["GK_YEAR"].attr_text.split("!")[1].replace("$", "")].value == 2021
    conf = wb["xlwings.conf"]
    rows = [(r[0], r[1]) for r in conf.iter_rows(values_only=True)]
    assert all(k and v for k, v in rows)                      # keys from A1 down, no blank rows, values in B
    assert conf.sheet_state == "hidden"
    conf_map = dict(rows)
    assert conf_map["Interpreter_Win"] == sys.executable and Path(conf_map["Interpreter_Win"]).is_absolute()
    assert conf_map["ADD_WORKBOOK_TO_PYTHONPATH"] == "False"
    assert not any('"' in v for _, v in rows)
    # the .cmd files for WPS offices run the same actions (written where Windows runs them)
    cmd = write_cmd_files(Workspace(ws), windows=True)[0].read_bytes()
    assert b"-m automation run plan --workspace" in cmd and b"\r\n" in cmd
    assert b"%~dp0" in cmd and b"chcp 65001" in cmd


@pytest.mark.skipif(os.name == "nt", reason="the .sh files are written where Windows is not")
def test_linux_gets_shell_scripts_that_run_the_steps(ws, tmp_path):
    """On Linux (UOS, Kylin) init writes no .cmd holding a Linux path: executable .sh files that run the step on
    the folder they are in, from wherever they are started."""
    assert not list(ws.glob("*.cmd"))
    scripts = sorted(ws.glob("*.sh"))
    assert [p.name for p in scripts] == sorted(f"{step.cmd_name}.sh" for step in STEPS) and len(scripts) >= 4
    assert all(os.access(p, os.X_OK) for p in scripts)
    shutil.copy(sample_plan(), ws / "工作要点" / "plan.txt")
    r = subprocess.run([str(scripts[0])], cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "【解析工作要点】完成" in r.stdout and (ws / "任务清单.xlsx").exists()
    assert "完成" in cell(ws, "GK_STATUS_PLAN")


run_action, cell = console_run, console_get


def test_whole_year_through_the_panel(ws):
    shutil.copy(sample_plan(), ws / "工作要点" / "2021年市中区政务公开工作要点.txt")
    r = run_action(ws, "plan", GK_YEAR=2021)
    assert r.ok, r.message
    assert cell(ws, "GK_STATUS_PLAN").startswith("完成") and "40 项任务" in cell(ws, "GK_STATUS_PLAN")
    assert (ws / "任务清单.xlsx").exists()
    r = run_action(ws, "distribute", GK_DUE=dt.datetime(2021, 7, 10), GK_ROUND="第1轮", GK_CONTACT="张三 0632-1")
    assert not r.ok and r.problem.code == "DISTRIBUTE_UNRESOLVED"          # names no unit stands for: review first
    assert "区政府有关部门" in r.message and "跳过无法确定的单位" in r.message and not (ws / "下发" / "第1轮").exists()
    map_names(ws / "任务清单.xlsx", SAMPLE_ACTUAL_UNITS)                   # the clerk fills 实际责任单位
    r = run_action(ws, "distribute")
    assert r.ok, r.message
    sent = sorted((ws / "下发" / "第1轮").glob("*台账.xlsx"))
    assert len(sent) == 37 and "已生成 37 个单位工作簿" in cell(ws, "GK_STATUS_DISTRIBUTE")
    for i, p in enumerate(sent[:4]):
        fill_return(p, ws / "回收" / p.name, seed=i, mtime=dt.datetime(2021, 7, 8))
    r = run_action(ws, "collect")
    assert r.ok, r.message
    assert "已报送 4/37 个单位（未报送 33" in cell(ws, "GK_STATUS_COLLECT") and (ws / "汇总" / "汇总.xlsx").exists()
    wb = openpyxl.load_workbook(ws / "控制台.xlsm", keep_vba=True)
    wb["报告设置"]["B2"] = "枣庄市市中区人民政府"
    wb["报告设置"]["B5"] = "0632-3083075"                                # 联系电话: the contact line needs it
    wb.save(ws / "控制台.xlsm")
    r = run_action(ws, "report", GK_REPORT_MODE="仅汇总报告")           # July data: not the year's
    assert r.ok and "不是年终调度的数据" in r.message, r.message
    assert not (ws / "报告" / "枣庄市市中区人民政府_2021年政府信息公开工作年度报告.docx").exists()
    wb = openpyxl.load_workbook(ws / "控制台.xlsm", keep_vba=True)
    row = next(r for r in wb["报告设置"].iter_rows(min_row=2) if r[0].value == "接受年中数据的单位")
    row[1].value = "、".join(p.name.split("_")[0] for p in sent[:4])      # the office accepts them
    wb.save(ws / "控制台.xlsm")
    r = run_action(ws, "report", GK_REPORT_MODE="仅汇总报告")
    assert r.ok, r.message
    assert (ws / "报告" / "枣庄市市中区人民政府_2021年政府信息公开工作年度报告.docx").exists()
    # the buttons and the VBA project survive every save of the closed workbook
    assert button_macros(ws / "控制台.xlsm") == [sub for _, sub, _ in BUTTONS]
    assert PANEL_MODULE in macros_of(ws / "控制台.xlsm")
    # a clerk's edited task list is kept when the plan is parsed again
    r = run_action(ws, "plan")
    assert list(ws.glob("任务清单（*备份）.xlsx"))


def test_stage_error_becomes_a_chinese_message(ws):
    r = run_action(ws, "plan")                      # 工作要点 folder is empty
    assert not r.ok
    msg = cell(ws, "GK_MESSAGE")
    assert msg.startswith("【解析工作要点】失败：") and "工作要点" in msg and "怎么办" in msg
    assert cell(ws, "GK_STATUS_PLAN").startswith("失败")
    r = run_action(ws, "distribute")                # no task list yet
    assert not r.ok and "找不到文件" in cell(ws, "GK_MESSAGE")


def test_console_messages_never_show_command_line_flags(ws):
    shutil.copy(sample_plan(), ws / "工作要点" / "plan.txt")
    assert run_action(ws, "plan", GK_YEAR=2021).ok
    assert run_action(ws, "distribute", GK_ROUND="第1轮", GK_SKIP_UNRESOLVED="是").ok
    r = run_action(ws, "distribute", GK_ROUND="第1轮")             # same round again: files exist
    assert not r.ok and r.problem.code == "OUTPUT_EXISTS"
    msg = cell(ws, "GK_MESSAGE")
    assert "已存在" in msg and "调度轮次" in msg and "--" not in msg
    guide = openpyxl.load_workbook(ws / "控制台.xlsm", keep_vba=True)["使用说明"]
    assert not any("--" in str(c.value) for row in guide.iter_rows() for c in row if c.value)
    # the command line says it in its own words
    r = subprocess.run([sys.executable, "-m", "automation", "plan", str(ws / "工作要点" / "plan.txt"), "-o",
                        str(ws / "任务清单.xlsx")], capture_output=True, text=True)
    assert r.returncode == 2 and "已存在" in r.stderr and "--force" in r.stderr


def test_xlwings_glue_with_a_fake_caller(ws, monkeypatch):
    xw = pytest.importorskip("xlwings")
    shutil.copy(sample_plan(), ws / "工作要点" / "plan.txt")

    class Range:
        def __init__(self):
            self.value = None

    class Names(dict):
        def __getitem__(self, key):
            return super().__getitem__(key)

    class Name:
        def __init__(self):
            self.refers_to_range = Range()

    class App:
        status_bar = None

    class Book:
        fullname = str(ws / "控制台.xlsm")
        app = App()
        names = Names({n: Name() for n in ["GK_YEAR", "GK_PLAN_FILES", "GK_MESSAGE", "GK_STATUS_PLAN"]})

    book = Book()
    book.names["GK_YEAR"].refers_to_range.value = 2021.0
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book))
    from automation.xlwings_entry import run_action as entry

    entry("plan")
    assert book.names["GK_STATUS_PLAN"].refers_to_range.value.startswith("完成")
    assert "40 项任务" in book.names["GK_MESSAGE"].refers_to_range.value
    assert (ws / "任务清单.xlsx").exists()


def test_cli_run_and_workspace_option(ws):
    shutil.copy(sample_plan(), ws / "工作要点" / "plan.txt")
    r = subprocess.run([sys.executable, "-m", "automation", "plan", "--workspace", str(ws)], capture_output=True,
                       text=True)
    assert r.returncode == 0 and "40 项任务" in r.stdout
    r = subprocess.run([sys.executable, "-m", "automation", "run", "report", "--workspace", str(ws)],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "失败" in r.stderr and "Traceback" not in r.stderr


def test_libreoffice_binds_every_button(ws, tmp_path):
    exe = soffice()
    if not exe:
        pytest.skip("LibreOffice 未安装")
    subprocess.run([exe, "--headless", "--convert-to", "ods", "--outdir", str(tmp_path), str(ws / "控制台.xlsm")],
                   check=True, capture_output=True, timeout=180)
    with zipfile.ZipFile(tmp_path / "控制台.ods") as z:
        content = z.read("content.xml").decode("utf-8")
    for _, sub, caption in BUTTONS:
        assert f"VBAProject.{PANEL_MODULE}.{sub}" in content, sub
        assert caption in content


def test_a_new_console_sheet_is_one_function(tmp_path, monkeypatch):
    """A sheet of 控制台.xlsm is one function in console.CONSOLE_SHEETS: added last, it is written last with its
    cells, gets its document module in the VBA project, and the sheets before it are as they were."""
    from automation import console

    def notes(ws, book):
        ws.write_string(0, 0, "备注", book.f["head"])
        ws.write_string(1, 0, "第二行")

    before = console.build_console(tmp_path / "before.xlsm", year=2021)
    monkeypatch.setattr(console, "CONSOLE_SHEETS", console.CONSOLE_SHEETS + (("备注", notes),))
    after = console.build_console(tmp_path / "after.xlsm", year=2021)
    a, b = openpyxl.load_workbook(after), openpyxl.load_workbook(before)
    assert a.sheetnames == b.sheetnames + ["备注"]
    assert [[c.value for c in row] for row in a["备注"].iter_rows()] == [["备注"], ["第二行"]]
    assert a["备注"]["A1"].font.name == "黑体"                     # the named format
    for name in b.sheetnames:
        assert ([[c.value for c in row] for row in a[name].iter_rows()]
                == [[c.value for c in row] for row in b[name].iter_rows()]), name
    assert set(macros_of(after)) >= {"Sheet1", "Sheet4", "Sheet5"} and "Sheet5" not in macros_of(before)
    with zipfile.ZipFile(after) as z:
        assert b'codeName="Sheet5"' in z.read("xl/worksheets/sheet5.xml")
