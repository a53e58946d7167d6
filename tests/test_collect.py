"""Collect: every problem in the catalogue on a file built for it, the ledger, the summary."""
import datetime as dt
import errno
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from automation import collect as C
from automation import unitbook as L
from automation import reportspec as R
from automation.demo import DETAILS, fill_return
from automation.distribute import DistributeOptions, distribute
from automation.problems import GongkaiError
from automation.plan import read_plan
from automation.resources import SAMPLE_REGISTRY, workbook_template
from automation.tasklist import write_task_list
from conftest import soffice, values_only

REG = workbook_template(SAMPLE_REGISTRY)
DUE = "2021-07-10"
AS_OF = dt.datetime(2021, 7, 15, 9, 0)
ON_TIME = dt.datetime(2021, 7, 8, 10, 0)


@pytest.fixture(scope="module")
def sent(tmp_path_factory, ):
    from conftest import reviewed_sample_plan

    base = tmp_path_factory.mktemp("sent")
    tasks = write_task_list(reviewed_sample_plan(), base / "任务清单.xlsx")
    res = distribute(DistributeOptions(tasks=tasks, output=base / "下发", registry_path=REG, due=DUE, round_name="第1轮"))
    return tasks, res.files


@pytest.fixture
def env(sent, tmp_path):
    tasks, files = sent
    shutil.copy(Path(tasks).with_name("台账.sqlite"), tmp_path / "台账.sqlite")     # what was sent to whom
    tasks = shutil.copy(tasks, tmp_path / "任务清单.xlsx")
    back = tmp_path / "回收"
    back.mkdir()

    def run(**kw):
        args = dict(ledger=tmp_path / "台账.sqlite", due=DUE, round_name="第1轮", registry_path=REG, as_of=AS_OF,
                    force=True)
        args.update(kw)
        return C.collect(C.CollectOptions(folder=back, tasks=tasks, output=tmp_path / "汇总.xlsx", **args))

    return back, files, run, tmp_path


def env_tasks(env):
    """The task list the env collects against."""
    return env[3] / "任务清单.xlsx"


def meta_of(path):
    wb = openpyxl.load_workbook(path)
    meta = L.read_meta_openpyxl(wb)
    return wb, {"col": meta.columns, "fig": meta.figures, "task": [(t.id, t.row) for t in meta.tasks],
                "extra": meta.extras}


def edit(src, dst, fn, mtime=ON_TIME):
    """Fill a unit's workbook completely, then apply fn(workbook, meta) and save as dst."""
    fill_return(src, dst, share_done=1.0, seed=1, mtime=mtime)
    wb, m = meta_of(dst)
    fn(wb, m)
    wb.save(dst)
    os.utime(dst, (mtime.timestamp(), mtime.timestamp()))
    return dst


def codes(result, file=None):
    return [p.code for p in result.problems if file is None or p.file == file]


def find(result, code):
    return [p for p in result.problems if p.code == code]


def test_happy_path_summary(env):
    back, files, run, tmp = env
    fill_return(files["区财政局"], back / "财政局.xlsx", share_done=1.0, seed=3, mtime=ON_TIME)
    fill_return(files["孟庄镇"], back / "子目录" / "孟庄镇.xlsx", share_done=0.5, seed=4, mtime=ON_TIME)
    r = run()
    assert r.new_files == 2
    h = r.summary["headline"]
    assert h["returned"] == 2 and h["expected"] == 37 and h["missing"] == 35
    wb = openpyxl.load_workbook(r.output)
    assert wb.sheetnames == ["总览", "任务进度", "单位进度", "逾期任务", "未报送单位", "落实情况明细", "问题清单", "年度报告数据"]
    units = {row[0]: row for row in wb["单位进度"].iter_rows(min_row=2, values_only=True)}
    assert units["区财政局"][3] == units["区财政局"][2]             # all done
    head = [c.value for c in wb["单位进度"][1]]
    assert units["区财政局"][head.index("完成率")] == 1.0 and units["区财政局"][head.index("未启动")] == 0
    assert units["区民政局"][head.index("报送时间")] == "未报送"
    assert isinstance(units["区财政局"][head.index("报送时间")], dt.datetime)
    assert "合计" in units and units["合计"][head.index("任务数")].startswith("=SUM(")
    missing = [row[1] for row in wb["未报送单位"].iter_rows(min_row=2, values_only=True)]
    assert "区民政局" in missing and "区财政局" not in missing
    progress = wb["任务进度"]
    header = [c.value for c in progress[1]]
    row10 = [c.value for c in progress[11]]          # task 10: 区财政局 only
    assert row10[0] == "2021-01-10" and row10[header.index("区财政局")] == "已完成" and row10[header.index("总体状态")] == "已完成" and row10[header.index("报告栏目")] == "主动公开"
    detail = list(wb["落实情况明细"].iter_rows(min_row=2, values_only=True))
    fin = next(r_ for r_ in detail if r_[0] == "2021-01-10" and r_[3] == "区财政局")
    assert fin[5] == "已完成" and fin[9].startswith("按时公开部门预算、决算")     # the unit's 落实情况, as typed
    figs = {row[0]: row for row in wb["年度报告数据"].iter_rows(min_row=2, values_only=True)}
    col = [c.value for c in wb["年度报告数据"][1]]
    total = figs[R.t3(1, 7)]
    assert total[4] == total[col.index("区财政局")] + total[col.index("孟庄镇")]
    with zipfile.ZipFile(r.output) as z:
        assert sum(n.startswith("xl/charts/chart") for n in z.namelist()) == 1     # one round: no trend line yet


def test_skips_lock_and_other_files_and_never_modifies(env):
    back, files, run, tmp = env
    f = fill_return(files["区财政局"], back / "财政局.xlsx", mtime=ON_TIME)
    (back / "~$财政局.xlsx").write_bytes(b"\x00lock")
    (back / "说明.docx").write_bytes(b"PK\x03\x04whatever")
    digest = hashlib.sha256(f.read_bytes()).hexdigest()
    stat = f.stat()
    r = run()
    assert "LOCK_FILE" in codes(r, "~$财政局.xlsx") and "NOT_SPREADSHEET" in codes(r, "说明.docx")
    assert hashlib.sha256(f.read_bytes()).hexdigest() == digest and f.stat().st_mtime == stat.st_mtime
    assert r.summary["headline"]["returned"] == 1


