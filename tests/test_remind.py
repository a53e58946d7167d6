"""催报 (issue 30): notices and messages for exactly the units that owe something, each naming what it
owes; never asking for what a unit sent; every run in the ledger and in 单位进度 after the next collect."""
import datetime as dt
import shutil
import sqlite3

import openpyxl
import pytest

from automation import reportspec as R
from automation import unitbook as L
from automation.actions import run
from automation.demo import SAMPLE_ACTUAL_UNITS, fill_return, map_names, set_saved_time
from automation.officialdoc import text_of
from automation.panel import OpenpyxlPanel
from automation.problems import GongkaiError
from automation.remind import MESSAGE_MAX, RemindOptions, owed_message, remind
from automation.resources import sample_plan
from automation.results import UnitOwes
from automation.tasklist import TASK_SHEET
from automation.workspace import Workspace, init_workspace

DUE = dt.date(2021, 7, 10)
ROUND = "2021年第1次调度"
ON_TIME = dt.datetime(2021, 7, 8, 16, 30)
COMPLETE, LATE, BLANK, BAD_FIGURE = "区财政局", "区民政局", "孟庄镇", "区司法局"
OVERDUE_TASK = "2021-01-05"           # its deadline set to 2021-06-30 in the task list: past the cut-off


def set_deadline(tasks_path, task_id: str, day: dt.date) -> None:
    wb = openpyxl.load_workbook(tasks_path)
    ws = wb[TASK_SHEET]
    head = [c.value for c in ws[1]]
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, head.index("任务编号") + 1).value == task_id:
            ws.cell(r, head.index("完成时限") + 1).value = dt.datetime.combine(day, dt.time())
    wb.save(tasks_path)


def step(ws: Workspace, action: str):
    r = run(action, OpenpyxlPanel(ws.console, echo=False))
    assert r.ok, r.message
    return r.result


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    """One round of the sample plan: a complete return, a late one, one leaving two statuses blank, one with a
    figure typed as text; every other unit has not returned."""
    root = tmp_path_factory.mktemp("remind") / "2021年政务公开"
    init_workspace(root, 2021)
    ws = Workspace(root)
    shutil.copyfile(sample_plan(), ws.plan_dir / "要点.txt")
    p = OpenpyxlPanel(ws.console, echo=False)
    p.set("GK_DUE", dt.datetime.combine(DUE, dt.time()))
    p.set("GK_ROUND", ROUND)
    p.set("GK_CONTACT", "区政府办公室政务公开科 0632-3083075")
    p.flush()
    step(ws, "plan")
    map_names(ws.tasks, SAMPLE_ACTUAL_UNITS)
    set_deadline(ws.tasks, OVERDUE_TASK, dt.date(2021, 6, 30))
    step(ws, "distribute")
    sent = {f.name.split("_")[0]: f for f in (ws.sent_dir / ROUND).glob("*.xlsx") if "_" in f.name}
    back = ws.back_dir / ROUND
    fill_return(sent[COMPLETE], back / sent[COMPLETE].name, share_done=1.0, seed=1, mtime=ON_TIME)
    fill_return(sent[LATE], back / sent[LATE].name, share_done=1.0, seed=2, mtime=dt.datetime(2021, 7, 13, 10, 5))
    blank = fill_return(sent[BLANK], back / sent[BLANK].name, share_done=0.5, seed=3, mtime=ON_TIME)
    wb = openpyxl.load_workbook(blank)
    meta = L.read_meta_openpyxl(wb)
    blanked = meta.tasks[:2]
    for t in blanked:
        wb[L.LEDGER_SHEET][f"{meta.columns['status']}{t.row}"] = None
    wb.save(blank)
    set_saved_time(blank, ON_TIME)          # saved again by the unit before the cut-off
    bad = fill_return(sent[BAD_FIGURE], back / sent[BAD_FIGURE].name, share_done=1.0, seed=4, mtime=ON_TIME)
    wb = openpyxl.load_workbook(bad)
    meta_bad = L.read_meta_openpyxl(wb)
    bad_cell = meta_bad.figures[R.t3(1, 1)]
    wb[L.FIGURE_SHEET][bad_cell] = "12件"
    wb.save(bad)
    set_saved_time(bad, ON_TIME)
    step(ws, "collect")
    return {"ws": ws, "blanked": [(t.id, t.row) for t in blanked], "bad_cell": bad_cell,
            "units": sorted(sent)}


@pytest.fixture
def fresh(year, tmp_path):
    """A copy of the year to run reminders on (each test its own ledger)."""
    root = tmp_path / "year"
    shutil.copytree(year["ws"].root, root)
    return Workspace(root)


def after_due(ws, when=dt.datetime(2021, 7, 12, 9, 0), **kw):
    return remind(RemindOptions(
        ledger=ws.ledger, output=ws.root / "催报", as_of=when, contact="区政府办公室政务公开科 0632-3083075",
        office="枣庄市市中区人民政府办公室", returns=ws.back_dir, **kw))


def notice_text(u) -> str:
    return "\n".join(text_of(u.notice))


