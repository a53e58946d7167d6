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
from dataclasses import dataclass, field
from functools import lru_cache

from . import reportspec as R
from . import unitbook as L
from .dates import typed_date
from .reportsections import SECTIONS, classify
from .units import split_top

CN_NUMERALS = "一二三四五六七八九十"
IN_PROGRESS = "推进中"
ORDINALS = ["一是", "二是", "三是", "四是", "五是", "六是"]
MAX_ITEMS = 4                 # tasks told one by one in a subsection; the rest are named together
FRAMING = re.compile(r"^(认真贯彻落实|认真落实|贯彻落实|严格按照|严格依照|按照|根据|依据|对照|围绕|对本要点|为)")
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
    while len(clauses) > 1 and FRAMING.match(clauses[0]):
        clauses.pop(0)
    if clauses:
        c = re.sub(r"^(要|应当)", "", ADDRESSEES.sub("", clauses[0]))
        clauses[0] = SUBJECT.sub(r"\1", c) if len(c) > 4 else clauses[0]
    kept = ""
    for c in clauses[:2]:
        if kept and len(kept) + len(c) + 1 > limit:
            break
        kept = f"{kept}，{c}" if kept else c
    if len(kept) > limit + 20:                   # one long clause: keep whole list items (、) up to the limit
        items = split_top(kept, "、")
        cut = items[0]
        for it in items[1:]:
            if len(cut) + len(it) + 1 > limit:
                break
            cut += "、" + it
        kept = cut
    return quote_safe(kept.rstrip("，、 "))


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
    return "".join(f"“{short_title(v.task['text'], 18)}”" for v in views[:most])


def cn_date(value) -> str:
    """2021-12-31 → 2021年12月31日; anything else as written."""
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.year}年{value.month}月{value.day}日"
    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?", str(value or ""))
    return f"{int(m.group(1))}年{int(m.group(2))}月{int(m.group(3))}日" if m else str(value or "")


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