@pytest.mark.parametrize("name, content, code", [
    ("空.xlsx", b"", "FILE_EMPTY"),
    ("坏.xlsx", b"PK\x03\x04" + b"\x01" * 300, "UNREADABLE"),
    ("照片.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "UNREADABLE"),
    ("假加密.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 64,
     "UNREADABLE"),
    ("表.et", b"whatever", "WPS_FORMAT"),
])
def test_unreadable_files_are_problems_not_crashes(env, name, content, code):
    back, files, run, tmp = env
    (back / name).write_bytes(content)
    fill_return(files["区财政局"], back / "好的.xlsx", mtime=ON_TIME)
    r = run()
    assert code in codes(r, name)
    assert r.summary["headline"]["returned"] == 1      # one bad file never stops the others


def test_workbook_with_an_open_password_is_named(env):
    from msoffcrypto.format.ooxml import OOXMLFile

    back, files, run, tmp = env
    plain = fill_return(files["区财政局"], tmp / "plain.xlsx", mtime=ON_TIME)
    with open(plain, "rb") as src, open(back / "加密.xlsx", "wb") as dst:
        OOXMLFile(src).encrypt("123456", dst)
    fill_return(files["孟庄镇"], back / "孟庄镇.xlsx", mtime=ON_TIME)
    r = run()
    assert codes(r, "加密.xlsx") == ["ENCRYPTED"]
    assert r.headline.returned == 1


def test_zip_bomb_and_billion_laughs(env):
    back, files, run, tmp = env
    bomb = back / "炸弹.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\x00" * (30 * 1024 * 1024))
    laughs = back / "实体.xlsx"
    entities = "".join(f'<!ENTITY lol{i} "{"&lol%d;" % (i - 1) * 10}">' for i in range(1, 10))
    xml = f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">{entities}]><sst>&lol9;</sst>'
    src = files["区财政局"]
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(laughs, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr("xl/sharedStrings.xml", xml)
    r = run()
    assert "ZIP_BOMB" in codes(r, "炸弹.xlsx")
    assert "XML_BOMB" in codes(r, "实体.xlsx")


def test_wrong_plan_and_older_round(env, tmp_path):
    back, files, run, tmp = env
    from conftest import shared_plan

    other = write_task_list(read_plan(shared_plan("xuecheng_2019_workplan.txt")), tmp_path / "other.xlsx")
    res = distribute(DistributeOptions(tasks=other, output=tmp_path / "other_out", skip_unresolved=True))
    fill_return(next(iter(res.files.values())), back / "别的要点.xlsx", figures=False, mtime=ON_TIME)
    fill_return(files["区财政局"], back / "财政局.xlsx", mtime=ON_TIME)
    r = run(round_name="第2轮")
    wrong = find(r, "WRONG_PLAN")
    assert wrong and wrong[0].file == "别的要点.xlsx" and "2019年薛城区政务公开工作要点" in wrong[0].message
    old = find(r, "OLD_ROUND")
    assert old and old[0].file == "财政局.xlsx" and "第1轮" in old[0].message


def test_identity_missing_matched_by_content(env):
    back, files, run, tmp = env
    src = fill_return(files["区财政局"], tmp / "filled.xlsx", mtime=ON_TIME)
    values_only(src, back / "新建工作簿.xlsx")
    r = run()
    p = find(r, "IDENTITY_MISSING")
    assert p and p[0].params["unit"] == "区财政局"
    assert r.summary["headline"]["returned"] == 1


def test_two_returns_and_same_file_twice(env):
    back, files, run, tmp = env
    fill_return(files["区财政局"], back / "财政局-第一次.xlsx", share_done=0.2, seed=1, mtime=ON_TIME)
    fill_return(files["区财政局"], back / "财政局-改.xlsx", share_done=1.0, seed=2,
                mtime=ON_TIME + dt.timedelta(hours=5))
    shutil.copy2(back / "财政局-改.xlsx", back / "财政局-改（副本）.xlsx")
    r = run()
    two = find(r, "TWO_RETURNS")
    assert two and two[0].params["used"] == "财政局-改.xlsx" and "财政局-第一次.xlsx" in two[0].message
    assert find(r, "SAME_FILE_TWICE")
    unit = next(u for u in r.summary["unit_rows"] if u["unit"] == "区财政局")
    assert unit["rate"] == 1.0 and unit["file"] == "财政局-改.xlsx"


def test_locked_text_changed_rows_inserted_deleted(env):
    back, files, run, tmp = env

    def change(wb, m):
        ws = wb[L.LEDGER_SHEET]
        tid, row = m["task"][1]
        ws[f"{m['col']['text']}{row}"] = "我们改了任务内容"
        ws.insert_rows(m["task"][-1][1] + 1)
        ws[f"{m['col']['id']}{m['task'][-1][1] + 1}"] = "自加-1"

    edit(files["区财政局"], back / "改了内容.xlsx", change)

    def delete(wb, m):
        wb[L.LEDGER_SHEET].delete_rows(m["task"][0][1])

    edit(files["孟庄镇"], back / "删了一行.xlsx", delete)
    r = run()
    changed = [p for p in find(r, "TASK_CHANGED") if p.file == "改了内容.xlsx"]
    assert len(changed) == 1 and changed[0].cell.startswith("D") and changed[0].params["column"] == "任务内容"
    assert find(r, "ROW_INSERTED")[0].params["task"] == "自加-1"
    deleted = [p for p in find(r, "ROW_DELETED") if p.file == "删了一行.xlsx"]
    assert len(deleted) == 1
    moved = [p for p in find(r, "ROW_MOVED") if p.file == "删了一行.xlsx"]
    assert moved                                        # the rows below moved up one: still merged by id


def test_cell_level_input_problems(env):
    back, files, run, tmp = env

    def bad(wb, m):
        ws = wb[L.LEDGER_SHEET]
        c = m["col"]
        rows = [r for _, r in m["task"]]
        ws[f"{c['status']}{rows[0]}"] = "完成了"
        ws[f"{c['status']}{rows[1]}"] = "已完成"
        ws[f"{c['done_date']}{rows[1]}"] = None
        ws[f"{c['detail']}{rows[1]}"] = None
        ws[f"{c['status']}{rows[2]}"] = "不适用"
        ws[f"{c['issues']}{rows[2]}"] = None
        ws[f"{c['done_date']}{rows[3]}"] = dt.datetime(2030, 1, 1)
        ws[f"{c['done_date']}{rows[4]}"] = dt.datetime(2015, 1, 1)
        ws[f"{c['done_date']}{rows[5]}"] = "上个月"
        ws[f"{c['progress']}{rows[6]}"] = "一半"
        f = wb[L.FIGURE_SHEET]
        f[m["fig"][R.t3(1, 1)]] = "三"
        f[m["fig"]["t2_permit"]] = "=1+1"

    edit(files["区财政局"], back / "财政局.xlsx", bad)
    r = run()
    wb, m = meta_of(back / "财政局.xlsx")
    rows = [r_ for _, r_ in m["task"]]
    c = m["col"]
    got = {(p.code, p.cell) for p in r.problems if p.file == "财政局.xlsx"}
    assert ("INVALID_STATUS", f"{c['status']}{rows[0]}") in got
    assert ("DONE_NO_DATE", f"{c['done_date']}{rows[1]}") in got
    assert ("DONE_NO_DETAIL", f"{c['detail']}{rows[1]}") in got
    assert ("NA_NO_REASON", f"{c['issues']}{rows[2]}") in got
    assert ("DATE_FUTURE", f"{c['done_date']}{rows[3]}") in got
    assert ("DATE_BEFORE_PLAN", f"{c['done_date']}{rows[4]}") in got
    assert ("BAD_DATE", f"{c['done_date']}{rows[5]}") in got
    assert ("TEXT_IN_NUMBER", f"{c['progress']}{rows[6]}") in got
    assert ("TEXT_IN_NUMBER", m["fig"][R.t3(1, 1)]) in got
    assert ("FORMULA_IN_INPUT", m["fig"]["t2_permit"]) in got
    p = next(p for p in r.problems if p.code == "INVALID_STATUS")
    assert "完成了" in p.message and "财政局.xlsx" in p.message


def test_figures_inconsistent(env):
    back, files, run, tmp = env

    def bad(wb, m):
        f = wb[L.FIGURE_SHEET]
        for k in m["fig"]:
            if k.startswith("t3_") and not k.endswith("_c7") and not k.startswith(f"t3_r{R.T3_TOTAL_ROW}_"):
                f[m["fig"][k]] = 0
        f[m["fig"][R.t3(1, 2)]] = 5          # 5 received from companies, 3 handled
        f[m["fig"][R.t3(3, 2)]] = 3

    edit(files["区财政局"], back / "财政局.xlsx", bad)
    r = run()
    p = find(r, "FIGURES_INCONSISTENT")
    assert len(p) == 1 and p[0].params["detail"].startswith("表三“商业企业”列")
    assert p[0].cell == meta_of(back / "财政局.xlsx")[1]["fig"][R.t3(1, 2)]


def test_late_missing_macros(env):
    back, files, run, tmp = env
    late = fill_return(files["区民政局"], tmp / "x.xlsx", mtime=dt.datetime(2021, 7, 12, 9, 0))
    with zipfile.ZipFile(late) as zin, zipfile.ZipFile(back / "民政局.xlsm", "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0fake")
    os.utime(back / "民政局.xlsm", (late.stat().st_mtime, late.stat().st_mtime))
    r = run()
    assert find(r, "LATE")[0].params["unit"] == "区民政局"
    assert "MACROS" in codes(r, "民政局.xlsm")
    not_returned = {p.params["unit"] for p in find(r, "NOT_RETURNED")}
    assert "区财政局" in not_returned and "区民政局" not in not_returned
    assert "区财政局" in [row["unit"] for row in r.summary["unit_rows"] if not row["returned_at"]]


def test_xls_saved_by_old_office(env):
    exe = soffice()
    if not exe:
        pytest.skip("LibreOffice 未安装")
    back, files, run, tmp = env
    src = fill_return(files["区财政局"], tmp / "财政局.xlsx", mtime=ON_TIME)
    subprocess.run([exe, "--headless", "--convert-to", "xls", "--outdir", str(back), str(src)], check=True,
                   capture_output=True, timeout=180)
    r = run()
    assert "XLS_FORMAT" in codes(r, "财政局.xls")
    assert r.summary["headline"]["returned"] == 1
    unit = next(u for u in r.summary["unit_rows"] if u["unit"] == "区财政局")
    assert unit["done"] == unit["tasks"]


def test_ledger_idempotent_history_and_rebuild(env):
    back, files, run, tmp = env
    fill_return(files["区财政局"], back / "财政局.xlsx", share_done=0.3, seed=5, mtime=ON_TIME)
    r1 = run()
    r2 = run()
    assert r1.new_files == 1 and r2.new_files == 0
    con = sqlite3.connect(tmp / "台账.sqlite")
    assert con.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 1
    n_entries = con.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
    con.close()
    # a second round: the unit returns again, both returns stay in the ledger
    round2 = tmp / "回收2"
    round2.mkdir()
    fill_return(files["区财政局"], round2 / "财政局.xlsx", share_done=1.0, seed=6, mtime=ON_TIME + dt.timedelta(days=60))
    r3 = C.collect(C.CollectOptions(
        folder=round2, tasks=env_tasks(env), output=tmp / "汇总2.xlsx", ledger=tmp / "台账.sqlite",
        round_name="第2轮", registry_path=REG, as_of=AS_OF + dt.timedelta(days=61)))
    con = sqlite3.connect(tmp / "台账.sqlite")
    assert con.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 2
    assert con.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 2 * n_entries
    con.close()
    assert [t["round"] for t in r3.summary["trend"]] == ["第1轮", "第2轮"]
    assert r3.summary["trend"][0]["rate"] < r3.summary["trend"][1]["rate"]
    # the summary rebuilt from the ledger alone equals the one from the files
    rb = C.rebuild(tmp / "台账.sqlite", tmp / "重建.xlsx", as_of=AS_OF + dt.timedelta(days=61))
    a, b = openpyxl.load_workbook(r3.output), openpyxl.load_workbook(rb.output)
    assert a.sheetnames == b.sheetnames
    for name in a.sheetnames:
        va = [list(r_) for r_ in a[name].iter_rows(values_only=True)]
        vb = [list(r_) for r_ in b[name].iter_rows(values_only=True)]
        assert va == vb, name


def test_a_collect_that_finds_nothing_new_leaves_the_summary_as_it_was(env, monkeypatch):
    back, files, run, tmp = env
    fill_return(files["区财政局"], back / "财政局.xlsx", share_done=0.3, seed=5, mtime=ON_TIME)
    r1 = run()
    summary = tmp / "汇总.xlsx"
    before, stamp = summary.read_bytes(), summary.stat().st_mtime_ns
    hashed = []
    monkeypatch.setattr(C, "file_digest", lambda p: hashed.append(p.name) or hashlib.sha256(p.read_bytes()).hexdigest())
    r2 = run(as_of=AS_OF + dt.timedelta(hours=3))
    assert r2.unchanged and r2.new_files == 0 and hashed == []          # size and time said: nothing to read
    assert summary.read_bytes() == before and summary.stat().st_mtime_ns == stamp
    assert r2.headline == r1.headline and [p.code for p in r2.problems] == [p.code for p in r1.problems]
    assert "未重写" in C_say(r2)
    # a new file: read (only it), the summary made again
    fill_return(files["区民政局"], back / "民政局.xlsx", share_done=1.0, seed=6, mtime=ON_TIME)
    r3 = run()
    assert not r3.unchanged and r3.new_files == 1 and hashed == ["民政局.xlsx"]
    assert r3.headline.returned == r1.headline.returned + 1
    # the clerk corrected the summary by hand: a run with nothing new keeps it as it is, corrections and all
    wb = openpyxl.load_workbook(summary)
    wb["总览"]["A1"] = "办公室改过"
    wb.save(summary)
    edited = summary.read_bytes()
    r4 = run()
    assert r4.unchanged and summary.read_bytes() == edited
    # a new file makes a new summary; the edited one is kept beside it, and the office is told
    fill_return(files["区教育和体育局"], back / "教育局.xlsx", share_done=1.0, seed=7, mtime=ON_TIME)
    r5 = run()
    kept = [p for p in r5.problems if p.code == "SUMMARY_EDITED_KEPT"]
    assert not r5.unchanged and len(kept) == 1 and kept[0].severity == "warning"
    assert (tmp / kept[0].file).read_bytes() == edited and openpyxl.load_workbook(summary)["总览"]["A1"].value != "办公室改过"
    # another cut-off is another summary
    assert not run(due="2021-07-20").unchanged


def C_say(result):
    from automation.cli import say
    return "\n".join(say(result).lines)


def test_crash_mid_run_leaves_ledger_unchanged(env, monkeypatch):
    back, files, run, tmp = env
    fill_return(files["区财政局"], back / "a.xlsx", mtime=ON_TIME)
    run()
    fill_return(files["孟庄镇"], back / "b.xlsx", mtime=ON_TIME)
    fill_return(files["齐村镇"], back / "c.xlsx", mtime=ON_TIME)
    real = C.store_return
    calls = {"n": 0}

    def crashing(con, ret, round_name, seen_at):
        calls["n"] += 1
        real(con, ret, round_name, seen_at)
        if calls["n"] == 2:
            raise RuntimeError("停电")

    monkeypatch.setattr(C, "store_return", crashing)
    with pytest.raises(RuntimeError):
        run()
    con = sqlite3.connect(tmp / "台账.sqlite")
    assert con.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 1
    assert con.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1
    con.close()
    monkeypatch.setattr(C, "store_return", real)
    assert run().new_files == 2


def test_user_text_never_becomes_a_formula(env):
    back, files, run, tmp = env

    def inject(wb, m):
        ws = wb[L.LEDGER_SHEET]
        for key, text in (("detail", '=HYPERLINK("http://evil.example","点我")'), ("issues", "=cmd|' /C calc'!A0")):
            cell = ws[f"{m['col'][key]}{m['task'][0][1]}"]
            cell.value = text
            cell.data_type = "s"          # typed as text (Excel stores it so after a leading apostrophe)

    edit(files["区财政局"], back / "财政局.xlsx", inject)
    r = run()
    wb = openpyxl.load_workbook(r.output)
    ws = wb["落实情况明细"]
    cells = [c for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)
    with zipfile.ZipFile(r.output) as z:
        sheet_xml = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>" not in sheet_xml.replace(b"<f>SUM", b"")


# ------------------------------------------------------------------------------ identity and size

def test_not_our_file_unknown_identity_and_unexpected_unit(env):
    back, files, run, tmp = env
    other = openpyxl.Workbook()
    other.active.title = "工资表"
    other.active["A1"] = "姓名"
    other.save(back / "工资表.xlsx")
    copied = openpyxl.Workbook()                       # 台账 content pasted into a new workbook, ids of nobody
    ws = copied.active
    ws.title = L.LEDGER_SHEET
    ws.append([c.title for c in L.COLUMNS])
    for i in range(3):
        ws.append([i + 1, f"X-0{i}", "", "别的任务"])
    copied.save(back / "新建工作簿.xlsx")

    def foreign(wb, m):                                # metadata of a unit the task list does not assign
        meta = wb[L.META_SHEET]
        for row in meta.iter_rows():
            if row[0].value == "unit":
                row[1].value = "区外星局"

    edit(files["区财政局"], back / "外星局.xlsx", foreign)
    fill_return(files["孟庄镇"], back / "孟庄镇.xlsx", mtime=ON_TIME)
    r = run()
    assert codes(r, "工资表.xlsx") == ["NOT_OUR_FILE"]
    assert codes(r, "新建工作簿.xlsx") == ["IDENTITY_UNKNOWN"]
    unexpected = find(r, "UNIT_NOT_EXPECTED")
    assert [(p.file, p.params["unit"]) for p in unexpected] == [("外星局.xlsx", "区外星局")]
    assert r.headline.returned == 1


def test_file_over_the_size_limit_is_not_read(env):
    from automation.checks import MAX_FILE_BYTES

    back, files, run, tmp = env
    assert MAX_FILE_BYTES == 20 * 1024 * 1024
    with open(back / "大.xlsx", "wb") as f:            # sparse: 20 MB + 1 byte, nothing written
        f.truncate(MAX_FILE_BYTES + 1)
    fill_return(files["区财政局"], back / "财政局.xlsx", mtime=ON_TIME)
    r = run()
    big = find(r, "TOO_LARGE")
    assert [p.file for p in big] == ["大.xlsx"] and "20.0 MB" in big[0].message
    assert codes(r, "财政局.xlsx") == []


def test_plan_changed_after_distribution(env, tmp_path):
    back, files, run, tmp = env
    fill_return(files["区财政局"], back / "财政局.xlsx", mtime=ON_TIME)
    edited = tmp_path / "改过的任务清单.xlsx"
    wb = openpyxl.load_workbook(env_tasks(env))
    wb["任务清单"]["D2"] = str(wb["任务清单"]["D2"].value) + "（办公室修改）"
    wb.save(edited)
    shutil.copy(tmp / "台账.sqlite", tmp / "l2.sqlite")     # the year's ledger (a copy keeps its identity)
    r = C.collect(C.CollectOptions(
        folder=back, tasks=edited, output=tmp / "汇总2.xlsx", ledger=tmp / "l2.sqlite", registry_path=REG, due=DUE,
        round_name="第1轮", as_of=AS_OF))
    assert [p.file for p in find(r, "PLAN_CHANGED")] == ["财政局.xlsx"]
    assert r.headline.returned == 1                     # still collected, against the current list


# ------------------------------------------------------------------------------ what the summary says

def test_progress_typed_as_percent_fraction_or_number(env):
    back, files, run, tmp = env

    def percents(wb, m):
        ws = wb[L.LEDGER_SHEET]
        rows = [r_ for _, r_ in m["task"]]
        for row, value in zip(rows[:4], ["50%", 0.5, 50, "30 %"]):
            ws[f"{m['col']['status']}{row}"] = "推进中"
            ws[f"{m['col']['progress']}{row}"] = value

    edit(files["区财政局"], back / "财政局.xlsx", percents)
    r = run()
    ids = [t for t, _ in meta_of(back / "财政局.xlsx")[1]["task"][:4]]
    got = [r.summary["entries"][("区财政局", t)]["progress"] for t in ids]
    assert got == [0.5, 0.5, 0.5, 0.3]
    assert not [p for p in r.problems if p.file == "财政局.xlsx" and p.code == "TEXT_IN_NUMBER"]


def test_overdue_sheet_lists_each_late_unit_task(env):
    back, files, run, tmp = env
    fill_return(files["区财政局"], back / "财政局.xlsx", share_done=0.0, seed=2, mtime=ON_TIME)
    year_end = dt.datetime(2022, 1, 10)                 # every deadline of the sample is 2021-12-31
    r = run(as_of=year_end, due="2022-01-05")            # a round whose cut-off is after the deadlines
    unit = next(u for u in r.summary["unit_rows"] if u["unit"] == "区财政局")
    assert unit["overdue"] > 0
    wb = openpyxl.load_workbook(r.output)
    rows = [row for row in wb["逾期任务"].iter_rows(min_row=2, values_only=True) if row[3] == "区财政局"]
    assert len(rows) == unit["overdue"]
    assert all(row[2] and dt.date.fromisoformat(row[2]) < year_end.date() for row in rows)
    assert {row[5] for row in rows} <= {"推进中", "未启动"}


def test_cli_collect_prints_the_errors_and_exits_1(env):
    back, files, run, tmp = env

    def bad(wb, m):
        wb[L.LEDGER_SHEET][f"{m['col']['status']}{m['task'][0][1]}"] = "差不多了"

    edit(files["区财政局"], back / "财政局.xlsx", bad)
    (back / "坏.xlsx").write_bytes(b"PK\x03\x04" + b"\x01" * 300)
    r = subprocess.run([sys.executable, "-m", "automation", "collect", str(back), "--tasks", str(env_tasks(env)),
                        "-o", str(tmp / "汇总cli.xlsx"), "--ledger", str(tmp / "台账.sqlite"), "--registry", str(REG),
                        "--due", DUE, "--round", "第1轮"], capture_output=True, text=True)
    assert r.returncode == 1, r.stderr
    assert "“差不多了”无效" in r.stdout and "坏.xlsx" in r.stdout and "已汇总 1/37 个单位" in r.stdout


# ------------------------------------------------------------------------------ who owes what, round after round

def test_expected_units_come_from_the_distribution_record(env):
    back, files, run, tmp = env
    fill_return(files["区财政局"], back / "财政局.xlsx", mtime=ON_TIME)
    with_registry = run()
    without = C.collect(C.CollectOptions(
        folder=back, tasks=env_tasks(env), output=tmp / "汇总2.xlsx", ledger=tmp / "台账.sqlite", due=DUE,
        round_name="第1轮", as_of=AS_OF))
    assert (without.headline.expected, without.headline.returned) == (with_registry.headline.expected, 1) == (37, 1)
    assert "中心街街道" in {u["unit"] for u in without.summary["unit_rows"]}
    assert not find(without, "NO_DISTRIBUTION_RECORD")
    # the round's own returns collected into another, empty ledger: the ledger they were sent from is lost
    # (the year's earlier rounds would vanish) -- refused, nothing counted, no empty ledger left behind
    (tmp / "空.sqlite").unlink(missing_ok=True)
    bare = C.CollectOptions(
        folder=back, tasks=env_tasks(env), output=tmp / "汇总3.xlsx", ledger=tmp / "空.sqlite", registry_path=REG,
        due=DUE, round_name="第1轮", as_of=AS_OF)
    with pytest.raises(GongkaiError) as e:
        C.collect(bare)
    assert e.value.problem.code == "LEDGER_LOST" and "财政局.xlsx" in e.value.problem.message
    assert not (tmp / "空.sqlite").exists() and not (tmp / "汇总3.xlsx").exists()
    # workbooks naming no ledger (an earlier release's, or from elsewhere): no record, said so, expected units
    # from the task list
    wb = openpyxl.load_workbook(back / "财政局.xlsx")
    for row in wb[L.META_SHEET].iter_rows():
        if row[0].value in ("ledger", "ledger_created"):
            row[1].value = None
    wb.save(back / "财政局.xlsx")
    found = C.collect(bare)
    assert find(found, "NO_DISTRIBUTION_RECORD") and found.headline.expected == 37


def test_a_copy_under_another_units_name_is_named(env):
    back, files, run, tmp = env
    fill_return(files["区民政局"], back / files["区财政局"].name, mtime=ON_TIME)    # 民政局's answers, 财政局's file name
    fill_return(files["区民政局"], back / "民政局.xlsx", seed=7, mtime=ON_TIME)
    r = run()
    mismatch = find(r, "NAME_MISMATCH")
    assert [(p.file, p.params["unit"], p.params["other"]) for p in mismatch] == [
        (files["区财政局"].name, "区民政局", "区财政局")]
    assert find(r, "TWO_RETURNS")[0].params["unit"] == "区民政局"
    unit = {u["unit"]: u for u in r.summary["unit_rows"]}
    assert unit["区财政局"]["returned_at"] is None and unit["区民政局"]["returned_at"]


def test_lateness_from_the_workbooks_own_saved_time(env):
    back, files, run, tmp = env
    f = fill_return(files["区财政局"], back / "财政局.xlsx", mtime=ON_TIME)
    late_copy = dt.datetime(2021, 7, 12, 9, 0).timestamp()                # the office saved the attachment late
    os.utime(f, (late_copy, late_copy))
    fill_return(files["孟庄镇"], back / "孟庄镇.xlsx", mtime=dt.datetime(2021, 7, 11, 20, 0))
    fill_return(files["齐村镇"], back / "齐村镇.xlsx", mtime=dt.datetime(2021, 7, 12, 8, 0))
    r = run(on_time=["齐村镇"])
    assert [p.params["unit"] for p in find(r, "LATE")] == ["孟庄镇"]
    unit = {u["unit"]: u for u in r.summary["unit_rows"]}
    assert unit["区财政局"]["returned_at"] == ON_TIME.isoformat() and unit["区财政局"]["time_source"] == "文件内保存时间"
    wb = openpyxl.load_workbook(r.output)
    head = [c.value for c in wb["单位进度"][1]]
    row = next(x for x in wb["单位进度"].iter_rows(min_row=2, values_only=True) if x[0] == "区财政局")
    assert row[head.index("报送时间依据")] == "文件内保存时间"


def test_moved_column_is_followed_and_unprotected_sheet_noticed(env):
    back, files, run, tmp = env

    def move(wb, m):
        ws = wb[L.LEDGER_SHEET]
        ws.protection.sheet = False
        detail, nxt = m["col"]["detail"], m["col"]["next"]
        for row in range(1, m["task"][-1][1] + 1):             # swap 落实情况 and 下步打算, headers and all
            a, b = ws[f"{detail}{row}"], ws[f"{nxt}{row}"]
            a.value, b.value = b.value, a.value

    edit(files["区财政局"], back / "财政局.xlsx", move)
    r = run()
    moved = {p.params["column"]: p.cell for p in find(r, "COLUMN_MOVED")}
    meta = meta_of(back / "财政局.xlsx")[1]
    assert moved == {"落实情况": f"{meta['col']['next']}1", "下步打算": f"{meta['col']['detail']}1"}
    assert find(r, "PROTECTION_REMOVED")
    first = meta["task"][0][0]
    assert r.summary["entries"][("区财政局", first)]["detail"].startswith(DETAILS[first][:8])


def test_round_two_carries_answers_and_never_lowers_the_state(env, sent):
    back, files, run, tmp = env
    tasks = env_tasks(env)
    for i, unit in enumerate(["区财政局", "孟庄镇", "齐村镇"]):
        fill_return(files[unit], back / "第1轮" / files[unit].name, share_done=1.0, seed=i, mtime=ON_TIME)
    r1 = run()
    done1 = r1.headline.done
    r2_sent = distribute(DistributeOptions(
        tasks=tasks, output=tmp / "下发2", registry_path=REG, due="2021-12-25", round_name="第2轮",
        ledger=tmp / "台账.sqlite"))
    assert r2_sent.carried == 3
    wb = openpyxl.load_workbook(r2_sent.files["区财政局"])
    meta = L.read_meta_openpyxl(wb)
    ws = wb[L.LEDGER_SHEET]
    first = meta.tasks[0].row
    assert ws[f"{meta.columns['status']}{first}"].value == "已完成"                  # carried from round 1
    assert ws[f"{meta.columns['detail']}{first}"].fill.fgColor.rgb.endswith("E2EFDA")  # and tinted
    assert not openpyxl.load_workbook(r2_sent.files["区民政局"])[L.LEDGER_SHEET][
        f"{meta.columns['status']}{first}"].value                                      # nothing to carry
    # round 2: only one unit answers again (the same content under a new name), the others stay silent
    shutil.copy(back / "第1轮" / files["区财政局"].name, back / "财政局再次报送.xlsx")
    r2 = run(round_name="第2轮", due="2021-12-25", as_of=dt.datetime(2021, 12, 26))
    assert r2.headline.returned == 1 and find(r2, "SAME_AS_EARLIER")
    assert r2.headline.done >= done1                                                 # silence lowers nothing
    unit = {u["unit"]: u for u in r2.summary["unit_rows"]}
    assert unit["孟庄镇"]["data_round"] == "第1轮" and unit["孟庄镇"]["done"] == unit["孟庄镇"]["tasks"]
    assert [t["round"] for t in r2.summary["trend"]] == ["第1轮", "第2轮"]
    assert r2.summary["trend"][1]["rate"] >= r2.summary["trend"][0]["rate"]
    assert r2.summary["trend"][0]["share"] == pytest.approx(3 / 37)
    with zipfile.ZipFile(r2.output) as z:
        assert sum(n.startswith("xl/charts/chart") for n in z.namelist()) == 2     # now a trend line


# ------------------------------------------------------------------------------ figures: validated, never assumed

def test_a_workbook_distributed_with_a_row_per_figure_cell_is_still_read(env):
    """Workbooks sent before the metadata held the figure cells in one row ("figs") list them a row each
    ("fig"): their figures are read and a slip is named at its cell all the same."""
    back, files, run, tmp = env

    def old_form_with_a_slip(wb, m):
        meta = wb[L.META_SHEET]
        row = next(r for r in meta.iter_rows() if r[0].value == "figs")
        row[0].value, row[1].value = "fig", R.t3(1, 1)
        row[2].value = m["fig"][R.t3(1, 1)]
        for key, ref in m["fig"].items():
            if key != R.t3(1, 1):
                meta.append(["fig", key, ref])
        wb[L.FIGURE_SHEET][m["fig"][R.t3(1, 2)]] = "三件"

    path = edit(files["区财政局"], back / "财政局.xlsx", old_form_with_a_slip)
    kinds = [r[0] for r in openpyxl.load_workbook(path)[L.META_SHEET].iter_rows(values_only=True)]
    assert "figs" not in kinds and kinds.count("fig") == len(meta_of(files["区财政局"])[1]["fig"])
    r = run()
    cell = meta_of(files["区财政局"])[1]["fig"][R.t3(1, 2)]
    assert ("TEXT_IN_NUMBER", cell) in {(p.code, p.cell) for p in r.problems if p.file == "财政局.xlsx"}
    figures = r.summary["figures"]["区财政局"]
    assert figures[L.FIGURE_STATUS] == L.FIGURES_UNUSABLE and R.t3(1, 1) in figures


def test_bad_and_blank_figures_are_never_zero(env):
    from automation.report import ReportOptions, make_reports

    back, files, run, tmp = env

    def bad(wb, m):
        f = wb[L.FIGURE_SHEET]
        f[m["fig"][R.t3(1, 1)]] = "12件"
        f[m["fig"]["t2_permit"]] = "0.5万"
        f[m["fig"]["t2_penalty"]] = 2.5
        f[m["fig"][R.t3(1, 2)]] = -3
        f[m["fig"][R.t4(1)]] = 1e15

    def blank_row(wb, m):
        f = wb[L.FIGURE_SHEET]
        for c in range(1, 7):
            f[m["fig"][R.t3(2, c)]] = None            # 二、上年结转 left wholly blank

    def blank_sheet(wb, m):
        f = wb[L.FIGURE_SHEET]
        for key, ref in m["fig"].items():
            if key in R.SPEC_2021.input_keys:
                f[ref] = None

    edit(files["区财政局"], back / "财政局.xlsx", bad)
    edit(files["孟庄镇"], back / "孟庄镇.xlsx", blank_row)
    edit(files["齐村镇"], back / "齐村镇.xlsx", blank_sheet)
    fill_return(files["区民政局"], back / "民政局.xlsx", mtime=ON_TIME)
    r = run()
    got = {(p.code, p.cell) for p in r.problems if p.file == "财政局.xlsx"}
    m = meta_of(back / "财政局.xlsx")[1]["fig"]
    assert ("TEXT_IN_NUMBER", m[R.t3(1, 1)]) in got and ("TEXT_IN_NUMBER", m["t2_permit"]) in got
    assert ("TEXT_IN_NUMBER", m["t2_penalty"]) in got and ("NEGATIVE_NUMBER", m[R.t3(1, 2)]) in got
    assert ("FIGURE_TOO_LARGE", m[R.t4(1)]) in got
    hint = next(p for p in r.problems if p.cell == m["t2_permit"] and p.file == "财政局.xlsx")
    assert "5000" in hint.message
    row_blank = [p for p in find(r, "FIGURE_ROW_BLANK") if p.file == "孟庄镇.xlsx"]
    assert [p.params["row"] for p in row_blank] == ["表三“二、上年结转政府信息公开申请数量”"]
    assert [p.file for p in find(r, "FIGURES_NOT_REPORTED")] == ["齐村镇.xlsx"]
    wb = openpyxl.load_workbook(r.output)
    units = {row[0]: row for row in wb["单位进度"].iter_rows(min_row=2, values_only=True)}
    count = [c.value for c in wb["单位进度"][1]].index("问题数")        # a file's problems count for its unit
    assert units["区财政局"][count] == sum(p.file == "财政局.xlsx" for p in r.problems) >= 5
    assert units["齐村镇"][count] == sum(p.file == "齐村镇.xlsx" for p in r.problems) >= 1
    ws = wb["年度报告数据"]
    head = [c.value for c in ws[1]]
    rows = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    status = rows[L.FIGURE_STATUS]
    assert (status[head.index("区财政局")], status[head.index("孟庄镇")], status[head.index("齐村镇")],
            status[head.index("区民政局")]) == ("不可用", "不可用", "未报送", "可用")
    assert rows[R.t3(1, 1)][head.index("区财政局")] is None                   # "12件" is not 0
    assert rows[R.t3(1, 7)][4] == rows[R.t3(1, 7)][head.index("区民政局")]   # 合计 counts usable units only
    # reports: refused for those units even when forced; the consolidated one waits for them
    rep = make_reports(ReportOptions(
        summary=r.output, output=tmp / "报告", all_units=True, force=True,
        settings={"organ": "某区人民政府", "date": "2022-01-20"}))
    by = {o.unit: o for o in rep.outcomes}
    for unit in ("区财政局", "孟庄镇", "齐村镇"):
        assert by[unit].status.label == "未通过，未生成" and not by[unit].file, unit
        assert by[unit].problems[0].code == "REPORT_FIGURES_UNUSABLE"
    # a mid-year round: no report on its data, even forced, unless the office accepts the unit's mid-year data
    assert by["区民政局"].status.label == "未通过，未生成"
    assert [p.code for p in by["区民政局"].problems] == ["REPORT_MIDYEAR_DATA"]
    assert "截至2021年7月10日" in by["区民政局"].problems[0].message
    assert rep.problems[0].code == "REPORT_ROUND_NOT_YEAR_END" and "2021年7月10日" in rep.problems[0].message
    assert sum(p.code == "REPORT_ROUND_NOT_YEAR_END" for p in rep.problems) == 1
    ok = make_reports(ReportOptions(
        summary=r.output, output=tmp / "报告2", unit="区民政局", accept_midyear=["区民政局"],
        settings={"organ": "某区人民政府", "date": "2022-01-20"}))
    assert ok.outcomes[0].status.label == "通过（有提示）"
    assert {p.code for p in ok.outcomes[0].problems if p.severity != "info"} >= {"REPORT_MIDYEAR_ACCEPTED"}
    assert ok.outcomes[0].data_from == "第1轮（截至2021年7月10日），年中数据，办公室已确认使用"
    # a unit that never sent its workbook is listed, without a report
    assert by["区发展和改革局"].status.label == "未报送，未生成" and not by["区发展和改革局"].file
    listed = {row[1]: row for row in openpyxl.load_workbook(rep.listing)["报告清单"].iter_rows(min_row=3, values_only=True)}
    assert listed["区发展和改革局"][3:5] == ("（未生成）", "未报送，未生成") and len(listed) == len(rep.outcomes) == 38
    assert by[None].status.label == "未通过，未生成" and by[None].problems[0].code == "REPORT_UNITS_UNUSABLE"
    assert "区财政局（不可用）" in by[None].problems[0].message and "齐村镇" not in by[None].problems[0].message
    rep2 = make_reports(ReportOptions(
        summary=r.output, output=tmp / "报告3", consolidated=True, exclude_unusable=True,
        settings={"organ": "某区人民政府", "date": "2022-01-20"}, accept_midyear=[u for u in by if u]))
    assert rep2.outcomes[0].status.label == "通过（有提示）"
    assert "REPORT_MIDYEAR_ACCEPTED" in {p.code for p in rep2.outcomes[0].problems}


def test_progress_outside_0_to_100_percent_is_named(env):
    back, files, run, tmp = env

    def typed(wb, m):
        ws = wb[L.LEDGER_SHEET]
        for (tid, row), v in zip(m["task"], ["150%", 1.5, 150, 50, 0.5]):
            ws[f"{m['col']['progress']}{row}"] = v

    edit(files["区财政局"], back / "财政局.xlsx", typed)
    r = run()
    ids = [t for t, _ in meta_of(back / "财政局.xlsx")[1]["task"][:5]]
    bad = [p.params["value"] for p in find(r, "PROGRESS_OUT_OF_RANGE")]
    assert bad == ["150%", "1.5", "150"]
    assert [r.summary["entries"][("区财政局", t)]["progress"] for t in ids] == [None, None, None, 0.5, 0.5]


def test_not_started_with_progress_is_flagged_with_its_cell(env):
    """Issue 28: 未启动 with 完成进度 50% contradicts itself: flagged on the progress cell; 未启动 at 0 and
    推进中 at 50% are not."""
    back, files, run, tmp = env
    cells = {}

    def typed(wb, m):
        ws = wb[L.LEDGER_SHEET]
        for (tid, row), (status, v) in zip(m["task"], [("未启动", "50%"), ("未启动", 0), ("推进中", 0.5),
                                                        ("未启动", 1)]):
            ws[f"{m['col']['status']}{row}"] = status
            ws[f"{m['col']['progress']}{row}"] = v
            cells[tid] = f"{m['col']['progress']}{row}"

    edit(files["区财政局"], back / "财政局.xlsx", typed)
    r = run()
    ids = list(cells)
    found = find(r, "STATUS_PROGRESS_CONFLICT")
    assert [p.cell for p in found] == [cells[ids[0]], cells[ids[3]]]
    assert found[0].sheet == L.LEDGER_SHEET and "50%" in found[0].message and "未启动" in found[0].message
    assert "100%" in found[1].message


# ------------------------------------------------------------------------------ nothing overwritten, every failure a message

def test_outputs_never_replace_inputs(env):
    back, files, run, tmp = env
    fill_return(files["区财政局"], back / "财政局.xlsx", mtime=ON_TIME)
    tasks = env_tasks(env)
    before = tasks.read_bytes()
    for output, code in [(tasks, "OUTPUT_IS_INPUT"), (back / "汇总.xlsx", "OUTPUT_IN_INPUT_FOLDER"),
                         (back, "OUTPUT_IS_FOLDER"), (tmp, "OUTPUT_IS_FOLDER")]:
        with pytest.raises(C.GongkaiError) as e:
            C.collect(C.CollectOptions(
                folder=back, tasks=tasks, output=output, ledger=tmp / "台账.sqlite", registry_path=REG, force=True))
        assert e.value.problem.code == code, output
    assert tasks.read_bytes() == before and sorted(p.name for p in back.iterdir()) == ["财政局.xlsx"]
    run()
    r = subprocess.run([sys.executable, "-m", "automation", "collect", str(back), "--tasks", str(tasks), "-o",
                        str(tmp / "汇总.xlsx"), "--ledger", str(tmp / "台账.sqlite")], capture_output=True, text=True)
    assert r.returncode == 2 and "已存在" in r.stderr and "--force" in r.stderr


def test_undecodable_file_name_is_skipped_and_the_rest_collected(env):
    back, files, run, tmp = env
    fill_return(files["区财政局"], back / "财政局.xlsx", mtime=ON_TIME)
    gbk = os.fsdecode("孟庄镇台账.xlsx".encode("gbk"))              # bytes unzip left in GBK
    shutil.copy(fill_return(files["孟庄镇"], tmp / "m.xlsx", mtime=ON_TIME), os.path.join(back, gbk))
    r = run()
    bad = find(r, "BAD_FILE_NAME")
    assert len(bad) == 1 and "孟庄镇台账" in bad[0].message
    assert r.headline.returned == 1


def test_ledger_busy_and_disk_full_are_messages(env, monkeypatch):
    import sqlite3

    from automation import ledgerdb

    back, files, run, tmp = env
    fill_return(files["区财政局"], back / "财政局.xlsx", mtime=ON_TIME)
    run()
    holder = sqlite3.connect(tmp / "台账.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")                                     # another collect is running
    monkeypatch.setattr(ledgerdb, "BUSY_SECONDS", 0.2)
    fill_return(files["孟庄镇"], back / "孟庄镇.xlsx", mtime=ON_TIME)
    with pytest.raises(C.GongkaiError) as e:
        run()
    assert e.value.problem.code == "LEDGER_BUSY" and "另一个汇总" in e.value.problem.message
    holder.execute("ROLLBACK")
    holder.close()
    summary = tmp / "汇总.xlsx"
    before = summary.read_bytes()

    def full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("automation.tables.os.replace", full)
    with pytest.raises(C.GongkaiError) as e:
        run()
    assert e.value.problem.code == "DISK_FULL" and summary.read_bytes() == before
    assert not [p for p in tmp.iterdir() if p.name.startswith(".~gk")]


def test_total_typed_over_its_formula_is_compared_with_its_parts(env):
    back, files, run, tmp = env

    def typed_total(wb, m):
        f = wb[L.FIGURE_SHEET]
        f[m["fig"][R.t4(1)]] = 11                  # 行政复议 结果维持 11 …
        f[m["fig"][R.t4(5)]] = 0                   # … but the unit typed 0 over the 总计 formula

    edit(files["区财政局"], back / "财政局.xlsx", typed_total)
    r = run()
    wrong = [p for p in find(r, "TOTAL_MISMATCH") if p.file == "财政局.xlsx"]
    m = meta_of(back / "财政局.xlsx")[1]["fig"]
    assert [(p.cell, p.params["value"], p.params["computed"]) for p in wrong] == [(m[R.t4(5)], "0", 11)]
    assert "行政复议" in wrong[0].message
    status = r.summary["figures"]["区财政局"][L.FIGURE_STATUS]
    assert status == "不可用"


def test_a_narrative_count_typed_as_text_is_left_out_not_fatal(env):
    """"约300条" in 其他数据 is named with its cell and left out of the report's text; the unit's national-format
    tables stay usable, so neither its report nor the consolidated one is blocked by it."""
    back, files, run, tmp = env

    def text_in_extra(wb, m):
        f = wb[L.FIGURE_SHEET]
        for label_ref, value_ref in m["extra"]:
            if f[label_ref].value == "主动公开政府信息条数":
                f[value_ref] = "约300条"

    edit(files["区民政局"], back / "民政局.xlsx", text_in_extra)
    r = run()
    (p,) = find(r, "EXTRA_NOT_NUMBER")
    assert p.severity == "warning" and p.sheet == L.FIGURE_SHEET and "约300条" in p.message and "主动公开政府信息条数" in p.message
    wb = openpyxl.load_workbook(r.output)
    ws = wb["年度报告数据"]
    head = [c.value for c in ws[1]]
    rows = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    assert rows[L.FIGURE_STATUS][head.index("区民政局")] == "可用"
    assert rows.get("主动公开政府信息条数", [None] * len(head))[head.index("区民政局")] in (None, "")


def test_who_owes_what_is_stored_compactly_and_older_ledgers_still_read():
    from automation.ledgerdb import pack_tasks, unpack_tasks

    pairs = [("2021-01-01", "lead"), ("2021-02-10", "cooperate")]
    packed = pack_tasks(pairs)
    assert isinstance(packed, str) and unpack_tasks(packed) == pairs
    assert unpack_tasks("") == []        # older ledgers' lists are packed by the upgrade (test_ledgerdb)


def test_the_unit_a_file_name_names_is_the_longest_name_in_it():
    from automation.registry import Registry, UnitInfo
    from automation.returned import Context

    reg = Registry()
    reg.units["区财政局"] = UnitInfo("区财政局", ["财政局"], "部门")
    reg.units["光明路街道"] = UnitInfo("光明路街道", ["光明路街道办事处"], "镇街")
    reg._index()
    ctx = Context.__new__(Context)
    ctx.assignments, ctx.registry = {"区财政局": None, "光明路街道": None, "财政": None}, reg
    assert ctx.unit_named_in("光明路街道办事处_2021政务公开任务台账.xlsx") == "光明路街道"
    assert ctx.unit_named_in("第1次调度/区财政局/台账.xlsx") == "区财政局"      # not 财政局 or 财政
    assert ctx.unit_named_in("财政局报送.xlsx") == "区财政局"                    # an alias names its unit
    assert ctx.unit_named_in("财政.xlsx") == "财政"
    assert ctx.unit_named_in("台账（已填）.xlsx") is None


def _parts(path) -> dict:
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}      # core.xml: the time written


