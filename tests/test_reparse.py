"""Parsing the plan again onto a reviewed task list (issue 25): every edit the clerk made stays, what the new
parse would change is listed for the clerk to accept, the backup is named, and the later steps of the console
no longer show 完成.  Through `gongkai run plan --workspace` on a year folder with the sample plan."""
import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from automation.demo import SAMPLE_ACTUAL_UNITS, fill_return, map_names
from automation.panel import OpenpyxlPanel
from automation.resources import sample_plan
from automation.tasklist import CHANGES_SHEET, KEY, TASK_SHEET
from automation.workspace import init_workspace

ADDED = "新增任务：在政府门户网站公开本年度财政专项资金分配结果"
PLAN = "2021年市中区政务公开工作要点.txt"


def run(step: str, ws: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "automation", "run", step, "--workspace", str(ws)],
                          capture_output=True, text=True)


def settings(ws: Path, **values) -> None:
    panel = OpenpyxlPanel(ws / "控制台.xlsm", echo=False)
    for k, v in values.items():
        panel.set(k, v)
    panel.flush()


def status(ws: Path, name: str) -> str:
    return str(OpenpyxlPanel(ws / "控制台.xlsm", echo=False).get(name) or "")


def cells(path: Path, sheet: str = TASK_SHEET) -> list[list]:
    ws = openpyxl.load_workbook(path)[sheet]
    return [[c.value for c in row] for row in ws.iter_rows()]


def changes(tasks: Path) -> list[list]:
    """The rows of the 重新解析差异 sheet (the note below them left out)."""
    rows = cells(tasks, CHANGES_SHEET)[1:]
    return rows[:next((i for i, x in enumerate(rows) if not any(x)), len(rows))]


def row_of(ws, label: str) -> int:
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == label)


def correct_plan(ws: Path, old: str, new: str) -> None:
    """The plan document corrected after the first parse (as when a revised version is published)."""
    p = ws / "工作要点" / PLAN
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def year(tmp_path) -> Path:
    ws = tmp_path / "2021年政务公开"
    init_workspace(ws, 2021)
    shutil.copyfile(sample_plan(), ws / "工作要点" / PLAN)
    r = run("plan", ws)
    assert r.returncode == 0, r.stderr + r.stdout
    return ws


def review(tasks: Path) -> None:
    """The clerk's review in Excel: units, 实际责任单位, 时限, 报告栏目 changed, a row deleted, a row added."""
    map_names(tasks, SAMPLE_ACTUAL_UNITS)
    wb = openpyxl.load_workbook(tasks)
    ws = wb[TASK_SHEET]
    head = [c.value for c in ws[1]]
    col = {h: i + 1 for i, h in enumerate(head)}
    ws.cell(row_of(ws, "2021-01-04"), col["责任单位"], "区发改局、区财政局")
    ws.cell(row_of(ws, "2021-01-06"), col["完成时限"], dt.datetime(2021, 9, 30))
    ws.cell(row_of(ws, "2021-01-07"), col["报告栏目"], "政府信息管理")
    ws.delete_rows(row_of(ws, "2021-01-05"))
    ws.append(["", "六、新增", "", ADDED, "", "", "区财政局"])
    wb.save(tasks)


