"""The next year (issue 30): init --from carries the registry, settings and unfinished tasks over, and the
2022 report checks 上年结转 against the 2021 summary kept in the new folder."""
import datetime as dt
import shutil

import openpyxl
import pytest

from automation import reportspec as R
from automation import unitbook as L
from automation.cli import main
from automation.demo import SAMPLE_ACTUAL_UNITS, fill_return, map_names
from automation.nextyear import previous_summary
from automation.tasklist import CARRIED, LAST_DETAIL
from automation.panel import OpenpyxlPanel
from automation.problems import GongkaiError
from automation.report import ReportOptions, make_reports
from automation.resources import sample_plan
from automation.summarybook import read_summary
from automation.tasklist import TASK_SHEET
from automation.workspace import Workspace
from test_remind import BLANK, COMPLETE, LATE, step, year  # noqa: F401  (the fixture: a 2021 round, real files)


def task_rows(path) -> list[dict]:
    ws = openpyxl.load_workbook(path)[TASK_SHEET]
    head = [c.value for c in ws[1]]
    return [dict(zip(head, r)) for r in ws.iter_rows(min_row=2, values_only=True) if r[0]]


@pytest.fixture
def new_year(year, tmp_path):
    old = Workspace(tmp_path / "2021")
    shutil.copytree(year["ws"].root, old.root)
    p = OpenpyxlPanel(old.console, echo=False)
    p.wb["报告设置"]["B2"] = "枣庄市市中区人民政府"
    p.flush()
    new = Workspace(tmp_path / "2022年政务公开")
    assert main(["init", str(new.root), "--year", "2022", "--from", str(old.root)]) == 0
    return old, new


def test_init_from_carries_the_unfinished_tasks_and_the_settings(new_year):
    old, new = new_year
    last = read_summary(old.summary)
    unfinished = {t["id"]: t for t in last.tasks if t["overall"] not in (L.DONE, L.NA)}
    assert unfinished and len(unfinished) < len(last.tasks)
    rows = task_rows(new.tasks)
    assert {r["任务编号"] for r in rows} == set(unfinished)
    for r in rows:
        t = unfinished[r["任务编号"]]
        assert r["来源"] == CARRIED and r["任务内容"] == t["text"] and r["完成时限"] in (None, "")
        assert "上年未完成任务" in r["待确认"] and t["overall"] in r["待确认"]
        units = (r["牵头单位"] or "").split("、") + (r["责任单位"] or "").split("、") + (r["配合单位"] or "").split("、")
        units = [u for u in units if u]
        # last year's units that have not finished it, each with its last status in 上年落实情况
        for u in units:
            assert t["units"].get(u, "未报送") not in (L.DONE, L.NA) and f"{u}（" in r[LAST_DETAIL]
        done = [u for u, st in t["units"].items() if st == L.DONE]
        if done:
            assert "已完成或不适用的单位（不再列入）" in r[LAST_DETAIL] and not set(done) & set(units)
    # a unit that answered keeps its words: 孟庄镇 left two statuses blank, its other answers are there
    assert any(f"{BLANK}（" in r[LAST_DETAIL] for r in rows)
    # registry, rules, settings; the old summary kept as the previous year
    assert new.registry.read_bytes() == old.registry.read_bytes()
    assert new.section_rules.read_text(encoding="utf-8") == old.section_rules.read_text(encoding="utf-8")
    p = OpenpyxlPanel(new.console, echo=False)
    assert p.get("GK_CONTACT") == "区政府办公室政务公开科 0632-3083075" and p.get("GK_YEAR") == 2022
    assert p.get("GK_ROUND") == "2022年第1次调度" and p.get("GK_DUE") in (None, "")
    assert p.wb["报告设置"]["B2"].value == "枣庄市市中区人民政府"
    assert previous_summary(new).read_bytes() == old.summary.read_bytes()
    # a second init on the folder never replaces the task list the clerk is reviewing
    with pytest.raises(GongkaiError) as exc:
        from automation.nextyear import init_from
        init_from(new.root, 2022, old.root)
    assert exc.value.problem.code == "OUTPUT_EXISTS"


def plan_2022(new: Workspace) -> None:
    text = sample_plan().read_text(encoding="utf-8").replace("2021", "2022")
    (new.plan_dir / "2022年要点.txt").write_text(text, encoding="utf-8")


def carry_into(path, carried: int) -> None:
    """Set table 三's 二、上年结转 (自然人) of a filled 2022 workbook, keeping table 三 balanced."""
    wb = openpyxl.load_workbook(path)
    meta = L.read_meta_openpyxl(wb)
    f = wb[L.FIGURE_SHEET]
    cell = lambda k: f[meta.figures[k]]          # noqa: E731
    delta = carried - (cell(R.t3(2, 1)).value or 0)
    cell(R.t3(2, 1)).value = carried
    other = cell(R.t3(13, 1))                    # 三（六）其他处理 absorbs the difference
    if (other.value or 0) + delta >= 0:
        other.value = (other.value or 0) + delta
    else:
        cell(R.t3(1, 1)).value = (cell(R.t3(1, 1)).value or 0) - delta
    wb.save(path)