def test_a_full_disk_while_the_big_sheets_stream_leaves_nothing_behind(env, monkeypatch):
    """The big sheets (落实情况明细, 逾期任务, 单位进度) are streamed into a new package after XlsxWriter closes
    the workbook: a failure on the way (a full disk, an interrupted run) says so and leaves no summary, piece
    or half-written file beside the others."""
    from automation import xlsxparts

    back, files, run, tmp = env
    for i, unit in enumerate(["区财政局", "孟庄镇", "区民政局"]):
        fill_return(files[unit], back / f"{unit}.xlsx", seed=i, mtime=ON_TIME)
    run()
    whole = C.rebuild(tmp / "台账.sqlite", tmp / "完整.xlsx").output
    detail = list(openpyxl.load_workbook(whole)["落实情况明细"].iter_rows(min_row=2, values_only=True))
    assert len(detail) > 40 and {r[3] for r in detail} == {"区财政局", "孟庄镇", "区民政局"}

    def full_disk(xml, big, *args, **kw):
        if big.name == "落实情况明细":
            raise OSError(errno.ENOSPC, "No space left on device")
        return sheet_xml(xml, big, *args, **kw)
    sheet_xml = xlsxparts.sheet_xml
    monkeypatch.setattr(xlsxparts, "sheet_xml", full_disk)
    before = sorted(tmp.iterdir())
    with pytest.raises(GongkaiError) as err:
        C.rebuild(tmp / "台账.sqlite", tmp / "磁盘已满.xlsx")
    assert err.value.problem.code == "DISK_FULL" and sorted(tmp.iterdir()) == before
    monkeypatch.setattr(xlsxparts, "sheet_xml", sheet_xml)
    assert _parts(C.rebuild(tmp / "台账.sqlite", tmp / "再次.xlsx").output) == _parts(whole)


