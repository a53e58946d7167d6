"""Responsibility statements: find them in task text and split them into units with roles."""
from __future__ import annotations

import re
from dataclasses import dataclass

LEAD, RESPONSIBLE, COOPERATE = "lead", "responsible", "cooperate"
ROLE_CN = {LEAD: "牵头", RESPONSIBLE: "负责", COOPERATE: "配合"}
ROLE_RANK = {LEAD: 3, RESPONSIBLE: 2, COOPERATE: 1}

OPEN, CLOSE = "（(〔[【", "）)〕]】"

# "责任单位：" and its relatives; group 1 is the role word.
LABEL = re.compile(
    r"(牵头单位|牵头部门|主责单位|主办单位|牵头|责任单位|责任部门|责任主体|承办单位|实施单位|落实单位|"
    r"配合单位|配合部门|协办单位|参与单位|协同单位|协助单位|配合)\s*[：:]")
LABEL_ROLE = [("牵头", LEAD), ("主责", LEAD), ("主办", LEAD), ("配合", COOPERATE), ("协", COOPERATE),
              ("参与", COOPERATE)]

# a chunk that ends with a role verb: "区政府办公室牵头", "区政府各部门负责落实"
VERB_TAIL = re.compile(
    r"(?:按照?职责分工|按照?职责|按职能|根据职责|结合职责)?(?:分别|共同|具体|各自|协同)?"
    r"(牵头负责|牵头落实|牵头抓总|牵头|负责落实|负责实施|负责推进|负责|配合落实|配合做好|配合|协助|协同|参与|"
    r"抓好落实|组织实施|组织落实|贯彻落实|落实|实施|承办|办理|推进)$")
VERB_ROLE = [("牵头", LEAD), ("配合", COOPERATE), ("协助", COOPERATE), ("协同", COOPERATE), ("参与", COOPERATE)]

UNIT_HINT = re.compile(r"(局|办|委|政府|部门|单位|镇|街道|中心|管委会|公司|法院|检察院|院|队|所|站|社|联|团|处|室|厅|"
                       r"分局|集团|银行|协会|支行|部|馆|台|校|办事处|镇街|乡)")

DROP_TAIL = re.compile(r"等[\u4e00-\u9fa5]{0,10}?(?:部门单位|部门|单位|机构)$|等$")
DROP_HEAD = re.compile(r"^(由|请|各有关单位按职责|以及|及|和|与)")
GENERIC_COLLECTIVE = {"街道办事处", "街道", "镇政府", "镇人民政府", "乡镇政府", "乡镇人民政府", "部门", "单位",
                      "乡镇", "镇街", "乡镇街道", "各部门", "各单位", "有关部门", "相关部门", "有关单位"}
COLLECTIVE = re.compile(r"^各|各部门|各单位|各镇|各街|各乡|有关|相关|涉及|所属|直属|各级|成员单位|各类|全体|全区|全县|全市|"
                        r"区直|县直|市直|区属|县属|(?<!\w)部门单位$")
SPLIT_AND = re.compile(r"(?<=[局办委会府处心所院部室队司镇道位门行社团联站馆厅区〉）)])(?:以及|和|及|与)(?=(区|县|市|省|各|镇|街道|乡|有关|相关|全区|全县|枣庄|[\u4e00-\u9fa5]{1,4}(镇|街道|乡)))")
PERSON_PART = re.compile(r"(责任领导|分管领导|牵头领导|联系领导|责任人|联系人)\s*[：:][^；;）)]*[；;，,]?")
DEADLINE_PART = re.compile(r"[，,；;]?\s*(完成时限|完成时间|时限要求|时间要求|完成期限|时间节点|时限)\s*[：:][^；;）)]*")
NOT_A_NAME = re.compile(r"\d+\s*月|\d{4}\s*年|底前|以前|之前|长期|持续|^(按月|每月|每季度|按季度|每年)")
SUFFIXES = ("街道办事处", "街道", "镇人民政府", "镇政府", "镇", "乡", "局", "办", "委")


@dataclass
class Unit:
    name: str
    role: str = RESPONSIBLE
    collective: bool = False

    def to_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "collective": self.collective}


def is_collective(name: str) -> bool:
    if name in GENERIC_COLLECTIVE or COLLECTIVE.search(name):
        return True
    # "编制规划的区政府部门单位": a description of departments, not one unit
    return bool(re.search(r"(部门|部门单位|单位)$", name)) and not re.search(r"(局|办|委|中心|公司|院|所|站|队)", name)


