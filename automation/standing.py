"""The state of the year from the ledger: per task, per unit, per round, with the problems to show.

``build_summary(con, round, as_of, due, notes) -> YearState`` is what the summary workbook and the collect
result are made of.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

from . import unitbook as L
from .ledgerdb import (accepted_files, answer, answers_to, file_figures, file_rounds, files_with_figures,
                       has_distribution, latest_reminders, ledger_file, on_time_units, ordered_rounds, reader,
                       recorded_problems, statuses, stored_plan, unit_dues, unpack_tasks)
from .model import task_key
from .problems import GongkaiError, Problem
from .rules import UNASSIGNED, carry_forward, is_late, is_overdue, overall_status, pick_latest, unit_counts



class FromLedger:
    """Data read from the ledger when looked at, through a connection of its own (opened on first use,
    again after ``close``), so the caller may look after collect has closed its own."""

    def __init__(self, ledger_path: str, file_of: dict[str, int]):
        self.path, self.file_of = ledger_path, file_of
        self._con = None

    def _db(self):
        if self._con is None:
            self._con = reader(self.path)
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


class Entries(FromLedger):
    """Each unit's latest answers — a city's 落实情况 are never all in memory at once.
    ``entries[(unit, task id)]`` is one answer (a dict of ENTRY_FIELDS); ``for_task(task id)`` all the units'
    answers to one task; only ``status_of`` (unit -> task id -> status) is kept in memory."""

    def __init__(self, ledger_path: str, file_of: dict[str, int], status_of: dict, picked: dict | None = None):
        super().__init__(ledger_path, file_of)
        self.status_of = status_of
        self.picked = picked or {}                 # a merged unit: task id -> the file its answer comes from
        self.unit_of = {fid: unit for unit, fid in file_of.items()}
        for unit, by_task in self.picked.items():
            self.unit_of.update((fid, unit) for fid in by_task.values())

    def _file(self, unit: str, task_id: str) -> int:
        return self.picked.get(unit, {}).get(task_id) or self.file_of[unit]

    def __contains__(self, key) -> bool:
        return key[1] in self.status_of.get(key[0], ())

    def __len__(self) -> int:
        return sum(map(len, self.status_of.values()))

    def get(self, key, default=None):
        if key not in self:
            return default
        found = answer(self._db(), self._file(*key), key[1])
        return default if found is None else found

    def __getitem__(self, key) -> dict:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def for_task(self, task_id: str) -> dict[str, dict]:
        """unit -> its answer to the task, for the units whose latest file answers it."""
        out = {}
        for fid, entry in answers_to(self._db(), task_id):
            unit = self.unit_of.get(fid)
            if unit is not None and self._file(unit, task_id) == fid:
                out[unit] = entry
        return out


class Figures(FromLedger, Mapping):
    """Each unit's figures (JSON in the ledger): unit -> dict."""

    def __getitem__(self, unit: str) -> dict:
        return file_figures(self._db(), self.file_of[unit])

    def __contains__(self, unit) -> bool:          # without reading the figures (Mapping's would)
        return unit in self.file_of

    def __iter__(self):
        return iter(self.file_of)

    def __len__(self) -> int:
        return len(self.file_of)


def _assignments(payload: dict, shared: dict) -> dict:
    """The payload's assignments with each unit's (task id, role) pairs unpacked (one pair for all units)."""
    out = {}
    for u, a in payload["assignments"].items():
        out[u] = {**a, "tasks": [shared.setdefault(pair, (sys.intern(pair[0]), sys.intern(pair[1])))
                                 for pair in unpack_tasks(a["tasks"])]}
    return out


def resolve(state: dict, assignments: dict, aliases: dict, rank) -> dict:
    """``state`` (file unit name -> record) seen as the round's units: a unit's record is the newest (by
    ``rank``) of those under its name or its other names (a renamed unit, units merged into it); names no
    unit of the round has keep their own record."""
    out, used = {}, set()
    for u in assignments:
        names = [n for n in (u, *aliases.get(u, ())) if n in state]
        if names:
            used.update(names)
            out[u] = max((state[n] for n in names), key=rank) if len(names) > 1 else state[names[0]]
    if not used:
        return state
    out.update((n, v) for n, v in state.items() if n not in used and n not in out)
    return out