def test_detail_rows_beyond_one_sheet_go_on_in_further_sheets(env, monkeypatch):
    """落实情况明细 and 逾期任务 never pass Excel's row limit (a province: 20,000 units x 54 tasks is 1,080,000
    rows): the rows go on in 落实情况明细（2）… each with its header, and the report stage reads them all back."""
    from automation import summarybook as SB

    back, files, run, tmp = env
    for i, unit in enumerate(["区财政局", "孟庄镇", "区民政局"]):
        fill_return(files[unit], back / f"{unit}.xlsx", seed=i, share_done=0.3, mtime=ON_TIME)
    run(due="2022-01-10", as_of=dt.datetime(2022, 1, 15))       # after year end: tasks overdue, a row per unit
    whole = openpyxl.load_workbook(C.rebuild(tmp / "台账.sqlite", tmp / "一页.xlsx").output)
    monkeypatch.setattr(SB, "PAGE_ROWS", 20)
    paged = C.rebuild(tmp / "台账.sqlite", tmp / "分页.xlsx").output
    wb = openpyxl.load_workbook(paged)
    for name in ("落实情况明细", "逾期任务"):
        rows = list(whole[name].iter_rows(values_only=True))
        assert len(rows) > 41, name
        pages = [n for n in wb.sheetnames if n.startswith(name)]
        assert pages == [name] + [f"{name}（{i}）" for i in range(2, len(pages) + 1)]
        assert len(pages) == -(-(len(rows) - 1) // 20)
        got = [rows[0]]
        for page_name in pages:
            page = list(wb[page_name].iter_rows(values_only=True))
            assert page[0] == rows[0] and 1 < len(page) <= 21 and wb[page_name].auto_filter.ref.startswith("A1:")
            got += page[1:]
        assert got == rows, name
    assert wb.sheetnames.index("未报送单位") == wb.sheetnames.index("逾期任务（2）") + len(
        [n for n in wb.sheetnames if n.startswith("逾期任务")]) - 1
    one, many = SB.read_summary(tmp / "一页.xlsx"), SB.read_summary(paged)
    assert {u: d.entries for u, d in many.units.items()} == {u: d.entries for u, d in one.units.items()}
    assert sum(len(d.entries) for d in many.units.values()) == whole["落实情况明细"].max_row - 1


def test_a_new_summary_sheet_is_one_function(env, monkeypatch):
    """A sheet added to summarybook.SHEETS is written after the others, in its place, with short rows
    written through the book (book.row) and long ones streamed (book.table); the sheets before it are
    untouched (fails when write_summary writes a fixed list of sheets, or the book drops a row)."""
    from automation import summarybook as SB

    back, files, run, tmp = env
    fill_return(files["区财政局"], back / "区财政局.xlsx", seed=1, share_done=0.5, mtime=ON_TIME)
    run(due="2022-01-10", as_of=dt.datetime(2022, 1, 15))
    before = openpyxl.load_workbook(C.rebuild(tmp / "台账.sqlite", tmp / "原样.xlsx").output)

    def units_by_category(book, s):          # the new sheet: a short table and a streamed one beside it
        ws, _ = book.sheet("按类别统计", [12, 8])
        counts: dict = {}
        for u in s["unit_rows"]:
            counts[u["category"] or "其他"] = counts.get(u["category"] or "其他", 0) + 1
        for r, (category, n) in enumerate([("类别", "单位数")] + sorted(counts.items())):
            book.row(ws, r, [(category, "head" if r == 0 else "text"), (n, "head" if r == 0 else "num")])
        big_ws, _ = book.sheet("单位名单", [20])
        big = book.table(big_ws, ["单位"], ["text"])
        big.stream(len(s["unit_rows"]), lambda a, b: (([(u["unit"], "text")], None) for u in s["unit_rows"][a:b]))

    monkeypatch.setattr(SB, "SHEETS", SB.SHEETS + (units_by_category,))
    wb = openpyxl.load_workbook(C.rebuild(tmp / "台账.sqlite", tmp / "新表.xlsx").output)
    assert wb.sheetnames == before.sheetnames + ["按类别统计", "单位名单"]
    table = list(wb["按类别统计"].iter_rows(values_only=True))
    units = [row[0] for row in before["单位进度"].iter_rows(min_row=2, values_only=True)][:-1]     # less 合计
    assert table[0] == ("类别", "单位数") and sum(n for _, n in table[1:]) == len(units) > 1
    assert [row[0] for row in wb["单位名单"].iter_rows(values_only=True)] == ["单位"] + units
    for name in before.sheetnames:
        if name != "总览":                   # 总览 names when it was made
            assert [r for r in wb[name].iter_rows(values_only=True)] == \
                [r for r in before[name].iter_rows(values_only=True)], name


def test_missing_contacts_said_once(tmp_path):
    """Units not returned are listed with the contacts the registry has; when it has none, the summary says so
    once instead of "（联系人：—，电话：—）" on every line."""
    from conftest import reviewed_sample_plan

    reg = tmp_path / "单位名录.xlsx"
    wb = openpyxl.load_workbook(REG)
    ws = wb.worksheets[0]
    head = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "区财政局")
    row[head.index("联系人")].value, row[head.index("联系电话")].value = "张三", "0632-3083075"
    wb.save(reg)
    tasks = write_task_list(reviewed_sample_plan(), tmp_path / "任务清单.xlsx")
    distribute(DistributeOptions(tasks=tasks, output=tmp_path / "下发", registry_path=reg, due=DUE, round_name="第1轮"))
    (tmp_path / "回收").mkdir()
    r = C.collect(C.CollectOptions(
        folder=tmp_path / "回收", tasks=tasks, output=tmp_path / "汇总.xlsx", ledger=tmp_path / "台账.sqlite",
        due=DUE, round_name="第1轮", registry_path=reg, as_of=AS_OF, force=True))
    messages = {p.params["unit"]: p.message for p in find(r, "NOT_RETURNED")}
    assert len(messages) == 37
    assert messages["区财政局"] == "“区财政局”未报送（联系人：张三，电话：0632-3083075）"
    assert messages["孟庄镇"] == "“孟庄镇”未报送"
    once = find(r, "CONTACTS_MISSING")
    assert len(once) == 1 and once[0].params["count"] == 36
    text = [c.value for row in openpyxl.load_workbook(r.output)["问题清单"].iter_rows() for c in row]
    assert not any("—" in str(v) for v in text if v)


