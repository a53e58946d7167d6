"""The plan as data: tasks with their units, deadlines, frequencies and targets.

Below every stage and contract: the plan reader produces it, the task list stores it, distribute and
collect work from it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .units import Unit

FREQ_CN = {"weekly": "每周", "monthly": "按月", "quarterly": "按季度", "semiannual": "每半年", "yearly": "每年",
           "periodic": "定期", "ongoing": "随时"}
FREQ_FROM_CN = {v: k for k, v in FREQ_CN.items()}

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9, "十": 10, "百": 100}


def cn_number(s: str) -> int | None:
    s = s.strip().translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if s.isdigit():
        return int(s)
    if not s or any(ch not in CN_DIGITS for ch in s):
        return None
    total, cur = 0, 0
    for ch in s:
        v = CN_DIGITS[ch]
        if v >= 10:
            total += (cur or 1) * v
            cur = 0
        else:
            cur = v
    return total + cur


@dataclass
class Task:
    id: str
    path: list[str]
    text: str
    units_raw: str = ""
    units: list[Unit] = field(default_factory=list)
    deadline: dt.date | None = None
    deadline_text: str = ""
    frequency: str | None = None
    targets: list[dict] = field(default_factory=list)
    review: str = ""
    source: str = ""
    number: str = ""
    document: int = 1
    actual_units: list[str] = field(default_factory=list)   # the clerk's 实际责任单位: who really does it
    report_section: str = ""          # the report subsection of 一、总体情况 it is told under (报告栏目)
    key: str = ""                     # the task's identity, never changed once made (the id is a label)

    @property
    def all_names(self) -> list[str]:
        return [u.name for u in self.units]

    def units_with(self, role: str) -> list[str]:
        return [u.name for u in self.units if u.role == role]

    def to_dict(self) -> dict:
        return {
            "id": self.id, "path": list(self.path), "text": self.text, "units_raw": self.units_raw,
            "units": [u.to_dict() for u in self.units],
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "deadline_text": self.deadline_text, "frequency": self.frequency,
            "targets": list(self.targets), "review": self.review, "source": self.source,
            "number": self.number, "document": self.document, "actual_units": list(self.actual_units),
            "report_section": self.report_section, "key": self.key or self.id,
        }


@dataclass
class Plan:
    source: list[str]
    title: str
    year: int | None
    tasks: list[Task]
    documents: list[dict] = field(default_factory=list)
    # keys made while reading a task list, not yet kept in it: sheet row -> key (see tasklist.record_keys)
    unsaved_keys: dict[int, str] = field(default_factory=dict)
    # the plan's own (title, year) as its documents state them, whatever year the reader was told (None: no
    # document states a year); the console compares it with the year the clerk typed
    stated: tuple[str, int] | None = None

    def to_dict(self) -> dict:
        return {"source": list(self.source), "title": self.title, "year": self.year,
                "documents": self.documents, "tasks": [t.to_dict() for t in self.tasks]}

    def unit_names(self) -> list[str]:
        seen: dict[str, None] = {}
        for t in self.tasks:
            for u in t.units:
                seen.setdefault(u.name)
        return list(seen)


def task_key(task: dict) -> str:
    """A stored task's identity: its key, or its id in records written before tasks had keys (the id was the
    key then).  Answers, assignments and carried-over states are joined on this, never on the label."""
    return task.get("key") or task["id"]


def targets_text(targets: list[dict]) -> str:
    """Quantified targets as the workbooks show them: "不少于2次；至少建设1个"."""
    return "；".join(x.get("text") or f"{x['count']}{x['unit']}" for x in targets)
