"""A real year (issue 25): rounds keep their order and their own cut-offs, re-sends and extensions touch only
their units, a rebuilt round reads as it did, renamed units keep their history, the ledger is the year's
record (replaced ledgers, two runs at once, an interrupted distribute, a moved folder)."""
import datetime as dt
import json
import os
import shutil
import sqlite3
import threading
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from automation import collect as C
from automation import distribute as D
from automation import ledgerdb
from automation import unitbook as L
from automation.reportspec import SPEC_2021
from automation.cli import main
from automation.demo import fill_return
from automation.ledgerdb import ordered_rounds
from automation.resources import SAMPLE_REGISTRY, workbook_template
from automation.tasklist import write_task_list
from conftest import reviewed_sample_plan

R1, R2 = "第1轮", "第2轮"
R1_SAVED = dt.datetime(2021, 7, 8, 10, 0)
R2_SAVED = dt.datetime(2021, 12, 20, 10, 0)
R1_UNITS = ["区财政局", "孟庄镇", "齐村镇", "区民政局", "区教育和体育局", "区司法局", "税郭镇", "光明路街道", "区卫生健康局"]


class Year:
    """A year folder driven through the command line."""

    def __init__(self, root: Path, plan=None):
        self.root = root
        self.tasks = write_task_list(plan or reviewed_sample_plan(), root / "任务清单.xlsx")
        self.registry = Path(shutil.copy(workbook_template(SAMPLE_REGISTRY), root / "单位名录.xlsx"))
        self.back = root / "回收"
        self.back.mkdir()
        (root / "汇总").mkdir()
        self.summary = root / "汇总" / "汇总.xlsx"
        self.ledger = root / "台账.sqlite"

    def sent(self, rnd: str) -> Path:
        return self.root / "下发" / rnd

    def cli(self, *args) -> int:
        return main([str(a) for a in args])

    def distribute(self, rnd: str, due: str, *extra) -> int:
        return self.cli("distribute", self.tasks, "-o", self.sent(rnd), "--registry", self.registry, "--due", due,
                        "--round", rnd, *extra)

    def collect(self, rnd: str, *extra) -> int:
        return self.cli("collect", self.back, "--tasks", self.tasks, "-o", self.summary, "--registry", self.registry,
                        "--round", rnd, "--force", *extra)

    def workbook(self, rnd: str, unit: str) -> Path:
        return self.sent(rnd) / f"{unit}_2021政务公开任务台账.xlsx"

    def answer(self, rnd: str, unit: str, saved: dt.datetime, share: float = 1.0, name: str | None = None) -> Path:
        dst = self.back / rnd / (name or f"{unit}.xlsx")
        dst.parent.mkdir(exist_ok=True)
        return fill_return(self.workbook(rnd, unit), dst, share_done=share, seed=len(unit), mtime=saved)

    def api_collect(self, rnd: str, **kw):
        return C.collect(C.CollectOptions(
            folder=self.back, tasks=self.tasks, output=self.summary, ledger=self.ledger, round_name=rnd,
            registry_path=self.registry, force=True, as_of=kw.pop("as_of", dt.datetime(2021, 12, 28)), **kw))

    def rebuild(self, rnd: str, out: Path | None = None):
        return C.rebuild(self.ledger, out or self.root / f"重建_{rnd}.xlsx", round_name=rnd,
                         as_of=dt.datetime(2021, 12, 28), force=True)

    def db(self):
        return sqlite3.connect(self.ledger)


def picture(result) -> dict:
    """What a summary says, without the time it was made."""
    s = result.summary
    return {"headline": s["headline"], "trend": s["trend"],
            "tasks": [(r["task"]["id"], r["overall"], r["overdue"], sorted(r["statuses"].items())) for r in s["task_rows"]],
            "units": [(u["unit"], u["tasks"], u["done"], u["na"], u["late"], u["data_round"]) for u in s["unit_rows"]],
            "problems": sorted((p.code, p.file, str(sorted(p.params.items()))) for p in s["problems"])}


@pytest.fixture
def year(tmp_path):
    return Year(tmp_path / "2021年政务公开")


