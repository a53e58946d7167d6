"""The report's prose: 一、总体情况 in its five standard subsections, 五 (problems and measures) and 六 (other
matters), composed from the figures, the tasks' status and the units' own text.

Rules the text keeps, whatever the input:
- a task is said to be done only when it is done (for the consolidated report: every responsible unit
  finished it); tasks in progress or overdue are said to be so, the same way in 一, 五 and 六;
- every number comes from the figures the tables print (no number is typed twice);
- no sentence frame is used more than twice in one report (``Frames``), a unit's boilerplate is quoted
  at most twice, and task titles are cut only at clause boundaries;
- where nothing real can be said, a standard sentence is written and listed for the writer to replace.
"""
from __future__ import annotations

import datetime as dt
import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache

from . import reportspec as R
from . import unitbook as L
from .dates import cn_date, typed_date
from .reportsections import SECTIONS, classify
from .units import split_top

CN_NUMERALS = "一二三四五六七八九十"
IN_PROGRESS = "推进中"
ORDINALS = ["一是", "二是", "三是", "四是", "五是", "六是"]
MAX_ITEMS = 4                 # tasks told one by one in a subsection; the rest are named together
FRAMING = re.compile(r"^(认真贯彻落实|认真落实|贯彻落实|严格按照|严格依照|按照|根据|依据|对照|围绕|重点围绕|对本要点|为|准确把握|深入贯彻|全面贯彻)")
CONDITION = re.compile(r"^除.+外$|^[^，]{2,30}的$|^对[^，]{2,40}的[^，的]{1,8}$")   # … "对涉及公共利益…的建议和提案，"   # "除法律、法规明确规定外，" "由政府审批或核准的，"
AROUND = re.compile(r"^(?:重点)?围绕(.+?)等(.{2,})$")      # "重点围绕A、B、C…等发布权威信息"
TRIVIAL = re.compile(r"^(本单位|我单位|我局|我镇|我办)?(已|均已)?(按要求|按时)?(完成|落实|办结)(到位)?(该项?任务|此项工作)?$")
TIME_BOUND = re.compile(r"下半年|上半年|本季度|[0-9０-９一二三四五六七八九十]+月(底|份|中旬|上旬|下旬|前)|年底前|年内")


@dataclass
class Frames:
    """Picks, from a pool of equivalent sentence frames, the one used least so far in this report."""
    used: dict = field(default_factory=dict)

    def pick(self, pool: list[str]) -> str:
        frame = min(pool, key=lambda f: (self.used.get(f, 0), pool.index(f)))
        self.used[frame] = self.used.get(frame, 0) + 1
        return frame


@dataclass
class Draft:
    """What composing one report found for the writer: the places where a standard sentence or a blank
    stands in for what the units did not give."""
    standard: list[str] = field(default_factory=list)
    conflicts: list[tuple[str, str]] = field(default_factory=list)    # (a figure's place, a quote's place)


@dataclass(frozen=True)
class Telling:
    """Whose report the prose is for and what it tells from: the organ as the text names it, its figures and
    its tasks' views, whether it is the consolidated report, the year and format, the names the text may use,
    whether the organ may make 规章, the plan's title and the data's date (None: the year's state)."""
    who: str
    fig: dict
    views: list
    consolidated: bool
    year: object
    spec: object
    names: list = field(default_factory=list)
    makes_rules: bool = True
    plan_title: str = ""
    as_of: object = None


def typed_number(v):
    """A figure as typed: a number, None for blank (blank is not zero), the text itself when it is not one."""
    if v is None or v == "":
        return None
    if isinstance(v, (int, float)):
        return v
    try:
        return float(str(v).strip())
    except ValueError:
        return v


def num(fig: dict, key: str) -> int | float | None:
    """A figure as a number; None when blank or not a number."""
    v = typed_number(fig.get(key))
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def n(fig: dict, key: str) -> int:
    v = num(fig, key)
    return int(v) if v is not None else 0


def quote_safe(text: str) -> str:
    """Quotes inside a quoted title become ‘ ’."""
    return str(text).replace("“", "‘").replace("”", "’").replace('"', "")


ADDRESSEES = re.compile(r"^(各[^、，]{1,4}(（[^）]{1,3}）)?、)*各(部门|单位|镇街|乡镇|级|镇|街道)")
SUBJECT = re.compile(r"^([^，]{2,10}?[组关门位府局办委室会])(要|应当)")


