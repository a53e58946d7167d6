"""Files this tool wrote that people may edit afterwards (reports, the circular): what it wrote is recorded
by SHA-256 in the folder's ``.gk_生成记录.json``; before a file is written again, a copy changed since (or one
the record does not know) is kept aside as ``名称_手工修改_日期-时间.docx`` — never silently replaced.

The one owner of this rule for the report stage (a batch: ``read_record`` / ``keep_edited`` /
``write_record``) and the circular (one file: ``keep_if_edited`` then ``record_written``).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

RECORD = ".gk_生成记录.json"      # in the output folder: each file's SHA-256 as this tool wrote it


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_record(folder: Path) -> dict:
    """File name -> SHA-256 as written, for the files of ``folder`` ({} when there is no readable record)."""
    try:
        data = json.loads((Path(folder) / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_record(folder: Path, record: dict, written: list[Path]) -> None:
    """Add the files just written to ``record`` and save it in ``folder``."""
    record.update({p.name: _digest(p) for p in written})
    try:
        (Path(folder) / RECORD).write_text(json.dumps(record, ensure_ascii=False, indent=0), encoding="utf-8")
    except OSError:
        pass                 # without the record an existing file counts as edited: kept aside, never lost


def keep_edited(path: Path, record: dict) -> Path | None:
    """A file changed since this tool wrote it (or one it has no record of) is copied aside before a new one
    replaces it: the copy; None when it is as written."""
    try:
        if record.get(path.name) == _digest(path):
            return None
    except OSError:
        return None
    stamp = f"{dt.datetime.now():%Y%m%d-%H%M%S}"
    kept, n = path.with_name(f"{path.stem}_手工修改_{stamp}{path.suffix}"), 2
    while kept.exists():
        kept = path.with_name(f"{path.stem}_手工修改_{stamp}_{n}{path.suffix}")
        n += 1
    shutil.copy2(path, kept)
    return kept


def keep_if_edited(path: Path) -> Path | None:
    """Before one file is written again: its copy when people changed it since (``keep_edited``), else None."""
    path = Path(path)
    return keep_edited(path, read_record(path.parent)) if path.exists() else None


def record_written(path: Path) -> None:
    """After one file is written: remember it as written, in its folder's record."""
    path = Path(path)
    write_record(path.parent, read_record(path.parent), [path])
