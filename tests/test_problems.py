"""The problem catalogue: every code is raised somewhere with the parameters its message needs, and
each code not covered by a stage's own tests is raised here on a real file."""
import ast
import datetime as dt
import string
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

import automation
from automation import actions, checks
from automation.assignment import assign
from automation.distribute import DistributeOptions, distribute
from automation.model import Plan, Task
from automation.panel import OpenpyxlPanel
from automation.plan import PlanOptions, make_task_list, read_plan
from automation.problems import CATALOGUE, GongkaiError
from automation.registry import load_registry
from automation.report import ReportOptions, make_reports
from automation.resources import SAMPLE_REGISTRY, sample_plan, workbook_template
from automation.sources import read_document
from automation.tasklist import read_task_list, write_task_list
from automation.units import Unit
from automation.workspace import find_workspace, init_workspace
from conftest import reviewed_sample_plan

PACKAGE = Path(automation.__file__).parent
REG = workbook_template(SAMPLE_REGISTRY)


def emission_sites():
    """(module, line, code, supplied params or None when not statically known) for every place the
    package makes a Problem: Problem("X", …), GongkaiError.of("X", …), view.problem("X", …)."""
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.isupper()):
                continue
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            if name not in ("Problem", "of", "problem"):
                continue
            if any(k.arg is None for k in node.keywords):
                supplied = None                                   # **kwargs: not known statically
            elif name == "Problem":
                params = node.args[4] if len(node.args) > 4 else next(
                    (k.value for k in node.keywords if k.arg == "params"), None)
                if params is None:
                    supplied = set()
                elif isinstance(params, ast.Dict) and all(isinstance(k, ast.Constant) for k in params.keys):
                    supplied = {k.value for k in params.keys}
                else:
                    supplied = None
            else:
                supplied = {k.arg for k in node.keywords} - {"file", "sheet", "cell"}
            yield path.name, node.lineno, first.value, supplied


def template_fields(code: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(CATALOGUE[code][1]) if f} - {"file", "sheet", "cell"}


def test_every_code_is_raised_somewhere_with_its_parameters():
    sites = list(emission_sites())
    raised = {code for _, _, code, _ in sites}
    assert raised - set(CATALOGUE) == set(), "codes used but not in the catalogue"
    assert set(CATALOGUE) - raised == set(), "catalogue codes no code raises"
    for module, line, code, supplied in sites:
        if supplied is not None:
            assert template_fields(code) <= supplied, f"{module}:{line} {code} lacks {template_fields(code) - supplied}"


def test_registered_checks_declare_catalogue_codes():
    for c in checks.CHECKS:
        assert c.scope in ("file", "row", "figures")
        assert set(c.codes) <= set(CATALOGUE), c.name


# ------------------------------------------------------------------------------ one test per code

def raised(fn, *args, **kw):
    with pytest.raises(GongkaiError) as e:
        fn(*args, **kw)
    return e.value.problem


@pytest.fixture
def task_list(tmp_path):
    return write_task_list(reviewed_sample_plan(), tmp_path / "任务清单.xlsx")


