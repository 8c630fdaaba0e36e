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

Whatever is wrong with the path or the file, the one exception is :class:`StoreError`, whose
message names the path and the fix (the CLI prints it as one ``error:`` line):

>>> RunStore(tempfile.mkdtemp())  # doctest: +ELLIPSIS
Traceback (most recent call last):
sim.experiment.store.StoreError: /...: is a folder, not a store file; give a file path like ...
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

SCHEMA_VERSION = 1
_TIMEOUT = 60.0  # seconds to wait for another process's lock on the store
_GIVE_A_FILE = "give a file path like results/runs.sqlite"
_DAMAGED = "the store file is damaged ({}); move it aside and re-run, or use another file name"
#: What an SQLite error means for the user, by its primary result code; anything else (a
#: malformed page, a missing table, undecodable text) means the file is damaged.
_SQLITE_PROBLEMS = {
    sqlite3.SQLITE_READONLY: "the store is read-only ({}); make it writable or give another "
    "store path",
    sqlite3.SQLITE_BUSY: "another process kept the store locked for over a minute ({}); "
    "wait for it to finish or give another store path",
    sqlite3.SQLITE_FULL: "the disk is full ({}); free some space or give a store path on "
    "another disk",
    sqlite3.SQLITE_CANTOPEN: "cannot open the file ({}); check the permissions of the file and "
    "its folder, or give another store path",
    sqlite3.SQLITE_IOERR: "the file cannot be read or written ({}); check the disk, or give "
    "another store path",
    sqlite3.SQLITE_NOTADB: "not an SQLite file, or a damaged one ({}); move it aside and "
    "re-run, or use another file name",
}


class StoreError(RuntimeError):
    """A store that cannot be used: a bad path, a bad or read-only file, another program's."""