def test_overview_lists_the_overdue_tasks_and_the_units_behind(tmp_path, monkeypatch):
    """总览's one printed page: the overdue tasks (earliest deadline first) with the units yet to finish them, at most
    MEETING_TASKS and the rest counted; the units furthest behind, lowest first."""
    from conftest import reviewed_sample_plan

    from automation import summarybook

    monkeypatch.setattr(summarybook, "MEETING_TASKS", 2)     # the sample plan dates four tasks (年底前)
    shown = summarybook.MEETING_TASKS
    tasks = write_task_list(reviewed_sample_plan(), tmp_path / "任务清单.xlsx")
    res = distribute(DistributeOptions(
        tasks=tasks, output=tmp_path / "下发", registry_path=REG, due="2022-01-10", round_name="第1轮"))
    (tmp_path / "回收").mkdir()
    fill_return(res.files["区财政局"], tmp_path / "回收" / "财政局.xlsx", share_done=1.0, seed=1, mtime=ON_TIME)
    r = C.collect(C.CollectOptions(
        folder=tmp_path / "回收", tasks=tasks, output=tmp_path / "汇总.xlsx", ledger=tmp_path / "台账.sqlite",
        due="2022-01-10", round_name="第1轮", registry_path=REG, as_of=dt.datetime(2022, 1, 12), force=True))
    assert r.headline.overdue > shown
    ws = openpyxl.load_workbook(r.output)["总览"]
    rows = [[c.value for c in row] for row in ws.iter_rows(max_col=4)]
    head = next(i for i, row in enumerate(rows) if str(row[0]).startswith("逾期未完成任务（完成时限早于 2022-01-10）"))
    listed = rows[head + 2:head + 2 + shown]
    assert [str(row[0]) for row in listed] == ["2021-04-01", "2021-04-04"]      # same deadline: by task id
    assert all("——" in row[2] and row[3] >= 1 for row in listed)
    assert "区财政局" not in " ".join(row[2] for row in listed)        # it finished everything
    assert rows[head + 2 + shown][0] == f"另有 {r.headline.overdue - shown} 项，见“逾期任务”表"
    behind = next(i for i, row in enumerate(rows) if str(row[0]).startswith("进度落后的单位"))
    ranked = rows[behind + 2:behind + 12]
    assert [row[1] for row in ranked] == sorted(row[1] for row in ranked)
    assert "区财政局" not in [row[0] for row in ranked]
    area = ws.print_area[0] if isinstance(ws.print_area, list) else ws.print_area
    assert area.endswith(f"${head + 2 + shown + 1}")                 # the printed page ends with the overdue list


