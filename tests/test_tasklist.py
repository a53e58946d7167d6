"""The task list workbook: what staff see, and that their edits survive a read-back."""
import datetime as dt

import openpyxl
import pytest

from automation.plan import read_plan
from automation.registry import load_registry, registry_from_plan, write_registry
from automation.tasklist import COLUMNS, read_task_list, write_task_list


def test_workbook_layout(plan2021, tmp_path, sample_registry):
    plan = read_plan(plan2021, registry=sample_registry)
    out = write_task_list(plan, tmp_path / "任务清单.xlsx", sample_registry)
    wb = openpyxl.load_workbook(out)
    ws = wb["任务清单"]
    assert [c.value for c in ws[1]] == COLUMNS
    assert ws.max_row == 41
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref.startswith("A1:P")
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"
    assert ws["D2"].alignment.wrap_text
    row26 = [c.value for c in ws[27]]
    assert row26[0] == "2021-03-01"
    assert row26[6] == "各镇人民政府、各街道办事处、区司法局、年度决策事项目录涉及的区政府部门单位"
    assert "不在名录" in row26[COLUMNS.index("待确认")]
    assert row26[COLUMNS.index("报告栏目")] == "主动公开"          # 重大决策 is told under 主动公开
    sections = {r[0]: r[COLUMNS.index("报告栏目")] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert sections["2021-04-02"] == "依申请公开" and sections["2021-05-02"] == "监督保障"
    assert sections["2021-04-04"] == "政府信息公开平台建设" and sections["2021-04-01"] == "政府信息管理"
    dv = [d for d in ws.data_validations.dataValidation if d.type == "list"]
    assert dv and "依申请公开" in dv[0].formula1 and "M2" in str(dv[0].sqref)
    assert ws["I30"].value.date() == dt.date(2021, 12, 31) and ws["I30"].number_format == "yyyy-mm-dd"
    units = {r[0].value: r for r in wb["单位"].iter_rows(min_row=2)}
    assert units["区发改局"][4].value == "是" and units["区发改局"][5].value == "区发展和改革局"
    assert units["各镇人民政府"][3].value == "是" and "孟庄镇" in units["各镇人民政府"][6].value
    assert units["区政府有关部门"][4].value == "否"
    assert units["各镇人民政府"][1].value == 21


def test_clerk_edits_survive_read_back(plan2021, tmp_path):
    path = write_task_list(read_plan(plan2021), tmp_path / "任务清单.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["任务清单"]
    ws["G2"] = "区发改局、区自然资源局"              # units fixed
    ws["F2"] = "区政府办公室"                        # a lead unit added
    ws["I3"] = dt.datetime(2021, 6, 30)              # deadline fixed
    ws["I4"] = "2021年9月30日"                       # typed as text
    ws["I5"] = "下个月"                              # nonsense
    ws["M2"] = "监督保障"                            # told in another subsection of the report
    ws["M3"] = None                                  # cleared: the rules decide again
    ws.delete_rows(6)                                # task 5 deleted
    ws.append(["", "六、新增", "", "新增一项任务", "", "", "区财政局"])
    wb.save(path)
    plan, problems = read_task_list(path)
    assert len(plan.tasks) == 40
    t1 = plan.tasks[0]
    assert [(u.name, u.role) for u in t1.units] == [("区政府办公室", "lead"), ("区发改局", "responsible"),
                                                   ("区自然资源局", "responsible")]
    assert plan.tasks[1].deadline == dt.date(2021, 6, 30)
    assert plan.tasks[2].deadline == dt.date(2021, 9, 30)
    assert plan.tasks[3].deadline is None
    assert plan.tasks[0].report_section == "监督保障" and plan.tasks[1].report_section == "主动公开"
    assert [p.code for p in problems] == ["TASKLIST_BAD_DATE"] and problems[0].cell == "I5"
    assert "下个月" in problems[0].message
    assert "2021-01-05" not in [t.id for t in plan.tasks]
    assert plan.tasks[-1].text == "新增一项任务" and plan.tasks[-1].id.startswith("新增-")
    assert plan.year == 2021 and plan.title == "2021年市中区政务公开工作要点"
    assert plan.tasks[24].path == ["三、强化公众参与推动高水平决策公开", "（一）组织编制年度重大决策事项目录"]


def test_registry_aliases_collectives_and_draft(plan2021, tmp_path, sample_registry):
    reg = sample_registry
    assert reg.canonical("区发改局") == "区发展和改革局"
    assert reg.canonical("孟庄镇人民政府") == "孟庄镇"
    assert len(reg.members("各镇街")) == 11
    assert reg.members("各街道办事处") == ["光明路街道", "中心街街道", "文化路街道", "龙山路街道", "垎塔埠街道", "矿区街道"]
    assert reg.members("区政府有关部门") is None
    draft = registry_from_plan(read_plan(plan2021))
    out = write_registry(draft, tmp_path / "名录.xlsx")
    back = load_registry(out)
    assert "区发改局" in back.units and back.units["区发改局"].category == "部门"
    assert "各镇人民政府" not in back.units          # collectives are not units
    assert back.units["枣庄经济开发区管委会"].category == "其他"


def test_text_starting_with_equals_stays_text(tmp_path):
    from automation.model import Plan, Task
    from automation.units import Unit

    plan = Plan(["x"], "2021年要点", 2021, [Task("2021-01-01", ["一、公开"], "=HYPERLINK(\"http://x\",\"y\")",
                                                "责任单位：区财政局", [Unit("区财政局")])])
    path = write_task_list(plan, tmp_path / "任务清单.xlsx")
    cell = openpyxl.load_workbook(path)["任务清单"]["D2"]
    assert cell.data_type == "s" and cell.value == "=HYPERLINK(\"http://x\",\"y\")"
    back, problems = read_task_list(path)
    assert back.tasks[0].text == "=HYPERLINK(\"http://x\",\"y\")" and not problems


def test_the_office_rule_file_decides_the_report_subsection(plan2021, tmp_path):
    """The year folder carries an editable copy of the rules; the plan step uses it, and a missing or empty
    rule file stops with a message instead of placing every task under 主动公开."""
    from automation.plan import PlanOptions, make_task_list
    from automation.problems import GongkaiError
    from automation.workspace import Workspace, init_workspace

    init_workspace(tmp_path / "年度", 2021)
    rules = Workspace(tmp_path / "年度").section_rules
    assert "依申请公开：" in rules.read_text(encoding="utf-8")
    rules.write_text("监督保障：数据开放\n", encoding="utf-8")
    r = make_task_list(PlanOptions(plans=plan2021, output=tmp_path / "任务清单.xlsx", rules_path=rules))
    by_id = {t.id: t.report_section for t in r.plan.tasks}
    assert by_id["2021-01-07"] == "监督保障" and by_id["2021-01-01"] == "主动公开"
    ws = openpyxl.load_workbook(r.output)["任务清单"]
    head = [c.value for c in ws[1]]
    assert ws.cell(8, head.index("报告栏目") + 1).value == "监督保障"
    for bad, code in ((tmp_path / "无此文件.txt", "FILE_NOT_FOUND"), (tmp_path / "空.txt", "BAD_ARGUMENT")):
        if code == "BAD_ARGUMENT":
            bad.write_text("# 只有说明\n随便写写\n", encoding="utf-8")
        with pytest.raises(GongkaiError) as e:
            make_task_list(PlanOptions(plans=plan2021, output=tmp_path / "x.xlsx", rules_path=bad))
        assert e.value.problem.code == code and bad.name in str(e.value)