def split_top(text: str, seps: str) -> list[str]:
    """Split on any char in seps that is not inside brackets, quotes or 《》 (keeps 各镇（街、区）together)."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in OPEN or ch in "〈“‘《":
            depth += 1
        elif (ch in CLOSE or ch in "〉”’》") and depth:
            depth -= 1
        if ch in seps and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def _role_of(word: str, table: list[tuple[str, str]], default: str) -> str:
    for key, role in table:
        if key in word:
            return role
    return default


def _clean_name(token: str) -> str:
    t = token.strip(" \t。.;；,，、:：\"'“”")
    t = DROP_HEAD.sub("", t)
    for _ in range(3):
        before = t
        t = re.sub(r"(按照?职责分工|按照?职责|按职能|分别|共同|各自)$", "", t).strip()
        t = VERB_TAIL.sub("", t).strip() if len(t) > 2 else t
        t2 = DROP_TAIL.sub("", t)
        if len(t2) >= 2:
            t = t2
        if t == before:
            break
    return t.strip(" \t。.;；,，、:：")


CONCATENATED = re.compile(r"(?<=[局办室])(?=[区县市][\u4e00-\u9fff]{1,10}?(?:局|办|委|室|中心|院|会)(?:[、，,；;（(]|$))")


def strip_wrapping(text: str) -> str:
    """Brackets around the whole statement go ("（责任单位：…）"); a bracket that belongs to a name stays
    ("各乡镇人民政府（街道办事处）"), a lone one left by the statement's own bracket goes."""
    def depth(t: str) -> int:
        return sum(t.count(c) for c in "（(") - sum(t.count(c) for c in "）)")

    while text and text[0] in "（(" and depth(text) > 0:
        text = text[1:]
    while text and text[-1] in "）)" and depth(text) < 0:
        text = text[:-1]
    if len(text) > 1 and text[0] in "（(" and text[-1] in "）)":
        level = 0
        for i, ch in enumerate(text):
            level += (ch in "（(") - (ch in "）)")
            if level == 0:
                if i == len(text) - 1:
                    text = text[1:-1]
                break
    return text


def parse_units(raw: str, default_role: str = RESPONSIBLE) -> list[Unit]:
    """'区政府办公室、区法制办牵头，区政府各部门负责落实' -> units with roles."""
    # spaces between complete names separate them; other spaces are extraction noise
    # spaces or line breaks (one unit per line in a cell) between complete names separate them; other
    # whitespace is extraction noise ("区住房和城" / "乡建设局" wrapped in a PDF cell)
    text = re.sub(r"(?<=[局办委会府处心所院部室队司镇道位门行社团联站馆厅）)〉])[ \t\u3000\r\n]+"
                  r"(?=[\u4e00-\u9fff])(?!等|和|及|与|以及|牵头|负责|配合|协助|按职责|分别|共同)", "、", raw)
    text = re.sub(r"\s+", "", text)
    # names written one after another with nothing between: "区财政局区民政局"
    text = CONCATENATED.sub("、", text)
    text = DEADLINE_PART.sub("", text)
    text = PERSON_PART.sub("", text)          # "责任领导：张三；" names people, not units
    text = strip_wrapping(text.strip("。.;；"))
    text = "".join(_co_handling(c) for c in re.split(r"([，,；;])", text))
    labels = list(LABEL.finditer(text))
    units: list[Unit] = []
    if labels:
        head = text[:labels[0].start()].strip("，,；;。 ")
        if head and UNIT_HINT.search(head):    # "主要责任单位：" leaves "主要", not a unit
            units += _parse_verb_chunks(head, default_role)
        for i, m in enumerate(labels):
            end = labels[i + 1].start() if i + 1 < len(labels) else len(text)
            role = _role_of(m.group(1), LABEL_ROLE, RESPONSIBLE)
            units += _parse_verb_chunks(text[m.end():end], role)
    else:
        units = _parse_verb_chunks(text, default_role)
    return _dedupe(units)


# "宣传处会办公室", "区财政局会同区发改局": the first unit leads, the ones after 会/会同 handle it with it
# (a ledger's 责任处室 cell). 会 after 委/员/协 is part of a name (管委会, 委员会, 协会), never a joint.
CO_HANDLING = re.compile(r"^(?P<x>[^，,；;、]{2,30}?[处室局办科厅站所队院心部府])会同?"
                         r"(?P<y>(?:各|有关|相关)?[^，,；;]{2,120}?)(?P<verb>负责落实|负责|落实|办理)?$")


def _co_handling(chunk: str) -> str:
    label = LABEL.match(chunk)
    head, body = (chunk[:label.end()], chunk[label.end():]) if label else ("", chunk)
    m = CO_HANDLING.match(body)
    if not m or LABEL.search(body) or VERB_TAIL.search(m.group("x")):
        return chunk
    ys = split_top(m.group("y"), "、")
    if not all(re.search(r"(各|有关|相关)|[局办委会府处心所院部室队司镇道厅科站馆位门]$", y) for y in ys):
        return chunk
    return f"{head}{m.group('x')}牵头，{m.group('y')}配合"


def _parse_verb_chunks(text: str, default_role: str) -> list[Unit]:
    chunks = [c for c in split_top(text, "，,；;") if c.strip(" 。")]
    units: list[Unit] = []
    pending: list[str] = []
    for chunk in chunks:
        chunk = chunk.strip(" 。.")
        pending.append(chunk)
        m = VERB_TAIL.search(chunk)
        if m and len(chunk) > len(m.group(0)):
            role = _role_of(m.group(1), VERB_ROLE, default_role if default_role != RESPONSIBLE else RESPONSIBLE)
            if m.group(1).startswith("牵头"):
                role = LEAD
            for c in pending:
                units += _names(c, role)
            pending = []
    for c in pending:
        units += _names(c, default_role)
    return units