def sources(state: dict, assignments: dict, aliases: dict, rank) -> dict[str, list]:
    """The units whose answers lie in more than one name's file (a unit merged into another, a renamed one):
    unit -> those records, newest (by ``rank``) first.  Each task then takes the newest answer among them."""
    out = {}
    for u in assignments:
        names = [n for n in (u, *aliases.get(u, ())) if n in state]
        if len(names) > 1:
            out[u] = sorted((state[n] for n in names), key=rank, reverse=True)
    return out


@dataclass
class YearState:
    """The state of the year as of one round: what the summary workbook and the collect result are made of.
    Read as attributes (``state.unit_rows``) or, as the summary writer has, by key (``state["unit_rows"]``)."""
    plan: dict                       # the task list as collected against (Plan.to_dict())
    round: str                       # the round this is the state as of
    as_of: dt.datetime
    due: dt.date | None              # the round's cut-off (units with their own: ``dues``)
    headline: dict                   # results.Headline's fields
    task_rows: list[dict]            # per task: task, units [(unit, role)], statuses, overall, overdue, unassigned
    unit_rows: list[dict]            # per unit: the 单位进度 columns (summarybook.UNIT_COLUMN_KEYS); ``data_round``
    #                                  names the round its answers and figures come from (carried forward)
    entries: Entries                 # (unit, task id) -> the unit's latest answer, read from the ledger
    figures: Figures                 # unit -> its latest figures, read from the ledger
    missing: list[str]               # units that did not return in this round
    problems: list[Problem]          # this round's, errors first
    history: list[Problem]           # earlier rounds' problems, newest round first
    trend: list[dict]                # per round up to this one, each as it was: round, returned, share, rate
    assignments: dict                # unit -> category, contact, phone, tasks [(task id, role)]
    dues: dict = field(default_factory=dict)     # unit -> its own cut-off (an extension)
    ledger: tuple[str, str] | None = None        # (identity, made) of the ledger it was built from

    def __getitem__(self, key: str):
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def __setitem__(self, key: str, value) -> None:
        setattr(self, key, value)

    def get(self, key: str, default=None):
        return getattr(self, key, default)


