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
