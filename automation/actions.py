"""What each button of the control workbook does, on a Panel (Excel through xlwings, or the closed
workbook through openpyxl).  The handlers call the same stage functions as the CLI."""
from __future__ import annotations

import datetime as dt
import re
import traceback

from .bulletin import SETTINGS_FILE, bulletin
from .collect import collect
from .distribute import distribute
from .nextyear import append_carried, carried_rows, last_reports, previous_summary
from .panel import Panel, as_text
from .plan import make_task_list
from .problems import GongkaiError, Problem
from .remind import remind
from .repeats import mark_repeats
from .report import make_reports, read_settings
from .results import (ActionResult, BulletinResult, CollectResult, DistributeResult, PlanResult, RemindResult,
                      ReportResult)
from .steps import STEP, STEPS
from .tasklist import CHANGES_SHEET
from .workspace import Workspace

FIX_HINTS = {
    "NO_PLAN_FILES": "请把工作要点文件（.docx/.pdf/.txt）放进“工作要点”文件夹，或在“工作要点文件”一栏填写文件名。",
    "OUTPUT_LOCKED": "请先在 Excel/WPS 中关闭该文件，再点一次按钮。",
    "OUTPUT_EXISTS": "如确需重新生成，请换一个“调度轮次”名称，或先把原文件移走。",
    ("report", "OUTPUT_EXISTS"): "如需覆盖，请在“覆盖已有报告”一栏选“是”后再点一次，或先把原报告移走。",
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


def _year(panel: Panel) -> int | None:
    v = panel.get("GK_YEAR")
    try:
        return int(float(v)) if v not in (None, "") else None
    except (TypeError, ValueError):
        raise GongkaiError.of("BAD_ARGUMENT", detail=f"年度“{v}”不是有效年份，请填写如 2021") from None


def _round(panel: Panel) -> str:
    return as_text(panel.get("GK_ROUND")) or "第1次调度"


def do_plan(panel: Panel, ws: Workspace) -> PlanResult:
    files = ws.plan_files(as_text(panel.get("GK_PLAN_FILES")))
    carried = carried_rows(ws.tasks)          # last year's unfinished tasks the clerk kept (init --from)
    # an existing task list is parsed onto: the clerk's edits kept, a copy made (make_task_list); a list holding
    # only last year's carried tasks is not a parse yet: the plan's tasks are written and the kept rows follow
    result = make_task_list(files, ws.tasks, ws.tasks.with_suffix(".json"),
                            ws.registry if ws.registry.exists() else None, _year(panel), force=True,
                            rules_path=ws.section_rules if ws.section_rules.exists() else None)
    if not result.merged:
        append_carried(ws.tasks, carried)
    return result


def do_distribute(panel: Panel, ws: Workspace) -> DistributeResult:
    rnd = _round(panel)
    return distribute(ws.tasks, ws.sent_dir / rnd, registry_path=ws.registry if ws.registry.exists() else None,
                      due=as_text(panel.get("GK_DUE")) or None, round_name=rnd,
                      contact=as_text(panel.get("GK_CONTACT")), progress=_progress(panel, "生成工作簿"),
                      ledger=ws.ledger, skip_unresolved=as_text(panel.get("GK_SKIP_UNRESOLVED")) == "是")


def do_collect(panel: Panel, ws: Workspace) -> CollectResult:
    on_time = [u.strip() for u in re.split(r"[、,，;；\s]+", as_text(panel.get("GK_ON_TIME"))) if u.strip()]
    return collect(ws.back_dir, ws.tasks, ws.summary, ledger=ws.ledger, due=as_text(panel.get("GK_DUE")) or None,
                   round_name=_round(panel), registry_path=ws.registry if ws.registry.exists() else None,
                   progress=_progress(panel, "读取回收文件"), on_time=on_time, force=True)


def do_report(panel: Panel, ws: Workspace) -> ReportResult:
    mode = as_text(panel.get("GK_REPORT_MODE")) or "全部单位和汇总报告"
    unit = as_text(panel.get("GK_REPORT_UNIT")) or None
    force = as_text(panel.get("GK_FORCE")) == "是"
    kwargs = {"all_units": mode.startswith("全部"), "consolidated": mode == "仅汇总报告",
              "unit": unit if mode == "指定单位" else None}
    if mode == "指定单位" and not unit:
        raise GongkaiError.of("BAD_ARGUMENT", detail="选择了“指定单位”，请在“指定单位”一栏填写单位名称")
    last = previous_summary(ws)                # init --from: last year's summary, for 上年结转 and 五
    kwargs["previous"] = last if last.exists() else None
    result = make_reports(ws.summary, ws.report_dir, year=_year(panel), force=force, settings_path=ws.console,
                          progress=_progress(panel, "生成报告"),
                          registry_path=ws.registry if ws.registry.exists() else None, **kwargs)
    if last_reports(ws).is_dir():              # init --from: last year's reports, for the share of repeated sentences
        mark_repeats(result, last_reports(ws))
    return result


# ------------------------------------------------------------------------------ the workbook's words

def _lines(problems, limit: int) -> str:
    return "".join("\n" + p.message for p in problems[:limit])


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
        if result.not_passed:
            names = [o.organ for o in result.not_passed]
            text += f"\n其中 {len(result.not_passed)} 份未通过数据校验或未覆盖（{'、'.join(names[:10])}" + \
                (f"等 {len(names)} 个" if len(names) > 10 else "") + "），详见“报告清单.xlsx”：" + \
                _lines(result.problems, 6)
        if result.to_edit:
            text += (f"\n{len(result.to_edit)} 份报告中有通用表述或待填写的内容（如联系方式、存在问题），"
                     "请按“报告清单.xlsx”的“待改写”一栏逐份修改后再发布。")
        return f"已生成 {len(result.written)} 份报告，校验通过 {len(result.passed)} 份", text
    if type(result) in WORDS:
        return WORDS[type(result)](result)
    raise TypeError(type(result).__name__)


HANDLERS = {"plan": do_plan, "distribute": do_distribute, "collect": do_collect, "report": do_report}


# ------------------------------------------------------------------------------ issue 30: 催报

def _office(ws: Workspace) -> str:
    """The office that signs notices: the organ of 报告设置 and its 办公室."""
    organ = read_settings(ws.console).get("organ", "") if ws.console.exists() else ""
    return f"{organ}办公室" if organ and "XX" not in organ else ""


def do_remind(panel: Panel, ws: Workspace) -> RemindResult:
    days = as_text(panel.get("GK_SOON_DAYS")) or "3"
    try:
        soon = int(float(days))
    except ValueError:
        raise GongkaiError.of("BAD_ARGUMENT", detail=f"“截止前几天提醒”应填天数，如 3，实为“{days}”") from None
    return remind(ws.ledger, ws.root / "催报" / _round(panel), round_name=_round(panel),
                  new_due=panel.get("GK_REMIND_DUE") or None, contact=as_text(panel.get("GK_CONTACT")),
                  office=_office(ws), soon_days=soon, returns=ws.back_dir,
                  registry_path=ws.registry if ws.registry.exists() else None)


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
    scope = "year" if as_text(panel.get("GK_BULLETIN_SCOPE")) == "全年" else "round"
    name = f"{_round(panel) if scope == 'round' else str(_year(panel) or '') + '年度'}政务公开工作情况通报"
    out = ws.root / "通报" / f"{name}.docx"
    if out.exists():                    # a draft the office may have edited is never replaced
        out = out.with_name(f"{name}（{dt.datetime.now():%Y%m%d-%H%M%S}）.docx")
    return bulletin(ws.summary, out, scope=scope, settings=ws.root / SETTINGS_FILE, office=_office(ws))


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
        if old.startswith("完成"):
            panel.set(step.status_name, f"需重新运行（{why}，{_now()}）；上次：{old}")


def run(action: str, panel: Panel) -> ActionResult:
    """Run one step; every outcome, success or failure, ends up in the workbook in Chinese."""
    step = STEP[action]
    status_name, label, next_step = step.status_name, step.label, step.next_step
    ws = Workspace(panel.book_dir)
    panel.set(status_name, f"运行中 {_now()}")
    panel.set("GK_MESSAGE", f"正在{label}，请稍候……")
    panel.progress(f"正在{label}……")
    out = ActionResult(action, ok=False)
    try:
        out.result = HANDLERS[action](panel, ws)
        counts, message = word(out.result)
        panel.set(status_name, f"完成 {_now()} {counts}")
        if action == "plan":
            mark_stale(panel, out.result)
        panel.set("GK_MESSAGE", f"【{label}】完成。\n{message}\n下一步：{next_step}")
        out.ok = True
    except GongkaiError as exc:
        out.problem = exc.problem
        hint = FIX_HINTS.get((action, exc.problem.code)) or FIX_HINTS.get(exc.problem.code, "")
        panel.set(status_name, f"失败 {_now()}")
        panel.set("GK_MESSAGE", f"【{label}】失败：{exc.problem.message}" + (f"\n怎么办：{hint}" if hint else ""))
    except Exception as exc:  # noqa: BLE001 - never a Python traceback in front of office staff
        out.problem = Problem("INTERNAL_ERROR", params={"detail": f"{type(exc).__name__}：{exc}"})
        out.result = traceback.format_exc()
        panel.set(status_name, f"失败 {_now()}")
        panel.set("GK_MESSAGE", f"【{label}】失败：{out.problem.message}\n"
                                f"怎么办：请把本工作簿和“工作要点”“回收”文件夹中的文件发给维护人员。")
    finally:
        panel.progress("")
        panel.flush()
    out.message = as_text(panel.get("GK_MESSAGE"))
    if getattr(panel, "not_saved", False):
        out.message += (f"\n（年度工作文件夹 {ws.root} 不能写入（只读的共享盘或没有写权限），本次状态没有保存到控制台。"
                        "请把年度工作文件夹复制到本机可写的位置，或请管理员开放写权限。）")
    out.saved_elsewhere = getattr(panel, "saved_elsewhere", None)
    return out