def build_summary(con, round_name: str | None, as_of: dt.datetime, due: dt.date | None, notes: list) -> YearState:
    """The state of the year as of ``round_name``: each unit's latest accepted answers from this round
    or, when it did not send again, from the latest round it did (progress never drops because a unit
    was silent); who sent in this round, on time (by its own cut-off) or late; the trend over the rounds
    that happened, each as it was (its own units and assignments)."""
    rounds = _rounds(con)
    if round_name is None:
        round_name = rounds[-1] if rounds else ""
    payload_text = stored_plan(con, round_name)
    if payload_text is None:
        raise GongkaiError.of("BAD_ARGUMENT", detail="台账数据库中还没有任何汇总记录")
    payload = json.loads(payload_text)
    plan = payload["plan"]
    tasks = plan["tasks"]
    shared: dict = {}                         # one (task id, role) pair for all the units that have it (a city)
    assignments = _assignments(payload, shared)
    aliases = payload["aliases"]
    upto = rounds[:rounds.index(round_name) + 1] if round_name in rounds else rounds
    order_of = {r: i for i, r in enumerate(rounds)}
    sent = {r: _sent_in(con, r) for r in upto}             # each round read once
    this_round, problems = sent[round_name] if round_name in sent else _sent_in(con, round_name)
    problems = list(problems)
    this_round = resolve(this_round, assignments, aliases, lambda v: (v[2], v[0]))
    states = carry_forward(upto, {r: sent[r][0] for r in upto})   # unit -> (file id, name, saved, source, round)
    rank = lambda v: (order_of.get(v[4], -1), v[2], v[0])          # noqa: E731 -- newest round, then saved
    state = resolve(states[-1] if states else {}, assignments, aliases, rank)
    stored, older = _stored_problems(con, round_name, order_of)
    problems += stored
    status_of, files_of, data_round = _latest_statuses(con, state)
    ledger_path = ledger_file(con)
    with_figures = files_with_figures(con)
    figure_of = {unit: v[0] for unit, v in state.items() if v[0] in with_figures}
    shown: dict[str, str] = {}                   # a merged unit's 报送文件: every file its answers come from
    picked = _merge_names(con, sources(states[-1] if states else {}, assignments, aliases, rank), assignments,
                          with_figures, (status_of, shown, data_round, figure_of), problems)
    latest = Latest(state=state, status_of=status_of, files_of=files_of, data_round=data_round)
    view = RoundView(name=round_name, payload_text=payload_text, tasks=tasks, assignments=assignments,
                     aliases=aliases, shared=shared)
    figures = Figures(ledger_path, figure_of)
    entries = Entries(ledger_path, {unit: v[0] for unit, v in state.items()}, status_of, picked)
    dues = unit_dues(con, round_name)                      # units given another cut-off (an extension)
    late, missing = _return_problems(con, this_round, assignments, due, dues, notes, problems, round_name)
    today = due or as_of.date()          # overdue as of the round's cut-off, so a rebuilt old round reads the same
    task_rows = _task_rows(tasks, assignments, status_of, payload["unassigned"], today)
    unit_rows = _unit_rows(con, view, latest, ThisRound(files=this_round, late=late, problems=problems), today)
    for row in unit_rows:
        row["file"] = shown.get(row["unit"], row["file"])
    trend = _trend(con, view, Upto(rounds=upto, order_of=order_of, sent=sent, states=states), latest)
    order = {p: i for i, p in enumerate(["error", "warning", "info"])}
    for p in problems:
        p.round = p.round or round_name
    problems.sort(key=lambda p: order[p.severity])
    headline = {"expected": len(assignments), "returned": sum(1 for u in this_round if u in assignments),
                "missing": len(missing), "late": len(late),
                "unassigned": sum(1 for r in task_rows if r["overall"] == UNASSIGNED),
                "tasks": len(tasks), "done": sum(1 for r in task_rows if r["overall"] == L.DONE),
                "in_progress": sum(1 for r in task_rows if r["overall"] == "推进中"),
                "not_started": sum(1 for r in task_rows if r["overall"] == "未启动"),
                "overdue": sum(1 for r in task_rows if r["overdue"])}
    return YearState(plan=plan, round=round_name, as_of=as_of, due=due, headline=headline, task_rows=task_rows,
                     unit_rows=unit_rows, entries=entries, figures=figures, missing=missing, problems=problems,
                     history=older, trend=trend, assignments=assignments, dues=dues)


# ------------------------------------------------------------------------------ build_summary's steps

@dataclass
class RoundView:
    """The round the state is built as of: its plan payload (as stored) and who was asked for what."""
    name: str
    payload_text: str
    tasks: list                      # the plan's tasks (dicts)
    assignments: dict                # unit -> category, contact, phone, tasks [(task id, role)]
    aliases: dict                    # unit -> its other names
    shared: dict                     # one (task id, role) pair for all the units that have it


@dataclass
class Upto:
    """The rounds up to this one, each read once from the ledger."""
    rounds: list[str]
    order_of: dict[str, int]         # every round -> its place in the year
    sent: dict                       # round -> (unit -> its latest file in the round, TWO_RETURNS problems)
    states: list                     # per round: unit -> its latest file as of that round (carried forward)


@dataclass
class Latest:
    """Each unit's latest file as of the round (carried forward) and what it says."""
    state: dict                      # unit -> (file id, name, saved, source, round)
    status_of: dict                  # unit -> task id -> status
    files_of: dict                   # unit -> the file's name
    data_round: dict                 # unit -> the round its answers come from