def short_title(text: str, limit: int = 32) -> str:
    """A task's short title: the substance of its first sentence, framing clauses ("按照…要求，") and the
    addressee ("各部门要…") dropped, cut back to at most two whole clauses or whole list items — never
    mid-word, never inside quotes or brackets, never "……"."""
    first = split_top(str(text or "").strip(), "。；;")[0].strip()
    clauses = [c.strip() for c in split_top(first, "，,：:") if c.strip()]
    dropped = []
    while len(clauses) > 1 and (FRAMING.match(clauses[0]) or CONDITION.match(clauses[0])):
        dropped.append(clauses.pop(0))
    fronted = next((m.group(1) for m in map(re.compile(r"^对(?!本要点)[^，]{2,40}的([^，的]{1,8})$").match, dropped) if m), "")
    if clauses and fronted:                          # "对…的建议和提案，原则上都要公开答复全文" → 建议和提案公开答复全文
        clauses[0] = fronted + re.sub(r"^(原则上)?(都|均)?(要|应当|应)?", "", clauses[0])
    if clauses and re.search(r"相关信息", clauses[0]) and len(clauses[0]) <= 12:            # "加大相关信息公开力度": say which, from "围绕A、B等"
        topic = next((m.group(1) for m in map(re.compile(r"^(?:重点)?围绕(.+?)(?:等(?:方面|事项)?)?$").match, dropped)
                      if m), "")
        if topic:
            clauses[0] = f"围绕{'、'.join(split_top(topic, '、')[:2])}等{clauses[0]}"
    if clauses:
        c = re.sub(r"^(要|应当)", "", ADDRESSEES.sub("", clauses[0]))
        clauses[0] = SUBJECT.sub(r"\1", c) if len(c) > 4 else clauses[0]
        m = AROUND.match(clauses[0])
        if m and len(clauses[0]) > limit:            # a long list of topics: the first two, then what is done
            clauses[0] = f"围绕{'、'.join(split_top(m.group(1), '、')[:2])}等{m.group(2)}"
    kept = ""
    for c in clauses[:2]:
        if kept and len(kept) + len(c) + 1 > limit:
            break
        kept = f"{kept}，{c}" if kept else c
    if len(kept) > limit + 20:                   # one long clause: keep whole list items (、) up to the limit
        items = split_top(kept, "、")
        cut, k = items[0], 1
        for it in items[1:]:
            if len(cut) + len(it) + 1 > limit:
                break
            cut += "、" + it
            k += 1
        tail = re.search(r"(等|系列)[^、]*$", items[-1]) if k < len(items) else None
        if tail:                                  # "…等信息公开工作": what is done with the items stays
            rest = tail.group(0)[1:] if tail.group(0).startswith("等") else tail.group(0)
            cut += "等" + ("" if cut.endswith(rest) else rest)
        kept = cut
    return kept.rstrip("，、 ")


def squeeze(text) -> str:
    """Whitespace out of Chinese text (line breaks typed in a cell), single spaces kept between Latin words."""
    s = re.sub(r"\s+", " ", str(text or "")).strip()
    return re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", s)


def clean_detail(text: str, unit: str = "") -> str:
    """A unit's 落实情况 as a clause: trimmed, final stop removed, "" when it says nothing."""
    s = squeeze(text).strip("。；;，, ")
    if unit and s.startswith(unit):
        s = s[len(unit):].lstrip("，,：:")
    return "" if len(s) < 6 or TRIVIAL.match(s) else s


def skeleton(text: str, names: list[str]) -> str:
    """The frame of a sentence: numbers, quoted titles and unit names taken out."""
    s = re.sub(r"“[^”]*”|‘[^’]*’", "“”", text)
    for name in _longest_first(tuple(names)):
        s = s.replace(name, "X")
    return re.sub(r"[0-9０-９.]+", "#", s)


@lru_cache(maxsize=16)
def _longest_first(names: tuple[str, ...]) -> tuple[str, ...]:
    """Unit names, longest first (a batch's reports share one list: sorted once, not per sentence)."""
    return tuple(sorted(names, key=len, reverse=True))


def join_names(names: list[str], most: int = 3) -> str:
    return "、".join(names[:most]) + (f"等{len(names)}个单位" if len(names) > most else "")


def titles(views: list, most: int = 3) -> str:
    return "".join(f"“{quote_safe(short_title(v.task['text'], 18))}”" for v in views[:most])


def fix_quotes(text: str) -> str:
    """‘ ’ only inside “ ”: a single-quoted phrase standing on its own (‘十四五’) gets double quotes, and a
    double-quoted phrase inside double quotes gets single ones."""
    out, depth = [], 0
    for ch in str(text):
        if ch in "“‘":
            depth += 1
            out.append("“" if depth == 1 else "‘")
        elif ch in "”’":
            out.append("”" if depth <= 1 else "’")
            depth = max(depth - 1, 0)
        else:
            out.append(ch)
    return "".join(out)