def test_document_problems(tmp_path, monkeypatch):
    assert raised(read_document, tmp_path / "没有.docx").code == "FILE_NOT_FOUND"
    (tmp_path / "图.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    assert raised(read_document, tmp_path / "图.txt").code == "FILE_BINARY"
    (tmp_path / "乱码.txt").write_bytes(bytes([0x81, 0x30, 0xFF, 0xFE, 0x80, 0xFF]) * 50)
    assert raised(read_document, tmp_path / "乱码.txt").code in ("FILE_ENCODING", "FILE_BINARY")
    (tmp_path / "坏.docx").write_bytes(b"not a zip")
    assert raised(read_document, tmp_path / "坏.docx").code == "DOCX_INVALID"
    (tmp_path / "坏.pdf").write_bytes(b"%PDF-1.4\n garbage")
    assert raised(read_document, tmp_path / "坏.pdf").code in ("PDF_INVALID", "PDF_NO_TEXT")
    (tmp_path / "表.csv").write_text("a,b", encoding="utf-8")
    p = raised(read_document, tmp_path / "表.csv")
    assert p.code == "UNSUPPORTED_TYPE" and "表.csv" in p.message
    monkeypatch.setattr("automation.sources.shutil.which", lambda name: None)
    (tmp_path / "旧.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    p = raised(read_document, tmp_path / "旧.doc")
    assert p.code == "OLD_WORD_FORMAT" and "另存为" in p.message
    (tmp_path / "通知.txt").write_text("关于召开会议的通知\n请各单位准时参加。\n", encoding="utf-8")
    assert raised(read_plan, tmp_path / "通知.txt").code == "NO_TASKS"


def test_assignment_problems():
    plan = Plan(["x"], "2021年某区政务公开工作要点", 2021, [
        Task("T1", ["一、"], "没有单位的任务"),
        Task("T2", ["一、"], "名录外单位的任务", units=[Unit("区外星局", "responsible", False)])])
    _, found = assign(plan, load_registry(REG))
    assert {(p.code, p.params.get("task") if p.code.startswith("TASK") else p.params["unit"]) for p in found} == {
        ("TASK_NO_UNITS", "T1"), ("UNIT_UNRESOLVED", "区外星局"), ("TASK_NO_REAL_UNIT", "T2")}


def test_task_list_problems(tmp_path, task_list):
    wb = openpyxl.load_workbook(task_list)
    ws = wb["任务清单"]
    ws["A4"] = ws["A3"].value                                  # a clerk copied a row: same id twice
    wb.save(tmp_path / "重复.xlsx")
    plan, found = read_task_list(tmp_path / "重复.xlsx")
    dup = [p for p in found if p.code == "TASKLIST_DUPLICATE_ID"]
    assert [(p.cell, p.params["task"]) for p in dup] == [("A4", ws["A3"].value)]
    assert len(plan.tasks) == 39                               # the duplicate row is not a second task
    ws.delete_cols(6)                                          # 牵头单位 column gone
    wb.save(tmp_path / "缺列.xlsx")
    p = raised(read_task_list, tmp_path / "缺列.xlsx")
    assert p.code == "TASKLIST_MISSING_COLUMN" and p.params["column"] == "牵头单位"
    (tmp_path / "坏.xlsx").write_bytes(b"PK\x03\x04broken")
    assert raised(read_task_list, tmp_path / "坏.xlsx").code == "TASKLIST_INVALID"


def test_registry_problems(tmp_path):
    wb = openpyxl.load_workbook(REG)
    ws = wb["单位名录"]
    ws.append(["区财政局（新）", "区财政局", "部门", "", "", ""])     # an alias already used by another unit
    wb.save(tmp_path / "名录.xlsx")
    reg = load_registry(tmp_path / "名录.xlsx")
    dup = [p for p in reg.problems if p.code == "REGISTRY_DUPLICATE"]
    assert dup and dup[0].params["unit"] == "区财政局" and dup[0].cell == f"A{ws.max_row}"
    other = openpyxl.Workbook()
    other.active.title = "Sheet1"
    other.save(tmp_path / "别的.xlsx")
    p = raised(load_registry, tmp_path / "别的.xlsx")
    assert p.code == "REGISTRY_INVALID" and "单位名录" in p.message


def test_distribute_problems(tmp_path, task_list):
    p = raised(distribute, DistributeOptions(
        tasks=task_list, output=tmp_path / "下发", registry_path=REG, units=["区外星局"]))
    assert p.code == "UNIT_UNKNOWN" and p.params["unit"] == "区外星局"
    plain = openpyxl.Workbook()
    plain.save(tmp_path / "模板.xlsx")
    p = raised(distribute, DistributeOptions(
        tasks=task_list, output=tmp_path / "下发2", registry_path=REG, template=tmp_path / "模板.xlsx"))
    assert p.code == "TEMPLATE_INVALID" and "GK_COL_ID" in p.message
    assert raised(distribute, DistributeOptions(
        tasks=task_list, output=tmp_path / "下发3", due="下周一")).code == "BAD_ARGUMENT"


def test_output_locked_keeps_the_old_file(tmp_path, task_list, monkeypatch):
    before = task_list.read_bytes()

    def locked(src, dst):
        raise PermissionError(13, "being used by another process")

    monkeypatch.setattr("automation.tables.os.replace", locked)
    p = raised(make_task_list, PlanOptions(plans=[sample_plan()], output=task_list, force=True))
    assert p.code == "OUTPUT_LOCKED" and p.file.endswith("任务清单.xlsx")
    assert task_list.read_bytes() == before
    assert not [x for x in tmp_path.iterdir() if x.name.startswith(".~gk")]


def test_summary_invalid(tmp_path, task_list):
    p = raised(make_reports, ReportOptions(summary=task_list, output=tmp_path / "报告"))
    assert p.code == "SUMMARY_INVALID" and "年度报告数据" in p.message


def test_no_workspace_and_internal_error(tmp_path, monkeypatch):
    p = raised(find_workspace, tmp_path)
    assert p.code == "NO_WORKSPACE"
    r = subprocess.run([sys.executable, "-m", "automation", "run", "plan", "--workspace", str(tmp_path)],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "控制台.xlsm" in r.stderr
    init_workspace(tmp_path / "年度", 2021)

    def broken(panel, ws):
        raise RuntimeError("磁盘坏了")

    monkeypatch.setitem(actions.HANDLERS, "plan", broken)
    result = actions.run("plan", OpenpyxlPanel(tmp_path / "年度" / "控制台.xlsm", echo=False))
    assert not result.ok and result.problem.code == "INTERNAL_ERROR" and "磁盘坏了" in result.message
    assert "维护人员" in result.message and dt.date.today().isoformat() in \
        OpenpyxlPanel(tmp_path / "年度" / "控制台.xlsm", echo=False).get("GK_STATUS_PLAN")


def test_plan_output_never_replaces_its_input(tmp_path):
    plan = tmp_path / "要点.txt"
    plan.write_bytes(sample_plan().read_bytes())
    before = plan.read_bytes()
    for output in (plan, tmp_path):
        with pytest.raises(GongkaiError) as e:
            make_task_list(PlanOptions(plans=[plan], output=output, force=True))
        assert e.value.problem.code in ("OUTPUT_IS_INPUT", "OUTPUT_IS_FOLDER")
    assert plan.read_bytes() == before
    r = subprocess.run([sys.executable, "-m", "automation", "plan", str(plan), "-o", str(plan), "--force"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "就是输入文件" in r.stderr and plan.read_bytes() == before


def test_unwritable_output_and_read_only_ledger_are_messages(tmp_path, task_list, monkeypatch):
    import sqlite3

    from automation import ledgerdb

    def denied(*a, **k):
        raise PermissionError(13, "Permission denied")

    with monkeypatch.context() as m:
        m.setattr("automation.tables.tempfile.mkstemp", denied)
        p = raised(make_task_list, PlanOptions(plans=[sample_plan()], output=tmp_path / "新" / "任务清单.xlsx"))
    assert p.code == "OUTPUT_NOT_WRITABLE" and "权限" in p.message

    def read_only(*a, **k):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(ledgerdb.sqlite3, "connect", read_only)
    p = raised(distribute, DistributeOptions(tasks=task_list, output=tmp_path / "下发", registry_path=REG))
    assert p.code == "LEDGER_READONLY" and "只读" in p.message


def test_cli_report_exits_1_when_a_report_is_refused(tmp_path):
    from automation.demo import run_demo

    demo = run_demo(tmp_path / "demo")
    summary = demo.output / "汇总" / "汇总.xlsx"
    wb = openpyxl.load_workbook(summary)
    ws = wb["年度报告数据"]
    head = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "数据状态":
            row[head.index("区财政局")].value = "不可用"
    wb.save(summary)
    r = subprocess.run([sys.executable, "-m", "automation", "report", str(summary), "-o", str(tmp_path / "报告"),
                        "--unit", "区财政局"], capture_output=True, text=True)
    assert r.returncode == 1 and "不生成报告" in r.stdout