def two_rounds(y: Year):
    """R1 to everyone, 9 units answer; R2 to everyone, 3 answer again."""
    assert y.distribute(R1, "2021-07-10") == 0
    for u in R1_UNITS:
        y.answer(R1, u, R1_SAVED)
    r1 = y.api_collect(R1, as_of=dt.datetime(2021, 7, 15))
    assert y.distribute(R2, "2021-12-25") == 0
    for u in R1_UNITS[:3]:
        y.answer(R2, u, R2_SAVED, share=0.5)
    r2 = y.api_collect(R2)
    return r1, r2


def test_a_resend_of_round_one_after_round_two_changes_nothing_of_round_two(year, capsys):
    r1, r2 = two_rounds(year)
    with year.db() as con:
        issued = dict(con.execute("SELECT round, issued_at FROM distributions"))
        unit_issued = dict(con.execute("SELECT unit, issued_at FROM round_units WHERE round=?", (R1,)))
    assert [t["round"] for t in r2.summary["trend"]] == [R1, R2]
    assert year.distribute(R1, "2021-07-10", "--units", "区财政局", "--force") == 0
    with year.db() as con:
        assert ordered_rounds(con) == [R1, R2]
        assert dict(con.execute("SELECT round, issued_at FROM distributions")) == issued
        now = dict(con.execute("SELECT unit, issued_at FROM round_units WHERE round=?", (R1,)))
    assert {u: t for u, t in now.items() if u != "区财政局"} == {u: t for u, t in unit_issued.items() if u != "区财政局"}
    assert now["区财政局"] >= unit_issued["区财政局"]
    again = year.api_collect(R2)
    assert again.unchanged and again.headline == r2.headline           # nothing of round 2 changed
    assert picture(year.rebuild(R2)) == picture(r2)
    assert r2.summary["headline"]["done"] > 0
    # the summary workbook shows the trend in order
    ws = openpyxl.load_workbook(again.output, read_only=True)["总览"]
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if c in (R1, R2)]
    assert cells[-2:] == [R1, R2]


def test_an_extension_for_one_unit_moves_only_its_cut_off(year):
    assert year.distribute(R1, "2021-07-10") == 0
    assert year.distribute(R1, "2021-07-31", "--units", "区财政局", "--force") == 0
    year.answer(R1, "区财政局", dt.datetime(2021, 7, 15, 9))          # within its extension
    year.answer(R1, "区民政局", dt.datetime(2021, 7, 15, 9))          # late: its cut-off stayed 07-10
    year.answer(R1, "孟庄镇", dt.datetime(2021, 7, 10, 23, 59))        # on the due day itself: on time
    year.answer(R1, "齐村镇", dt.datetime(2021, 7, 11, 0, 0))          # the day after: late
    r = year.api_collect(R1)
    late = {p.params["unit"]: p.params["due"] for p in r.problems if p.code == "LATE"}
    assert late == {"区民政局": "2021-07-10", "齐村镇": "2021-07-10"}
    # an extension given after the collect: the next collect (nothing new in the folder) says it
    assert year.distribute(R1, "2021-07-20", "--units", "齐村镇", "--force") == 0
    again = year.api_collect(R1)
    assert not again.unchanged
    assert {p.params["unit"] for p in again.problems if p.code == "LATE"} == {"区民政局"}
    assert r.summary["due"] == dt.date(2021, 7, 10)
    with year.db() as con:
        assert con.execute("SELECT due FROM distributions WHERE round=?", (R1,)).fetchone()[0] == "2021-07-10"


def test_rebuilding_round_one_reads_its_own_assignments_after_a_reassignment(year):
    assert year.distribute(R1, "2021-07-10") == 0
    for u in R1_UNITS:
        year.answer(R1, u, R1_SAVED)
    r1 = year.api_collect(R1, as_of=dt.datetime(2021, 7, 15))
    plan = reviewed_sample_plan()
    moved = next(t for t in plan.tasks if not t.actual_units and [u.name for u in t.units] == ["区财政局"])
    moved.units = [replace(u, name="区民政局") for u in moved.units]
    write_task_list(plan, year.tasks)
    assert year.distribute(R2, "2021-12-25") == 0
    r2 = year.api_collect(R2)
    row = next(r for r in r2.summary["task_rows"] if r["task"]["id"] == moved.id)
    assert [u for u, _ in row["units"]] == ["区民政局"]
    rebuilt = C.rebuild(year.ledger, year.root / "重建.xlsx", round_name=R1, as_of=dt.datetime(2021, 7, 15))
    assert picture(rebuilt) == picture(r1)
    row = next(r for r in rebuilt.summary["task_rows"] if r["task"]["id"] == moved.id)
    assert [u for u, _ in row["units"]] == ["区财政局"] and row["overall"] == "已完成"


