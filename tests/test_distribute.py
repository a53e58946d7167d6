"""Distribute: open the workbooks we wrote and check what unit staff get."""
import os
import shutil
import subprocess

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from automation import unitbook as L
from automation import reportspec as R
from automation.assignment import assign
from automation.distribute import DistributeOptions, distribute
from automation.filenames import safe_filename, unit_workbook_names as file_names
from automation.plan import read_plan
from automation.problems import GongkaiError
from automation.registry import registry_from_plan, write_registry
from automation.resources import SAMPLE_REGISTRY, workbook_template
from automation.tasklist import write_task_list
from automation.registry import load_registry
from automation.units import is_collective
from conftest import reviewed_sample_plan, soffice

REG = workbook_template(SAMPLE_REGISTRY)


@pytest.fixture
def issued(tmp_path):
    plan = reviewed_sample_plan()
    tasks = write_task_list(plan, tmp_path / "任务清单.xlsx")
    out = tmp_path / "下发"
    result = distribute(DistributeOptions(
        tasks=tasks, output=out, registry_path=REG, due="2021-07-10", round_name="2021年第1次调度"))
    return result, out, plan


def ledger_ids(path):
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(L.LEDGER_SHEET).to_python()
    return [r[1] for r in rows[1:] if r[1]]


def test_each_unit_gets_exactly_its_tasks(issued):
    result, out, plan = issued

    def having(*names):
        return [t.id for t in plan.tasks if any(n in names for n in t.all_names + t.actual_units)]

    assert ledger_ids(result.files["孟庄镇"]) == having("各镇人民政府")
    assert ledger_ids(result.files["光明路街道"]) == having("各街道办事处", "光明路街道办事处")
    assert ledger_ids(result.files["区财政局"]) == having("区财政局", "区政府各部门单位", "区政府各部门")
    assert ledger_ids(result.files["区发展和改革局"]) == having("区发改局", "区发展和改革局", "区政府各部门单位", "区政府各部门")
    # a name no unit stands for goes to the units the clerk wrote in 实际责任单位, never to a workbook of its own
    assert "2021-01-15" in ledger_ids(result.files["区司法局"])
    assert "2021-01-15" in ledger_ids(result.files["区市场监督管理局"])
    assert not any("有关部门" in u or "涉及" in u or "编制规划" in u for u in result.files)
    assert result.units == 37 and len(os.listdir(out)) == 38 and not result.unassigned


def test_unresolved_names_stop_distribution_until_decided(tmp_path, plan2021):
    from automation.ledgerdb import distribution, open_ledger

    tasks = write_task_list(read_plan(plan2021), tmp_path / "任务清单.xlsx")
    with pytest.raises(GongkaiError) as e:
        distribute(DistributeOptions(tasks=tasks, output=tmp_path / "下发", registry_path=REG))
    p = e.value.problem
    assert p.code == "DISTRIBUTE_UNRESOLVED" and p.params["count"] == 4
    assert "“区政府有关部门”（任务 2021-01-15）" in p.message and "实际责任单位" in p.message
    assert not (tmp_path / "下发").exists()
    res = distribute(DistributeOptions(tasks=tasks, output=tmp_path / "下发", registry_path=REG, skip_unresolved=True))
    assert res.units == 37 and "2021-01-01" in res.unassigned and "2021-01-15" in res.unassigned
    assert "2021-03-01" in res.unassigned             # partly sent: the named units got it, the rest not
    assert not any("有关部门" in u for u in res.files)
    left = CalamineWorkbook.from_path(res.listing).get_sheet_by_name("未分解任务").to_python()
    assert {r[0]: r[2] for r in left[1:]}["2021-01-15"] == "区政府有关部门"
    con = open_ledger(res.ledger)
    rnd, units, unassigned = distribution(con, "")
    assert len(units) == 37 and unassigned["2021-01-15"] == "区政府有关部门"
    sent_to = assign(read_plan(plan2021), load_registry(REG))[0]["区财政局"].tasks
    assert set(units["区财政局"]["tasks"]) == {(t.id, role) for t, role in sent_to}