@dataclass
class ThisRound:
    """Who sent in this round, who of them late, and the round's problems so far."""
    files: dict                      # unit -> (file id, name, saved, source)
    late: list[str]
    problems: list[Problem]


def _rounds(con) -> list[str]:
    """The rounds in order: the recorded ones, then any a file names that no record does (should not happen)."""
    rounds = ordered_rounds(con)
    for r in file_rounds(con):
        if r not in rounds:
            rounds.append(r)
    return rounds


def _sent_in(con, rnd: str) -> tuple[dict, list]:
    """unit -> (file id, name, saved time, time source) of its latest accepted file in the round, and a
    TWO_RETURNS problem for each unit that sent more than one."""
    by_unit: dict[str, list] = {}
    for fid, name, unit, saved, source in accepted_files(con, rnd):
        by_unit.setdefault(unit, []).append((fid, name, saved, source))
    chosen, extra = {}, []
    for unit, lst in by_unit.items():
        chosen[unit], why = pick_latest(lst)
        if len(lst) > 1:
            extra.append(Problem("TWO_RETURNS", params={"unit": unit, "files": "、".join(x[1] for x in lst),
                                                         "used": chosen[unit][1], "why": why}))
    return chosen, extra


def _stored_problems(con, round_name: str, order_of: dict) -> tuple[list[Problem], list[Problem]]:
    """The problems the ledger recorded: this round's, and earlier rounds' (newest round first)."""
    this, older = [], []
    for rnd, p in recorded_problems(con):
        (this if rnd == round_name else older).append(p)
    older.sort(key=lambda p: -order_of.get(p.round, -1))
    return this, older


def _latest_statuses(con, state: dict) -> tuple[dict, dict, dict]:
    """For each unit's latest file: task id -> status (every answer), the file's name, and its round."""
    status_of: dict[str, dict[str, str | None]] = {}
    files_of: dict[str, str] = {}
    data_round: dict[str, str] = {}
    for unit, (fid, name, saved, source, rnd) in state.items():
        files_of[unit] = name
        data_round[unit] = rnd
        status_of[unit] = {sys.intern(tid): sys.intern(st) if st else st
                           for tid, st in statuses(con, fid)}
    return status_of, files_of, data_round


def _merge_names(con, merged: dict[str, list], assignments: dict, with_figures: set, latest: tuple,
                 problems: list) -> dict:
    """A unit whose names' files all hold answers (units merged into it, a renamed unit): each task takes the
    newest answer any of them gave; its 报送文件 names every file used and how many answers each gave, and an
    answer taken from an older name's file is said (MERGED_ANSWERS).  Its figures are its newest file's, as for
    any unit -- never a sum, never an older name's in place of a blank: another name's file that reported figures
    is named (MERGED_FIGURES, or MERGED_FIGURES_UNUSED when the newest left them blank); its 数据轮次 is the round
    of the figures used (what the annual report checks).  ``latest``: the unit ->
    statuses, 报送文件 shown, data round and figure file maps, updated here.  Returns unit -> task id -> file id."""
    status_of, files_of, data_round, figure_of = latest
    picked = {}
    for unit, records in merged.items():
        merged_st, by_task, given = {}, {}, {}
        mine = {tid for tid, _ in assignments[unit]["tasks"]}
        for fid, *_ in records:                              # newest first: the first answer to a task stands
            for tid, st in statuses(con, fid):
                if tid not in merged_st:
                    merged_st[sys.intern(tid)], by_task[tid] = sys.intern(st) if st else st, fid
                    given[fid] = given.get(fid, 0) + (tid in mine)     # counted: the unit's tasks of this round
        status_of[unit], picked[unit] = merged_st, by_task
        used = [r for r in records if given.get(r[0])] or records[:1]
        if len(used) > 1:
            files_of[unit] = "；".join(f"{r[1]}（{r[4] or '未命名轮次'}，{given[r[0]]} 项）" for r in used)
        for r in used[1:]:
            problems.append(Problem("MERGED_ANSWERS", r[1], params={
                "unit": unit, "count": given[r[0]], "round": r[4] or "未命名轮次", "main": used[0][1]}))
        # figures as for any unit: its newest file's (blank there is FIGURES_NOT_REPORTED, never another name's)
        chosen = records[0]
        data_round[unit] = chosen[4]
        if chosen[0] in with_figures:
            figure_of[unit] = chosen[0]
        reported = [r for r in records if r[0] in with_figures and _figures_reported(con, r[0])]
        others = [r for r in reported if r is not chosen]
        said = {"unit": unit, "round": chosen[4] or "未命名轮次",
                "others": "、".join(f"{r[1]}（{r[4] or '未命名轮次'}）" for r in others)}
        if others and chosen in reported:
            problems.append(Problem("MERGED_FIGURES", chosen[1], params=said))
        elif others:                                   # the newest left them blank: not replaced by an older name's
            problems.append(Problem("MERGED_FIGURES_UNUSED", chosen[1], params=said))
    return picked