# ------------------------------------------------------------------------------ task status, one view

@dataclass
class TaskView:
    """A task as one report sees it: its status for this report's organ, and the units' entries."""
    task: dict
    status: str                  # 已完成 / 推进中 / 未启动 / 不适用 / 未报送 …
    overdue: bool
    entries: list                # the detail rows of the units that answered this task
    section: str

    @property
    def done(self) -> bool:
        return self.status == L.DONE

    @property
    def open(self) -> bool:
        return self.status not in (L.DONE, L.NA)


def task_views(tasks: list[dict], entries: list[dict], unit: str | None, cutoff: dt.date | None) -> list[TaskView]:
    """The tasks this report covers: all of them for the consolidated report (overall status), a unit's
    own for its report (its status; overdue when its deadline passed before the round's cut-off)."""
    by_task: dict[str, list[dict]] = {}
    for e in entries:
        by_task.setdefault(str(e.get("任务编号")), []).append(e)
    out = []
    for t in tasks:
        if unit is None:
            status, overdue = t["overall"], bool(t["overdue"])
        elif unit in t["units"]:
            status = t["units"][unit]
            deadline = typed_date(t.get("deadline"))
            overdue = bool(deadline and cutoff and deadline < cutoff and status not in (L.DONE, L.NA))
        else:
            continue
        section = t.get("report_section") or classify([t.get("section") or ""], t["text"])
        out.append(TaskView(t, status, overdue, by_task.get(t["id"], []), section))
    return out


# ------------------------------------------------------------------------------ 一、总体情况

def active_figures(fig: dict, spec, year, who: str, makes_rules: bool) -> list[str]:
    """（一）主动公开: what was published, and under 《条例》第二十条 the rules, normative documents and decisions."""
    out = []
    head = f"{year}年，{who}坚持以公开为常态、不公开为例外，"
    out += figure_phrase(fig, head + "全年共", [
        ("主动公开政府信息条数", "主动公开政府信息{}条"), ("政策解读件数", "发布政策解读{}件"),
        ("新闻发布会场次", "召开新闻发布会{}场"), ("回应关切件数", "回应社会关切{}件"),
        ("意见征集次数", "开展意见征集{}次")]) or [head + "扎实做好政府信息主动公开工作。"]
    rule_new, norm_new = spec.t2_row("规章")[0], spec.t2_row(spec.norm_label)[0]
    parts = []
    if n(fig, rule_new) and makes_rules:
        parts.append(f"制发规章{n(fig, rule_new)}件")
    if n(fig, norm_new):
        parts.append(f"制发{spec.norm_label}{n(fig, norm_new)}件")
    coercion = spec.t2_row("行政强制")[-1:]
    decisions = [(lab, n(fig, key)) for lab, key in (("行政许可", spec.permit_key), ("行政处罚", spec.penalty_key),
                                                     ("行政强制", coercion[0] if coercion else None))
                 if key and n(fig, key)]
    if decisions:
        parts.append("公开" + "、".join(f"{lab}决定{v}件" for lab, v in decisions))
    if parts:
        out.append("按照《条例》第二十条规定，本年" + "，".join(parts) + "，相关信息均已在政府信息公开专栏集中公开。")
    return out


def request_figures(fig: dict, spec, year, who: str, makes_rules: bool) -> list[str]:
    """（二）依申请公开: requests received, carried over, how they were answered and what is carried forward."""
    out = []
    new, carried = n(fig, R.t3(1, 7)), n(fig, R.t3(2, 7))
    done = n(fig, R.t3(spec.t3_total_row, 7))
    carry = n(fig, R.t3(spec.t3_carry_row, 7))
    if new or carried or done:
        groups = [("予以公开", [3]), ("部分公开", [4]), ("不予公开", range(5, 13)), ("无法提供", range(13, 16)),
                  ("不予处理", range(16, 21)), ("其他处理", range(21, spec.t3_total_row))]
        parts = [f"{lab}{sum(n(fig, R.t3(r, 7)) for r in rows)}件" for lab, rows in groups
                 if sum(n(fig, R.t3(r, 7)) for r in rows)]
        s = (f"全年共收到政府信息公开申请{new + carried}件" + (
            f"（其中本年新收{new}件，上年结转{carried}件）" if carried else "")) if new else \
            f"全年未新收政府信息公开申请，上年结转{carried}件"
        s += f"；办理完结{done}件" + (f"，其中{'、'.join(parts)}" if parts else "")
        s += f"；结转下年度继续办理{carry}件。" if carry else "。"
        out.append("严格按照《条例》规定的程序和时限办理政府信息公开申请，" + s)
    else:
        out.append("严格按照《条例》规定的程序和时限做好依申请公开工作，全年未收到政府信息公开申请。")
    return out


