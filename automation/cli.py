"""Command line: a thin adapter over the stage functions.  Every failure is one Chinese sentence."""
from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from .actions import run
from .bulletin import BulletinOptions, bulletin
from .collect import CollectOptions, collect
from .console import build_console
from .dates import parse_due
from .demo import run_demo
from .distribute import DistributeOptions, distribute
from .nextyear import init_from
from .panel import OpenpyxlPanel
from .plan import PlanOptions, make_registry, make_task_list
from .problems import GongkaiError
from .report import ReportOptions, make_reports
from .remind import RemindOptions, remind
from .results import (ActionResult, BulletinResult, CollectResult, ConsoleResult, DemoResult, DistributeResult, InitResult, PanelResult,
                      PlanResult, RegistryResult, RemindResult, ReportResult)
from .steps import STEPS
from .webpanel import serve
from .workspace import Workspace, find_workspace, init_workspace

EXIT_OK, EXIT_PARTLY, EXIT_USER, EXIT_INTERNAL = 0, 1, 2, 3
# What to do next, in command-line words (the control workbook has its own, in actions.FIX_HINTS).
CLI_HINTS = {"OUTPUT_EXISTS": "如需覆盖请加 --force，或用 -o 换一个输出位置。",
             "REPORT_EXISTS": "如需用最新数据重新生成并覆盖，加 --force（生成后修改过的报告会先另存为 …_手工修改_….docx）。",
             "REPORT_UNITS_UNUSABLE": "如要先生成不含这些单位的汇总报告，加 --exclude-unusable。",
             "DISTRIBUTE_UNRESOLVED": "核对任务清单后重新运行；如要先下发其他任务，加 --skip-unresolved（这些任务列为未分解）。"}


@dataclass
class Said:
    """What the terminal shows for a finished command, and the exit code."""
    lines: list[str]
    code: int = EXIT_OK


def _problem_lines(problems, limit: int) -> list[str]:
    shown = [f"  - {p.message}" for p in problems[:limit]]
    if len(problems) > limit:
        shown.append(f"  - ……另有 {len(problems) - limit} 条")
    return shown


def say(result) -> Said:
    """A stage result in the terminal's words: the wording of its type in SAYINGS."""
    for kind, words in SAYINGS.items():
        if isinstance(result, kind):
            return words(result)
    raise TypeError(type(result).__name__)


def _say_plan(result: PlanResult) -> Said:
    return Said([f"已从{result.sources}个文件识别出 {result.tasks} 项任务、{result.units} 个单位名称，"
                 f"其中 {result.review} 项需要人工确认。任务清单：{result.output}"]
                + ([f"JSON：{result.json}"] if result.json else [])
                + ([p.message for p in result.problems if p.code == "TASKLIST_REPARSED"] if result.merged else
                   [f"原有文件已备份为：{result.backup}"] if result.backup else []))


def _say_registry(result: RegistryResult) -> Said:
    return Said([f"已根据 {result.source.name} 生成单位名录草稿，共 {result.units} 个单位（集合名称未列入，"
                 f"请在“所属集合”列补充）：{result.output}"])


def _say_distribute(result: DistributeResult) -> Said:
    lines = [f"已生成 {result.workbooks} 个单位工作簿（共 {result.units} 个单位，{result.tasks} 项任务，"
             f"牵头任务 {result.lead_tasks} 项），下发清单：{result.listing}",
             f"下发记录已记入台账数据库：{result.ledger}"]
    if result.carried:
        lines.append(f"其中 {result.carried} 个工作簿带入了该单位上一轮报送的内容（浅绿色）。")
    if result.unassigned:
        lines.append(f"未分解任务 {len(result.unassigned)} 项没有下发：{'、'.join(result.unassigned)}（见下发清单“未分解任务”表）")
    if result.warnings:
        lines += [f"需要注意 {len(result.warnings)} 条："] + _problem_lines(result.warnings, 20)
    return Said(lines)


def _say_collect(result: CollectResult) -> Said:
    h = result.headline
    lines = [f"已汇总 {h.returned}/{h.expected} 个单位（本次新读取 {result.new_files} 个文件，未报送 {h.missing} 个，"
             f"逾期报送 {h.late} 个）；任务 {h.tasks} 项：已完成 {h.done}，推进中 {h.in_progress}，"
             f"未启动 {h.not_started}，逾期未完成 {h.overdue}（按任务计，见汇总表“总览”的指标说明）；发现问题 {len(result.problems)} 条。",
             f"汇总表：{result.output}" + ("（没有新的工作簿，汇总表与上次相同，未重写）" if result.unchanged else ""),
             f"台账数据库：{result.ledger}"]
    if result.errors:
        lines += _problem_lines(result.errors, 10) + ["  ……完整问题清单见汇总表“问题清单”工作表"]
    return Said(lines, EXIT_PARTLY if result.errors else EXIT_OK)


