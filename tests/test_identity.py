"""A task keeps its identity through the clerk's edits of the task list between rounds (issue 25): rows
deleted above it, a row added with a blank 任务编号, a task renumbered, a row copied to make a new task.
Everything runs through the CLI on the sample plan and registry; the assertions read the task list, the
unit workbooks and 汇总.xlsx."""
import datetime as dt
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from automation import unitbook as L
from automation.demo import SAMPLE_ACTUAL_UNITS, fill_return, map_names
from automation.resources import SAMPLE_REGISTRY, sample_plan, workbook_template
from automation.tasklist import KEY, TASK_SHEET
from conftest import values_only

REG = workbook_template(SAMPLE_REGISTRY)
ADDED = "新增任务：在政府门户网站公开本年度财政专项资金分配结果"


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "automation", *map(str, args)], capture_output=True, text=True)


@pytest.fixture
def year(tmp_path) -> Path:
    tasks = tmp_path / "任务清单.xlsx"
    r = cli("plan", sample_plan(), "-o", tasks, "--registry", REG)
    assert r.returncode == 0, r.stderr
    map_names(tasks, SAMPLE_ACTUAL_UNITS)             # the clerk's review
    return tmp_path


def edit(tasks: Path, change) -> None:
    """Change the task list in openpyxl as the clerk does in Excel."""
    wb = openpyxl.load_workbook(tasks)
    change(wb[TASK_SHEET])
    wb.save(tasks)


def header(ws) -> list[str]:
    return [c.value for c in ws[1]]


def row_of(ws, label: str) -> int:
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == label)


def distribute(year: Path, rnd: str, due: str, *more) -> subprocess.CompletedProcess:
    return cli("distribute", year / "任务清单.xlsx", "-o", year / "下发" / rnd, "--registry", REG, "--round", rnd,
               "--due", due, *more)


def collect(year: Path, rnd: str, due: str) -> subprocess.CompletedProcess:
    (year / "回收").mkdir(exist_ok=True)
    return cli("collect", year / "回收", "--tasks", year / "任务清单.xlsx", "-o", year / "汇总.xlsx", "--registry", REG,
               "--round", rnd, "--due", due, "--force")


def workbook(year: Path, rnd: str, unit: str) -> Path:
    return next((year / "下发" / rnd).glob(f"{unit}_*.xlsx"))


def ledger_rows(path: Path) -> dict[str, dict]:
    """任务编号 as the unit sees it -> {column key: value} of the unit workbook's task rows."""
    wb = openpyxl.load_workbook(path)
    meta = L.read_meta_openpyxl(wb)
    ws = wb[L.LEDGER_SHEET]
    out = {}
    for t in meta.tasks:
        values = {k: ws[f"{col}{t.row}"].value for k, col in meta.columns.items()}
        out[values["id"]] = values
    return out


def answer(src: Path, dst: Path, statuses: dict[str, str], seed: int = 1) -> None:
    """A unit's return: everything 推进中/未启动 as fill_return makes it, the named tasks set as given."""
    fill_return(src, dst, share_done=0.0, seed=seed, mtime=dt.datetime(2021, 7, 8, 10, 0))
    wb = openpyxl.load_workbook(dst)
    meta = L.read_meta_openpyxl(wb)
    ws = wb[L.LEDGER_SHEET]
    c = meta.columns
    for r in range(meta.header_row + 1, ws.max_row + 1):
        label = ws[f"{c['id']}{r}"].value
        if label in statuses:
            ws[f"{c['status']}{r}"] = statuses[label]
            if statuses[label] == L.DONE:
                ws[f"{c['done_date']}{r}"] = dt.datetime(2021, 6, 30)
                ws[f"{c['progress']}{r}"] = 1
                ws[f"{c['detail']}{r}"] = "已在门户网站公开。"
                ws[f"{c['issues']}{r}"] = None
                ws[f"{c['next']}{r}"] = None
    wb.save(dst)


