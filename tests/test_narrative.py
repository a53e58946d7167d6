"""The report's prose, piece by piece: task titles, classification into the five subsections, frames."""
import pytest

from automation.narrative import Frames, clean_detail, short_title, squeeze
from automation.reportsections import classify, load_rules, section_name


@pytest.mark.parametrize("text,title", [
    # framing clause dropped, quotes inside turned to ‘’
    ("围绕实施“工业强区、产业兴区”战略，培育壮大“6＋3”现代产业体系，做好重点项目建设和产业政策实施情况公开。",
     "培育壮大“6＋3”现代产业体系"),
    # the addressees and their 要 dropped
    ("各镇（街）、各部门政务公开领导小组要定期召开会议，切实发挥统筹指导协调推进职责。", "政务公开领导小组定期召开会议，切实发挥统筹指导协调推进职责"),
    ("各镇（街）、各部门要加强政务公开信息报送工作，及时总结推广本辖区、本系统抓工作、促落实的好经验好做法。",
     "加强政务公开信息报送工作"),
    # a long list is cut between items, never inside quotes or brackets
    ("认真贯彻落实区委九届八次全体会议精神和2021年《政府工作报告》要求，深入实施“工业强区、产业兴区”产业发展三年倍增计划。",
     "深入实施“工业强区、产业兴区”产业发展三年倍增计划"),
    ("做好重要信息公开。", "做好重要信息公开"),
])
def test_short_titles(text, title):
    assert short_title(text) == title


def test_short_title_never_breaks_a_quote_or_leaves_an_ellipsis():
    text = ("推进实行排污许可、新一轮“四减四增、三个坚决、两个持续”行动、自然资源统一确权登记、"
            "生态保护红线、生态环境损害赔偿、耕地保护等信息公开。")
    t = short_title(text, 20)
    head, _, tail = t.rpartition("等")
    assert t.count("“") == t.count("”") and "…" not in t and text.startswith(head)
    assert "等" + tail in text                     # the list cut, what is done with it kept: "…等信息公开"


@pytest.mark.parametrize("text,title", [
    # a long list cut between items keeps what is done with them
    ("围绕解决突出问题等方面，重点做好相关政策举措、扶贫项目、财政专项扶贫资金、精准扶贫贷款、行业扶贫相关财政资金、"
     "东西部协作财政援助资金等信息公开工作。", "重点做好相关政策举措、扶贫项目、财政专项扶贫资金、精准扶贫贷款等信息公开工作"),
    # "相关信息" said of what the dropped framing clause names
    ("围绕公共文化体育的服务保障政策、服务体系建设、财政资金投入和使用等，加大相关信息公开力度。",
     "围绕公共文化体育的服务保障政策、服务体系建设等加大相关信息公开力度"),
    # a condition is not a task name
    ("除法律、法规明确规定外，及时、准确、规范向社会公开随机抽查事项、抽查计划、抽查结果。",
     "及时、准确、规范向社会公开随机抽查事项、抽查计划、抽查结果"),
    # an object put first ("对…的建议和提案，原则上都要…") is the title's subject
    ("对涉及公共利益、公众权益、社会关切及需要社会广泛知晓的建议和提案，原则上都要公开答复全文。", "建议和提案公开答复全文"),
    ("对本要点提出的涉及本辖区、本系统的重点任务，梳理形成工作台账。", "梳理形成工作台账"),
])
def test_titles_from_the_2019_task_table(text, title):
    assert short_title(text) == title


def test_classification_by_first_clause_then_headings():
    assert classify(["四、全面提升基层政务公开标准化规范化水平", "（二）提高依申请公开工作质量"],
                    "推进依申请公开标准化规范化建设，进一步健全完善登记、审核、办理、答复、归档等工作制度。") == "依申请公开"
    assert classify(["三、强化公众参与推动高水平决策公开", "（二）畅通公众参与渠道"],
                    "决策机关应当建立完善公众参与平台，及时发布重大行政决策相关信息。") == "主动公开"
    assert classify(["二、加强和改进政策发布解读回应", "（三）积极回应社会关切"],
                    "做好人大代表建议和政协委员提案办理情况信息公开工作。加强舆情回应台账管理。") == "主动公开"
    assert classify(["五、严格政务公开工作保障和落实", "（四）进一步抓好任务落实"],
                    "对本要点提出的涉及本辖区、本系统的重点任务，梳理形成工作台账。") == "监督保障"
    assert classify(["一、深化重点领域政府信息公开", "（二）着眼畅通经济循环推进政务公开"],
                    "实施大数据创新应用突破行动，做好数据开放工作。") == "主动公开"
    assert classify([], "健全政务新媒体监管机制，有序开展清理整合。") == "政府信息公开平台建设"
    assert classify([], "其他工作。") == "主动公开"


def test_rule_file_is_editable(tmp_path):
    rules = tmp_path / "规则.txt"
    rules.write_text("# 说明\n监督保障：数据开放\n主动公开：公开\n", encoding="utf-8")
    assert load_rules(str(rules)) == (("监督保障", ("数据开放",)), ("主动公开", ("公开",)))
    assert classify([], "做好数据开放工作。", load_rules(str(rules))) == "监督保障"
    assert section_name("（三）政府信息管理") == "政府信息管理" and section_name("平台建设") == "政府信息公开平台建设"
    assert section_name("别的") == ""


def test_boilerplate_is_not_quoted_and_frames_rotate():
    assert clean_detail("已完成。") == "" and clean_detail("孟庄镇已按要求落实", "孟庄镇") == ""
    assert clean_detail("孟庄镇公开信息12条。", "孟庄镇") == "公开信息12条"
    assert squeeze("公开了 A&B 的\n“预算” 信息") == "公开了 A&B 的“预算”信息"
    f = Frames()
    pool = ["甲{k}", "乙{k}", "丙{k}"]
    picked = [f.pick(pool) for _ in range(6)]
    assert all(picked.count(x) == 2 for x in pool)


def test_one_open_task_or_one_more_done_is_not_counted_as_several():
    from automation.narrative import Draft, Frames, TaskView, problems_and_measures, task_paragraph

    def view(i, status):
        return TaskView({"id": str(i), "text": f"做好第{i}项重点信息公开工作。", "deadline": ""}, status, False, [], "主动公开")

    done = [view(i, "已完成") for i in range(5)]
    text = task_paragraph(done + [view(9, "推进中")], False, Frames(), {}, [])[0]
    assert "此外，“做好第4项重点信息公开工作”也已完成。" in text and "等1项" not in text
    five = problems_and_measures([view(9, "推进中")], [], False, None, Draft(), "某局")[0][1][0]
    assert five == "一是工作要点落实还不到位。“做好第9项重点信息公开工作”尚未完成。"