def _say_report(result: ReportResult) -> Said:
    lines = [f"已生成 {len(result.written)} 份年度报告（共 {len(result.outcomes)} 份），输出在：{result.output}"]
    where = "报告清单.xlsx" if result.listing else "下列信息"
    if result.kept_existing:
        lines.append(f"已有 {len(result.kept_existing)} 份报告，未覆盖（不是数据问题）")
    if result.failed:
        lines.append(f"{len(result.failed)} 份报告的数据未通过校验或未能写入，详见{where}")
    if result.not_sent:
        lines.append(f"{len(result.not_sent)} 个单位没有报送年度报告数据，未生成报告")
    lines += _problem_lines(result.problems, 20)
    if result.to_edit:
        lines.append(f"{len(result.to_edit)} 份报告中有通用表述或待填写的内容（如联系方式、存在问题），"
                     "请按报告清单“待改写”一栏逐份修改后再发布")
    lines += list(dict.fromkeys(CLI_HINTS[p.code] for p in result.problems if p.code in CLI_HINTS))
    return Said(lines, EXIT_PARTLY if result.not_passed else EXIT_OK)


def _say_init(result: InitResult) -> Said:
    lines = [f"已建立 {result.year} 年度工作文件夹：{result.workspace}"]
    if result.source:
        lines.append(f"已沿用 {result.source} 的单位名录、设置和分类规则"
                     + (f"；上年未完成的 {result.carried} 项任务已列入任务清单（来源“上年未完成”，黄色），请逐项决定保留或删除"
                        if result.carried else "")
                     + (f"；上年汇总表保存为 {result.previous}，生成年度报告时用于“上年结转”校验和上年度问题整改情况"
                        if result.previous else "") + "。")
    if result.excel_buttons:
        lines.append(f"请把工作要点文件放进“工作要点”文件夹，然后打开 {result.console.name}（启用宏）按步骤操作；"
                     f"使用 WPS 的办公室可双击文件夹中的 1-解析工作要点.cmd 等文件，或运行 gongkai panel 在浏览器中操作。")
    else:
        lines.append(f"这台电脑不能用 Excel 按钮（没有 xlwings），控制台是浏览器工作台：请把工作要点文件放进“工作要点”文件夹，"
                     f"然后双击“{result.launcher.name if result.launcher else '政务公开工作台'}”，"
                     f"或运行 gongkai panel \"{result.workspace}\"；设置和状态同样保存在 {result.console.name} 中。")
    return Said(lines)


def _say_panel(result: PanelResult) -> Said:
    return Said([f"政务公开工作台已退出（{result.workspace}）。"])


def _say_console(result: ConsoleResult) -> Said:
    return Said([f"已生成控制台：{result.console}（原有的输入和设置已保留）"])


def _say_action(result: ActionResult) -> Said:
    lines = [result.message]
    if result.held:
        lines.append(result.held)
    if result.ok:          # the stage's own rule: done with refusals or unreadable files is 1
        code = say(result.result).code if result.result is not None else EXIT_OK
    else:
        code = EXIT_INTERNAL if result.problem.code == "INTERNAL_ERROR" else EXIT_USER
    return Said(lines, code)


def _say_demo(result: DemoResult) -> Said:
    return Said([f"演示完成，全部输出在：{result.output.resolve()}"] +
                [f"{i}. {label}：{text}" for i, (label, text) in enumerate(result.steps.items())] +
                [f"打开 {result.console} 可看到每一步的状态和结果"
                 + ("。" if importlib.util.find_spec("xlwings") else
                    f"；这台电脑不能用 Excel 按钮，可运行 gongkai panel \"{result.console.parent}\" 在浏览器中操作。")])


def _say_remind(result: RemindResult) -> Said:
    lines = [f"本轮（{result.round}）第 {result.run} 次催报：{len(result.owes)} 个单位欠报或需改正，"
             f"截止前提醒 {len(result.soon)} 个单位。催报通知和“催报消息.xlsx”在：{result.output}",
             f"本次催报已记入台账数据库：{result.ledger}（下次汇总后“单位进度”显示催报次数）"]
    lines += [f"  - {u.unit}：{'；'.join(u.asked)}" for u in result.owes[:20]]
    if len(result.owes) > 20:
        lines.append(f"  - ……另有 {len(result.owes) - 20} 个单位")
    return Said(lines)


