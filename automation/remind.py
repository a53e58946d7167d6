"""Stage: 催报 — chase the units that owe something for the current round, from the ledger.

API: ``remind(RemindOptions(ledger=…, output=…, …)) -> RemindResult``.

A unit owes something when, for the round: it has not returned its workbook (after the cut-off), it
returned late, its returned 任务台账 leaves tasks without a status, or its latest file has errors to fix
(cells in 任务台账 or 年度报告数据: figures that were refused).  Each such unit gets a short Word notice
(the house layout of the annual report) naming exactly that, its overdue tasks and the new deadline, and
one message of at most 200 characters; the messages are in one sheet to copy from.  Nothing a unit
already sent is asked again: a returned file is not asked for, tasks reported done are not listed,
usable figures are not mentioned.  Before the cut-off, units that have not returned within ``soon_days``
of it get a friendly message instead (截止前提醒).  Every run is recorded in the ledger (``reminders``);
单位进度 shows the count and the latest time after the next collect.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from . import unitbook as L
from .dates import cn_date, month_day, parse_due
from .ledgerdb import (file_keys, has_collected, latest_reminders, open_ledger, record_reminders, recorded_problems,
                       recorded_round, reminder_runs, seen_files, sent_rows, stored_digests, transaction)
from .officialdoc import OfficialDoc
from .problems import GongkaiError, Problem
from .registry import load_registry
from .results import RemindResult, UnitOwes
from .returned import file_digest, office_zone
from .standing import build_summary
from .tables import atomic_target, row_height_for, xlsxwriter_print_setup

MESSAGE_MAX = 200
SHEET_OWED, SHEET_SOON, SHEET_NOTE = "催报", "截止前提醒", "说明"
KIND_CHASE, KIND_SOON = "催报", "截止前提醒"
SPREADSHEET = {".xlsx", ".xlsm", ".xls"}
WITHIN = "收到本通知后3个工作日内"        # the new deadline when the office sets none
STATUS_COLUMN = next(c.title for c in L.COLUMNS if c.key == "status")


def uncollected(con, returns: Path) -> list[str]:
    """Spreadsheets in the returns folder that no collect has read yet (as the collect scan keys them:
    path, size and time): reminding before collecting them could ask a unit for what it sent."""
    seen = seen_files(con)
    key_of = file_keys(con, returns)
    stored = None                          # the digests of every file collected, read when first needed
    out = []
    for p in sorted(returns.rglob("*")):
        if not p.is_file() or p.suffix.lower() not in SPREADSHEET or p.name.startswith(("~$", ".~")):
            continue
        st = p.stat()
        if seen.get(key_of(str(p.relative_to(returns))), ())[:2] == (st.st_size, st.st_mtime_ns):
            continue
        if stored is None:                 # a folder copied elsewhere: known by content
            stored = stored_digests(con)
        if file_digest(p) not in stored:
            out.append(str(p.relative_to(returns)))
    return out


@dataclass(frozen=True)
class RemindOptions:
    """How a 催报 run is made, built by the CLI (its flags) and the console's step (and so the web panel) alike:
    ``round_name`` (default the latest round); ``as_of`` the moment it is made (default now, in the office's
    ``timezone``); ``new_due`` the new deadline as typed (default "收到本通知后3个工作日内"); ``contact`` the
    office's contact line; ``office`` the signing office; ``soon_days``: units not returned within this many days
    before the cut-off get a 截止前提醒; ``returns``: the returns folder (files not yet collected stop the run);
    ``registry_path``: the unit registry (full names, contacts)."""
    ledger: str | Path | None = None          # 台账.sqlite
    output: str | Path | None = None          # each run writes a new folder in it
    round_name: str | None = None
    as_of: dt.datetime | None = None
    new_due: str | dt.date | None = None
    contact: str = ""
    office: str = ""
    soon_days: int = 3
    returns: str | Path | None = None
    registry_path: str | Path | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class NoticeFacts:
    """What every notice of one run says besides the unit's own: round, plan, cut-off, the run's day, the new
    deadline, the office's contact and the signing office."""
    round: str
    plan_title: str
    due: dt.date | None
    today: dt.date
    new_due: dt.date | None
    contact: str
    office: str


