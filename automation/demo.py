"""`gongkai demo`: the whole pipeline on the embedded sample plan (2021年市中区政务公开工作要点)."""
from __future__ import annotations

import datetime as dt
import os
import random
import re
import shutil
import zipfile
from pathlib import Path


from openpyxl import load_workbook

from . import reportspec as R
from . import unitbook as L
from .actions import run
from .panel import OpenpyxlPanel
from .problems import GongkaiError
from .resources import sample_plan
from .results import DemoResult
from .tasklist import ACTUAL, TASK_SHEET
from .workspace import Workspace, init_workspace

DUE = dt.date(2021, 7, 10)
DUE2 = dt.date(2021, 12, 25)
ROUND1, ROUND2 = "2021年第1次调度", "2021年第2次调度"
# the clerk's review of the sample plan: who really does the tasks given to names no unit stands for
SAMPLE_ACTUAL_UNITS = {"2021-01-01": "区发展和改革局", "2021-01-15": "区司法局、区市场监督管理局",
                       "2021-03-01": "区司法局", "2021-03-02": "区政府办公室"}
AS_OF = dt.datetime(2021, 7, 15, 9, 0)


def fill_return(src: Path, dst: Path, share_done: float = 1.0, seed: int = 0, figures: bool = True,
                mtime: dt.datetime | None = None, change_text: bool = False) -> Path:
    """Fill a distributed workbook the way unit staff would (openpyxl, like Excel saving it)."""
    rnd = random.Random(seed)
    wb = load_workbook(src)
    meta = L.read_meta_openpyxl(wb)
    cols, figs, tasks = meta.columns, meta.figures, [(t.id, t.row) for t in meta.tasks]
    ws = wb[L.LEDGER_SHEET]
    unit = meta.unit
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
        spec = R.SPECS[str(meta.info.get("report_format") or "2021")]
        for key in spec.input_keys:                # nothing happened is typed as 0, never left blank
            if key in figs:
                f[figs[key]] = 0
        new = rnd.randint(0, 12)
        carried = rnd.randint(0, 2)
        f[figs[R.t3(1, 1)]] = new
        f[figs[R.t3(2, 1)]] = carried
        left = new + carried
        carry = min(left, rnd.randint(0, 1))
        carry_row = max(int(k[4:].split("_c")[0]) for k in figs if k.startswith("t3_"))   # 四、结转下年度
        f[figs[R.t3(carry_row, 1)]] = carry
        left -= carry
        public = rnd.randint(0, left)
        f[figs[R.t3(3, 1)]] = public
        f[figs[R.t3(13, 1)]] = left - public
        for key, top in (("t2_norm_new", 3), ("t2_permit", 300), ("t2_penalty", 50),          # 2021 format
                         ("t2_norm_made", 3), ("t2_permit_n", 300), ("t2_penalty_n", 50)):    # 2019 format
            if key in figs:
                f[figs[key]] = rnd.randint(0, top)
        f[figs["fee_yuan"]] = 0
        f[figs[R.t4(1)]] = rnd.randint(0, 1)
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    if mtime:
        set_saved_time(dst, mtime)
        ts = mtime.timestamp()
        os.utime(dst, (ts, ts))
    return dst


