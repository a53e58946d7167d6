"""Stage: 通报 — an editable Word draft of the round's (or the year's) 政务公开工作情况通报, from 汇总.xlsx.

API: ``bulletin(BulletinOptions(summary=…, output=…, scope="round"|"year", settings=…, …)) -> BulletinResult``.

Every number is read from the summary workbook (总览, 单位进度, 年度报告数据 as the office may have corrected
them), never counted again another way, so the circular says what 总览 says.  Units commended and units
named for delay follow the rules in 通报设置.xlsx (thresholds the office can change; written with the
defaults the first time).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from . import unitbook as L
from .dates import cn_date
from .keepedits import keep_if_edited, record_written
from .officialdoc import OfficialDoc
from .problems import GongkaiError
from .results import BulletinResult
from .summarybook import read_summary
from .tables import CALAMINE_ERRORS, read_rows, save_workbook, style_header

SETTINGS_FILE = "通报设置.xlsx"
SETTINGS_SHEET = "通报设置"


@dataclass(frozen=True)
class Rule:
    key: str
    label: str
    default: object
    note: str


RULES = [
    Rule("praise_rate", "表扬：单位任务完成率不低于", "100%", "填百分比，如 90%"),
    Rule("praise_on_time", "表扬：须按时报送", "是", "是/否"),
    Rule("praise_figures", "表扬：年度报告数据须可用", "是", "是/否：数据不可用或未报送的单位不表扬"),
    Rule("praise_no_overdue", "表扬：不能有逾期未完成任务", "是", "是/否"),
    Rule("name_missing", "通报：未报送的单位", "是", "是/否"),
    Rule("name_late", "通报：逾期报送的单位", "是", "是/否"),
    Rule("name_rate", "通报：单位任务完成率低于", "50%", "填百分比；留空则不按完成率通报"),
    Rule("name_overdue", "通报：逾期未完成任务不少于（项）", "3", "填项数；留空则不按逾期任务通报"),
    Rule("name_figures", "通报：年度报告数据不可用或未报送的单位", "否", "是/否（年中调度可选“否”）"),
    Rule("office", "发文单位（落款）", "", "如 XX区人民政府办公室；留空时用“报告设置”的机关名称加“办公室”"),
    Rule("to", "主送", "各镇人民政府、街道办事处，区政府各部门、各单位", "通报的主送单位"),
]


def write_settings(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = SETTINGS_SHEET
    ws.append(["项目", "设定值", "说明"])
    for r in RULES:
        ws.append([r.label, r.default, r.note])
    style_header(ws, [36, 28, 50])
    fill = PatternFill("solid", fgColor="FFF2CC")
    for row in range(2, ws.max_row + 1):
        ws.cell(row, 2).fill = fill
        ws.cell(row, 2).font = Font(name="宋体")
    return save_workbook(wb, path, force=False)


def read_rules(path: Path) -> dict:
    out = {r.key: r.default for r in RULES}
    by_label = {r.label: r.key for r in RULES}
    try:
        rows = read_rows(path, SETTINGS_SHEET) or []
    except CALAMINE_ERRORS as exc:
        raise GongkaiError.of("BULLETIN_SETTINGS_INVALID", path.name, detail=type(exc).__name__) from None
    for i, row in enumerate(rows[1:], 2):
        key = by_label.get(str(row[0] if row else "").strip())
        if key:
            out[key] = row[1] if len(row) > 1 and row[1] not in (None,) else ""
            out[key + "@"] = f"B{i}"
    return out


def share(value, where: str, file: str) -> float | None:
    """A threshold as typed: 90%, 0.9, 90 → 0.9; blank → None."""
    if value in (None, ""):
        return None
    text = str(value).strip().rstrip("%％")
    try:
        v = float(text)
    except ValueError:
        raise GongkaiError.of("BULLETIN_SETTINGS_INVALID", file, detail=f"{where} 应填百分比，实为“{value}”") from None
    if isinstance(value, str) and value.strip().endswith(("%", "％")) or v > 1:
        v /= 100
    return v


def count(value, where: str, file: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(float(str(value).strip()))
    except ValueError:
        raise GongkaiError.of("BULLETIN_SETTINGS_INVALID", file, detail=f"{where} 应填项数，实为“{value}”") from None


def yes(value) -> bool:
    return str(value or "").strip() in ("是", "1", "True", "TRUE", "true")


def pct(v: float) -> str:
    """As 总览 shows a share (0.0%), without a trailing .0 for whole percentages."""
    text = f"{v * 100:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


@dataclass(frozen=True)
class BulletinOptions:
    """How the circular is written, built by the CLI and the console's step (and so the web panel) alike:
    ``scope`` "round" (this round) or "year" (every round so far); ``settings``: 通报设置.xlsx (written with the
    default rules when missing; None: the defaults); ``office``: the signing office when the settings name
    none; ``as_of``: the date signed (default today); ``force``: an existing draft is replaced — one changed
    since this tool wrote it is first kept aside (``…_手工修改_时间.docx``)."""
    summary: str | Path | None = None         # 汇总.xlsx
    output: str | Path | None = None          # the draft's .docx
    scope: str = "round"
    settings: str | Path | None = None
    office: str = ""
    as_of: dt.date | None = None
    force: bool = False


HEADLINE = ["应报送单位", "已报送单位", "逾期报送单位", "未报送单位", "任务总数", "已完成任务", "推进中任务", "未启动任务",
            "逾期未完成任务", "单位任务完成率", "问题条数"]           # the metrics of 总览 the circular quotes


@dataclass(frozen=True)
class Judged:
    """Whom the rules commend and name, with the thresholds as read (for the sentences saying why)."""
    praised: list
    named: dict                   # reason -> units
    praise_rate: float | None
    name_rate: float | None
    name_overdue: int | None


def bulletin(opts: BulletinOptions) -> BulletinResult:
    """Write the circular's draft to ``opts.output`` from ``opts.summary`` (read once: 总览's metrics and trend,
    单位进度, 年度报告数据), whom it commends and names following the rules of ``opts.settings``."""
    o = opts
    p, out = Path(o.summary), Path(o.output)
    if not p.exists():
        raise GongkaiError.of("FILE_NOT_FOUND", p)
    if out.exists() and not o.force:
        raise GongkaiError.of("OUTPUT_EXISTS", out)
    settings_path = Path(o.settings) if o.settings else None
    written = settings_path is not None and not settings_path.exists()
    if written:
        write_settings(settings_path)
    rules = read_rules(settings_path) if settings_path else {r.key: r.default for r in RULES}
    data = read_summary(p)
    m = headline(data, p)
    units = unit_lines(data)
    judged = judge(units, rules, settings_path.name if settings_path else SETTINGS_FILE)
    office = str(rules.get("office") or "").strip() or o.office
    doc = OfficialDoc()
    _opening(doc, data, o.scope, rules)
    _overall(doc, data, m, units, o.scope)
    _praise_and_name(doc, rules, judged)
    _next_steps(doc)
    doc.signature(office or "（发文单位）", o.as_of or dt.date.today())
    _annex(doc, units)
    kept = keep_if_edited(out)          # --force: a draft the office edited is kept aside, never lost
    doc.save(out)
    record_written(out)
    return BulletinResult(output=out, scope=o.scope, round=data.round, settings=settings_path,
                          settings_written=written, expected=m["应报送单位"], returned=m["已报送单位"],
                          late=m["逾期报送单位"], missing=m["未报送单位"], tasks=m["任务总数"], done=m["已完成任务"],
                          overdue=m["逾期未完成任务"], praised=[u["unit"] for u in judged.praised],
                          named={k: [u["unit"] for u in v] for k, v in judged.named.items() if v},
                          todo=[] if office else ["落款（发文单位）"], kept=kept)


def headline(data, p: Path) -> dict:
    """总览's metrics the circular quotes, as whole numbers (the unit completion rate as a share)."""
    lacking = [k for k in HEADLINE if k not in data.metrics]
    if lacking:
        raise GongkaiError.of("SUMMARY_INVALID", p.name, detail="总览缺少：" + "、".join(lacking))
    m = {k: float(data.metrics[k]) if k == "单位任务完成率" else int(data.metrics[k]) for k in HEADLINE}
    m["未分解任务"] = int(data.metrics.get("未分解任务（未下发）", 0) or 0)
    return m


