"""A results store that loses nothing: one SQLite row per finished run, committed at once.

Rows are keyed by a content hash of what determines a run's numbers (model version, scenario
fingerprint, seed, replication, stream, horizon), so re-running a sweep skips what is stored,
two sweeps can share a file without mixing anything up, and a run from a changed scenario or
a changed model can never be mistaken for a stored one. Failed runs are stored with their
error and retried on the next call.

>>> import tempfile, os
>>> store = RunStore(os.path.join(tempfile.mkdtemp(), "runs.sqlite"))
>>> store.put("k1", {"policy": "a"}, {"profit": 1.0}, None, 0.1)
>>> store.get_many(["k1", "k2"])["k1"]["kpis"]
{'profit': 1.0}
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

SCHEMA_VERSION = 1


class StoreError(RuntimeError):
    """A store file that cannot be used (another program's file, a newer schema)."""


class RunStore:
    """SQLite file of finished runs. Safe to share between processes and sweeps."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=60.0)
        try:
            self._check_or_create()
        except BaseException:
            self._db.close()
            raise

    def _check_or_create(self) -> None:
        """Refuse files that are not ours (or from another schema) before writing anything."""
        try:
            tables = {
                name
                for (name,) in self._db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            }
        except sqlite3.DatabaseError as error:
            raise StoreError(
                f"{self.path}: not a promise-gap results store ({error}); use another file name"
            ) from None
        if tables and "meta" not in tables:
            raise StoreError(
                f"{self.path}: an SQLite file of another program (tables: "
                f"{', '.join(sorted(tables))}); use another file name"
            )
        if tables:
            row = self._db.execute(
                "SELECT value FROM meta WHERE name = 'schema_version'"
            ).fetchone()
            if row is None or row[0] != str(SCHEMA_VERSION):
                found = "no version" if row is None else f"store schema {row[0]}"
                raise StoreError(
                    f"{self.path}: written with {found}, this version reads "
                    f"{SCHEMA_VERSION}; use another file name or upgrade promise-gap"
                )
            return
        self._db.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
        self._db.executescript(
            """
            CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE IF NOT EXISTS runs (
                key TEXT PRIMARY KEY,
                labels TEXT NOT NULL,
                kpis TEXT,
                error TEXT,
                wall_time REAL,
                finished REAL
            );
            """
        )
        self._db.execute(
            "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )
        self._db.commit()

    def put(
        self, key: str, labels: dict, kpis: dict | None, error: str | None, wall_time: float
    ) -> None:
        """Record one run (committed immediately); a later success replaces a failure."""
        self._db.execute(
            "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?)",
            (
                key,
                json.dumps(labels, default=str),
                None if kpis is None else json.dumps(kpis),
                error,
                wall_time,
                time.time(),
            ),
        )
        self._db.commit()

    def get_many(self, keys: Iterable[str]) -> dict[str, dict]:
        """Stored *successful* runs among ``keys`` (failed ones are retried)."""
        keys = list(keys)
        found: dict[str, dict] = {}
        for start in range(0, len(keys), 500):  # SQLite limits bound parameters
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT key, labels, kpis, wall_time FROM runs "
                f"WHERE kpis IS NOT NULL AND key IN ({marks})",
                chunk,
            )
            for key, labels, kpis, wall_time in rows:
                found[key] = {
                    "labels": json.loads(labels),
                    "kpis": json.loads(kpis),
                    "wall_time": wall_time,
                }
        return found

    def table(self) -> pd.DataFrame:
        """Every stored run: labels, KPIs and errors, one row each."""
        rows = []
        for key, labels, kpis, error, wall_time in self._db.execute(
            "SELECT key, labels, kpis, error, wall_time FROM runs ORDER BY finished"
        ):
            row = {"key": key, **json.loads(labels)}
            if kpis is not None:
                row.update(json.loads(kpis))
            row["error"] = error
            row["wall_time"] = wall_time
            rows.append(row)
        return pd.DataFrame(rows)

    def clear(self) -> None:
        """Delete every stored run."""
        self._db.execute("DELETE FROM runs")
        self._db.commit()

    def close(self) -> None:
        self._db.close()

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