def remind(opts: RemindOptions) -> RemindResult:
    """Write this run's notices and message sheet into a new folder under ``opts.output`` and record the run."""
    o = opts
    ledger, output = o.ledger, o.output
    round_name, new_due, contact, soon_days, returns = o.round_name, o.new_due, o.contact, o.soon_days, o.returns
    registry_path = o.registry_path
    p = Path(ledger)
    if not p.exists():
        raise GongkaiError.of("FILE_NOT_FOUND", p)
    as_of = o.as_of or dt.datetime.now(office_zone(o.timezone)).replace(tzinfo=None, microsecond=0)     # the office's day, not the machine's
    new_due_date = parse_due(new_due) if new_due not in (None, "") else None
    if soon_days < 0:
        raise GongkaiError.of("BAD_ARGUMENT", detail=f"截止前提醒天数“{soon_days}”不能是负数")
    registry = load_registry(registry_path) if registry_path else None
    con = open_ledger(p)
    summary: dict = {}
    try:
        if returns is not None and Path(returns).is_dir():
            pending = uncollected(con, Path(returns))
            if pending:
                raise GongkaiError.of("REMIND_NOT_COLLECTED", returns, count=len(pending),
                                      names="、".join(pending[:3]) + ("等" if len(pending) > 3 else ""))
        if not has_collected(con):
            raise GongkaiError.of("REMIND_NOTHING_COLLECTED", p)
        found = recorded_round(con, round_name or "")
        if round_name and found is not None and found[0] != round_name:
            raise GongkaiError.of("REMIND_ROUND_NOT_SENT", p, round=round_name, latest=found[0])
        due = dt.date.fromisoformat(found[1]) if found and found[1] else None
        summary = build_summary(con, round_name, as_of=as_of, due=due, notes=[])
        rnd = summary["round"]
        if new_due_date and new_due_date < as_of.date():
            raise GongkaiError.of("BAD_ARGUMENT", detail=f"催报的新截止日期 {new_due_date.isoformat()} 早于今天，请重新填写")
        owes, soon = _who_owes(con, summary, due, as_of, soon_days)
        before = latest_reminders(con, rnd)
        run_no = reminder_runs(con, rnd) + 1
        folder = Path(output) / f"第{run_no}次催报_{as_of:%Y%m%d-%H%M%S}"
        n = 2
        while folder.exists():         # two runs in one second (nobody owed anything: the run number stays)
            folder = Path(output) / f"第{run_no}次催报_{as_of:%Y%m%d-%H%M%S}_{n}"
            n += 1
        plan_title = summary["plan"].get("title") or "政务公开工作要点"
        for u in owes + soon:
            u.times = before.get(u.unit, (0, ""))[0] + 1
            if registry is not None:
                info = registry.info(u.unit)
                if info is not None:
                    u.full_name = info.full_name
                    u.contact = u.contact or info.contact
                    u.phone = u.phone or info.phone
        for u in owes:
            u.message = owed_message(u, rnd, due, new_due_date, contact)
            u.notice = write_notice(folder / f"{u.unit}_催报通知.docx", u, NoticeFacts(
                round=rnd, plan_title=plan_title, due=due, today=as_of.date(), new_due=new_due_date, contact=contact,
                office=o.office))
        for u in soon:
            u.message = soon_message(u, rnd, due, as_of.date(), contact)
        sheet = write_sheet(folder / "催报消息.xlsx", owes, soon, rnd, due, as_of)
        stamp = as_of.isoformat()
        with transaction(con, p):
            record_reminders(con, rnd, run_no, stamp, [(u.unit, KIND_CHASE, u.asked, str(u.notice), u.message) for u in owes]
                             + [(u.unit, KIND_SOON, u.asked, "", u.message) for u in soon])
    finally:
        con.close()
        for source in ("entries", "figures"):
            if hasattr(summary.get(source), "close"):
                summary[source].close()
    return RemindResult(output=folder, sheet=sheet, round=rnd, due=due, as_of=as_of, owes=owes, soon=soon,
                        ledger=p, run=run_no)


