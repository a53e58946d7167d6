"""The ledger (台账.sqlite) as one module's concern (issue 25): its SQL lives in ledgerdb.py only, a ledger
of an earlier release is brought to this release's form once, a moved year folder is not hashed again, and
a collect opens the ledger and reads the registry once."""
import datetime as dt
import json
import os
import re
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from automation import collect as C
from automation import ledgerdb
from test_collect import _drop_saved_time
from test_year import R1, R1_SAVED, R1_UNITS, Year, picture, year  # noqa: F401 (the fixture)

AUTOMATION = Path(__file__).resolve().parent.parent / "automation"


def test_ledger_sql_lives_in_ledgerdb_only():
    found = [f"{p.name}:{i}: {line.strip()}" for p in sorted(AUTOMATION.glob("*.py")) if p.name != "ledgerdb.py"
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(r"execute|sqlite3", line)]
    assert found == []


def first_round(year: Year, units=R1_UNITS[:4], no_saved_time: int = 0) -> None:
    """Round 1 distributed, ``units`` answer (the first ``no_saved_time`` of them from a tool that writes no
    saved time: their file time counts), collected."""
    assert year.distribute(R1, "2021-07-10") == 0
    for i, u in enumerate(units):
        path = year.answer(R1, u, R1_SAVED + dt.timedelta(days=i))
        if i < no_saved_time:
            _drop_saved_time(path)
            os.utime(path, ((R1_SAVED + dt.timedelta(days=i)).timestamp(),) * 2)
    assert year.collect(R1) in (0, 1)


def counting(monkeypatch, module, name: str) -> list:
    """Calls of module.name (the real function still runs), one list item a call."""
    calls, real = [], getattr(module, name)

    def counted(*args, **kw):
        calls.append(args)
        return real(*args, **kw)

    monkeypatch.setattr(module, name, counted)
    return calls


def to_previous_form(ledger: Path) -> None:
    """What a ledger of the previous release held: summaries and hashed files by absolute path, files without
    saved time or time source, units' tasks as lists of [id, role] in the stored plans, no aliases, version 0."""
    folder = ledger.resolve().parent
    con = sqlite3.connect(ledger, isolation_level=None)
    for table, col in (("summaries", "output"), ("seen", "path")):
        for rowid, key in con.execute(f"SELECT rowid, {col} FROM {table}").fetchall():
            con.execute(f"UPDATE {table} SET {col}=? WHERE rowid=?", (os.path.normpath(folder / key), rowid))
    con.execute("UPDATE files SET saved_at=NULL WHERE saved_at=mtime")
    con.execute("UPDATE files SET time_source=NULL WHERE time_source='文件修改时间'")
    for key, text in con.execute("SELECT key, value FROM plan").fetchall():
        payload = json.loads(text)
        for a in payload["assignments"].values():
            a["tasks"] = [list(pair) for pair in ledgerdb.unpack_tasks(a["tasks"])]
        del payload["aliases"]
        con.execute("UPDATE plan SET value=? WHERE key=?", (json.dumps(payload, ensure_ascii=False), key))
    con.execute("PRAGMA user_version=0")
    con.close()


def test_a_ledger_of_the_previous_form_is_upgraded_once_and_then_behaves_as_new(year, monkeypatch):
    first_round(year, no_saved_time=2)               # one on time, one late by its file time
    before = picture(year.rebuild(R1, year.root / "重建前.xlsx"))
    with year.db() as con:
        seen_before = sorted(con.execute("SELECT path, sha256 FROM seen"))
        summaries_before = sorted(r[0] for r in con.execute("SELECT output FROM summaries"))
        assert con.execute("SELECT COUNT(*) FROM files WHERE time_source='文件修改时间'").fetchone()[0] == 2
    to_previous_form(year.ledger)
    with year.db() as con:                  # a file hashed where it no longer is (moved before the upgrade)
        gone = year.root.parent / "旧位置" / "回收" / "x.xlsx"
        con.execute("INSERT INTO seen VALUES (?,?,?,?)", (str(gone), 1, 1, "0" * 64))
        assert all(os.path.isabs(r[0]) for r in con.execute("SELECT path FROM seen"))
        assert con.execute("SELECT COUNT(*) FROM files WHERE saved_at IS NULL").fetchone()[0] > 0
    con = ledgerdb.open_ledger(year.ledger)               # the upgrade, once
    identity = ledgerdb.ledger_identity(con)
    con.close()
    with year.db() as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == ledgerdb.VERSION
        assert sorted(con.execute("SELECT path, sha256 FROM seen")) == seen_before
        assert sorted(r[0] for r in con.execute("SELECT output FROM summaries")) == summaries_before
        assert not con.execute("SELECT 1 FROM files WHERE saved_at IS NULL OR time_source IS NULL").fetchall()
        plans = [json.loads(v) for (v,) in con.execute("SELECT value FROM plan")]
    assert all(isinstance(a["tasks"], str) and "aliases" in p for p in plans for a in p["assignments"].values())
    # then it behaves as new: nothing hashed again, the summary recognised as unchanged, round 1 reads the same
    digests = counting(monkeypatch, C, "file_digest")
    again = year.api_collect(R1)
    assert again.unchanged and again.new_files == 0 and digests == []
    assert picture(year.rebuild(R1, year.root / "重建后.xlsx")) == before
    con = ledgerdb.open_ledger(year.ledger)
    assert ledgerdb.ledger_identity(con) == identity       # opened again: not upgraded (named) a second time
    con.close()