def test_an_abolished_unit_never_rewrites_round_ones_trend(year):
    r1, _ = two_rounds(year)
    assert r1.summary["trend"][0]["returned"] == 9
    # round 3 goes to every unit but 孟庄镇 (abolished)
    others = [u for u in r1.summary["assignments"] if u != "孟庄镇"]
    assert year.distribute("第3轮", "2022-01-10", "--units", *others) == 0
    r3 = year.api_collect("第3轮")
    assert "孟庄镇" not in {u["unit"] for u in r3.summary["unit_rows"]}
    assert r3.summary["trend"][0] == r1.summary["trend"][0]          # 9 of 37, as round 1 said


def test_a_renamed_unit_keeps_its_history_prefill_and_trend(year):
    r1, _ = two_rounds(year)
    wb = openpyxl.load_workbook(year.registry)
    ws = wb.active
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "区财政局")
    row[0].value, row[1].value = "区财政事务中心", "、".join(filter(None, ["区财政局", row[1].value]))
    wb.save(year.registry)
    assert year.distribute("第3轮", "2022-01-10") == 0
    book = openpyxl.load_workbook(year.workbook("第3轮", "区财政事务中心"))
    from automation import unitbook as L
    meta = L.read_meta_openpyxl(book)
    statuses = [book[L.LEDGER_SHEET][f"{meta.columns['status']}{t.row}"].value for t in meta.tasks]
    assert statuses and all(statuses)                                   # pre-filled from its R2 answers
    r3 = year.api_collect("第3轮")
    unit = {u["unit"]: u for u in r3.summary["unit_rows"]}
    assert "区财政局" not in unit
    r2_unit = {u["unit"]: u for u in _r2_units(year)}
    assert unit["区财政事务中心"]["done"] == r2_unit["区财政局"]["done"] > 0
    assert unit["区财政事务中心"]["data_round"] == R2
    assert r3.summary["trend"][:2] == year.rebuild(R2).summary["trend"]
    assert r3.summary["trend"][0] == r1.summary["trend"][0]


def _r2_units(year):
    return year.rebuild(R2).summary["unit_rows"]


def test_identical_round_one_file_sent_again_for_round_two_counts(year):
    assert year.distribute(R1, "2021-07-10") == 0
    kept = year.answer(R1, "区财政局", R1_SAVED, name="区财政局.xlsx")
    year.answer(R1, "孟庄镇", R1_SAVED, name="孟庄镇.xlsx")
    year.api_collect(R1, as_of=dt.datetime(2021, 7, 15))
    assert year.distribute(R2, "2021-12-25") == 0
    again = year.back / R2 / "区财政局.xlsx"                 # the unit sent the same file again, saved for R2
    again.parent.mkdir(exist_ok=True)
    again.write_bytes(kept.read_bytes())
    later = dt.datetime(2021, 12, 20).timestamp()
    os.utime(again, (later, later))
    os.utime(year.back / R1 / "孟庄镇.xlsx", (later, later))  # a copied folder: times reset, still R1's file
    r2 = year.api_collect(R2)
    assert "区财政局" in {u for u, v in r2.summary["unit_rows"] and
                        {x["unit"]: x for x in r2.summary["unit_rows"]}.items() if v["returned_at"]}
    same = [p for p in r2.problems if p.code == "SAME_AS_EARLIER"]
    assert [p.file for p in same] == [str(Path(R2) / "区财政局.xlsx")] and "已计入本轮" in same[0].message
    assert {p.params["unit"] for p in r2.problems if p.code == "NOT_RETURNED"} >= {"孟庄镇"}   # lying there: R1's


def test_a_deleted_or_replaced_ledger_is_named_not_recounted(year, capsys):
    two_rounds(year)
    year.ledger.unlink()
    capsys.readouterr()
    assert year.collect(R2) == 2
    err = capsys.readouterr().err
    assert "不是生成汇总表 汇总.xlsx 的那一个" in err and str(year.ledger) in err
    assert not year.ledger.exists()          # nothing counted again, and no empty ledger left behind by the refusal
    other = Year(year.root.parent / "另一个")
    assert other.distribute(R1, "2021-07-10") == 0
    shutil.copy(other.ledger, year.ledger)                   # another year's ledger put in its place
    assert year.collect(R2) == 2 and "不是生成汇总表" in capsys.readouterr().err


