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
from .steps import STEP
from .tasklist import ACTUAL, TASK_SHEET
from .workspace import SCRIPT_SUFFIX, Workspace, init_workspace

DUE = dt.date(2021, 7, 10)
DUE2 = dt.date(2021, 12, 25)
ROUND1, ROUND2 = "2021年第1次调度", "2021年第2次调度"
# the clerk's review of the sample plan: who really does the tasks given to names no unit stands for
SAMPLE_ACTUAL_UNITS = {"2021-01-01": "区发展和改革局", "2021-01-15": "区司法局、区市场监督管理局",
                       "2021-03-01": "区司法局", "2021-03-02": "区政府办公室"}
AS_OF = dt.datetime(2021, 7, 15, 9, 0)
# what unit staff write in 落实情况 for each task of the sample plan ({n}, {m}: numbers that vary by unit)
DETAILS = {
    "2021-01-01": "在政府门户网站开设“十四五”规划专栏，公开规划文本及解读材料{n}篇，归集整理历史规划{m}件",
    "2021-01-02": "通过政府网站和政务新媒体发布黄河流域生态保护和高质量发展工作动态{n}条",
    "2021-01-03": "在开发区网站公开体制机制改革方案及进展情况{n}条",
    "2021-01-04": "发布融入“鲁南经济圈”协同发展相关信息{n}条",
    "2021-01-05": "开展新旧动能转换成果宣传{m}次，发布综合试验区建设进展信息{n}条",
    "2021-01-06": "公开重点项目建设信息{n}条，发布产业政策实施情况{m}期",
    "2021-01-07": "在公共数据开放平台新开放数据集{n}个",
    "2021-01-08": "公开促进消费升级政策措施及落实情况{n}条",
    "2021-01-09": "发布质量强区和品牌建设信息{n}条",
    "2021-01-10": "按时公开部门预算、决算及“三公”经费说明，所属{m}个单位全部公开到位",
    "2021-01-11": "公开惠民惠农补贴资金发放信息{n}条，并在村（社区）公开栏同步张贴",
    "2021-01-12": "更新公开权责清单，调整事项{n}项，同步公开机构职能目录",
    "2021-01-13": "发布“放管服”改革和减税降费政策信息{n}条",
    "2021-01-14": "制发并公开重点监管事项清单，公开“双随机、一公开”抽查结果{n}条",
    "2021-01-15": "公开行政执法“三项制度”信息{n}条、公共法律服务信息{m}条",
    "2021-01-16": "发布高校毕业生、退役军人等就业岗位信息{n}条",
    "2021-01-17": "公开学前教育行动计划、义务教育招生入学政策及划片范围",
    "2021-01-18": "公开社会救助、养老服务政策及资金发放信息{n}条",
    "2021-01-19": "公开排污许可、自然资源确权登记等信息{n}条",
    "2021-01-20": "公开安全生产行政处罚决定和事故调查报告{n}件",
    "2021-01-21": "通过政府网站和政务新媒体发布疫情防控权威信息{n}条，及时回应群众关切",
    "2021-01-22": "督促供水、供气、公交等公共企事业单位公开办事服务信息{n}条",
    "2021-02-01": "发布“6+3”现代产业体系等重点工作政策文件{m}件，同步发布解读材料{n}篇",
    "2021-02-02": "采用图解、视频、问答等形式解读政策{n}件，主要负责人解读{m}次",
    "2021-02-03": "公开人大代表建议和政协提案办理复文{n}件，建立舆情回应台账",
    "2021-03-01": "编制并公开年度重大行政决策事项目录，公开决策草案{m}件",
    "2021-03-02": "通过政府网站公开征求意见{m}次，公布意见采纳情况",
    "2021-03-03": "邀请利益相关方列席决策会议{m}次，开展政府开放日活动{m}次",
    "2021-04-01": "更新本机关网站行政法规文本，集中公开行政规范性文件{n}件",
    "2021-04-02": "完善依申请公开登记、审核、答复、归档制度，申请均在法定期限内答复",
    "2021-04-03": "完成政府网站与政务服务网融合对接，迁移栏目{n}个",
    "2021-04-04": "清理整合政务新媒体账号{m}个，门户网站完成IPv6改造",
    "2021-04-05": "调整法定主动公开专栏栏目{n}个，每月开展一次错链断链检查",
    "2021-04-06": "编发政府公报{m}期，政府公报数据库上线运行",
    "2021-04-07": "完善本级政务公开事项标准目录，调整事项{n}项",
    "2021-04-08": "建成政务公开专区{m}个，提供政府信息查询、政策咨询服务",
    "2021-05-01": "召开政务公开领导小组会议{m}次，研究部署年度重点工作",
    "2021-05-02": "组织政务公开业务培训{m}场，参训{n}人次",
    "2021-05-03": "报送政务公开信息和经验做法{n}篇",
    "2021-05-04": "建立工作要点任务台账，逐项核查落实进度，开展上年度落实情况回头看",
}
# what units write when a task is not finished: (存在问题, 下步打算)
SLOW = [("专职工作人员调整，业务衔接不够顺畅，进度较慢", "下半年加快推进，10月底前完成"),
        ("业务科室提供信息不够及时，公开时效性有待提高", "明确专人负责，建立信息报送和审核台账，确保按时公开"),
        ("政策解读形式较为单一，图解、视频等解读偏少", "丰富图解、视频等解读形式，提升政策解读质量"),
        ("涉及多个部门的信息需要会商，协调周期较长", "建立部门会商机制，定期调度工作进展")]


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
            detail = DETAILS.get(tid, "在政府门户网站“政府信息公开”专栏公开相关信息{n}条")
            ws[f"{cols['detail']}{r}"] = detail.format(n=rnd.randint(3, 40), m=rnd.randint(1, 6)) + "。"
            ws[f"{cols['evidence']}{r}"] = "http://www.shizhong.gov.cn/zwgk/"
        else:
            ws[f"{cols['progress']}{r}"] = rnd.choice([0, 0.3, 0.5])
            issue, plan = SLOW[0] if rnd.random() < 0.5 else rnd.choice(SLOW[1:])
            ws[f"{cols['issues']}{r}"] = issue + "。"
            ws[f"{cols['next']}{r}"] = plan + "。"
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
        for cur, new, gone in (("t2_norm_cur", "t2_norm_new", "t2_norm_del"),):   # in force >= issued this year
            if cur in figs:
                f[figs[gone]] = rnd.randint(0, 1)
                f[figs[cur]] = f[figs[new]].value + rnd.randint(1, 6)
        f[figs["fee_yuan"]] = 0
        f[figs[R.t4(1)]] = rnd.randint(0, 1)
        town = unit.endswith(("镇", "街道"))
        counts = {"主动公开政府信息条数": (40, 150) if town else (80, 420), "政策解读件数": (0, 4) if town else (2, 12),
                  "新闻发布会场次": (0, 1) if town else (0, 4), "回应关切件数": (2, 20), "意见征集次数": (0, 3),
                  "公开前保密审查信息条数": (40, 150) if town else (80, 420), "政务新媒体账号数": (1, 3),
                  "政务新媒体发布信息条数": (50, 300), "政务公开培训场次": (1, 3), "参加培训人次": (10, 60),
                  "办理人大代表建议件数": (0, 2) if town else (0, 8), "办理政协提案件数": (0, 1) if town else (0, 6)}
        for label_ref, value_ref in meta.extras:
            label = str(f[label_ref].value or "").strip()
            if label in counts:
                f[value_ref] = rnd.randint(*counts[label])
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
    for label, value in {"机关名称": "枣庄市市中区人民政府", "地址": "枣庄市市中区君山中路321号", "邮编": "277101",
                         "联系电话": "0632-3083075", "电子邮箱": "shizhongxx@163.com",
                         "网站": "市中区人民政府门户网站", "网址": "http://www.zzszq.gov.cn",
                         "成文日期": "2022年1月20日"}.items():
        panel.set(f"报告设置!{label}", value)
    panel.flush()

    def step(action: str) -> str:
        p = OpenpyxlPanel(ws.console, echo=False)
        r = run(action, p)
        if not r.ok:
            raise GongkaiError(r.problem)
        return p.get(STEP[action].status_name)

    scripts = "WPS 用户可双击其中的 .cmd 文件" if SCRIPT_SUFFIX == ".cmd" else "也可双击其中的“政务公开工作台”，或在终端运行 .sh 文件"
    steps = {"年度工作文件夹": f"{out.resolve()}（控制台：{ws.console.name}；{scripts}）"}
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
    # 催报 after the round's cut-off, twice (a unit chased twice shows 2 in 单位进度 after the next collect)
    steps["催报"] = f"{step('remind')} → {ws.root / '催报' / ROUND2}"
    steps["再次催报"] = step("remind")
    steps["汇总回收工作簿（催报后）"] = step("collect")
    steps["生成情况通报"] = f"{step('bulletin')} → {ws.root / '通报'}"
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
