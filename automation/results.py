"""What each stage returns: typed results, never sentences.  The CLI and the control workbook word them,
each in its own words (cli.py, actions.py); tests assert on the fields."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from .model import Plan
from .problems import Problem


def _notable(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity != "info"]


@dataclass
class PlanResult:
    plan: Plan
    output: Path
    json: Path | None
    sources: int
    tasks: int
    units: int
    review: int
    problems: list[Problem] = field(default_factory=list)
    backup: Path | None = None          # the task list as it was before this parse (parsing again)
    merged: bool = False                # parsed onto an existing task list: the clerk's edits kept
    changes: list = field(default_factory=list)   # tasklist.Change: what the new parse would change, to accept


@dataclass
class RegistryResult:
    source: Path
    output: Path
    units: int


@dataclass
class DistributeResult:
    output: Path
    listing: Path
    workbooks: int                 # written in this run
    units: int                     # units the task list reaches
    tasks: int
    lead_tasks: int
    files: dict[str, Path]
    problems: list[Problem] = field(default_factory=list)
    ledger: Path | None = None
    unassigned: list[str] = field(default_factory=list)      # task ids sent to no unit (未分解)
    carried: int = 0                                         # workbooks pre-filled with a previous round's answers

    @property
    def warnings(self) -> list[Problem]:
        return _notable(self.problems)


@dataclass
class Headline:
    expected: int
    returned: int
    missing: int
    late: int
    unassigned: int
    tasks: int
    done: int
    in_progress: int
    not_started: int
    overdue: int


@dataclass
class CollectResult:
    output: Path
    ledger: Path | None
    new_files: int
    headline: Headline
    summary: Any                     # standing.YearState (an empty dict when unchanged)
    problems: list[Problem] = field(default_factory=list)
    unchanged: bool = False         # nothing new: the summary already written stands, untouched

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class ReportStatus(Enum):
    PASSED = "通过"
    PASSED_NOTES = "通过（有提示）"
    REFUSED = "未通过，未生成"
    FORCED = "未通过（已强制生成）"
    EXISTS = "文件已存在，未覆盖"
    NOT_WRITTEN = "未能写入"
    MISSING = "未报送，未生成"

    @property
    def label(self) -> str:
        """The wording in 报告清单.xlsx."""
        return self.value

    @property
    def written(self) -> bool:
        return self in (ReportStatus.PASSED, ReportStatus.PASSED_NOTES, ReportStatus.FORCED)


@dataclass
class ReportOutcome:
    organ: str
    unit: str | None               # None: the consolidated report
    file: Path | None
    status: ReportStatus
    problems: list[Problem] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)      # where the text is a standard sentence or a blank to fill
    data_from: str = ""            # the round its data come from, with its cut-off (报告清单's 数据来源)


@dataclass
class ReportResult:
    output: Path
    outcomes: list[ReportOutcome]
    listing: Path | None
    problems: list[Problem] = field(default_factory=list)
    repeats: dict = field(default_factory=dict)   # file name -> (share, repeated, counted, last year's file)

    @property
    def written(self) -> list[ReportOutcome]:
        return [o for o in self.outcomes if o.status.written]

    @property
    def passed(self) -> list[ReportOutcome]:
        return [o for o in self.outcomes if o.status in (ReportStatus.PASSED, ReportStatus.PASSED_NOTES)]

    @property
    def to_edit(self) -> list[ReportOutcome]:
        """Written reports with standard sentences or blanks the writer must replace."""
        return [o for o in self.written if o.todo]

    @property
    def kept_existing(self) -> list[ReportOutcome]:
        """Reports already there and not overwritten (nothing wrong with their data)."""
        return [o for o in self.outcomes if o.status is ReportStatus.EXISTS]

    @property
    def failed(self) -> list[ReportOutcome]:
        """Reports whose data failed the checks (refused, or written only because checks were waived) or
        that could not be written."""
        return [o for o in self.outcomes if o.status in (ReportStatus.REFUSED, ReportStatus.FORCED,
                                                         ReportStatus.NOT_WRITTEN)]

    @property
    def not_sent(self) -> list[ReportOutcome]:
        return [o for o in self.outcomes if o.status is ReportStatus.MISSING]

    @property
    def not_passed(self) -> list[ReportOutcome]:
        return [o for o in self.outcomes if o.status not in (ReportStatus.PASSED, ReportStatus.PASSED_NOTES)]


@dataclass
class InitResult:
    workspace: Path
    console: Path
    year: int
    launcher: Path | None = None        # the Linux desktop launcher of the browser panel
    excel_buttons: bool = True          # xlwings is here: the workbook's buttons can run
    source: Path | None = None          # init --from: last year's folder
    previous: Path | None = None        # last year's summary kept as 汇总/上年汇总.xlsx
    carried: int = 0                    # last year's unfinished tasks put in the new task list


@dataclass
class PanelResult:
    workspace: Path
    url: str


@dataclass
class ConsoleResult:
    console: Path


@dataclass
class ActionResult:
    """One button of the control workbook (or `gongkai run`): what the stage returned or the problem
    that stopped it, and what the workbook now says."""
    action: str
    ok: bool
    result: object = None
    problem: Problem | None = None
    message: str = ""
    held: str = ""                  # why the workbook does not show it yet (open in Excel/WPS), "" when it does


@dataclass
class DemoResult:
    output: Path
    console: Path
    steps: dict[str, str]


@dataclass
class UnitOwes:
    """What one unit owes for the round (催报), as found in the ledger."""
    unit: str
    category: str = ""
    contact: str = ""
    phone: str = ""
    full_name: str = ""
    missing: bool = False                   # no workbook this round, after the cut-off
    late_at: str = ""                       # returned after the cut-off: when
    data_round: str = ""                    # the round its latest answers are from
    blank: list = field(default_factory=list)       # (task id, row in its workbook, task text): no status
    fixes: list = field(default_factory=list)       # error problems on its latest file (cells to fix)
    overdue: list = field(default_factory=list)     # (task id, text, deadline, its status): past the deadline
    done_before: int = 0                    # tasks it already reported done (never asked again)
    days_left: int = 0                      # 截止前提醒: days to the cut-off
    asked: list = field(default_factory=list)       # what was asked, in words (recorded in the ledger)
    message: str = ""
    notice: Path | None = None
    times: int = 0                          # reminders of this unit in the round, this one included

    @property
    def owes(self) -> bool:
        return bool(self.missing or self.late_at or self.blank or self.fixes)

    def asked_items(self) -> list[str]:
        out = []
        if self.missing:
            out.append("报送任务台账")
        elif self.late_at:
            out.append(f"逾期报送（{self.late_at}）")
        if self.blank and not self.missing:
            out.append(f"填写{len(self.blank)}项任务的完成状态（{'、'.join(t[0] for t in self.blank[:5])}"
                       + ("等" if len(self.blank) > 5 else "") + "）")
        if self.fixes:
            cells = [f"{p.sheet}!{p.cell}" if p.sheet else p.cell for p in self.fixes if p.cell]
            out.append(f"改正{len(self.fixes)}处填报内容" + (f"（{'、'.join(cells[:5])}" + ("等" if len(cells) > 5 else "") + "）"
                                                        if cells else ""))
        if self.overdue:
            out.append(f"{len(self.overdue)}项逾期未完成任务（{'、'.join(t[0] for t in self.overdue[:5])}"
                       + ("等" if len(self.overdue) > 5 else "") + "）")
        return out


@dataclass
class RemindResult:
    output: Path                        # this run's folder: the notices and 催报消息.xlsx
    sheet: Path
    round: str
    due: object                         # the round's cut-off (a date) or None
    as_of: object
    owes: list[UnitOwes]
    soon: list[UnitOwes]
    ledger: Path
    run: int = 1                        # the how-many-th reminder run of this round


@dataclass
class BulletinResult:
    """The circular (通报) draft: its numbers as 总览 gives them, and whom the rules commend and name."""
    output: Path
    scope: str                          # round | year
    round: str
    settings: Path | None
    settings_written: bool              # the settings sheet was written with the defaults in this run
    expected: int
    returned: int
    late: int
    missing: int
    tasks: int
    done: int
    overdue: int
    praised: list[str] = field(default_factory=list)
    named: dict = field(default_factory=dict)       # reason -> units
    todo: list[str] = field(default_factory=list)   # blanks the writer must fill
    kept: Path | None = None            # the draft it replaced, kept aside: the office had changed it