def _who_owes(con, s: dict, due: dt.date | None, as_of: dt.datetime, soon_days: int) -> tuple[list, list]:
    """(units owing something, units to remind before the cut-off), in the order of the distribution."""
    today = as_of.date()
    before_cutoff = due is not None and today <= due
    rows = {u["unit"]: u for u in s["unit_rows"]}
    file_of = s["entries"].file_of               # unit -> its latest accepted file (any round)
    status_of = s["entries"].status_of
    missing = set(s["missing"])
    titles = {t["id"]: t["text"] for t in s["plan"]["tasks"]}
    overdue: dict[str, list] = {}
    for row in s["task_rows"]:
        if not row["overdue"]:
            continue
        t = row["task"]
        for u, _ in row["units"]:
            st = row["statuses"].get(u)
            if st not in (L.DONE, L.NA):
                overdue.setdefault(u, []).append((t["id"], t["text"], t.get("deadline") or "", st or "未填写"))
    owes, soon = [], []
    for unit, a in s["assignments"].items():
        r = rows[unit]
        u = UnitOwes(unit=unit, category=a["category"] or "", contact=a["contact"] or "", phone=a["phone"] or "",
                     missing=unit in missing, late_at=(r["returned_at"] or "").replace("T", " ")[:16] if r["late"] else "",
                     data_round=r["data_round"] or "", overdue=overdue.get(unit, []))
        mine = status_of.get(unit, {})
        ids = [tid for tid, _ in a["tasks"]]
        u.done_before = sum(1 for tid in ids if mine.get(tid) == L.DONE)
        fid = file_of.get(unit)
        if fid is not None:
            rows_at = sent_rows(con, unit, u.data_round or s["round"])
            u.blank = [(tid, rows_at.get(tid), titles.get(tid, "")) for tid in ids if not mine.get(tid)]
            for _, x in recorded_problems(con, fid):
                pr = Problem(x.code, x.file or "", x.sheet or "", x.cell or "", x.params)
                if pr.severity == "error":
                    u.fixes.append(pr)
        if u.missing and before_cutoff:
            u.missing = False               # not due yet: a friendly reminder when the cut-off is near
            if (due - today).days <= soon_days:
                u.days_left = (due - today).days
                u.asked = ["截止前提醒报送任务台账"]
                soon.append(u)
            continue
        if u.owes:
            u.asked = u.asked_items()
            owes.append(u)
    return owes, soon


# ------------------------------------------------------------------------------ the words

def _deadline_words(new_due: dt.date | None) -> str:
    return f"{cn_date(new_due)}前" if new_due else WITHIN


def owed_message(u: UnitOwes, rnd: str, due, new_due, contact: str) -> str:
    """One message for SMS/WeChat, at most MESSAGE_MAX characters: the details shorten before it is cut."""
    head = f"【政务公开催报】{u.unit}："

    def parts(detail: bool) -> list[str]:
        out = []
        if u.missing:
            out.append(f"{rnd}任务台账" + (f"截至{month_day(due)}" if due else "") + "未报送")
        elif u.late_at:
            out.append(f"{rnd}任务台账逾期报送（{u.late_at[:10]}报送，截止{month_day(due) if due else ''}）")
        if u.blank and not u.missing:
            out.append(f"{len(u.blank)}项任务未填写完成状态" + (f"（{u.blank[0][0]}等）" if detail else ""))
        if u.fixes:
            where = next((f"{x.sheet}!{x.cell}" if x.sheet else x.cell for x in u.fixes if x.cell), "")
            out.append(f"{len(u.fixes)}处填报内容需改正" + (f"（{where}等）" if detail and where else ""))
        if u.overdue:
            out.append(f"{len(u.overdue)}项任务已过完成时限未完成" + (f"（{u.overdue[0][0]}等）" if detail else ""))
        return out

    ask = ("请于" + (f"{month_day(new_due)}前" if new_due else "3个工作日内")
           + ("报送" if u.missing else "改正后重新报送" if (u.blank or u.fixes) else "抓紧推进") + "，详见催报通知")
    if u.missing and u.done_before:
        ask += "，已报送的内容不需重复填写"
    tail = f"。联系人：{contact}" if contact else ""
    for detail, with_tail in ((True, True), (False, True), (False, False)):
        text = head + "；".join(parts(detail)) + "。" + ask + (tail if with_tail else "") + ("" if tail and with_tail else "。")
        if len(text) <= MESSAGE_MAX:
            return text
    return text[:MESSAGE_MAX - 1] + "…"


