"""Speed targets live here, never in timed tests.

    python scripts/bench.py plan                  # reading the sample and shared plans (ms per plan)
    python scripts/bench.py distribute            # 60 and 1,000 units, ours beside a naive baseline
    python scripts/bench.py distribute --quick    # skip the naive baseline at 1,000 units (slow)
    python scripts/bench.py report                # 100 unit reports + the consolidated one (target < 20 s)
    python scripts/bench.py collect               # 60 and 1,000 returned workbooks: a pure value read,
                                                  # ours, and a naive openpyxl baseline
    python scripts/bench.py scale --units 60 1000 5000 [--reports 1000]
                                                  # every stage at N units with realistically filled returns
                                                  # (200-character 落实情况, balanced figures, a few slips):
                                                  # distribute, collect beside its floor (calamine reading the
                                                  # 3 sheets collect reads, one process), an unchanged
                                                  # re-collect, 5 more files arriving ('add': 5 returns held
                                                  # back from the first collect), reports (N + consolidated,
                                                  # up to --reports N)
    python scripts/bench.py buttons [--units 60]  # every console button at N units, in one warm process

Each case runs in a fresh child process; the time is wall-clock, the memory the child's peak RSS.
Targets: distribute 1,000 units x 40 tasks in under 10 s on 2 cores, memory flat in the number of units;
collect 1,000 returned files validated, merged and written in under 10 s, within 3x of a pure value read.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# the benchmark year's one round, marked 年终 so its reports are the year's (a mid-year round gets none)
BENCH_ROUND = "年终基准"

def make_inputs(folder: Path, n_units: int, n_tasks: int = 40) -> tuple[Path, Path]:
    """A plan of n_tasks tasks, each assigned to every unit through one collective name."""
    from automation.model import Plan, Task
    from automation.registry import Registry, UnitInfo, write_registry
    from automation.tasklist import write_task_list
    from automation.units import Unit

    reg = Registry()
    for i in range(n_units):
        name = f"测试单位{i:04d}"
        reg.units[name] = UnitInfo(name, [], "部门", "联系人", "0632-0000000", ["各单位"])
    reg._index()
    tasks = [Task(f"2021-01-{i:02d}", ["一、测试", "（一）测试"], "做好政府信息公开工作，按月发布信息，不少于2次。" * 3,
                  "各单位", [Unit("各单位", "responsible", True)], None, "6月底前", "monthly",
                  [{"count": 2, "unit": "次", "text": "不少于2次"}] if i % 5 == 0 else [], "", "bench")
             for i in range(1, n_tasks + 1)]
    plan = Plan(["bench"], "基准测试工作要点", 2021, tasks, [])
    return write_task_list(plan, folder / "任务清单.xlsx"), write_registry(reg, folder / "名录.xlsx")


def naive_distribute(tasks_path: Path, registry_path: Path, out: Path) -> None:
    """Baseline: load the template with openpyxl, fill, save — one unit after another."""
    from openpyxl import load_workbook

    from automation import unitbook as L
    from automation.assignment import assign
    from automation.registry import load_registry
    from automation.resources import workbook_template
    from automation.tasklist import read_task_list

    plan, _ = read_task_list(tasks_path)
    assignments, _ = assign(plan, load_registry(registry_path))
    out.mkdir(parents=True, exist_ok=True)
    for unit, a in assignments.items():
        wb = load_workbook(workbook_template("任务台账.xlsx"))
        ws = wb[L.LEDGER_SHEET]
        for r, (task, role) in enumerate(a.tasks, 2):
            for c, v in enumerate([r - 1, task.id, task.path[0], task.text, role, task.units_raw, task.deadline,
                                   task.frequency, ""], 1):
                ws.cell(r, c, v)
        wb["填报说明"]["B3"] = unit
        wb.save(out / f"{unit}.xlsx")


def make_returns(folder: Path, n_units: int) -> tuple[Path, Path, Path]:
    """Distribute to n units, then fill every workbook the fast way (editing the sheet XML)."""
    import re
    import zipfile

    from automation.distribute import DistributeOptions, distribute

    from automation import reportspec as R
    from automation.unitbook import default_figure_layout

    tasks, reg = make_inputs(folder, n_units)
    res = distribute(DistributeOptions(
        tasks=tasks, output=folder / "sent", registry_path=reg, due="2021-07-10", round_name=BENCH_ROUND))
    back = folder / "back"
    back.mkdir()
    cells, _ = default_figure_layout("2021")
    zero_cells = {cells[k] for k in R.SPEC_2021.input_keys if k in cells}     # figures typed as 0, not blank
    for i, (unit, path) in enumerate(res.files.items()):
        with zipfile.ZipFile(path) as zin:
            parts = {n: zin.read(n) for n in zin.namelist()}
        sheet = parts["xl/worksheets/sheet2.xml"].decode("utf-8")

        def fill(m):
            col, row, style = m.group(1), m.group(2), m.group(3)
            value = {"J": "已完成" if (int(row) + i) % 3 else "推进中", "N": f"{unit}已落实，公开信息{row}条。",
                     "O": "http://example.gov.cn/", "K": None}.get(col)
            if col == "K":
                return f'<c r="K{row}" s="{style}"><v>{44300 + int(row)}</v></c>'
            if col == "L":
                return f'<c r="L{row}" s="{style}"><v>1</v></c>'
            if value is None:
                return m.group(0)
            return f'<c r="{col}{row}" s="{style}" t="inlineStr"><is><t>{value}</t></is></c>'

        sheet = re.sub(r'<c r="([JKLNO])(\d+)" s="(\d+)"/>', fill, sheet)
        parts["xl/worksheets/sheet2.xml"] = sheet.encode("utf-8")
        figs = parts["xl/worksheets/sheet3.xml"].decode("utf-8")
        figs = re.sub(r'<c r="([A-Z]+\d+)" s="(\d+)"(?: t="n")?(?:/>|><v></v></c>|></c>)',
                      lambda m: f'<c r="{m.group(1)}" s="{m.group(2)}"><v>0</v></c>' if m.group(1) in zero_cells
                      else m.group(0), figs)
        parts["xl/worksheets/sheet3.xml"] = figs.encode("utf-8")
        with zipfile.ZipFile(back / f"{unit}.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
            for n, b in parts.items():
                z.writestr(n, b)
    return tasks, reg, back


DETAIL_200 = ("已按要求落实，通过区政府门户网站政府信息公开专栏主动公开相关信息，及时更新政策文件、执行情况和结果信息，"
              "同步发布政策解读材料，做好公开前保密审查；本季度共公开信息{n}条，回应社会关切{k}件，组织业务培训1次，"
              "各项工作按时间节点有序推进，相关佐证材料已在本单位网站栏目留存，可随时查阅核实。")


def fill_realistically(sent: Path, back: Path) -> int:
    """Every distributed workbook filled as a unit would: a status and a 200-character 落实情况 on each task,
    a completion date, the figures balanced (5 new requests, 5 disclosed), a few slips — a number typed as
    text (every 50th unit), a status left blank (every 97th), a workbook not returned (every 200th)."""
    import re
    import zipfile

    from automation import reportspec as R
    from automation.unitbook import default_figure_layout

    cells, _ = default_figure_layout("2021")
    zero_cells = {cells[k] for k in R.SPEC_2021.input_keys if k in cells}
    five = {cells["t3_r1_c1"], cells["t3_r3_c1"]}
    back.mkdir(parents=True, exist_ok=True)
    n = 0
    for i, path in enumerate(sorted(sent.glob("*_*任务台账.xlsx"))):
        if i % 200 == 199:
            continue
        with zipfile.ZipFile(path) as zin:
            parts = {name: zin.read(name) for name in zin.namelist()}
        sheet = parts["xl/worksheets/sheet2.xml"].decode("utf-8")

        def fill(m, i=i):
            col, row, style = m.group(1), int(m.group(2)), m.group(3)
            if col == "J":
                if i % 97 == 96 and row == 3:
                    return m.group(0)
                value = "已完成" if (row + i) % 3 else "推进中"
            elif col == "N":
                value = DETAIL_200.format(n=row + i % 7, k=row % 4)
            elif col == "O":
                value = "http://www.example.gov.cn/zwgk/"
            elif col == "K":
                return f'<c r="K{row}" s="{style}"><v>{44300 + row}</v></c>'
            elif col == "L":
                if i % 50 == 49 and row == 4:
                    return f'<c r="L{row}" s="{style}" t="inlineStr"><is><t>约一半</t></is></c>'
                return f'<c r="L{row}" s="{style}"><v>1</v></c>'
            else:
                return m.group(0)
            return f'<c r="{col}{row}" s="{style}" t="inlineStr"><is><t>{value}</t></is></c>'

        parts["xl/worksheets/sheet2.xml"] = re.sub(r'<c r="([JKLNO])(\d+)" s="(\d+)"/>', fill, sheet).encode("utf-8")
        figs = parts["xl/worksheets/sheet3.xml"].decode("utf-8")
        figs = re.sub(r'<c r="([A-Z]+\d+)" s="(\d+)"(?: t="n")?(?:/>|><v></v></c>|></c>)',
                      lambda m: (f'<c r="{m.group(1)}" s="{m.group(2)}"><v>{5 if m.group(1) in five else 0}</v></c>'
                                 if m.group(1) in zero_cells else m.group(0)), figs)
        parts["xl/worksheets/sheet3.xml"] = figs.encode("utf-8")
        with zipfile.ZipFile(back / path.name, "w", zipfile.ZIP_DEFLATED) as z:
            for name, b in parts.items():
                z.writestr(name, b)
        n += 1
    return n


def floor_read(back: Path) -> None:
    """The floor collect is compared with: python-calamine reading the three sheets collect reads
    (identity, ledger, figures) of every file, in one process."""
    from python_calamine import CalamineWorkbook

    from automation import unitbook as L

    for p in sorted(back.glob("*.xlsx")):
        wb = CalamineWorkbook.from_path(str(p))
        for name in (L.META_SHEET, L.LEDGER_SHEET, L.FIGURE_SHEET):
            if name in wb.sheet_names:
                wb.get_sheet_by_name(name).to_python(skip_empty_area=False)


LATER = 5                 # returns that arrive after the first collect (the 'add' step: a few new files)


def scale_step(step: str, n: int, folder: Path) -> dict:
    """One stage at n units in this (fresh) process; the folder carries the files between steps."""
    t0 = time.perf_counter()
    extra = ""
    if step == "distribute":
        from automation.distribute import DistributeOptions, distribute

        tasks, reg = make_inputs(folder, n)
        t0 = time.perf_counter()
        distribute(DistributeOptions(
            tasks=tasks, output=folder / "sent", registry_path=reg, due="2021-07-10", round_name=BENCH_ROUND))
    elif step == "fill":
        extra = f"{fill_realistically(folder / 'sent', folder / 'back')} returned"
        (folder / "later").mkdir()
        for p in sorted((folder / "back").glob("*.xlsx"))[-LATER:]:     # returned after the first collect
            p.rename(folder / "later" / p.name)
        extra += f", {LATER} of them held back for the 'add' step"
    elif step == "floor":
        floor_read(folder / "back")
    elif step in ("collect", "recollect", "add"):
        from automation.collect import CollectOptions, collect

        if step == "add":
            for p in (folder / "later").glob("*.xlsx"):
                p.rename(folder / "back" / p.name)
            t0 = time.perf_counter()

        r = collect(CollectOptions(folder=folder / "back", tasks=folder / "任务清单.xlsx", output=folder / "汇总.xlsx",
                                   registry_path=folder / "名录.xlsx", round_name=BENCH_ROUND, force=True))
        extra = f"{r.new_files} new, summary {(folder / '汇总.xlsx').stat().st_size // 1024} KB"
    elif step == "report":
        from automation.report import ReportOptions, make_reports

        r = make_reports(ReportOptions(
            summary=folder / "汇总.xlsx", output=folder / "报告", all_units=True, settings={"organ": "基准测试区人民政府"}))
        extra = f"{len(r.outcomes)} files"
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"step": step, "units": n, "seconds": round(time.perf_counter() - t0, 2),
            "peak_rss_mb": round(max(self_mb, child_mb), 1), "note": extra}


def bench_scale(sizes: list[int], report_max: int) -> None:
    print(f"{'units':>7}  {'step':<10}{'seconds':>9}{'peak MB':>9}  note")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            steps = ["distribute", "fill", "floor", "collect", "recollect", "add"] + (["report"] if n <= report_max else [])
            floor = None
            for step in steps:
                out = subprocess.run([sys.executable, __file__, "_scale", step, str(n), tmp], capture_output=True,
                                     text=True)
                if out.returncode:
                    print(f"{n:>7}  {step:<10}  FAILED: {out.stderr.strip().splitlines()[-1] if out.stderr else ''}")
                    break
                r = json.loads(out.stdout.strip().splitlines()[-1])
                note = r["note"]
                if step == "floor":
                    floor = r["seconds"]
                if step == "collect" and floor:
                    note += f"; {r['seconds'] / floor:.1f}x the floor"
                print(f"{n:>7}  {step:<10}{r['seconds']:>9}{r['peak_rss_mb']:>9}  {note}", flush=True)


def naive_collect(tasks: Path, back: Path, out: Path) -> None:
    """Baseline: openpyxl load of every file, every row copied into one openpyxl sheet."""
    from openpyxl import Workbook, load_workbook

    merged = Workbook()
    sheet = merged.active
    for p in sorted(back.glob("*.xlsx")):
        wb = load_workbook(p, data_only=True)
        for row in wb["任务台账"].iter_rows(min_row=2, values_only=True):
            sheet.append([*row, p.name])
    merged.save(out)


def pure_read(back: Path) -> None:
    """What a value reader alone needs: python-calamine over every sheet of every file."""
    from python_calamine import CalamineWorkbook

    for p in sorted(back.glob("*.xlsx")):
        wb = CalamineWorkbook.from_path(str(p))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()


def run_case(stage: str, n: int, impl: str) -> dict:
    if stage == "collect":
        return run_collect_case(n, impl)
    if stage == "report":
        return run_report_case(n)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        tasks, reg = make_inputs(tmp, n)
        t0 = time.perf_counter()
        if impl == "ours":
            from automation.distribute import DistributeOptions, distribute

            distribute(DistributeOptions(
                tasks=tasks, output=tmp / "out", registry_path=reg, due="2021-07-10", round_name=BENCH_ROUND))
        else:
            naive_distribute(tasks, reg, tmp / "out")
        elapsed = time.perf_counter() - t0
        files = len(list((tmp / "out").glob("*.xlsx")))
    return {"stage": stage, "units": n, "impl": impl, "seconds": round(elapsed, 2), "files": files,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def run_collect_case(n: int, impl: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        tasks, reg, back = make_returns(tmp, n)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        if impl == "ours":
            from automation.collect import CollectOptions, collect

            collect(CollectOptions(folder=back, tasks=tasks, output=tmp / "汇总.xlsx", ledger=tmp / "l.sqlite",
                                   registry_path=reg, round_name=BENCH_ROUND))
        elif impl == "naive":
            naive_collect(tasks, back, tmp / "naive.xlsx")
        else:
            pure_read(back)
        elapsed = time.perf_counter() - t0
    return {"stage": "collect", "units": n, "impl": impl, "seconds": round(elapsed, 2), "files": n,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "rss_before_mb": round(rss_before / 1024, 1)}


def run_report_case(n: int) -> dict:
    """Reports for n units plus the consolidated one, from a summary of n filled returns."""
    from automation.collect import CollectOptions, collect
    from automation.report import ReportOptions, make_reports

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        tasks, reg, back = make_returns(tmp, n)
        collect(CollectOptions(folder=back, tasks=tasks, output=tmp / "汇总.xlsx", ledger=tmp / "l.sqlite",
                               registry_path=reg, round_name=BENCH_ROUND))
        t0 = time.perf_counter()
        r = make_reports(ReportOptions(
            summary=tmp / "汇总.xlsx", output=tmp / "报告", all_units=True, settings={"organ": "基准测试区人民政府"}))
        elapsed = time.perf_counter() - t0
    return {"stage": "report", "units": n, "impl": "ours", "seconds": round(elapsed, 2), "files": len(r.outcomes),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def bench_plan() -> None:
    """Reading a plan: target well under a second for a 40-task plan."""
    from automation.plan import read_plan
    from automation.resources import sample_plan

    shared = ROOT.parent / "shared" / "plans"
    files = [sample_plan()] + (sorted(shared.glob("*.txt")) if shared.exists() else [])
    print(f"{'plan':<40}{'tasks':>6}{'ms':>9}")
    for f in files:
        t0 = time.perf_counter()
        for _ in range(10):
            plan = read_plan(f)
        print(f"{f.name:<40}{len(plan.tasks):>6}{(time.perf_counter() - t0) * 100:>9.1f}")


def bench_buttons(n_units: int) -> None:
    """Every console button at n_units, timed in one long-lived process as the Excel/browser panel runs
    them (imports done before the first click): the sample plan, its registry grown to n_units with
    departments that share its collective names, every unit returning a filled workbook."""
    import datetime as dt
    import shutil

    from automation.actions import run
    from automation.demo import DUE, SAMPLE_ACTUAL_UNITS, fill_return, map_names
    from automation.panel import OpenpyxlPanel
    from automation.registry import UnitInfo, load_registry, write_registry
    from automation.resources import sample_plan
    from automation.workspace import Workspace, init_workspace

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "year"
        init_workspace(root, 2021)
        ws = Workspace(root)
        reg = load_registry(ws.registry)
        dept = next(u for u in reg.units.values() if u.category == "部门")
        for i in range(n_units - len(reg.units)):
            name = f"区测试{i + 1:02d}局"
            reg.units[name] = UnitInfo(name, [], "部门", "", "", list(dept.collectives))
        reg._index()
        write_registry(reg, ws.registry)
        shutil.copyfile(sample_plan(), ws.plan_dir / "工作要点.txt")
        panel = OpenpyxlPanel(ws.console, echo=False)
        rnd = "2021年年终调度"        # a year-end round: the report step writes every report (mid-year data are refused)
        panel.set("GK_DUE", dt.datetime.combine(DUE, dt.time()))
        panel.set("GK_ROUND", rnd)
        panel.set("报告设置!机关名称", "枣庄市市中区人民政府")       # the report step refuses init's placeholder
        panel.set("报告设置!联系电话", "0632-3083075")
        panel.flush()
        print(f"{'button':<12}{'units':>6}{'seconds':>9}  status")
        for action in ("plan", "distribute", "collect", "report"):
            if action == "distribute":
                map_names(ws.tasks, SAMPLE_ACTUAL_UNITS)
            if action == "collect":
                for i, src in enumerate(sorted((ws.sent_dir / rnd).glob("*政务公开任务台账.xlsx"))):
                    fill_return(src, ws.back_dir / rnd / src.name, share_done=0.7, seed=i,
                                mtime=dt.datetime(2021, 7, 8, 16, 30))
            t0 = time.perf_counter()
            r = run(action, OpenpyxlPanel(ws.console, echo=False))
            seconds = time.perf_counter() - t0
            status = OpenpyxlPanel(ws.console, echo=False).get(f"GK_STATUS_{action.upper()}")
            print(f"{action:<12}{len(reg.units):>6}{seconds:>9.2f}  {status if r.ok else r.problem.message}",
                  flush=True)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("stage", choices=["plan", "distribute", "collect", "report", "scale", "buttons", "_case",
                                          "_scale"])
    p.add_argument("args", nargs="*")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--units", type=int, nargs="+", default=[60, 1000])
    p.add_argument("--reports", type=int, default=1000, help="reports only up to this many units")
    a = p.parse_args()
    if a.stage == "scale":
        bench_scale(a.units, a.reports)
        return
    if a.stage == "buttons":
        bench_buttons(a.units[0] if a.units != [60, 1000] else 60)
        return
    if a.stage == "_scale":
        print(json.dumps(scale_step(a.args[0], int(a.args[1]), Path(a.args[2]))))
        return
    if a.stage == "plan":
        bench_plan()
        return
    if a.stage == "_case":
        print(json.dumps(run_case(a.args[0], int(a.args[1]), a.args[2])))
        return
    if a.stage == "report":
        cases = [(100, "ours")]
    elif a.stage == "collect":
        cases = [(60, "read"), (60, "ours"), (60, "naive"), (1000, "read"), (1000, "ours")] + \
            ([] if a.quick else [(1000, "naive")])
    else:
        cases = [(60, "ours"), (60, "naive"), (1000, "ours")] + ([] if a.quick else [(1000, "naive")])
    print(f"{'stage':<11}{'units':>6}  {'impl':<6}{'seconds':>9}{'files':>7}{'peak MB':>9}")
    for n, impl in cases:
        out = subprocess.run([sys.executable, __file__, "_case", a.stage, str(n), impl], capture_output=True,
                             text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{r['stage']:<11}{r['units']:>6}  {r['impl']:<6}{r['seconds']:>9}{r['files']:>7}{r['peak_rss_mb']:>9}")


if __name__ == "__main__":
    main()