def _say_bulletin(result: BulletinResult) -> Said:
    lines = [f"已写出{'本轮' if result.scope == 'round' else '全年'}通报稿：{result.output}",
             f"应报送 {result.expected} 个单位，已报送 {result.returned} 个（逾期 {result.late}），未报送 {result.missing} 个；"
             f"任务 {result.tasks} 项，已完成 {result.done} 项，逾期未完成 {result.overdue} 项（与汇总表“总览”相同）。",
             f"表扬 {len(result.praised)} 个单位；通报：" + ("；".join(f"{k} {len(v)} 个" for k, v in result.named.items()) or "无")]
    if result.kept:
        lines.insert(1, f"原有的通报稿在生成后被修改过，已另存为 {result.kept.name}；新稿不含这些修改，请对照后把修改移过来。")
    if result.settings_written:
        lines.append(f"表扬和通报的条件按默认规则写入了 {result.settings}，可修改后重新生成。")
    if result.todo:
        lines.append("请在 Word 中补充：" + "、".join(result.todo))
    return Said(lines)


# Each result type in the terminal's words (say); a new stage adds its result type and wording here.
SAYINGS = {PlanResult: _say_plan, RegistryResult: _say_registry, DistributeResult: _say_distribute,
           CollectResult: _say_collect, ReportResult: _say_report, InitResult: _say_init, PanelResult: _say_panel,
           ConsoleResult: _say_console, ActionResult: _say_action, DemoResult: _say_demo, RemindResult: _say_remind,
           BulletinResult: _say_bulletin}


def _run_action(action: str, workspace, given=None) -> ActionResult:
    """The console's action on a year folder: the same code path as the Excel buttons.  ``given``: the
    subcommand's parsed arguments -- an option typed beside --workspace would be ignored (the console's settings
    rule), so it is refused, never dropped unsaid."""
    if given is not None:
        defaults = vars(build_parser().parse_args([given.command, "--workspace", str(workspace)]))
        typed = [k for k, v in vars(given).items() if k != "func" and v != defaults.get(k)]
        if typed:
            raise GongkaiError.of("BAD_ARGUMENT", detail=(
                f"用 --workspace 时按年度工作文件夹中 控制台.xlsm 的设置运行，{'、'.join('--' + k.replace('_', '-') for k in typed)}"
                " 不起作用：请在控制台中填写这些设置，或不用 --workspace 而直接给出文件和选项"))
    ws = find_workspace(workspace)
    return run(action, OpenpyxlPanel(ws.console))


def _stage_run(a):
    return _run_action(a.action, a.workspace)


def _stage_panel(a):
    ws = find_workspace(a.folder)
    server = serve(ws.root, open_browser=not a.no_browser)
    return PanelResult(ws.root, server.url)


def _stage_init(a):
    if a.previous_folder:
        return init_from(a.folder, a.year, a.previous_folder, force=a.force)
    return init_workspace(a.folder, a.year, registry=a.registry, force=a.force)


def _stage_console(a):
    return ConsoleResult(build_console(Workspace(Path(a.folder)).console, year=a.year))


def _stage_plan(a):
    if a.workspace:
        return _run_action("plan", a.workspace, a)
    if not a.plan:
        raise GongkaiError.of("BAD_ARGUMENT", detail="请给出工作要点文件，或用 --workspace 指定年度工作文件夹")
    return make_task_list(PlanOptions(plans=a.plan, output=a.output, json_path=a.json, registry_path=a.registry,
                                      year=a.year, force=a.force, rules_path=a.rules))


def _stage_registry(a):
    return make_registry(a.source, a.output, force=a.force)


def _stage_distribute(a):
    if a.workspace:
        return _run_action("distribute", a.workspace, a)
    if not a.tasks:
        raise GongkaiError.of("BAD_ARGUMENT", detail="请给出任务清单文件，或用 --workspace 指定年度工作文件夹")
    return distribute(DistributeOptions(tasks=a.tasks, output=a.output,
        registry_path=a.registry, due=a.due, round_name=a.round, template=a.template, units=a.units, force=a.force,
        password=a.password, contact=a.contact, progress=_progress("生成工作簿"), ledger=a.ledger,
        skip_unresolved=a.skip_unresolved, carry_forward=not a.no_carry))


def _stage_collect(a):
    if a.workspace:
        return _run_action("collect", a.workspace, a)
    if a.rebuild:
        if not a.ledger:
            raise GongkaiError.of("BAD_ARGUMENT", detail="重建汇总表需要用 --ledger 指明台账数据库")
    elif not a.folder or not a.tasks:
        raise GongkaiError.of("BAD_ARGUMENT", detail="请给出回收文件夹和 --tasks 任务清单，例如：gongkai collect 回收 --tasks 任务清单.xlsx")
    return collect(CollectOptions(
        folder=a.folder, tasks=a.tasks, output=a.output, ledger=a.ledger, due=a.due, round_name=a.round,
        registry_path=a.registry, progress=_progress("读取回收文件"), on_time=a.on_time or [], force=a.force,
        timezone=a.timezone, rebuild=a.rebuild))