def management_figures(fig: dict, spec, year, who: str, makes_rules: bool) -> list[str]:
    """（三）政府信息管理: the confidentiality review, and rules and normative documents repealed and in force."""
    out = figure_phrase(fig, "落实“先审查、后公开”和“一事一审”要求，",
                         [("公开前保密审查信息条数", "全年对{}条拟公开信息进行了保密审查")])
    keys = spec.t2_row(spec.norm_label)
    rules = spec.t2_row("规章")
    kept = []
    if spec.name == "2021" and makes_rules and len(rules) > 2 and (n(fig, rules[1]) or n(fig, rules[2])):
        kept.append(f"规章本年废止{n(fig, rules[1])}件、现行有效{n(fig, rules[2])}件")
    if spec.name == "2021" and (n(fig, keys[1]) or n(fig, keys[2])):
        kept.append(f"行政规范性文件本年废止{n(fig, keys[1])}件、现行有效{n(fig, keys[2])}件")
    if kept:
        out.append("加强规章和规范性文件管理，" + "；".join(kept) + "。" if len(kept) > 1 or "规章" in kept[0]
                   else f"加强行政规范性文件管理，本年废止{n(fig, keys[1])}件，现行有效{n(fig, keys[2])}件。")
    return out


def platform_figures(fig: dict, spec, year, who: str, makes_rules: bool) -> list[str]:
    """（四）政府信息公开平台建设: new-media accounts and what they published."""
    return figure_phrase(fig, "发挥政府网站和政务新媒体的公开平台作用，", [
        ("政务新媒体账号数", "现有政务新媒体账号{}个"), ("政务新媒体发布信息条数", "全年通过政务新媒体发布信息{}条")])


def oversight_figures(fig: dict, spec, year, who: str, makes_rules: bool) -> list[str]:
    """（五）监督保障: training, and administrative reconsideration and litigation over disclosure."""
    out = figure_phrase(fig, "加强政务公开队伍建设，", [("政务公开培训场次", "举办政务公开业务培训{}场"),
                                                   ("参加培训人次", "参训{}人次")])
    review, direct, after = n(fig, R.t4(5)), n(fig, R.t4(10)), n(fig, R.t4(15))
    if review or direct or after:
        fixed_review, fixed_suit = n(fig, R.t4(2)), n(fig, R.t4(7)) + n(fig, R.t4(12))
        fixed = "、".join(x for x in [f"行政复议结果被纠正{fixed_review}件" if fixed_review else "",
                                      f"行政诉讼结果被纠正{fixed_suit}件" if fixed_suit else ""] if x)
        cases = "、".join(x for x in [f"被申请行政复议{review}件" if review else "",
                                      f"被提起行政诉讼{direct + after}件" if direct + after else ""] if x)
        out.append(f"全年因政府信息公开{cases}"
                   + (f"，其中{fixed}，已逐件分析原因、整改落实。" if fixed else "，均未被纠正。"))
    else:
        out.append("全年未发生因政府信息公开引起的行政复议和行政诉讼。")
    return out


# 一、总体情况's five subsections (reportsections.SECTIONS): what the figures say in each
FIGURE_SENTENCES = {"主动公开": active_figures, "依申请公开": request_figures, "政府信息管理": management_figures,
                    "政府信息公开平台建设": platform_figures, "监督保障": oversight_figures}


def figure_sentences(section: str, t: Telling) -> list[str]:
    """What the figures say about one subsection; only figures the units gave are mentioned, and nothing
    about 规章 for an organ that cannot make them (a typed figure there is a warning, not a sentence)."""
    make = FIGURE_SENTENCES.get(section)
    return make(t.fig, t.spec, t.year, t.who, t.makes_rules) if make else []


def figure_phrase(fig: dict, lead: str, items: list[tuple[str, str]]) -> list[str]:
    """One sentence from the narrative figures a unit gave (blank or 0: not mentioned), or none."""
    bits = [frame.format(int(num(fig, label))) for label, frame in items if num(fig, label)]
    return [lead + "，".join(bits) + "。"] if bits else []


DONE_INTRO = ["对照年度工作要点，本方面{total}项任务已完成{done}项：",
              "工作要点在这方面部署的{total}项任务中，已完成{done}项：",
              "在落实工作要点方面，相关的{total}项任务已完成{done}项：",
              "按照工作要点的部署，{total}项相关任务中有{done}项已经完成：",
              "年度工作要点涉及的{total}项相关任务，已完成{done}项："]
