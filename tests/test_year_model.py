"""A model-based walk through the year (issue 25): random sequences of the operations on rounds, returns,
the ledger and units, against the invariants the year's record must keep.  Bounded and derandomized so it
runs the same in CI; a failure shrinks to a short sequence worth keeping as a regular test."""
import datetime as dt
import shutil
import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from automation import collect as C
from automation.demo import fill_return
from automation.distribute import DistributeOptions, distribute
from automation.ledgerdb import ordered_rounds
from automation.model import Plan, Task
from automation.registry import Registry, UnitInfo, write_registry
from automation.tasklist import write_task_list
from automation.units import Unit

IDENTITIES = ["甲局", "乙局", "丙镇"]
AS_OF = dt.datetime(2021, 12, 31, 18)


def small_plan() -> Plan:
    tasks = [Task("2021-01", ["一、公开"], "做好财政预决算公开工作。", "甲局", [Unit("甲局", "lead")]),
             Task("2021-02", ["一、公开"], "做好社会救助信息公开工作。", "乙局牵头，丙镇配合",
                  [Unit("乙局", "lead"), Unit("丙镇", "cooperate")]),
             Task("2021-03", ["二、平台"], "按月更新政务公开专栏。", "各单位", [Unit("各单位", "responsible", True)],
                  dt.date(2021, 6, 30), "6月底前")]
    return Plan(["model"], "模型测试工作要点", 2021, tasks, [])


def status_picture(result) -> dict:
    """What a summary says about the round (not the folder scan's notes)."""
    s = result.summary
    return {"headline": s["headline"], "trend": s["trend"],
            "tasks": [(r["task"]["id"], r["overall"], r["overdue"], sorted(r["statuses"].items())) for r in s["task_rows"]],
            "units": [(u["unit"], u["tasks"], u["done"], u["na"], u["late"], u["data_round"]) for u in s["unit_rows"]],
            "problems": sorted((p.code, p.file, str(sorted(p.params.items()))) for p in s["problems"]
                               if p.code in ("LATE", "NOT_RETURNED", "TWO_RETURNS"))}


