"""Speed targets live here, never in timed tests.

    python scripts/bench.py distribute            # 60 and 1,000 units, ours beside a naive baseline
    python scripts/bench.py distribute --quick    # skip the naive baseline at 1,000 units (slow)

Each case runs in a fresh child process; the time is wall-clock, the memory the child's peak RSS.
Targets (issue 3): 1,000 units x 40 tasks in under 10 s on 2 cores, memory flat in the number of units.
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


def make_inputs(folder: Path, n_units: int, n_tasks: int = 40) -> tuple[Path, Path]:
    """A plan of n_tasks tasks, each assigned to every unit through one collective name."""
    from automation.plan import Plan, Task
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

    from automation import ledger as L
    from automation.distribute import assign
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


def run_case(stage: str, n: int, impl: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        tasks, reg = make_inputs(tmp, n)
        t0 = time.perf_counter()
        if impl == "ours":
            from automation.distribute import distribute

            distribute(tasks, tmp / "out", registry_path=reg, due="2021-07-10", round_name="基准")
        else:
            naive_distribute(tasks, reg, tmp / "out")
        elapsed = time.perf_counter() - t0
        files = len(list((tmp / "out").glob("*.xlsx")))
    return {"stage": stage, "units": n, "impl": impl, "seconds": round(elapsed, 2), "files": files,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("stage", choices=["distribute", "_case"])
    p.add_argument("args", nargs="*")
    p.add_argument("--quick", action="store_true")
    a = p.parse_args()
    if a.stage == "_case":
        print(json.dumps(run_case(a.args[0], int(a.args[1]), a.args[2])))
        return
    cases = [(60, "ours"), (60, "naive"), (1000, "ours")] + ([] if a.quick else [(1000, "naive")])
    print(f"{'stage':<11}{'units':>6}  {'impl':<6}{'seconds':>9}{'files':>7}{'peak MB':>9}")
    for n, impl in cases:
        out = subprocess.run([sys.executable, __file__, "_case", a.stage, str(n), impl], capture_output=True,
                             text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{r['stage']:<11}{r['units']:>6}  {r['impl']:<6}{r['seconds']:>9}{r['files']:>7}{r['peak_rss_mb']:>9}")


if __name__ == "__main__":
    main()