def figure_sentences(section: str, fig: dict, spec, year, who: str, consolidated: bool,
                     makes_rules: bool = True) -> list[str]:
    """What the figures say about one subsection; only figures the units gave are mentioned, and nothing
    about 规章 for an organ that cannot make them (a typed figure there is a warning, not a sentence)."""
    out = []
    if section == "主动公开":
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
    elif section == "依申请公开":
        new, carried = n(fig, R.t3(1, 7)), n(fig, R.t3(2, 7))
        done = n(fig, R.t3(spec.t3_total_row, 7))
        carry = n(fig, R.t3(spec.t3_carry_row, 7))
        if new or carried or done:
            groups = [("予以公开", [3]), ("部分公开", [4]), ("不予公开", range(5, 13)), ("无法提供", range(13, 16)),
                      ("不予处理", range(16, 21)), ("其他处理", range(21, spec.t3_total_row))]
            parts = [f"{lab}{sum(n(fig, R.t3(r, 7)) for r in rows)}件" for lab, rows in groups
                     if sum(n(fig, R.t3(r, 7)) for r in rows)]
            s = f"全年共收到政府信息公开申请{new}件" + (f"，上年结转{carried}件" if carried else "")
            s += f"；办理完结{done}件" + (f"，其中{'、'.join(parts)}" if parts else "")
            s += f"；结转下年度继续办理{carry}件。" if carry else "。"
            out.append("严格按照《条例》规定的程序和时限办理政府信息公开申请，" + s)
        else:
            out.append("严格按照《条例》规定的程序和时限做好依申请公开工作，全年未收到政府信息公开申请。")
    elif section == "政府信息管理":
        out += figure_phrase(fig, "落实“先审查、后公开”和“一事一审”要求，",
                             [("公开前保密审查信息条数", "全年对{}条拟公开信息进行了保密审查")])
        keys = spec.t2_row(spec.norm_label)
        if spec.name == "2021" and (n(fig, keys[1]) or n(fig, keys[2])):
            out.append(f"加强行政规范性文件管理，本年废止{n(fig, keys[1])}件，现行有效{n(fig, keys[2])}件。")
    elif section == "政府信息公开平台建设":
        out += figure_phrase(fig, "发挥政府网站和政务新媒体的公开平台作用，", [("政务新媒体账号数", "现有政务新媒体账号{}个"),
                                                           ("政务新媒体发布信息条数", "全年通过政务新媒体发布信息{}条")])
    elif section == "监督保障":
        out += figure_phrase(fig, "加强政务公开队伍建设，", [("政务公开培训场次", "举办政务公开业务培训{}场"),
                                               ("参加培训人次", "参训{}人次")])
        review, direct, after = n(fig, R.t4(5)), n(fig, R.t4(10)), n(fig, R.t4(15))
        if review or direct or after:
            fixed = n(fig, R.t4(2)) + n(fig, R.t4(7)) + n(fig, R.t4(12))
            out.append(f"全年因政府信息公开被申请行政复议{review}件，被提起行政诉讼{direct + after}件"
                       + (f"，其中结果被纠正{fixed}件，已逐件分析原因、整改落实。" if fixed else "，均未被纠正。"))
        else:
            out.append("全年未发生因政府信息公开引起的行政复议和行政诉讼。")
    return out


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
    return "、".join(f"“{short_title(v.task['text'], 20)}”（时限{cn_date(v.task.get('deadline'))}）"
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
        if len(items) == 1:
            s += items[0] + "。"
        else:
            s += "；".join(f"{ORDINALS[i]}{x}" for i, x in enumerate(items)) + "。"
        rest = done[MAX_ITEMS:]
        if rest:
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
            blocks += [{"heading": False, "text": p} for p in paras]
    return blocks


def overview(who: str, fig: dict, views: list[TaskView], consolidated: bool, year, spec, frames: Frames,
             names: list[str], makes_rules: bool = True) -> Sections:
    """一、总体情况 in its five subsections: the figures, then the tasks told under each."""
    quoted: dict = {}
    return [(section, figure_sentences(section, fig, spec, year, who, consolidated, makes_rules)
             + task_paragraph([v for v in views if v.section == section], consolidated, frames, quoted, names))
            for section in SECTIONS]


def open_counts(views: list[TaskView]) -> str:
    """"正在推进7项、尚未启动2项" for the tasks not finished."""
    doing = sum(1 for v in views if v.open and v.status == IN_PROGRESS)
    waiting = sum(1 for v in views if v.open and v.status != IN_PROGRESS)
    return "、".join(x for x in [f"正在推进{doing}项" if doing else "", f"尚未启动{waiting}项" if waiting else ""] if x)


def lead(who: str, views: list[TaskView], plan_title: str, year, cutoff: dt.date | None, round_name: str,
         consolidated: bool) -> list[dict]:
    """The paragraph before （一）: the year's work against the plan, as of which round."""
    mine = [v for v in views if v.status != L.NA]
    if not mine:
        return []
    done = sum(v.done for v in mine)
    title = f"《{plan_title}》" if plan_title else f"{year}年政务公开工作要点"
    when = f"截至{cn_date(cutoff)}" if cutoff else "截至本次汇总"
    scope = "逐项分解到各镇街和部门，定期调度落实情况" if consolidated else "逐项明确责任人和完成时限"
    s = (f"{year}年，{who}认真贯彻落实《中华人民共和国政府信息公开条例》和上级关于政务公开工作的部署要求，"
         f"对照{title}{scope}。{when}（{round_name or '最近一次调度'}数据），"
         + (f"涉及的{len(mine)}项任务已全部完成。" if done == len(mine) else
            f"涉及的{len(mine)}项任务已完成{done}项，{open_counts(mine)}。"))
    return [{"heading": False, "text": s}]


# ------------------------------------------------------------------------------ 五、存在的主要问题及改进情况

STANDARD_PROBLEM = ("对照群众期待和上级要求，政务公开工作仍存在一些不足：政策解读的形式和实效有待提升，"
                    "公开内容的系统性、及时性还需加强。")
STANDARD_MEASURE = ("下一步，将进一步加强政策解读和回应关切，健全信息发布审核机制，"
                    "加强业务培训和日常检查，持续提高政务公开质量和实效。")


def problems_and_measures(views: list[TaskView], entries: list[dict], consolidated: bool, cutoff,
                          draft: Draft) -> Sections:
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
        when = f"截至{cn_date(cutoff)}，" if cutoff else ""
        s = f"一是工作要点落实还不到位。{when}仍有{len(open_)}项任务没有全部完成"
        s += (f"，其中{len(late)}项已超过完成时限" if late else "") + f"，主要是{titles(late or open_, 3)}等。"
        first.append(s)
    told = sorted(texts.items(), key=lambda kv: -len(kv[1]))[:3]
    for i, (t, units) in enumerate(told, len(first)):
        head = ORDINALS[i] if i < len(ORDINALS) else ""
        if consolidated and len(units) > 1:
            first.append(f"{head}{len(units)}个单位反映：{t}。")
        else:
            first.append(f"{head}{t}。")
    if not told:
        first.append(STANDARD_PROBLEM if not first else "二是" + STANDARD_PROBLEM.split("：", 1)[1])
        draft.standard.append("五（一）存在的主要问题")
    measures = [t for t in plans if not TIME_BOUND.search(t)][:3]
    second = []
    if open_:
        second.append(f"对尚未完成的{len(open_)}项任务逐项明确责任和时限，跟踪督办，确保落实到位。")
    if measures:
        second.append("下一步，" + "；".join(m for m in measures) + "。")
    else:
        second.append(STANDARD_MEASURE)
        draft.standard.append("五（二）改进措施")
    return [("存在的主要问题", first), ("改进情况", second)]


def last_year(last_entries: list[dict], draft: Draft) -> Sections:
    """How last year's problems were dealt with, when last year's summary is given."""
    problems = []
    for e in last_entries:
        text = squeeze(e.get("存在问题")).strip("。；;，, ")
        if text and text not in problems:
            problems.append(text)
    if not problems:
        return []
    draft.standard.append("五（三）上年度问题整改情况")
    listed = "".join(f"“{quote_safe(p)}”" for p in problems[:3])
    return [("上年度问题整改情况", [f"针对上年度报告反映的{listed}等问题，本年度逐项明确整改措施，"
                                   "整改情况如下：（请撰稿人根据实际补充整改结果）。"])]


# ------------------------------------------------------------------------------ 六、其他需要报告的事项

def other_matters(fig: dict, views: list[TaskView], consolidated: bool, year, plan_title: str, spec,
                  settings: dict, cutoff, round_name: str, draft: Draft, fee_text) -> Sections:
    npc, cppcc = num(fig, "办理人大代表建议件数"), num(fig, "办理政协提案件数")
    if npc is not None or cppcc is not None:
        parts = ([f"办理人大代表建议{int(npc)}件"] if npc else []) + ([f"政协提案{int(cppcc)}件"] if cppcc else [])
        s = ("本年度共" + "、".join(parts) + "，办理结果均已按规定在政府网站公开。") if parts else \
            "本年度未承办人大代表建议和政协提案。"
    elif settings.get("npc"):
        s = settings["npc"]
    else:
        s = "本年度人大代表建议和政协提案办理结果公开情况：（请撰稿人填写承办件数和公开情况）。"
        draft.standard.append("六（二）人大代表建议和政协提案办理结果公开")
    sections = [("信息处理费收取情况", [fee_text]), ("人大代表建议和政协提案办理结果公开情况", [s]),
                ("政务公开工作要点落实情况", plan_sentence(views, consolidated, year, plan_title, cutoff, round_name)),
                ("其他事项", [settings["other"]] if settings.get("other") else [])]
    return sections


def plan_sentence(views: list[TaskView], consolidated: bool, year, plan_title: str, cutoff,
                  round_name: str) -> list[str]:
    """六's account of the plan's tasks, as of the round (none when no task of the plan is this organ's)."""
    mine = [v for v in views if v.status != L.NA]
    if not mine:
        return []
    done = [v for v in mine if v.done]
    doing = [v for v in mine if v.open]
    late = [v for v in doing if v.overdue]
    title = f"《{plan_title}》" if plan_title else f"{year}年政务公开工作要点"
    when = f"截至{cn_date(cutoff)}（{round_name}）" if cutoff else f"据{round_name or '最近一次调度'}"
    s = f"{title}{'明确的' if consolidated else '涉及本单位的'}{len(mine)}项任务，{when}已完成{len(done)}项"
    s += f"，{open_counts(mine)}" if doing else "，全部完成"
    s += "。"
    if late:
        s += f"已超过完成时限尚未完成的有{late_list(late, 5)}，已列入督办。"
    return [s]