# ------------------------------------------------------------------------------ issue 26: returns as units send them

def values_only_copy(src, dst, skip=(L.META_SHEET,)):
    """What a unit does with 'select all, copy, paste values' into a new workbook: every visible sheet's
    values, none of the hidden metadata, no formulas, no protection."""
    wb = openpyxl.load_workbook(src, data_only=False)
    fresh = openpyxl.Workbook()
    fresh.remove(fresh.active)
    for ws in wb.worksheets:
        if ws.title in skip:
            continue
        out = fresh.create_sheet(ws.title)
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                if isinstance(v, str) and v.startswith("="):
                    v = None                    # a pasted value of a formula nobody recalculated
                if v is not None:
                    out.cell(row=c.row, column=c.column, value=v)
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    fresh.save(dst)
    return dst


def cli_collect(env, *extra):
    back, files, run, tmp = env
    return subprocess.run([sys.executable, "-m", "automation", "collect", str(back), "--tasks", str(env_tasks(env)),
                           "-o", str(tmp / "汇总cli.xlsx"), "--ledger", str(tmp / "台账.sqlite"), "--registry",
                           str(REG), "--due", DUE, "--round", "第1轮", "--force", *extra],
                          capture_output=True, text=True)


def test_a_values_only_copy_of_the_whole_workbook_is_collected_not_a_crash(env):
    back, files, run, tmp = env
    filled = fill_return(files["区财政局"], tmp / "filled.xlsx", mtime=ON_TIME)
    values_only_copy(filled, back / "新建 Microsoft Excel 工作表.xlsx")
    # the hidden sheet deleted from the workbook itself
    wb = openpyxl.load_workbook(fill_return(files["区民政局"], tmp / "filled2.xlsx", seed=5, mtime=ON_TIME))
    del wb[L.META_SHEET]
    wb.save(back / "民政局.xlsx")
    r = cli_collect(env)
    assert r.returncode in (0, 1), r.stderr
    assert "已汇总 2/37 个单位" in r.stdout
    wb = openpyxl.load_workbook(tmp / "汇总cli.xlsx")
    units = {row[0]: row for row in wb["单位进度"].iter_rows(min_row=2, values_only=True)}
    head = [c.value for c in wb["单位进度"][1]]
    assert units["区财政局"][head.index("完成率")] == 1.0 and units["区民政局"][head.index("完成率")] == 1.0
    figs = {row[0]: row for row in wb["年度报告数据"].iter_rows(min_row=2, values_only=True)}
    col = [c.value for c in wb["年度报告数据"][1]]
    src = openpyxl.load_workbook(filled)
    m = L.read_meta_openpyxl(src)
    assert figs[R.t3(1, 1)][col.index("区财政局")] == src[L.FIGURE_SHEET][m.figures[R.t3(1, 1)]].value