def _stage_report(a):
    if a.workspace:
        return _run_action("report", a.workspace, a)
    if not a.summary:
        raise GongkaiError.of("BAD_ARGUMENT", detail="请给出汇总表文件，或用 --workspace 指定年度工作文件夹")
    if a.last_report and not Path(a.last_report).exists():
        raise GongkaiError.of("FILE_NOT_FOUND", a.last_report)
    return make_reports(ReportOptions(summary=a.summary, output=a.output,
        year=a.year, unit=a.unit, all_units=a.all, consolidated=a.consolidated, template=a.template,
        force=a.ignore_checks, overwrite=a.force, settings_path=a.settings,
        settings={"organ": a.organ} if a.organ else {}, covered=a.cover, previous=a.previous,
        progress=_progress("生成报告"), exclude_unusable=a.exclude_unusable, registry_path=a.registry,
        accept_midyear=a.accept_midyear, last_reports=a.last_report))


def _stage_remind(a):
    if a.workspace:
        return _run_action("remind", a.workspace, a)
    if not a.ledger:
        raise GongkaiError.of("BAD_ARGUMENT", detail="请用 --ledger 指明台账数据库，或用 --workspace 指定年度工作文件夹")
    as_of = None
    if a.today:
        day = parse_due(a.today)
        as_of = dt.datetime.combine(day, dt.datetime.now().time().replace(microsecond=0))
    return remind(RemindOptions(
        ledger=a.ledger, output=a.output, round_name=a.round, as_of=as_of, new_due=a.new_due, contact=a.contact, office=a.office,
        soon_days=a.soon_days, returns=a.returns, registry_path=a.registry))


def _stage_bulletin(a):
    if a.workspace:
        return _run_action("bulletin", a.workspace, a)
    if not a.summary:
        raise GongkaiError.of("BAD_ARGUMENT", detail="请给出汇总表文件，或用 --workspace 指定年度工作文件夹")
    return bulletin(BulletinOptions(summary=a.summary, output=a.output, scope="year" if a.year_scope else "round",
                                    settings=a.settings, office=a.office, force=a.force))


def _stage_demo(a):
    return run_demo(a.output, force=a.force)