def test_exactly_the_units_that_owe_get_a_notice_and_a_message_naming_what(year, fresh):
    r = after_due(fresh, new_due="2021-07-16")
    owes = {u.unit: u for u in r.owes}
    returned = {COMPLETE, LATE, BLANK, BAD_FIGURE}
    assert set(owes) == (set(year["units"]) - {COMPLETE}), "every unit owes something except the complete one"
    assert not r.soon
    for name, u in owes.items():
        assert u.notice.exists() and u.notice.parent == r.output
        text = notice_text(u)
        assert text.splitlines()[0].startswith("关于") and f"{name}：" in text.splitlines()
        assert "2021年7月16日前" in text and "0632-3083075" in text and "枣庄市市中区人民政府办公室" in text
        assert 0 < len(u.message) <= MESSAGE_MAX and name in u.message and "7月16日前" in u.message
        if name not in returned:
            assert u.missing and "任务台账未报送" in text and "未报送" in u.message
        else:
            assert not u.missing and "任务台账未报送" not in text and "未报送" not in u.message
            assert bool(u.late_at) == (name == LATE) and ("逾期报送" in text) == (name == LATE)
    late = notice_text(owes[LATE])
    assert "任务台账逾期报送" in late and "2021-07-13 10:05" in late and "逾期报送" in owes[LATE].message
    blank = notice_text(owes[BLANK])
    for tid, row in year["blanked"]:
        assert f"“任务台账”第{row}行，任务{tid}" in blank
    assert "2项任务未填写完成状态" in owes[BLANK].message
    bad = notice_text(owes[BAD_FIGURE])
    assert f"年度报告数据!{year['bad_cell']}" in bad and "12件" in bad and "年度报告数据在改正前不能使用" in bad
    assert any(x.code == "TEXT_IN_NUMBER" for x in owes[BAD_FIGURE].fixes)
    # the task past its deadline: listed for the units that have not done it, never for one that did
    overdue = {u.unit for u in r.owes if any(t[0] == OVERDUE_TASK for t in u.overdue)}
    assert overdue and LATE not in overdue and BAD_FIGURE not in overdue       # they reported every task done
    # the sheet to copy from: one row a unit, the message as in the result
    wb = openpyxl.load_workbook(r.sheet)
    rows = list(wb["催报"].iter_rows(min_row=2, values_only=True))
    assert {row[1]: row[5] for row in rows} == {u.unit: u.message for u in r.owes}
    assert all(row[6] == len(row[5]) <= MESSAGE_MAX for row in rows)


def test_never_asks_for_what_a_unit_already_sent(year, fresh):
    r = after_due(fresh)
    u = next(x for x in r.owes if x.unit == BLANK)
    text = notice_text(u)
    blanked = {tid for tid, _ in year["blanked"]}
    con = sqlite3.connect(fresh.ledger)
    done = {tid for tid, st in con.execute(
        "SELECT task_id, status FROM entries e JOIN files f ON f.id = e.file_id WHERE f.unit=?", (BLANK,)) if st == L.DONE}
    con.close()
    assert done and not any(f"任务{tid}" in text for tid in done)          # reported done: never listed
    assert all(f"任务{tid}" in text for tid in blanked)
    # the unit sends the complete workbook: the next reminder no longer names it
    src = next((fresh.sent_dir / ROUND).glob(f"{BLANK}_*.xlsx"))
    fill_return(src, fresh.back_dir / ROUND / "孟庄镇（补报）.xlsx", share_done=1.0, seed=9, mtime=ON_TIME)
    with pytest.raises(GongkaiError) as exc:                   # not collected yet: no reminder at all
        after_due(fresh)
    assert exc.value.problem.code == "REMIND_NOT_COLLECTED" and "孟庄镇（补报）.xlsx" in exc.value.problem.message
    step(fresh, "collect")
    again = after_due(fresh, when=dt.datetime(2021, 7, 13, 9, 0))
    assert BLANK not in {x.unit for x in again.owes}, [(x.asked, x.fixes) for x in again.owes if x.unit == BLANK]
    assert {x.unit for x in again.owes} == {x.unit for x in r.owes} - {BLANK}


def test_two_runs_show_two_reminders_per_unit_in_the_summary_after_the_next_collect(fresh):
    first = after_due(fresh)
    second = after_due(fresh, when=dt.datetime(2021, 7, 13, 15, 30))
    assert (first.run, second.run) == (1, 2) and first.output != second.output and first.output.exists()
    assert all(u.times == 2 for u in second.owes)
    con = sqlite3.connect(fresh.ledger)
    assert con.execute("SELECT COUNT(*) FROM reminders").fetchone()[0] == len(first.owes) + len(second.owes)
    asked = con.execute("SELECT asked FROM reminders WHERE unit=? ORDER BY id DESC", (BLANK,)).fetchone()[0]
    con.close()
    assert "填写2项任务的完成状态" in asked
    step(fresh, "collect")                          # nothing new in the folder: the reminders alone rewrite it
    ws = openpyxl.load_workbook(fresh.summary)["单位进度"]
    head = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(head, r)) for r in ws.iter_rows(min_row=2, values_only=True) if r[0] not in (None, "合计")}
    owed = {u.unit for u in second.owes}
    for unit, row in rows.items():
        if unit in owed:
            assert row["催报次数"] == 2 and row["最近催报时间"] == dt.datetime(2021, 7, 13, 15, 30), unit
        else:
            assert row["催报次数"] == 0 and row["最近催报时间"] in (None, ""), unit