def test_a_second_collect_waits_for_the_first_and_finds_nothing_new(year, monkeypatch):
    assert year.distribute(R1, "2021-07-10") == 0
    for u in R1_UNITS:
        year.answer(R1, u, R1_SAVED)
    inside, release, waiting = threading.Event(), threading.Event(), threading.Event()
    first_thread = {}
    real = C.transaction

    def watched(con, path):
        if threading.current_thread() is not first_thread.get("t"):
            waiting.set()                                     # the second run asks for the ledger
        return real(con, path)

    monkeypatch.setattr(C, "transaction", watched)

    def progress(i, n, name):
        inside.set()
        release.wait(60)

    results = {}

    def first():
        results["first"] = year.api_collect(R1, progress=progress, as_of=dt.datetime(2021, 7, 15))

    t = threading.Thread(target=first)
    first_thread["t"] = t
    t.start()
    assert inside.wait(60)
    t2 = threading.Thread(target=lambda: results.setdefault("second", year.api_collect(R1, as_of=dt.datetime(2021, 7, 15))))
    t2.start()
    assert waiting.wait(60)
    release.set()
    t.join(120)
    t2.join(120)
    assert results["first"].new_files == 9 and results["second"].new_files == 0
    assert results["second"].headline == results["first"].headline
    with year.db() as con:
        assert con.execute("SELECT COUNT(*), COUNT(DISTINCT sha256) FROM files").fetchone() == (9, 9)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_run_that_holds_the_ledger_too_long_is_named(year, monkeypatch, capsys):
    assert year.distribute(R1, "2021-07-10") == 0
    year.answer(R1, "区财政局", R1_SAVED)
    monkeypatch.setattr(ledgerdb, "BUSY_SECONDS", 0.2)
    holder = sqlite3.connect(year.ledger, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        capsys.readouterr()
        assert year.collect(R1) == 2
        assert "另一个汇总正在使用台账数据库" in capsys.readouterr().err
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert year.collect(R1) in (0, 1)


def test_an_interrupted_distribute_is_completed_by_the_rerun(year, monkeypatch, capsys):
    real = D.Job.write
    made = []

    def dies(self, unit):
        if len(made) == 9:
            raise KeyboardInterrupt
        made.append(unit)
        return real(self, unit)

    monkeypatch.setattr(D.Job, "write", dies)
    assert year.distribute(R1, "2021-07-10") != 0
    assert len(list(year.sent(R1).glob("*.xlsx"))) == 9
    with year.db() as con:
        assert con.execute("SELECT COUNT(*) FROM distributions").fetchone()[0] == 0
    monkeypatch.setattr(D.Job, "write", real)
    capsys.readouterr()
    assert year.distribute(R1, "2021-07-10") == 0                # no "输出文件已存在"
    out = capsys.readouterr().out
    assert "没有完成" in out and "已全部重新生成" in out
    assert len(list(year.sent(R1).glob("*.xlsx"))) == 38         # 37 workbooks and the listing
    with year.db() as con:
        assert con.execute("SELECT COUNT(DISTINCT unit) FROM sent WHERE round=?", (R1,)).fetchone()[0] == 37
    assert year.distribute(R1, "2021-07-10") == 2                # finished now: an existing output is refused


def _edit_summary(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    wb["总览"]["A1"] = "办公室改过"
    wb.save(path)


def test_a_hand_edited_summary_is_kept_after_the_folder_moved_and_on_rebuild(year):
    assert year.distribute(R1, "2021-07-10") == 0
    year.answer(R1, "区财政局", R1_SAVED)
    assert year.collect(R1) in (0, 1)
    _edit_summary(year.summary)
    moved = Year.__new__(Year)
    moved.__dict__.update(year.__dict__)
    new_root = year.root.parent / "新电脑" / "2021年政务公开"
    new_root.parent.mkdir()
    shutil.move(year.root, new_root)
    for k in ("root", "tasks", "registry", "back", "summary", "ledger"):
        setattr(moved, k, new_root / Path(getattr(year, k)).relative_to(year.root))
    # the copy keeps content but not the time (another PC)
    os.utime(moved.summary, (dt.datetime(2022, 1, 1).timestamp(),) * 2)
    moved.answer(R1, "孟庄镇", R1_SAVED)
    assert moved.collect(R1) in (0, 1)
    kept = list(moved.summary.parent.glob("汇总_手工修改_*.xlsx"))
    assert len(kept) == 1 and openpyxl.load_workbook(kept[0])["总览"]["A1"].value == "办公室改过"
    # a summary only copied (not edited) is not kept aside
    os.utime(moved.summary, (dt.datetime(2022, 1, 2).timestamp(),) * 2)
    moved.answer(R1, "齐村镇", R1_SAVED)
    assert moved.collect(R1) in (0, 1)
    assert len(list(moved.summary.parent.glob("汇总_手工修改_*.xlsx"))) == 1
    # rebuild --force: the edit is kept too
    for p in moved.summary.parent.glob("汇总_手工修改_*.xlsx"):
        p.unlink()
    _edit_summary(moved.summary)
    assert moved.cli("collect", "--rebuild", "--ledger", moved.ledger, "-o", moved.summary, "--force") in (0, 1)
    assert len(list(moved.summary.parent.glob("汇总_手工修改_*.xlsx"))) == 1


def test_a_ledger_of_the_previous_release_keeps_its_round_order(year):
    """The previous release kept no round sequence and replaced a round's issue time when it was re-sent:
    such a ledger (made here by taking the new records away) is numbered by each round's earliest trace."""
    r1, r2 = two_rounds(year)
    con = sqlite3.connect(year.ledger, isolation_level=None)
    con.executescript("DROP TABLE rounds; DROP TABLE round_units; DROP TABLE distribute_runs; DROP TABLE ledger_meta;"
                      "DELETE FROM plan WHERE key LIKE 'round:%'; ALTER TABLE summaries DROP COLUMN sha256;"
                      "PRAGMA user_version=0;")
    # round 1 re-sent to one unit by the previous release: its issue time replaced, after round 2's
    con.execute("UPDATE distributions SET issued_at='2099-01-01T00:00:00' WHERE round=?", (R1,))
    con.close()
    year.summary.unlink()                  # the previous release's summary did not name its ledger
    r2_again = year.api_collect(R2)
    with year.db() as con:
        assert ordered_rounds(con) == [R1, R2]
    assert picture(r2_again)["trend"] == picture(r2)["trend"]
    assert r2_again.summary["headline"]["done"] == r2.summary["headline"]["done"] > 0


def test_the_state_is_typed_and_the_unit_sheet_columns_are_its_keys(year):
    from automation.standing import YearState
    from automation.summarybook import UNITS, UNIT_COLUMN_KEYS

    r1, r2 = two_rounds(year)
    state = r2.summary
    assert isinstance(state, YearState) and state.round == R2 and state["trend"] is state.trend
    rows = openpyxl.load_workbook(r2.output, read_only=True)[UNITS].iter_rows(values_only=True)
    head = next(rows)
    by_unit = {r[0]: dict(zip(head, r)) for r in rows if r[0] and r[0] != "合计"}
    for u in state.unit_rows:
        u = dict(u, not_started=u["tasks"] - u["done"] - u["in_progress"] - u["na"])
        shown = by_unit[u["unit"]]
        for key in ("unit", "tasks", "done", "in_progress", "not_started", "na", "data_round", "problems"):
            assert (shown[UNIT_COLUMN_KEYS[key]] if shown[UNIT_COLUMN_KEYS[key]] is not None else "") == u[key], key
    assert {u["unit"]: u["data_round"] for u in state.unit_rows}["区民政局"] == R1    # carried from round 1


def _merge_into(registry: Path, gone: str, into: str) -> None:
    """The registry records a merger: ``gone``'s row removed, its names kept as ``into``'s aliases."""
    wb = openpyxl.load_workbook(registry)
    ws = wb.active
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == gone)
    names = [gone, *(str(row[1].value or "").split("、"))]
    ws.delete_rows(row[0].row)
    target = next(r for r in ws.iter_rows(min_row=2) if r[0].value == into)
    target[1].value = "、".join(filter(None, [target[1].value, *names]))
    wb.save(registry)


def _cells(path: Path, sheet: str) -> list[dict]:
    rows = openpyxl.load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True)
    head = next(rows)
    return [dict(zip(head, r)) for r in rows]


