"""Who gets which task: the task list's units mapped to real units through the registry.

Below distribute and collect, which must agree on it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .problems import Problem
from .units import ROLE_RANK


@dataclass
class Assignment:
    unit: str
    category: str = ""
    contact: str = ""
    phone: str = ""
    note: str = ""
    tasks: list = field(default_factory=list)     # (task, role)

    @property
    def lead_count(self) -> int:
        return sum(1 for _, r in self.tasks if r == "lead")


def assign(plan, registry=None) -> tuple[dict[str, Assignment], list[Problem]]:
    """Map every task to real units: aliases to canonical names, collectives to their members.

    A unit named twice for one task (directly and through a collective) gets it once, with its
    strongest role.  A collective the registry cannot expand keeps its own workbook."""
    out: dict[str, Assignment] = {}
    problems: list[Problem] = []
    reported: set[str] = set()
    for task in plan.tasks:
        if not task.units:
            problems.append(Problem("TASK_NO_UNITS", params={"task": task.id}))
            continue
        roles: dict[str, str] = {}
        for u in task.units:
            targets: list[str]
            note = ""
            if registry is not None and registry.canonical(u.name):
                targets = [registry.canonical(u.name)]
            elif registry is not None and registry.members(u.name):
                targets = list(registry.members(u.name))
            else:
                targets = [u.name]
                if u.collective:
                    note = "集合名称未能展开，请转发给相关单位或在单位名录中补充"
                    if u.name not in reported:
                        problems.append(Problem("COLLECTIVE_NOT_EXPANDED", params={"unit": u.name}))
                elif registry is not None:
                    note = "不在单位名录中"
                    if u.name not in reported:
                        problems.append(Problem("UNIT_NOT_IN_REGISTRY", params={"unit": u.name}))
                reported.add(u.name)
            for t in targets:
                if t not in roles or ROLE_RANK[u.role] > ROLE_RANK[roles[t]]:
                    roles[t] = u.role
                if t not in out:
                    info = registry.info(t) if registry is not None else None
                    out[t] = Assignment(t, info.category if info else ("集合" if note.startswith("集合") else ""),
                                        info.contact if info else "", info.phone if info else "", note)
        for t, role in roles.items():
            out[t].tasks.append((task, role))
    return out, problems
