"""The committed default templates are exactly what scripts/build_templates.py builds."""
import importlib.util
import zipfile

import pytest

from conftest import ROOT

COMMITTED = {"registry": "workbook_templates/单位名录示例.xlsx", "ledger": "workbook_templates/任务台账.xlsx",
             "ledger2019": "workbook_templates/任务台账_2019格式.xlsx", "report": "report_templates/年度报告.docx",
             "report2019": "report_templates/年度报告_2019格式.docx"}
VOLATILE = {"docProps/core.xml"}             # creation and modification times


def builders():
    spec = importlib.util.spec_from_file_location("build_templates", ROOT / "scripts" / "build_templates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.BUILDERS


@pytest.mark.parametrize("name", sorted(COMMITTED))
def test_committed_template_equals_a_fresh_build(name, tmp_path):
    committed = ROOT / COMMITTED[name]
    built = builders()[name](tmp_path / committed.name)
    with zipfile.ZipFile(built) as a, zipfile.ZipFile(committed) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        changed = [n for n in a.namelist() if n not in VOLATILE and a.read(n) != b.read(n)]
    assert not changed, f"{committed.name}: run scripts/build_templates.py and commit ({changed})"


def test_a_new_report_part_is_one_function(tmp_path, monkeypatch):
    """A part of the report template is one function in build_templates.REPORT_PARTS: put after 六, its heading
    and docxtpl loop are written between 六 and the signature, and the rest is the committed template's."""
    import docx

    spec = importlib.util.spec_from_file_location("build_templates", ROOT / "scripts" / "build_templates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def seven(doc, spec):
        doc.para("七、测试事项", "Heading 1")
        doc.blocks("seven")

    parts = list(module.REPORT_PARTS)
    parts.insert(parts.index(module._six_part) + 1, seven)
    monkeypatch.setattr(module, "REPORT_PARTS", tuple(parts))
    built = docx.Document(module.build_report(tmp_path / "年度报告.docx"))
    committed = docx.Document(ROOT / COMMITTED["report"])
    texts = [(p.text, p.style.name) for p in built.paragraphs]
    at = texts.index(("七、测试事项", "Heading 1"))
    assert texts[at + 1] == ("{%p for b in seven %}", "Normal") and texts[at + 7] == ("{%p endfor %}", "Normal")
    assert texts[at - 2:at] == [("{%p endif %}", "Normal"), ("{%p endfor %}", "Normal")]             # 六's loop
    assert texts[at + 8:] == [("", "Normal"), ("{{ organ }}", "落款"), ("{{ date_text }}", "落款")]
    assert texts[:at] + texts[at + 8:] == [(p.text, p.style.name) for p in committed.paragraphs]
    assert len(built.tables) == len(committed.tables) == 3