ALL_DONE_INTRO = ["对照年度工作要点，本方面{total}项任务均已完成：",
                  "工作要点在这方面部署的{total}项任务全部完成：",
                  "按照工作要点的部署，相关的{total}项任务均已落实：",
                  "年度工作要点涉及的{total}项相关任务全部完成："]
REST_DONE = ["此外，{titles}等{k}项任务也已完成。", "{titles}等{k}项任务同样已经完成。",
             "另有{titles}等{k}项任务已按要求完成。"]
DOING = ["{titles}等{k}项任务正在推进。", "{titles}等{k}项任务尚在推进之中。", "{titles}等{k}项任务仍在落实中。"]
DOING_ONE = ["{titles}正在推进。", "{titles}尚在推进之中。", "{titles}仍在落实中。"]
WAITING = ["{titles}等{k}项任务尚未启动。", "{titles}等{k}项任务还没有开始落实。", "{titles}等{k}项任务仍未启动。"]
WAITING_ONE = ["{titles}尚未启动。", "{titles}还没有开始落实。", "{titles}仍未启动。"]
OVERDUE = ["其中{items}已超过完成时限，尚未完成。", "其中{items}已过完成时限仍未完成，需加快进度。",
           "{items}已超过完成时限，尚未完成。"]


def late_list(late: list[TaskView], most: int) -> str:
    """“title”（时限2021年6月30日）、… for overdue tasks, the same words wherever they are named."""
    return "、".join(f"“{quote_safe(short_title(v.task['text'], 20))}”（时限{cn_date(v.task.get('deadline'))}）"
                    for v in late[:most]) + ("等" if len(late) > most else "")


def task_paragraph(views: list[TaskView], consolidated: bool, frames: Frames, quoted: dict,
                   names: list[str]) -> list[str]:
    """The tasks of one subsection: the finished ones told with what the units did, the rest said as they are."""
    mine = [v for v in views if v.status != L.NA]
    if not mine:
        return []
    done = [v for v in mine if v.done]
    out = []
    if done:
        items = []
        for v in done[:MAX_ITEMS]:
            items.append(done_item(v, consolidated, quoted, names))
        s = frames.pick(ALL_DONE_INTRO if len(done) == len(mine) else DONE_INTRO).format(total=len(mine),
                                                                                        done=len(done))
        if len(mine) == 1:
            s = items[0] + "。"               # one task: no "本方面1项任务均已完成"
        elif len(items) == 1:
            s += items[0] + "。"
        else:
            s += "；".join(f"{ORDINALS[i]}{x}" for i, x in enumerate(items)) + "。"
        rest = done[MAX_ITEMS:]
        if len(rest) == 1:
            s += f"此外，{titles(rest, 1)}也已完成。"
        elif rest:
            s += frames.pick(REST_DONE).format(titles=titles(rest, 2), k=len(rest))
        out.append(s)
    open_ = [v for v in mine if v.open]
    if open_:
        doing = [v for v in open_ if v.status == IN_PROGRESS]
        waiting = [v for v in open_ if v.status != IN_PROGRESS]
        s = ""
        for group, many, one in ((doing, DOING, DOING_ONE), (waiting, WAITING, WAITING_ONE)):
            if group:
                s += frames.pick(many if len(group) > 1 else one).format(titles=titles(group, 3), k=len(group))
        late = [v for v in open_ if v.overdue]
        if late:
            s += frames.pick(OVERDUE).format(items=late_list(late, 3))
        out.append(s)
    return out


def done_item(v: TaskView, consolidated: bool, quoted: dict, names: list[str]) -> str:
    """One finished task: its title as a verb phrase, then who did what (a unit's own words, at most twice
    for the same boilerplate)."""
    topic = short_title(v.task["text"])
    finished = [e for e in v.entries if e.get("完成状态") == L.DONE]
    units = [str(e.get("单位") or "") for e in finished]

    def usable(e) -> tuple[str, str]:
        """(the unit's text as a clause, its frame); "" when empty, trivial or already quoted twice."""
        d = clean_detail(e.get("落实情况"), str(e.get("单位") or ""))
        key = skeleton(d, names) if d else ""
        return (d, key) if d and quoted.get(key, 0) < 2 else ("", "")

    candidates = finished[:1] if not consolidated else finished
    best = max(candidates, key=lambda e: len(usable(e)[0]), default=None)
    d, key = usable(best) if best else ("", "")
    if d:
        quoted[key] = quoted.get(key, 0) + 1
    if not consolidated:
        if d:
            return d if repeats(topic, d) else f"{topic}，{d}"
        return f"{topic}，已按要求完成"
    if d:
        who = str(best.get("单位") or "")
        if len(units) > 1:
            return f"{topic}，{join_names(units, 2)}均已完成，其中{who}{d}"
        return f"{topic}，{who}{d}"
    if units:
        return f"{topic}，{join_names(units, 3)}已完成"
    return f"{topic}，已完成"


