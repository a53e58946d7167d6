"""Stage 1: read a published work plan (政务公开工作要点) into a structured task list.

API: ``read_plan(paths, year=None, registry=None) -> Plan``; ``make_task_list(PlanOptions(...)) -> PlanResult`` writes
the task list workbook (and JSON) for review; ``make_registry(...) -> RegistryResult`` drafts a registry.  The rules follow the structure of
such documents (headings 一、/（一）/1./（1）, responsibility statements, attached task tables),
not any one file. A document's task tables are found by the layout readers in ``LAYOUTS`` (each registered with
``@layout``, called through ``read_layouts``); a document without one is read as prose (``prose_segments``).
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Callable

from .model import Plan, Task, cn_number
from .problems import GongkaiError, Problem
from .registry import load_registry, registry_from_plan, write_registry
from .reportsections import classify, load_rules
from .results import PlanResult, RegistryResult
from .sources import HEADER_WORDS, PAGE_NUMBER, Line, Table, read_document
from .tables import backup_copy, guard_output
from .tasklist import (CHANGES_SHEET, append_carried, carried_rows, merge_task_list, parsed_before, read_task_list,
                       write_json, write_task_list)
from .units import LABEL as UNIT_LABEL, find_bare_statement, find_statements, is_statement_only, parse_units

# ------------------------------------------------------------------------------ text helpers

TERMINAL = "。！？!?；;：:"
MARKERS = [
    ("cn", re.compile(r"^([一二三四五六七八九十]{1,3})\s*[、.．,，]\s*")),
    ("pcn", re.compile(r"^[（(]\s*([一二三四五六七八九十]{1,3})\s*[）)]\s*")),
    ("num", re.compile(r"^([0-9０-９]{1,3})\s*(?:[.．、](?![0-9０-９])|\s*[)）])\s*")),
    ("pnum", re.compile(r"^[（(]\s*([0-9０-９]{1,3})\s*[）)]\s*")),
    ("circ", re.compile(r"^([①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳])\s*")),
]
DOC_NUMBER = re.compile(r"^[\u4e00-\u9fa5]{1,14}\s*[〔\[［【(（]\s*((?:19|20)\d{2})\s*[〕\]］】)）]\s*\d{1,4}\s*号$")
DATE_LINE = re.compile(r"^((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
TITLE_WORDS = re.compile(r"(通知|方案|要点|意见|办法|规划|计划|安排|清单|任务|决定|分解表|任务表|一览表|台账)$")
# a web page's furniture around the document: "索引号: …", "发布机构: …", "生成日期: 2021-03-05" …
FURNITURE = re.compile(r"^(索引号|发布机构|发文机关|生成日期|成文日期|发布日期|发布时间|公开日期|文号|发文字号|主题分类|主题词|"
                       r"公文种类|名称|标题|来源|信息来源|浏览次数|点击数?|字号|分类|有效性|体裁分类|公开方式|公开范围|作者|"
                       r"组配分类|时效性?)\s*[:：]\s*(.*)$")
PAGE_CHROME = re.compile(r"打印本页|关闭窗口|【\s*字体|分享到|当前位置|您的位置|^首页\s*[>＞]")
FURNITURE_DATE = re.compile(r"((?:19|20)\d{2})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})")


def match_marker(text: str):
    for kind, rx in MARKERS:
        m = rx.match(text)
        if m:
            rest = text[m.end():]
            if kind == "num" and not rest:
                return None
            return kind, m.group(1), text[:m.end()].strip(), rest
    return None


def squeeze(text: str) -> str:
    """Drop spaces the PDF extraction put between CJK characters and digits."""
    text = re.sub(r"[ \t\u3000]+", " ", text).strip()
    cjk = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’《》〈〉（）【】、，。；：！？]"
    text = re.sub(rf"(?<={cjk}) (?=[0-9A-Za-z{cjk[1:-1]}])", "", text)
    text = re.sub(rf"(?<=[0-9A-Za-z%]) (?={cjk})", "", text)
    return text


def _ends_terminal(t: str) -> bool:
    t = t.rstrip("”’\"' ")
    if not t:
        return True
    if t[-1] in TERMINAL:
        return True
    if t[-1] in "）)":
        st = find_statements(t)
        return bool(st) and st[-1][1] == len(t)
    return False


# ------------------------------------------------------------------------------ paragraphs

@dataclass
class Para:
    text: str
    source: str


def _drop_noise(lines: list[Line]) -> list[Line]:
    counts = Counter(l.text.strip() for l in lines if l.text.strip())
    out = []
    prev = ""
    for l in lines:
        t = l.text.strip()
        if t and PAGE_NUMBER.match(t):
            continue
        # a repeated short line is a running header/footer — unless it ends a unit list cut at the line end
        # ("责任单位：…各镇、光" + "明路街道", the same in every task)
        ends_list = bool(UNIT_LABEL.search(prev)) and not _ends_terminal(prev)
        if t and counts[t] >= 3 and len(t) <= 30 and not match_marker(t) and not l.text.startswith("\t") \
                and not re.search(r"[，、。；：（）()“”,;:]", t) and not ends_list:
            continue
        out.append(l)
        prev = t or prev
    return out


def make_paragraphs(lines: list[Line]) -> list[Para]:
    """Join text lines into paragraphs (PDF text breaks lines inside sentences and words)."""
    texts = [l.text.strip() for l in lines if l.text.strip()]
    long_lines = [len(t) for t in texts if len(t) >= 8]
    hard = False
    typical = 0
    if long_lines:
        open_ends = sum(1 for t in texts if len(t) >= 8 and not _ends_terminal(t))
        hard = open_ends / len(long_lines) >= 0.45
        typical = sorted(long_lines)[int(len(long_lines) * 0.75)]
    paras: list[Para] = []
    prev_line: Line | None = None
    for line in lines:
        t = line.text.strip()
        if not t:
            continue
        # text lines may be broken anywhere; Word paragraphs only when the document was made from
        # hard-wrapped text (a PDF pasted into Word), which the statistics above detect
        if paras and prev_line is not None and (hard or not (line.paragraph or prev_line.paragraph)):
            prev = prev_line.text.strip()
            join = False
            # a unit list that ran to the edge of the printed line goes on below with the rest of a name
            # ("责任单位：…各镇、光" + "明路街道"): a short line, no sentence in it
            cut_list = hard and is_statement_only(prev) and len(prev) >= 0.85 * typical \
                and len(t) <= 0.6 * typical and not re.search(r"[。；;：:]", t.rstrip("。"))
            if not _ends_terminal(prev) and not match_marker(t) and not is_statement_only(t) \
                    and (not is_statement_only(prev) or cut_list):
                if hard:
                    join = len(prev) >= 0.7 * typical or bool(re.search(r"[，。；：,;、]", prev))
                else:
                    join = bool(re.search(r"[，。；：,;]", prev))
            if join:
                sep = " " if re.match(r"[0-9A-Za-z]", t) and re.search(r"[0-9A-Za-z]$", paras[-1].text) else ""
                paras[-1].text += sep + t
                prev_line = line
                continue
        paras.append(Para(t, line.source))
        prev_line = line
    for p in paras:
        p.text = squeeze(p.text)
    return paras


# ------------------------------------------------------------------------------ documents

@dataclass
class Document:
    lines: list = field(default_factory=list)      # Line and Table blocks
    number: str = ""
    title: str = ""
    date: str = ""
    year: int | None = None


def split_documents(blocks: list) -> list[Document]:
    """A gazette issue holds several documents; each starts at its 文号 line."""
    docs = [Document()]
    for b in blocks:
        if isinstance(b, Line) and DOC_NUMBER.match(b.text.strip()) and len(b.text.strip()) <= 30:
            docs.append(Document(number=squeeze(b.text), year=int(DOC_NUMBER.match(b.text.strip()).group(1))))
        docs[-1].lines.append(b)
    if len(docs) > 1 and not any(isinstance(b, Table) for b in docs[0].lines) and \
            not any(isinstance(b, Line) and (find_statements(b.text) or is_statement_only(b.text.strip()))
                    for b in docs[0].lines):
        docs = docs[1:]   # front matter (cover, table of contents) before the first document
    for d in docs:
        _find_title(d)
    return docs


def _find_title(doc: Document) -> None:
    texts = [squeeze(b.text) for b in doc.lines[:60] if isinstance(b, Line) and b.text.strip()]
    furniture = [m for m in (FURNITURE.match(t) for t in texts) if m]
    # the page's furniture and a table's header cells are not the title
    texts = [t for t in texts if not FURNITURE.match(t) and not PAGE_CHROME.search(t) and not _is_header_cell(t)]
    named = next((m.group(2).strip() for m in furniture if m.group(1) in ("名称", "标题") and m.group(2).strip()), "")
    if named:
        texts.insert(0, named)
    title = ""
    for i, t in enumerate(texts[:15]):
        if DOC_NUMBER.match(t):
            continue
        if ("关于" in t or TITLE_WORDS.search(re.sub(r"\s", "", t))) and len(t) <= 80:
            title = re.sub(r"\s+", "", t)
            # a title broken over two lines
            if i + 1 < len(texts) and not TITLE_WORDS.search(title) and TITLE_WORDS.search(texts[i + 1]) \
                    and len(texts[i + 1]) < 40:
                title += re.sub(r"\s+", "", texts[i + 1])
            break
    if not title and texts:
        title = re.sub(r"\s+", "", texts[0])[:80]
    inner = re.search(r"印发[《〈](.+?)[》〉]", title)
    doc.title = inner.group(1) if inner else title
    for t in (squeeze(b.text) for b in doc.lines if isinstance(b, Line) and b.text.strip()):
        m = DATE_LINE.match(t)
        if m:
            doc.date = f"{int(m.group(1))}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
            break
    if not doc.date:
        for m in furniture:
            d = FURNITURE_DATE.search(m.group(2)) if "日期" in m.group(1) or "时间" in m.group(1) else None
            if d:
                doc.date = f"{int(d.group(1))}-{int(d.group(2)):02d}-{int(d.group(3)):02d}"
                break
    ym = re.search(r"((?:19|20)\d{2})年", doc.title)
    if ym:
        doc.year = int(ym.group(1))
    elif doc.date:
        doc.year = int(doc.date[:4])


# ------------------------------------------------------------------------------ prose tasks

@dataclass
class Segment:
    path: list[str]
    text: str
    source: str
    number: str = ""
    kind: str = ""          # marker kind for items, "" for plain paragraphs
    section: int = 0
    units_raw: str = ""
    closed: bool = False
    by_line: bool = False   # closed by a separate '责任单位：' paragraph


def _heading_title(marker: str, rest: str) -> tuple[str, bool]:
    """Title of a heading paragraph and whether the paragraph is only a heading."""
    body = rest.strip()
    m = re.search(r"[。；;！!？?]|：(?!$)", body)
    if m is None or (m.end() == len(body) and len(body) <= 40 and body[-1] not in "。！!？?"):
        only = len(body) <= 60 and not find_statements(body)
        return marker + body.rstrip("。；;：:"), only
    return marker + body[:m.start()], False


class _Prose:
    """Paragraphs read in order into segments: the heading stack above them, the segment still open."""

    def __init__(self) -> None:
        self.segs: list[Segment] = []
        self.stack: list[tuple[str, str, int]] = []   # (kind, title, number)
        self.current: Segment | None = None

    def section(self) -> int:
        for kind, _, num in self.stack:
            if kind == "cn":
                return num
        return self.stack[0][2] if self.stack else 0

    def titles(self) -> list[str]:
        return [t for _, t, _ in self.stack]

    def start(self, text: str, source: str, **kw) -> Segment:
        seg = Segment(self.titles(), text, source, section=self.section(), **kw)
        self.segs.append(seg)
        return seg

    def settle(self, seg: Segment) -> Segment | None:
        """Close seg at each responsibility statement; return the open remainder, if any."""
        while True:
            st = find_statements(seg.text)
            if not st:
                bare = find_bare_statement(seg.text)
                if bare and len(seg.text[:bare[0]].strip()) >= 4:
                    seg.units_raw = bare[1].strip("。. ")
                    seg.text = seg.text[:bare[0]].strip()
                    seg.closed = True
                    return None
                return seg
            s, e, content = st[0]
            rest = seg.text[e:].lstrip(" 。.；;").rstrip()
            seg.units_raw = content.strip()
            seg.text = seg.text[:s].rstrip()
            seg.closed = True
            if len(re.sub(r"[^\u4e00-\u9fff]", "", rest)) < 4:
                return None
            # the next item run on in the same paragraph ("…（责任单位：…）15.加大…"): its number is a marker
            m = match_marker(rest)
            if m and m[0] in ("num", "pnum", "circ"):
                seg = self.start(m[3].strip(), seg.source, number=m[1], kind=m[0])
            else:
                seg = self.start(rest, seg.source)

    def statement(self, p: Para, heading_before: str | None) -> None:
        """A paragraph that is only a responsibility statement ("责任单位：…"): the units of the item above, of
        the heading just before it, or more units of the statement above."""
        content = p.text.strip()
        if content[0] in "（(":
            content = find_statements(content)[0][2]
        content = content.strip("。. ")
        current = self.current
        if current is not None and not current.closed:
            current.units_raw = content
            current.closed = True
            current.by_line = True
        elif self.segs and self.segs[-1].by_line and heading_before is None:
            self.segs[-1].units_raw += "；" + content
        elif heading_before is not None:
            kind, title, n = self.stack.pop()
            self.start(re.sub(r"^\S*?[、.．）)]", "", title, count=1), p.source, number=str(n), kind=kind,
                       units_raw=content, closed=True, by_line=True)
            self.stack.append((kind, title, n))
        else:
            self.start("", p.source, units_raw=content, closed=True, by_line=True)
        self.current = None

    def item(self, p: Para, m) -> str | None:
        """A numbered paragraph: a heading (its title returned) or an item, a segment of its own."""
        kind, num, marker, rest = m
        kinds = [k for k, _, _ in self.stack]
        if kind in kinds:
            del self.stack[kinds.index(kind):]
        title, only = _heading_title(marker, rest)
        n = cn_number(num) if kind in ("cn", "pcn") else (cn_number(num) if kind != "circ" else 0)
        if only:
            self.stack.append((kind, title, n or 0))
            self.current = None
            return title
        seg = self.start(rest, p.source, number=str(n or num), kind=kind)
        self.stack.append((kind, title, n or 0))
        self.current = self.settle(seg)
        return None

    def plain(self, p: Para) -> None:
        """A paragraph without a number: goes on with the open segment, else starts one."""
        if self.current is not None and not self.current.closed:
            self.current.text += p.text
            self.current = self.settle(self.current)
        else:
            self.current = self.settle(self.start(p.text, p.source))


def prose_segments(paras: list[Para]) -> list[Segment]:
    prose = _Prose()
    last_heading = None
    for p in paras:
        heading_before, last_heading = last_heading, None
        if is_statement_only(p.text):
            prose.statement(p, heading_before)
            continue
        m = match_marker(p.text)
        if m:
            last_heading = prose.item(p, m)
        else:
            prose.plain(p)
    return prose.segs


# sections before the tasks: numbered items there are principles, not tasks (保障 sections hold tasks too)
PREAMBLE_SECTIONS = re.compile(r"总体要求|指导思想|基本原则|工作目标|目标任务")


def select_tasks(segs: list[Segment]) -> list[Segment]:
    with_units = [s for s in segs if s.units_raw]
    if with_units:
        kinds = {s.kind for s in with_units if s.kind}
        sections = {s.section for s in with_units}
        # numbered items like the ones that carry statements are tasks too, in any section but the
        # preamble ones (总体要求, 保障措施 …): a task whose statement was left out is kept and flagged
        return [s for s in segs if s.units_raw or
                (s.kind and s.kind in kinds and len(s.text) >= 10 and
                 (s.section in sections or not any(PREAMBLE_SECTIONS.search(p) for p in s.path[:1])))]
    # no responsibility statements at all: the deepest numbered items are the tasks
    items = [s for s in segs if s.kind and not any(PREAMBLE_SECTIONS.search(p) for p in s.path[:1])]
    if not items:
        return []
    order = ["cn", "pcn", "num", "pnum", "circ"]
    deepest = max(order.index(s.kind) for s in items)
    return [s for s in items if order.index(s.kind) == deepest and len(s.text) >= 10]


# ------------------------------------------------------------------------------ table tasks


@dataclass
class RawTable:
    cells_rows: list[list[str]]
    sources: list[str]
    merges_known: bool = False      # an empty cell is empty (Word); else it may be a merged cell's rest
    open_cells: set | None = None   # only these (row, column) may be (a PDF: the top of a page); None: any


# ------------------------------------------------------------------------------ layouts: where a plan's task tables are

@dataclass
class Blocks:
    """What a layout reader reads: one document's text lines, its ruled tables (Word's, a PDF's), and the text
    lines a reader before it has read already (not to be read again)."""
    lines: list[Line]
    tables: list[Table]
    used: set[int] = field(default_factory=set)


@dataclass
class Layout:
    name: str
    read: Callable[[Blocks], tuple[list[RawTable], set[int]]]


LAYOUTS: list[Layout] = []


def layout(name: str):
    """Register a layout reader ``fn(blocks) -> (tables, lines)``: the task tables it recognises in a document
    (none when its layout is not there) and the indexes of the text lines it read them from. Readers run in the
    order they are defined, each on the lines the readers before it left; ``table_tasks`` reads every table."""
    def register(fn):
        LAYOUTS.append(Layout(name, fn))
        return fn
    return register


def read_layouts(lines: list[Line], tables: list[Table]) -> tuple[list[RawTable], set[int]]:
    """The one seam between a document and its task tables: every layout reader in turn. Returns the tables found
    and the text lines they were read from (the lines left are read as prose)."""
    blocks = Blocks(lines, tables)
    found: list[RawTable] = []
    for lay in LAYOUTS:
        got, used = lay.read(blocks)
        found += got
        blocks.used |= used
    return found, blocks.used


@layout("one cell a line")
def _one_cell_a_line(blocks: Blocks) -> tuple[list[RawTable], set[int]]:
    """A table flattened to text, each cell on a tab-indented line (a wrapped cell's lines back at the margin)."""
    lines = blocks.lines
    used: set[int] = set()
    tab_idx = [i for i, l in enumerate(lines) if l.text.startswith("\t")]
    # the cell-per-line layout has one tab a line; rows of tab-separated cells that begin with an empty
    # (merged) cell also start with a tab, but carry several
    one_cell = sum(1 for i in tab_idx if lines[i].text.rstrip().count("\t") <= 1)
    if not (len(tab_idx) >= 6 and one_cell >= 0.8 * len(tab_idx)):
        return [], used
    # the table starts at its header; indented lines before it (a centred date, a signature) are not cells
    heads = [a for a, b in zip(tab_idx, tab_idx[1:]) if _is_header_cell(lines[a].text) and _is_header_cell(lines[b].text)]
    first, last = (heads[0] if heads else tab_idx[0]), tab_idx[-1]
    cells: list[str] = []
    srcs: list[str] = []
    for i in range(first, last + 1):
        l = lines[i]
        used.add(i)
        if l.text.startswith("\t"):
            for part in l.text.split("\t")[1:]:
                cells.append(part.strip())
                srcs.append(l.source)
        elif l.text.strip() and cells:
            cells[-1] += l.text.strip()
    # continuation lines after the last tab line that belong to its cell
    j = last + 1
    while j < len(lines) and lines[j].text.strip() and not lines[j].text.startswith("\t") \
            and not _ends_terminal(cells[-1] if cells else "。") and len(lines[j].text.strip()) < 30:
        cells[-1] += lines[j].text.strip()
        used.add(j)
        j += 1
    rows = _cells_to_rows(cells, srcs)
    return ([rows] if rows else []), used


def _separated_rows(blocks: Blocks, sep: str) -> tuple[list[RawTable], set[int]]:
    """Rows of cells joined by ``sep``, a row a line."""
    lines = blocks.lines

    def row_text(l: Line) -> str:
        t = l.text.replace("｜", "|")
        # a tab row keeps its empty cells, leading and trailing (merged with the row above)
        return t.rstrip(" \r\u3000") if sep == "\t" else t.strip().strip("|")

    full = [i for i, l in enumerate(lines) if i not in blocks.used and row_text(l).count(sep) >= 2]
    if len(full) < 3:
        return [], set()
    # within the table, a row with fewer cells (its merged cells left out, as a browser copy does) is
    # still a row: the task reader aligns it to the header by its units
    end = full[-1] + 1
    while end < len(lines) and end not in blocks.used and row_text(lines[end]).count(sep) >= 1:
        end += 1
    # a group heading between the rows ("一、…" alone on its line, as a row merged across the table
    # is saved) stays in the table as its one cell: the task reader takes it as the rows' context
    rows = [i for i in range(full[0], end) if i not in blocks.used and
            (row_text(lines[i]).count(sep) >= 1 or _heading_line(lines[i].text))]
    cells = [[c.strip() for c in row_text(lines[i]).split(sep)] for i in rows]
    return [RawTable(cells, [lines[i].source for i in rows])], set(rows)


@layout("tab-separated rows")
def _tab_rows(blocks: Blocks) -> tuple[list[RawTable], set[int]]:
    """Word's save-as-text: a row a line, its cells joined by tabs."""
    return _separated_rows(blocks, "\t")


@layout("rows separated by bars")
def _bar_rows(blocks: Blocks) -> tuple[list[RawTable], set[int]]:
    """An archived web page or a Markdown copy: cells joined by " | "."""
    return _separated_rows(blocks, "|")


@layout("ruled tables")
def _ruled_tables(blocks: Blocks) -> tuple[list[RawTable], set[int]]:
    """Word's and a PDF's own tables (``sources`` has read them cell by cell)."""
    return [RawTable(b.rows, b.row_sources or [b.source] * len(b.rows), b.merges_known, b.open_cells)
            for b in blocks.tables], set()


def _heading_line(text: str) -> bool:
    m = match_marker(text.strip())
    return bool(m) and m[0] in ("cn", "pcn") and len(text.strip()) <= 80 and not re.search(r"[。；;|\t]", text.strip())


def _is_header_cell(c: str) -> bool:
    return bool(HEADER_WORDS.match(re.sub(r"\s", "", c)))


def _cells_to_rows(cells: list[str], srcs: list[str]) -> RawTable | None:
    """Cut a stream of cells into rows, using the (repeated) header to learn the column count."""
    header: list[str] = []
    i = 0
    while i < len(cells) and _is_header_cell(cells[i]):
        header.append(cells[i])
        i += 1
    if len(header) < 2:
        return None
    k = len(header)
    segments: list[list[int]] = [[]]
    j = i
    while j < len(cells):
        if cells[j:j + k] == header:
            segments.append([])
            j += k
            continue
        segments[-1].append(j)
        j += 1
    segments = [s for s in segments if s]
    # group headings ("一、…", "（一）…" — a row merged across the table) are cells of their own: taken out
    # before the rows are counted, put back as one-cell rows above the row they precede
    heads = {j for s in segments for j in s if _heading_line(cells[j])}
    if heads:
        plain = [[j for j in s if j not in heads] for s in segments]
        with_heads = _rows_of(cells, srcs, header, [s for s in plain if s])
        if with_heads is not None:
            rows_idx = with_heads[1]
            table_rows, table_srcs = [with_heads[2][0]], [with_heads[3][0]]
            pending = sorted(heads)
            for r, row, src in zip(rows_idx, with_heads[2][1:], with_heads[3][1:]):
                while pending and pending[0] < r[0]:
                    table_rows.append([cells[pending[0]]])
                    table_srcs.append(srcs[pending.pop(0)])
                table_rows.append(row)
                table_srcs.append(src)
            return RawTable(table_rows, table_srcs)
    best = _rows_of(cells, srcs, header, segments)
    return None if best is None else RawTable(best[2], best[3])


def _rows_of(cells: list[str], srcs: list[str], header: list[str], segments: list[list[int]]):
    """(score, cell indexes of each row, table rows with the header first, their sources) or None."""
    k = len(header)
    resp = next((x for x, h in enumerate(header) if re.search(r"责任|牵头|单位|部门", h)), k - 1)
    best = None
    for n in range(k, k + 4):
        if any(len(s) % n for s in segments):
            continue
        pos = n - (k - resp)
        rows = [s[r:r + n] for s in segments for r in range(0, len(s), n)]
        score = sum(1 for r in rows if _unitish(cells[r[pos]])) / max(1, len(rows))
        if best is None or score > best[0] + 1e-9:
            best = (score, n, rows)
    if best is None or best[0] < 0.5:
        # merged cells were left out, not printed empty: cut the stream where each cell fits its column
        cut = _cut_by_columns(cells, srcs, header, segments)
        if cut is not None:
            return cut
        # a row ends at each cell that lists units
        rows, cur = [], []
        for seg in segments:
            for x in seg:
                cur.append(x)
                if _unitish(cells[x]) and len(cur) >= 2:
                    rows.append(cur)
                    cur = []
        if not rows:
            return None
        n = max(len(r) for r in rows)
        table_rows = [[header[0]] * (n - k + 1) + header[1:]]
        for r in rows:
            table_rows.append([""] * (n - len(r)) + [cells[x] for x in r])
        return (0.0, rows, table_rows, [srcs[0]] + [srcs[r[0]] for r in rows])
    score, n, rows = best
    extra = n - k
    hdr = [header[0]] * (extra + 1) + header[1:]
    table_rows = [hdr] + [[cells[x] for x in r] for r in rows]
    if score < 1 - 1e-9 and n == k:
        # not every row has its units where the header says: merged cells may have been left out, so that an
        # even count of cells a row is a coincidence — the cut by columns, when it fits the cells better
        cut = _cut_by_columns(cells, srcs, header, segments)
        if cut is not None and _layout_fit(cut[2][1:], header) > _layout_fit(table_rows[1:], header) + 1e-9:
            return cut
    return (score, rows, table_rows, [srcs[0]] + [srcs[r[0]] for r in rows])


def _cut_by_columns(cells: list[str], srcs: list[str], header: list[str], segments: list[list[int]]):
    """Cells one a line with merged cells left out (not printed empty): the rows are where each cell fits its
    column best, columns rising within a row — a dynamic programme over (cell, column); a column left out costs
    less when it is one that merges (a number, a group, a 牵头, a time). Returns what ``_rows_of`` does, or None
    when the table has no unit column or has its units last."""
    width = len(header)
    col = _header_columns([re.sub(r"\s", "", h) for h in header])
    if not {"lead", "resp", "coop"} & col.keys() or width - 1 in {col.get(k) for k in ("lead", "resp", "coop")}:
        return None       # units in the last column: a row ends at its units (the caller's rule), however wide
    _group_columns(col, width)
    kind = {x: k for k, x in col.items()}
    miss = [LEFT_OUT.get(kind.get(x, "group"), 0.5) - 1.0 for x in range(width)]   # leaving a column out costs
    before = [sum(miss[:x]) for x in range(width + 1)]                               # columns 0..x-1 left out
    rows: list[list[tuple[int, int]]] = []     # (cell, column) pairs
    total = 0.0
    for seg in segments:
        fits = [[_cell_fit(cells[j], kind.get(x, "group")) for x in range(width)] for j in seg]
        seg_total, seg_rows = _cut_segment(seg, fits, before, width)
        total += seg_total
        rows += seg_rows
    if not rows:
        return None
    table_rows = [list(header)]
    lead, coop = col.get("lead"), col.get("coop")
    for r in rows:
        row = [""] * width
        for j, x in r:
            row[x] = cells[j]
        above = table_rows[-1] if len(table_rows) > 1 else None
        # one list of names, the same as the 配合 of the row above (its 牵头 merged down): 配合 here too
        if above and lead is not None and coop is not None and row[lead] and not row[coop] and \
                re.sub(r"\s", "", row[lead]) == re.sub(r"\s", "", above[coop]) != re.sub(r"\s", "", above[lead]):
            row[lead], row[coop] = "", row[lead]
        table_rows.append(row)
    idx = [[j for j, _ in r] for r in rows]
    return (total / max(1, len(rows)), idx, table_rows, [srcs[0]] + [srcs[r[0]] for r in idx])


def _cut_segment(seg: list[int], fits: list[list[float]], before: list[float], width: int):
    """The best cut of one run of cells (``seg``, the cells' fit to each column in ``fits``) into rows: a dynamic
    programme over (cell, column), columns rising within a row, ``before[x]`` the cost of leaving columns 0..x-1
    out. Returns (score, rows), a row being its (cell, column) pairs."""
    n = len(seg)
    score = [[float("-inf")] * width for _ in range(n)]
    back: list[list[tuple[int, bool]]] = [[(-1, True)] * width for _ in range(n)]
    for i in range(n):
        for x in range(width):
            if i == 0:
                score[i][x], back[i][x] = before[x] + fits[i][x], (-1, True)
                continue
            best, how = float("-inf"), (-1, True)
            for c in range(width):
                prev = score[i - 1][c]
                if prev == float("-inf"):
                    continue
                if c < x:                                     # the same row goes on
                    v = prev + before[x] - before[c + 1]
                    if v > best:
                        best, how = v, (c, False)
                v = prev + before[width] - before[c + 1] + before[x]        # a new row starts here
                if v > best:
                    best, how = v, (c, True)
            score[i][x], back[i][x] = best + fits[i][x], how
    end = max(range(width), key=lambda c: score[n - 1][c] + before[width] - before[c + 1])
    total = score[n - 1][end] + before[width] - before[end + 1]
    placed: list[tuple[int, int]] = []
    seg_rows: list[list[tuple[int, int]]] = []
    i, x = n - 1, end
    while i >= 0:
        placed.append((seg[i], x))
        c, new_row = back[i][x]
        if new_row:
            seg_rows.append(list(reversed(placed)))
            placed = []
        i, x = i - 1, c
    return total, list(reversed(seg_rows))


def _layout_fit(rows: list[list[str]], header: list[str]) -> float:
    """How well rows fit the header's columns (the measure ``_cut_by_columns`` maximises)."""
    col = _header_columns([re.sub(r"\s", "", h) for h in header])
    _group_columns(col, len(header))
    kind = {x: k for k, x in col.items()}
    return sum(_cell_fit(c, kind.get(x, "group")) if c else LEFT_OUT.get(kind.get(x, "group"), 0.5) - 1.0
               for r in rows for x, c in enumerate(r[:len(header)]))


def _unitish(c: str) -> bool:
    return bool(c) and len(c) <= 200 and \
        bool(re.search(r"(局|办|委|政府|部门|单位|镇|街道|中心|管委会|[处室厅](?=$|[、，,\s会牵配负]))", c)) \
        and not re.search(r"[。；]", c.rstrip("。"))


def _align_right(row: list[str], col: dict) -> list[str]:
    """A row that left its merged cell out (a browser copy, a flattened table) is shifted left: its units
    stand before the unit column and the unit column is empty. Shift it back so the units land there."""
    unit_col = col.get("resp", col.get("lead"))
    if unit_col is None or row[unit_col]:
        return row
    filled = [x for x, c in enumerate(row) if c]
    if not filled or filled[-1] >= unit_col or not _unitish(row[filled[-1]]):
        return row
    shift = unit_col - filled[-1]
    return [""] * shift + row[:len(row) - shift]


UNIT_GAP = re.compile(r"(?<=[局办委会府处心所院部室队司镇道位门行社团联站馆厅）)〉])[ \t\u3000]+(?=[\u4e00-\u9fff])"
                      r"(?!等|和|及|与|以及|牵头|负责|配合|协助|按职责|分别|共同)")


NAME_END = re.compile(r"(局|办|委|会|府|处|室|厅|心|所|院|部|队|司|镇|街道|位|门|行|社|团|联|馆|公司|企业|组|区|县|乡|村)$")


def _names_cell(cell: str) -> bool:
    """A cell that is a list of units: every name in it ends like one ("公开政府债务信息" does not)."""
    cell = re.sub(r"[（(](牵头|主责|主办|配合|协办|协助)(单位|部门)?[)）]", "", cell)
    parts = [re.sub(r"(牵头|负责|配合|协助|参与|落实|等)+$", "", p) for p in re.split(r"[、，,；;\s]+", cell.strip()) if p]
    return bool(parts) and len(cell) <= 120 and all(NAME_END.search(p) or p.startswith(("各", "有关", "相关"))
                                                   for p in parts)


DUE_WORDS = re.compile(r"\d{1,2}\s*月|年底|年内|年前|底前|以前|之前|长期|持续|常态|每[年月周季]|按[年月周季]|季度|小时|工作日|随时|定期")


def _header_columns(header: list[str]) -> dict:
    """Which column holds what, from the header's words: lead/coop/resp units, due, text, no, note."""
    col: dict = {}
    for x, h in enumerate(header):
        if re.search(r"牵头", h):
            col.setdefault("lead", x)
        elif re.search(r"配合|协办", h):
            col.setdefault("coop", x)
        elif re.search(r"责任|单位|部门", h):
            col.setdefault("resp", x)
        elif re.search(r"时限|时间|期限", h):
            col.setdefault("due", x)
        elif re.search(r"具体|要求|措施|内容", h):
            col.setdefault("text", x)
        elif re.search(r"序号|编号", h):
            col.setdefault("no", x)
        elif re.search(r"备注", h):
            col.setdefault("note", x)
    return col


def _group_columns(col: dict, width: int) -> list[int]:
    """The columns that group tasks (a task's name, a category); with no requirement column the last of them
    is the task's text (col gets "text")."""
    special = set(col.values())
    group_cols = [x for x in range(width) if x not in special]
    if "text" not in col and group_cols:
        col["text"] = group_cols.pop()
    return group_cols


def _cell_fit(cell: str, k: str, same_as_above: bool = False) -> float:
    """How well a cell fits a column of kind k: names in a unit column, a time in the time column, a number in
    the number column, a sentence in the requirement column."""
    unitish = _names_cell(cell)
    if k in ("lead", "resp", "coop"):
        # the same names as the row above in that column (a 配合 list repeated), else 牵头 before 配合
        return (3 if same_as_above else 2) if unitish else -3
    if unitish:
        return -3
    if k == "due":
        return 2 if len(cell) <= 40 and DUE_WORDS.search(cell) else -1
    if k == "no":
        return 2 if re.fullmatch(r"[0-9０-９]{1,3}[.．、]?", cell.strip()) else -2
    if k == "text":
        return 1 if len(cell) >= 10 else 0
    return 0


# a cell left out of a row: the mergeable ones (a number, a group, a 牵头, a time) rather than the requirement
LEFT_OUT = {"text": -1.0, "resp": -0.5, "coop": 0.75}


def _fit_short_row(row: list[str], width: int, col: dict, above: list[str] | None = None) -> list[str]:
    """A row with fewer cells than the header (a web page or a browser copy leaves a merged cell out, in any
    column): put each cell in the column it fits — names in a unit column, a date in the time column, the
    sentence in the requirement column, a number in the number column — the cells left out being the ones that
    are merged (a number, a group, a 牵头 or a time cell) rather than the requirement or the units."""
    kind = {x: k for k, x in col.items()}

    def fit(cell: str, x: int) -> float:
        same = bool(above) and re.sub(r"\s+", "", above[x]) == re.sub(r"\s+", "", cell)
        return _cell_fit(cell, kind.get(x, "group"), same)

    left_out = LEFT_OUT
    best, best_score = row, None
    for missing in combinations(range(width), width - len(row)):
        cols = [x for x in range(width) if x not in missing]
        score = sum(fit(c, x) for c, x in zip(row, cols)) + \
            sum(left_out.get(kind.get(x, "group"), 0.5) for x in missing)
        if best_score is None or score > best_score + 1e-9:
            cells = [""] * width
            for c, x in zip(row, cols):
                cells[x] = c
            best, best_score = cells, score
    return best


def _heading_row(row: list[str], width: int) -> str | None:
    """The title when a row is a group heading: one text across the row (a merged cell, or the same text in
    every cell it covers) that is numbered as a heading (一、 （一）) — or any short title alone in a row of
    one cell in a wider table."""
    values = list(dict.fromkeys(re.sub(r"\s+", "", c) for c in row if c.strip()))
    if len(values) != 1:
        return None
    v = values[0]
    if re.search(r"[。；;]", v.rstrip("。；;")) or len(v) > 80:
        return None
    m = match_marker(v)
    if m and m[0] in ("cn", "pcn") or re.match(r"^第[一二三四五六七八九十]+(部分|章|节|篇)", v):
        return v
    if len(row) == 1 < width and len(v) <= 40 and not _unitish(v):
        return v
    return None


BARE_MARKER = re.compile(r"^([（(])?\s*([一二三四五六七八九十]{1,3})\s*([）)])?\s*[、.．]?$")


def _heading_in_columns(row: list[str], col: dict, merges_known: bool) -> str | None:
    """A heading written in the task's own cells, the unit and time cells empty: its number in 序号 and its
    title beside it ("一" | "着力推进决策公开"), or, in Word (where an empty unit cell is not the rest of a
    merged one), a short title alone in the row."""
    filled = [(x, re.sub(r"\s+", "", c)) for x, c in enumerate(row) if c.strip()]
    if not filled or any(x == col.get(k) for x, _ in filled for k in ("lead", "resp", "coop", "due")):
        return None
    if len(filled) == 2:
        m = BARE_MARKER.match(filled[0][1])
        title = filled[1][1]
        if m and (bool(m.group(1)) == bool(m.group(3))) and len(title) <= 60 and not re.search(r"[。；;]", title):
            return (f"（{m.group(2)}）" if m.group(1) else f"{m.group(2)}、") + title
    if merges_known and len(filled) == 1 and len(filled[0][1]) <= 30 and not re.search(r"[。；;，,：:]", filled[0][1]) \
            and filled[0][0] != col.get("no"):
        return filled[0][1]
    return None


def _heading_level(title: str) -> int:
    m = match_marker(title)
    if re.match(r"^第[一二三四五六七八九十]+", title):
        return 0
    return {"cn": 1, "pcn": 2}.get(m[0], 3) if m else 3


def _table_header(rows: list[list[str]]) -> tuple[int, list[str]] | None:
    """The header row's index and its words, one a column (a two-row header merged, a task header over several
    columns repeated); None when the table has no header."""
    hidx = next((i for i, r in enumerate(rows[:5]) if sum(_is_header_cell(c) for c in r) >= 2), None)
    if hidx is None:
        return None
    header = [re.sub(r"\s", "", c) for c in rows[hidx]]
    # a two-row header: "责任单位" over "牵头单位 | 配合单位"
    if len(rows) > hidx + 1:
        below = [re.sub(r"\s", "", c) for c in rows[hidx + 1]]
        if len(below) == len(header) and any(_is_header_cell(c) and c not in header for c in below) and \
                all(not c or _is_header_cell(c) or c in header for c in below):
            header = [b if _is_header_cell(b) else h for h, b in zip(header, below)]
            hidx += 1
    n = max(len(r) for r in rows[hidx + 1:]) if len(rows) > hidx + 1 else len(header)
    if len(header) < n:   # the first task header spans several data columns
        span_at = next((x for x, h in enumerate(header) if "任务" in h), 0)
        header = header[:span_at] + [header[span_at]] * (n - len(header) + 1) + header[span_at + 1:]
    return hidx, header


@dataclass
class _Above:
    """What a task row takes from the rows above it in its table."""
    last: list[str]                                                  # the group cells, merged down
    headings: list[tuple[int, str]] = field(default_factory=list)   # (level, title) of the group headings
    carried: dict[str, str] = field(default_factory=dict)           # the units of the row above, by column
    row: list[str] | None = None                                    # the row above


def _enter_heading(above: _Above, heading: str) -> None:
    """"一、…" / "（一）…" across the table: context for the tasks below, never a task."""
    level = _heading_level(heading)
    if above.headings and above.headings[-1][1] == heading:
        return                    # repeated after a page break
    above.headings = [h for h in above.headings if h[0] < level] + [(level, heading)]
    above.last[:] = [""] * len(above.last)
    above.carried, above.row = {}, None


def _clean_row(row: list[str], header: list[str], col: dict, above: list[str] | None) -> list[str] | None:
    """The row fitted to the header's columns, its unit cells as lists; None for a header repeated or an empty row."""
    if 1 < len(row) < len(header):
        row = _fit_short_row(row, len(header), col, above)
    unit_cols = {col.get(k) for k in ("lead", "resp", "coop")}
    # a cell's names one a line, or joined by spaces ("省财政厅 省国税局"): a list; other spaces are noise
    row = [re.sub(r"\s+", "", UNIT_GAP.sub("、", re.sub(r"\s*\n\s*", "、", c.strip()))) if x in unit_cols else c
           for x, c in enumerate(row)] + [""] * (len(header) - len(row))
    if row[:len(header)] == header or sum(_is_header_cell(c) for c in row) >= 2:
        return None
    if not any(row):
        return None
    return _align_right(row, col)


def _carry_down(row: list[str], r_i: int, table: RawTable, col: dict, group_cols: list[int], above: _Above) -> None:
    """Fill the cells merged with the rows above: group cells always, unit cells where merges are unknown."""
    last = above.last
    for x in group_cols:             # merged cells are printed once: carry them down
        if row[x]:
            last[x] = row[x]
            for y in group_cols:
                if y > x and not row[y]:
                    last[y] = ""
        else:
            row[x] = last[x]
    # a unit cell merged with the row above, saved as text or cut by a page: empty here, its units above.
    # Word's grid says so itself; elsewhere, in a row that says what is to be done, the 牵头 cell is
    # carried down when empty, the 责任 cell when the row names no unit at all
    carried = above.carried
    if not table.merges_known and ("text" not in col or row[col["text"]]):
        named = [row[col[k]] for k in ("lead", "resp") if k in col and row[col[k]]]
        for k in ("lead", "resp"):
            if k in col and not row[col[k]] and carried.get(k) and (k == "lead" or not named) and \
                    (table.open_cells is None or (r_i, col[k]) in table.open_cells):
                row[col[k]] = carried[k]
    for k in ("lead", "resp"):
        if k in col and row[col[k]]:
            carried[k] = row[col[k]]
    above.row = row


def _row_task(row: list[str], col: dict, group_cols: list[int], headings: list[tuple[int, str]], src: str):
    """(path, text, units_raw, source, extras) of a task row, or None when it says nothing to be done."""
    text = row[col["text"]] if "text" in col else ""
    parts = []
    if "lead" in col and row[col["lead"]]:
        parts.append("牵头单位：" + row[col["lead"]])
    if "resp" in col and row[col["resp"]]:
        parts.append(("责任单位：" if parts else "") + row[col["resp"]])
    if "coop" in col and row[col["coop"]]:
        parts.append("配合单位：" + row[col["coop"]])
    if not text and parts and group_cols:    # an empty 工作要求 cell: the task cell says what is to be done
        text = row[group_cols[-1]]
    if not text and not parts:
        return None
    path = [h for _, h in headings] + [row[x] for x in group_cols if row[x]]
    extras = {"due": row[col["due"]] if "due" in col else "",
              "number": re.sub(r"[.．、\s]", "", row[col["no"]]) if "no" in col else ""}
    return path, text, "；".join(parts), src, extras


def table_tasks(table: RawTable) -> list[tuple[list[str], str, str, str, dict]]:
    """Rows of a task table -> (path, text, units_raw, source, extras)."""
    rows = table.cells_rows
    found = _table_header(rows)
    if found is None:
        return []
    hidx, header = found
    col = _header_columns(header)
    if not {"lead", "resp", "coop"} & col.keys():
        return []
    group_cols = _group_columns(col, len(header))
    out = []
    above = _Above([""] * len(header))
    for r_i, row in enumerate(rows[hidx + 1:], hidx + 1):
        heading = _heading_row(row, len(header)) or _heading_in_columns(row, col, table.merges_known)
        if heading is not None:
            _enter_heading(above, heading)
            continue
        row = _clean_row(row, header, col, above.row)
        if row is None:
            continue
        _carry_down(row, r_i, table, col, group_cols, above)
        src = table.sources[r_i] if r_i < len(table.sources) else table.sources[-1]
        task = _row_task(row, col, group_cols, above.headings, src)
        if task is not None:
            out.append(task)
    return out


# ------------------------------------------------------------------------------ deadlines etc.

DEADLINE_RX = re.compile(
    r"(?P<every>每年度?)?(?:(?P<y>(?:19|20)\d{2})\s*年\s*)?(?:"
    r"(?P<m>\d{1,2})\s*月\s*(?:(?P<d>\d{1,2})\s*日|(?P<end>底|末|份|中旬|上旬|下旬))?\s*(?:前|以前|之前|完成|底前)"
    r"|(?P<ye>年\s*底|年\s*末)\s*(?:前|以前|之前)?|(?P<half>上半年|下半年)|(?P<q>第?[一二三四1-4]\s*季度)(?:末|底)?(?:前)?)")
TO_YEAR_RX = re.compile(r"(?:到|至|于)\s*((?:19|20)\d{2})\s*年(?![\s年]*(?:\d{1,2}\s*月|底|末))")
RELATIVE_RX = re.compile(r"[\u4e00-\u9fa5]{0,10}(?:后|起)\s*\d+\s*个?\s*(?:工作日|日|天|小时|个月)\s*内|"
                         r"\d+\s*个?\s*(?:工作日|小时)\s*内")
FREQ_RX = [
    ("weekly", re.compile(r"每周|按周|每星期")),
    ("monthly", re.compile(r"按月|每月|逐月|月度(?!报告)")),
    ("quarterly", re.compile(r"按季度?|每季度?|季度(?!报告|末|底)")),
    ("semiannual", re.compile(r"每半年|半年一次")),
    ("yearly", re.compile(r"每年|按年度?|一年一次|年度(?=更新|评估|考核|报送|开展|公开)")),
    ("periodic", re.compile(r"定期")),
    ("ongoing", re.compile(r"随时|实时")),
]
TARGET_RX = re.compile(
    r"(?:不少于|不得少于|至少|不低于|不得低于|不少於|达到)\s*[\u4e00-\u9fa5]{0,4}?\s*"
    r"([0-9０-９]+(?:\.\d+)?|[一二两三四五六七八九十百]+)\s*"
    r"(%|％|个百分点|人次|场次|个|次|场|期|件|条|项|篇|所|家|名|人|批|类|处|轮|份|遍|天|小时|万元|元|户|家次)")


def _month_end(y: int, m: int) -> dt.date:
    return dt.date(y, m, calendar.monthrange(y, m)[1])


# "2018年前建成…", "2018年底前": by the end of a year named (later than the plan's own: "2016年以前制定的文件"
# names the past)
YEAR_BY_RX = re.compile(r"((?:19|20)\d{2})\s*年\s*(?:底|末)?\s*(?:前|以前|之前)(?!\s*(?:\d|年))")
# in a 完成时限 cell a month named is the deadline: "2021年2月公布预算信息，2021年8月公布上年度决算信息"
CELL_MONTH_RX = re.compile(r"(?<![每0-9])(?:((?:19|20)\d{2})\s*年\s*)?(\d{1,2})\s*月(?!\s*\d{1,2}\s*日)(?!\s*(?:底|末|份|中旬|上旬|下旬|前|以前|之前))")
ONGOING_RX = re.compile(r"^(?:长期|持续|常态化?|全年|年内|每年|每季度?|每月|按月|按季度?|按年度?|定期|随时|实时)")


def parse_deadlines(text: str, year: int | None, cell: bool = False) -> tuple[list[dt.date], list[str]]:
    """Dates a task is due by, and the words saying so. ``cell``: the text is a 完成时限 cell, where a month
    named alone ("2021年2月公布预算信息") is a deadline too."""
    dates: list[dt.date] = []
    texts: list[str] = []
    for m in YEAR_BY_RX.finditer(text):
        y = int(m.group(1))
        if year is not None and y > year:
            dates.append(dt.date(y, 12, 31))
            texts.append(re.sub(r"\s+", "", m.group(0)))
            text = text[:m.start()] + " " * (m.end() - m.start()) + text[m.end():]
    if cell:
        for clause in re.split(r"[，,；;。]", text):
            for m in CELL_MONTH_RX.finditer(clause):
                y = int(m.group(1)) if m.group(1) else year
                if y is None or not 1 <= int(m.group(2)) <= 12:
                    continue
                dates.append(_month_end(y, int(m.group(2))))
                texts.append(re.sub(r"\s+", "", clause))
    for m in DEADLINE_RX.finditer(text):
        y = int(m.group("y")) if m.group("y") else year
        if y is None:
            texts.append(m.group(0))
            continue
        try:
            if m.group("m"):
                mo = int(m.group("m"))
                if not 1 <= mo <= 12:
                    continue
                if m.group("d"):
                    d = dt.date(y, mo, int(m.group("d")))
                elif m.group("end") == "中旬":
                    d = dt.date(y, mo, 20)
                elif m.group("end") == "上旬":
                    d = dt.date(y, mo, 10)
                else:
                    d = _month_end(y, mo)
            elif m.group("ye"):
                d = dt.date(y, 12, 31)
            elif m.group("half"):
                d = dt.date(y, 6, 30) if m.group("half") == "上半年" else dt.date(y, 12, 31)
            elif m.group("q"):
                q = cn_number(re.sub(r"[第季度末底前\s]", "", m.group("q"))) or 4
                d = _month_end(y, 3 * q)
            else:
                continue
        except ValueError:
            continue
        dates.append(d)
        texts.append(re.sub(r"\s+", "", m.group(0)))
    for m in TO_YEAR_RX.finditer(text):
        y = int(m.group(1))
        if year is None or y >= year:
            dates.append(dt.date(y, 12, 31))
            texts.append(re.sub(r"\s+", "", m.group(0)))
    for m in RELATIVE_RX.finditer(text):
        texts.append(re.sub(r"\s+", "", m.group(0)))
    return dates, list(dict.fromkeys(texts))


def parse_frequency(text: str) -> str | None:
    for name, rx in FREQ_RX:
        if rx.search(text):
            return name
    return None


def parse_targets(text: str) -> list[dict]:
    out = []
    for m in TARGET_RX.finditer(text):
        n = m.group(1)
        value = float(n) if "." in n else cn_number(n)
        if value is None:
            continue
        unit = {"％": "%"}.get(m.group(2), m.group(2))
        out.append({"count": value, "unit": unit, "text": re.sub(r"\s+", "", m.group(0))})
    return out


# ------------------------------------------------------------------------------ the stage

def document_tasks(doc: Document, year: int | None) -> list[tuple[int, Task]]:
    """(section, task) of one document: the rows of the task tables its layouts hold (``read_layouts``); with no
    task table, the items of its prose."""
    lines = [b for b in doc.lines if isinstance(b, Line)]
    tables, used = read_layouts(lines, [b for b in doc.lines if isinstance(b, Table)])
    found: list[tuple[int, Task]] = []
    groups: dict[str, int] = {}
    for tb in tables:
        for path, text, units_raw, src, extras in table_tasks(tb):
            sec = groups.setdefault(path[0] if path else "", len(groups) + 1)
            task = Task("", path[:-1] if len(path) > 1 and path[-1] == text else path, text, units_raw,
                        source=src, number=extras.get("number", ""))
            _fill(task, year, extras.get("due", ""))
            found.append((sec, task))
    if not found:
        prose = _drop_noise([l for i, l in enumerate(lines) if i not in used])
        for seg in select_tasks(prose_segments(make_paragraphs(prose))):
            task = Task("", seg.path, seg.text.strip(), seg.units_raw, source=seg.source, number=seg.number)
            _fill(task, year, "")
            found.append((seg.section, task))
    return found


def read_plan(paths, year: int | None = None, registry=None) -> Plan:
    """Read one plan from one or more files (a notice plus its attachment form one plan)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = [Path(p) for p in paths]
    blocks: list = []
    for p in paths:
        blocks += read_document(p)
    docs = split_documents(blocks)
    own = next((d for d in docs if d.year and "公开" in d.title), None) or next((d for d in docs if d.year), None)
    plan_year = year or (own.year if own else None)
    raw_tasks: list[tuple[int, int, Task]] = []   # (doc index, section, task)
    documents: list[dict] = []
    for doc in docs:
        doc_year = year or doc.year or plan_year
        found = document_tasks(doc, doc_year)
        if found:
            documents.append({"title": doc.title, "number": doc.number, "date": doc.date, "year": doc_year})
            for sec, task in found:
                task.document = len(documents)
                raw_tasks.append((len(documents), sec, task))
    if not raw_tasks:
        raise GongkaiError.of("NO_TASKS", "、".join(p.name for p in paths))
    _assign_ids(raw_tasks, plan_year, len(documents))
    tasks = [t for _, _, t in raw_tasks]
    for t in tasks:
        t.key = t.id                 # a parsed task's key is the id it was first given
    title = next((d["title"] for d in documents if "公开" in d["title"]), documents[0]["title"])
    plan = Plan([p.name for p in paths], title, plan_year, tasks, documents,
                stated=(own.title, own.year) if own else None)
    if registry is not None:
        registry.review(plan)
    return plan


SPAN = re.compile(r"([0-9０-９]+|[一二两三四五六七八九十]+)\s*个?\s*(工作日|自然日|日|天|小时|个?月)[以之]?内")


def _fill(task: Task, year: int | None, due_text: str) -> None:
    task.text = re.sub(r"\s+", "", task.text).strip("，,；;") if re.search(r"[\u4e00-\u9fff]", task.text) else task.text
    task.units = parse_units(task.units_raw) if task.units_raw else []
    in_units = re.search(r"(?:完成时限|完成时间|时限要求|时间要求|完成期限|时间节点|时限)\s*[：:]\s*([^；;）)]+)", task.units_raw)
    if in_units and not due_text:
        due_text = in_units.group(1)
    dates, texts = parse_deadlines(due_text or task.text, year, cell=bool(due_text))
    if not due_text and task.units_raw:          # "（X牵头，Y配合，6月底前完成）"
        d2, t2 = parse_deadlines(task.units_raw, year)
        dates += d2
        texts += [t for t in t2 if t not in texts]
    ongoing = False
    if due_text and not dates and not texts:
        texts = [due_text]
        # "长期推进", "每月": no date to keep, nothing relative to confirm
        ongoing = bool(ONGOING_RX.match(re.sub(r"\s+", "", due_text)))
    if dates:
        task.deadline = max(dates)
    task.deadline_text = "；".join(texts)
    task.frequency = parse_frequency(task.text) or (parse_frequency(due_text) if due_text else None)
    task.targets = parse_targets(task.text)
    reasons = []
    if not task.units:
        reasons.append("未写明责任单位")
    # "在2个工作日内予以处理" is how fast something is handled, not when the task is due: kept in 时限原文,
    # no deadline and nothing to confirm
    if texts and not dates and not ongoing and not all(SPAN.search(t) for t in texts):
        reasons.append("时限为相对时间，请确认")
    if len(set(dates)) > 1:
        reasons.append("含多个时限，已取最晚一个")
    for u in task.units:
        if not u.collective and len(u.name) > 20:
            reasons.append(f"单位名称较长，请核对“{u.name}”")
    for m in OPEN_LIST.finditer(re.sub(r"\s+", "", task.units_raw or "")):
        reasons.append(f"“{m.group(0)}”没有列全，已按列出的单位分解：请在“实际责任单位”列补齐其他单位")
    task.review = "；".join(reasons)


# "区发改局等政府相关部门": the units listed plus others not named — kept, and flagged for the clerk
OPEN_LIST = re.compile(r"[^、，,；;（()）]{2,20}?等[^、，,；;（()）]{0,10}?(?:部门单位|部门|单位|机构)")


def _assign_ids(raw: list[tuple[int, int, Task]], year: int | None, ndocs: int) -> None:
    counters: Counter = Counter()
    used: set[str] = set()
    y = str(year) if year else "0000"
    for d, sec, task in raw:
        counters[(d, sec)] += 1
        base = f"{y}-{d}-{sec:02d}-{counters[(d, sec)]:02d}" if ndocs > 1 else f"{y}-{sec:02d}-{counters[(d, sec)]:02d}"
        tid, k = base, 1
        while tid in used:
            k += 1
            tid = f"{base}-{k}"
        used.add(tid)
        task.id = tid


# ------------------------------------------------------------------------------ the stage's outputs

@dataclass(frozen=True)
class PlanOptions:
    """One parse of the plan into the task list, as the command line and the console ask for it."""
    plans: object                             # the plan's file(s): a notice and its attachment form one plan
    output: Path | str = "任务清单.xlsx"        # an existing list is parsed onto (the clerk's edits kept, a copy made)
    json_path: Path | str | None = None
    registry_path: Path | str | None = None
    year: int | None = None                   # default: the plan's own, from its title
    force: bool = False                       # an existing output that is no task list is replaced only with it
    rules_path: Path | str | None = None      # the office's own 总体情况分类规则.txt (default: the one shipped)
    accept: Callable | None = None            # accept(plan): the caller's last word before anything is written


def make_task_list(o: PlanOptions) -> PlanResult:
    """The plan stage as one call: read the plan, write the task list (and JSON); the rules file decides each
    task's 报告栏目; ``accept`` may refuse the plan read (GongkaiError) before anything is written."""
    plan_paths, output, json_path, registry_path = o.plans, o.output, o.json_path, o.registry_path
    year, force, rules_path, accept = o.year, o.force, o.rules_path, o.accept
    paths = [plan_paths] if isinstance(plan_paths, (str, Path)) else list(plan_paths)
    out = guard_output(output, [*paths, registry_path], [], force)
    if json_path:
        guard_output(json_path, [*paths, registry_path, out], [], force)
    registry = load_registry(registry_path) if registry_path else None
    plan = read_plan(paths, year=year, registry=registry)
    if accept is not None:
        accept(plan)
    rules = None
    if rules_path:
        if not Path(rules_path).exists():
            raise GongkaiError.of("FILE_NOT_FOUND", rules_path)
        rules = load_rules(str(rules_path))
        if not rules:
            raise GongkaiError.of("BAD_ARGUMENT", detail=f"{Path(rules_path).name} 中没有可用的规则行（每行写“小节名称：关键词、关键词”，"
                                                         f"小节名称为 主动公开、依申请公开、政府信息管理、政府信息公开平台建设、监督保障）")
    for t in plan.tasks:
        t.report_section = t.report_section or classify(t.path, t.text, rules)
    backup, merged, changes, problems = None, False, [], []
    carried = carried_rows(out)         # last year's unfinished tasks the clerk kept (init --from)
    if out.exists():            # a clerk may have edited it: keep a copy, and keep their work in it
        backup = backup_copy(out)
        try:
            read_task_list(out)
        except GongkaiError:    # not a task list (or unreadable): replaced, the copy kept
            pass
        else:                   # a list of last year's carried tasks only is no parse yet: written anew
            merged = parsed_before(out)
    if merged:
        plan, changes = merge_task_list(out, plan, registry)
        problems.append(Problem("TASKLIST_REPARSED", out.name, CHANGES_SHEET if changes else "", params={
            "backup": backup.name, "differ": f"有 {len(changes)} 处不同，列在“{CHANGES_SHEET}”表中" if changes
            else "与任务清单一致"}))
    else:                       # a list of carried tasks only is no parse yet: the plan's tasks, the kept rows after
        write_task_list(plan, out, registry, force=True)
        append_carried(out, carried)
    if json_path:
        write_json(plan, json_path)
    return PlanResult(plan, out, Path(json_path) if json_path else None, len(plan.source), len(plan.tasks),
                      len(plan.unit_names()), sum(1 for t in plan.tasks if t.review), problems, backup, merged,
                      changes)


def make_registry(source, output, force: bool = False) -> RegistryResult:
    """Write a registry draft from a task list (.xlsx) or a plan document."""
    src = Path(source)
    out = guard_output(output, [src], [], force)
    plan = read_task_list(src)[0] if src.suffix.lower() in (".xlsx", ".xlsm") else read_plan(src)
    reg = registry_from_plan(plan)
    write_registry(reg, out)
    return RegistryResult(src, out, len(reg.units))