def _names(chunk: str, role: str) -> list[Unit]:
    tokens: list[str] = []
    for part in split_top(chunk, "、/／"):
        tokens += [t for t in SPLIT_AND.split(part) if t and not re.fullmatch(r"(区|县|市|省|各|镇|街道|乡|有关|相关|全区|全县|枣庄|镇|街道|乡)", t)]
    # "宣传处（牵头）、办公室": a role written after one name in brackets is that name's
    roles = {}
    for i, t in enumerate(tokens):
        m = ROLE_NOTE.search(t.strip())
        if m:
            tokens[i] = t.strip()[:m.start()]
            roles[i] = _role_of(m.group(1), LABEL_ROLE, role)
    named = [(_clean_name(t), roles.get(i, role)) for i, t in enumerate(tokens)]
    named = [(n, r) for n, r in named if n and len(n) >= 2 and not NOT_A_NAME.search(n)]
    names = [n for n, _ in named]
    # "临城、常庄街道办事处": a bare place name takes the suffix of the name after it
    for i in range(len(names) - 2, -1, -1):
        n, nxt = names[i], names[i + 1]
        if len(n) <= 3 and not UNIT_HINT.search(n) and not n.startswith("各"):
            for suf in SUFFIXES:
                if nxt.endswith(suf) and len(nxt) > len(suf):
                    names[i] = n + suf
                    break
    return [Unit(n, r, is_collective(n)) for n, (_, r) in zip(names, named)]


ROLE_NOTE = re.compile(r"[（(]\s*(牵头|主责|主办|配合|协办|协助)(?:单位|部门)?\s*[)）]$")


def _dedupe(units: list[Unit]) -> list[Unit]:
    out: dict[str, Unit] = {}
    for u in units:
        if u.name in out:
            if ROLE_RANK[u.role] > ROLE_RANK[out[u.name].role]:
                out[u.name].role = u.role
        else:
            out[u.name] = u
    return list(out.values())


# ---------------------------------------------------------------- finding statements in text

def _looks_like_units(content: str) -> bool:
    c = re.sub(r"\s+", "", content)
    # "（X牵头，Y配合，6月底前完成）": a trailing time clause is not part of the unit list
    c = re.sub(r"[，,；;][^，,；;]*(\d+月|年底|年内|底前|以前|之前|长期|持续|每月|每季度|每年)[^，,；;]*$", "", c)
    if not c or len(c) > 400:
        return False
    label = LABEL.search(c.lstrip("（("))
    if label and label.start() <= 4:           # "责任单位：…", "主要责任单位：…", "责任领导：…；责任单位：…"
        return True
    if PERSON_PART.match(c) and label:
        return True
    if not VERB_TAIL.search(c.rstrip("。.")):
        return False
    body = VERB_TAIL.sub("", c.rstrip("。."))
    if not body or not UNIT_HINT.search(body):
        return False
    # a responsibility list is names and separators, not a sentence
    if re.search(r"[。；;：:]", body) or len(body) > 200:
        return False
    first = split_top(body, "、，,和")[0]
    return len(first) <= 30


def find_statements(text: str) -> list[tuple[int, int, str]]:
    """Bracketed responsibility statements in text: (start, end, content) of each, in order."""
    found = []
    depth, start = 0, -1
    for i, ch in enumerate(text):
        if ch in OPEN:
            if depth == 0:
                start = i
            depth += 1
        elif ch in CLOSE and depth:
            depth -= 1
            if depth == 0 and start >= 0:
                content = text[start + 1:i]
                if _looks_like_units(content):
                    found.append((start, i + 1, content))
                start = -1
    return found


BARE_LABEL = re.compile(r"(?:^|(?<=[。；;！!]))\s*((?:牵头单位|责任单位|责任部门|牵头部门|主责单位|配合单位|承办单位)\s*[：:].*)$")


def find_bare_statement(text: str) -> tuple[int, str] | None:
    """An unbracketed '责任单位：…' closing a paragraph: (start, content)."""
    m = BARE_LABEL.search(text)
    if m and len(m.group(1)) <= 400:
        return m.start(1), m.group(1)
    return None


def is_statement_only(text: str) -> bool:
    """The whole paragraph is a responsibility statement ('责任单位：…' or '（责任单位：…）')."""
    t = text.strip()
    if not t:
        return False
    if t[0] in OPEN:
        st = find_statements(t)
        return bool(st) and st[0][0] == 0 and not t[st[-1][1]:].strip(" 。.")
    return bool(re.match(r"^(主要|其他)?(牵头单位|牵头部门|主责单位|主办单位|责任单位|责任部门|责任主体|承办单位|实施单位|"
                         r"落实单位|配合单位|配合部门|协办单位|参与单位|协同单位|协助单位|牵头|配合)\s*[：:]", t))