def test_strongest_role_once(tmp_path, sample_registry):
    f = tmp_path / "要点.txt"
    f.write_text("2021年要点\n一、任务\n1.做好财政公开。（区财政局牵头，区政府各部门负责落实）\n", encoding="utf-8")
    tasks = write_task_list(read_plan(f), tmp_path / "清单.xlsx")
    res = distribute(DistributeOptions(tasks=tasks, output=tmp_path / "out", registry_path=REG))
    rows = CalamineWorkbook.from_path(res.files["区财政局"]).get_sheet_by_name(L.LEDGER_SHEET).to_python()
    assert len(rows) == 2 and rows[1][4] == "牵头"
    rows = CalamineWorkbook.from_path(res.files["区民政局"]).get_sheet_by_name(L.LEDGER_SHEET).to_python()
    assert rows[1][4] == "负责"


def test_locked_editable_validations_and_formats(issued):
    result, out, plan = issued
    wb = openpyxl.load_workbook(result.files["区政府办公室"])
    ws = wb[L.LEDGER_SHEET]
    assert ws.protection.sheet and wb[L.FIGURE_SHEET].protection.sheet
    header = [c.value for c in ws[1]]
    assert header == [c.title for c in L.COLUMNS]
    n = ws.max_row
    for r in range(2, n + 1):
        has_target = bool(ws.cell(r, header.index("量化目标") + 1).value)
        for i, col in enumerate(L.COLUMNS, 1):
            locked = ws.cell(r, i).protection.locked
            if col.key == "actual":
                assert locked == (not has_target)
            else:
                assert locked == (not col.editable), (r, col.title)
    dvs = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert dvs[f"J2:J{n}"].type == "list" and "已完成" in dvs[f"J2:J{n}"].formula1
    assert dvs[f"K2:K{n}"].type == "date"
    assert dvs[f"L2:L{n}"].type == "decimal" and dvs[f"L2:L{n}"].formula2 == "1"
    assert dvs[f"N2:N{n}"].prompt.startswith("写明做了什么")
    rules = [r.formula[0] for cf in ws.conditional_formatting for r in cf.rules]
    assert any("TODAY()" in f and "已完成" in f for f in rules)
    assert any("LEN(TRIM($N2))=0" in f for f in rules)
    assert ws.freeze_panes == "C2" and ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$1:$1"
    # deadlines are dates, the instructions show the unit and a live status formula
    assert ws["G" + str(n)].number_format == "yyyy-mm-dd"
    guide = wb[L.GUIDE_SHEET]
    values = {guide.cell(r, 1).value: guide.cell(r, 2).value for r in range(3, 9)}
    assert values["单位名称"] == "区政府办公室" and values["调度轮次"] == "2021年第1次调度"
    assert values["报送截止日期"].startswith("2021-07-10")
    assert values["填报进度"].startswith("=IF(COUNTA(")
    # figures sheet: inputs unlocked with whole-number validation, totals are formulas
    f = wb[L.FIGURE_SHEET]
    t3_first = wb.defined_names["GK_T3"].attr_text.split("!")[1].split(":")[0].replace("$", "")
    assert f[t3_first].protection.locked is False
    whole = [dv for dv in f.data_validations.dataValidation if dv.type == "whole"]
    assert whole and t3_first in str(whole[0].sqref).split()[0] or any(t3_first in str(dv.sqref) for dv in whole)
    assert all(dv.operator == "greaterThanOrEqual" and dv.formula1 == "0" for dv in whole)


def test_sheet_password_is_applied(tmp_path, plan2021):
    from openpyxl.worksheet.protection import hash_password

    tasks = write_task_list(reviewed_sample_plan(), tmp_path / "任务清单.xlsx")
    res = distribute(DistributeOptions(
        tasks=tasks, output=tmp_path / "下发", registry_path=REG, units=["区财政局"], password="gk2021"))
    wb = openpyxl.load_workbook(res.files["区财政局"])
    for sheet in (L.GUIDE_SHEET, L.LEDGER_SHEET, L.FIGURE_SHEET):
        assert wb[sheet].protection.sheet and wb[sheet].protection.password == hash_password("gk2021"), sheet
    plain = openpyxl.load_workbook(distribute(DistributeOptions(
        tasks=tasks, output=tmp_path / "下发2", registry_path=REG, units=["区财政局"])).files["区财政局"])
    assert plain[L.LEDGER_SHEET].protection.sheet and not plain[L.LEDGER_SHEET].protection.password