def _progress(label: str):
    """A terminal progress bar (tqdm) when attached to a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        return None
    bar = {}

    def update(done: int, total: int, name: str = "") -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, desc=label, unit="个", leave=False)
        bar["bar"].n = done
        bar["bar"].set_postfix_str(name[:20])
        bar["bar"].refresh()
        if done >= total:
            bar["bar"].close()

    return update


class ChineseHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class ChineseParser(argparse.ArgumentParser):
    """argparse in the terminal's words: 用法/位置参数/选项 and its own error messages in Chinese (argparse
    translates only through gettext catalogues, which Python does not ship for Chinese).  Subcommand parsers
    are made of the same class."""
    HEADINGS = {"positional arguments:": "位置参数：", "options:": "选项：", "optional arguments:": "选项："}
    ERRORS = [(r"the following arguments are required: (.+)", r"缺少必需的参数：\1"),
              (r"unrecognized arguments: (.+)", r"无法识别的参数：\1"),
              (r"argument (.+?): invalid choice: '?(.*?)'? \(choose from (.+)\)", r"参数 \1：“\2”不是可选的值（可选：\3）"),
              (r"argument (.+?): invalid (int|float) value: '(.*)'", r"参数 \1：“\3”不是数字"),
              (r"argument (.+?): expected one argument", r"参数 \1 后面需要一个值"),
              (r"argument (.+?): expected at least one argument", r"参数 \1 后面至少需要一个值"),
              (r"argument (.+?): not allowed with argument (.+)", r"参数 \1 不能与 \2 同时使用"),
              (r"argument (.+?): ignored explicit argument '(.*)'", r"参数 \1 不接受值“\2”")]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    # what a value is, in the usage line and the option list (instead of WORKSPACE, OUTPUT …)
    METAVARS = {"workspace": "文件夹", "folder": "文件夹", "output": "路径", "json": "路径", "plan": "工作要点",
                "source": "文件", "tasks": "任务清单", "summary": "汇总表", "registry": "单位名录", "year": "年度",
                "due": "日期", "round": "轮次", "template": "模板", "units": "单位", "unit": "单位", "on_time": "单位",
                "cover": "单位", "password": "密码", "contact": "联系人", "ledger": "台账数据库", "rules": "规则文件",
                "organ": "机关名称", "settings": "报告设置", "previous": "上年汇总表", "new_due": "日期",
                "today": "日期", "office": "落款单位", "soon_days": "天数", "returns": "文件夹",
                "previous_folder": "上年文件夹", "last_report": "上年报告"}

    def add_argument(self, *names, **kwargs):
        given = kwargs.get("metavar")
        if isinstance(given, str) and given.isupper() and given.lower() in self.METAVARS:     # metavar="UNIT"
            kwargs["metavar"] = self.METAVARS[given.lower()]
        if "metavar" not in kwargs and "choices" not in kwargs and kwargs.get("action") in (None, "store", "append"):
            dest = kwargs.get("dest") or next((n.lstrip("-") for n in names if n.startswith("--")), names[0])
            if dest.replace("-", "_") in self.METAVARS:
                kwargs["metavar"] = self.METAVARS[dest.replace("-", "_")]
        return super().add_argument(*names, **kwargs)

    def format_help(self) -> str:
        return "\n".join(_aligned(self.HEADINGS.get(line, line)) for line in super().format_help().split("\n"))

    def error(self, message: str):
        for pattern, chinese in self.ERRORS:
            if re.fullmatch(pattern, message):
                message = re.sub(pattern, chinese, message)
                break
        self.print_usage(sys.stderr)
        self.exit(EXIT_USER, f"{self.prog}：错误：{message}\n运行 {self.prog} -h 查看说明。\n")


def _aligned(line: str) -> str:
    """An option line whose name holds Chinese (two columns a character, one to argparse): the help text moved
    back to argparse's column, or to the next line when the name reaches it."""
    m = re.match(r"^(  \S.*?)( {2,})(\S.*)$", line)
    if not m:
        return line
    wide = sum(1 for ch in m.group(1) if unicodedata.east_asian_width(ch) in "WF")
    if not wide:
        return line
    if len(m.group(2)) - wide >= 2:
        return m.group(1) + " " * (len(m.group(2)) - wide) + m.group(3)
    return m.group(1) + "\n" + " " * (len(m.group(1)) + len(m.group(2))) + m.group(3)


def build_parser() -> argparse.ArgumentParser:
    """The gongkai command line: one function per subcommand in COMMANDS."""
    p = ChineseParser(prog="gongkai", description="政务公开工作要点：任务台账下发、回收汇总、年度报告生成。")
    sub = p.add_subparsers(dest="command", metavar="命令")
    for add_command in COMMANDS:
        add_command(sub)
    return p


def _plan_command(sub) -> None:
    sp = sub.add_parser("plan", help="解析工作要点，生成任务清单（.xlsx）",
                        description="读取政务公开工作要点（.docx/.pdf/.txt，可多个文件组成一份要点，如通知及其附件），"
                                    "识别每项任务及其牵头、责任、配合单位、完成时限、频次和量化目标，写出供人工审核的任务清单。")
    sp.add_argument("plan", nargs="*", help="工作要点文件（.docx、.pdf、.txt；.doc/.wps 需先另存为 .docx）")
    sp.add_argument("--workspace", help="年度工作文件夹：按其中 控制台.xlsm 的设置运行（与 Excel 按钮相同）")
    sp.add_argument("-o", "--output", default="任务清单.xlsx", help="任务清单输出路径（默认：任务清单.xlsx）")
    sp.add_argument("--json", help="同时写出 JSON 格式任务清单的路径")
    sp.add_argument("--registry", help="单位名录 .xlsx：用于识别别名、标出名录中没有的单位")
    sp.add_argument("--year", type=int, help="年度（默认从标题识别）")
    sp.add_argument("--rules", help="总体情况分类规则.txt：按关键词决定每项任务写入年度报告“总体情况”的哪个小节（默认用内置规则）")
    sp.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")
    sp.set_defaults(func=_stage_plan)


def _registry_command(sub) -> None:
    sp = sub.add_parser("registry", help="根据工作要点或任务清单生成单位名录草稿",
                        description="列出要点中出现的全部具体单位，生成单位名录草稿，由办公室补充别名、类别、联系人和所属集合。")
    sp.add_argument("source", help="任务清单 .xlsx 或工作要点文件")
    sp.add_argument("-o", "--output", default="单位名录.xlsx", help="输出路径（默认：单位名录.xlsx）")
    sp.add_argument("--force", action="store_true", help="输出文件已存在时覆盖")
    sp.set_defaults(func=_stage_registry)


