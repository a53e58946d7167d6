"""Which subsection of the report's 一、总体情况 a task belongs to: the five standard subsections and the
editable keyword rules (report_templates/总体情况分类规则.txt) that place a task in one of them.

Used by the task list (which shows the result in its 报告栏目 column, where the clerk may change it), the
summary (which carries it) and the report (which writes each subsection from its tasks).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .resources import report_template

SECTIONS = ["主动公开", "依申请公开", "政府信息管理", "政府信息公开平台建设", "监督保障"]
RULES_FILE = "总体情况分类规则.txt"
DEFAULT = SECTIONS[0]


def section_name(value) -> str:
    """A typed 报告栏目 back to one of SECTIONS ("（三）政府信息管理", "信息管理" …); "" when it is none of them."""
    s = re.sub(r"^[（(][一二三四五][）)]|\s+", "", str(value or ""))
    if s in SECTIONS:
        return s
    hits = [x for x in SECTIONS if s and (s in x or x in s)]
    return hits[0] if len(hits) == 1 else ""


@lru_cache(maxsize=8)
def load_rules(path: str | None = None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(section, keywords) in matching order; lines naming no known section are ignored."""
    p = Path(path) if path else report_template(RULES_FILE)
    rules = []
    if p.exists():
        for line in p.read_text(encoding="utf-8-sig").splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            head, _, words = line.partition("：") if "：" in line else line.partition(":")
            name = section_name(head)
            kws = tuple(w.strip() for w in re.split(r"[、,，;；\s]+", words) if w.strip())
            if name and kws:
                rules.append((name, kws))
    return tuple(rules)


def classify(path: list[str] | tuple[str, ...], text: str, rules=None) -> str:
    """The subsection a task belongs to: its first sentence, then its own heading, then the headings above
    it, then its whole text decide; within one of them the longest keyword found wins ("公众参与平台" is about
    公众参与, not 平台), and between keywords of the same length the rule written first."""
    rules = rules if rules is not None else load_rules()
    first = re.split(r"[。；;，,]", str(text or ""), maxsplit=1)[0]
    places = [first, *reversed([str(x) for x in path or []]), str(text or "")]
    for hay in places:
        best = max(((len(k), -i, name) for i, (name, kws) in enumerate(rules) for k in kws if k in hay), default=None)
        if best:
            return best[2]
    return DEFAULT