def _figures_reported(con, fid: int) -> bool:
    """Whether a file's 年度报告数据 (it has some) was filled in (its status is not 未报送)."""
    return file_figures(con, fid).get(L.FIGURE_STATUS) != L.FIGURES_MISSING


def _return_problems(con, this_round: dict, assignments: dict, due, dues: dict, notes: list,
                     problems: list, round_name: str) -> tuple[list[str], list[str]]:
    """Who sent late (by its own cut-off) and who sent nothing, added to ``problems`` with the run's notes;
    returns (late units, missing units)."""
    on_time = set(on_time_units(con, round_name))
    late = []
    for unit, v in this_round.items():
        saved, own = v[2], dues.get(unit, due)
        if unit in assignments and unit not in on_time and v[3] != "时间不可信" \
                and is_late(saved, own):                 # a PC clock far ahead: lateness not judged by it
            late.append(unit)
            problems.append(Problem("LATE", v[1], params={
                "unit": unit, "time": saved.replace("T", " "), "due": own.isoformat(), "source": v[3]}))
    missing = [u for u in assignments if u not in this_round]
    no_contact = [u for u in missing if not (assignments[u]["contact"] or assignments[u]["phone"])]
    for u in missing:
        a = assignments[u]
        known = "，".join(f"{k}：{v}" for k, v in (("联系人", a["contact"]), ("电话", a["phone"])) if v)
        problems.append(Problem("NOT_RETURNED", params={"unit": u, "contact": a["contact"], "phone": a["phone"],
                                                        "contacts": f"（{known}）" if known else ""}))
    if no_contact:                 # said once, not as "联系人：—，电话：—" on every unit's line
        problems.append(Problem("CONTACTS_MISSING", params={
            "count": len(no_contact), "units": "、".join(no_contact[:3]) + ("等" if len(no_contact) > 3 else "")}))
    problems += notes
    if not has_distribution(con):
        problems.append(Problem("NO_DISTRIBUTION_RECORD"))
    return late, missing


def _task_rows(tasks: list, assignments: dict, status_of: dict, unassigned: dict, today: dt.date) -> list[dict]:
    """Per task: its status over its responsible units (lead first; cooperating units do not block)."""
    task_units: dict[str, list[tuple[str, str]]] = {}
    pairs: dict = {}                             # a unit's (name, role) pair shared by its tasks
    for u, a in assignments.items():
        for tid, role in a["tasks"]:
            task_units.setdefault(tid, []).append(pairs.setdefault((u, role), (u, role)))
    task_rows = []
    for t in tasks:
        key = task_key(t)
        units = sorted(task_units.get(key, []), key=lambda ur: ({"lead": 0, "responsible": 1}.get(ur[1], 2), ur[0]))
        statuses = {u: status_of.get(u, {}).get(key) for u, _ in units}
        overall = overall_status(units, statuses)
        deadline = dt.date.fromisoformat(t["deadline"]) if t.get("deadline") else None
        overdue = is_overdue(deadline, today, overall)
        task_rows.append({"task": t, "units": units, "statuses": statuses, "overall": overall, "overdue": overdue,
                          "unassigned": unassigned.get(key, "")})
    return task_rows