def _distribute_command(sub) -> None:
    sp = sub.add_parser("distribute", help="按单位生成任务台账工作簿（下发）",
                        description="读取（可能已人工修改的）任务清单，按单位名录展开“各镇街”等集合名称，为每个单位生成一份只含本单位任务的台账工作簿，并写出下发清单。")
    sp.add_argument("tasks", nargs="?", help="任务清单 .xlsx（gongkai plan 的输出）")
    sp.add_argument("--workspace", help="年度工作文件夹：按其中 控制台.xlsm 的设置运行（与 Excel 按钮相同）")
    sp.add_argument("-o", "--output", default="下发", help="输出文件夹（默认：下发）")
    sp.add_argument("--registry", help="单位名录 .xlsx")
    sp.add_argument("--due", help="报送截止日期，如 2021-07-10")
    sp.add_argument("--round", help="调度轮次名称，如 2021年第1次调度")
    sp.add_argument("--template", help="任务台账模板 .xlsx（默认使用内置模板）")
    sp.add_argument("--units", nargs="+", help="只重新生成这些单位的工作簿")
    sp.add_argument("--password", help="工作表保护密码（可选；保护只防误改，真正的防篡改靠文件内的校验值）")
    sp.add_argument("--contact", default="", help="办公室联系人及电话，写入每个工作簿的填报说明")
    sp.add_argument("--ledger", help="台账数据库，记录下发给了谁（默认：任务清单旁的 台账.sqlite）")
    sp.add_argument("--skip-unresolved", action="store_true",
                    help="任务清单中有不能确定是哪些单位的名称时，先下发其他任务，这些任务列为未分解")
    sp.add_argument("--no-carry", action="store_true", help="第二轮起不带入各单位上一轮报送的内容")
    sp.add_argument("--force", action="store_true", help="覆盖输出文件夹中已有的文件")
    sp.set_defaults(func=_stage_distribute)


def _collect_command(sub) -> None:
    sp = sub.add_parser("collect", help="汇总各单位报送的台账工作簿（回收）",
                        description="读取回收文件夹（含子文件夹）中各单位报送的工作簿，按下发时写入的身份信息识别单位，检查填报问题，"
                                    "记入台账数据库（每轮调度都保留），并生成汇总表。报送的文件只读不改。")
    sp.add_argument("folder", nargs="?", help="回收文件夹")
    sp.add_argument("--workspace", help="年度工作文件夹：按其中 控制台.xlsm 的设置运行（与 Excel 按钮相同）")
    sp.add_argument("--tasks", help="任务清单 .xlsx（与下发时相同，含人工修改）")
    sp.add_argument("-o", "--output", default="汇总.xlsx", help="汇总表输出路径（默认：汇总.xlsx）")
    sp.add_argument("--ledger", help="台账数据库（默认：任务清单旁的 台账.sqlite）")
    sp.add_argument("--registry", help="单位名录 .xlsx（与下发时相同）")
    sp.add_argument("--due", help="报送截止日期，如 2021-07-10（晚于此日期报送的单位标为逾期报送）")
    sp.add_argument("--round", help="调度轮次名称，如 2021年第1次调度")
    sp.add_argument("--on-time", nargs="+", help="办公室认定按时报送的单位（报送时间晚于截止日期也不计逾期）")
    sp.add_argument("--timezone", metavar="时区", help="办公室所在时区（默认 Asia/Shanghai 北京时间）：保存时间、是否逾期都按它判断，不按本机时区")
    sp.add_argument("--rebuild", action="store_true", help="只根据台账数据库重建汇总表（需 --ledger）")
    sp.add_argument("--force", action="store_true", help="汇总表已存在时覆盖（输入文件任何时候都不会被覆盖）")
    sp.set_defaults(func=_stage_collect)