def test_metadata_matches(issued):
    from automation.unitbook import plan_fingerprint

    result, out, plan = issued
    path = result.files["区司法局"]
    wb = openpyxl.load_workbook(path)
    assert wb[L.META_SHEET].sheet_state == "veryHidden"
    props = {p.name: p.value for p in wb.custom_doc_props}
    meta = {}
    tasks = []
    for row in wb[L.META_SHEET].iter_rows(values_only=True):
        if row[0] == "task":
            tasks.append(row[1:4])
        elif row[0] in ("col", "figs", "extra"):
            continue
        else:
            meta[row[0]] = row[1]
    assert meta["unit"] == props["gk_unit"] == "区司法局"
    assert meta["plan_id"] == props["gk_plan_id"] and meta["fingerprint"] == props["gk_fingerprint"]
    assert meta["round"] == props["gk_round"] == "2021年第1次调度"
    assert meta["template_version"] == L.TEMPLATE_VERSION
    ws = wb[L.LEDGER_SHEET]
    assert [t[0] for t in tasks] == [ws.cell(r, 2).value for r in range(2, ws.max_row + 1)]
    for tid, digest, row in tasks:
        values = [ws.cell(row, i + 1).value for i, c in enumerate(L.COLUMNS) if not c.editable]
        values = [v.date().isoformat() if hasattr(v, "date") else ("" if v is None else str(v)) for v in values]
        assert L.task_hash(values) == digest
    assert meta["fingerprint"] == plan_fingerprint(read_plan_back(result))


def read_plan_back(result):
    from automation.tasklist import read_task_list

    return read_task_list(os.path.join(os.path.dirname(result.output), "任务清单.xlsx"))[0]


def test_safe_names():
    assert safe_filename('区"财政"局/预算:科*?') == "区_财政_局_预算_科__"
    names = file_names(["A/B", "A:B", "x" * 200], 2021)
    assert names["A/B"] == "A_B_2021政务公开任务台账.xlsx" and names["A:B"] == "A_B_2021政务公开任务台账_2.xlsx"
    assert len(names["x" * 200]) < 100


def test_no_silent_overwrite_and_units_regeneration(issued):
    result, out, plan = issued
    tasks = out.parent / "任务清单.xlsx"
    with pytest.raises(GongkaiError) as e:
        distribute(DistributeOptions(tasks=tasks, output=out, registry_path=REG))
    assert e.value.problem.code == "OUTPUT_EXISTS"
    before = {p: os.stat(p).st_mtime_ns for p in out.iterdir()}
    os.utime(result.files["区财政局"], ns=(1, 1))
    os.utime(result.files["孟庄镇"], ns=(1, 1))
    res = distribute(DistributeOptions(tasks=tasks, output=out, registry_path=REG, units=["区财政局"], due="2021-07-10"))
    assert res.workbooks == 1
    assert os.stat(result.files["区财政局"]).st_mtime_ns != 1
    assert os.stat(result.files["孟庄镇"]).st_mtime_ns == 1
    assert len(list(out.iterdir())) == len(before)


def test_template_missing_names_is_rejected(tmp_path, plan2021):
    wb = openpyxl.load_workbook(workbook_template("任务台账.xlsx"))
    del wb.defined_names["GK_COL_STATUS"]
    del wb.defined_names["GK_UNIT"]
    bad = tmp_path / "坏模板.xlsx"
    wb.save(bad)
    tasks = write_task_list(reviewed_sample_plan(), tmp_path / "任务清单.xlsx")
    with pytest.raises(GongkaiError) as e:
        distribute(DistributeOptions(tasks=tasks, output=tmp_path / "out", template=bad, registry_path=REG))
    assert "GK_COL_STATUS" in str(e.value) and "GK_UNIT" in str(e.value) and "坏模板.xlsx" in str(e.value)