def test_before_the_cut_off_units_not_yet_returned_get_a_friendly_reminder(year, fresh):
    missing = set(year["units"]) - {COMPLETE, LATE, BLANK, BAD_FIGURE}
    on_the_day = after_due(fresh, when=dt.datetime(2021, 7, 10, 8, 0), soon_days=3)
    assert {u.unit for u in on_the_day.soon} == missing and all(u.days_left == 0 for u in on_the_day.soon)
    assert all("今天截止" in u.message and "已经报送的请忽略" in u.message for u in on_the_day.soon)
    assert not missing & {u.unit for u in on_the_day.owes}           # not late yet: no 催报 notice
    assert {BLANK, BAD_FIGURE} <= {u.unit for u in on_the_day.owes}   # what they sent needs fixing already
    three = after_due(fresh, when=dt.datetime(2021, 7, 7, 8, 0), soon_days=3)
    assert {u.unit for u in three.soon} == missing and {u.days_left for u in three.soon} == {3}
    early = after_due(fresh, when=dt.datetime(2021, 7, 6, 8, 0), soon_days=3)
    assert early.soon == []
    day_after = after_due(fresh, when=dt.datetime(2021, 7, 11, 8, 0))
    assert missing <= {u.unit for u in day_after.owes} and not day_after.soon
    wb = openpyxl.load_workbook(on_the_day.sheet)
    assert {r[1] for r in wb["截止前提醒"].iter_rows(min_row=2, values_only=True)} == missing


def test_a_long_list_still_fits_one_message():
    fixes = [GongkaiError.of("TEXT_IN_NUMBER", "某某单位台账.xlsx", sheet="年度报告数据", cell=f"C{i}", value="十二",
                             hint="应填 12").problem for i in range(40)]
    u = UnitOwes(unit="某某县某某局某某某某某某某某中心", contact="张", missing=False, late_at="2021-07-13 10:05",
                 blank=[(f"2021-0{i}-01", i, "任务") for i in range(1, 9)], fixes=fixes,
                 overdue=[("2021-01-01", "任务", "2021-06-30", "推进中")] * 12)
    text = owed_message(u, "2021年第1次调度（年中调度）", dt.date(2021, 7, 10), dt.date(2021, 7, 16),
                        "区政府办公室政务公开科 张某某 0632-3083075、13900000000")
    assert len(text) <= MESSAGE_MAX and u.unit in text and "7月16日前" in text


def test_a_round_never_sent_is_not_chased(fresh):
    with pytest.raises(GongkaiError) as exc:
        after_due(fresh, round_name="2021年第3次调度")
    assert exc.value.problem.code == "REMIND_ROUND_NOT_SENT" and ROUND in exc.value.problem.message
    assert not (fresh.root / "催报").exists()
    assert after_due(fresh, round_name=ROUND).round == ROUND


@pytest.mark.parametrize("value, words", [
    (dt.date(2021, 6, 30), "2021年6月30日"), (dt.datetime(2021, 1, 2, 23, 59), "2021年1月2日"),
    ("2021-06-30", "2021年6月30日"), ("2021-6-3", "2021年6月3日"), ("2021-12-31 08:00:00", "2021年12月31日"),
    ("年底前", "年底前"), ("", ""), (None, "")])
def test_dates_are_written_one_way_in_every_document(tmp_path, value, words):
    """One cn_date (automation.dates) for reports, notices and circulars: a notice's overdue task, its cut-off,
    its signature day and the report's words say the same date the same way."""
    from automation.dates import cn_date
    from types import SimpleNamespace

    from automation.narrative import late_list
    from automation.remind import NoticeFacts, write_notice
    assert cn_date(value) == words
    u = UnitOwes(unit="区民政局", contact="", missing=False, late_at="", blank=[], fixes=[],
                 overdue=[("2021-01-05", "完善政务公开制度", value, "推进中")])
    facts = NoticeFacts(round=ROUND, plan_title="要点", due=DUE, today=dt.date(2021, 7, 1), new_due=None, contact="",
                        office="区政府办公室")
    text = "\n".join(text_of(write_notice(tmp_path / "n.docx", u, facts)))
    assert f"（完成时限{words}，目前状态：推进中）" in text
    assert "应于2021年7月10日前报送" in text and "截至2021年7月1日，" in text and text.endswith("2021年7月1日")
    assert late_list([SimpleNamespace(task={"text": "完善政务公开制度", "deadline": value})], 3) == \
        f"“完善政务公开制度”（时限{words}）"
