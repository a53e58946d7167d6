"""Who gets which task: the task list's units mapped to real units through the registry.

Below distribute and collect, which must agree on it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .problems import Problem
from .units import RESPONSIBLE, ROLE_RANK, is_collective


@dataclass
class Assignment:
    unit: str
    category: str = ""
    contact: str = ""
    phone: str = ""
    tasks: list = field(default_factory=list)     # (task, role)

    @property
    def lead_count(self) -> int:
        return sum(1 for _, r in self.tasks if r == "lead")


def resolve(name: str, registry=None) -> list[str] | None:
    """The real units a name in the task list stands for, or None when it is not known to be any:
    with a registry, a unit (or alias) or a collective it expands; without one, any name that is not
    a collective ("各镇街", "区政府有关部门" …)."""
    if registry is not None:
        canon = registry.canonical(name)
        if canon:
            return [canon]
        members = registry.members(name)
        return list(members) if members else None
    return None if is_collective(name) else [name]


def assign(plan, registry=None) -> tuple[dict[str, Assignment], list[Problem]]:
    """Map every task to real units: aliases to canonical names, collectives to their members, and the
    clerk's 实际责任单位 in place of names that are neither.

    A unit named twice for one task (directly and through a collective) gets it once, with its strongest
    role.  A name that stays unresolved is never a unit: it is a UNIT_UNRESOLVED problem naming the
    tasks, and a task that reaches no real unit is a TASK_NO_REAL_UNIT problem."""
    out: dict[str, Assignment] = {}
    problems: list[Problem] = []
    unresolved: dict[str, list[str]] = {}
    for task in plan.tasks:
        if not task.units and not task.actual_units:
            problems.append(Problem("TASK_NO_UNITS", params={"task": task.id}))
            continue
        roles: dict[str, str] = {}
        pending: list[str] = []

        def give(names: list[str], role: str) -> None:
            for t in names:
                if t not in roles or ROLE_RANK[role] > ROLE_RANK[roles[t]]:
                    roles[t] = role

        for u in task.units:
            targets = resolve(u.name, registry)
            if targets is None:
                pending.append(u.name)
            else:
                give(targets, u.role)
        if task.actual_units:                   # the clerk said who does it: the unresolved names are settled
            for name in task.actual_units:
                targets = resolve(name, registry)
                if targets is None:
                    unresolved.setdefault(name, []).append(task.id)
                else:
                    give(targets, RESPONSIBLE)
        else:
            for name in pending:
                unresolved.setdefault(name, []).append(task.id)
        if not roles:
            problems.append(Problem("TASK_NO_REAL_UNIT", params={"task": task.id}))
        for t, role in roles.items():
            if t not in out:
                info = registry.info(t) if registry is not None else None
                out[t] = Assignment(t, info.category if info else "", info.contact if info else "",
                                    info.phone if info else "")
            out[t].tasks.append((task, role))
    for name, tids in unresolved.items():
        problems.append(Problem("UNIT_UNRESOLVED", params={"unit": name, "tasks": "、".join(tids)}))
    return out, problems


def unresolved_names(problems: list[Problem]) -> dict[str, str]:
    """Name -> task ids of the names ``assign`` could not resolve."""
    return {p.params["unit"]: p.params["tasks"] for p in problems if p.code == "UNIT_UNRESOLVED"}
