"""`gongkai demo`: the whole pipeline on the embedded sample plan (2021年市中区政务公开工作要点)."""
from __future__ import annotations

import shutil
from pathlib import Path

from .problems import GongkaiError
from .resources import SAMPLE_REGISTRY, sample_plan, workbook_template


def run_demo(output: str | Path = "gongkai_demo", force: bool = False) -> dict:
    out = Path(output)
    if out.exists() and any(out.iterdir()):
        if not force:
            raise GongkaiError.of("OUTPUT_EXISTS", out)
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    lines = []

    # 1. plan -> task list
    from .tasklist import make_task_list

    plan_dir = out / "工作要点"
    plan_dir.mkdir()
    plan_file = plan_dir / "2021年市中区政务公开工作要点.txt"
    shutil.copyfile(sample_plan(), plan_file)
    registry = out / "单位名录.xlsx"
    shutil.copyfile(workbook_template(SAMPLE_REGISTRY), registry)
    tasks_xlsx = out / "任务清单.xlsx"
    r = make_task_list([plan_file], tasks_xlsx, out / "任务清单.json", registry, force=True)
    lines.append(f"1. 解析工作要点：{r['tasks']} 项任务，{r['units']} 个单位名称，{r['review']} 项待确认 → {tasks_xlsx}")
    result = {"output": str(out), "tasks_xlsx": str(tasks_xlsx), "registry": str(registry)}

    # 2. distribute
    try:
        from .distribute import distribute
    except ImportError:
        distribute = None
    if distribute:
        d = distribute(tasks_xlsx, out / "下发", registry_path=registry, due="2021-07-10",
                       round_name="2021年第1次调度", force=True)
        lines.append(f"2. 下发：{d['workbooks']} 个单位工作簿 → {out / '下发'}")
        result["distribute"] = d

    result["message"] = "演示完成，全部输出在：" + str(out.resolve()) + "\n" + "\n".join(lines)
    return result
