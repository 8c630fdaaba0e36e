"""The docs stay true: the README's Quickstart and the generated parameter reference."""

from __future__ import annotations

import re
from pathlib import Path

from sim.kpis import KPIS, derived
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


def test_readme_report_is_what_python_m_sim_prints(capsys):
    """The report shown in the README is the default command's, number for number (only
    the wall-clock time may differ)."""
    from sim.cli import main

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    heading = text.index("## What you get")
    block = re.search(r"```text\n(.*?)```", text[heading:], re.S)
    assert block, "the README shows the report in a ```text block under 'What you get'"
    shown = block.group(1).rstrip("\n").splitlines()
    assert main([]) == 0
    printed = capsys.readouterr().out.rstrip("\n").splitlines()

    def without_clock(lines):
        return [re.sub(r"simulated in [0-9.]+ s", "simulated in … s", line) for line in lines]

    assert without_clock(shown) == without_clock(printed)


def test_readme_promise_60_paragraph_matches_the_run():
    """The figures the README quotes for promise 60 against 30 (seed 1) are the runs'."""
    import sim

    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    pizza = sim.examples.load("pizza")
    at_30 = sim.run(pizza, seed=1).kpis
    at_60 = sim.run(pizza.replace({"touchpoints.delivery.promise.time": 60}), seed=1).kpis
    talk = KPIS["talk_ratio"]  # written as the report writes it
    claims = (
        f"kept {at_60.every_promise_kept:.0%} of the time instead of "
        f"{at_30.every_promise_kept:.0%}",
        f"({at_60.satisfaction_mean:+.3f} against {at_30.satisfaction_mean:+.3f})".replace(
            "-", "−"
        ),
        f"NPS goes from {at_30.nps:.0f} to {at_60.nps:.0f}".replace("-", "−"),
        f"the talk ratio from {talk.format(derived(at_30)['talk_ratio'])} to "
        f"{talk.format(derived(at_60)['talk_ratio'])} (praise per criticism)",
        f"churn falls from {at_30.churn_rate:.0%} to {at_60.churn_rate:.0%}",
        f"profit rises from {at_30.profit / 1e6:.1f} M to {at_60.profit / 1e6:.1f} M THB",
    )
    for claim in claims:
        assert claim in text, f"README.md should say: {claim!r}"


def test_readme_error_example_is_what_the_cli_prints(tmp_path, capsys, monkeypatch):
    from sim import examples
    from sim.cli import main

    text = examples.path_of("pizza").read_text(encoding="utf-8")
    text = text.replace('name = "driver"\ncapacity = ', 'name = "driver"\ncapacity = -1 #', 1)
    text = text.replace('resource = "driver"', 'resource = "drivr"', 1)
    text = text.replace("prospects_per_day", "prospects_per_dy", 1)
    (tmp_path / "my_shop.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["my_shop.toml"]) == 2
    printed = capsys.readouterr().err.splitlines()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("Mistakes are reported all at once")[1].split("```text\n")[1]
    shown = block.split("```")[0].splitlines()
    assert len(printed) == len(shown) == 3
    for line, promised in zip(printed, shown, strict=True):
        assert line.startswith(promised.removesuffix("(allowed: ...)"))