def soon_message(u: UnitOwes, rnd: str, due: dt.date, today: dt.date, contact: str) -> str:
    left = "今天截止" if u.days_left == 0 else f"还有{u.days_left}天"
    text = (f"【政务公开提醒】{u.unit}：{rnd}任务台账报送截止日期为{month_day(due)}（{left}），请按时报送；"
            f"已经报送的请忽略。" + (f"联系人：{contact}" if contact else ""))
    return text if len(text) <= MESSAGE_MAX else text[:MESSAGE_MAX - 1] + "…"


def write_notice(path: Path, u: UnitOwes, facts: NoticeFacts) -> Path:
    """The unit's notice: what it still owes, numbered, the new deadline, the contact and the signature."""
    rnd, plan_title, due, today = facts.round, facts.plan_title, facts.due, facts.today
    new_due, contact, office = facts.new_due, facts.contact, facts.office
    doc = OfficialDoc()
    doc.title(f"关于{'催报' if u.missing else '补正'}{rnd}" + "政务公开工作要点落实情况的通知")
    doc.blank()
    doc.addressee(u.full_name or u.unit)
    doc.para(f"按照《{plan_title}》落实调度安排，{rnd}任务台账应于{cn_date(due) + '前' if due else '规定时间内'}报送。"
             f"截至{cn_date(today)}，你单位还有以下事项需要办理：")
    n = 0
    numbers = "一二三四五六七八九十"
    if u.missing:
        doc.heading(f"{numbers[n]}、任务台账未报送", 1)
        n += 1
        text = f"你单位尚未报送{rnd}任务台账（工作簿随本轮调度下发，文件名为“{u.unit}_…政务公开任务台账.xlsx”）。"
        if u.done_before:
            text += (f"你单位{u.data_round or '此前'}报送的内容已带入本轮工作簿（浅绿色底色），其中已完成的"
                     f"{u.done_before}项任务不需重复填写，只需核对并更新其余任务。")
        doc.para(text)
    elif u.late_at:
        doc.heading(f"{numbers[n]}、任务台账逾期报送", 1)
        n += 1
        doc.para(f"你单位于{u.late_at}报送任务台账，晚于截止日期{cn_date(due) if due else ''}。已报送的内容不需重新报送，"
                 "请今后严格按时限报送。")
    if u.blank and not u.missing:
        doc.heading(f"{numbers[n]}、任务台账未填写完整", 1)
        n += 1
        doc.para(f"报送的任务台账中以下{len(u.blank)}项任务没有填写“{STATUS_COLUMN}”（请从下拉列表选择，已完成的同时填写"
                 "完成时间和落实情况）：")
        for i, (tid, row, text) in enumerate(u.blank, 1):
            where = f"“任务台账”第{row}行，" if row else ""
            doc.para(f"{i}.{where}任务{tid}：{_short(text)}")
    if u.fixes:
        doc.heading(f"{numbers[n]}、填报内容需要改正", 1)
        n += 1
        figures = any(x.sheet == L.FIGURE_SHEET or x.code.startswith("FIGURE") for x in u.fixes)
        doc.para(f"报送的工作簿中以下{len(u.fixes)}处内容有误" + ("，年度报告数据在改正前不能使用" if figures else "")
                 + "，请逐项改正：")
        for i, x in enumerate(u.fixes, 1):
            doc.para(f"{i}.{x.message}")
    if u.overdue:
        doc.heading(f"{numbers[n]}、已过完成时限仍未完成的任务", 1)
        n += 1
        doc.para(f"以下{len(u.overdue)}项任务已过工作要点规定的完成时限，你单位填报的状态仍未完成，请抓紧落实，"
                 "并在任务台账中如实填写进展和存在问题：")
        for i, (tid, text, deadline, st) in enumerate(u.overdue, 1):
            doc.para(f"{i}.任务{tid}：{_short(text)}（完成时限{cn_date(deadline)}，目前状态：{st}）")
    action = "报送" if u.missing else "改正后重新报送" if (u.blank or u.fixes) else "落实"
    doc.para(f"请于{_deadline_words(new_due)}{action}。已经报送、且无需改正的内容不需重复报送。"
             f"逾期仍未{'报送' if u.missing else action}的，将在政务公开工作情况通报中予以通报。")
    if contact:
        doc.para(f"联系人及电话：{contact}。")
    doc.signature(office or "（发文单位）", today)
    return doc.save(path)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[:limit - 1] + "……"