def test_parsing_again_keeps_the_review_and_lists_what_would_change(year):
    tasks = year / "任务清单.xlsx"
    review(tasks)
    settings(year, GK_DUE=dt.datetime(2021, 7, 10), GK_ROUND="第1轮")
    r = run("distribute", year)
    assert r.returncode == 0, r.stdout
    for src in sorted((year / "下发" / "第1轮").glob("*政务公开任务台账.xlsx"))[:5]:
        fill_return(src, year / "回收" / src.name, share_done=0.5, seed=3, mtime=dt.datetime(2021, 7, 8, 9))
    assert run("collect", year).returncode in (0, 1)
    assert status(year, "GK_STATUS_COLLECT").startswith("完成")
    reviewed = cells(tasks)
    # the plan is corrected: one task the clerk left as parsed, one whose units the clerk had changed
    correct_plan(year, "3.开发区体制机制改革进展情况公开。", "3.开发区体制机制改革进展情况及时公开。")
    correct_plan(year, "（责任单位：区发\n\n改局）", "（责任单位：区发改局、区商务和投资促进局）")
    r = run("plan", year)
    assert r.returncode == 0, r.stdout
    # every edit kept: the task sheet is the one the clerk left, cell for cell
    assert cells(tasks) == reviewed
    # the backup is named, and is the list as it was
    backups = list(year.glob("任务清单（*备份）.xlsx"))
    assert len(backups) == 1 and backups[0].name in r.stdout          # the first parse had nothing to keep
    assert cells(backups[0]) == reviewed
    # what the new parse would change, for the clerk to accept
    listed = cells(tasks, CHANGES_SHEET)
    assert listed[0] == ["任务编号", "变化", "列", "任务清单中现在的内容", "新解析的内容"]
    rows = {(x[0], x[2]): x for x in changes(tasks)}
    assert rows[("2021-01-03", "任务内容")][1:] == ["新解析结果不同", "任务内容", "开发区体制机制改革进展情况公开。",
                                                   "开发区体制机制改革进展情况及时公开。"]
    assert rows[("2021-01-04", "责任单位")][1] == "您改过，新解析结果也有变化"
    assert rows[("2021-01-04", "责任单位")][3:] == ["区发改局、区财政局", "区发改局、区商务和投资促进局"]
    # nothing else listed: not the clerk's own edits, not the deleted row, not the added one
    assert set(rows) == {("2021-01-03", "任务内容"), ("2021-01-04", "责任单位"), ("2021-01-04", "责任单位原文")}
    assert "3 处不同" in r.stdout and CHANGES_SHEET in r.stdout
    # the later steps say they are out of date
    for name in ("GK_STATUS_DISTRIBUTE", "GK_STATUS_COLLECT"):
        assert status(year, name).startswith("需重新运行"), status(year, name)
    # parsing once more: the change not yet accepted is listed again; accepted, it is not
    assert run("plan", year).returncode == 0
    assert ("2021-01-03", "任务内容") in {(x[0], x[2]) for x in changes(tasks)}
    wb = openpyxl.load_workbook(tasks)
    ws = wb[TASK_SHEET]
    ws.cell(row_of(ws, "2021-01-03"), 4, "开发区体制机制改革进展情况及时公开。")
    wb.save(tasks)
    assert run("plan", year).returncode == 0
    left = {(x[0], x[2]) for x in changes(tasks)}
    assert ("2021-01-04", "责任单位") in left and ("2021-01-03", "任务内容") not in left
    # the next distribute runs on the reviewed list (实际责任单位 kept: nothing unresolved)
    settings(year, GK_ROUND="第2轮", GK_DUE=dt.datetime(2021, 12, 10))
    r = run("distribute", year)
    assert r.returncode == 0, r.stdout
    assert status(year, "GK_STATUS_DISTRIBUTE").startswith("完成")


def test_a_new_task_in_the_plan_is_listed_and_a_dropped_one_too(year):
    tasks = year / "任务清单.xlsx"
    review(tasks)
    correct_plan(year, "3.开发区体制机制改革进展情况公开。（责任单位：枣庄\n\n经济开发区管委会）",
                 "3.开发区体制机制改革进展情况公开。（责任单位：枣庄\n\n经济开发区管委会）\n\n"
                 "4.公开本区营商环境评价结果。（责任单位：区发改局）")
    plan = year / "工作要点" / PLAN
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text[:text.index("7.实施大数据")] + text[text.index("8.做好培育"):], encoding="utf-8")
    reviewed = cells(tasks)
    r = run("plan", year)
    assert r.returncode == 0, r.stdout
    now = cells(tasks)
    assert now[:-1] == reviewed[:-1]
    # the row added and not yet sent gets its key now (shown as its 任务编号), nothing else of it changes
    key = now[-1][-1]
    assert key.startswith("新增-") and now[-1] == [key, *reviewed[-1][1:-1], key]
    rows = changes(tasks)
    new = [x for x in rows if x[1] == "新解析出的任务（任务清单中没有）"]
    assert len(new) == 1 and "公开本区营商环境评价结果" in new[0][4] and "区发改局" in new[0][4]
    gone = [x for x in rows if x[1] == "新解析中没有这项任务"]
    assert [x[0] for x in gone] == ["2021-01-07"] and gone[0][3].startswith("实施大数据创新应用")
    # the tasks after them were numbered anew by the new parse: matched by text, nothing else listed
    assert len(rows) == 2, rows
    assert status(year, "GK_STATUS_DISTRIBUTE") == "" or not status(year, "GK_STATUS_DISTRIBUTE").startswith("完成")