def _report_command(sub) -> None:
    sp = sub.add_parser("report", help="生成政府信息公开工作年度报告（Word）",
                        description="根据汇总表（含人工修正的“年度报告数据”）生成年度报告：单位报告、本级政府汇总报告。"
                                    "2021年及以后按国办公开办函〔2021〕30号格式，2019、2020年按国办公开办函〔2019〕60号试行格式。"
                                    "生成前逐项校验表格数据的勾稽关系，未通过的报告不生成（除非 --ignore-checks）；"
                                    "已有的报告不覆盖（除非 --force）。")
    sp.add_argument("summary", nargs="?", help="汇总表 .xlsx（gongkai collect 的输出）")
    sp.add_argument("--workspace", help="年度工作文件夹：按其中 控制台.xlsm 的设置运行（与 Excel 按钮相同）")
    sp.add_argument("-o", "--output", default="报告", help="输出文件夹（默认：报告）")
    sp.add_argument("--year", type=int, help="报告年度（默认取工作要点年度）")
    sp.add_argument("--unit", help="只生成这个单位的报告")
    sp.add_argument("--all", action="store_true", help="生成每个单位的报告、汇总报告和报告清单.xlsx")
    sp.add_argument("--consolidated", action="store_true", help="生成本级政府汇总报告")
    sp.add_argument("--organ", help="汇总报告的机关名称，如 枣庄市市中区人民政府")
    sp.add_argument("--settings", help="报告设置 .xlsx（工作表“报告设置”：机关名称、地址、邮编、联系电话、电子邮箱、网站、网址、成文日期、汇总范围、人大代表建议和政协提案、其他需要报告的事项、上年度问题整改情况、接受年中数据的单位）")
    sp.add_argument("--registry", help="单位名录 .xlsx：各单位报告的机关全称、办公地址和联系电话")
    sp.add_argument("--cover", nargs="+", help="汇总报告合计的单位（默认：汇总表中有年度报告数据的全部单位）")
    sp.add_argument("--exclude-unusable", action="store_true",
                    help="汇总报告不计年度报告数据不可用的单位（默认：有这样的单位时汇总报告不生成）")
    sp.add_argument("--accept-midyear", nargs="+", metavar="UNIT",
                    help="确认使用这些单位的年中调度数据（默认：只用年终调度的数据，年中数据的单位不生成报告，汇总报告也不生成）")
    sp.add_argument("--previous", help="上一年度的汇总表：校验“上年结转”并在第五部分列出上年问题的整改情况")
    sp.add_argument("--template", help="年度报告模板 .docx（默认使用内置模板）")
    sp.add_argument("--last-report", help="上年度公开发布的年度报告 .docx（或存放上年各份报告的文件夹）：在报告清单中列出"
                                          "与上年重复的句子占比，超过一半的标红（固定表述不计）")
    sp.add_argument("--force", action="store_true",
                    help="覆盖已有报告（数据校验照常进行；生成后被修改过的报告先另存为 …_手工修改_….docx）")
    sp.add_argument("--ignore-checks", action="store_true",
                    help="数据校验未通过也生成（报告清单中标为“未通过（已强制生成）”）")
    sp.set_defaults(func=_stage_report)


def _remind_command(sub) -> None:
    sp = sub.add_parser("remind", help="催报：给欠报、逾期报送、未填完或数据有误的单位写催报通知和短信文本",
                        description="根据台账数据库，为本轮未报送（已过截止日期）、逾期报送、任务台账未填写完整或填报内容有错误的单位，"
                                    "各写一份催报通知（Word）和一条不超过200字的短信/微信文本（汇总在“催报消息.xlsx”中），"
                                    "只催要还没有报送或需要改正的内容；截止日期前几天仍未报送的单位列入“截止前提醒”。每次催报记入台账数据库。")
    sp.add_argument("--workspace", help="年度工作文件夹：按其中 控制台.xlsm 的设置运行（与按钮相同）")
    sp.add_argument("--ledger", help="台账数据库（汇总时写入的 台账.sqlite）")
    sp.add_argument("-o", "--output", default="催报", help="输出文件夹，每次催报在其中新建一个文件夹（默认：催报）")
    sp.add_argument("--round", help="调度轮次（默认：最近一轮）")
    sp.add_argument("--new-due", help="催报后的报送期限，如 2021-07-20（默认写“收到本通知后3个工作日内”）")
    sp.add_argument("--contact", default="", help="办公室联系人及电话")
    sp.add_argument("--office", default="", help="催报通知的落款单位，如 XX区人民政府办公室")
    sp.add_argument("--soon-days", type=int, default=3, help="截止日期前几天内仍未报送的单位列入截止前提醒（默认 3）")
    sp.add_argument("--returns", help="回收文件夹：其中有还没汇总的文件时不催报（先汇总）")
    sp.add_argument("--registry", help="单位名录 .xlsx：通知抬头用机关全称，补充联系人")
    sp.add_argument("--today", help="按这一天催报（默认今天），如 2021-07-12")
    sp.set_defaults(func=_stage_remind)


