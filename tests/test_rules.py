"""Our figure checks beside the twelve quality rules of the peer checker (KIROGOVCOMPARE QR-001…QR-012):
for each rule, a figure set that breaks only that rule, and the check of ours that names it.
The table of rules is in README ("年度报告数据的校验规则")."""
import pytest
from openpyxl.utils import column_index_from_string

from automation import checks
from automation import reportspec as R
from automation.report import PeerAverages, plausibility_notes
from automation.summarybook import SummaryData, UnitData
from automation.unitbook import default_figure_layout

SPEC = R.SPEC_2021
CELLS, EXTRAS = default_figure_layout("2021")


def sheet(values: dict) -> list[list]:
    """The 年度报告数据 sheet as a value reader gives it, from figure key -> value."""
    import re

    grid = [[None] * 40 for _ in range(80)]
    for key, v in values.items():
        m = re.match(r"([A-Z]+)(\d+)", CELLS[key])
        grid[int(m.group(2)) - 1][column_index_from_string(m.group(1)) - 1] = v
    return grid


def balanced() -> dict:
    """A clean set: 11 applications from people, answered, totals written as the workbook computes them."""
    fig = {k: 0 for k in SPEC.input_keys}
    fig[R.t3(1, 1)] = 11
    fig[R.t3(3, 1)] = 11
    fig[R.t4(1)] = 2
    fig[R.t4(6)] = 1
    full = SPEC.complete(fig)
    return {k: full[k] for k in CELLS if k in full}


def collect_codes(values: dict) -> set[str]:
    fv = checks.FiguresView("单位.xlsx", sheet(values), CELLS, [], set(), SPEC)
    return {p.code for p in checks.run_checks("figures", fv)}


def rules_broken(values: dict) -> set[int]:
    return {r.rule for r in SPEC.check({k: values.get(k) for k in SPEC.all_keys}, typed=True) if not r.ok}


def test_the_clean_set_passes_everything():
    v = balanced()
    assert collect_codes(v) == set() and rules_broken(v) == set()


@pytest.mark.parametrize("qr, change, collect_code, rule", [
    ("QR-001 依申请收办守恒", "inputs", "FIGURES_INCONSISTENT", 1),
    ("QR-002 答复方式合计", {R.t3(R.SPEC_2021.t3_total_row, 1): 9}, "TOTAL_MISMATCH", 2),
    ("QR-003 复议结果合计", {R.t4(5): 7}, "TOTAL_MISMATCH", 4),
    ("QR-004 诉讼结果合计", {R.t4(10): 0}, "TOTAL_MISMATCH", 4),
    ("QR-005 分项合计（表三各行总计）", {R.t3(1, 7): 12}, "TOTAL_MISMATCH", 3),
    ("QR-006 数值非负", {R.t4(2): -1}, "NEGATIVE_NUMBER", 5),
    ("QR-010 文本值", {R.t4(3): "两件"}, "TEXT_IN_NUMBER", 5),
    ("QR-011 不适用（/）", {"t2_fee": "/"}, "TEXT_IN_NUMBER", 5),
])
def test_each_peer_rule_is_caught_at_collect_and_at_report(qr, change, collect_code, rule):
    v = balanced()
    if change == "inputs":                  # 3 more received, none answered: totals follow, rule 1 breaks
        full = SPEC.complete(dict(v, **{R.t3(1, 1): 14}))
        v = {k: full[k] for k in v}
    else:
        v.update(change)
    assert collect_code in collect_codes(v), qr
    assert rule in rules_broken(v), qr


def test_qr008_missing_values_are_named_as_blank_rows():
    v = balanced()
    for c in range(1, 7):
        v.pop(R.t3(2, c))
    assert collect_codes(v) == {"FIGURE_ROW_BLANK"}


def test_qr007_year_on_year_jump_and_qr009_zero_among_busy_peers():
    v = balanced()
    last = dict(v, **{R.t3(1, 1): 1, R.t3(3, 1): 1})
    notes = plausibility_notes("单位", v, last, {}, SPEC)
    assert [n.code for n in notes] == ["YEAR_ON_YEAR_JUMP"] and n_value(notes[0]) == (11, 1)
    zero = {k: 0 for k in SPEC.input_keys}
    busy = {R.t3(1, 7): 150.0, R.t4(5): 0.0, R.t4(10): 0.0}
    notes = plausibility_notes("单位", zero, None, busy, SPEC)
    assert [n.code for n in notes] == ["ZERO_AMONG_BUSY_PEERS"] and notes[0].params["average"] == "150"
    assert plausibility_notes("单位", v, v, busy, SPEC) == []


def test_peer_average_leaves_out_the_unit_itself_and_other_categories_and_unusable_units():
    def unit(name, cat, received, status=""):
        fig = dict(balanced(), **{R.t3(1, 1): received, R.t3(3, 1): received})
        return UnitData(name, cat, figures=dict(fig, **({"数据状态": status} if status else {})))
    units = [unit("甲镇", "镇街", 0), unit("乙镇", "镇街", 300), unit("丙镇", "镇街", 100),
             unit("丁镇", "镇街", 900, "不可用"), unit("某局", "部门", 5000)]
    data = SummaryData("", 2021, "", {u.name: u for u in units}, [], "")
    peers = PeerAverages(data, SPEC)
    key = R.t3(1, 7)
    assert peers.excluding("甲镇")[key] == (300 + 100) / 2
    assert peers.excluding("乙镇")[key] == (0 + 100) / 2
    assert peers.excluding("丁镇")[key] == (0 + 300 + 100) / 3
    assert peers.excluding("某局") == {} and peers.excluding(None) == {}
    notes = plausibility_notes("甲镇", dict(balanced(), **{k: 0 for k in SPEC.input_keys}), None,
                               peers.excluding("甲镇"), SPEC)
    assert [n.code for n in notes] == ["ZERO_AMONG_BUSY_PEERS"] and notes[0].params["average"] == "200"


def n_value(p):
    return p.params["value"], p.params["last"]


def test_qr012_percentages_stay_within_0_to_100():
    assert [checks.progress_share(x) for x in (0.5, 1, 50, 100, 1.5, 150, -0.1)] == [0.5, 1, 0.5, 1, None, None, None]