def test_plan_command_onto_an_existing_task_list(tmp_path):
    out = tmp_path / "任务清单.xlsx"
    cli = [sys.executable, "-m", "automation", "plan", str(sample_plan()), "-o", str(out)]
    assert subprocess.run(cli, capture_output=True, text=True).returncode == 0
    wb = openpyxl.load_workbook(out)
    ws = wb[TASK_SHEET]
    ws.cell(row_of(ws, "2021-02-01"), 16, "区政府办公室")          # 实际责任单位
    wb.save(out)
    before = cells(out)
    r = subprocess.run(cli + ["--force"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert cells(out) == before
    backup = next(tmp_path.glob("任务清单（*备份）.xlsx"))
    assert backup.name in r.stdout and "新解析结果与任务清单一致" in r.stdout
    assert CHANGES_SHEET not in openpyxl.load_workbook(out).sheetnames
    head = before[0]
    assert head.index(KEY) == len(head) - 1


def _add_aliases(registry: Path, unit: str, names: list[str]) -> None:
    wb = openpyxl.load_workbook(registry)
    ws = wb.active
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == unit)
    row[1].value = "、".join(filter(None, [row[1].value, *names]))
    wb.save(registry)


def test_the_notes_to_confirm_follow_a_new_parse_where_the_clerk_left_them(year):
    """待确认 is the parse's: a note the clerk did not touch follows the new parse (cleared, or a new one
    made yellow), listed; a note the clerk cleared or wrote over stays theirs."""
    tasks = year / "任务清单.xlsx"
    wb = openpyxl.load_workbook(tasks)
    ws = wb[TASK_SHEET]
    col = [c.value for c in ws[1]].index("待确认") + 1
    assert "单位不在名录" in ws.cell(row_of(ws, "2021-01-15"), col).value
    assert "单位不在名录" in ws.cell(row_of(ws, "2021-03-02"), col).value
    ws.cell(row_of(ws, "2021-01-01"), col).value = None                 # confirmed: the clerk cleared it
    ws.cell(row_of(ws, "2021-03-01"), col).value = "已核实"              # the clerk's own words
    ws.cell(row_of(ws, "2021-03-02"), col).value = "已核实，由区司法局落实"
    wb.save(tasks)
    reviewed = cells(tasks)
    # the registry learns the names; the plan is corrected so that one task's units are now an open list
    _add_aliases(year / "单位名录.xlsx", "区发展和改革局", ["编制规划的区政府部门单位", "区政府有关部门",
                                                        "年度决策事项目录涉及的区政府部门"])
    correct_plan(year, "（责任单位：区发\n\n改局）", "（责任单位：区发改局等部门）")
    r = run("plan", year)
    assert r.returncode == 0, r.stdout
    now = cells(tasks)
    head = now[0]
    row = {x[0]: x for x in now[1:]}
    before = {x[0]: x for x in reviewed[1:]}
    c = head.index("待确认")
    assert row["2021-01-15"][c] is None                                 # followed: the name is known now
    assert "没有列全" in row["2021-01-04"][c]                            # followed: a new note
    assert row["2021-01-01"][c] is None and row["2021-03-01"][c] == "已核实"
    assert row["2021-03-02"][c] == "已核实，由区司法局落实"                  # the clerk's, though the parse changed
    # nothing else of the sheet changed
    changed = {(k, head[i]) for k in row for i in range(len(head)) if row[k][i] != before[k][i]}
    assert changed == {("2021-01-15", "待确认"), ("2021-01-04", "待确认")}
    sheet = openpyxl.load_workbook(tasks)[TASK_SHEET]
    fill = {label: sheet.cell(row_of(sheet, label), c + 1).fill.fgColor.rgb for label in ("2021-01-04", "2021-01-15")}
    assert fill["2021-01-04"].endswith("FFF2CC") and not fill["2021-01-15"].endswith("FFF2CC")
    listed = {(x[0], x[2]): x[1] for x in changes(tasks)}
    assert listed[("2021-01-15", "待确认")] == "待确认已按新解析更新"
    assert listed[("2021-01-04", "待确认")] == "待确认已按新解析更新"
    assert listed[("2021-03-02", "待确认")] == "您改过，新解析结果也有变化"
    assert ("2021-03-01", "待确认") not in listed and ("2021-01-01", "待确认") not in listed
    # parsed once more with nothing new: the notes that followed are not listed again; the clerk's still is
    assert run("plan", year).returncode == 0
    again = {(x[0], x[2]): x[1] for x in changes(tasks)}
    assert ("2021-01-15", "待确认") not in again and ("2021-01-04", "待确认") not in again
    assert again[("2021-03-02", "待确认")] == "您改过，新解析结果也有变化"
