"""The docs stay true: the README's Quickstart and the generated parameter reference."""

from __future__ import annotations

import re
from pathlib import Path

from sim.scenario import parameter_reference

ROOT = Path(__file__).resolve().parents[1]


def quickstart_lines() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    heading = re.search(r"^#+ .*quick ?start.*$", text, re.I | re.M)
    assert heading, "README.md needs a Quickstart heading"
    block = re.search(r"```[a-z]*\n(.*?)```", text[heading.end() :], re.S)
    assert block, "the Quickstart needs a code block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def test_quickstart_is_exactly_the_two_promised_commands():
    assert quickstart_lines() == [
        'python -m pip install -e ".[dev]" && python -m sim',
        'python -m pip install -e ".[dev]" && python -m pytest',
    ]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "grep -m1 -E '^python -m pip install -e" in ci
    assert "ruff check" in ci


def test_parameter_reference_in_docs_matches_the_schema():
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- parameters:start -->\n(.*?)\n<!-- parameters:end -->", text, re.S)
    assert match, "docs/model.md needs the parameters:start/end markers"
    documented = match.group(1).strip()
    assert documented == parameter_reference(), (
        "docs/model.md is out of date: paste the output of "
        "python -c 'from sim.scenario import parameter_reference; print(parameter_reference())'"
    )


def test_readme_python_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the examples write results/
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    assert (tmp_path / "results" / "kpis.csv").exists()
