"""The console as the office's shared record (issue 27): settings never lost to a stale save, every setting
editable from the browser panel and checked the same way, placeholders never published, settings that
would change the year or the round refused, and generating reports again keeping people's work.

Each case through the workbook route (actions on the closed 控制台.xlsm), the .cmd/CLI route
(`gongkai run … --workspace`, what the .cmd files call) and the browser panel (its HTTP API; the real
Chromium test is in test_webpanel.py)."""
import datetime as dt
import json
import shutil
import subprocess
import sys
import threading

import openpyxl
import pytest
from docx import Document

from automation import actions
from automation import reportspec as RS
from automation.cli import main as cli_main
from automation.demo import SAMPLE_ACTUAL_UNITS, map_names
from automation.panel import OpenpyxlPanel, Panel, apply_journal, find_cell, forget_journal
from conftest import console_get, console_run
from automation.resources import sample_plan
from automation.webpanel import PAGE, start_panel
from automation.workspace import Workspace
from automation.workspace import init_workspace
from test_report import get_figure, set_figure
from test_webpanel import call, wait_done

R = "报告设置!"


@pytest.fixture
def ws(tmp_path):
    root = tmp_path / "2021年政务公开"
    init_workspace(root, 2021)
    shutil.copy(sample_plan(), root / "工作要点" / "2021年市中区政务公开工作要点.txt")
    return root


@pytest.fixture(scope="module")
def demo_year(tmp_path_factory):
    from automation.demo import run_demo

    return run_demo(tmp_path_factory.mktemp("demo27") / "demo").output


@pytest.fixture
def year(demo_year, tmp_path):
    """A copy of the demo's year folder: distributed twice, collected, reports generated."""
    root = tmp_path / "demo"
    shutil.copytree(demo_year, root)
    return root


def wps_edit(root, **cells):
    """What a colleague types in WPS and saves: cells by sheet!address."""
    wb = openpyxl.load_workbook(root / "控制台.xlsm", keep_vba=True)
    for ref, value in cells.items():
        sheet, addr = ref.split("!")
        wb[sheet][addr] = value
    wb.save(root / "控制台.xlsm")


get, run = console_get, console_run


def cli(root, action):
    """The .cmd files' route: `python -m automation run ACTION --workspace FOLDER`."""
    return subprocess.run([sys.executable, "-m", "automation", "run", action, "--workspace", str(root)],
                          capture_output=True, text=True)


# ------------------------------------------------------------------------- 1. no stale whole-file saves

def test_a_panel_saves_only_its_own_cells_over_what_wps_wrote_meanwhile(ws):
    panel = OpenpyxlPanel(ws / "控制台.xlsm", echo=False)          # loaded before the colleague's edit
    assert panel.get(R + "机关名称") in (None, "")                  # init leaves it to fill
    panel.set("GK_ROUND", "2021年第2次调度")
    wps_edit(ws, **{"报告设置!B2": "枣庄市市中区人民政府", "报告设置!B9": "2022年1月20日"})
    assert panel.flush() and not panel.conflicts
    assert get(ws, R + "机关名称") == "枣庄市市中区人民政府" and get(ws, R + "成文日期") == "2022年1月20日"
    assert get(ws, "GK_ROUND") == "2021年第2次调度"
    # the panel sees the file as it is now, not the copy it loaded
    assert panel.get(R + "机关名称") == "枣庄市市中区人民政府"


def test_a_setting_changed_elsewhere_after_it_was_set_is_not_reverted(ws):
    panel = OpenpyxlPanel(ws / "控制台.xlsm", echo=False)
    panel.set("GK_ROUND", "第2轮")                                   # typed here …
    wps_edit(ws, **{"控制台!B7": "第3轮"})                            # … and meanwhile elsewhere
    assert get(ws, "GK_ROUND") == "第3轮"
    panel.flush()
    assert get(ws, "GK_ROUND") == "第3轮" and "调度轮次" in panel.conflicts[0]