def test_restyled_template_keeps_styling(tmp_path, plan2021):
    from openpyxl.styles import Font

    wb = openpyxl.load_workbook(workbook_template("任务台账.xlsx"))
    ws = wb[L.LEDGER_SHEET]
    ws["N1"] = "工作落实情况（请详细填写）"
    ws["N1"].font = Font(name="仿宋", size=14, color="FF0000")
    ws.column_dimensions["N"].width = 60
    tpl = tmp_path / "办公室模板.xlsx"
    wb.save(tpl)
    tasks = write_task_list(reviewed_sample_plan(), tmp_path / "任务清单.xlsx")
    res = distribute(DistributeOptions(tasks=tasks, output=tmp_path / "out", template=tpl, registry_path=REG))
    out = openpyxl.load_workbook(res.files["区财政局"])[L.LEDGER_SHEET]
    assert out["N1"].value == "工作落实情况（请详细填写）" and out["N1"].font.name == "仿宋"
    assert out.column_dimensions["N"].width == 60


def test_three_plans_every_assignment_lands_once(tmp_path, plan2019, gazette, plan2021):
    for plan_file in (plan2019, gazette):
        plan = read_plan(plan_file)
        draft = registry_from_plan(plan)
        for info in draft.units.values():       # no collective memberships: nothing expands
            info.collectives = []
        reg = write_registry(draft, tmp_path / f"{plan_file.stem}_名录.xlsx")
        tasks = write_task_list(plan, tmp_path / f"{plan_file.stem}.xlsx")
        res = distribute(DistributeOptions(
            tasks=tasks, output=tmp_path / plan_file.stem, registry_path=reg, skip_unresolved=True))
        expected = sum(len({u.name for u in t.units if not is_collective(u.name)}) for t in plan.tasks)
        got = sum(len(ledger_ids(p)) for p in res.files.values())
        assert got == expected
        listing = CalamineWorkbook.from_path(res.listing).get_sheet_by_name("下发清单").to_python()
        assert sum(r[4] for r in listing[1:]) == expected