def repeats(topic: str, detail: str) -> bool:
    """The unit's text restates the task (same first words), so the title can be left out."""
    core = re.sub(r"^(进一步|持续|全面|认真|切实|积极)", "", re.split(r"[，,]", topic)[-1])
    head = re.sub(r"^(进一步|持续|全面|认真|切实|积极)", "", detail)
    return len(core) >= 6 and head[:6] == core[:6]


Sections = list[tuple[str, list[str]]]          # (subsection title, its paragraphs)


def numbered(sections: Sections) -> list[dict]:
    """Subsections as the template's blocks: an empty one is dropped, the rest numbered （一）（二）… in turn."""
    blocks: list[dict] = []
    for title, paras in sections:
        if paras:
            k = sum(1 for b in blocks if b["heading"])
            blocks.append({"heading": True, "text": f"（{CN_NUMERALS[k]}）{title}"})
            blocks += [{"heading": False, "text": fix_quotes(p)} for p in paras]
    return blocks


def overview(t: Telling, frames: Frames) -> Sections:
    """一、总体情况 in its five subsections: the figures, then the tasks told under each."""
    quoted: dict = {}
    return [(section, figure_sentences(section, t)
             + task_paragraph([v for v in t.views if v.section == section], t.consolidated, frames, quoted, t.names))
            for section in SECTIONS]


def open_counts(views: list[TaskView]) -> str:
    """"正在推进7项、尚未启动2项" for the tasks not finished."""
    doing = sum(1 for v in views if v.open and v.status == IN_PROGRESS)
    waiting = sum(1 for v in views if v.open and v.status != IN_PROGRESS)
    return "、".join(x for x in [f"正在推进{doing}项" if doing else "", f"尚未启动{waiting}项" if waiting else ""] if x)


def as_of_text(as_of) -> str:
    """"截至2021年7月10日，" for data the office accepted from a mid-year round; "" for year-end data (the
    year's state: no date, no round name — those are the office's process, not the public's)."""
    if as_of is None:
        return ""
    return f"截至{cn_date(as_of)}，" if as_of else "截至本次调度，"


def lead(who: str, views: list[TaskView], plan_title: str, year, as_of, consolidated: bool) -> list[dict]:
    """The paragraph before （一）: the year's work against the plan (mid-year data dated)."""
    mine = [v for v in views if v.status != L.NA]
    if not mine:
        return []
    done = sum(v.done for v in mine)
    title = f"《{plan_title}》" if plan_title else f"{year}年政务公开工作要点"
    scope = ("将各项任务逐项分解到各镇街和部门，明确责任和时限，定期调度落实情况" if consolidated
             else "逐项明确责任人和完成时限，抓好各项任务落实")
    whose = "确定的" if consolidated else "涉及本单位的"
    s = (f"{year}年，{who}认真贯彻落实《中华人民共和国政府信息公开条例》和上级关于政务公开工作的部署要求，"
         f"对照{title}{scope}。{as_of_text(as_of)}工作要点{whose}{len(mine)}项任务"
         + ("已全部完成。" if done == len(mine) else f"已完成{done}项，{open_counts(mine)}。"))
    return [{"heading": False, "text": fix_quotes(s)}]


# ------------------------------------------------------------------------------ 五、存在的主要问题及改进情况

STANDARD_PROBLEMS = [
    "政策解读的形式还比较单一，图解、视频等解读偏少，解读的针对性和实效有待提升；公开内容的系统性、及时性还需加强。",
    "政务公开工作力量还比较薄弱，工作人员业务能力有待提高；部分信息更新不够及时，公开的规范化水平还需提升。",
    "主动公开的深度和广度还不够，重点领域信息公开的精准性有待提高；回应社会关切的及时性还需加强。",
    "信息发布审核机制还需完善，部分栏目内容更新较慢；政民互动的渠道和形式有待丰富。",
]
STANDARD_MEASURES = [
    "下一步，将进一步加强政策解读和回应关切，健全信息发布审核机制，加强业务培训和日常检查，持续提高政务公开质量和实效。",
    "下一步，将充实政务公开工作力量，组织业务培训，落实信息发布审核和更新维护制度，推动政务公开规范化、标准化。",
    "下一步，将围绕重点领域加大主动公开力度，提高公开信息的精准性和时效性，及时回应社会关切。",
    "下一步，将完善信息发布审核机制，加强栏目日常巡查和更新维护，拓展政民互动渠道。",
]
# a problem the units wrote, by theme: (theme, keywords, how the institution states it)
PROBLEM_THEMES = [
    ("队伍", ("人员", "人手", "队伍", "专职", "兼职", "业务能力", "培训", "衔接"), "政务公开工作力量有待加强"),
    ("协同", ("会商", "协调", "协同", "联动", "多个部门", "配合"), "跨部门协同机制还不够健全"),
    ("解读", ("解读",), "政策解读质量有待提升"),
    ("时效", ("及时", "时效", "更新", "滞后"), "信息公开的及时性有待提高"),
    ("回应", ("回应", "留言", "互动", "关切"), "回应关切和政民互动还需加强"),
    ("平台", ("网站", "新媒体", "平台", "栏目", "专栏"), "公开平台建设和管理还需加强"),
]


