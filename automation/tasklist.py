"""Contract of the task list workbook (任务清单.xlsx) staff review and edit: writer, read-back, JSON form.

Later stages read the workbook back: the clerk's edits (a unit added, a deadline fixed, a task
deleted) are what counts.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .dates import as_date
from .model import FREQ_CN, FREQ_FROM_CN, Plan, Task, cn_number, targets_text
from .problems import GongkaiError, Problem
from .reportsections import SECTIONS, classify, section_name
from .tables import (CALAMINE_ERRORS, cell_text, copy_style, read_rows, row_height_for, save_workbook, sheet_names,
                     style_header, write_text_row)
from .units import COOPERATE, LEAD, RESPONSIBLE, Unit, is_collective

TASK_SHEET = "任务清单"
UNIT_SHEET = "单位"
INFO_SHEET = "计划信息"
ACTUAL = "实际责任单位"       # filled by the clerk for names the registry cannot resolve
SECTION = "报告栏目"          # the subsection of the report's 一、总体情况 the task is told under
KEY = "任务标识"              # hidden: the task's identity, never changed once made; 任务编号 is a label
COLUMNS = ["任务编号", "一级标题", "二级标题", "任务内容", "责任单位原文", "牵头单位", "责任单位", "配合单位",
           "完成时限", "时限原文", "频次", "量化目标", SECTION, "来源", "待确认", ACTUAL, KEY]
WIDTHS = [10, 12, 14, 44, 18, 12, 22, 12, 11, 12, 6, 10, 10, 14, 18, 14]      # the visible columns
PARSED_SHEET = "解析结果"      # very hidden: what the last parse wrote, to tell the clerk's edits from a new parse's
CHANGES_SHEET = "重新解析差异"  # what a new parse would change, for the clerk to accept
# the columns the plan reader fills (compared when the plan is parsed again)
PARSED_COLUMNS = ["任务编号", "一级标题", "二级标题", "任务内容", "责任单位原文", "牵头单位", "责任单位", "配合单位",
                  "完成时限", "时限原文", "频次", "量化目标", SECTION]
REVIEW = "待确认"               # the parse's notes for the clerk; recorded with the parse, follows a new one (issue 25)
# optional columns hidden when no task has anything in them (the clerk may unhide them to fill them in)
HIDE_WHEN_EMPTY = ["二级标题", "牵头单位", "配合单位", "时限原文", "频次", "量化目标"]
REQUIRED = ["任务编号", "任务内容", "牵头单位", "责任单位", "配合单位"]


def _join(names: list[str]) -> str:
    return "、".join(names)


def write_task_list(plan: Plan, path: str | Path, registry=None, force: bool = True, parsed: bool = True) -> Path:
    """``parsed``: the tasks are a parse of the plan (recorded, so a later parse can tell the clerk's edits from
    its own changes); False for a list not parsed from a plan yet (last year's carried tasks)."""
    wb = Workbook()
    ws = wb.active
    ws.title = TASK_SHEET
    ws.append(COLUMNS)
    review_fill = PatternFill("solid", fgColor="FFF2CC")
    for r, t in enumerate(plan.tasks, 2):
        row = [t.id, t.path[0] if t.path else "", " / ".join(t.path[1:]), t.text, t.units_raw,
               _join(t.units_with(LEAD)), _join(t.units_with(RESPONSIBLE)), _join(t.units_with(COOPERATE)),
               t.deadline, t.deadline_text, FREQ_CN.get(t.frequency or "", ""),
               targets_text(t.targets), t.report_section or classify(t.path, t.text), t.source, t.review,
               _join(t.actual_units), t.key or t.id]
        write_text_row(ws, r, row)
    for name in HIDE_WHEN_EMPTY:
        c = COLUMNS.index(name) + 1
        if not any(ws.cell(r, c).value for r in range(2, ws.max_row + 1)):
            ws.column_dimensions[get_column_letter(c)].hidden = True
    style_header(ws, WIDTHS)
    key_col = get_column_letter(COLUMNS.index(KEY) + 1)
    ws.column_dimensions[key_col].hidden = True     # copied with its row, never shown: see settle_keys
    ws.column_dimensions[key_col].width = 12
    ws.column_dimensions["A"].number_format = "@"   # ids are text: "2021-01-05" typed by a clerk stays an id
    for r in range(2, ws.max_row + 1):
        ws.cell(r, 1).number_format = "@"
    deadline_col, review_col = COLUMNS.index("完成时限") + 1, COLUMNS.index("待确认") + 1
    section_col = get_column_letter(COLUMNS.index(SECTION) + 1)
    choose = DataValidation(type="list", formula1='"' + ",".join(SECTIONS) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle=SECTION, error="请从下拉列表中选择年度报告“总体情况”的小节",
                            showInputMessage=True, promptTitle=SECTION,
                            prompt="本任务在年度报告“一、总体情况”中写入哪个小节；分错了可改选")
    ws.add_data_validation(choose)
    choose.add(f"{section_col}2:{section_col}{max(2, ws.max_row)}")
    for r in range(2, ws.max_row + 1):
        ws.cell(r, deadline_col).number_format = "yyyy-mm-dd"
        ws.row_dimensions[r].height = row_height_for([(ws.cell(r, 4).value, WIDTHS[3]),
                                                      (ws.cell(r, 5).value, WIDTHS[4])], 13.5)
        if ws.cell(r, review_col).value:
            ws.cell(r, review_col).fill = review_fill
    write_units_sheet(wb, plan, registry)
    info = wb.create_sheet(INFO_SHEET)
    info.append(["项目", "内容"])
    info.append(["标题", plan.title])
    info.append(["年度", plan.year])
    info.append(["来源文件", "；".join(plan.source)])
    for i, d in enumerate(plan.documents, 1):
        info.append([f"文件{i}", "；".join(x for x in [d.get("title", ""), d.get("number", ""), d.get("date", "")] if x)])
    info.append(["说明", "可直接修改“任务清单”表中的单位、时限和内容，或删除不需要的任务行；后续下发以本表为准。"
                        "单位之间用顿号“、”分隔。黄色底色的行需要人工确认。“单位”表中“是否在名录中”为“否”的名称"
                        "（如“区政府有关部门”）无法确定是哪些单位：请在该任务的“实际责任单位”列写明由哪些单位落实，"
                        "或在单位名录中补充该名称。"])
    style_header(info, [12, 100], freeze=False)
    info.cell(1, 1).font = Font(name="宋体", bold=True)
    if parsed:
        _write_parsed(wb, [parsed_values(t) + [cell_text(t.review)] for t in plan.tasks])
    return save_workbook(wb, path, force=force)


def parsed_before(path: str | Path) -> bool:
    """Whether a task list holds a parse of the plan (so parsing again merges onto it): it has the record of the
    parse, or it was written before keys and records (every list then came from a parse)."""
    names = sheet_names(path)
    if PARSED_SHEET in names:
        return True
    rows = read_rows(path, TASK_SHEET if TASK_SHEET in names else names[0]) or [[]]
    return KEY not in [cell_text(c).strip() for c in rows[0]]


def write_units_sheet(wb, plan: Plan, registry=None, index: int | None = None) -> None:
    """The 单位 sheet: every unit named, with counts and registry status (made again on a new parse)."""
    review_fill = PatternFill("solid", fgColor="FFF2CC")
    if UNIT_SHEET in wb.sheetnames:
        index = wb.sheetnames.index(UNIT_SHEET)
        del wb[UNIT_SHEET]
    us = wb.create_sheet(UNIT_SHEET, index)
    us.append(["单位名称", "任务数", "牵头任务数", "是否集合名称", "是否在名录中", "名录标准名称", "集合包含的单位"])
    counts: dict[str, list[int]] = {}
    for t in plan.tasks:
        for u in t.units:
            c = counts.setdefault(u.name, [0, 0])
            c[0] += 1
            c[1] += u.role == LEAD
    for name, (n, lead) in counts.items():
        canon = registry.canonical(name) if registry else None
        members = registry.members(name) if registry else None
        known = "是" if (canon or members) else ("否" if registry else "未提供名录")
        us.append([name, n, lead, "是" if is_collective(name) else "否", known, canon or "",
                   _join(members) if members else ""])
    style_header(us, [30, 7, 9, 9, 9, 22, 60])
    for r in range(2, us.max_row + 1):
        if us.cell(r, 5).value == "否":
            for c in range(1, 8):
                us.cell(r, c).fill = review_fill


def parsed_values(task: Task) -> list[str]:
    """A task's parse-filled cells as text (PARSED_COLUMNS order), the way they are compared."""
    return [cell_text(v) for v in [
        task.id, task.path[0] if task.path else "", " / ".join(task.path[1:]), task.text, task.units_raw,
        _join(task.units_with(LEAD)), _join(task.units_with(RESPONSIBLE)), _join(task.units_with(COOPERATE)),
        task.deadline, task.deadline_text, FREQ_CN.get(task.frequency or "", ""), targets_text(task.targets),
        task.report_section or classify(task.path, task.text)]]


def _write_parsed(wb, rows: list[list[str]], keys: list[str] | None = None) -> None:
    """The very hidden record of the parse: key, then the parse-filled cells and its 待确认 note."""
    if PARSED_SHEET in wb.sheetnames:
        del wb[PARSED_SHEET]
    ps = wb.create_sheet(PARSED_SHEET)
    ps.sheet_state = "veryHidden"
    ps.append([KEY, *PARSED_COLUMNS, REVIEW])
    for i, row in enumerate(rows):
        ps.append([keys[i] if keys else row[0], *row])


def read_task_list(path: str | Path, cells: dict | None = None) -> tuple[Plan, list[Problem]]:
    """Read the (possibly edited) task list back into a Plan; problems are returned, not raised.
    ``cells``, when given, gets key -> (sheet row, the parse-filled cells as text) of every task read."""
    p = Path(path)
    names, rows, ix = _task_sheet(p)
    title, year, sources, documents = _plan_info(p) if INFO_SHEET in names else ("", None, [], [])
    problems: list[Problem] = []
    found = _task_rows(p, rows, ix, problems)
    key_letter = get_column_letter(ix[KEY] + 1) if KEY in ix else ""
    keys, unsaved, refused = settle_keys(
        [(r_i, tid, str(_cell(row, ix, "任务内容")).strip(), cell_text(_cell(row, ix, KEY)).strip() if KEY in ix else None)
         for r_i, row, tid in found])
    for r_i, first in refused.items():
        problems.append(Problem("TASKLIST_DUPLICATE_KEY", p.name, TASK_SHEET, f"{key_letter}{r_i}",
                                {"row": r_i, "first": first, "column": key_letter}))
    tasks: list[Task] = []
    for r_i, row, tid in found:
        if r_i in refused:
            continue
        key = keys[r_i]
        tid = tid or key
        if cells is not None:
            cells[key] = (r_i, dict(zip(PARSED_COLUMNS + [REVIEW],
                                        [tid] + [cell_text(_cell(row, ix, c)) for c in PARSED_COLUMNS[1:] + [REVIEW]])))
        tasks.append(_task(p, row, ix, r_i, tid, key, problems))
    plan = Plan(sources, title, year, tasks, documents, unsaved_keys=unsaved)
    return plan, problems


def _task_sheet(p: Path) -> tuple[list[str], list, dict[str, int]]:
    """The workbook's sheet names, the task sheet's rows and where each known column is; a file that is not a
    task list (unreadable, empty, a required column missing) is refused."""
    if not p.exists():
        raise GongkaiError.of("FILE_NOT_FOUND", p)
    try:
        names = sheet_names(p)
        sheet = TASK_SHEET if TASK_SHEET in names else names[0]     # a renamed sheet is still read
        rows = read_rows(p, sheet)
    except CALAMINE_ERRORS as exc:
        raise GongkaiError.of("TASKLIST_INVALID", p.name, detail=type(exc).__name__) from None
    if not rows:
        raise GongkaiError.of("TASKLIST_INVALID", p.name, detail="工作表为空")
    header = [str(c or "").strip() for c in rows[0]]
    for col in REQUIRED:
        if col not in header:
            raise GongkaiError.of("TASKLIST_MISSING_COLUMN", p.name, sheet=sheet, column=col)
    return names, rows, {name: header.index(name) for name in COLUMNS if name in header}


def _plan_info(p: Path) -> tuple[str, int | None, list[str], list[dict]]:
    """计划信息: the plan's title, year, source files and documents."""
    title, year, sources, documents = "", None, [], []
    for row in (read_rows(p, INFO_SHEET) or [])[1:]:
        key = str(row[0] or "").strip()
        val = row[1] if len(row) > 1 else ""
        if key == "标题":
            title = str(val or "")
        elif key == "年度":
            try:
                year = int(val) if val not in ("", None) else None
            except (TypeError, ValueError):
                year = None
        elif key == "来源文件":
            sources = [s for s in str(val or "").split("；") if s]
        elif key.startswith("文件"):
            documents.append({"title": str(val or "").split("；")[0]})
    return title, year, sources, documents


def _cell(row, ix: dict[str, int], name: str):
    """The row's value in column ``name`` ("" for a missing column, a short row or an empty cell)."""
    i = ix.get(name)
    v = row[i] if i is not None and i < len(row) else ""
    return "" if v is None else v


def _task_rows(p: Path, rows, ix: dict[str, int], problems: list[Problem]) -> list[tuple[int, list, str]]:
    """(sheet row, row, 任务编号) of every task row: blank rows skipped, a repeated 任务编号 refused (said)."""
    found: list[tuple[int, list, str]] = []
    seen: dict[str, int] = {}
    for r_i, row in enumerate(rows[1:], 2):
        tid = str(_cell(row, ix, "任务编号")).strip()
        text = str(_cell(row, ix, "任务内容")).strip()
        if not tid and not text:
            continue
        if tid in seen:
            problems.append(Problem("TASKLIST_DUPLICATE_ID", p.name, TASK_SHEET, f"A{r_i}",
                                    {"task": tid, "first": seen[tid]}))
            continue
        if tid:
            seen[tid] = r_i
        found.append((r_i, row, tid))
    return found


def _task(p: Path, row, ix: dict[str, int], r_i: int, tid: str, key: str, problems: list[Problem]) -> Task:
    """One task row as a Task; a 完成时限 that is not a date is left blank and said."""
    def cell(row, name):
        return _cell(row, ix, name)

    text = str(cell(row, "任务内容")).strip()
    units: list[Unit] = []
    for col, role in (("牵头单位", LEAD), ("责任单位", RESPONSIBLE), ("配合单位", COOPERATE)):
        for name in re.split(r"[、,，;；\n]+", str(cell(row, col))):
            name = name.strip()
            if name and name not in {u.name for u in units}:
                units.append(Unit(name, role, is_collective(name)))
    deadline = None
    raw_date = cell(row, "完成时限")
    try:
        deadline = as_date(raw_date)
    except ValueError:
        col_letter = get_column_letter(ix["完成时限"] + 1)
        problems.append(Problem("TASKLIST_BAD_DATE", p.name, TASK_SHEET, f"{col_letter}{r_i}",
                                {"value": str(raw_date)}))
    path = [x for x in [str(cell(row, "一级标题")).strip()] if x]
    path += [x.strip() for x in str(cell(row, "二级标题")).split(" / ") if x.strip()]
    targets = _targets_from_text(str(cell(row, "量化目标")))
    actual = [n.strip() for n in re.split(r"[、,，;；\n]+", str(cell(row, ACTUAL))) if n.strip()]
    return Task(tid, path, text, str(cell(row, "责任单位原文")), units, deadline,
                str(cell(row, "时限原文")), FREQ_FROM_CN.get(str(cell(row, "频次")).strip()),
                targets, str(cell(row, "待确认")), str(cell(row, "来源")), actual_units=actual,
                report_section=section_name(cell(row, SECTION)) or classify(path, text), key=key)


def added_key(text: str) -> str:
    """The key of a task the clerk added: from its text when it is first keyed (so the same row gets the same
    key until it is kept in the task list), never from its row number."""
    return "新增-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]


def settle_keys(rows: list[tuple[int, str, str, str | None]]) -> tuple[dict[int, str], dict[int, str], dict[int, int]]:
    """Keys for task rows (sheet row, label, text, key cell — None when the list has no key column).
    Returns (row -> key, row -> key made now and to be kept in the list, row refused -> the row it copies).

    A list written before keys existed: the key is the label as distributed then (a blank label was
    ``新增-<row>``), kept from now on.  A blank key cell (a row the clerk added): ``added_key``.  Rows sharing a
    key (a row copied to make a new task): the one that still is the task keyed keeps it — its label is the key,
    or its text made the key — the others get keys of their own; when that cannot be told, the copies are
    refused, with their cell.  (Its label first: a copy keeps the text it was copied with more often than the
    number.)"""
    keys: dict[int, str] = {}
    unsaved: dict[int, str] = {}
    refused: dict[int, int] = {}
    if rows and all(k is None for *_, k in rows):
        for r_i, label, _, _ in rows:
            keys[r_i] = unsaved[r_i] = label or f"新增-{r_i}"
        return keys, unsaved, refused
    groups: dict[str, list[tuple[int, str, str]]] = {}
    for r_i, label, text, key in rows:
        if key:
            groups.setdefault(key, []).append((r_i, label, text))
    taken = set(groups)
    for key, group in groups.items():
        if len(group) == 1:
            keys[group[0][0]] = key
            continue
        by_label = [g for g in group if g[1] == key]
        owners = by_label if len(by_label) == 1 else [g for g in group if key.startswith(added_key(g[2]))]
        if len(owners) == 1:
            keys[owners[0][0]] = key
        else:
            keys[group[0][0]] = key
            for r_i, _, _ in group[1:]:
                refused[r_i] = group[0][0]
    for r_i, label, text, key in rows:
        if r_i in keys or r_i in refused:
            continue
        base = added_key(text)
        new, n = base, 1
        while new in taken:
            n += 1
            new = f"{base}-{n}"
        taken.add(new)
        keys[r_i] = unsaved[r_i] = new
    return keys, unsaved, refused


def record_keys(path: str | Path, plan: Plan) -> bool:
    """Keep the keys made while reading the task list in it (the hidden 任务标识 column; a blank 任务编号 shows
    the key): a row added by the clerk keeps its key however rows move or its text changes later.  Only those
    cells are written; everything else in the clerk's workbook stays as it is.  False when there was nothing."""
    if not plan.unsaved_keys:
        return False
    wb = load_workbook(path)
    _put_keys(wb, plan)
    save_workbook(wb, path)
    plan.unsaved_keys = {}
    return True


def _put_keys(wb, plan: Plan) -> None:
    ws = wb[TASK_SHEET] if TASK_SHEET in wb.sheetnames else wb.worksheets[0]
    header = [str(c.value or "").strip() for c in ws[1]]
    if KEY in header:
        key_col = header.index(KEY) + 1
    else:                                  # a list from before keys: the column added, hidden
        key_col = len(header) + 1
        ws.cell(1, key_col, KEY).font = Font(name="宋体", bold=True)
        ws.column_dimensions[get_column_letter(key_col)].hidden = True
    id_col = header.index("任务编号") + 1
    for r_i, key in plan.unsaved_keys.items():
        ws.cell(r_i, key_col).value = key
        ws.cell(r_i, key_col).number_format = "@"
        if ws.cell(r_i, id_col).value in (None, ""):
            ws.cell(r_i, id_col).value = key
            ws.cell(r_i, id_col).number_format = "@"


# ------------------------------------------------------------------------------ parsing the plan again

@dataclass
class Change:
    """One thing a new parse of the plan would change in the reviewed task list (for the clerk to accept)."""
    task: str            # 任务编号 as the task list shows it (or as the new parse numbers a new task)
    kind: str
    column: str
    now: str
    new: str


NEW_PARSE, BOTH_CHANGED, NEW_TASK, GONE_TASK = ("新解析结果不同", "您改过，新解析结果也有变化", "新解析出的任务（任务清单中没有）",
                                                  "新解析中没有这项任务")
REVIEW_FOLLOWED = "待确认已按新解析更新"     # a note the clerk had not touched: the task list follows the new parse


def review_change(label: str, now: str, new: str, before: str | None) -> tuple[Change | None, str]:
    """The 待确认 note of one task on a new parse: (what is listed, what the record of the parse keeps).
    Untouched by the clerk (as the last parse wrote it), it follows the new parse (REVIEW_FOLLOWED: written
    into the task list); changed or cleared by the clerk, it stays, and a new parse's different note is listed
    until the clerk takes it over.  ``before`` None: a record from before notes were kept -- listed only."""
    if now == new:
        return None, new
    if before is None:
        return Change(label, NEW_PARSE, REVIEW, now, new), now
    if now == before:
        return Change(label, REVIEW_FOLLOWED, REVIEW, now, new), new
    if new == before:
        return None, before
    return Change(label, BOTH_CHANGED, REVIEW, now, new), before


def reparse_changes(plan: Plan, current: dict, parsed: dict) -> tuple[list[Change], dict[str, list[str]]]:
    """What parsing the plan again (``plan``, the new parse) would change in the task list as the clerk left
    it (``current``: key -> (row, cells), from ``read_task_list``), given what the previous parse wrote
    (``parsed``: key -> cells, from the hidden 解析结果 sheet; empty for lists from before it).

    A new task is matched to a key by its text (in the list, then in the previous parse), else by the id the
    previous parse gave the same place.  A cell is listed when the new parse differs from the list and either
    the clerk left it as parsed (the plan or the rules changed) or the new parse changed it too.  Rows the
    clerk deleted stay deleted and rows they added are not questioned.  Returns the changes and the new
    record of the parse (key -> cells): a cell the clerk has not taken over keeps its old parse, so the
    change is listed again next time until it is accepted."""
    def by_text(rows: dict) -> dict[str, str]:
        seen: dict[str, list[str]] = {}
        for key, c in rows.items():
            seen.setdefault(c["任务内容"], []).append(key)
        return {t: ks[0] for t, ks in seen.items() if len(ks) == 1}

    now_cells = {k: c for k, (_, c) in current.items()}
    in_list, in_parse = by_text(now_cells), by_text(parsed)
    in_text = {t.text for t in plan.tasks}
    used: set[str] = set()
    match: dict[int, str] = {}
    for i, t in enumerate(plan.tasks):            # by text first, for all: a task inserted shifts the ids
        key = next((k for k in (in_list.get(t.text), in_parse.get(t.text)) if k and k not in used), None)
        if key:
            match[i] = key
            used.add(key)
    pool = parsed or now_cells                    # a list from before the record: the list as it is
    for i, t in enumerate(plan.tasks):            # then a text changed in place: the id the same place had
        if i not in match and t.id in pool and t.id not in used and pool[t.id]["任务内容"] not in in_text:
            match[i] = t.id
            used.add(t.id)
    changes: list[Change] = []
    record: dict[str, list[str]] = {}
    for i, t in enumerate(plan.tasks):
        values = dict(zip(PARSED_COLUMNS, parsed_values(t)))
        key = match.get(i)
        if key is None:
            changes.append(Change(t.id, NEW_TASK, "整行", "", "；".join(f"{c}：{v}" for c, v in values.items() if v)))
            continue
        before = parsed.get(key)
        if key not in now_cells:                       # deleted by the clerk: stays deleted
            record[key] = [*values.values(), cell_text(t.review)]
            continue
        now = now_cells[key]
        before = before or now                         # a list from before the record: the list is the baseline
        kept = []
        for col in PARSED_COLUMNS:
            c, n, b = now[col], values[col], before.get(col, now[col])
            # 任务编号 is a label (the key is the task): a new parse numbering tasks anew is not a change
            if c != n and (c == b or n != b) and col != "任务编号":
                changes.append(Change(now["任务编号"], NEW_PARSE if c == b else BOTH_CHANGED, col, c, n))
            kept.append(n if c == n else b)
        note, kept_note = review_change(now["任务编号"], now.get(REVIEW, ""), cell_text(t.review),
                                        parsed[key].get(REVIEW) if key in parsed else None)
        changes += [note] if note else []
        record[key] = kept + [kept_note]
    for key, cells in parsed.items():                  # the new parse lost it: listed while the list has it
        if key in used:
            continue
        record[key] = [cells.get(c, "") for c in PARSED_COLUMNS + [REVIEW]]
        if key in now_cells:
            changes.append(Change(now_cells[key]["任务编号"], GONE_TASK, "整行", now_cells[key]["任务内容"], ""))
    if not parsed:                                     # a list from before the record: its parsed rows only
        for key, cells in now_cells.items():
            if key not in used and not key.startswith("新增-"):
                changes.append(Change(cells["任务编号"], GONE_TASK, "整行", cells["任务内容"], ""))
    return changes, record


def read_parsed(path: str | Path) -> dict[str, dict[str, str]]:
    """The hidden record of the last parse: key -> cells ({} for a list written before it)."""
    rows = read_rows(path, PARSED_SHEET) or []
    if not rows:
        return {}
    head = [cell_text(c) for c in rows[0]]
    out = {}
    for row in rows[1:]:
        cells = {h: cell_text(row[i]) if i < len(row) else "" for i, h in enumerate(head)}
        if cells.get(KEY):
            out[cells[KEY]] = cells
    return out


def merge_task_list(path: str | Path, plan: Plan, registry=None) -> tuple[Plan, list[Change]]:
    """Parse the plan again onto a reviewed task list: the list stays as the clerk left it (units, 实际责任单位,
    时限, 报告栏目, deleted and added rows, their own formatting); what the new parse would change is listed
    on the 重新解析差异 sheet; the 单位 sheet and the record of the parse are made again."""
    current: dict = {}
    now, _ = read_task_list(path, current)
    changes, record = reparse_changes(plan, current, read_parsed(path))
    wb = load_workbook(path)
    _follow_notes(wb, now, current, changes)
    _put_keys(wb, now)
    now.unsaved_keys = {}
    write_units_sheet(wb, now, registry)
    _write_parsed(wb, list(record.values()), list(record))
    if CHANGES_SHEET in wb.sheetnames:
        del wb[CHANGES_SHEET]
    if changes:
        ws = wb.create_sheet(CHANGES_SHEET, min(2, len(wb.sheetnames)))
        ws.append(["任务编号", "变化", "列", "任务清单中现在的内容", "新解析的内容"])
        for r, ch in enumerate(changes, 2):
            write_text_row(ws, r, [ch.task, ch.kind, ch.column, ch.now, ch.new])
        style_header(ws, [12, 22, 12, 50, 50])
        ws.sheet_properties.tabColor = "FFC000"
        ws.append([])
        ws.append(["说明", "重新解析工作要点时，任务清单中您做的修改全部保留。本表列出新解析结果与任务清单不同的地方："
                          "需要采用的，请在“任务清单”表中照“新解析的内容”修改（新任务可在末尾增加一行，任务编号留空）；"
                          "不采用的不用处理。"])
    save_workbook(wb, path)
    return now, changes




def _follow_notes(wb, plan: Plan, current: dict, changes: list[Change]) -> None:
    """Write the 待确认 notes that follow the new parse (REVIEW_FOLLOWED) into the task sheet, yellow when a
    note is left; only those cells change."""
    ws = wb[TASK_SHEET] if TASK_SHEET in wb.sheetnames else wb.worksheets[0]
    head = [cell_text(c.value).strip() for c in ws[1]]
    if REVIEW not in head:
        return
    col = head.index(REVIEW) + 1
    row_of = {cells["任务编号"]: r_i for r_i, cells in current.values()}
    task_of = {t.id: t for t in plan.tasks}
    for ch in changes:
        if ch.kind == REVIEW_FOLLOWED and ch.task in row_of:
            cell = ws.cell(row_of[ch.task], col)
            cell.value = ch.new or None
            cell.fill = PatternFill("solid", fgColor="FFF2CC") if ch.new else PatternFill(fill_type=None)
            if ch.task in task_of:
                task_of[ch.task].review = ch.new


def _targets_from_text(text: str) -> list[dict]:
    out = []
    for piece in re.split(r"[；;\n]+", text):
        m = re.search(r"([0-9]+(?:\.[0-9]+)?|[一二两三四五六七八九十百]+)\s*(%|个百分点|人次|场次|万元|[^\d\s，,。]?)\s*$",
                      piece.strip())
        if m:
            n = m.group(1)
            value = float(n) if "." in n else cn_number(n)
            if value is not None:
                out.append({"count": value, "unit": m.group(2), "text": piece.strip()})
    return out


def write_json(plan: Plan, path: str | Path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(plan.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    return p


# ------------------------------------------------------------------ last year's unfinished tasks (init --from)

CARRIED = "上年未完成"              # the 来源 of a carried-over task
LAST_DETAIL = "上年落实情况"        # the extra column: each unit's last status and 落实情况


def _last_detail_column(ws) -> tuple[list, int]:
    """The sheet's header and the 上年落实情况 column (added after the list's own columns when missing)."""
    header = [c.value for c in ws[1]]
    if LAST_DETAIL not in header:
        header.append(LAST_DETAIL)
        cell = ws.cell(1, len(header))
        cell.value = LAST_DETAIL
        copy_style(ws.cell(1, len(header) - 1), cell)
        ws.column_dimensions[cell.column_letter].width = 60
    return header, header.index(LAST_DETAIL) + 1


def add_last_detail(tasks_path: Path, detail: dict[str, str]) -> None:
    """Each carried task's last status and 落实情况, in the 上年落实情况 column."""
    wb = load_workbook(tasks_path)
    ws = wb[TASK_SHEET]
    header, col = _last_detail_column(ws)
    id_col = header.index("任务编号") + 1
    for r in range(2, ws.max_row + 1):
        tid = ws.cell(r, id_col).value
        if tid in detail:
            ws.cell(r, col).value = detail[tid]
    wb.save(tasks_path)


def carried_rows(tasks_path: Path) -> list[dict]:
    """The carried-over rows still in a task list (the clerk may have dropped some), as header -> value."""
    if not Path(tasks_path).exists():
        return []
    rows = read_rows(tasks_path, TASK_SHEET) or []
    if not rows:
        return []
    header = [str(h or "") for h in rows[0]]
    out = []
    for r in rows[1:]:
        d = dict(zip(header, r))
        if str(d.get("来源") or "").strip() == CARRIED and str(d.get("任务编号") or "").strip():
            out.append(d)
    return out


def append_carried(tasks_path: Path, rows: list[dict]) -> int:
    """Append the kept carried-over rows to a freshly parsed task list (ids already there are not repeated)."""
    if not rows:
        return 0
    wb = load_workbook(tasks_path)
    ws = wb[TASK_SHEET]
    header, _ = _last_detail_column(ws)
    id_col = header.index("任务编号") + 1
    ids = {ws.cell(r, id_col).value for r in range(2, ws.max_row + 1)}
    fill = PatternFill("solid", fgColor="FFF2CC")
    added = 0
    for d in rows:
        if d.get("任务编号") in ids:
            continue
        r = ws.max_row + 1
        for c, h in enumerate(header, 1):
            v = d.get(h)
            if v not in (None, ""):
                ws.cell(r, c).value = v if not isinstance(v, float) or h != "任务编号" else str(v)
        ws.cell(r, id_col).number_format = "@"
        ws.cell(r, COLUMNS.index("待确认") + 1).fill = fill
        added += 1
    wb.save(tasks_path)
    return added
