"""What each button of the control workbook does, on a Panel (Excel through xlwings, or the closed
workbook through openpyxl).  The handlers call the same stage functions as the CLI."""
from __future__ import annotations

import datetime as dt
import os
import traceback
from pathlib import Path

from .bulletin import SETTINGS_FILE, BulletinOptions, bulletin
from .collect import CollectOptions, collect
from .distribute import DistributeOptions, distribute
from .nextyear import last_reports, previous_summary
from .panel import CONFLICTS_SAID, Panel, apply_journal, as_text, forget_journal
from .plan import PlanOptions, make_task_list
from .problems import GongkaiError, Problem
from .remind import RemindOptions, remind
from .report import SETTING_KEYS, ReportOptions, make_reports
from .results import (ActionResult, BulletinResult, CollectResult, DistributeResult, PlanResult, RemindResult,
                      ReportResult)
from .steps import (CONTACT_FOR_REPORT, REPORT_SETTINGS, REPORT_SHEET, REQUIRED_FOR_REPORT, SETTING, STEP, STEPS, YEAR_CHOICES,
                    SettingError, checked, is_placeholder, split_units)
from .tasklist import CHANGES_SHEET, read_task_list
from .workspace import Workspace

FIX_HINTS = {
    "NO_PLAN_FILES": "请把工作要点文件（.docx/.pdf/.txt）放进“工作要点”文件夹，或在“工作要点文件”一栏填写文件名。",
    "OUTPUT_LOCKED": "请先在 Excel/WPS 中关闭该文件，再点一次按钮。",
    "OUTPUT_EXISTS": "如确需重新生成，请换一个“调度轮次”名称，或先把原文件移走。",
    "FILE_NOT_FOUND": "请检查文件名和所在文件夹。",
    "DISTRIBUTE_UNRESOLVED": "打开“任务清单.xlsx”，在这些任务的“实际责任单位”列写明由哪些单位落实（或在单位名录中补充），"
                             "再点一次；也可以在“跳过无法确定的单位”一栏选“是”，先下发其他任务。",
}


def _now() -> str:
    return dt.datetime.now().strftime("%Y-%m-%d %H:%M")