def pick(pool: list[str], who: str) -> str:
    """One of equivalent standard texts, the same for the same organ, different across organs."""
    return pool[zlib.crc32(who.encode("utf-8")) % len(pool)]


def theme_of(text: str) -> int:
    hits = [i for i, (_, kws, _) in enumerate(PROBLEM_THEMES) if any(k in text for k in kws)]
    return hits[0] if hits else len(PROBLEM_THEMES)


def own_voice(text: str) -> str:
    """A unit's sentence as the report's own: its self-reference dropped."""
    return re.sub(r"^(本单位|我单位|我局|我镇|我办|我委|本部门)[，,]?", "", text)


def problems_and_measures(views: list[TaskView], entries: list[dict], consolidated: bool, as_of,
                          draft: Draft, who: str = "") -> Sections:
    """五: the problems in the organ's own voice grouped by theme (never "23个单位反映"), the measures."""
    texts: dict[str, list[str]] = {}
    plans: dict[str, list[str]] = {}
    for e in entries:
        for col, bucket in (("存在问题", texts), ("下步打算", plans)):
            t = squeeze(e.get(col)).strip("。；;，, ")
            if t:
                bucket.setdefault(t, [])
                unit = str(e.get("单位") or "")
                if unit not in bucket[t]:
                    bucket[t].append(unit)
    first = []
    open_ = [v for v in views if v.open]
    if open_:
        late = [v for v in open_ if v.overdue]
        if len(open_) == 1:
            s = (f"一是工作要点落实还不到位。{as_of_text(as_of)}{titles(open_, 1)}"
                 + ("已超过完成时限，尚未完成。" if late else "尚未完成。"))
        else:
            s = f"一是工作要点落实还不到位。{as_of_text(as_of)}仍有{len(open_)}项任务没有全部完成"
            s += (f"，其中{len(late)}项已超过完成时限" if late else "") + f"，主要是{titles(late or open_, 3)}等。"
        first.append(s)
    themes: dict[int, list[tuple[str, int]]] = {}
    for t, units in texts.items():
        themes.setdefault(theme_of(t), []).append((own_voice(t), len(units)))
    ranked = sorted(themes.items(), key=lambda kv: (-sum(c for _, c in kv[1]), kv[0]))[:3]
    for i, (theme, said) in enumerate(ranked, len(first)):
        head = ORDINALS[i] if i < len(ORDINALS) else ""
        said = [t for t, _ in sorted(said, key=lambda x: -x[1])][:2]
        body = "；".join(said)
        if theme < len(PROBLEM_THEMES):
            lead_in = "部分单位" if consolidated else ""
            first.append(f"{head}{PROBLEM_THEMES[theme][2]}。{lead_in}{body}。")
        else:
            first.append(f"{head}{body}。")
    if not ranked:
        text = pick(STANDARD_PROBLEMS, who)
        first.append(text if not first else "二是" + text)
        draft.standard.append("五（一）存在的主要问题")
    measures = [t for t in plans if not TIME_BOUND.search(t)][:3]
    second = []
    if open_:
        second.append(f"对尚未完成的{len(open_)}项任务逐项明确责任和时限，跟踪督办，确保落实到位。")
    if measures:
        second.append("下一步，" + "；".join(own_voice(m) for m in measures) + "。")
    else:
        second.append(pick(STANDARD_MEASURES, who))
        draft.standard.append("五（二）改进情况")
    return [("存在的主要问题", first), ("改进情况", second)]


def last_year(last_entries: list[dict], draft: Draft, given: str = "") -> Sections:
    """How last year's problems were dealt with: the office's own text (setting 上年度问题整改情况), else
    last year's problems from last year's summary with a blank for the results, else a marked blank."""
    if given:
        return [("上年度问题整改情况", [given])]
    problems = []
    for e in last_entries:
        text = squeeze(e.get("存在问题")).strip("。；;，, ")
        if text and text not in problems:
            problems.append(text)
    draft.standard.append("五（三）上年度问题整改情况")
    if not problems:
        return [("上年度问题整改情况", ["上年度报告中提出的问题及整改情况：（请撰稿人根据上年度报告填写）。"])]
    listed = "".join(f"“{quote_safe(p)}”" for p in problems[:3])
    return [("上年度问题整改情况", [f"针对上年度报告反映的{listed}等问题，本年度逐项明确整改措施，"
                                   "整改情况如下：（请撰稿人根据实际补充整改结果）。"])]