def _unit_rows(con, view: RoundView, latest: Latest, sent: ThisRound, today: dt.date) -> list[dict]:
    """Per unit: its tasks counted by status, when and what it sent, its problems and reminders."""
    problem_count: dict[str, int] = {}
    unit_of_file: dict[str, str] = {}                # a file's name -> the (first) unit it is the file of
    for u, name in latest.files_of.items():
        unit_of_file.setdefault(name, u)
    for p in sent.problems:
        u = p.params.get("unit") or unit_of_file.get(p.file)
        if u:
            problem_count[u] = problem_count.get(u, 0) + 1
    deadlines = {task_key(t): (dt.date.fromisoformat(t["deadline"]) if t.get("deadline") else None) for t in view.tasks}
    reminded = latest_reminders(con, view.name)          # 催报 of this round: unit -> (times, when last)
    unit_rows = []
    for u, a in view.assignments.items():
        ids = [tid for tid, _ in a["tasks"]]
        mine = latest.status_of.get(u, {})
        counts = unit_counts([mine.get(tid) for tid in ids], [deadlines.get(tid) for tid in ids], today)
        got = sent.files.get(u)
        unit_rows.append({"unit": u, "category": a["category"], **counts, "returned_at": got[2] if got else None,
                          "time_source": got[3] if got else "", "data_round": latest.data_round.get(u, ""),
                          "file": latest.files_of.get(u), "late": u in sent.late, "problems": problem_count.get(u, 0),
                          "contact": a["contact"], "phone": a["phone"],
                          "reminded": reminded.get(u, (0, ""))[0], "reminded_at": reminded.get(u, (0, ""))[1]})
    return unit_rows


def _trend(con, view: RoundView, upto: Upto, latest: Latest) -> list[dict]:
    """The trend over the rounds that happened, each round as it was: its own units and assignments."""
    trend = []
    done_in: dict[tuple, int] = {}                         # (round, file id) -> its unit's tasks marked done

    def done_of(unit: str, fid: int, mine: dict, key, merged: list | None = None) -> int:
        if (key, fid) not in done_in:
            ids = {tid for tid, _ in mine[unit]["tasks"]}
            if latest.state.get(unit, (None,))[0] == fid and unit in latest.status_of:
                answers = latest.status_of[unit].items()
            elif merged:                   # a merged unit as it was then: each task's newest answer of its names
                answers = {}
                for f in merged:
                    for tid, st in statuses(con, f[0]):
                        answers.setdefault(tid, st)
                answers = answers.items()
            else:
                answers = statuses(con, fid)
            done_in[(key, fid)] = sum(1 for tid, st in answers if st == L.DONE and tid in ids)
        return done_in[(key, fid)]

    for rnd, at_round in zip(upto.rounds, upto.states):
        own = stored_plan(con, rnd, own_only=True) if rnd != view.name else None
        if own is None or own == view.payload_text:
            mine, names, key = view.assignments, view.aliases, ""
        else:
            own = json.loads(own)
            mine, names, key = _assignments(own, view.shared), own["aliases"], rnd
        reported = [u for u in resolve(upto.sent[rnd][0], mine, names, lambda v: (v[2], v[0])) if u in mine]
        if not reported:
            continue
        rank = lambda v: (upto.order_of.get(v[4], -1), v[2], v[0])      # noqa: E731
        merged = sources(at_round, mine, names, rank)
        at_round = resolve(at_round, mine, names, rank)
        total = sum(len(a["tasks"]) for a in mine.values())
        done = sum(done_of(u, v[0], mine, key, merged.get(u)) for u, v in at_round.items() if u in mine)
        trend.append({"round": rnd or "（未命名）", "returned": len(reported),
                      "share": len(reported) / len(mine) if mine else 0,
                      "rate": done / total if total else 0})
    return trend
