import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
PLANS = SHARED / "plans"
# copies that travel with the repository, so the suite runs in a plain clone too
FIXTURE_PLANS = ROOT / "tests" / "fixtures" / "plans"


def shared_plan(name: str) -> Path:
    """A real published plan: from ../shared when it is there, else the copy the repository ships
    (the 2021 sample is the package's own; the other two are test fixtures)."""
    p = PLANS / name
    if p.exists():
        return p
    if name == "shizhong_2021_workplan.txt":
        from automation.resources import sample_plan

        return sample_plan()
    return FIXTURE_PLANS / name


@pytest.fixture
def plan2021() -> Path:
    return shared_plan("shizhong_2021_workplan.txt")


@pytest.fixture
def plan2019() -> Path:
    return shared_plan("xuecheng_2019_workplan.txt")


@pytest.fixture
def gazette() -> Path:
    return shared_plan("shizhong_2018_gazette_no6.txt")


@pytest.fixture
def sample_registry():
    from automation.registry import load_registry
    from automation.resources import SAMPLE_REGISTRY, workbook_template

    return load_registry(workbook_template(SAMPLE_REGISTRY))


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def reviewed_sample_plan():
    """The sample plan as the clerk leaves it after review: 实际责任单位 filled where the plan names no unit."""
    from automation.demo import SAMPLE_ACTUAL_UNITS
    from automation.plan import read_plan

    plan = read_plan(shared_plan("shizhong_2021_workplan.txt"))
    for t in plan.tasks:
        if t.id in SAMPLE_ACTUAL_UNITS:
            t.actual_units = SAMPLE_ACTUAL_UNITS[t.id].split("、")
    return plan


# Tests that start LibreOffice, a browser or another Python process are marked ``slow`` (their source names
# one of these); `pytest -m "not slow"` runs the rest while working, .ci/run runs everything.
SLOW_MARKS = ("soffice()", "subprocess.", "chromium", "webdriver", "Popen(")


def pytest_collection_modifyitems(items):
    import inspect

    for item in items:
        fn = getattr(item, "function", None)
        try:
            source = inspect.getsource(fn) if fn else ""
        except (OSError, TypeError):
            source = ""
        if any(mark in source for mark in SLOW_MARKS):
            item.add_marker(pytest.mark.slow)


def values_only(src: Path, dst: Path, key_column: dict[str, str] | None = None) -> Path:
    """The unit's answers pasted as values into a new workbook (no metadata); ``key_column``: 任务编号 -> a
    number of the unit's own, the 任务编号 (the key) then kept in a 任务标识 column after the last."""
    import openpyxl

    from automation import unitbook as L
    from automation.tasklist import KEY

    wb = openpyxl.load_workbook(src)
    fresh = openpyxl.Workbook()
    ws = fresh.active
    ws.title = L.LEDGER_SHEET
    for row in wb[L.LEDGER_SHEET].iter_rows(values_only=True):
        ws.append(list(row))
    if key_column is not None:
        meta = L.read_meta_openpyxl(wb)
        h, c = meta.header_row, len(L.COLUMNS) + 1
        ws.cell(h, c, KEY)
        id_col = openpyxl.utils.column_index_from_string(meta.columns["id"])
        for r in range(h + 1, ws.max_row + 1):
            label = ws.cell(r, id_col).value
            if label in key_column:
                ws.cell(r, c, label)
                ws.cell(r, id_col, key_column[label])           # numbered anew by the unit
    dst.parent.mkdir(parents=True, exist_ok=True)
    fresh.save(dst)
    return dst


def console_run(root, action, **settings):
    """A console step as the Excel button runs it: the settings typed into 控制台.xlsm, saved, then the action."""
    from automation import actions
    from automation.panel import OpenpyxlPanel

    panel = OpenpyxlPanel(root / "控制台.xlsm", echo=False)
    for k, v in settings.items():
        panel.set(k, v)
    panel.flush()
    return actions.run(action, OpenpyxlPanel(root / "控制台.xlsm", echo=False))


def console_get(root, name):
    """One cell of 控制台.xlsm by its name, as the console reads it."""
    from automation.panel import OpenpyxlPanel

    return OpenpyxlPanel(root / "控制台.xlsm", echo=False).get(name)