def overall(year: Path) -> dict[str, str]:
    """任务编号 -> 总体状态 in 汇总.xlsx's 任务进度."""
    ws = openpyxl.load_workbook(year / "汇总.xlsx", read_only=True)["任务进度"]
    rows = list(ws.iter_rows(values_only=True))
    h = next(i for i, row in enumerate(rows) if row and "任务编号" in row)
    col_id, col_st = rows[h].index("任务编号"), rows[h].index("总体状态")
    return {row[col_id]: row[col_st] for row in rows[h + 1:] if row and row[col_id]}


def test_added_row_keeps_its_key_when_an_earlier_row_is_deleted(year):
    tasks = year / "任务清单.xlsx"

    def add(ws):
        ws.append(["", "六、新增", "", ADDED, "", "", "区财政局"])
    edit(tasks, add)
    r = distribute(year, "R1", "2021-07-10")
    assert r.returncode == 0, r.stderr
    # the key is kept in the task list (hidden column) and the blank 任务编号 shows it
    ws = openpyxl.load_workbook(tasks)[TASK_SHEET]
    key_col = header(ws).index(KEY) + 1
    assert ws.column_dimensions[openpyxl.utils.get_column_letter(key_col)].hidden
    last = ws.max_row
    key = ws.cell(last, key_col).value
    assert key.startswith("新增-") and ws.cell(last, 1).value == key and ws.cell(last, 4).value == ADDED
    assert ws.cell(2, key_col).value == ws.cell(2, 1).value == "2021-01-01"      # parsed tasks: key = first id
    sent = workbook(year, "R1", "区财政局")
    assert ledger_rows(sent)[key]["text"] == ADDED
    answer(sent, year / "回收" / "R1" / sent.name, {key: L.DONE})
    assert collect(year, "R1", "2021-07-10").returncode in (0, 1)
    assert overall(year)[key] == L.DONE
    # the clerk deletes an earlier task: the added task is still the same task
    edit(tasks, lambda ws: ws.delete_rows(row_of(ws, "2021-01-03")))
    r = distribute(year, "R2", "2021-12-10")
    assert r.returncode == 0, r.stderr
    again = ledger_rows(workbook(year, "R2", "区财政局"))[key]
    assert again["status"] == L.DONE and again["detail"] == "已在门户网站公开。"      # R2 pre-filled from R1
    assert collect(year, "R2", "2021-12-10").returncode in (0, 1)
    state = overall(year)
    assert state[key] == L.DONE and "2021-01-03" not in state


def test_renumbered_task_keeps_its_history(year):
    tasks = year / "任务清单.xlsx"
    assert distribute(year, "R1", "2021-07-10").returncode == 0
    sent = workbook(year, "R1", "区财政局")
    label = next(k for k, v in ledger_rows(sent).items() if v["role"] != "配合")
    answer(sent, year / "回收" / "R1" / sent.name, {label: "推进中"})
    assert collect(year, "R1", "2021-07-10").returncode in (0, 1)
    assert overall(year)[label] == "推进中"
    edit(tasks, lambda ws: ws.cell(row_of(ws, label), 1, label + "-1"))
    r = distribute(year, "R2", "2021-12-10")
    assert r.returncode == 0, r.stderr
    rows = ledger_rows(workbook(year, "R2", "区财政局"))
    assert label not in rows and rows[label + "-1"]["status"] == "推进中"         # carried forward, new label
    assert collect(year, "R2", "2021-12-10").returncode in (0, 1)          # 区财政局 silent in R2
    state = overall(year)
    assert state[label + "-1"] == "推进中" and label not in state
    # the unit answers R2 under the new number: the answer counts for the same task
    sent2 = workbook(year, "R2", "区财政局")
    answer(sent2, year / "回收" / "R2" / sent2.name, {label + "-1": L.DONE}, seed=2)
    assert collect(year, "R2", "2021-12-10").returncode in (0, 1)
    ws = openpyxl.load_workbook(year / "汇总.xlsx", read_only=True)["落实情况明细"]
    mine = [row for row in ws.iter_rows(values_only=True) if row[0] == label + "-1" and row[3] == "区财政局"]
    assert mine and mine[0][5] == L.DONE


