"""What each button of the control workbook does, on a Panel (Excel through xlwings, or the closed
workbook through openpyxl).  The handlers call the same stage functions as the CLI."""
from __future__ import annotations

import datetime as dt
import shutil
import traceback

from .panel import Panel, as_text
from .problems import GongkaiError
from .workspace import Workspace

STEPS = {
    "plan": ("GK_STATUS_PLAN", "解析工作要点", "请打开“任务清单.xlsx”核对，黄色行需要确认；核对后点“生成分发工作簿”。"),
    "distribute": ("GK_STATUS_DISTRIBUTE", "生成分发工作簿", "按“下发清单.xlsx”把工作簿发给各单位；收回的文件放进“回收”文件夹后点“汇总回收工作簿”。"),
    "collect": ("GK_STATUS_COLLECT", "汇总回收工作簿", "打开“汇总\\汇总.xlsx”查看进度、未报送单位和问题清单；年底点“生成年度报告”。"),
    "report": ("GK_STATUS_REPORT", "生成年度报告", "打开“报告”文件夹修改润色各份报告，报告清单.xlsx 列出了每份报告的校验结果。"),
}
FIX_HINTS = {
    "NO_PLAN_FILES": "请把工作要点文件（.docx/.pdf/.txt）放进“工作要点”文件夹，或在“工作要点文件”一栏填写文件名。",
    "OUTPUT_LOCKED": "请先在 Excel/WPS 中关闭该文件，再点一次按钮。",
    "OUTPUT_EXISTS": "如确需重新生成，请换一个“调度轮次”名称，或先把原文件移走。",
    ("report", "OUTPUT_EXISTS"): "如需覆盖，请在“覆盖已有报告”一栏选“是”后再点一次，或先把原报告移走。",
    "FILE_NOT_FOUND": "请检查文件名和所在文件夹。",
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


def do_plan(panel: Panel, ws: Workspace) -> dict:
    from .tasklist import make_task_list

    files = ws.plan_files(as_text(panel.get("GK_PLAN_FILES")))
    if ws.tasks.exists():       # a clerk may have edited it: keep a copy, never lose their work
        backup = ws.tasks.with_name(f"任务清单（{dt.datetime.now():%Y%m%d-%H%M%S}备份）.xlsx")
        shutil.copy2(ws.tasks, backup)
    r = make_task_list(files, ws.tasks, ws.tasks.with_suffix(".json"),
                       ws.registry if ws.registry.exists() else None, _year(panel), force=True)
    return {"counts": f"{r['tasks']} 项任务，{r['review']} 项待确认", "message": r["message"]}


def do_distribute(panel: Panel, ws: Workspace) -> dict:
    from .distribute import distribute

    rnd = _round(panel)
    out = ws.sent_dir / rnd
    r = distribute(ws.tasks, out, registry_path=ws.registry if ws.registry.exists() else None,
                   due=as_text(panel.get("GK_DUE")) or None, round_name=rnd,
                   contact=as_text(panel.get("GK_CONTACT")), progress=_progress(panel, "生成工作簿"))
    return {"counts": f"已生成 {r['workbooks']} 个单位工作簿", "message": r["message"] +
            ("\n" + "\n".join(r["problems_shown"][:8]) if r["problems_shown"] else "")}


def do_collect(panel: Panel, ws: Workspace) -> dict:
    from .collect import collect

    r = collect(ws.back_dir, ws.tasks, ws.summary, ledger=ws.ledger, due=as_text(panel.get("GK_DUE")) or None,
                round_name=_round(panel), registry_path=ws.registry if ws.registry.exists() else None,
                progress=_progress(panel, "读取回收文件"))
    h = r["summary"]["headline"]
    errors = [p.message for p in r["problems"] if p.severity == "error"][:6]
    return {"counts": f"已报送 {h['returned']}/{h['expected']} 个单位（未报送 {h['missing']}，逾期报送 {h['late']}），"
                      f"任务完成 {h['done']}/{h['tasks']}、逾期 {h['overdue']}，问题 {len(r['problems'])} 条",
            "message": r["message"] + ("\n需要处理的错误：\n" + "\n".join(errors) if errors else "")}


def do_report(panel: Panel, ws: Workspace) -> dict:
    from .report import make_reports

    mode = as_text(panel.get("GK_REPORT_MODE")) or "全部单位和汇总报告"
    unit = as_text(panel.get("GK_REPORT_UNIT")) or None
    force = as_text(panel.get("GK_FORCE")) == "是"
    kwargs = {"all_units": mode.startswith("全部"), "consolidated": mode == "仅汇总报告",
              "unit": unit if mode == "指定单位" else None}
    if mode == "指定单位" and not unit:
        raise GongkaiError.of("BAD_ARGUMENT", detail="选择了“指定单位”，请在“指定单位”一栏填写单位名称")
    r = make_reports(ws.summary, ws.report_dir, year=_year(panel), force=force, settings_path=ws.console,
                     progress=_progress(panel, "生成报告"), **kwargs)
    ok = sum(1 for x in r["results"] if x["status"] == "通过")
    return {"counts": f"已生成 {len([x for x in r['results'] if x['file']])} 份报告，校验通过 {ok} 份",
            "message": r["message"] + ("\n" + "\n".join(r["problems_shown"][:6]) if r["problems_shown"] else "")}


HANDLERS = {"plan": do_plan, "distribute": do_distribute, "collect": do_collect, "report": do_report}


def run(action: str, panel: Panel) -> dict:
    """Run one step; every outcome, success or failure, ends up in the workbook in Chinese."""
    status_name, label, next_step = STEPS[action]
    ws = Workspace(panel.book_dir)
    panel.set(status_name, f"运行中 {_now()}")
    panel.set("GK_MESSAGE", f"正在{label}，请稍候……")
    panel.progress(f"正在{label}……")
    ok = False
    try:
        result = HANDLERS[action](panel, ws)
        panel.set(status_name, f"完成 {_now()} {result['counts']}")
        panel.set("GK_MESSAGE", f"【{label}】完成。\n{result['message']}\n下一步：{next_step}")
        ok = True
    except GongkaiError as exc:
        result = {"error": exc.problem}
        hint = FIX_HINTS.get((action, exc.problem.code)) or FIX_HINTS.get(exc.problem.code, "")
        panel.set(status_name, f"失败 {_now()}")
        panel.set("GK_MESSAGE", f"【{label}】失败：{exc.problem.message}" + (f"\n怎么办：{hint}" if hint else ""))
    except Exception as exc:  # noqa: BLE001 - never a Python traceback in front of office staff
        result = {"error": exc, "traceback": traceback.format_exc()}
        panel.set(status_name, f"失败 {_now()}")
        panel.set("GK_MESSAGE", f"【{label}】失败：程序内部错误（{type(exc).__name__}：{exc}）。\n"
                                f"怎么办：请把本工作簿和“工作要点”“回收”文件夹中的文件发给维护人员。")
    finally:
        panel.progress("")
        panel.flush()
    result["ok"] = ok
    result["message_cell"] = panel.get("GK_MESSAGE")
    return result