def test_the_2022_plan_keeps_the_kept_carried_tasks_and_the_report_checks_last_years_carry(new_year, tmp_path):
    old, new = new_year
    rows = task_rows(new.tasks)
    dropped = rows[0]["任务编号"]                  # the clerk drops one carried task, keeps the others
    wb = openpyxl.load_workbook(new.tasks)
    wb[TASK_SHEET].delete_rows(2)
    wb.save(new.tasks)
    plan_2022(new)
    p = OpenpyxlPanel(new.console, echo=False)
    p.set("GK_DUE", dt.datetime(2022, 12, 25))
    p.flush()
    step(new, "plan")
    after = task_rows(new.tasks)
    ids = [r["任务编号"] for r in after]
    kept = [r["任务编号"] for r in rows[1:]]
    assert sum(1 for i in ids if i.startswith("2022-")) == 40                 # the new plan's own tasks
    assert [i for i in ids if not i.startswith("2022-")] == kept and dropped not in ids
    assert all(r["来源"] == CARRIED and r[LAST_DETAIL] for r in after if r["任务编号"] in kept)
    map_names(new.tasks, {k.replace("2021", "2022"): v for k, v in SAMPLE_ACTUAL_UNITS.items()})
    step(new, "distribute")
    sent = {f.name.split("_")[0]: f for f in (new.sent_dir / "2022年第1次调度").glob("*.xlsx") if "_" in f.name}
    last = read_summary(previous_summary(new))
    spec = R.SPEC_2021
    carry_2021 = {u: last.units[u].numbers.get(R.t3(spec.t3_carry_row, 1)) or 0 for u in (COMPLETE, LATE)}
    for i, unit in enumerate((COMPLETE, LATE)):
        dst = fill_return(sent[unit], new.back_dir / sent[unit].name, share_done=1.0, seed=40 + i,
                          mtime=dt.datetime(2022, 12, 20, 9, 0))
        carry_into(dst, carry_2021[unit] + (0 if unit == COMPLETE else 3))   # LATE's does not match 2021
    step(new, "collect")
    out = tmp_path / "报告"
    r = make_reports(ReportOptions(summary=new.summary, output=out, unit=COMPLETE, previous=previous_summary(new)))
    assert r.outcomes[0].status.written, [p.message for p in r.problems]
    r = make_reports(ReportOptions(summary=new.summary, output=out, unit=LATE, previous=previous_summary(new)))
    assert not r.outcomes[0].status.written
    failed = [p for p in r.problems if p.code == "REPORT_CHECK_FAILED"]
    assert failed and all("上年结转" in p.message for p in failed)
    assert f"{carry_2021[LATE] + 3}" in failed[0].message and f"{carry_2021[LATE]}" in failed[0].message
    # the button reads last year's summary by itself
    p = OpenpyxlPanel(new.console, echo=False)
    p.set("GK_REPORT_MODE", "指定单位")
    p.set("GK_REPORT_UNIT", LATE)
    p.flush()
    from automation.actions import run
    res = run("report", OpenpyxlPanel(new.console, echo=False))
    assert res.ok and any(x.code == "REPORT_CHECK_FAILED" and "上年结转" in x.message for x in res.result.problems)


def test_the_command_line_plan_keeps_the_carried_tasks_too(new_year):
    """`gongkai plan` onto a 2022 task list holding last year's kept tasks: the plan's tasks written, the kept
    rows after them (the same as the console's 解析工作要点 — the stage does it, not the button)."""
    from automation.cli import main as cli_main

    _, new = new_year
    kept = [r["任务编号"] for r in task_rows(new.tasks)]
    assert kept
    plan_2022(new)
    code = cli_main(["plan", str(new.plan_dir / "2022年要点.txt"), "-o", str(new.tasks), "--force"])
    assert code in (0, 1)
    after = task_rows(new.tasks)
    assert [r["任务编号"] for r in after if r["来源"] == CARRIED] == kept
    assert sum(1 for r in after if str(r["任务编号"]).startswith("2022-")) == 40


def test_init_from_again_keeps_a_copy_of_what_the_clerk_edited(new_year):
    """`init --from --force` over a 2022 folder whose task list and 上年汇总 the office edited: both are written
    again from last year, and the edited ones are kept beside them."""
    from automation.nextyear import init_from

    old, new = new_year
    wb = openpyxl.load_workbook(new.tasks)
    wb[TASK_SHEET]["D2"] = "办公室改写的任务内容"
    wb.save(new.tasks)
    edited_tasks = new.tasks.read_bytes()
    prev = previous_summary(new)
    wb = openpyxl.load_workbook(prev)
    wb.active["A1"] = "办公室改过"
    wb.save(prev)
    edited_prev = prev.read_bytes()
    init_from(new.root, 2022, old.root, force=True)
    kept = {p.read_bytes() for p in new.root.rglob("*备份）.xlsx")}
    assert edited_tasks in kept and edited_prev in kept