def test_figure_formulas_compute(issued, tmp_path):
    """Fill the unit's figure inputs, recalculate with LibreOffice, read the totals and the self-check: the
    self-check judges as collect does — a blank sheet is 未填写 (collect: not reported), a blank row is named,
    text is not a number, then the balance — and 填报进度 on the first sheet repeats it."""
    exe = soffice()
    if not exe:
        pytest.skip("LibreOffice 未安装")
    result, out, plan = issued
    spec = R.SPEC_2021
    meta = L.read_meta_openpyxl(openpyxl.load_workbook(result.files["区财政局"])).figures
    inputs = [k for _, keys in spec.input_rows() for k in keys]

    def variant(name, values):
        src = tmp_path / f"{name}.xlsx"
        shutil.copy(result.files["区财政局"], src)
        wb = openpyxl.load_workbook(src)
        for key, v in values.items():
            wb[L.FIGURE_SHEET][meta[key]] = v
        wb.save(src)
        return src

    full = dict.fromkeys(inputs, 0)
    full.update({R.t3(1, 1): 10, R.t3(1, 2): 2,      # 新收: 10 自然人, 2 商业企业
                 R.t3(3, 1): 6, R.t3(4, 2): 2,       # 予以公开, 部分公开
                 R.t3(13, 1): 3, R.t3(25, 1): 1})    # 本机关不掌握, 结转下年度
    full.update({R.t4(c): v for c, v in zip(range(1, 5), (1, 2, 0, 1))})
    one_row_blank = {k: v for k, v in full.items() if k not in [R.t3(13, c) for c in range(1, 7)]}
    last_row_blank = {k: v for k, v in full.items() if k != "fee_yuan"}
    srcs = [result.files["区财政局"], variant("full", full), variant("one_row_blank", one_row_blank),
            variant("last_row_blank", last_row_blank), variant("text", {**full, R.t3(2, 3): "3件"}),
            variant("unbalanced", {**full, R.t3(1, 1): 11})]
    outdir = tmp_path / "recalc"
    subprocess.run([exe, "--headless", "--convert-to", "xlsx", "--outdir", str(outdir), *map(str, srcs)],
                   check=True, capture_output=True, timeout=300)
    check_cell = L.resolve_name(openpyxl.load_workbook(srcs[0]), "GK_CHECK_ALL")[1].replace("$", "")

    def read(src):
        calc = CalamineWorkbook.from_path(str(outdir / src.name))
        rows = calc.get_sheet_by_name(L.FIGURE_SHEET).to_python()
        status = next(r[1] for r in calc.get_sheet_by_name(L.GUIDE_SHEET).to_python() if r[0] == "填报进度")

        def val(ref):
            from openpyxl.utils.cell import coordinate_from_string, column_index_from_string

            col, row = coordinate_from_string(ref)
            return rows[row - 1][column_index_from_string(col) - 1]

        return val, val(check_cell), status

    _, check, status = read(srcs[0])                 # as sent: nothing typed yet
    assert check == "✗ 未填写（没有发生的事项请填 0）"
    assert status == "尚有 20 项未填写完成状态；年度报告数据未填写（没有发生的事项请填 0）。"
    val, check, status = read(srcs[1])
    assert val(meta[R.t3(1, 7)]) == 12                       # 总计 column
    assert val(meta[R.t3(24, 1)]) == 9 and val(meta[R.t3(24, 2)]) == 2  # （七）总计 row
    assert val(meta[R.t4(5)]) == 4                           # table 四 total
    assert check == "✓ 数据一致"                               # 10 = 9 + 1, 2 = 2 + 0
    assert status == "尚有 20 项未填写完成状态；"
    assert read(srcs[2])[1] == "✗ 有 1 行未填写（没有发生的请填 0）"
    assert read(srcs[3])[1] == "✗ 有 1 行未填写（没有发生的请填 0）"   # the last input row, the fee
    assert read(srcs[4])[1] == "✗ 有 1 格不是数字"
    _, check, status = read(srcs[5])                 # a planted error: one more application received than handled
    assert check == "✗ 有不一致，请核对"
    assert status.endswith("年度报告数据有不一致，请核对。")


def _recalc_in(src, outdir):
    subprocess.run([soffice(), "--headless", "--convert-to", "xlsx", "--outdir", str(outdir), str(src)],
                   check=True, capture_output=True, timeout=180)
    return CalamineWorkbook.from_path(str(outdir / src.name))


def test_renders_with_libreoffice(issued, tmp_path):
    exe = soffice()
    if not exe:
        pytest.skip("LibreOffice 未安装")
    result, out, plan = issued
    src = result.files["孟庄镇"]
    subprocess.run([exe, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), src],
                   check=True, capture_output=True, timeout=180)
    pdf = tmp_path / (os.path.basename(src)[:-5] + ".pdf")
    assert pdf.exists() and pdf.stat().st_size > 10000
    import pdfplumber

    with pdfplumber.open(str(pdf)) as doc:
        text = "".join(p.extract_text() or "" for p in doc.pages)
    assert "孟庄镇" in text and "任务台账" in text


def test_workbooks_made_on_every_core_are_the_ones_made_in_one(tmp_path, monkeypatch):
    import sqlite3
    import zipfile

    from automation import distribute as D

    tasks = write_task_list(reviewed_sample_plan(), tmp_path / "任务清单.xlsx")
    made = {}
    for name, first in (("one", 10 ** 6), ("pool", 2)):
        monkeypatch.setattr(D, "PARALLEL_FROM", first)
        ticks = []
        r = distribute(DistributeOptions(
            tasks=tasks, output=tmp_path / name, registry_path=REG, due="2021-07-10", round_name="第1轮",
            ledger=tmp_path / f"{name}.sqlite", progress=lambda i, n, u: ticks.append(i)))
        assert ticks == list(range(1, r.units + 1))
        con = sqlite3.connect(tmp_path / f"{name}.sqlite")
        sent = con.execute("SELECT unit, task_id, role, hash, row, file FROM sent ORDER BY unit, task_id").fetchall()
        con.close()
        made[name] = (r, sent)
    (one, sent_one), (pool, sent_pool) = made["one"], made["pool"]
    assert sent_one == sent_pool and len(sent_one) > 100
    assert sorted(one.files) == sorted(pool.files) and len(one.files) > 30
    for unit, path in one.files.items():
        with zipfile.ZipFile(path) as a, zipfile.ZipFile(pool.files[unit]) as b:
            for part in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml"):
                assert a.read(part) == b.read(part), (unit, part)