class Year(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="gongkai-year-"))
        self.tasks = write_task_list(small_plan(), self.root / "任务清单.xlsx")
        self.names = {i: i for i in IDENTITIES}            # identity -> its name now
        self.old_names = {i: [] for i in IDENTITIES}
        self.write_registry()
        self.back = self.root / "回收"
        self.back.mkdir()
        self.ledger = self.root / "台账.sqlite"
        self.rounds: list[str] = []
        self.due: dict[str, dt.date] = {}                   # this round's cut-off per identity
        self.sent: dict[str, dict[str, Path]] = {}          # round -> identity -> its workbook
        self.pending: list[tuple] = []                      # (identity, file name, saved) not collected yet
        self.returns: dict[str, list[tuple]] = {}           # round -> [(identity, file name, saved)] collected
        self.pictures: dict[str, dict] = {}                 # round -> what its summary said when it was current
        self.n = 0

    def teardown(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def write_registry(self):
        reg = Registry()
        for i in IDENTITIES:
            reg.units[self.names[i]] = UnitInfo(self.names[i], [i, *self.old_names[i]] if self.names[i] != i else [],
                                                "部门", "联系人", "0632-0000000", ["各单位"])
        reg._index()
        self.registry = write_registry(reg, self.root / "单位名录.xlsx")

    @property
    def current(self) -> str:
        return self.rounds[-1]

    def _distribute(self, rnd: str, due: dt.date, units=None, force=False):
        res = distribute(DistributeOptions(
            tasks=self.tasks, output=self.root / "下发" / rnd, registry_path=self.registry, due=due.isoformat(),
            round_name=rnd, units=units, force=force, ledger=self.ledger))
        by_name = {n: i for i, n in self.names.items()}
        self.sent.setdefault(rnd, {}).update({by_name[u]: p for u, p in res.files.items()})
        return res

    # ------------------------------------------------------------------ the year's operations

    @precondition(lambda self: not self.pending and len(self.rounds) < 4)
    @rule(rename=st.sampled_from([None, None, *IDENTITIES]))
    def new_round(self, rename):
        if rename:                                          # the registry renames a unit before the round
            self.old_names[rename].append(self.names[rename]) if self.names[rename] != rename else None
            self.names[rename] = self.names[rename] + "新"
            self.write_registry()
        rnd = f"第{len(self.rounds) + 1}轮"
        due = dt.date(2021, 2 * len(self.rounds) + 3, 10)
        self._distribute(rnd, due)
        self.rounds.append(rnd)
        self.returns[rnd] = []
        self.due = {i: due for i in IDENTITIES}

    @precondition(lambda self: self.rounds)
    @rule(who=st.sampled_from(IDENTITIES), days=st.sampled_from([5, 20]))
    def extension(self, who, days):
        due = self.due[who] + dt.timedelta(days=days)
        self._distribute(self.current, due, units=[self.names[who]], force=True)
        self.due[who] = due
        self.pictures.pop(self.current, None)               # the round's lateness may change

    @precondition(lambda self: len(self.rounds) > 1)
    @rule(who=st.sampled_from(IDENTITIES), data=st.data())
    def resend_earlier(self, who, data):
        rnd = data.draw(st.sampled_from(self.rounds[:-1]))
        with sqlite3.connect(self.ledger) as con:
            due = con.execute("SELECT due FROM distributions WHERE round=?", (rnd,)).fetchone()[0]
        units = [self.names[who]]
        res = distribute(DistributeOptions(
            tasks=self.tasks, output=self.root / "下发" / rnd, registry_path=self.registry, round_name=rnd, units=units,
            force=True, ledger=self.ledger))
        assert res.workbooks == 1 and due

    @precondition(lambda self: self.rounds)
    @rule(who=st.sampled_from(IDENTITIES), when=st.sampled_from([-2, 0, 3]), share=st.sampled_from([0.0, 0.5, 1.0]))
    def answer(self, who, when, share):
        """A unit returns its workbook for the current round, before, on or after its own cut-off."""
        self.n += 1
        saved = dt.datetime.combine(self.due[who] + dt.timedelta(days=when), dt.time(10, 0))
        name = f"{self.current}/{who}_{self.n}.xlsx"
        fill_return(self.sent[self.current][who], self.back / name, share_done=share, seed=self.n, mtime=saved)
        self.pending.append((who, name, saved))

    @precondition(lambda self: self.rounds)
    @rule()
    def collect(self):
        r = C.collect(C.CollectOptions(
            folder=self.back, tasks=self.tasks, output=self.root / "汇总.xlsx", ledger=self.ledger,
            round_name=self.current, registry_path=self.registry, as_of=AS_OF, force=True))
        assert r.new_files == len(self.pending)
        self.returns[self.current] += self.pending
        self.pending = []
        if r.unchanged:
            return
        self.check_summary(r)
        self.pictures[self.current] = status_picture(r)

    @precondition(lambda self: self.pictures)
    @rule(data=st.data())
    def rebuild(self, data):
        rnd = data.draw(st.sampled_from(sorted(self.pictures)))
        r = C.rebuild(self.ledger, self.root / f"重建_{rnd}.xlsx", round_name=rnd, force=True)
        assert status_picture(r) == self.pictures[rnd]     # round k as it was when it was current

    # ------------------------------------------------------------------ what must always hold

    def newest(self) -> dict[str, tuple]:
        """identity -> (round, file name) of its newest answer: the latest round, then the latest saved."""
        out = {}
        for rnd in self.rounds:
            for who, name, saved in sorted(self.returns[rnd], key=lambda x: x[2]):   # stable: ties keep order
                out[who] = (rnd, name)
        return out

    def check_summary(self, r):
        s = r.summary
        status_of = s["entries"].status_of
        with sqlite3.connect(self.ledger) as con:
            for who, (rnd, name) in self.newest().items():
                unit = self.names[who]
                stored = dict(con.execute("SELECT e.task_id, e.status FROM entries e JOIN files f ON f.id=e.file_id "
                                          "WHERE f.name=? AND f.round=?", (name, rnd)))
                assert stored, name
                assert status_of[unit] == stored               # no answer in the ledger missing from the summary
                row = next(u for u in s["unit_rows"] if u["unit"] == unit)
                assert row["data_round"] == rnd                # a silent unit carries its latest answer
        late = set()
        latest_here: dict[str, tuple] = {}
        for who, name, saved in sorted(self.returns[self.current], key=lambda x: x[2]):
            latest_here[who] = saved
        for who, saved in latest_here.items():
            if saved.date() > self.due[who]:
                late.add(self.names[who])
        assert {p.params["unit"] for p in r.problems if p.code == "LATE"} == late
        for rnd, pic in self.pictures.items():                 # an earlier round's trend is never rewritten
            if rnd == self.current:
                continue
            assert [t for t in s["trend"] if t["round"] in self.rounds[:self.rounds.index(rnd) + 1]] == pic["trend"]

    @invariant()
    def rounds_keep_their_order_and_the_ledger_is_sound(self):
        if not self.ledger.exists():
            return
        with sqlite3.connect(self.ledger) as con:
            assert ordered_rounds(con) == self.rounds
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


Year.TestCase.settings = settings(max_examples=3, stateful_step_count=8, deadline=None, derandomize=True,
                                  database=None, suppress_health_check=list(HealthCheck))
TestYear = Year.TestCase


def run_steps(*steps):
    """A sequence of the machine's operations as a regular test (invariants checked after each)."""
    y = Year()
    try:
        y.rounds_keep_their_order_and_the_ledger_is_sound()
        for name, kw in steps:
            getattr(y, name)(**kw)
            y.rounds_keep_their_order_and_the_ledger_is_sound()
    finally:
        y.teardown()


class Drawn:
    """What ``st.data()`` gives a rule, fixed."""

    def __init__(self, value):
        self.value = value

    def draw(self, _strategy):
        return self.value


def test_a_silent_unit_carries_its_answer_and_round_one_rebuilds_as_it_was():
    run_steps(("new_round", {"rename": None}),
              ("answer", {"who": "甲局", "when": 0, "share": 1.0}),
              ("answer", {"who": "乙局", "when": 3, "share": 0.5}),
              ("collect", {}),
              ("new_round", {"rename": "甲局"}),
              ("answer", {"who": "乙局", "when": -2, "share": 1.0}),
              ("extension", {"who": "丙镇", "days": 5}),
              ("answer", {"who": "丙镇", "when": 3, "share": 0.0}),
              ("collect", {}),
              ("resend_earlier", {"who": "乙局", "data": Drawn("第1轮")}),
              ("rebuild", {"data": Drawn("第1轮")}),
              ("rebuild", {"data": Drawn("第2轮")}))


def test_two_returns_of_a_unit_in_one_round_and_an_extension_after_a_collect():
    run_steps(("new_round", {"rename": None}),
              ("answer", {"who": "丙镇", "when": 3, "share": 0.5}),
              ("collect", {}),
              ("extension", {"who": "丙镇", "days": 20}),
              ("answer", {"who": "丙镇", "when": -2, "share": 1.0}),
              ("collect", {}),
              ("rebuild", {"data": Drawn("第1轮")}))