class RunStore:
    """SQLite file of finished runs. Safe to share between processes and sweeps.

    Opening for writing (the default) creates the file if needed and checks at once that it
    can be written, so a sweep refuses a bad store before it runs anything; ``readonly=True``
    opens an existing store only to read it.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "runs.sqlite")
    >>> RunStore(path).put("k1", {"policy": "a"}, {"profit": 1.0}, None, 0.1)
    >>> reader = RunStore(path, readonly=True)
    >>> len(reader)
    1
    >>> reader.put("k2", {"policy": "b"}, {"profit": 2.0}, None, 0.1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    sim.experiment.store.StoreError: /...runs.sqlite: the store is read-only (...); make it ...
    """

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        if os.fspath(path) == "":
            raise StoreError(f"no store path given; {_GIVE_A_FILE}")
        self.path = Path(path)
        self.readonly = readonly
        self._check_path()
        # a URI, so that no file name (":memory:", "a?b") is read as anything but a file
        uri = f"{Path(os.path.abspath(self.path)).as_uri()}?mode={'ro' if readonly else 'rwc'}"
        if readonly and self._unwritable() and not Path(f"{self.path}-wal").exists():
            uri += "&immutable=1"  # no writer is at work: leave no -shm we could not write again
        with self._guard():
            self._db = sqlite3.connect(uri, uri=True, timeout=_TIMEOUT, isolation_level=None)
        try:
            self._check_or_create()
        except BaseException:
            self._db.close()
            raise

    def _check_path(self) -> None:
        """Refuse a path that cannot hold a store (or, to write, is read-only) up front."""
        try:
            mode = self.path.stat().st_mode
        except FileNotFoundError:
            mode = None
        except NotADirectoryError:
            file = next((p for p in reversed(self.path.parents) if p.is_file()), self.path.parent)
            raise StoreError(
                f"{self.path}: lies under {file}, a file, not a folder; {_GIVE_A_FILE}"
            ) from None
        except OSError as error:
            raise StoreError(
                f"{self.path}: cannot be reached ({error.strerror}); check the path and the "
                "permissions of its folders, or give another store path"
            ) from None
        if mode is None and self.readonly:
            raise StoreError(f"{self.path}: no such store file; give the path of an existing store")
        if mode is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreError(
                    f"{self.path}: cannot create its folder {self.path.parent} "
                    f"({error.strerror}); create it, or give another store path"
                ) from None
        elif stat.S_ISDIR(mode):
            raise StoreError(f"{self.path}: is a folder, not a store file; {_GIVE_A_FILE}")
        elif not stat.S_ISREG(mode):
            raise StoreError(
                f"{self.path}: is not a regular file (a device, pipe or socket); {_GIVE_A_FILE}"
            )
        elif not os.access(self.path, os.R_OK):
            raise StoreError(
                f"{self.path}: cannot be read (permission denied); make it readable, or give "
                "another store path"
            )
        unwritable = [] if self.readonly else self._unwritable()
        if unwritable:
            raise StoreError(
                f"{self.path}: the store is read-only ({', '.join(unwritable)} not writable); "
                "make it writable or give another store path"
            )

    def _unwritable(self) -> list[str]:
        """What stops writing: the file, SQLite's -wal and -shm beside it, or the folder."""
        files = [Path(f"{self.path}{end}") for end in ("", "-wal", "-shm")]
        unwritable = [f.name for f in files if f.exists() and not os.access(f, os.W_OK)]
        return unwritable + ([] if os.access(self.path.parent, os.W_OK) else ["its folder"])

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn a failing SQLite call (or an unreadable stored row) into a StoreError."""
        try:
            yield
        except sqlite3.ProgrammingError:
            raise  # a mistake of the caller's (such as using a closed store), not of the file
        except (sqlite3.DatabaseError, json.JSONDecodeError) as error:
            code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF  # the primary code
            problem = _SQLITE_PROBLEMS.get(code, _DAMAGED).format(error)
            raise StoreError(f"{self.path}: {problem}") from None

    def _check_or_create(self) -> None:
        """Refuse files that are not ours (or from another schema) before writing anything.

        Checking and creating are one ``BEGIN IMMEDIATE`` transaction: processes opening the
        same new file at once take turns, and each sees either no tables or a whole store.
        """
        with self._guard(), self._db:  # commits, or rolls back on any error
            self._db.execute("BEGIN" if self.readonly else "BEGIN IMMEDIATE")
            tables = {
                name
                for (name,) in self._db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            }
            if tables:
                self._check_version(tables)
                return
            if self.readonly:
                raise StoreError(
                    f"{self.path}: an empty file, not a store yet; run a sweep into it first"
                )
            self._db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)")
            self._db.execute(
                "CREATE TABLE runs (key TEXT PRIMARY KEY, labels TEXT NOT NULL, kpis TEXT, "
                "error TEXT, wall_time REAL, finished REAL)"
            )
            self._db.execute(
                "INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
        with self._guard():
            self._use_wal()

    def _use_wal(self) -> None:
        """Switch a new store to WAL mode, where readers never block the writer.

        The switch does not wait for a lock as other statements do (SQLite answers "locked" at
        once while another process is opening the file), so it is retried for a while here.
        """
        deadline = time.monotonic() + _TIMEOUT
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as error:
                busy = (error.sqlite_errorcode or 0) & 0xFF == sqlite3.SQLITE_BUSY
                if not busy or time.monotonic() > deadline:
                    raise
            time.sleep(0.01)

    def _check_version(self, tables: set[str]) -> None:
        """Refuse an SQLite file of another program or of another store schema."""
        columns = {column for _, column, *_ in self._db.execute("PRAGMA table_info(meta)")}
        row = None
        if {"name", "value"} <= columns:
            row = self._db.execute(
                "SELECT value FROM meta WHERE name = 'schema_version'"
            ).fetchone()
        if row is None:
            raise StoreError(
                f"{self.path}: an SQLite file of another program (tables: "
                f"{', '.join(sorted(tables))}); use another file name"
            )
        if row[0] != str(SCHEMA_VERSION):
            raise StoreError(
                f"{self.path}: written with store schema {row[0]}, this version reads "
                f"{SCHEMA_VERSION}; use another file name or upgrade promise-gap"
            )

    def put(
        self, key: str, labels: dict, kpis: dict | None, error: str | None, wall_time: float
    ) -> None:
        """Record one run (committed immediately); a later success replaces a failure."""
        with self._guard():
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

    def get_many(self, keys: Iterable[str]) -> dict[str, dict]:
        """Stored *successful* runs among ``keys`` (failed ones are retried)."""
        keys = list(keys)
        found: dict[str, dict] = {}
        with self._guard():
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
        with self._guard():
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
        with self._guard():
            self._db.execute("DELETE FROM runs")

    def close(self) -> None:
        self._db.close()

    def __len__(self) -> int:
        with self._guard():
            return self._db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
