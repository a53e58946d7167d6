"""The next year from this one: ``gongkai init NEW --year 2022 --from OLD``.

API: ``init_from(root, year, previous_root, force=False) -> InitResult``.

The new year folder takes the old one's registry (its aliases keep the renames), its console settings (the
office contact, the report settings but the date), its classification rules and circular settings; the old
year's tasks not done (or not applicable) go into the new task list as carried over (来源 上年未完成, last
year's units and their last 落实情况) for the clerk to keep or drop; the old summary is kept as
汇总/上年汇总.xlsx, which the report step reads as the previous year (rule 6 上年结转, 上年度问题整改情况).
Parsing the new year's plan later keeps the carried-over rows the clerk left in the task list.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path


from . import unitbook as L
from .bulletin import SETTINGS_FILE
from .console import read_inputs
from .model import Plan, Task
from .panel import OpenpyxlPanel
from .problems import GongkaiError
from .reportsections import section_name
from .results import InitResult
from .summarybook import read_summary
from .tables import backup_copy
from .tasklist import CARRIED, add_last_detail, write_task_list
from .units import COOPERATE, LEAD, RESPONSIBLE, Unit, is_collective
from .workspace import Workspace, init_workspace

PREVIOUS_SUMMARY = "上年汇总.xlsx"
LAST_REPORTS = "上年报告"
KEEP_SETTINGS = ["GK_CONTACT", "GK_SKIP_UNRESOLVED", "GK_REPORT_MODE", "GK_SOON_DAYS", "GK_BULLETIN_SCOPE"]
NOT_KEPT_REPORT_SETTINGS = {"成文日期"}


def previous_summary(ws: Workspace) -> Path:
    return ws.root / "汇总" / PREVIOUS_SUMMARY


def last_reports(ws: Workspace) -> Path:
    """Last year's reports (as the writers left them), copied by init --from."""
    return ws.root / "汇总" / LAST_REPORTS


def init_from(root, year: int, previous_root, force: bool = False) -> InitResult:
    old = Workspace(Path(previous_root))
    if not old.console.exists():
        raise GongkaiError.of("NO_WORKSPACE", old.root)
    new = Workspace(Path(root))
    if new.root.resolve() == old.root.resolve():
        raise GongkaiError.of("BAD_ARGUMENT", detail="新年度文件夹不能与上年度文件夹相同")
    if new.tasks.exists() and not force:
        raise GongkaiError.of("OUTPUT_EXISTS", new.tasks)
    had_rules = new.section_rules.exists()
    result = init_workspace(new.root, year, registry=old.registry if old.registry.exists() else None, force=force)
    if old.section_rules.exists() and not had_rules:
        shutil.copyfile(old.section_rules, new.section_rules)
    if (old.root / SETTINGS_FILE).exists() and not (new.root / SETTINGS_FILE).exists():
        shutil.copyfile(old.root / SETTINGS_FILE, new.root / SETTINGS_FILE)
    _keep_settings(old.console, new.console)
    reports = [p for p in sorted(old.report_dir.glob("*.docx")) if not p.name.startswith(("~$", ".~"))]
    if reports:
        last_reports(new).mkdir(parents=True, exist_ok=True)
        for p in reports:
            if not (last_reports(new) / p.name).exists():
                shutil.copy2(p, last_reports(new) / p.name)
    result.source = old.root
    if old.summary.exists():
        last = read_summary(old.summary)
        if last.year and last.year != year - 1:
            raise GongkaiError.of("PREVIOUS_MISMATCH", old.summary.name, other=last.year, year=year, expected=year - 1)
        if previous_summary(new).exists():      # corrected by the office since, perhaps: a copy kept
            backup_copy(previous_summary(new))
        shutil.copyfile(old.summary, previous_summary(new))
        result.previous = previous_summary(new)
        carried = carried_tasks(last)
        if new.tasks.exists():                  # --force over a task list the clerk may have edited: a copy kept
            backup_copy(new.tasks)
        write_carried(carried, new.tasks, last, year)
        result.carried = len(carried)
    return result


def _keep_settings(old_console: Path, new_console: Path) -> None:
    inputs = read_inputs(old_console)
    panel = OpenpyxlPanel(new_console, echo=False)
    for name in KEEP_SETTINGS:
        if inputs.get(name) not in (None, ""):
            panel.set(name, inputs[name])
    kept = dict(inputs.get("__settings__") or [])
    if "报告设置" in panel.wb.sheetnames:
        for row in panel.wb["报告设置"].iter_rows(min_row=2):
            key = row[0].value
            if key in kept and key not in NOT_KEPT_REPORT_SETTINGS and kept[key] not in (None, ""):
                row[1].value = kept[key]
    panel.flush()


def carried_tasks(last) -> list[tuple[dict, list[Unit], str]]:
    """The old year's tasks not done: (task as the summary has it, its units with roles, each unit's last
    status and 落实情况 in words)."""
    out = []
    for t in last.tasks:
        if t["overall"] in (L.DONE, L.NA):
            continue
        leads = [x for x in re.split(r"[、]", re.sub(r"（未分解：.*?）", "", t["leads"])) if x]
        answers = {}
        roles = {}
        for name, ud in last.units.items():
            for e in ud.entries:
                if str(e.get("任务编号")) == t["id"]:
                    answers[name] = e
                    roles[name] = str(e.get("职责") or "")
        names = list(dict.fromkeys(leads + list(t["units"]) + list(answers)))
        status = {n: (str(answers[n].get("完成状态") or "") if n in answers else "") or t["units"].get(n) or "未报送"
                  for n in names}
        finished = [n for n in names if status[n] in (L.DONE, L.NA)]
        # a unit that finished its part is not asked again: the task carries over for the others
        units = [Unit(n, LEAD if n in leads else COOPERATE if roles.get(n) == "配合" else RESPONSIBLE, is_collective(n))
                 for n in names if n not in finished]
        words = []
        for n in names:
            if n in finished:
                continue
            e = answers.get(n)
            detail = " ".join(str(e.get(k) or "") for k in ("落实情况", "存在问题") if e.get(k)).strip() if e else ""
            words.append(f"{n}（{status[n]}）" + (f"：{detail}" if detail else ""))
        if finished:
            words.append(f"已完成或不适用的单位（不再列入）：{'、'.join(finished)}")
        out.append((t, units, "；".join(words)))
    return out


def write_carried(carried: list, tasks_path: Path, last, year: int) -> Path:
    """The new task list holding the carried-over tasks (before the new plan is parsed)."""
    tasks = []
    for t, units, _ in carried:
        review = (f"上年未完成任务（{last.year}年截至{last.round}：{t['overall']}）：继续落实的请核对单位并填写本年完成时限；"
                  "不再落实的删除本行")
        tasks.append(Task(t["id"], [t["section"]] if t["section"] else [], t["text"], "、".join(u.name for u in units),
                          units, None, f"上年时限：{t['deadline']}" if t["deadline"] else "", review=review, source=CARRIED,
                          report_section=section_name(t.get("report_section")) or ""))
    plan = Plan([CARRIED], f"{year}年政务公开工作要点（待解析，现为上年未完成任务）", year, tasks, [])
    write_task_list(plan, tasks_path, parsed=False)      # not a parse yet: the first parse writes the plan's tasks
    add_last_detail(tasks_path, {t["id"]: words for t, _, words in carried})
    return tasks_path