def write_sheet(path: Path, owes: list[UnitOwes], soon: list[UnitOwes], rnd: str, due, as_of: dt.datetime) -> Path:
    """The messages to copy, one row a unit: 催报 (units owing something) and 截止前提醒."""
    with atomic_target(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        base = {"font_name": "宋体", "font_size": 10, "valign": "top", "text_wrap": True, "border": 1}
        head = wb.add_format({**base, "font_name": "黑体", "bg_color": "#DDEBF7", "align": "center"})
        text = wb.add_format(base)
        num = wb.add_format({**base, "align": "right"})
        for name, units, cols, widths in (
                (SHEET_OWED, owes, ["序号", "单位", "联系人", "联系电话", "需要办理的事项", "短信/微信文本（可直接复制）", "字数",
                                    "本轮第几次催报", "催报通知"], [5, 18, 8, 13, 34, 60, 5, 7, 24]),
                (SHEET_SOON, soon, ["序号", "单位", "联系人", "联系电话", "距截止天数", "短信/微信文本（可直接复制）", "字数",
                                    "本轮第几次提醒"], [5, 18, 8, 13, 8, 60, 5, 7])):
            ws = wb.add_worksheet(name)
            xlsxwriter_print_setup(ws, widths)
            for c, w in enumerate(widths):
                ws.set_column(c, c, w)
            for c, t in enumerate(cols):
                ws.write_string(0, c, t, head)
            for r, u in enumerate(units, 1):
                values = [r, u.unit, u.contact, u.phone,
                          "；".join(u.asked) if name == SHEET_OWED else u.days_left, u.message, len(u.message), u.times]
                if name == SHEET_OWED:
                    values.append(u.notice.name if u.notice else "")
                for c, v in enumerate(values):
                    if isinstance(v, int):
                        ws.write_number(r, c, v, num)
                    else:
                        ws.write_string(r, c, str(v or ""), text)
                ws.set_row(r, row_height_for([(u.message, widths[5]), ("；".join(u.asked), widths[4])], 13.5))
            ws.freeze_panes(1, 2)
            if not units:
                ws.write_string(1, 1, "（无）", text)
        ws = wb.add_worksheet(SHEET_NOTE)
        ws.set_column(0, 0, 100)
        lines = [f"调度轮次：{rnd}；报送截止：{due.isoformat() if due else '未设定'}；催报时间：{as_of:%Y-%m-%d %H:%M}",
                 f"“{SHEET_OWED}”列出本轮欠报或需改正的单位（未报送、逾期报送、任务未填写完成状态、填报内容有错误），"
                 "每个单位一份催报通知（Word，可修改后印发）和一条短信/微信文本（不超过200字）。",
                 "已经报送、且无需改正的内容不会再次催要；已完成的任务不列入。",
                 f"“{SHEET_SOON}”列出临近截止日期仍未报送的单位，供截止前友好提醒。",
                 "本次催报已记入台账数据库；下次点“汇总回收工作簿”后，汇总表“单位进度”显示各单位本轮被催报的次数和最近一次时间。"]
        for i, line in enumerate(lines):
            ws.write_string(i, 0, line, text)
            ws.set_row(i, row_height_for([(line, 100)], 13.5))
        wb.close()
    return path