def test_a_values_only_copy_from_a_town_is_known_by_its_file_name(env):
    back, files, run, tmp = env
    sheets = (L.META_SHEET, L.GUIDE_SHEET)          # only 任务台账 and 年度报告数据 pasted: every town has the same ids
    values_only_copy(fill_return(files["孟庄镇"], tmp / "a.xlsx", mtime=ON_TIME), back / "孟庄镇_任务台账.xlsx", sheets)
    values_only_copy(fill_return(files["税郭镇"], tmp / "b.xlsx", seed=2, mtime=ON_TIME), back / "新建工作簿.xlsx",
                     sheets)                        # (same answers as 孟庄镇's would make the same bytes: one file)
    values_only_copy(fill_return(files["区财政局"], tmp / "c.xlsx", mtime=ON_TIME), back / "孟庄镇" / "财政.xlsx",
                     sheets)                        # a department's ids are its own: the folder's name does not decide
    r = run()
    assert sorted((p.file, p.params["unit"]) for p in find(r, "IDENTITY_MISSING")) == [
        (str(Path("孟庄镇") / "财政.xlsx"), "区财政局"), ("孟庄镇_任务台账.xlsx", "孟庄镇")]
    unknown = find(r, "IDENTITY_UNKNOWN")
    assert [p.file for p in unknown] == ["新建工作簿.xlsx"] and "文件名" in unknown[0].message, [p.message for p in r.problems if "新建" in p.message]
    unit = {u["unit"]: u for u in r.summary["unit_rows"]}
    assert unit["孟庄镇"]["returned_at"] and unit["孟庄镇"]["rate"] == 1.0 and unit["税郭镇"]["returned_at"] is None
    assert r.headline.returned == 2