def _progress(panel: Panel, label: str):
    def update(done: int, total: int, name: str = "") -> None:
        step = max(1, total // 10)
        if done == total or done % step == 0:
            panel.progress(f"{label}：{done}/{total} {name}")
    return update


def setting(panel: Panel, name: str):
    """A setting as a step uses it, checked by the rules the browser panel checks it with."""
    s = SETTING[name]
    try:
        return checked(s, panel.get(name))
    except SettingError as exc:
        raise GongkaiError.of("SETTING_INVALID", detail=str(exc), where=s.where) from None


def _year(panel: Panel) -> int | None:
    return setting(panel, "GK_YEAR")


def _round(panel: Panel) -> str:
    return setting(panel, "GK_ROUND") or "第1次调度"


def _check_year(panel: Panel, year: int | None, other: int | None, source: str) -> None:
    """年度 typed differently from the plan's or the task list's year: refused unless confirmed."""
    if year and other and year != other and setting(panel, "GK_YEAR_CONFIRM") != YEAR_CHOICES[1]:
        raise GongkaiError.of("YEAR_MISMATCH", year=year, other=other, source=source)


def do_plan(panel: Panel, ws: Workspace) -> PlanResult:
    files = ws.plan_files(as_text(panel.get("GK_PLAN_FILES")))
    year = _year(panel)
    # an existing task list is parsed onto: the clerk's edits kept, a copy made; a list holding only last year's
    # carried tasks is not a parse yet: the plan's tasks are written and the kept rows follow (make_task_list)
    return make_task_list(PlanOptions(
        plans=files, output=ws.tasks, json_path=ws.tasks.with_suffix(".json"),
        registry_path=ws.registry if ws.registry.exists() else None, year=year, force=True,
        rules_path=ws.section_rules if ws.section_rules.exists() else None,
        accept=lambda plan: _check_plan_year(panel, year, plan)))


def _check_plan_year(panel: Panel, year: int | None, plan) -> None:
    """年度 against the plan's own year (its documents', not the year the reader was told), as read once."""
    if plan.stated is not None:
        _check_year(panel, year, plan.stated[1], f"工作要点《{plan.stated[0]}》")


def do_distribute(panel: Panel, ws: Workspace) -> DistributeResult:
    rnd = _round(panel)
    due, contact = setting(panel, "GK_DUE"), setting(panel, "GK_CONTACT")
    result = distribute(DistributeOptions(tasks=ws.tasks, output=ws.sent_dir / rnd,
        registry_path=ws.registry if ws.registry.exists() else None, due=due.date().isoformat() if due else None,
        round_name=rnd, contact=contact, progress=_progress(panel, "生成工作簿"), ledger=ws.ledger,
        skip_unresolved=setting(panel, "GK_SKIP_UNRESOLVED") == "是"))
    left_open = [s.label for s, v in ((SETTING["GK_DUE"], due), (SETTING["GK_CONTACT"], contact)) if not v]
    if left_open:
        result.problems.insert(0, Problem("DISTRIBUTE_LEFT_OPEN", params={"what": "“" + "”和“".join(left_open) + "”"}))
    return result


def do_collect(panel: Panel, ws: Workspace) -> CollectResult:
    """The round must have been distributed and the on-time units be units of the year: collect checks both
    through the ledger it opens once."""
    rnd = _round(panel)
    on_time = split_units(setting(panel, "GK_ON_TIME"))
    due = setting(panel, "GK_DUE")
    return collect(CollectOptions(
        folder=ws.back_dir, tasks=ws.tasks, output=ws.summary, ledger=ws.ledger,
        due=due.date().isoformat() if due else None, round_name=rnd,
        registry_path=ws.registry if ws.registry.exists() else None, progress=_progress(panel, "读取回收文件"),
        on_time=on_time, on_time_label=SETTING["GK_ON_TIME"].label, force=True,
        timezone=setting(panel, "GK_TIMEZONE") or None, sent_folder=ws.sent_dir))


def report_settings(panel: Panel, consolidated: bool) -> dict:
    """报告设置 as the report step uses them; a placeholder or missing required one stops the step."""
    values = {s.label: setting(panel, s.name) for s in REPORT_SETTINGS}
    if consolidated:
        organ = SETTING[REQUIRED_FOR_REPORT[0]]
        if not values[organ.label]:
            raise GongkaiError.of("SETTING_MISSING", label=organ.label, why="汇总报告的标题、正文和落款都要用",
                                  step="生成年度报告", where=organ.where)
        if not any(values[SETTING[n].label] for n in CONTACT_FOR_REPORT):
            first = SETTING[CONTACT_FOR_REPORT[0]]
            raise GongkaiError.of("SETTING_MISSING", label="”或“".join(SETTING[n].label for n in CONTACT_FOR_REPORT),
                                  why="报告导语中的联系方式，否则会印成空白", step="生成年度报告",
                                  where=first.where.replace(f"的“{first.label}”一栏", ""))
    return {SETTING_KEYS[k]: v for k, v in values.items() if k in SETTING_KEYS}


def do_report(panel: Panel, ws: Workspace) -> ReportResult:
    mode = setting(panel, "GK_REPORT_MODE")
    unit = setting(panel, "GK_REPORT_UNIT") or None
    if mode == "指定单位" and not unit:
        raise GongkaiError.of("SETTING_MISSING", label="指定单位", why="“年度报告范围”选了“指定单位”",
                              step="生成年度报告", where=SETTING["GK_REPORT_UNIT"].where)
    year = _year(panel)
    if year and ws.tasks.exists():
        plan, _ = read_task_list(ws.tasks)
        _check_year(panel, year, plan.year, "任务清单（工作要点）")
    last = previous_summary(ws)                # init --from: last year's summary, for 上年结转 and 五
    return make_reports(ReportOptions(summary=ws.summary, output=ws.report_dir,
        year=year, all_units=mode.startswith("全部"), consolidated=mode == "仅汇总报告",
        unit=unit if mode == "指定单位" else None, overwrite=setting(panel, "GK_FORCE") == "是",
        settings=report_settings(panel, consolidated=mode != "指定单位"), progress=_progress(panel, "生成报告"),
        previous=last if last.exists() else None, registry_path=ws.registry if ws.registry.exists() else None,
        # init --from: last year's reports, for the share of repeated sentences in 报告清单
        last_reports=last_reports(ws) if last_reports(ws).is_dir() else None))


# ------------------------------------------------------------------------------ the workbook's words

def _lines(problems, limit: int) -> str:
    return "".join("\n" + p.message for p in problems[:limit])


def verdict(result) -> str:
    """The status cell's first word: 完成 when the step did all it was asked, 部分完成 when some of it was
    refused or left as it was, 未生成 when nothing was made (never a green 完成 over 0 reports)."""
    if isinstance(result, ReportResult):
        if not result.written:
            return "未生成"
        return "完成" if len(result.written) == len(result.outcomes) else "部分完成"
    if isinstance(result, DistributeResult) and any(p.code == "DISTRIBUTE_LEFT_OPEN" for p in result.problems):
        return "完成（未设截止日期或联系人）"
    return "完成"


def word(result) -> tuple[str, str]:
    """(status cell, message) for a stage result, in the control workbook's words."""
    if isinstance(result, PlanResult):
        if result.merged:
            return (f"{result.tasks} 项任务，新解析有 {len(result.changes)} 处不同",
                    "任务清单已存在，您在其中做的修改（单位、实际责任单位、完成时限、报告栏目、删除和增加的行）全部保留；"
                    f"重新解析前的任务清单已备份为“{result.backup.name}”。"
                    + (f"\n新解析结果与任务清单有 {len(result.changes)} 处不同，列在任务清单的“{CHANGES_SHEET}”表中，"
                       "请逐项核对，需要采用的在“任务清单”表中修改；之后请重新生成分发工作簿、汇总。"
                       if result.changes else "\n新解析结果与任务清单一致，已生成的分发工作簿和汇总不受影响。"))
        return (f"{result.tasks} 项任务，{result.review} 项待确认",
                f"从 {result.sources} 个文件识别出 {result.tasks} 项任务、{result.units} 个单位名称，"
                f"其中 {result.review} 项需要确认（任务清单中黄色的行）。"
                + (f"\n原有文件已备份为“{result.backup.name}”。" if result.backup else ""))
    if isinstance(result, DistributeResult):
        return (f"已生成 {result.workbooks} 个单位工作簿" + (f"，未分解任务 {len(result.unassigned)} 项" if result.unassigned else ""),
                f"已生成 {result.workbooks} 个单位工作簿（共 {result.units} 个单位，{result.tasks} 项任务，"
                f"牵头任务 {result.lead_tasks} 项），下发清单：{result.listing.name}"
                + (f"\n其中 {result.carried} 个工作簿已带入该单位上一轮报送的内容（浅绿色），单位只需核对更新。"
                   if result.carried else "")
                + (f"\n未分解任务 {len(result.unassigned)} 项（{'、'.join(result.unassigned)}）没有下发，见下发清单“未分解任务”表。"
                   if result.unassigned else "")
                + (f"\n需要注意 {len(result.warnings)} 条：" + _lines(result.warnings, 8) if result.warnings else ""))
    if isinstance(result, CollectResult):
        h = result.headline
        return (f"已报送 {h.returned}/{h.expected} 个单位（未报送 {h.missing}，逾期报送 {h.late}），"
                f"任务已完成 {h.done}/{h.tasks} 项、逾期未完成 {h.overdue} 项，问题 {len(result.problems)} 条",
                ("没有新的工作簿，汇总表与上次相同，未重写。" if result.unchanged else "")
                + f"本次新读取 {result.new_files} 个文件；任务 {h.tasks} 项：已完成 {h.done}，推进中 {h.in_progress}，"
                f"未启动 {h.not_started}，逾期未完成 {h.overdue}（按任务计，口径见汇总表“总览”的指标说明）。"
                + ("\n需要处理的错误：" + _lines(result.errors, 6) if result.errors else ""))
    if isinstance(result, ReportResult):
        text = f"已生成 {len(result.written)} 份年度报告（共 {len(result.outcomes)} 份）。"
        round_notes = [p for p in result.problems if p.code == "REPORT_ROUND_NOT_YEAR_END"]
        if round_notes:
            text += "\n注意：" + round_notes[0].message
        if result.kept_existing:
            text += (f"\n“报告”文件夹中已有 {len(result.kept_existing)} 份报告，这次没有覆盖（不是数据问题）。"
                     "如需用最新数据重新生成，在“覆盖已有报告”一栏选“是”后再点一次；"
                     "生成后修改过的报告会先另存一份，不会丢失。")
        edited = [p for p in result.problems if p.code == "REPORT_EDITED_KEPT"]
        if edited:
            text += f"\n{len(edited)} 份报告在上次生成后被修改过，已另存：" + _lines(edited, 6)
        failed = [o for o in result.failed]
        if failed:
            names = "、".join(o.organ for o in failed[:10]) + (f"等 {len(failed)} 个" if len(failed) > 10 else "")
            text += (f"\n{len(failed)} 份报告的数据未通过校验或未能写入（{names}），详见“报告清单.xlsx”："
                     + _lines([p for o in failed for p in o.problems if p.severity == "error"], 6))
        if result.not_sent:
            text += f"\n{len(result.not_sent)} 个单位没有报送年度报告数据，未生成报告：" + \
                "、".join(o.organ for o in result.not_sent[:10]) + ("等" if len(result.not_sent) > 10 else "")
        if result.to_edit:
            text += (f"\n{len(result.to_edit)} 份报告中有通用表述或待填写的内容（如联系方式、存在问题），"
                     "请按“报告清单.xlsx”的“待改写”一栏逐份修改后再发布。")
        counts = [f"已生成 {len(result.written)} 份"]
        counts += [f"已有未覆盖 {len(result.kept_existing)} 份"] if result.kept_existing else []
        counts += [f"未通过校验 {len(failed)} 份"] if failed else []
        counts += [f"未报送 {len(result.not_sent)} 个单位"] if result.not_sent else []
        return "，".join(counts), text
    if type(result) in WORDS:
        return WORDS[type(result)](result)
    raise TypeError(type(result).__name__)


def relative(text: str, root: Path) -> str:
    """Paths inside the year folder as the clerk sees them from it (报告\\…), never the absolute path."""
    for base in {str(root), str(root.resolve())}:
        text = text.replace(base + os.sep, "").replace(base, "年度工作文件夹")
    return text


HANDLERS = {"plan": do_plan, "distribute": do_distribute, "collect": do_collect, "report": do_report}


# ------------------------------------------------------------------------------ issue 30: 催报

def _office(panel: Panel) -> str:
    """The office that signs notices: the organ of 报告设置 (as the panel holds it now) and its 办公室."""
    organ = as_text(panel.get(f"{REPORT_SHEET}!机关名称"))
    return f"{organ}办公室" if organ and not is_placeholder(organ) else ""


def do_remind(panel: Panel, ws: Workspace) -> RemindResult:
    rnd = _round(panel)
    new_due = setting(panel, "GK_REMIND_DUE")
    return remind(RemindOptions(ledger=ws.ledger, output=ws.root / "催报" / rnd,
        round_name=rnd, new_due=new_due.date().isoformat() if new_due else None,
        contact=as_text(panel.get("GK_CONTACT")), office=_office(panel), soon_days=int(setting(panel, "GK_SOON_DAYS")),
        returns=ws.back_dir, registry_path=ws.registry if ws.registry.exists() else None,
        timezone=setting(panel, "GK_TIMEZONE") or None))


def word_remind(result: RemindResult) -> tuple[str, str]:
    soon = f"，截止前提醒 {len(result.soon)} 个" if result.soon else ""
    text = (f"本轮（{result.round}）第 {result.run} 次催报：{len(result.owes)} 个单位欠报或需改正{soon}，"
            f"已写出催报通知和“催报消息.xlsx”：{result.output}")
    if result.owes:
        text += "\n" + "\n".join(f"{u.unit}：{'；'.join(u.asked)}" for u in result.owes[:8])
        if len(result.owes) > 8:
            text += f"\n……另有 {len(result.owes) - 8} 个单位，见“催报消息.xlsx”"
    elif not result.soon:
        text += "\n没有需要催报的单位。"
    return f"催报 {len(result.owes)} 个单位{soon}（第 {result.run} 次）", text


HANDLERS["remind"] = do_remind


def do_bulletin(panel: Panel, ws: Workspace) -> BulletinResult:
    scope = "year" if setting(panel, "GK_BULLETIN_SCOPE") == "全年" else "round"
    name = f"{_round(panel) if scope == 'round' else str(_year(panel) or '') + '年度'}政务公开工作情况通报"
    out = ws.root / "通报" / f"{name}.docx"
    if out.exists():                    # a draft the office may have edited is never replaced
        out = out.with_name(f"{name}（{dt.datetime.now():%Y%m%d-%H%M%S}）.docx")
    return bulletin(BulletinOptions(summary=ws.summary, output=out, scope=scope, settings=ws.root / SETTINGS_FILE,
                                    office=_office(panel)))


def word_bulletin(result: BulletinResult) -> tuple[str, str]:
    named = sum(len(v) for v in result.named.values())
    text = (f"已写出通报稿：{result.output.name}（在“通报”文件夹，可直接修改）。报送：应报 {result.expected}、"
            f"已报 {result.returned}（逾期 {result.late}）、未报 {result.missing}；任务已完成 {result.done}/{result.tasks}。"
            f"表扬 {len(result.praised)} 个单位，通报 {named} 个（次）。")
    if result.settings_written:
        text += f"\n表扬和通报的条件按默认规则，已写入“{result.settings.name}”，可修改后再点一次。"
    return f"通报稿已生成：表扬 {len(result.praised)}，通报 {named}", text


HANDLERS["bulletin"] = do_bulletin
WORDS = {RemindResult: word_remind, BulletinResult: word_bulletin}


def mark_stale(panel: Panel, result: PlanResult) -> None:
    """After the task list was written anew or a new parse differs from it, the later steps' 完成 no longer
    holds: their status says so (and is no longer shown as done)."""
    if result.merged and not result.changes:
        return
    why = "任务清单有待核对的重新解析结果" if result.merged else "任务清单已重新生成"
    for step in STEPS[1:]:
        old = as_text(panel.get(step.status_name))
        if old.startswith(("完成", "部分完成")):
            panel.set(step.status_name, f"需重新运行（{why}，{_now()}）；上次：{old}")


def run(action: str, panel: Panel) -> ActionResult:
    """Run one step; every outcome, success or failure, ends up in the workbook in Chinese."""
    step = STEP[action]
    status_name, label, next_step = step.status_name, step.label, step.next_step
    ws = Workspace(panel.book_dir)
    panel.set(status_name, f"运行中 {_now()}")
    panel.set("GK_MESSAGE", f"正在{label}，请稍候……")
    panel.flush()                 # others (a colleague's panel, a .cmd run) see that it runs
    panel.progress(f"正在{label}……")
    out = ActionResult(action, ok=False)
    try:
        out.result = HANDLERS[action](panel, ws)
        counts, message = word(out.result)
        state = verdict(out.result)
        panel.set(status_name, f"{state} {_now()} {counts}")
        if action == "plan":
            mark_stale(panel, out.result)
        panel.set("GK_MESSAGE", f"【{label}】{state}。\n{relative(message, ws.root)}" + (f"\n下一步：{next_step}" if state.startswith("完成") else ""))
        out.ok = True
    except GongkaiError as exc:
        out.problem = exc.problem
        hint = FIX_HINTS.get((action, exc.problem.code)) or FIX_HINTS.get(exc.problem.code, "")
        panel.set(status_name, f"失败 {_now()}")
        panel.set("GK_MESSAGE", f"【{label}】失败：{relative(exc.problem.message, ws.root)}" + (f"\n怎么办：{hint}" if hint else ""))
    except Exception as exc:  # noqa: BLE001 - never a Python traceback in front of office staff
        out.problem = Problem("INTERNAL_ERROR", params={"detail": f"{type(exc).__name__}：{exc}"})
        out.result = traceback.format_exc()
        panel.set(status_name, f"失败 {_now()}")
        panel.set("GK_MESSAGE", f"【{label}】失败：{out.problem.message}\n"
                                f"怎么办：请把本工作簿和“工作要点”“回收”文件夹中的文件发给维护人员。")
    finally:
        panel.progress("")
        panel.flush()
        report_conflicts(panel)
    out.message = as_text(panel.get("GK_MESSAGE"))
    if getattr(panel, "not_saved", False):
        out.message += (f"\n（年度工作文件夹 {ws.root} 不能写入（只读的共享盘或没有写权限），本次状态没有保存到控制台。"
                        "请把年度工作文件夹复制到本机可写的位置，或请管理员开放写权限。）")
    out.held = "" if getattr(panel, "not_saved", False) else panel.held
    return out


def report_conflicts(panel: Panel) -> None:
    """Settings not written because someone changed them meanwhile: said in the step's message."""
    said = panel.take_conflicts()
    if said:
        panel.set("GK_MESSAGE", f"{as_text(panel.get('GK_MESSAGE'))}\n{CONFLICTS_SAID}\n" + "\n".join(said))
        panel.flush()


def run_in_open_book(action: str, panel: Panel, console: Path) -> ActionResult:
    """The Excel button's route: what waited in the journal while the workbook was open is applied to it
    first, the step runs and its message names any setting not applied; only then the journal goes."""
    waited = apply_journal(panel, console)
    out = run(action, panel)
    forget_journal(console, waited)
    return out