def test_a_merged_unit_takes_each_task_from_the_newest_answer_of_its_names(year):
    """区民政局 merged into 区财政局 after round 2: 区财政局's round-2 return covers its own tasks only, so
    区民政局's tasks keep 区民政局's round-1 answers (said where they come from); the figures are the newest
    reported, the other named, never summed; 数据轮次 is the round of the figures used."""
    a, b = "区财政局", "区民政局"
    plan = reviewed_sample_plan()                  # 区民政局 has two tasks of its own (not 区财政局's)
    extra = next(t for t in plan.tasks if t.id == "2021-01-20")
    extra.units = [*extra.units, replace(extra.units[-1], name=b)]
    write_task_list(plan, year.tasks)
    assert year.distribute(R1, "2021-07-10") == 0
    year.answer(R1, a, R1_SAVED, share=0.0)
    mine_r1 = year.answer(R1, b, R1_SAVED, share=1.0)
    year.api_collect(R1, as_of=dt.datetime(2021, 7, 15))
    assert year.distribute(R2, "2021-12-25") == 0
    theirs = year.answer(R2, a, R2_SAVED, share=1.0)
    year.api_collect(R2)
    _merge_into(year.registry, b, a)
    # and one of 区民政局's own tasks goes to 区司法局 from round 3
    moved = next(t for t in plan.tasks if b in [u.name for u in t.units])
    moved.units = [replace(u, name="区司法局") if u.name == b else u for u in moved.units]
    write_task_list(plan, year.tasks)
    assert year.distribute("第3轮", "2022-01-10") == 0
    assert year.collect("第3轮") in (0, 1)
    with year.db() as con:
        b_tasks = {t for (t,) in con.execute("SELECT task_id FROM sent WHERE round=? AND unit=?", (R1, b))}
        a_tasks = {t for (t,) in con.execute("SELECT task_id FROM sent WHERE round=? AND unit=?", (R1, a))}
        b_answers = dict(con.execute("SELECT e.task_id, e.detail FROM entries e JOIN files f ON f.id=e.file_id "
                                     "WHERE f.unit=? AND f.round=?", (b, R1)))
        now_tasks = {t for (t,) in con.execute("SELECT task_id FROM sent WHERE round='第3轮' AND unit=?", (a,))}
    assert moved.key in b_tasks and moved.key not in now_tasks
    b_tasks.discard(moved.key)
    assert b_tasks and b_tasks - a_tasks and b_tasks <= now_tasks
    only_b = b_tasks - a_tasks
    # 落实情况明细: 区财政局's rows for 区民政局's tasks are 区民政局's round-1 answers
    detail = [r for r in _cells(year.summary, "落实情况明细") if r["单位"] == a]
    by_task = {r["任务编号"]: r for r in detail}
    assert {t for t in only_b} <= set(by_task) and moved.key not in by_task
    assert all(by_task[t]["完成状态"] == "已完成" and by_task[t]["落实情况"] == b_answers[t] for t in only_b)
    assert all(by_task[t]["完成状态"] == "已完成" for t in a_tasks)          # its own round-2 answers
    # 任务进度: 区财政局's column shows those tasks done, not 未填写
    tasks = {r["任务编号"]: r for r in _cells(year.summary, "任务进度")}
    assert all(tasks[t][a] == "已完成" for t in only_b)
    # 单位进度: every task of 区财政局 counted, its files named with their rounds
    unit = {r["单位"]: r for r in _cells(year.summary, "单位进度")}[a]
    assert unit["已完成"] == len(now_tasks)
    assert theirs.name in unit["报送文件"] and mine_r1.name in unit["报送文件"]
    assert f"{R1}，{len(only_b)} 项" in unit["报送文件"]
    assert unit["数据轮次"] == R2                                           # the newest figures: round 2's
    problems = _cells(year.summary, "问题清单")
    merged = [p for p in problems if p["代码"] == "MERGED_ANSWERS"]
    assert len(merged) == 1 and f"有 {len(only_b)} 项任务" in merged[0]["说明"] and R1 in merged[0]["说明"]
    figs = [p for p in problems if p["代码"] == "MERGED_FIGURES"]
    assert len(figs) == 1 and str(Path(R1) / mine_r1.name) in figs[0]["说明"] and "没有相加" in figs[0]["说明"]
    # the figures used are round 2's file, not a sum
    r3 = year.rebuild("第3轮")
    with year.db() as con:
        fid = con.execute("SELECT id FROM files WHERE unit=? AND round=?", (a, R2)).fetchone()[0]
        r2_figures = json.loads(con.execute("SELECT data FROM figures WHERE file_id=?", (fid,)).fetchone()[0])
    assert r3.summary.figures[a] == r2_figures
    # the earlier rounds' trend stays as it was before the merger
    assert r3.summary.trend == year.rebuild(R2).summary.trend and [t["round"] for t in r3.summary.trend] == [R1, R2]
    # 区财政局 returns round 3 with its 年度报告数据 left blank: its figures are not 区民政局's older ones (as for any
    # unit: FIGURES_NOT_REPORTED), and the other name's figures are said, not used
    back3 = year.answer("第3轮", a, dt.datetime(2022, 1, 5, 9, 0), share=1.0)
    wb = openpyxl.load_workbook(back3)
    meta = L.read_meta_openpyxl(wb)
    for key, ref in meta.figures.items():
        if key in SPEC_2021.input_keys:
            wb[L.FIGURE_SHEET][ref] = None
    wb.save(back3)
    os.utime(back3, (dt.datetime(2022, 1, 5, 9, 0).timestamp(),) * 2)
    r4 = year.api_collect("第3轮", as_of=dt.datetime(2022, 1, 8))
    unused = [p for p in r4.problems if p.code == "MERGED_FIGURES_UNUSED"]
    shown = str(Path("第3轮") / back3.name)
    assert len(unused) == 1 and unused[0].file == shown and mine_r1.name in unused[0].message
    assert shown in [p.file for p in r4.problems if p.code == "FIGURES_NOT_REPORTED"]
    assert r4.summary.figures.get(a) != r2_figures
    with year.db() as con:
        b_fid = con.execute("SELECT id FROM files WHERE unit=? AND round=?", (b, R1)).fetchone()[0]
        b_figures = json.loads(con.execute("SELECT data FROM figures WHERE file_id=?", (b_fid,)).fetchone()[0])
    assert r4.summary.figures.get(a) != b_figures
    assert {u["unit"]: u for u in r4.summary["unit_rows"]}[a]["data_round"] == "第3轮"


