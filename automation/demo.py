"""`gongkai demo`: the whole pipeline on the embedded sample plan (2021年市中区政务公开工作要点)."""
from __future__ import annotations

import datetime as dt
import os
import random
import shutil
from pathlib import Path

from . import ledger as L
from . import reportspec as R
from .problems import GongkaiError
from .resources import SAMPLE_REGISTRY, sample_plan, workbook_template

DUE = dt.date(2021, 7, 10)
AS_OF = dt.datetime(2021, 7, 15, 9, 0)


def fill_return(src: Path, dst: Path, share_done: float = 1.0, seed: int = 0, figures: bool = True,
                mtime: dt.datetime | None = None, change_text: bool = False) -> Path:
    """Fill a distributed workbook the way unit staff would (openpyxl, like Excel saving it)."""
    from openpyxl import load_workbook

    rnd = random.Random(seed)
    wb = load_workbook(src)
    meta = {}
    cols, figs, tasks = {}, {}, []
    for row in wb[L.META_SHEET].iter_rows(values_only=True):
        if row[0] == "col":
            cols[row[1]] = row[2]
        elif row[0] == "fig":
            figs[row[1]] = row[2]
        elif row[0] == "task":
            tasks.append((row[1], int(row[3])))
        else:
            meta[row[0]] = row[1]
    ws = wb[L.LEDGER_SHEET]
    unit = meta["unit"]
    for i, (tid, r) in enumerate(tasks):
        done = rnd.random() < share_done
        ws[f"{cols['status']}{r}"] = L.DONE if done else rnd.choice(["推进中", "未启动"])
        if done:
            ws[f"{cols['done_date']}{r}"] = dt.datetime(2021, rnd.randint(3, 6), rnd.randint(1, 28))
            ws[f"{cols['progress']}{r}"] = 1
            ws[f"{cols['detail']}{r}"] = (f"{unit}已按要求落实，在区政府门户网站“政府信息公开”专栏"
                                          f"公开相关信息{rnd.randint(3, 40)}条。")
            ws[f"{cols['evidence']}{r}"] = "http://www.shizhong.gov.cn/zwgk/"
        else:
            ws[f"{cols['progress']}{r}"] = rnd.choice([0, 0.3, 0.5])
            ws[f"{cols['issues']}{r}"] = "工作人员变动，进度较慢。"
            ws[f"{cols['next']}{r}"] = "下半年加快推进，10月底前完成。"
    if change_text and tasks:
        r = tasks[0][1]
        ws[f"{cols['text']}{r}"] = str(ws[f"{cols['text']}{r}"].value) + "（本单位已修改）"
    if figures:
        f = wb[L.FIGURE_SHEET]
        new = rnd.randint(0, 12)
        carried = rnd.randint(0, 2)
        f[figs[R.t3(1, 1)]] = new
        f[figs[R.t3(2, 1)]] = carried
        left = new + carried
        carry = min(left, rnd.randint(0, 1))
        f[figs[R.t3(25, 1)]] = carry
        left -= carry
        public = rnd.randint(0, left)
        f[figs[R.t3(3, 1)]] = public
        f[figs[R.t3(13, 1)]] = left - public
        f[figs["t2_norm_new"]] = rnd.randint(0, 3)
        f[figs["t2_permit"]] = rnd.randint(0, 300)
        f[figs["t2_penalty"]] = rnd.randint(0, 50)
        f[figs["fee_yuan"]] = 0
        f[figs[R.t4(1)]] = rnd.randint(0, 1)
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    if mtime:
        ts = mtime.timestamp()
        os.utime(dst, (ts, ts))
    return dst


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
    from .distribute import distribute

    sent = out / "下发"
    d = distribute(tasks_xlsx, sent, registry_path=registry, due=DUE.isoformat(), round_name="2021年第1次调度",
                   contact="区政府办公室政务公开科 0632-0000000", force=True)
    lines.append(f"2. 下发：{d['workbooks']} 个单位工作簿 → {sent}（下发清单：{d['listing']}）")
    result["distribute"] = d

    # 3. the units' returns, simulated: complete, partial, late, renamed, edited task text, missing
    from .collect import collect

    back = out / "回收"
    files = d["files"]
    units = [u for u in files if "有关" not in u and "涉及" not in u and "编制规划" not in u]
    on_time = dt.datetime(2021, 7, 8, 16, 30)
    for i, unit in enumerate(units):
        src = Path(files[unit])
        if unit == "区大数据中心":
            continue                                    # never returned
        name = src.name
        kwargs = {"share_done": 1.0 if i % 3 == 0 else 0.6, "seed": i, "mtime": on_time}
        if unit == "区民政局":
            kwargs["mtime"] = dt.datetime(2021, 7, 13, 10, 5)   # late
        if unit == "孟庄镇":
            name = "孟庄镇台账（已填）.xlsx"                       # renamed
        if unit == "区司法局":
            kwargs["change_text"] = True                     # a task's text "fixed" by the unit
        fill_return(src, back / name, **kwargs)
    c = collect(back, tasks_xlsx, out / "汇总" / "汇总.xlsx", ledger=out / "汇总" / "台账.sqlite",
                due=DUE.isoformat(), round_name="2021年第1次调度", registry_path=registry, as_of=AS_OF)
    h = c["summary"]["headline"]
    lines.append(f"3. 回收汇总：已报送 {h['returned']}/{h['expected']} 个单位，未报送 {h['missing']} 个，"
                 f"逾期报送 {h['late']} 个；任务已完成 {h['done']} 项、推进中 {h['in_progress']} 项、"
                 f"逾期 {h['overdue']} 项；问题 {len(c['problems'])} 条 → {c['output']}")
    result["collect"] = c

    # 4. annual reports: the consolidated one and one per unit
    from .report import make_reports

    settings = {"organ": "枣庄市市中区人民政府", "address": "枣庄市市中区君山中路321号", "postcode": "277101",
                "phone": "0632-3083075", "email": "shizhongxx@163.com", "website": "市中区人民政府门户网站"}
    rep = make_reports(c["output"], out / "报告", year=2021, all_units=True, settings=settings, force=True,
                       when=dt.date(2022, 1, 20))
    ok = sum(1 for x in rep["results"] if x["status"] == "通过")
    lines.append(f"4. 年度报告：{len(rep['results'])} 份（汇总报告 1 份、单位报告 {len(rep['results']) - 1} 份，"
                 f"校验通过 {ok} 份）→ {out / '报告'}（报告清单：{rep['listing']}）")
    result["report"] = rep

    result["message"] = "演示完成，全部输出在：" + str(out.resolve()) + "\n" + "\n".join(lines)
    return result
