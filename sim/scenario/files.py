"""Scenario files, read safely and written back, and the limits on what is read.

A file's type, size and encoding are checked before it is parsed as TOML; data nested deeper
than :data:`MAX_NESTING`, from a file or from Python, is refused before it is validated.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w

from sim.scenario.specs import ScenarioError

#: Refused before parsing: no real scenario comes near (the examples are 2–4 kB, 6 levels deep).
MAX_FILE_BYTES = 10_000_000
MAX_NESTING = 32


def read_toml(path: Path) -> dict[str, Any]:
    """The table in the TOML file at ``path``, read safely; :class:`ScenarioError` if it
    cannot be (see :meth:`Scenario.load <sim.scenario.schema.Scenario.load>`)."""
    too_big = [
        f"{path}: over {MAX_FILE_BYTES // 1_000_000} MB — no scenario is that big "
        "(the examples are a few kB); is it the right file?"
    ]
    try:
        info = os.stat(path)  # before opening: opening a pipe waits for a writer
        if stat.S_ISDIR(info.st_mode):
            raise ScenarioError([f"{path}: is a folder, not a scenario file"])
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError(
                [
                    f"{path}: not a regular file (a pipe, device or socket)"
                    " — save the scenario as a file"
                ]
            )
        if info.st_size > MAX_FILE_BYTES:
            raise ScenarioError(too_big)
        with open(path, "rb") as file:
            content = file.read(MAX_FILE_BYTES + 1)  # the file may have grown since
        text = content.decode("utf-8-sig")
    except FileNotFoundError:
        raise ScenarioError([f"{path}: no such file"]) from None
    except UnicodeDecodeError as error:
        raise ScenarioError(
            [f"{path}: not UTF-8 text ({error.reason} at byte {error.start}); save it as UTF-8"]
        ) from None
    except OSError as error:
        raise ScenarioError([f"{path}: cannot be read ({error.strerror})"]) from None
    if len(content) > MAX_FILE_BYTES:
        raise ScenarioError(too_big)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError([f"not valid TOML: {error}"], str(path)) from None
    except RecursionError:
        raise ScenarioError(
            ["not valid TOML: nested hundreds of levels deep — a scenario needs at most ~6"],
            str(path),
        ) from None
    except ValueError:  # tomllib reads integers with int(), which refuses 4300+ digits
        raise ScenarioError(
            ["not valid TOML: an integer of thousands of digits — no scenario value is that long"],
            str(path),
        ) from None
    return data


def write_toml(path: str | Path, raw: Mapping[str, Any], description: str) -> None:
    """Write ``raw`` as TOML at ``path``, with ``description`` as a comment on top."""
    header = "".join(f"# {line}\n" for line in description.splitlines())
    Path(path).write_text(header + tomli_w.dumps(raw), encoding="utf-8")


def _nesting(value: Any) -> int:
    """Levels of tables and lists in ``value`` (0 for a number), without recursion (data from
    Python may nest thousands deep or contain itself).

    >>> _nesting({"touchpoints": [{"stages": [{"duration": {"mean": 3}}]}]})
    6
    """
    deepest, seen, stack = 0, set(), [(value, 1)]
    while stack:
        node, level = stack.pop()
        if not isinstance(node, Mapping | list | tuple) or id(node) in seen:
            continue
        seen.add(id(node))
        deepest = max(deepest, level)
        children = node.values() if isinstance(node, Mapping) else node
        stack.extend((child, level + 1) for child in children)
    return deepest