def test_ledger_and_summary_both_deleted_mid_year_are_named_not_recounted(year, capsys):
    """台账.sqlite and 汇总.xlsx both gone after round 1: the round-1 workbooks (下发 and 回收) name the ledger
    they were recorded in, so neither round 2's distribute nor a collect counts round 1's returns again."""
    assert year.distribute(R1, "2021-07-10") == 0
    for u in R1_UNITS:
        year.answer(R1, u, R1_SAVED)
    assert year.collect(R1) in (0, 1)
    backup = year.root.parent / "备份的台账.sqlite"
    shutil.copy(year.ledger, backup)
    with year.db() as con:
        made = ledgerdb.ledger_identity(con)[1].replace("T", " ")
    year.ledger.unlink()
    year.summary.unlink()
    capsys.readouterr()
    # round 2 is not distributed into a ledger that does not know round 1
    assert year.distribute(R2, "2021-12-25") == 2
    err = capsys.readouterr().err
    assert "不是本年度下发工作簿时记录的那一个" in err and f"{R1}/" in err and made in err
    assert "没有任何下发记录" in err and "备份" in err and str(year.ledger) in err
    assert not year.sent(R2).exists()
    # nor are round 1's returns collected again as round 2's
    assert year.collect(R2) == 2
    err = capsys.readouterr().err
    assert "不是本年度下发工作簿时记录的那一个" in err and f"等 {len(R1_UNITS)} 个回收文件" in err and f"{R1}下发" in err
    assert not year.ledger.exists() and not year.summary.exists()     # nothing counted, no empty ledger left
    # the ledger put back from the backup: the year goes on, round 1's returns stay round 1's
    shutil.copy(backup, year.ledger)
    assert year.distribute(R2, "2021-12-25") == 0
    r2 = year.api_collect(R2)
    assert r2.new_files == 0 and r2.headline.returned == 0
    assert [t["round"] for t in r2.summary.trend] == [R1]