def test_listing_hides_a_lead_column_of_zeros_and_keeps_its_header_off_the_table(issued, tmp_path):
    result, out, plan = issued
    ws = openpyxl.load_workbook(result.listing)["下发清单"]
    head = [c.value for c in ws[1]]
    lead = openpyxl.utils.get_column_letter(head.index("牵头任务数") + 1)
    assert ws.column_dimensions[lead].hidden                # the sample plan names no 牵头 unit
    assert ws.oddHeader.center.text and ws.page_margins.top - ws.page_margins.header >= 0.5
    # a plan naming a 牵头 unit shows the column
    plan = reviewed_sample_plan()
    plan.tasks[3].units[0].role = "lead"             # 区发改局 leads 2021-01-04
    (tmp_path / "lead").mkdir()
    tasks = write_task_list(plan, tmp_path / "lead" / "任务清单.xlsx")
    res = distribute(DistributeOptions(
        tasks=tasks, output=tmp_path / "lead" / "下发", registry_path=REG, due="2021-07-10", round_name="第1轮"))
    ws = openpyxl.load_workbook(res.listing)["下发清单"]
    assert not ws.column_dimensions[lead].hidden
    assert sum(r[head.index("牵头任务数")].value for r in ws.iter_rows(min_row=2)) == 1


def test_a_refused_distribute_leaves_no_ledger_behind(tmp_path):
    """Through the command line: a run refused before anything was sent leaves no (empty) 台账.sqlite and
    no record; a ledger that was there before stays as it was."""
    import hashlib

    from automation.cli import main

    tasks = write_task_list(reviewed_sample_plan(), tmp_path / "任务清单.xlsx")
    ledger = tmp_path / "台账.sqlite"

    def run(out, *extra):
        return main(["distribute", str(tasks), "-o", str(out), "--registry", str(REG), "--due", "2021-07-10",
                     "--round", "第1轮", *map(str, extra)])

    wb = openpyxl.load_workbook(workbook_template("任务台账.xlsx"))
    del wb.defined_names["GK_UNIT"]
    wb.save(tmp_path / "坏模板.xlsx")
    assert run(tmp_path / "下发A", "--template", tmp_path / "坏模板.xlsx") == 2           # a template refused
    assert not ledger.exists() and not (tmp_path / "下发A").exists()
    assert run(tmp_path / "下发B", "--template", tmp_path / "没有这个模板.xlsx") == 2      # no template
    assert not ledger.exists()
    (tmp_path / "下发C").mkdir()
    (tmp_path / "下发C" / "下发清单.xlsx").write_bytes(b"")                               # an output already there
    assert run(tmp_path / "下发C") == 2 and not ledger.exists()
    copied = tmp_path / "复制了一行.xlsx"                                                 # a bad task list
    wb = openpyxl.load_workbook(tasks)
    ws = wb.worksheets[0]
    ws.append([c.value for c in ws[2]])
    wb.save(copied)
    assert main(["distribute", str(copied), "-o", str(tmp_path / "下发D"), "--registry", str(REG)]) == 2
    assert not (tmp_path / "台账.sqlite").exists()
    # a ledger there before a refused run is kept, unchanged
    assert run(tmp_path / "下发E") == 0 and ledger.exists()
    before = hashlib.sha256(ledger.read_bytes()).hexdigest()
    assert run(tmp_path / "下发E") == 2                                                  # its output exists now
    assert run(tmp_path / "下发F", "--template", tmp_path / "坏模板.xlsx") == 2
    assert hashlib.sha256(ledger.read_bytes()).hexdigest() == before
