"""The national annual-report format (国办公开办函〔2021〕30号): table labels, figure keys and the
consistency rules.  One source for the unit workbook template, collection and the Word report.

Figures are a flat dict ``key -> number``:
- table 二:  t2_rule_new/t2_rule_del/t2_rule_cur (规章), t2_norm_new/t2_norm_del/t2_norm_cur (行政规范性文件),
  t2_permit, t2_penalty, t2_coercion, t2_fee (万元)
- table 三:  t3_r{1..25}_c{1..7}; rows in T3_ROWS order, columns in T3_COLS order (c7 = 总计)
- table 四:  t4_c{1..15}: 行政复议 c1-c5, 未经复议直接起诉 c6-c10, 复议后起诉 c11-c15 (c5/c10/c15 = 总计)
- fee_yuan: 信息处理费（元）; extra narrative figures keep their Chinese label as key.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

T2_BLOCKS = [
    ("第二十条第（一）项", ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
     [("规章", ["t2_rule_new", "t2_rule_del", "t2_rule_cur"]),
      ("行政规范性文件", ["t2_norm_new", "t2_norm_del", "t2_norm_cur"])]),
    ("第二十条第（五）项", ["信息内容", "本年处理决定数量"], [("行政许可", ["t2_permit"])]),
    ("第二十条第（六）项", ["信息内容", "本年处理决定数量"], [("行政处罚", ["t2_penalty"]), ("行政强制", ["t2_coercion"])]),
    ("第二十条第（八）项", ["信息内容", "本年收费金额（单位：万元）"], [("行政事业性收费", ["t2_fee"])]),
]
# the 2019 trial format (国办公开办函〔2019〕60号), used for the years 2019 and 2020
T2_BLOCKS_2019 = [
    ("第二十条第（一）项", ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
     [("规章", ["t2_rule_made", "t2_rule_pub", "t2_rule_total"]),
      ("规范性文件", ["t2_norm_made", "t2_norm_pub", "t2_norm_total"])]),
    ("第二十条第（五）项", ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
     [("行政许可", ["t2_permit_prev", "t2_permit_delta", "t2_permit_n"]),
      ("其他对外管理服务事项", ["t2_other_prev", "t2_other_delta", "t2_other_n"])]),
    ("第二十条第（六）项", ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
     [("行政处罚", ["t2_penalty_prev", "t2_penalty_delta", "t2_penalty_n"]),
      ("行政强制", ["t2_coercion_prev", "t2_coercion_delta", "t2_coercion_n"])]),
    ("第二十条第（八）项", ["信息内容", "上一年项目数量", "本年增/减"],
     [("行政事业性收费", ["t2_fee_prev", "t2_fee_delta"])]),
    ("第二十条第（九）项", ["信息内容", "采购项目数量", "采购总金额"],
     [("政府集中采购", ["t2_proc_n", "t2_proc_amount"])]),
]

T3_CORNER = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
T3_COLS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
_R3 = "三、本年度办理结果"
# (label, group label or "", sub-group label or "")
T3_ROWS = [
    ("一、本年新收政府信息公开申请数量", "", ""),
    ("二、上年结转政府信息公开申请数量", "", ""),
    ("（一）予以公开", _R3, ""),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", _R3, ""),
    ("1.属于国家秘密", _R3, "（三）不予公开"),
    ("2.其他法律行政法规禁止公开", _R3, "（三）不予公开"),
    ("3.危及“三安全一稳定”", _R3, "（三）不予公开"),
    ("4.保护第三方合法权益", _R3, "（三）不予公开"),
    ("5.属于三类内部事务信息", _R3, "（三）不予公开"),
    ("6.属于四类过程性信息", _R3, "（三）不予公开"),
    ("7.属于行政执法案卷", _R3, "（三）不予公开"),
    ("8.属于行政查询事项", _R3, "（三）不予公开"),
    ("1.本机关不掌握相关政府信息", _R3, "（四）无法提供"),
    ("2.没有现成信息需要另行制作", _R3, "（四）无法提供"),
    ("3.补正后申请内容仍不明确", _R3, "（四）无法提供"),
    ("1.信访举报投诉类申请", _R3, "（五）不予处理"),
    ("2.重复申请", _R3, "（五）不予处理"),
    ("3.要求提供公开出版物", _R3, "（五）不予处理"),
    ("4.无正当理由大量反复申请", _R3, "（五）不予处理"),
    ("5.要求行政机关确认或重新出具已获取信息", _R3, "（五）不予处理"),
    ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", _R3, "（六）其他处理"),
    ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", _R3, "（六）其他处理"),
    ("3.其他", _R3, "（六）其他处理"),
    ("（七）总计", _R3, ""),
    ("四、结转下年度继续办理", "", ""),
]
T3_ROWS_2019 = T3_ROWS[:20] + [("（六）其他处理", _R3, ""), ("（七）总计", _R3, ""), ("四、结转下年度继续办理", "", "")]

T4_GROUPS = ["行政复议", "未经复议直接起诉", "复议后起诉"]
T4_LABELS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]

MAX_FIGURE = 10_000_000_000      # above this (more than anyone's population) a typing error, an ID number pasted
LARGE_FIGURE = 10_000_000        # above this a warning to check (a city's 行政许可 was 11,398,889 in 2025)
# what a unit counts for the narrative of its report (一、总体情况 and 六), beside the national tables; the
# label is what the workbook shows and the key it is stored under. A blank is "not reported" and the report
# then says nothing about it (narrative.figure_sentences says where each is told)
EXTRA_FIGURES = ["主动公开政府信息条数", "政策解读件数", "新闻发布会场次", "回应关切件数", "意见征集次数",
                 "公开前保密审查信息条数", "政务新媒体账号数", "政务新媒体发布信息条数", "政务公开培训场次", "参加培训人次",
                 "办理人大代表建议件数", "办理政协提案件数"]


def t3(row: int, col: int) -> str:
    return f"t3_r{row}_c{col}"


def t4(col: int) -> str:
    return f"t4_c{col}"


@dataclass
class RuleResult:
    rule: int
    ok: bool
    table: str
    row: str
    column: str
    message: str


@dataclass
class Spec:
    """One edition of the national format: its tables, keys and consistency rules."""
    name: str
    basis: str
    t2_blocks: list
    t2_decimal: frozenset
    t2_signed: frozenset
    t3_rows: list
    section_five: str
    # the narrative's sources: made documents, permits, penalties, unpaid-fee applications
    made_keys: tuple
    permit_key: str
    penalty_key: str
    unpaid_row: int | None
    t2_keys: list = field(init=False)

    def __post_init__(self):
        self.t2_keys = [k for _, _, rows in self.t2_blocks for _, keys in rows for k in keys]
        n = len(self.t3_rows)
        self.t3_total_row = n - 1
        self.t3_carry_row = n
        self.t3_result_rows = range(3, n - 1)
        self.t3_keys = [t3(r, c) for r in range(1, n + 1) for c in range(1, 8)]
        self.t4_keys = [t4(c) for c in range(1, 16)]
        self.input_keys = self.t2_keys + [t3(r, c) for r in range(1, n + 1) for c in range(1, 7)
                                          if r != self.t3_total_row] + [t4(c) for c in range(1, 16) if c % 5] + \
            ["fee_yuan"]
        self.all_keys = self.t2_keys + self.t3_keys + self.t4_keys + ["fee_yuan"]
        self.key_set = frozenset(self.all_keys)
        self.input_set = frozenset(self.input_keys)
        self.total_keys = [k for k in self.all_keys if k not in self.input_set]     # derived from the inputs
        self.decimal = set(self.t2_decimal) | {"fee_yuan"}

    def t2_row(self, label: str) -> list[str]:
        """The keys of one row of table 二 ("规章", "行政规范性文件", "行政强制" …); [] when this edition has none."""
        return next((keys for _, _, rows in self.t2_blocks for lab, keys in rows if lab == label), [])

    @property
    def norm_label(self) -> str:
        """规范性文件's row label in this edition (行政规范性文件 in 2021, 规范性文件 in 2019)."""
        return self.t2_blocks[0][2][1][0]

    def input_rows(self) -> list[tuple[str, list[str]]]:
        """The rows a unit types, as (label, input keys): a row left wholly blank is named as such."""
        n = len(self.t3_rows)
        rows = [(f"表二“{label}”", keys) for _, _, rs in self.t2_blocks for label, keys in rs]
        rows += [(f"表三“{self.t3_rows[r - 1][0]}”", [t3(r, c) for c in range(1, 7)])
                 for r in range(1, n + 1) if r != self.t3_total_row]
        rows += [(f"表四“{T4_GROUPS[g]}”", [t4(5 * g + i) for i in range(1, 5)]) for g in range(3)]
        rows.append(("收费金额", ["fee_yuan"]))
        return rows

    # ---------------------------------------------------------------- totals and rules
    def complete(self, fig: dict) -> dict:
        """Derive every total from the input cells (never trust totals typed or cached in a file)."""
        out = {k: fig.get(k) or 0 for k in self.all_keys}
        for k, v in fig.items():
            out.setdefault(k, v)
        for total, parts in self._sums:
            out[total] = sum(out[p] for p in parts)
        return out

    @cached_property
    def _sums(self) -> list[tuple[str, list[str]]]:
        """Each total and the cells it adds, in the order they are derived: table 三's row totals (总计
        column), then its 总计 row (whose 总计 column adds the row totals just made), then table 四's groups."""
        n = len(self.t3_rows)
        out = [(t3(r, 7), [t3(r, c) for c in range(1, 7)]) for r in range(1, n + 1) if r != self.t3_total_row]
        out += [(t3(self.t3_total_row, c), [t3(r, c) for r in self.t3_result_rows]) for c in range(1, 8)]
        out += [(t4(5 * g + 5), [t4(5 * g + i) for i in range(1, 5)]) for g in range(3)]
        return out

    @property
    def total_parts(self) -> list[tuple[str, list[str]]]:
        """Each total and the cells it adds, in the order they are derived (a total's parts come first)."""
        return self._sums

    @cached_property
    def _sums_by_total(self) -> dict[str, list[str]]:
        return dict(self._sums)

    def check_balance(self, inputs: dict) -> list[RuleResult]:
        """Rule 1 on the six applicant columns, from input cells only (totals are derived)."""
        out = []
        for c in range(1, 7):
            g = lambda r: inputs.get(t3(r, c)) or 0  # noqa: E731
            total = sum(inputs.get(k) or 0 for k in self._sums_by_total[t3(self.t3_total_row, c)])
            left, right = g(1) + g(2), total + g(self.t3_carry_row)
            if left != right:
                out.append(RuleResult(1, False, "三", "一+二 与 三（七）+四", T3_COLS[c - 1],
                                      f"表三“{T3_COLS[c - 1]}”列：一、本年新收（{g(1)}）+ 二、上年结转（{g(2)}）= {left}，"
                                      f"应等于 三（七）总计（{total}）+ 四、结转下年度（{g(self.t3_carry_row)}）= {right}"))
        return out

    def check(self, fig: dict, previous: dict | None = None, typed: bool = False) -> list[RuleResult]:
        """Every consistency rule.  ``fig`` as typed (totals included) when typed=True, otherwise
        totals are derived first and rules 2-4 hold by construction."""
        f = dict(fig) if typed else self.complete(fig)
        raw = f
        # sums over what is a number; a cell holding text is named by rule 5 below, not summed
        f = {k: (v if isinstance(v, (int, float)) and not isinstance(v, bool) else None) for k, v in raw.items()}
        tr, cr = self.t3_total_row, self.t3_carry_row
        res: list[RuleResult] = []
        for c in range(1, 8):
            left = (f.get(t3(1, c)) or 0) + (f.get(t3(2, c)) or 0)
            right = (f.get(t3(tr, c)) or 0) + (f.get(t3(cr, c)) or 0)
            res.append(RuleResult(1, left == right, "三", "一+二 与 三（七）+四", T3_COLS[c - 1],
                                  f"表三“{T3_COLS[c - 1]}”列：一、本年新收（{f.get(t3(1, c)) or 0}）+ 二、上年结转"
                                  f"（{f.get(t3(2, c)) or 0}）= {left}，应等于 三（七）总计（{f.get(t3(tr, c)) or 0}）"
                                  f"+ 四、结转下年度（{f.get(t3(cr, c)) or 0}）= {right}"))
            total = sum(f.get(t3(r, c)) or 0 for r in self.t3_result_rows)
            res.append(RuleResult(2, total == (f.get(t3(tr, c)) or 0), "三", "（七）总计", T3_COLS[c - 1],
                                  f"表三“{T3_COLS[c - 1]}”列：（七）总计应为（一）至（六）各项之和 {total}，实为 {f.get(t3(tr, c))}"))
        for r in range(1, len(self.t3_rows) + 1):
            s = sum(f.get(t3(r, c)) or 0 for c in range(1, 7))
            res.append(RuleResult(3, s == (f.get(t3(r, 7)) or 0), "三", self.t3_rows[r - 1][0], "总计",
                                  f"表三“{self.t3_rows[r - 1][0]}”行：总计应为各类申请人之和 {s}，实为 {f.get(t3(r, 7))}"))
        for g in range(3):
            s = sum(f.get(t4(5 * g + i)) or 0 for i in range(1, 5))
            res.append(RuleResult(4, s == (f.get(t4(5 * g + 5)) or 0), "四", T4_GROUPS[g], "总计",
                                  f"表四“{T4_GROUPS[g]}”：总计应为四项结果之和 {s}，实为 {f.get(t4(5 * g + 5))}"))
        for k in self.all_keys:
            v = raw.get(k)
            if v is None:
                ok = not typed
            elif not isinstance(v, (int, float)) or isinstance(v, bool):
                ok = False
            else:
                ok = (v >= 0 or k in self.t2_signed) and (k in self.decimal or float(v).is_integer())
            if not ok:
                t, r_, c_ = self.label_of(k)
                kind = "数" if k in self.decimal else "整数"
                res.append(RuleResult(5, False, t, r_, c_, f"{'/'.join(x for x in (t, r_, c_) if x)}：应为"
                                      f"{'' if k in self.t2_signed else '非负'}{kind}，实为“{v}”"))
        if previous:
            p = self.complete(previous)
            for c in range(1, 8):
                ok = (f.get(t3(2, c)) or 0) == p[t3(cr, c)]
                res.append(RuleResult(6, ok, "三", "二、上年结转", T3_COLS[c - 1],
                                      f"表三“{T3_COLS[c - 1]}”列：上年结转 {f.get(t3(2, c)) or 0} 应等于上年“结转下年度继续办理”"
                                      f" {p[t3(cr, c)]}"))
        return res

    def label_of(self, key: str) -> tuple[str, str, str]:
        """(table, row, column) labels of a figure key, for messages."""
        for _, header, rows in self.t2_blocks:
            for label, keys in rows:
                if key in keys:
                    return "二", label, header[1 + keys.index(key)]
        if key.startswith("t3_"):
            r, c = key[4:].split("_c")
            return "三", self.t3_rows[int(r) - 1][0], T3_COLS[int(c) - 1]
        if key.startswith("t4_"):
            c = int(key[4:]) - 1
            return "四", T4_GROUPS[c // 5], T4_LABELS[c % 5]
        if key == "fee_yuan":
            return "", "信息处理费（元）", ""
        return "", key, ""


SPEC_2021 = Spec("2021", "国办公开办函〔2021〕30号", T2_BLOCKS, frozenset({"t2_fee"}), frozenset(), T3_ROWS,
                 "五、存在的主要问题及改进情况", ("t2_rule_new", "t2_norm_new"), "t2_permit", "t2_penalty", 22)
SPEC_2019 = Spec("2019", "国办公开办函〔2019〕60号", T2_BLOCKS_2019, frozenset({"t2_proc_amount"}),
                 frozenset({"t2_permit_delta", "t2_other_delta", "t2_penalty_delta", "t2_coercion_delta",
                            "t2_fee_delta"}), T3_ROWS_2019, "五、政府信息公开工作存在的主要问题及改进情况",
                 ("t2_rule_made", "t2_norm_made"), "t2_permit_n", "t2_penalty_n", None)


SPECS = {s.name: s for s in (SPEC_2019, SPEC_2021)}


def spec_for(year) -> Spec:
    """Reports for 2019 and 2020 use the 2019 trial format; 2021 and later the 2021 format."""
    try:
        return SPEC_2019 if year is not None and int(year) <= 2020 else SPEC_2021
    except (TypeError, ValueError):
        return SPEC_2021


# the 2021 format under its historical module-level names
T3_TOTAL_ROW = SPEC_2021.t3_total_row
T3_CARRY_ROW = SPEC_2021.t3_carry_row
complete = SPEC_2021.complete
check = SPEC_2021.check
check_balance = SPEC_2021.check_balance
label_of = SPEC_2021.label_of
