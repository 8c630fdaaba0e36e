"""Hostile paths and files for the results store: every failure is one ``StoreError`` naming
the path and the fix (the CLI prints it as one ``error:`` line, exit status 2), never a
traceback, and no finished run is ever lost.

Real files in ``tmp_path`` throughout. Permission cases skip where chmod stops nothing (as
root, in CI); the read-only reader and the file system refusing writes work as root too.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import resource
import signal
import sqlite3
import threading

import pytest

from sim.cli import main
from sim.experiment.store import RunStore, StoreError

#: fork where there is one (quick), else spawn: either way, processes that really race
CONTEXT = multiprocessing.get_context(
    "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
)


def skip_unless_chmod_binds(folder) -> None:
    """Skip where a file of mode 0444 can still be written (as root, say)."""
    probe = folder / "probe"
    probe.touch(mode=0o444)
    try:
        with probe.open("a"):
            pytest.skip("chmod does not stop this user (root?)")
    except PermissionError:
        pass
    finally:
        probe.unlink()


def refused(path, *fragments: str, readonly: bool = False) -> str:
    """The StoreError message for opening ``path``; it names the path and each fragment."""
    with pytest.raises(StoreError) as error:
        RunStore(path, readonly=readonly)
    message = str(error.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message
    return message


def filled_store(path, runs: int = 300):
    """A closed store of ``runs`` successful runs (several pages of them)."""
    store = RunStore(path)
    for i in range(runs):
        store.put(f"k{i}", {"policy": "promise-" + "x" * 40, "i": i}, {"profit": i}, None, 0.1)
    store.close()
    return path


# --------------------------------------------------------------------------- 1. racing creators
def _open_and_put(path, key, barrier, results) -> None:
    barrier.wait(timeout=60)
    try:
        store = RunStore(path)
        store.put(key, {"key": key}, {"profit": 1.0}, None, 0.1)
        store.close()
        results.put("ok")
    except BaseException as error:  # reported to the test, whatever it is
        results.put(f"{type(error).__name__}: {error}")


def test_processes_creating_one_new_store_at_once_all_succeed(tmp_path):
    processes, rounds = 8, 6
    for round_ in range(rounds):
        path = tmp_path / f"round{round_}" / "runs.sqlite"  # a new folder and file each round
        barrier, results = CONTEXT.Barrier(processes), CONTEXT.Queue()
        workers = [
            CONTEXT.Process(target=_open_and_put, args=(path, f"run{i}", barrier, results))
            for i in range(processes)
        ]
        for worker in workers:
            worker.start()
        outcomes = [results.get(timeout=120) for _ in workers]
        for worker in workers:
            worker.join(timeout=60)
        assert outcomes == ["ok"] * processes, f"round {round_}: {outcomes}"
        store = RunStore(path)
        assert len(store) == processes  # every run kept
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        store.close()


# --------------------------------------------------------------------------- 2. bad paths
def test_an_empty_path_is_refused():
    with pytest.raises(StoreError, match="no store path given; give a file path like"):
        RunStore("")


def test_a_folder_is_refused(tmp_path):
    refused(tmp_path, "is a folder, not a store file", "give a file path like results/runs.sqlite")
    (tmp_path / "link").symlink_to(tmp_path)
    refused(tmp_path / "link", "is a folder")


@pytest.mark.parametrize("under", ["notes.txt/runs.sqlite", "notes.txt/deeper/runs.sqlite"])
def test_a_path_under_a_file_is_refused(tmp_path, under):
    (tmp_path / "notes.txt").write_text("mine")
    refused(tmp_path / under, f"lies under {tmp_path / 'notes.txt'}, a file, not a folder")
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc")
def test_a_folder_that_cannot_be_created_is_refused():
    refused("/proc/no-such-folder/runs.sqlite", "cannot create its folder /proc/no-such-folder")


def test_unreachable_paths_are_refused(tmp_path):
    refused(tmp_path / ("a" * 300 + ".sqlite"), "cannot be reached (File name too long)")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    refused(tmp_path / "loop", "cannot be reached (Too many levels of symbolic links)")


def test_an_unreadable_file_or_folder_is_refused(tmp_path):
    skip_unless_chmod_binds(tmp_path)
    path = filled_store(tmp_path / "runs.sqlite", runs=3)
    path.chmod(0o000)
    refused(path, "cannot be read (permission denied); make it readable")
    refused(path, "cannot be read", readonly=True)
    path.chmod(0o644)
    tmp_path.chmod(0o000)
    try:
        refused(path, "cannot be reached (Permission denied)")
    finally:
        tmp_path.chmod(0o755)
    assert len(RunStore(path)) == 3  # nothing lost


def test_odd_file_names_are_plain_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in [":memory:", "a?mode=ro#b%20.sqlite", "file:runs.sqlite"]:
        RunStore(name).put("k", {}, {"profit": 1.0}, None, 0.1)
        assert (tmp_path / name).is_file()  # a file of that name, never memory or a URI
        assert len(RunStore(name)) == 1


# --------------------------------------------------------------------------- 3. damaged files
def test_a_store_overwritten_after_its_tables_fails_with_store_error(tmp_path):
    path = filled_store(tmp_path / "runs.sqlite")
    page = 4096  # SQLite's default page size, the store's
    garbage = random.Random(0).randbytes(path.stat().st_size - 3 * page)
    with path.open("r+b") as file:  # keep the header, sqlite_master and meta; garble the runs
        file.seek(3 * page)
        file.write(garbage)
    store = RunStore(path)  # its schema still reads fine
    for action in [
        lambda: len(store),
        store.table,
        lambda: store.get_many(["k1", "k2"]),
        lambda: store.put("new", {}, {"profit": 1.0}, None, 0.1),
    ]:
        with pytest.raises(StoreError, match="the store file is damaged") as error:
            action()
        assert str(path) in str(error.value) and "move it aside" in str(error.value)


def test_a_truncated_store_is_damaged(tmp_path):
    path = filled_store(tmp_path / "runs.sqlite")
    os.truncate(path, path.stat().st_size // 2 + 100)
    with pytest.raises(StoreError, match="the store file is damaged") as error:
        RunStore(path).table()
    assert str(path) in str(error.value)


def test_random_bytes_are_refused_and_left_alone(tmp_path):
    path = tmp_path / "runs.sqlite"
    data = random.Random(1).randbytes(20_000)
    path.write_bytes(data)
    refused(path, "not an SQLite file, or a damaged one (file is not a database)")
    assert path.read_bytes() == data


def test_a_garbled_stored_row_is_damage_not_a_json_error(tmp_path):
    path = filled_store(tmp_path / "runs.sqlite", runs=2)
    db = sqlite3.connect(path)
    db.execute("UPDATE runs SET kpis = '{\"profit\": 1.' WHERE key = 'k1'")
    db.commit()
    db.close()
    store = RunStore(path)
    for action in [store.table, lambda: store.get_many(["k1"])]:
        with pytest.raises(StoreError, match="the store file is damaged"):
            action()
    assert store.get_many(["k0"])["k0"]["kpis"] == {"profit": 0}


def test_a_zero_length_file_is_a_new_store(tmp_path):
    path = tmp_path / "runs.sqlite"
    path.touch()
    store = RunStore(path)
    assert len(store) == 0
    store.put("k", {"policy": "a"}, {"profit": 1.0}, None, 0.1)
    assert store.get_many(["k"])["k"]["kpis"] == {"profit": 1.0}


# --------------------------------------------------------------------------- 4. read-only stores
def test_a_reader_reads_and_refuses_to_write(tmp_path):
    path = filled_store(tmp_path / "runs.sqlite", runs=3)
    reader = RunStore(path, readonly=True)
    assert len(reader) == 3 and len(reader.table()) == 3
    with pytest.raises(StoreError) as error:
        reader.put("k", {}, {"profit": 1.0}, None, 0.1)
    assert str(error.value).startswith(f"{path}: the store is read-only")
    assert "make it writable or give another store path" in str(error.value)
    assert len(RunStore(path)) == 3


def test_a_reader_needs_an_existing_store(tmp_path):
    refused(tmp_path / "missing.sqlite", "no such store file", readonly=True)
    assert not (tmp_path / "missing.sqlite").exists()  # a reader creates nothing
    (tmp_path / "empty.sqlite").touch()
    refused(tmp_path / "empty.sqlite", "an empty file, not a store yet", readonly=True)
    assert (tmp_path / "empty.sqlite").stat().st_size == 0


@pytest.mark.parametrize(
    "locked, mode, names", [("runs.sqlite", 0o444, "runs.sqlite"), (".", 0o555, "its folder")]
)
def test_a_read_only_store_is_refused_for_writing_before_anything_runs(
    tmp_path, locked, mode, names
):
    skip_unless_chmod_binds(tmp_path)
    path = filled_store(tmp_path / "runs.sqlite", runs=3)
    (tmp_path / locked).chmod(mode)
    try:
        refused(
            path,
            f"the store is read-only ({names} not writable)",
            "make it writable or give another store path",
        )
        assert len(RunStore(path, readonly=True)) == 3  # reading still works
    finally:
        (tmp_path / locked).chmod(0o755)
    assert len(RunStore(path)) == 3


def test_reading_a_read_only_store_leaves_it_writable_again(tmp_path):
    skip_unless_chmod_binds(tmp_path)
    path = filled_store(tmp_path / "runs.sqlite", runs=3)
    path.chmod(0o444)
    reader = RunStore(path, readonly=True)
    assert len(reader) == 3
    reader.close()
    path.chmod(0o644)
    RunStore(path).put("k", {}, {"profit": 1.0}, None, 0.1)  # no read-only -shm left behind
    assert len(RunStore(path)) == 4
    (tmp_path / "runs.sqlite-shm").touch()  # left read-only by another program, say
    (tmp_path / "runs.sqlite-shm").chmod(0o444)
    refused(path, "the store is read-only (runs.sqlite-shm not writable)")


def _fill_until_refused(path, results) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
    store = RunStore(path)
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, resource.RLIM_INFINITY))
    stored = 0
    try:
        while stored < 10_000:
            store.put(f"new{stored}", {"pad": "x" * 1000}, {"profit": 1.0}, None, 0.1)
            stored += 1
        results.put((stored, "never refused"))
    except BaseException as error:
        results.put((stored, f"{type(error).__name__}: {error}"))


def test_writes_refused_by_the_file_system_keep_every_stored_run(tmp_path):
    path = filled_store(tmp_path / "runs.sqlite", runs=10)
    results = CONTEXT.Queue()
    child = CONTEXT.Process(target=_fill_until_refused, args=(path, results))
    child.start()
    stored, message = results.get(timeout=120)
    child.join(timeout=60)
    assert message.startswith(f"StoreError: {path}: ")
    assert "give another store path" in message
    assert len(RunStore(path)) == 10 + stored  # nothing committed before the failure is lost


# --------------------------------------------------------------------------- 5. not a file
@pytest.mark.parametrize("kind", ["fifo", "/dev/null", "/dev/zero"])
def test_a_path_that_is_not_a_regular_file_is_refused_without_hanging(tmp_path, kind):
    path = tmp_path / "runs.fifo" if kind == "fifo" else kind
    if kind == "fifo":
        os.mkfifo(path)
    elif not os.path.exists(path):
        pytest.skip(f"no {kind} here")
    messages = []
    opener = threading.Thread(target=lambda: messages.append(refused(path)), daemon=True)
    opener.start()
    opener.join(timeout=10)
    assert not opener.is_alive(), "opening hung"
    assert "is not a regular file" in messages[0]


# --------------------------------------------------------------------------- 6. kept behaviour
def test_another_programs_meta_table_is_refused_untouched(tmp_path):
    path = tmp_path / "app.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE meta (id INTEGER PRIMARY KEY, note TEXT)")
    db.execute("INSERT INTO meta VALUES (1, 'mine')")
    db.commit()
    db.close()
    before = path.read_bytes()
    refused(path, "an SQLite file of another program (tables: meta)", "use another file name")
    refused(path, "an SQLite file of another program", readonly=True)
    assert path.read_bytes() == before


def test_the_cli_prints_one_error_line_for_a_bad_store(tmp_path, capsys):
    argv = ["sweep", "pizza", "--param", "touchpoints.delivery.promise.time=30:60:2"]
    argv += ["--reps", "1", "--horizon", "1d", "--workers", "1", "--store", str(tmp_path)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        f"error: {tmp_path}: is a folder, not a store file; "
        "give a file path like results/runs.sqlite"
    ]
