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

from dataclasses import dataclass

T2_BLOCKS = [
    ("第二十条第（一）项", ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
     [("规章", ["t2_rule_new", "t2_rule_del", "t2_rule_cur"]),
      ("行政规范性文件", ["t2_norm_new", "t2_norm_del", "t2_norm_cur"])]),
    ("第二十条第（五）项", ["信息内容", "本年处理决定数量"], [("行政许可", ["t2_permit"])]),
    ("第二十条第（六）项", ["信息内容", "本年处理决定数量"], [("行政处罚", ["t2_penalty"]), ("行政强制", ["t2_coercion"])]),
    ("第二十条第（八）项", ["信息内容", "本年收费金额（单位：万元）"], [("行政事业性收费", ["t2_fee"])]),
]
T2_KEYS = [k for _, _, rows in T2_BLOCKS for _, keys in rows for k in keys]
T2_DECIMAL = {"t2_fee"}

T3_CORNER = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
T3_COLS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
# (label, group label or "", sub-group label or "")
T3_ROWS = [
    ("一、本年新收政府信息公开申请数量", "", ""),
    ("二、上年结转政府信息公开申请数量", "", ""),
    ("（一）予以公开", "三、本年度办理结果", ""),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "三、本年度办理结果", ""),
    ("1.属于国家秘密", "三、本年度办理结果", "（三）不予公开"),
    ("2.其他法律行政法规禁止公开", "三、本年度办理结果", "（三）不予公开"),
    ("3.危及“三安全一稳定”", "三、本年度办理结果", "（三）不予公开"),
    ("4.保护第三方合法权益", "三、本年度办理结果", "（三）不予公开"),
    ("5.属于三类内部事务信息", "三、本年度办理结果", "（三）不予公开"),
    ("6.属于四类过程性信息", "三、本年度办理结果", "（三）不予公开"),
    ("7.属于行政执法案卷", "三、本年度办理结果", "（三）不予公开"),
    ("8.属于行政查询事项", "三、本年度办理结果", "（三）不予公开"),
    ("1.本机关不掌握相关政府信息", "三、本年度办理结果", "（四）无法提供"),
    ("2.没有现成信息需要另行制作", "三、本年度办理结果", "（四）无法提供"),
    ("3.补正后申请内容仍不明确", "三、本年度办理结果", "（四）无法提供"),
    ("1.信访举报投诉类申请", "三、本年度办理结果", "（五）不予处理"),
    ("2.重复申请", "三、本年度办理结果", "（五）不予处理"),
    ("3.要求提供公开出版物", "三、本年度办理结果", "（五）不予处理"),
    ("4.无正当理由大量反复申请", "三、本年度办理结果", "（五）不予处理"),
    ("5.要求行政机关确认或重新出具已获取信息", "三、本年度办理结果", "（五）不予处理"),
    ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "三、本年度办理结果", "（六）其他处理"),
    ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "三、本年度办理结果", "（六）其他处理"),
    ("3.其他", "三、本年度办理结果", "（六）其他处理"),
    ("（七）总计", "三、本年度办理结果", ""),
    ("四、结转下年度继续办理", "", ""),
]
T3_TOTAL_ROW = 24            # （七）总计, 1-based
T3_RESULT_ROWS = range(3, 24)  # rows summed into （七）总计
T3_CARRY_ROW = 25

T4_GROUPS = ["行政复议", "未经复议直接起诉", "复议后起诉"]
T4_LABELS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]

EXTRA_FIGURES = ["主动公开政府信息条数", "政策解读件数", "回应关切件数", "新闻发布会场次"]


def t3(row: int, col: int) -> str:
    return f"t3_r{row}_c{col}"


def t4(col: int) -> str:
    return f"t4_c{col}"


T3_KEYS = [t3(r, c) for r in range(1, 26) for c in range(1, 8)]
T4_KEYS = [t4(c) for c in range(1, 16)]
INPUT_KEYS = T2_KEYS + [t3(r, c) for r in range(1, 26) for c in range(1, 7) if r != T3_TOTAL_ROW] + \
    [t4(c) for c in range(1, 16) if c % 5] + ["fee_yuan"]
ALL_KEYS = T2_KEYS + T3_KEYS + T4_KEYS + ["fee_yuan"]


def complete(fig: dict) -> dict:
    """Derive every total from the input cells (never trust totals typed or cached in a file)."""
    out = {k: fig.get(k) or 0 for k in ALL_KEYS}
    for k, v in fig.items():
        out.setdefault(k, v)
    for r in range(1, 26):
        if r != T3_TOTAL_ROW:
            out[t3(r, 7)] = sum(out[t3(r, c)] for c in range(1, 7))
    for c in range(1, 8):
        out[t3(T3_TOTAL_ROW, c)] = sum(out[t3(r, c)] for r in T3_RESULT_ROWS)
    for g in range(3):
        out[t4(5 * g + 5)] = sum(out[t4(5 * g + i)] for i in range(1, 5))
    return out


@dataclass
class RuleResult:
    rule: int
    ok: bool
    table: str
    row: str
    column: str
    message: str