def test_a_moved_year_folder_is_not_read_or_hashed_again(year, tmp_path, monkeypatch):
    first_round(year)
    with year.db() as con:
        seen = sorted(con.execute("SELECT path, size, mtime_ns, sha256 FROM seen"))
    assert len(seen) == 4 and not any(os.path.isabs(r[0]) for r in seen)
    wb = openpyxl.load_workbook(year.summary)       # the office corrects the summary by hand, then moves the folder
    wb["总览"]["A1"] = "（办公室已核对）"
    wb.save(year.summary)
    corrected = year.summary.read_bytes()
    moved = Year.__new__(Year)
    moved.__dict__.update(year.__dict__)
    new_root = tmp_path / "新电脑" / "2021年政务公开"
    new_root.parent.mkdir()
    shutil.move(year.root, new_root)
    for k in ("root", "tasks", "registry", "back", "summary", "ledger"):
        setattr(moved, k, new_root / Path(getattr(year, k)).relative_to(year.root))
    digests = counting(monkeypatch, C, "file_digest")
    read = counting(monkeypatch, C, "read_return")
    r = moved.api_collect(R1)
    assert r.new_files == 0 and digests == [] and read == []
    # nothing new: the same year, so the corrected summary stands as it is (not rewritten, no copy made aside)
    assert r.unchanged and moved.summary.read_bytes() == corrected
    assert [p.name for p in moved.summary.parent.iterdir() if "手工修改" in p.name] == []
    with moved.db() as con:
        assert sorted(con.execute("SELECT path, size, mtime_ns, sha256 FROM seen")) == seen
    # a file arriving afterwards is hashed and read, alone
    moved.answer(R1, R1_UNITS[4], R1_SAVED)
    r = moved.api_collect(R1)
    assert r.new_files == 1 and len(digests) == 1


def test_a_collect_opens_the_ledger_and_reads_the_registry_once(year, monkeypatch):
    first_round(year, R1_UNITS[:2])
    year.answer(R1, R1_UNITS[2], R1_SAVED)
    opened = counting(monkeypatch, C, "open_ledger")
    registries = counting(monkeypatch, C, "load_registry")
    checks = []
    real_connect = sqlite3.connect

    def traced(*args, **kw):                             # every quick_check any connection runs
        con = real_connect(*args, **kw)
        con.set_trace_callback(lambda sql: checks.append(sql) if "quick_check" in sql else None)
        return con

    monkeypatch.setattr(ledgerdb.sqlite3, "connect", traced)
    r = year.api_collect(R1, on_time=["区民政局"], sent_folder=year.root / "下发")
    assert r.new_files == 1
    assert len(opened) == 1 and len(registries) == 1 and len(checks) == 1
    # the console's checks, made through that one ledger: a round never distributed, a name no unit has
    for bad, code in ((dict(round_name="第9轮"), "ROUND_NOT_DISTRIBUTED"), (dict(on_time=["区民政"]), "UNIT_NOT_FOUND")):
        opts = C.CollectOptions(folder=year.back, tasks=year.tasks, output=year.summary, ledger=year.ledger,
                                round_name=R1, registry_path=year.registry, force=True, sent_folder=year.root / "下发")
        with pytest.raises(C.GongkaiError) as refused:
            C.collect(replace(opts, **bad))
        assert refused.value.problem.code == code


def test_a_refused_collect_into_a_new_ledger_leaves_none(year):
    first_round(year, R1_UNITS[:1])
    fresh = year.root / "新台账.sqlite"
    assert year.cli("collect", year.back, "--tasks", year.tasks, "-o", year.summary, "--registry", year.registry,
                    "--round", R1, "--force", "--ledger", fresh) == 2       # the summary names the other ledger
    assert not fresh.exists() and year.ledger.exists()