def test_copied_row_with_the_same_id_is_refused_with_its_cell(year):
    tasks = year / "任务清单.xlsx"
    assert distribute(year, "R1", "2021-07-10").returncode == 0
    src_row = row_of(openpyxl.load_workbook(tasks)[TASK_SHEET], "2021-02-01")

    def copy(ws):
        values = [c.value for c in ws[src_row]]
        values[3] = "新任务：公开本年度民生实事项目进展"
        values[6], values[5], values[7] = "区民政局", "", ""
        ws.append(values)                                  # hidden key copied with the row
    edit(tasks, copy)
    last = openpyxl.load_workbook(tasks)[TASK_SHEET].max_row
    r = distribute(year, "R2", "2021-12-10")
    assert r.returncode == 2
    assert "任务清单.xlsx" in r.stderr and "“任务清单”表" in r.stderr and f"A{last}" in r.stderr \
        and f"第 {src_row} 行" in r.stderr
    assert not (year / "下发" / "R2").exists()
    # the clerk gives the copy its own number: the copy becomes a new task, sent to its unit
    edit(tasks, lambda ws: ws.cell(last, 1, "2021-02-01-新"))
    r = distribute(year, "R2", "2021-12-10")
    assert r.returncode == 0, r.stderr
    ws = openpyxl.load_workbook(tasks)[TASK_SHEET]
    key_col = header(ws).index(KEY) + 1
    assert ws.cell(src_row, key_col).value == "2021-02-01"
    new_key = ws.cell(last, key_col).value
    assert new_key.startswith("新增-")
    rows = ledger_rows(workbook(year, "R2", "区民政局"))
    assert rows["2021-02-01-新"]["text"] == "新任务：公开本年度民生实事项目进展"
    assert rows["2021-02-01"]["text"] != "新任务：公开本年度民生实事项目进展"


def test_copied_row_whose_original_cannot_be_told_is_refused(year):
    """Both rows renumbered after the copy: which one is the task sent before cannot be told."""
    tasks = year / "任务清单.xlsx"
    src_row = row_of(openpyxl.load_workbook(tasks)[TASK_SHEET], "2021-02-01")

    def copy(ws):
        values = [c.value for c in ws[src_row]]
        values[0] = "2021-02-01-乙"
        ws.append(values)
        ws.cell(src_row, 1, "2021-02-01-甲")
    edit(tasks, copy)
    last = openpyxl.load_workbook(tasks)[TASK_SHEET].max_row
    r = distribute(year, "R1", "2021-07-10")
    assert r.returncode == 2
    assert f"第 {last} 行与第 {src_row} 行" in r.stderr and f"Q{last}" in r.stderr


def test_copy_of_an_added_row_with_its_text_kept(year):
    """An added row, sent, then copied and renumbered with the same text: the row still numbered with the
    key is the task sent; the copy gets its own key."""
    tasks = year / "任务清单.xlsx"
    edit(tasks, lambda ws: ws.append(["", "六、新增", "", ADDED, "", "", "区财政局"]))
    assert distribute(year, "R1", "2021-07-10").returncode == 0
    ws = openpyxl.load_workbook(tasks)[TASK_SHEET]
    last, key_col = ws.max_row, header(ws).index(KEY) + 1
    key = ws.cell(last, key_col).value

    def copy(ws):
        values = [c.value for c in ws[last]]
        values[0], values[6] = "新增-复制", "区民政局"
        ws.append(values)
    edit(tasks, copy)
    r = distribute(year, "R2", "2021-12-10")
    assert r.returncode == 0, r.stderr
    ws = openpyxl.load_workbook(tasks)[TASK_SHEET]
    assert ws.cell(last, key_col).value == key and ws.cell(last, 1).value == key
    assert ws.cell(last + 1, key_col).value == key + "-2"
    assert key in ledger_rows(workbook(year, "R2", "区财政局"))
    assert "新增-复制" in ledger_rows(workbook(year, "R2", "区民政局"))