def check(fig: dict, previous: dict | None = None, typed: bool = False) -> list[RuleResult]:
    """Run the spec's consistency rules.  ``fig`` as typed (totals included) when typed=True,
    otherwise totals are derived first and rules 2-4 hold by construction."""
    f = dict(fig) if typed else complete(fig)
    res: list[RuleResult] = []
    for c in range(1, 8):
        left = (f.get(t3(1, c)) or 0) + (f.get(t3(2, c)) or 0)
        right = (f.get(t3(T3_TOTAL_ROW, c)) or 0) + (f.get(t3(T3_CARRY_ROW, c)) or 0)
        res.append(RuleResult(1, left == right, "三", "一+二 与 三（七）+四", T3_COLS[c - 1],
                              f"表三“{T3_COLS[c - 1]}”列：一、本年新收（{f.get(t3(1, c)) or 0}）+ 二、上年结转"
                              f"（{f.get(t3(2, c)) or 0}）= {left}，应等于 三（七）总计（{f.get(t3(T3_TOTAL_ROW, c)) or 0}）"
                              f"+ 四、结转下年度（{f.get(t3(T3_CARRY_ROW, c)) or 0}）= {right}"))
        total = sum(f.get(t3(r, c)) or 0 for r in T3_RESULT_ROWS)
        res.append(RuleResult(2, total == (f.get(t3(T3_TOTAL_ROW, c)) or 0), "三", "（七）总计", T3_COLS[c - 1],
                              f"表三“{T3_COLS[c - 1]}”列：（七）总计应为（一）至（六）各项之和 {total}，"
                              f"实为 {f.get(t3(T3_TOTAL_ROW, c))}"))
    for r in range(1, 26):
        s = sum(f.get(t3(r, c)) or 0 for c in range(1, 7))
        res.append(RuleResult(3, s == (f.get(t3(r, 7)) or 0), "三", T3_ROWS[r - 1][0], "总计",
                              f"表三“{T3_ROWS[r - 1][0]}”行：总计应为各类申请人之和 {s}，实为 {f.get(t3(r, 7))}"))
    for g in range(3):
        s = sum(f.get(t4(5 * g + i)) or 0 for i in range(1, 5))
        res.append(RuleResult(4, s == (f.get(t4(5 * g + 5)) or 0), "四", T4_GROUPS[g], "总计",
                              f"表四“{T4_GROUPS[g]}”：总计应为四项结果之和 {s}，实为 {f.get(t4(5 * g + 5))}"))
    for k in ALL_KEYS:
        v = f.get(k)
        ok = isinstance(v, (int, float)) and v >= 0 and (k in T2_DECIMAL or float(v).is_integer()) \
            if v is not None else not typed
        if not ok:
            res.append(RuleResult(5, False, label_of(k)[0], label_of(k)[1], label_of(k)[2],
                                  f"{'/'.join(x for x in label_of(k) if x)}：应为非负{'数' if k in T2_DECIMAL else '整数'}，实为“{v}”"))
    if previous:
        p = complete(previous)
        for c in range(1, 8):
            ok = (f.get(t3(2, c)) or 0) == p[t3(T3_CARRY_ROW, c)]
            res.append(RuleResult(6, ok, "三", "二、上年结转", T3_COLS[c - 1],
                                  f"表三“{T3_COLS[c - 1]}”列：上年结转 {f.get(t3(2, c)) or 0} 应等于上年“结转下年度继续办理”"
                                  f" {p[t3(T3_CARRY_ROW, c)]}"))
    return res


def check_balance(inputs: dict) -> list[RuleResult]:
    """Rule 1 on the six applicant columns, from input cells only (fast; totals are derived)."""
    out = []
    for c in range(1, 7):
        g = lambda r: inputs.get(T3_KEY[r][c]) or 0  # noqa: E731
        total = sum(g(r) for r in T3_RESULT_ROWS)
        left, right = g(1) + g(2), total + g(T3_CARRY_ROW)
        if left != right:
            out.append(RuleResult(1, False, "三", "一+二 与 三（七）+四", T3_COLS[c - 1],
                                  f"表三“{T3_COLS[c - 1]}”列：一、本年新收（{g(1)}）+ 二、上年结转（{g(2)}）= {left}，"
                                  f"应等于 三（七）总计（{total}）+ 四、结转下年度（{g(T3_CARRY_ROW)}）= {right}"))
    return out


T3_KEY = {r: {c: t3(r, c) for c in range(1, 8)} for r in range(1, 26)}


def label_of(key: str) -> tuple[str, str, str]:
    """(table, row, column) labels of a figure key, for messages."""
    for title, header, rows in T2_BLOCKS:
        for label, keys in rows:
            if key in keys:
                return "二", label, header[1 + keys.index(key)]
    if key.startswith("t3_"):
        r, c = key[4:].split("_c")
        return "三", T3_ROWS[int(r) - 1][0], T3_COLS[int(c) - 1]
    if key.startswith("t4_"):
        c = int(key[4:]) - 1
        return "四", T4_GROUPS[c // 5], T4_LABELS[c % 5]
    if key == "fee_yuan":
        return "", "信息处理费（元）", ""
    return "", key, ""