def unit_lines(data) -> list[dict]:
    """单位进度's rows (without 合计) as the circular counts them, with each unit's figure status."""
    units = []
    for d in data.unit_rows:
        name = str(d.get("unit") or "").strip()
        if not name or name == "合计":
            continue
        ud = data.units.get(name)
        units.append({"unit": name, "category": str(d.get("category") or ""), "tasks": int(d.get("tasks") or 0),
                      "done": int(d.get("done") or 0), "na": int(d.get("na") or 0),
                      "overdue": int(d.get("overdue") or 0), "rate": float(d.get("rate") or 0),
                      "returned": d.get("returned_at") not in (None, "", "未报送"),
                      "late": str(d.get("late") or "") == "是", "reminded": int(d.get("reminded") or 0),
                      "figures": ud.figure_status if ud and ud.figures else L.FIGURES_MISSING})
    return units


def judge(units: list[dict], rules: dict, sname: str) -> Judged:
    """The rules, each naming the cell of 通报设置 it came from when a value is wrong."""
    praise_rate = share(rules["praise_rate"], rules.get("praise_rate@", ""), sname)
    name_rate = share(rules["name_rate"], rules.get("name_rate@", ""), sname)
    name_overdue = count(rules["name_overdue"], rules.get("name_overdue@", ""), sname)
    praised = [u for u in units if u["returned"]
               and (praise_rate is None or u["rate"] >= praise_rate - 1e-9)
               and not (yes(rules["praise_on_time"]) and u["late"])
               and not (yes(rules["praise_figures"]) and u["figures"] != L.FIGURES_OK)
               and not (yes(rules["praise_no_overdue"]) and u["overdue"])]
    named = {
        "未报送": [u for u in units if yes(rules["name_missing"]) and not u["returned"]],
        "逾期报送": [u for u in units if yes(rules["name_late"]) and u["late"]],
        "完成率低": [u for u in units if name_rate is not None and u["rate"] < name_rate - 1e-9],
        "逾期任务多": [u for u in units if name_overdue is not None and name_overdue > 0 and u["overdue"] >= name_overdue],
        "数据不可用": [u for u in units if yes(rules["name_figures"]) and u["figures"] != L.FIGURES_OK],
    }
    return Judged(praised, named, praise_rate, name_rate, name_overdue)