def set_saved_time(path: Path, when: dt.datetime) -> None:
    """Write the last-saved time into docProps/core.xml as Excel does when the unit saves (UTC),
    ``when`` being the office's local time (UTC+8)."""
    utc = (when - dt.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as z:
        parts = [(info, z.read(info.filename)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              lambda m: m.group(1) + utc.encode() + m.group(2), data)
            z.writestr(info, data)


def run_demo(output: str | Path = "gongkai_demo", force: bool = False) -> DemoResult:
    """A year folder for 2021 built and run the way the office would: the same actions as the buttons."""
    out = Path(output)
    if out.exists() and any(out.iterdir()):
        if not force:
            raise GongkaiError.of("OUTPUT_EXISTS", out)
        shutil.rmtree(out)
    init_workspace(out, 2021)
    ws = Workspace(out)
    shutil.copyfile(sample_plan(), ws.plan_dir / "2021年市中区政务公开工作要点.txt")
    panel = OpenpyxlPanel(ws.console, echo=False)
    panel.set("GK_DUE", dt.datetime.combine(DUE, dt.time()))
    panel.set("GK_ROUND", ROUND1)
    panel.set("GK_CONTACT", "区政府办公室政务公开科 0632-3083075")
    settings = panel.wb["报告设置"]
    for row in settings.iter_rows(min_row=2):
        value = {"机关名称": "枣庄市市中区人民政府", "地址": "枣庄市市中区君山中路321号", "邮编": "277101",
                 "联系电话": "0632-3083075", "电子邮箱": "shizhongxx@163.com",
                 "网站": "市中区人民政府门户网站", "成文日期": "2022年1月20日"}.get(row[0].value)
        if value:
            row[1].value = value
    panel.flush()

    def step(action: str) -> str:
        p = OpenpyxlPanel(ws.console, echo=False)
        r = run(action, p)
        if not r.ok:
            raise GongkaiError(r.problem)
        return {"plan": p.get("GK_STATUS_PLAN"), "distribute": p.get("GK_STATUS_DISTRIBUTE"),
                "collect": p.get("GK_STATUS_COLLECT"), "report": p.get("GK_STATUS_REPORT")}[action]

    steps = {"年度工作文件夹": f"{out.resolve()}（控制台：{ws.console.name}；WPS 用户可双击其中的 .cmd 文件）"}
    steps["解析工作要点"] = f"{step('plan')} → {ws.tasks}"
    # the clerk's review: names no registry unit stands for get the units that really do the task
    map_names(ws.tasks, SAMPLE_ACTUAL_UNITS)
    steps["生成分发工作簿"] = f"{step('distribute')} → {ws.sent_dir / ROUND1}"
    # the units' returns, simulated: complete, partial, late, renamed, edited task text, one never returned
    files = sorted((ws.sent_dir / ROUND1).glob("*政务公开任务台账.xlsx"))
    on_time = dt.datetime(2021, 7, 8, 16, 30)
    for i, src in enumerate(files):
        unit = src.name.split("_")[0]
        if unit == "区大数据中心":
            continue                                     # one unit that never returns
        name = "孟庄镇台账（已填）.xlsx" if unit == "孟庄镇" else src.name
        fill_return(src, ws.back_dir / ROUND1 / name, share_done=1.0 if i % 3 == 0 else 0.6, seed=i,
                    mtime=dt.datetime(2021, 7, 13, 10, 5) if unit == "区民政局" else on_time,
                    change_text=unit == "区司法局")
    steps["汇总回收工作簿（第1轮）"] = f"{step('collect')} → {ws.summary}"
    # round 2 near the year end: each workbook carries the unit's round-1 answers; a third of the units
    # send an update, the others stay silent and keep their round-1 state
    panel = OpenpyxlPanel(ws.console, echo=False)
    panel.set("GK_ROUND", ROUND2)
    panel.set("GK_DUE", dt.datetime.combine(DUE2, dt.time()))
    panel.flush()
    steps["生成分发工作簿（第2轮）"] = f"{step('distribute')} → {ws.sent_dir / ROUND2}"
    for i, src in enumerate(sorted((ws.sent_dir / ROUND2).glob("*政务公开任务台账.xlsx"))):
        if i % 3 == 1:
            fill_return(src, ws.back_dir / ROUND2 / src.name, share_done=1.0, seed=100 + i,
                        mtime=dt.datetime(2021, 12, 20, 15, 0))
    steps["汇总回收工作簿（第2轮）"] = f"{step('collect')} → {ws.summary}"
    steps["生成年度报告"] = f"{step('report')} → {ws.report_dir}"
    return DemoResult(out, ws.console, steps)


def map_names(tasks_path: Path, actual: dict[str, str]) -> None:
    """Fill the task list's 实际责任单位 column, as the clerk does in Excel."""
    wb = load_workbook(tasks_path)
    ws = wb[TASK_SHEET]
    header = [c.value for c in ws[1]]
    id_col, actual_col = header.index("任务编号") + 1, header.index(ACTUAL) + 1
    for r in range(2, ws.max_row + 1):
        tid = ws.cell(r, id_col).value
        if tid in actual:
            ws.cell(r, actual_col).value = actual[tid]
    wb.save(tasks_path)