def test_workbooks_inside_zip_and_7z_attachments_are_collected(env):
    import py7zr

    back, files, run, tmp = env
    fin = fill_return(files["区财政局"], tmp / "区财政局任务台账.xlsx", mtime=ON_TIME)
    with zipfile.ZipFile(back / "区财政局报送材料.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.write(fin, "区财政局报送材料/区财政局任务台账.xlsx")
        z.writestr("区财政局报送材料/说明.docx", b"PK\x03\x04 a letter")
    civil = fill_return(files["区民政局"], tmp / "民政局.xlsx", mtime=ON_TIME)
    with py7zr.SevenZipFile(back / "民政局.7z", "w") as z:
        z.write(civil, "民政局.xlsx")
    (back / "孟庄镇.rar").write_bytes(b"Rar!\x1a\x07\x01\x00" + b"\x00" * 64)
    with zipfile.ZipFile(back / "照片.zip", "w") as z:
        z.writestr("现场.jpg", b"\xff\xd8\xff")
    (back / "坏.zip").write_bytes(b"PK\x03\x04" + b"\x01" * 100)
    r = run()
    assert r.headline.returned == 2, [p.message for p in r.problems]
    unit = {u["unit"]: u for u in r.summary["unit_rows"]}
    assert unit["区财政局"]["rate"] == 1.0 and unit["区财政局"]["file"] == "区财政局报送材料.zip/区财政局报送材料/区财政局任务台账.xlsx"
    assert unit["区民政局"]["returned_at"] and unit["孟庄镇"]["returned_at"] is None
    rar = find(r, "ARCHIVE_RAR")
    assert [p.file for p in rar] == ["孟庄镇.rar"] and "解压" in rar[0].message
    assert [p.file for p in find(r, "ARCHIVE_NO_WORKBOOK")] == ["照片.zip"]
    assert [p.file for p in find(r, "ARCHIVE_UNREADABLE")] == ["坏.zip"]
    assert not find(r, "NOT_SPREADSHEET")
    again = run()                           # nothing new: the archives are not read again
    assert again.new_files == 0 and again.headline.returned == 2


def test_a_zip_bomb_attachment_is_named_and_never_unpacked(env):
    back, files, run, tmp = env
    with zipfile.ZipFile(back / "报送.zip", "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("台账.xlsx", "w", force_zip64=True) as fh:
            for _ in range(210):
                fh.write(b"\x00" * (1024 * 1024))
    lying = tmp / "lying.zip"               # a header claiming 1 KB over 30 MB of zeros
    with zipfile.ZipFile(lying, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("台账.xlsx", b"\x00" * (30 * 1024 * 1024))
    data = bytearray(lying.read_bytes())
    for sig, at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        i = data.find(sig)
        data[i + at:i + at + 4] = (1024).to_bytes(4, "little")
    (back / "谎报.zip").write_bytes(bytes(data))
    import py7zr

    with py7zr.SevenZipFile(back / "大.7z", "w") as z:
        z.writestr(b"\x00" * (21 * 1024 * 1024), "台账.xlsx")
    r = run()
    assert [p.file for p in find(r, "TOO_LARGE")] == ["大.7z/台账.xlsx"]
    assert [p.file for p in find(r, "ZIP_BOMB")] == ["报送.zip"]
    # zipfile reads no more than the header says, then finds the CRC wrong: named, never unpacked
    assert [p.file for p in find(r, "ARCHIVE_UNREADABLE")] == ["谎报.zip"]
    assert r.headline.returned == 0


def test_answers_under_merged_cells_count_for_every_covered_row(env):
    back, files, run, tmp = env

    def merge(wb, m):
        ws = wb[L.LEDGER_SHEET]
        ws.protection.sheet = False
        rows = [r for _, r in m["task"][:3]]
        for key, value in (("status", "已完成"), ("done_date", dt.datetime(2021, 6, 30))):
            col = m["col"][key]
            for r in rows:
                ws[f"{col}{r}"] = None
            ws[f"{col}{rows[0]}"] = value
            ws.merge_cells(f"{col}{rows[0]}:{col}{rows[-1]}")
        for r in rows:
            ws[f"{m['col']['detail']}{r}"] = "已按要求公开。"

    edit(files["区财政局"], back / "财政局.xlsx", merge)
    r = run()
    wb, m = meta_of(back / "财政局.xlsx")
    rows = [r_ for _, r_ in m["task"][:3]]
    merged = find(r, "MERGED_ANSWER")
    assert sorted(p.cell for p in merged) == sorted(
        f"{m['col'][k]}{rows[0]}:{m['col'][k]}{rows[-1]}" for k in ("status", "done_date"))
    assert "已完成" in merged[0].message or "已完成" in merged[1].message
    detail = openpyxl.load_workbook(r.output)["落实情况明细"]
    head = [c.value for c in detail[1]]
    got = {row[0]: row for row in detail.iter_rows(min_row=2, values_only=True) if row[3] == "区财政局"}
    for tid, _ in m["task"][:3]:
        assert got[tid][head.index("完成状态")] == "已完成"
    assert not [p for p in find(r, "DONE_NO_DATE") if p.file == "财政局.xlsx"]


def test_inf_and_nan_typed_in_numbers_are_problems_never_written(env):
    back, files, run, tmp = env

    def typed(wb, m):
        ws = wb[L.LEDGER_SHEET]
        (t1, r1), (t2, r2) = m["task"][:2]
        ws[f"{m['col']['actual']}{r1}"] = "inf"
        ws[f"{m['col']['actual']}{r2}"] = "NaN"
        ws[f"{m['col']['progress']}{r2}"] = "1e999"
        label, value = m["extra"][0]
        wb[L.FIGURE_SHEET][value] = "Infinity"
        wb[L.FIGURE_SHEET][m["fig"][R.t3(1, 1)]] = "nan"

    edit(files["区财政局"], back / "财政局.xlsx", typed)
    r = run()
    wb, m = meta_of(back / "财政局.xlsx")
    (t1, r1), (t2, r2) = m["task"][:2]
    text = {p.cell: p for p in find(r, "TEXT_IN_NUMBER") if p.file == "财政局.xlsx"}
    assert {f"{m['col']['actual']}{r1}", f"{m['col']['actual']}{r2}", f"{m['col']['progress']}{r2}",
            m["fig"][R.t3(1, 1)]} <= set(text)
    assert "“inf”" in text[f"{m['col']['actual']}{r1}"].message
    assert [p.cell for p in find(r, "EXTRA_NOT_NUMBER")] == [m["extra"][0][1]]
    with zipfile.ZipFile(r.output) as z:
        for n in z.namelist():
            if n.startswith("xl/worksheets/"):
                body = z.read(n)
                assert b"<v>inf" not in body.lower() and b"<v>nan" not in body.lower(), n
    figs = openpyxl.load_workbook(r.output)["年度报告数据"]
    col = [c.value for c in figs[1]].index("区财政局")
    status = next(row for row in figs.iter_rows(min_row=2, values_only=True) if row[0] == L.FIGURE_STATUS)
    assert status[col] != "可用"


def test_a_blank_return_or_answers_in_a_copied_sheet_are_said(env):
    back, files, run, tmp = env
    shutil.copy(files["区财政局"], back / "财政局.xlsx")          # the distributed workbook sent back as it was
    only_figures = fill_return(files["孟庄镇"], tmp / "f.xlsx", mtime=ON_TIME)
    wb, m = meta_of(only_figures)
    for _, row in m["task"]:
        for key in L.EDITABLE_KEYS:
            wb[L.LEDGER_SHEET][f"{m['col'][key]}{row}"] = None
    wb.save(back / "孟庄镇.xlsx")

    def in_a_copy(wb, m):                             # Excel's 移动或复制 → 建立副本, answers typed there
        copy = wb.copy_worksheet(wb[L.LEDGER_SHEET])
        copy.title = "任务台账 (2)"
        for _, row in m["task"]:
            for key in L.EDITABLE_KEYS:
                wb[L.LEDGER_SHEET][f"{m['col'][key]}{row}"] = None

    edit(files["区民政局"], back / "民政局.xlsx", in_a_copy)
    r = run()
    blank = find(r, "RETURN_BLANK")
    assert [p.file for p in blank] == ["财政局.xlsx"] and "不计为已报送" in blank[0].message
    assert [p.file for p in find(r, "LEDGER_NOT_FILLED")] == ["孟庄镇.xlsx"]
    copied = find(r, "ANSWERS_IN_COPY")
    assert [(p.file, p.sheet) for p in copied] == [("民政局.xlsx", "任务台账 (2)")]
    unit = {u["unit"]: u for u in r.summary["unit_rows"]}
    assert unit["区财政局"]["returned_at"] is None                      # counted 未报送, with the reason
    assert unit["区民政局"]["rate"] == 1.0
    assert unit["孟庄镇"]["returned_at"] and unit["孟庄镇"]["done"] == 0
    assert r.headline.returned == 2


def _drop_saved_time(path):
    """A workbook saved by a tool that writes no last-saved time (docProps/core.xml without dcterms:modified)."""
    with zipfile.ZipFile(path) as z:
        parts = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>", b"", data)
            z.writestr(info, data)


def test_a_pc_clock_years_ahead_neither_wins_nor_makes_a_file_late(env):
    from automation.demo import set_saved_time

    back, files, run, tmp = env
    ahead = fill_return(files["区财政局"], back / "财政局-第一次.xlsx", share_done=0.2, seed=1, mtime=ON_TIME)
    set_saved_time(ahead, dt.datetime(2031, 7, 5, 9, 0))      # the unit's PC says 2031; the office saved it 07-08
    office = ON_TIME.replace(tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()     # 07-08 10:00 北京时间
    os.utime(ahead, (office, office))
    fill_return(files["区财政局"], back / "财政局-改.xlsx", share_done=1.0, seed=2, mtime=ON_TIME + dt.timedelta(hours=5))
    alone = fill_return(files["孟庄镇"], back / "孟庄镇.xlsx", mtime=dt.datetime(2031, 7, 5, 9, 0))   # both times ahead
    r = run()
    unit = {u["unit"]: u for u in r.summary["unit_rows"]}
    assert unit["区财政局"]["file"] == "财政局-改.xlsx" and unit["区财政局"]["rate"] == 1.0, [p.message for p in r.problems if p.severity != "info"][:4]
    assert not find(r, "LATE")
    clock = {p.file: p.message for p in find(r, "CLOCK_AHEAD")}
    assert set(clock) == {"财政局-第一次.xlsx", "孟庄镇.xlsx"} and "2031-07-05 09:00:00" in clock["财政局-第一次.xlsx"]
    assert unit["孟庄镇"]["returned_at"] and unit["孟庄镇"]["time_source"] == "时间不可信"
    # a later, correct file of the same unit wins over the untrusted one
    fill_return(files["孟庄镇"], back / "孟庄镇-改.xlsx", seed=3, mtime=dt.datetime(2021, 7, 9, 8, 0))
    r = run()
    unit = {u["unit"]: u for u in r.summary["unit_rows"]}
    assert unit["孟庄镇"]["file"] == "孟庄镇-改.xlsx" and unit["孟庄镇"]["time_source"] == "文件内保存时间"


@pytest.mark.parametrize("machine_zone", ["UTC", "America/New_York", "Asia/Shanghai"])
def test_late_or_on_time_does_not_depend_on_the_machines_time_zone(env, machine_zone):
    back, files, run, tmp = env
    shanghai = dt.timezone(dt.timedelta(hours=8))
    for name, unit, when in (("财政局.xlsx", "区财政局", dt.datetime(2021, 7, 11, 1, 0)),      # 01:00 the day after
                             ("民政局.xlsx", "区民政局", dt.datetime(2021, 7, 10, 23, 30))):   # the due day itself
        f = fill_return(files[unit], back / name, mtime=ON_TIME)
        _drop_saved_time(f)
        ts = when.replace(tzinfo=shanghai).timestamp()
        os.utime(f, (ts, ts))
    r = subprocess.run([sys.executable, "-m", "automation", "collect", str(back), "--tasks", str(env_tasks(env)),
                        "-o", str(tmp / "汇总tz.xlsx"), "--ledger", str(tmp / "台账.sqlite"), "--registry", str(REG),
                        "--due", DUE, "--round", "第1轮", "--force"],
                       capture_output=True, text=True, env={**os.environ, "TZ": machine_zone})
    assert r.returncode in (0, 1), r.stderr
    wb = openpyxl.load_workbook(tmp / "汇总tz.xlsx")
    head = [c.value for c in wb["单位进度"][1]]
    rows = {x[0]: x for x in wb["单位进度"].iter_rows(min_row=2, values_only=True)}
    assert rows["区财政局"][head.index("报送时间")] == dt.datetime(2021, 7, 11, 1, 0)
    assert rows["区民政局"][head.index("报送时间")] == dt.datetime(2021, 7, 10, 23, 30)
    late = [x for x in wb["问题清单"].iter_rows(min_row=2, values_only=True) if "晚于截止日期" in " ".join(map(str, x))]
    assert len(late) == 1 and "区财政局" in " ".join(map(str, late[0]))


@pytest.mark.parametrize("damage", ["cut short", "8 KB overwritten inside", "8 KB over the header", "8 KB of garbage"])
def test_a_damaged_ledger_is_named_and_never_written(env, damage):
    back, files, run, tmp = env
    fill_return(files["区财政局"], back / "财政局.xlsx", mtime=ON_TIME)
    run()
    ledger = tmp / "台账.sqlite"
    data = bytearray(ledger.read_bytes())
    junk = bytes(range(256)) * 32
    if damage == "cut short":
        data = data[:len(data) // 2]
    elif damage == "8 KB overwritten inside":
        data[len(data) // 2:len(data) // 2 + 8192] = junk
    elif damage == "8 KB over the header":
        data[:8192] = junk
    else:
        data = bytearray(junk)
    ledger.write_bytes(bytes(data))
    fill_return(files["孟庄镇"], back / "孟庄镇.xlsx", mtime=ON_TIME)
    r = cli_collect(env)
    assert r.returncode == 2, r.stderr
    assert "已损坏" in r.stdout + r.stderr and "台账.sqlite" in r.stdout + r.stderr
    assert ledger.read_bytes() == bytes(data)
    assert not (tmp / "台账.sqlite-journal").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="the byte limit of SQLite's unix file names")
def test_a_year_folder_path_too_long_for_the_ledger_is_said(env):
    back, files, run, tmp = env
    deep = tmp.joinpath(*["二〇二一年度政务公开工作要点落实情况调度汇总材料"] * 7)      # 168 汉字 below the test folder
    deep.mkdir(parents=True)
    fill_return(files["区财政局"], back / "财政局.xlsx", mtime=ON_TIME)
    with pytest.raises(C.GongkaiError) as e:
        run(ledger=deep / "汇总" / "台账.sqlite")
    p = e.value.problem
    assert p.code == "LEDGER_PATH_TOO_LONG" and "路径太长" in p.message and "较短的位置" in p.message


def test_a_read_only_year_folder_is_a_message_not_a_crash(tmp_path, monkeypatch):
    import errno
    import tempfile as tf

    from automation import actions
    from automation.panel import OpenpyxlPanel
    from automation.resources import sample_plan
    from automation.workspace import init_workspace

    root = tmp_path / "2021年政务公开"
    init_workspace(root, 2021)
    shutil.copy(sample_plan(), root / "工作要点" / "要点.txt")
    assert actions.run("plan", OpenpyxlPanel(root / "控制台.xlsm", echo=False)).ok
    real = tf.mkstemp

    def read_only(*a, **kw):                      # a shared drive mounted read-only
        if str(root) in str(kw.get("dir", "")):
            raise OSError(errno.EROFS, "Read-only file system")
        return real(*a, **kw)

    def no_copy(src, dst, **kw):
        raise OSError(errno.EROFS, "Read-only file system", str(dst))

    monkeypatch.setattr(tf, "mkstemp", read_only)
    monkeypatch.setattr("automation.tables.shutil.copy2", no_copy)
    before = (root / "控制台.xlsm").read_bytes()
    out = actions.run("plan", OpenpyxlPanel(root / "控制台.xlsm", echo=False))
    assert not out.ok and out.problem.code == "OUTPUT_NOT_WRITABLE"
    assert "不能写入" in out.message and "可写的位置" in out.message
    assert (root / "控制台.xlsm").read_bytes() == before


def test_a_real_published_figure_over_ten_million_is_a_warning_not_a_refusal(env):
    from automation.report import ReportOptions, make_reports

    back, files, run, tmp = env

    def big(wb, m):                             # 行政许可 11,398,889: a city's 2025 report
        wb[L.FIGURE_SHEET][m["fig"]["t2_permit"]] = 11398889

    edit(files["区行政审批服务局"], back / "审批局.xlsx", big)
    r = run()
    m = meta_of(back / "审批局.xlsx")[1]["fig"]
    large = find(r, "FIGURE_VERY_LARGE")
    assert [(p.file, p.cell) for p in large] == [("审批局.xlsx", m["t2_permit"])]
    assert large[0].severity == "warning" and "11,398,889" in large[0].message
    assert not find(r, "FIGURE_TOO_LARGE")
    ws = openpyxl.load_workbook(r.output)["年度报告数据"]
    head = [c.value for c in ws[1]]
    rows = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    assert rows[L.FIGURE_STATUS][head.index("区行政审批服务局")] == "可用"
    assert rows["t2_permit"][head.index("区行政审批服务局")] == 11398889
    rep = make_reports(ReportOptions(
        summary=r.output, output=tmp / "报告", unit="区行政审批服务局", accept_midyear=["区行政审批服务局"],
        settings={"organ": "某区人民政府", "date": "2022-01-20"}))
    assert rep.outcomes[0].file and rep.outcomes[0].status.label.startswith("通过")