def _opening(doc: OfficialDoc, data, scope: str, rules: dict) -> None:
    """Title, addressee and the opening sentence."""
    year = data.year or ""
    what = f"{data.round}" if scope == "round" else f"{year}年度"
    doc.title(f"关于{what}政务公开工作要点落实情况的通报")
    doc.blank()
    doc.addressee(str(rules.get("to") or RULES[-1].default))
    title = data.title or f"{year}年政务公开工作要点"
    due = f"（报送截止日期{cn_date(data.due)}）" if data.due else ""
    if scope == "round":
        doc.para(f"为推动《{title}》各项任务落实，按照工作安排，对各单位{data.round}任务台账{due}进行了汇总。"
                 "现将有关情况通报如下：")
    else:
        doc.para(f"为推动《{title}》各项任务落实，{year}年共组织{len(data.trend)}轮调度，汇总了各单位报送的任务台账。"
                 f"现将{year}年度落实情况通报如下（数据截至{data.round}）：")


def _overall(doc: OfficialDoc, data, m: dict, units: list[dict], scope: str) -> None:
    """一、总体情况: returns, tasks, the quality of the data."""
    E, R, Lt, M = (m[k] for k in ("应报送单位", "已报送单位", "逾期报送单位", "未报送单位"))
    doc.heading("一、总体情况", 1)
    doc.heading("（一）报送情况", 2)
    text = (f"{data.round}应报送单位{E}个，已报送{R}个，其中按时报送{R - Lt}个、逾期报送{Lt}个，未报送{M}个。")
    if scope == "year" and data.trend:
        text += "各轮调度报送情况：" + "；".join(f"{t['round']}报送{t['returned']}个单位（占{pct(t['share'])}），"
                                         f"单位任务完成率{pct(t['rate'])}" for t in data.trend) + "。"
    doc.para(text)
    doc.heading("（二）任务落实情况", 2)
    N, a, b, c, d = (m[k] for k in ("任务总数", "已完成任务", "推进中任务", "未启动任务", "逾期未完成任务"))
    e = m["未分解任务"]
    full = sum(1 for u in units if u["tasks"] - u["na"] > 0 and u["done"] == u["tasks"] - u["na"])
    doc.para(f"按任务计，工作要点共{N}项任务，已完成{a}项，推进中{b}项，未启动{c}项，逾期未完成{d}项"
             + (f"，未分解到具体单位{e}项" if e else "") + "。"
             f"按单位计，单位任务完成率为{pct(m['单位任务完成率'])}，{full}个单位已完成承担的全部任务"
             "（一项任务须每个责任单位都完成才计为已完成，两种口径见汇总表“总览”的指标说明）。")
    doc.heading("（三）数据质量", 2)
    unusable = [u for u in units if u["figures"] == L.FIGURES_UNUSABLE]
    not_sent_figs = [u for u in units if u["figures"] == L.FIGURES_MISSING]
    quality = f"汇总中发现各类填报问题{m['问题条数']}条（见汇总表“问题清单”）。"
    if unusable:
        quality += f"{len(unusable)}个单位的年度报告数据有错误、暂不能使用：{_names(unusable)}。"
    if not_sent_figs:
        quality += f"{len(not_sent_figs)}个单位未报送年度报告数据：{_names(not_sent_figs)}。"
    if not unusable and not not_sent_figs:
        quality += "各单位报送的年度报告数据均通过校验。"
    doc.para(quality)