def test_a_status_written_while_another_step_runs_is_kept(ws):
    report = OpenpyxlPanel(ws / "控制台.xlsm", echo=False)          # the report step's process, loaded at start
    report.set("GK_STATUS_REPORT", "运行中")
    report.flush()
    r = actions.run("distribute", OpenpyxlPanel(ws / "控制台.xlsm", echo=False))     # clicked meanwhile
    assert not r.ok and get(ws, "GK_STATUS_DISTRIBUTE").startswith("失败")
    assert "找不到文件：任务清单.xlsx" in r.message and str(ws) not in r.message     # no absolute path
    report.set("GK_STATUS_REPORT", "完成 …")
    report.flush()
    assert get(ws, "GK_STATUS_DISTRIBUTE").startswith("失败") and get(ws, "GK_STATUS_REPORT") == "完成 …"


def test_writers_in_parallel_lose_nothing(ws):
    names = ["GK_CONTACT", "GK_REPORT_UNIT", R + "地址", R + "网站"]

    def writer(name):
        for i in range(4):
            p = OpenpyxlPanel(ws / "控制台.xlsm", echo=False)
            p.set(name, f"{name}-{i}")
            p.flush()

    threads = [threading.Thread(target=writer, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [get(ws, n) for n in names] == [f"{n}-3" for n in names]


def test_while_excel_has_it_open_the_setting_waits_and_says_so(ws):
    lock = ws / "~$控制台.xlsm"
    lock.write_bytes(b"owner")
    before = (ws / "控制台.xlsm").read_bytes()
    panel = OpenpyxlPanel(ws / "控制台.xlsm", echo=False)
    panel.set("GK_ROUND", "第2轮")
    assert not panel.flush()
    assert "正在 Excel/WPS 中打开" in panel.held and "~$控制台.xlsm" in panel.held
    assert (ws / "控制台.xlsm").read_bytes() == before                # nothing written over the open workbook
    assert OpenpyxlPanel(ws / "控制台.xlsm", echo=False).get("GK_ROUND") == "第2轮"   # kept, and shown
    # the .cmd route says so too, and its status waits with the setting
    r = cli(ws, "plan")
    assert r.returncode == 0 and "正在 Excel/WPS 中打开" in r.stdout, r.stdout + r.stderr
    assert (ws / "控制台.xlsm").read_bytes() == before
    # the browser panel as well
    server = start_panel(ws)
    try:
        said = json.loads(call(server, "/api/settings", {"GK_CONTACT": "张三 0632-1234567"})[1])
        assert "正在 Excel/WPS 中打开" in said["message"]
        assert json.loads(call(server, "/api/state")[1])["held"]
        lock.unlink()                                                # closed: the next save writes it all
        assert json.loads(call(server, "/api/state")[1])["held"] == ""
    finally:
        server.httpd.shutdown()
    assert get(ws, "GK_ROUND") == "第2轮" and get(ws, "GK_CONTACT") == "张三 0632-1234567"
    assert get(ws, "GK_STATUS_PLAN").startswith("完成")
    assert not OpenpyxlPanel(ws / "控制台.xlsm", echo=False).journal.exists()


def test_two_browser_panels_on_one_folder_do_not_revert_each_other(ws):
    a, b = start_panel(ws), start_panel(ws)
    try:
        assert json.loads(call(a, "/api/settings", {"GK_ROUND": "2021年第2次调度"})[1])["ok"]
        # b's page sends only what it changed
        assert json.loads(call(b, "/api/settings", {"GK_DUE": "2021-12-20"})[1])["ok"]
        state_b = json.loads(call(b, "/api/state")[1])
        assert next(s for s in state_b["settings"] if s["name"] == "GK_ROUND")["value"] == "2021年第2次调度"
    finally:
        a.httpd.shutdown()
        b.httpd.shutdown()
    assert get(ws, "GK_ROUND") == "2021年第2次调度" and get(ws, "GK_DUE").date() == dt.date(2021, 12, 20)


# ------------------------------------------------------------------------- 2. every setting in the browser

def test_the_browser_panel_edits_every_report_setting_checked_as_the_workbook_is(ws):
    from automation.steps import REPORT_SETTINGS

    server = start_panel(ws)
    try:
        state = json.loads(call(server, "/api/state")[1])
        assert [s["label"] for s in state["report_settings"]] == [
            "机关名称", "地址", "邮编", "联系电话", "电子邮箱", "网站", "网址", "成文日期", "汇总范围", "人大代表建议和政协提案",
            "其他需要报告的事项", "上年度问题整改情况", "接受年中数据的单位"] == [s.label for s in REPORT_SETTINGS]
        values = {R + "机关名称": "枣庄市市中区人民政府", R + "地址": "君山中路321号", R + "邮编": "277101",
                  R + "联系电话": "0632-3083075", R + "电子邮箱": "szgk@163.com", R + "网站": "市中区人民政府门户网站",
                  R + "成文日期": "2022-01-20", R + "汇总范围": "区政府办公室及37个镇街和部门",
                  R + "人大代表建议和政协提案": "办理人大代表建议12件", R + "其他需要报告的事项": "无",
                  R + "网址": "http://www.zzszq.gov.cn", R + "上年度问题整改情况": "已整改"}
        assert json.loads(call(server, "/api/settings", values)[1])["ok"]
        for bad, why in [({R + "机关名称": "XX区人民政府"}, "示例文字"), ({R + "邮编": "27710"}, "6 位数字"),
                         ({R + "成文日期": "明年"}, "不是日期"), ({R + "电子邮箱": "szgk"}, "电子邮箱"),
                         ({"GK_ROUND": "../../第2次调度"}, "不能用作文件夹名称"), ({"GK_YEAR": "20211"}, "有效年份")]:
            said = json.loads(call(server, "/api/settings", bad)[1])
            assert not said["ok"] and why in said["message"], (bad, said)
    finally:
        server.httpd.shutdown()
    wb = openpyxl.load_workbook(ws / "控制台.xlsm", keep_vba=True)
    assert {r[0].value: r[1].value for r in wb["报告设置"].iter_rows(min_row=2)} == {
        **{k[len(R):]: v for k, v in values.items()}, "接受年中数据的单位": None}
    # the sheet says what each row is for, as the page does
    assert wb["报告设置"]["C1"].value == "说明" and "全称" in wb["报告设置"]["C2"].value
    # the workbook route refuses what the panel refuses, naming the setting and where it is
    wps_edit(ws, **{"报告设置!B4": "27710"})
    r = run(ws, "report")
    assert not r.ok and r.problem.code == "SETTING_INVALID"
    assert "邮编" in r.message and "“报告设置”表" in r.message and "浏览器工作台" in r.message


# ------------------------------------------------------------------------- 3. placeholders never published

def test_the_placeholder_organ_or_a_missing_contact_stops_the_report_step(ws):
    r = run(ws, "report")                                           # straight after init: 机关名称 blank
    assert not r.ok and r.problem.code == "SETTING_MISSING" and "“机关名称”" in r.message
    assert "报告设置" in r.message and get(ws, "GK_STATUS_REPORT").startswith("失败")
    r = run(ws, "report", **{R + "机关名称": "XX区人民政府"})       # typed as the example reads
    assert not r.ok and r.problem.code == "SETTING_INVALID" and "XX区人民政府" in r.message
    r = run(ws, "report", **{R + "机关名称": "枣庄市市中区人民政府"})
    assert not r.ok and "联系电话" in r.message and "地址" in r.message
    said = cli(ws, "report")
    assert said.returncode == 2 and "联系电话" in said.stderr + said.stdout
    # a single unit's report needs neither (it uses the unit's own name and the registry's contacts)
    r = run(ws, "report", GK_REPORT_MODE="指定单位", GK_REPORT_UNIT="孟庄镇")
    assert r.problem is None or r.problem.code not in ("SETTING_MISSING", "SETTING_INVALID")
    assert not list((ws / "报告").glob("*.docx"))


def test_distribute_says_clearly_what_was_left_open(ws):
    assert run(ws, "plan", GK_YEAR=2021).ok
    map_names(ws / "任务清单.xlsx", SAMPLE_ACTUAL_UNITS)
    r = run(ws, "distribute", GK_ROUND="第1轮")
    assert r.ok, r.message
    status = get(ws, "GK_STATUS_DISTRIBUTE")
    assert status.startswith("完成（未设截止日期或联系人）")
    assert "没有填写“报送截止日期”和“办公室联系人”" in r.message and "按办公室通知" in r.message
    r = run(ws, "distribute", GK_ROUND="第2轮", GK_DUE=dt.datetime(2021, 12, 20), GK_CONTACT="张三 0632-1")
    assert r.ok and get(ws, "GK_STATUS_DISTRIBUTE").startswith("完成 ") and "按办公室通知" not in r.message
    r = run(ws, "distribute", GK_ROUND="第3轮", GK_CONTACT="")
    assert "没有填写“办公室联系人”" in r.message and "报送截止日期" not in r.message.split("\n")[0]


# ------------------------------------------------------------------------- 4. year and round

def test_a_year_other_than_the_plans_is_refused_unless_confirmed(ws):
    r = run(ws, "plan", GK_YEAR=2020)
    assert not r.ok and r.problem.code == "YEAR_MISMATCH" and not (ws / "任务清单.xlsx").exists()
    assert "2020" in r.message and "是 2021 年的" in r.message and "按所填年度" in r.message
    said = cli(ws, "plan")
    assert said.returncode == 2 and "2021" in said.stderr
    r = run(ws, "plan", GK_YEAR_CONFIRM="按所填年度")
    assert r.ok and r.result.plan.year == 2020
    # the same at the report step: the task list is 2020 now, the console says 2021
    r = run(ws, "report", GK_YEAR=2021, GK_YEAR_CONFIRM="停下核对",
            **{R + "机关名称": "枣庄市市中区人民政府", R + "联系电话": "0632-3083075"})
    assert not r.ok and r.problem.code == "YEAR_MISMATCH" and "任务清单" in r.message
    # parsing again with a year the plan does not state: refused before the reviewed list is touched or copied
    before, files = (ws / "任务清单.xlsx").read_bytes(), sorted(p.name for p in ws.iterdir())
    r = run(ws, "plan", GK_YEAR=2019, GK_YEAR_CONFIRM="停下核对")
    assert not r.ok and r.problem.code == "YEAR_MISMATCH" and "2019" in r.message and "是 2021 年的" in r.message
    assert (ws / "任务清单.xlsx").read_bytes() == before and sorted(p.name for p in ws.iterdir()) == files


def test_rounds_that_would_misplace_the_years_data_are_refused(year):
    r = run(year, "collect", GK_ROUND="2021年第l次调度")             # a letter l for the digit 1
    assert not r.ok and r.problem.code == "ROUND_NOT_DISTRIBUTED"
    assert "2021年第1次调度" in r.message and "2021年第2次调度" in r.message
    said = cli(year, "collect")
    assert said.returncode == 2 and "还没有下发过" in said.stderr
    summary = (year / "汇总" / "汇总.xlsx").read_bytes()
    r = run(year, "distribute", GK_ROUND="../../第2次调度")
    assert not r.ok and r.problem.code == "SETTING_INVALID" and "调度轮次" in r.message
    assert not (year.parent.parent / "第2次调度").exists() and not list(year.parent.glob("*第2次调度*"))
    r = run(year, "collect", GK_ROUND="2021年第1次调度", GK_ON_TIME="区民政")
    assert not r.ok and r.problem.code == "UNIT_NOT_FOUND" and "区民政局" in r.message
    assert (year / "汇总" / "汇总.xlsx").read_bytes() == summary
    # the direct command line, as --units does
    code = cli_main(["collect", str(year / "回收"), "--tasks", str(year / "任务清单.xlsx"), "-o",
                     str(year / "其他.xlsx"), "--on-time", "区民政", "--round", "2021年第1次调度",
                     "--ledger", str(year / "汇总" / "台账.sqlite")])
    assert code == 2 and not (year / "其他.xlsx").exists()
    r = run(year, "collect", GK_ROUND="2021年第1次调度", GK_ON_TIME="区民政局")
    assert r.ok, r.message


# ------------------------------------------------------------------------- 5. generating reports again

def report_of(year, organ="枣庄市市中区人民政府"):
    return year / "报告" / f"{organ}_2021年政府信息公开工作年度报告.docx"


def listing_rows(year):
    return [[c.value for c in row] for row in openpyxl.load_workbook(year / "报告" / "报告清单.xlsx")["报告清单"]
            .iter_rows(min_row=3)]


def existing_unit_reports(year):
    """The demo's unit reports (units whose data are year-end: the others are refused as mid-year data)."""
    return sorted(p for p in (year / "报告").glob("*年度报告.docx") if not p.name.startswith("枣庄市市中区人民政府"))


def text_of(path):
    return "\n".join(p.text for p in Document(path).paragraphs)


def add_text(path, text):
    doc = Document(path)
    doc.add_paragraph(text)
    doc.save(path)


def test_reports_there_already_are_not_overwritten_and_not_called_faulty(year):
    before = {p.name: p.read_bytes() for p in (year / "报告").glob("*.docx")}
    assert len(before) >= 5
    r = run(year, "report", GK_FORCE="否")
    assert r.ok
    rows = listing_rows(year)
    kept = [row for row in rows if row[4] == "文件已存在，未覆盖"]
    refused = [row for row in rows if row[4] == "未通过，未生成"]
    assert len(kept) == len(before) and len(kept) + len(refused) + sum(row[4] == "未报送，未生成" for row in rows) == len(rows)
    assert not any("未通过" in (row[6] or "") for row in kept)          # not overwritten is not a data fault
    status = get(year, "GK_STATUS_REPORT")
    assert status.startswith("未生成") and "已生成 0 份" in status and f"已有未覆盖 {len(kept)} 份" in status
    assert (f"未通过校验 {len(refused)} 份" in status) == bool(refused) and "未通过校验 0" not in status
    assert "没有覆盖（不是数据问题）" in r.message and "覆盖已有报告" in r.message
    assert str(year) not in r.message and str(year.anchor) + "tmp" not in r.message
    assert {p.name: p.read_bytes() for p in (year / "报告").glob("*.docx")} == before
    said = cli(year, "report")
    assert said.returncode == 1 and "没有覆盖（不是数据问题）" in said.stdout and str(year) not in said.stdout


def test_overwriting_keeps_the_writers_edits_aside_and_never_skips_a_check(year):
    edited, faulty = existing_unit_reports(year)[:2]
    add_text(edited, "撰稿人补充的一段。")
    faulty_bytes = faulty.read_bytes()
    unit = faulty.name.split("_")[0]
    summary = year / "汇总" / "汇总.xlsx"
    set_figure(summary, unit, RS.t4(5), get_figure(summary, unit, RS.t4(5)) + 1)     # 行政复议 total off by one
    r = run(year, "report", GK_FORCE="是")
    assert r.ok, r.message
    kept = list((year / "报告").glob("*_手工修改_*.docx"))
    assert [k.name.split("_手工修改_")[0] for k in kept] == [edited.stem]     # only the edited one
    assert "撰稿人补充的一段。" in text_of(kept[0]) and "撰稿人补充的一段。" not in text_of(edited)
    assert kept[0].name in r.message and "修改过" in r.message
    # the failing unit: refused as always, its earlier report left as it was, and said in its own words
    assert faulty.read_bytes() == faulty_bytes
    rows = {row[1]: row for row in listing_rows(year)}
    assert rows[unit][4] == "未通过，未生成" and "行政复议" in rows[unit][6]
    refused = sum(row[4] == "未通过，未生成" for row in rows.values())
    status = get(year, "GK_STATUS_REPORT")
    assert status.startswith("部分完成") and f"未通过校验 {refused} 份" in status and "已有未覆盖" not in status, status
    assert "未通过校验" in r.message and "报告清单.xlsx" in r.message          # the listing names each one
    # generated again at once: nothing was edited since, nothing kept aside
    assert run(year, "report", GK_FORCE="是").ok
    assert len(list((year / "报告").glob("*_手工修改_*.docx"))) == 1


def test_the_browser_panel_regenerates_the_same_way(year):
    edited = existing_unit_reports(year)[0]
    add_text(edited, "网页上也保留。")
    written = len(list((year / "报告").glob("*年度报告.docx")))          # the consolidated one too, when made
    server = start_panel(year)
    try:
        assert json.loads(call(server, "/api/run/report", {})[1])["ok"]
        step = wait_done(server, "report")
        assert step["status"].startswith("未生成") and f"已有未覆盖 {written} 份" in step["status"]
        assert json.loads(call(server, "/api/settings", {"GK_FORCE": "是"})[1])["ok"]
        assert json.loads(call(server, "/api/run/report", {})[1])["ok"]
        step = wait_done(server, "report")
        total = len(listing_rows(year))
        assert step["status"].startswith("完成" if written == total else "部分完成"), step
        assert f"已生成 {written} 份" in step["status"], step
        message = json.loads(call(server, "/api/state")[1])["message"]
        assert "修改过" in message and f"{edited.stem}_手工修改_" in message
    finally:
        server.httpd.shutdown()


class OpenBook(Panel):
    """The Excel route (xlwings, not installed here) as the Panel interface sees it: the workbook open in Excel,
    read and written in memory (Excel saves it, not the tool)."""

    def __init__(self, console):
        self.book_dir = console.parent
        self.wb = openpyxl.load_workbook(console, keep_vba=True)

    def get(self, name):
        c = find_cell(self.wb, name)
        return None if c is None else c.value

    def set(self, name, value):
        c = find_cell(self.wb, name)
        if c is not None:
            c.value = value


def test_what_waited_for_excel_is_written_by_the_excel_buttons_panel(ws):
    """A .cmd run's settings wait in the journal while Excel has the workbook open; the Excel button applies them
    by the flush's rule, says in the step's message which one it did not apply (a colleague typed another value
    meanwhile: theirs, ours), and removes the journal only after that report."""
    (ws / "~$控制台.xlsm").write_bytes(b"owner")
    waiting = OpenpyxlPanel(ws / "控制台.xlsm", echo=False)
    waiting.set("GK_ROUND", "第2轮")
    waiting.set("GK_CONTACT", "张三")
    assert not waiting.flush() and waiting.journal.exists()
    book = OpenBook(ws / "控制台.xlsm")
    book.set("GK_CONTACT", "李四")                                  # typed in Excel meanwhile
    waited = apply_journal(book, ws / "控制台.xlsm")
    assert waited.written == 1 and waiting.journal.exists()        # kept until reported
    assert book.get("GK_ROUND") == "第2轮" and book.get("GK_CONTACT") == "李四"
    assert book.conflicts == ["“办公室联系人”：别处已改为“李四”，保留了它；这里设的“张三”没有写入（如仍需要，请重新填写）"]
    # the whole button: applied, the step runs, its message reports the setting not applied, the journal goes
    (ws / "~$控制台.xlsm").unlink()
    waiting.set("GK_CONTACT", "王五")
    (ws / "~$控制台.xlsm").write_bytes(b"owner")
    assert not waiting.flush()
    book = OpenBook(ws / "控制台.xlsm")
    book.set("GK_CONTACT", "李四")
    out = actions.run_in_open_book("plan", book, ws / "控制台.xlsm")
    assert out.ok and book.get("GK_STATUS_PLAN").startswith("完成")
    said = book.get("GK_MESSAGE")
    assert "别处" in said and "“办公室联系人”" in said and "“李四”" in said and "“王五”没有写入" in said
    assert not waiting.journal.exists() and not book.conflicts
    # a journal a .cmd run added to after it was applied stays for the next button
    waiting.set("GK_DUE", dt.datetime(2021, 7, 10))
    assert not waiting.flush()
    waited = apply_journal(book, ws / "控制台.xlsm")
    waiting.set("GK_ROUND", "第3轮")
    assert not waiting.flush()
    forget_journal(ws / "控制台.xlsm", waited)
    assert "第3轮" in waiting.journal.read_text(encoding="utf-8")


def test_a_setting_not_applied_is_said_by_the_step_that_met_it(ws):
    """The .cmd route: a setting made here and changed in WPS before it was written is named in the step's message
    with both values, never dropped unsaid."""
    panel = OpenpyxlPanel(ws / "控制台.xlsm", echo=False)
    panel.set("GK_CONTACT", "张三")
    cell = find_cell(openpyxl.load_workbook(ws / "控制台.xlsm", keep_vba=True), "GK_CONTACT")
    wps_edit(ws, **{f"控制台!{cell.coordinate}": "李四"})
    out = actions.run("plan", panel)
    assert out.ok and get(ws, "GK_CONTACT") == "李四"
    assert "“办公室联系人”：别处已改为“李四”" in out.message and "“张三”没有写入" in out.message
    assert "“张三”没有写入" in get(ws, "GK_MESSAGE")


def test_on_a_read_only_folder_settings_are_said_to_be_unsaved(ws, monkeypatch):
    """Nothing can be written (a read-only share): the settings stay in this panel's memory and every route says
    they are not saved — the page's save is not reported as done."""
    import tempfile as tf

    from automation.webpanel import Server, WebPanel

    real = tf.mkstemp

    def read_only(*a, **kw):
        if str(ws) in str(kw.get("dir", "")):
            raise OSError(30, "Read-only file system")
        return real(*a, **kw)

    before = (ws / "控制台.xlsm").read_bytes()
    monkeypatch.setattr(tf, "mkstemp", read_only)
    server = Server(Workspace(ws), WebPanel(ws / "控制台.xlsm"))
    said = server.save_settings({"GK_CONTACT": "张三"})
    assert not said["ok"] and "不能写入" in said["message"] and "没有保存" in said["message"]
    assert server.panel.get("GK_CONTACT") == "张三" and server.panel.pending       # kept in memory
    assert "没有保存" in server.state()["held"]
    assert (ws / "控制台.xlsm").read_bytes() == before and not server.panel.journal.exists()


def test_a_cell_changed_directly_in_the_loaded_workbook_is_written_like_a_set_one(ws):
    panel = OpenpyxlPanel(ws / "控制台.xlsm", echo=False)
    panel.wb["报告设置"]["B3"] = "君山中路321号"                     # what nextyear/demo code may do
    wps_edit(ws, **{"报告设置!B2": "枣庄市市中区人民政府"})
    assert panel.flush()
    assert get(ws, R + "地址") == "君山中路321号" and get(ws, R + "机关名称") == "枣庄市市中区人民政府"


# ------------------------------------------------------------------------- issue 26: the office's time zone

def test_the_office_time_zone_is_a_setting_and_lateness_follows_it(year, tmp_path):
    """办公室所在时区 (blank: 北京时间) decides on-time or late for a return with no saved time inside, never the
    machine's zone; a name that is no time zone is refused with the setting named."""
    import os

    from automation.demo import fill_return
    from test_collect import _drop_saved_time

    other = tmp_path / "另一份"
    shutil.copytree(year, other)
    late_in_beijing = dt.datetime(2021, 12, 26, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # 12-25 23:00 in Urumqi
    verdicts = {}
    for root, zone in ((year, ""), (other, "Asia/Urumqi")):
        rnd = get(root, "GK_ROUND")
        src = next((root / "下发" / rnd).glob("中心街街道_*台账.xlsx"))
        f = fill_return(src, root / "回收" / rnd / "中心街街道（补报）.xlsx", seed=5)
        _drop_saved_time(f)
        os.utime(f, (late_in_beijing.timestamp(), late_in_beijing.timestamp()))
        r = run(root, "collect", GK_TIMEZONE=zone)
        assert r.ok, r.message
        book = openpyxl.load_workbook(root / "汇总" / "汇总.xlsx")
        said = [" ".join(map(str, x)) for x in book["问题清单"].iter_rows(min_row=2, values_only=True)]
        verdicts[zone] = any("中心街街道" in s and "晚于截止日期" in s for s in said)
    assert verdicts == {"": True, "Asia/Urumqi": False}
    r = run(other, "collect", GK_TIMEZONE="火星时间")
    assert not r.ok and "办公室所在时区" in r.message and "火星时间" in r.message


def test_init_leaves_the_organ_to_fill_and_every_route_shows_it_so(ws, tmp_path):
    """`gongkai init` writes no example organ (the report step would refuse it): the cell is blank, its note says
    it must be filled before the report, the workbook paints it red while blank and the browser panel marks it
    required; a console rebuilt over one an older init made drops that old example, never a real name."""
    from automation.console import build_console
    from automation.webpanel import Server, WebPanel

    wb = openpyxl.load_workbook(ws / "控制台.xlsm", keep_vba=True)
    sheet = wb["报告设置"]
    assert sheet["A2"].value == "机关名称" and sheet["B2"].value in (None, "") and sheet["C2"].value.startswith("必填")
    rules = [r for rng in sheet.conditional_formatting for r in rng.rules if "B2" in str(rng.sqref)]
    assert len(rules) == 1 and "LEN(TRIM(B2))=0" in rules[0].formula[0]
    assert not [rng for rng in sheet.conditional_formatting if "B3" in str(rng.sqref)]       # 地址 is not required
    server = Server(Workspace(ws), WebPanel(ws / "控制台.xlsm"))
    shown = {s["label"]: s for s in server.state()["report_settings"]}
    assert shown["机关名称"]["required"] and shown["机关名称"]["value"] == "" and shown["机关名称"]["note"].startswith("必填")
    assert not shown["地址"]["required"]
    assert 'f.placeholder = "必填，尚未填写"' in PAGE and ".required:placeholder-shown" in PAGE
    for old, kept in (("XX区人民政府", ""), ("枣庄市市中区人民政府", "枣庄市市中区人民政府")):
        wps_edit(ws, **{"报告设置!B2": old})
        build_console(ws / "控制台.xlsm")
        assert (get(ws, R + "机关名称") or "") == kept


def test_an_option_typed_beside_workspace_is_refused_not_ignored(year, capsys):
    """`gongkai distribute --workspace F --round R` ran the console's round and dropped --round unsaid."""
    from automation.cli import main

    before = sorted(p.relative_to(year) for p in year.rglob("*"))
    assert main(["distribute", "--workspace", str(year), "--round", "2021年第3次调度"]) == 2
    err = capsys.readouterr().err
    assert "--round 不起作用" in err and "控制台" in err
    assert main(["bulletin", "--workspace", str(year), "--force"]) == 2 and "--force 不起作用" in capsys.readouterr().err
    assert sorted(p.relative_to(year) for p in year.rglob("*")) == before           # nothing run, nothing written
    assert main(["collect", "--workspace", str(year)]) in (0, 1)                      # the workspace alone still runs