# ------------------------------------------------------------------------------ 六、其他需要报告的事项

def other_matters(t: Telling, settings: dict, draft: Draft, fee_text) -> Sections:
    """六、其他需要报告的事项: fees, NPC/CPPCC proposals, the plan's tasks, other matters (the setting's)."""
    fig, views, consolidated, year, plan_title, as_of = t.fig, t.views, t.consolidated, t.year, t.plan_title, t.as_of
    npc, cppcc = num(fig, "办理人大代表建议件数"), num(fig, "办理政协提案件数")
    if npc is not None or cppcc is not None:
        parts = ([f"人大代表建议{int(npc)}件"] if npc else []) + ([f"政协提案{int(cppcc)}件"] if cppcc else [])
        s = ("本年度共承办" + "、".join(parts) + "。") if parts else \
            "本年度未承办人大代表建议和政协提案。"
    elif settings.get("npc"):
        s = settings["npc"]
    else:
        s = "本年度人大代表建议和政协提案办理结果公开情况：（请撰稿人填写承办件数和公开情况）。"
        draft.standard.append("六（二）人大代表建议和政协提案办理结果公开情况")
    sections = [("信息处理费收取情况", [fee_text]), ("人大代表建议和政协提案办理结果公开情况", [s]),
                ("政务公开工作要点落实情况", plan_sentence(views, consolidated, year, plan_title, as_of)),
                ("其他事项", [settings["other"]] if settings.get("other") else [])]
    return sections


def plan_sentence(views: list[TaskView], consolidated: bool, year, plan_title: str, as_of) -> list[str]:
    """六's account of the plan's tasks (none when no task of the plan is this organ's)."""
    mine = [v for v in views if v.status != L.NA]
    if not mine:
        return []
    done = [v for v in mine if v.done]
    doing = [v for v in mine if v.open]
    late = [v for v in doing if v.overdue]
    title = f"《{plan_title}》" if plan_title else f"{year}年政务公开工作要点"
    s = f"{title}{'明确的' if consolidated else '涉及本单位的'}{len(mine)}项任务，{as_of_text(as_of)}"
    s += f"已完成{len(done)}项，{open_counts(mine)}。" if doing else "已全部完成。"
    if late:
        s += f"已超过完成时限尚未完成的有{late_list(late, 5)}，已列入督办。"
    return [s]


# ------------------------------------------------------------------------------ contradictions (issue 28)

# a figure the text states, and how a unit's own words count the same thing
COUNTED = [("政务公开培训场次", "举办政务公开业务培训{}场", re.compile(r"培训[^，。；：]{0,6}?(\d+)场")),
           ("参加培训人次", "参训{}人次", re.compile(r"(?:参训|培训)[^，。；：]{0,12}?(\d+)人次")),
           ("新闻发布会场次", "召开新闻发布会{}场", re.compile(r"(?:召开|举办)新闻发布会[^，。；：]{0,4}?(\d+)场"))]
# (a year's count of 政策解读 or accounts is no unit task's count: "清理整合政务新媒体账号3个" is not how many exist)


def contradictions(fig: dict, blocks: list[dict], part: str = "一") -> list[tuple[str, str]]:
    """Places where a figure sentence and a unit's quoted 落实情况 count the same thing with different numbers:
    [(“the figure's words” and where, “the quote” and where)]."""
    out = []
    heading = ""
    placed = []
    for b in blocks:
        if b["heading"]:
            heading = re.match(r"（[一二三四五六七八九十]+）", b["text"]).group(0) if b["text"].startswith("（") else ""
            continue
        placed.append((f"{part}{heading}", b["text"]))
    for label, said, pattern in COUNTED:
        value = num(fig, label)
        if not value:
            continue
        phrase = said.format(int(value))
        where = next((w for w, t in placed if phrase in t), None)
        if where is None:
            continue
        for w, t in placed:
            for m in pattern.finditer(t.replace(phrase, "")):
                if int(m.group(1)) != int(value):
                    rest = t.replace(phrase, "")
                    start = max(rest.rfind(x, 0, m.start()) for x in "，。；：、") + 1
                    out.append((f"{where}“{phrase}”（年度报告数据“{label}”）",
                                f"{w}引用的落实情况“{rest[start:m.end()]}”"))
    return out