def test_list_from_before_keys_keeps_the_old_ids(year):
    """A task list written before keys: ids (and 新增-<row> for blank ones, as the ledger has them) become
    the keys, kept in a new hidden column at the first distribute."""
    tasks = year / "任务清单.xlsx"

    def old(ws):
        ws.delete_cols(header(ws).index(KEY) + 1)
        ws.append(["", "六、新增", "", ADDED, "", "", "区财政局"])
    edit(tasks, old)
    last = openpyxl.load_workbook(tasks)[TASK_SHEET].max_row
    assert distribute(year, "R1", "2021-07-10").returncode == 0
    ws = openpyxl.load_workbook(tasks)[TASK_SHEET]
    key_col = header(ws).index(KEY) + 1
    assert ws.cell(last, key_col).value == ws.cell(last, 1).value == f"新增-{last}"
    assert ws.cell(2, key_col).value == "2021-01-01"


def summary_problems(year: Path) -> list[tuple]:
    ws = openpyxl.load_workbook(year / "汇总.xlsx", read_only=True)["问题清单"]
    rows = ws.iter_rows(values_only=True)
    head = next(rows)
    return [(r[head.index("代码")], r[head.index("文件")], r[head.index("说明")]) for r in rows]


@pytest.mark.parametrize("how", ["labels", "key_column", "older_ledger"])
def test_a_return_that_lost_its_metadata_is_read_under_the_numbers_of_its_round(year, how):
    """区财政局 pastes its round-1 answers into a new workbook (no metadata) after the clerk renumbered two of its
    tasks: the rows are read under the 任务编号 of round 1, as sent (the ledger keeps each round's numbers), or
    the 任务标识 column where the file has it -- the renumbered tasks are the same tasks, not deleted + inserted.
    A ledger from before the numbers were kept: those of the task list round 1 was collected against."""
    tasks = year / "任务清单.xlsx"
    assert distribute(year, "R1", "2021-07-10").returncode == 0
    if how == "older_ledger":
        assert collect(year, "R1", "2021-07-10").returncode in (0, 1)       # nothing back yet
    sent = workbook(year, "R1", "区财政局")
    labels = [k for k, v in ledger_rows(sent).items() if v["role"] != "配合"][:2]
    filled = year / "填好的.xlsx"
    answer(sent, filled, {label: L.DONE for label in labels})
    # the clerk renumbers both, and swaps the old number of the second onto nothing else: R2 is sent
    edit(tasks, lambda ws: [ws.cell(row_of(ws, x), 1, x + "-1") for x in labels])
    assert distribute(year, "R2", "2021-12-10").returncode == 0
    if how == "older_ledger":
        with sqlite3.connect(year / "台账.sqlite") as con:
            con.execute("DELETE FROM labels")
    values_only(filled, year / "回收" / "R2" / "区财政局.xlsx",
                {x: f"第{i}项" for i, x in enumerate(labels, 1)} if how == "key_column" else None)
    r = collect(year, "R2", "2021-12-10")
    assert r.returncode in (0, 1), r.stderr
    state = overall(year)
    ws = openpyxl.load_workbook(year / "汇总.xlsx", read_only=True)["落实情况明细"]
    mine = {row[0]: row[5] for row in ws.iter_rows(values_only=True) if row[3] == "区财政局"}
    assert all(mine[x + "-1"] == L.DONE for x in labels) and not any(x in mine for x in labels), mine
    assert all(state[x + "-1"] != "未启动" for x in labels)
    found = summary_problems(year)
    assert any(code == "IDENTITY_MISSING" for code, *_ in found)
    assert not [p for p in found if p[0] in ("ROW_DELETED", "ROW_INSERTED")], found