def _praise_and_name(doc: OfficialDoc, rules: dict, j: Judged) -> None:
    """二、表扬和通报: the units commended (with the conditions they met) and named (by reason)."""
    doc.heading("二、表扬和通报", 1)
    doc.heading("（一）予以表扬的单位", 2)
    conditions = ["按时报送" if yes(rules["praise_on_time"]) else "已报送"]
    if j.praise_rate is not None:
        conditions.append("承担的任务全部完成" if j.praise_rate >= 1 else f"单位任务完成率不低于{pct(j.praise_rate)}")
    if yes(rules["praise_no_overdue"]):
        conditions.append("没有逾期未完成任务")
    if yes(rules["praise_figures"]):
        conditions.append("年度报告数据通过校验")
    rule_text = "、".join(conditions)
    doc.para(f"{_names(j.praised)}等{len(j.praised)}个单位{rule_text}，予以表扬。" if j.praised
             else f"本次没有单位同时达到{rule_text}的要求。")
    doc.heading("（二）予以通报的单位", 2)
    reasons = [("未报送", "未报送任务台账"), ("逾期报送", "逾期报送任务台账"),
               ("完成率低", f"单位任务完成率低于{pct(j.name_rate) if j.name_rate is not None else ''}"),
               ("逾期任务多", f"逾期未完成任务{j.name_overdue}项以上"), ("数据不可用", "年度报告数据不可用或未报送")]
    said = False
    for key, words in reasons:
        if j.named[key]:
            doc.para(f"{words}的单位（{len(j.named[key])}个）：{_names(j.named[key], reminded=key == '未报送')}。")
            said = True
    if not said:
        doc.para("本次没有需要通报的单位。")


def _next_steps(doc: OfficialDoc) -> None:
    """三、下步要求, and the annex's line before the signature."""
    doc.heading("三、下步要求", 1)
    doc.para("（一）未报送、逾期报送的单位要高度重视，明确专人负责，尽快补报任务台账，今后严格按照时限报送。")
    doc.para("（二）任务推进较慢、有逾期未完成任务的单位要对照工作要点逐项梳理，制定整改措施，确保按期完成。")
    doc.para("（三）年度报告数据有错误的单位要按问题清单逐项核对改正，确保数据真实准确、前后一致。")
    doc.blank()
    doc.para("附件：各单位落实情况一览表")


def _annex(doc: OfficialDoc, units: list[dict]) -> None:
    """附件: each unit's returns, tasks, figures and reminders, on a page of its own."""
    doc.doc.add_page_break()
    doc.para("附件", indent=False)
    doc.title("各单位落实情况一览表")
    doc.table(["序号", "单位", "报送情况", "任务数", "已完成", "完成率", "逾期未完成", "年度报告数据", "催报次数"],
              [[i, u["unit"], "未报送" if not u["returned"] else "逾期报送" if u["late"] else "按时报送", u["tasks"],
                u["done"], pct(u["rate"]), u["overdue"], u["figures"], u["reminded"]] for i, u in enumerate(units, 1)],
              [9, 44, 17, 11, 11, 16, 16, 18, 14])


def _names(units: list[dict], reminded: bool = False) -> str:
    return "、".join(u["unit"] + (f"（催报{u['reminded']}次）" if reminded and u["reminded"] else "") for u in units)