def _bulletin_command(sub) -> None:
    sp = sub.add_parser("bulletin", help="生成政务公开工作情况通报稿（Word）",
                        description="根据汇总表写出本轮（或全年）政务公开工作情况通报的可修改稿：按时、逾期、未报送的单位数，"
                                    "按任务和按单位的完成情况，数据质量，按“通报设置.xlsx”中的条件表扬和通报的单位；数字与汇总表“总览”一致。")
    sp.add_argument("summary", nargs="?", help="汇总表 .xlsx")
    sp.add_argument("--workspace", help="年度工作文件夹：按其中 控制台.xlsm 的设置运行（与按钮相同）")
    sp.add_argument("-o", "--output", default="政务公开工作情况通报.docx", help="输出文件（默认：政务公开工作情况通报.docx）")
    sp.add_argument("--year", dest="year_scope", action="store_true", help="通报全年情况（默认：本轮）")
    sp.add_argument("--settings", help="通报设置 .xlsx：表扬和通报的条件（不存在时按默认规则写出）")
    sp.add_argument("--office", default="", help="落款单位，如 XX区人民政府办公室")
    sp.add_argument("--force", action="store_true",
                    help="输出文件已存在时覆盖（生成后被修改过的通报稿先另存为 …_手工修改_….docx）")
    sp.set_defaults(func=_stage_bulletin)


def _init_command(sub) -> None:
    sp = sub.add_parser("init", help="建立年度工作文件夹（控制台.xlsm、单位名录、工作要点/下发/回收/汇总/报告）")
    sp.add_argument("folder", help="文件夹，如 2021年政务公开")
    sp.add_argument("--year", type=int, required=True, help="年度，如 2021")
    sp.add_argument("--registry", help="已有的单位名录 .xlsx（默认复制示例名录）")
    sp.add_argument("--from", dest="previous_folder",
                    help="上年度工作文件夹：沿用单位名录、设置、分类规则，上年未完成任务列入新任务清单，上年汇总表用于上年结转校验")
    sp.add_argument("--force", action="store_true", help="文件夹中已有控制台时重新生成（原有输入保留）")
    sp.set_defaults(func=_stage_init)


def _console_command(sub) -> None:
    sp = sub.add_parser("console", help="重新生成控制台.xlsm（保留已填写的输入和设置）")
    sp.add_argument("folder", nargs="?", default=".", help="年度工作文件夹（默认：当前文件夹）")
    sp.add_argument("--year", type=int, help="年度")
    sp.set_defaults(func=_stage_console)


def _run_command(sub) -> None:
    sp = sub.add_parser("run", help="不用 Excel 运行控制台的某一步（供 WPS 用户和 .cmd 文件使用）")
    sp.add_argument("action", choices=[s.key for s in STEPS],
                    help="plan=解析工作要点 distribute=生成分发工作簿 collect=汇总回收工作簿 report=生成年度报告 remind=催报 bulletin=生成情况通报")
    sp.add_argument("--workspace", default=".", help="年度工作文件夹（默认：当前文件夹）")
    sp.set_defaults(func=_stage_run)


def _panel_command(sub) -> None:
    sp = sub.add_parser("panel", help="在浏览器中打开控制台（统信、麒麟等不能用 Excel 按钮的电脑）")
    sp.add_argument("folder", nargs="?", default=".", help="年度工作文件夹（默认：当前文件夹）")
    sp.add_argument("--no-browser", action="store_true", help="不自动打开浏览器，只显示网址")
    sp.set_defaults(func=_stage_panel)


def _demo_command(sub) -> None:
    sp = sub.add_parser("demo", help="用内置样例（2021年市中区政务公开工作要点）演示全过程")
    sp.add_argument("-o", "--output", default="gongkai_demo", help="演示输出文件夹（默认：gongkai_demo）")
    sp.add_argument("--force", action="store_true", help="清空已有的演示输出文件夹后重新生成")
    sp.set_defaults(func=_stage_demo)


# The subcommands in the order `gongkai -h` lists them; each function adds its parser, arguments and stage.
COMMANDS = (_plan_command, _registry_command, _distribute_command, _collect_command, _report_command, _remind_command,
            _bulletin_command, _init_command, _console_command, _run_command, _panel_command, _demo_command)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        said = say(args.func(args))
    except GongkaiError as exc:
        hint = CLI_HINTS.get(exc.problem.code)
        print(f"错误：{exc.problem.message}" + (f"\n{hint}" if hint else ""), file=sys.stderr)
        return EXIT_USER
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return EXIT_USER
    except Exception as exc:  # noqa: BLE001 - the user sees one sentence, developers set GONGKAI_DEBUG
        if os.environ.get("GONGKAI_DEBUG"):
            raise
        print(f"程序内部错误（{type(exc).__name__}：{exc}）。请把输入文件和这条信息发给维护人员；"
              f"设置环境变量 GONGKAI_DEBUG=1 可显示详细信息。", file=sys.stderr)
        return EXIT_INTERNAL
    print("\n".join(said.lines), file=sys.stdout if said.code in (EXIT_OK, EXIT_PARTLY) else sys.stderr)
    return said.code


if __name__ == "__main__":
    sys.exit(main())
