"""The handout: one self-contained HTML page a client can read offline and print — the
question, the settings, the comparison table with 95% CIs, how robust the answer is (when
the facilitator asked "How robust is this?"), the charts (inline SVG; when promises break
only for a scenario with a calendar) and the provenance (version, seed, replications,
scenario fingerprint, overrides, the robustness study's design).

Nothing in it is fetched: no scripts, no fonts, no images from elsewhere.

>>> import sim, tempfile, os
>>> from sim.app.workshop import Workshop
>>> shop = Workshop(sim.examples.load("pizza"), horizon="5 d", reps=2, workers=1,
...                 store=os.path.join(tempfile.mkdtemp(), "app.sqlite"))
>>> page = handout(shop, {"now": shop.answer(shop.shipped)})
>>> "<svg" in page, any(f'{attr}="http' in page for attr in ("src", "href"))
(True, False)
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import shlex

import matplotlib.pyplot as plt

from sim import plot
from sim.app.robust import RobustAnswer
from sim.app.workshop import Answer, Workshop, comparison_table, when_promises_break
from sim.experiment.runner import MODEL_VERSION
from sim.units import format_duration
from sim.version import __version__

_CSS = """
body { font-family: system-ui, sans-serif; font-size: 15px; color: #222; margin: 2em auto;
       max-width: 60em; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.6em 0; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.6em; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
th { background: #f0f0f0; }
.note { color: #555; font-size: 0.9em; }
figure { margin: 1em 0; page-break-inside: avoid; } svg { max-width: 100%; height: auto; }
code { font-size: 0.9em; } .provenance td { text-align: left; }
@media print { body { margin: 0; font-size: 12px; } h2 { page-break-after: avoid; } }
"""

#: What the "when promises break" chart shows, in the room's words (the page says the same).
BREAKS_NOTE = (
    "The share of orders whose every promise was kept, by the hour and weekday the order was "
    "placed; blank hours had no orders with a promise (closed, or nobody ordered)."
)


def _svg(figure) -> str:
    """A matplotlib figure as inline SVG (no XML header), then closed."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    return re.sub(r"<metadata>.*?</metadata>", "", text[text.index("<svg") :], flags=re.S)


def _table(frame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in ["", *frame.columns])
    rows = "".join(
        "<tr><td>"
        + html.escape(str(index))
        + "</td>"
        + "".join(f"<td>{html.escape(str(v))}</td>" for v in row)
        + "</tr>"
        for index, row in zip(frame.index, frame.to_numpy(), strict=True)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def command(workshop: Workshop, answers: dict[str, Answer]) -> str:
    """The command that repeats these numbers from a terminal: a paired comparison with the
    same seed, horizon and replications, one policy per named setting that differs from the
    shipped scenario (which the comparison calls "as is").

    >>> import sim
    >>> shop = Workshop(sim.examples.load("pizza"), reps=4)
    >>> now = Answer(shop.scenario, {**shop.shipped, "resources.driver.capacity": 6}, None, 4)
    >>> command(shop, {"now": now})
    'python -m sim compare pizza --seed 1 --horizon 90d --reps 4 --policy now:resources.driver.capacity=6'
    """
    days = workshop.hours / 24
    horizon = f"{days:g}d" if days == int(days) else f"{workshop.hours:g}h"
    reps = min(answer.reps for answer in answers.values())
    parts = ["python", "-m", "sim", "compare", workshop.scenario.name, "--seed", str(workshop.seed)]
    parts += ["--horizon", horizon, "--reps", str(reps)]
    policies = [
        f"{name}:{path}={value:g}"
        for name, answer in answers.items()
        for path, value in workshop.overrides(answer.settings).items()
    ]
    if not policies:  # every setting is the shipped one: compare it with itself
        lever = workshop.levers[0]
        policies = [f"{next(iter(answers))}:{lever.path}={lever.value:g}"]
    for policy in policies:
        parts += ["--policy", policy]
    return shlex.join(parts)


def robust_section(robust: RobustAnswer | None) -> str:
    """The handout's "How robust is this?" section: the sentence, each setting's share of
    worlds where it is best, and the design it came from; nothing without a study.

    >>> robust_section(None)
    ''
    """
    if robust is None:
        return ""
    return f"""<h2>How robust is this?</h2>
<p>{html.escape(robust.sentence())}</p>
<p class="note">The share of plausible worlds where each setting is best:</p>
{_table(robust.shares())}
<p class="note">A world is one plausible answer to what we do not know about customers. This
study: {html.escape(robust.design())}</p>
"""


def handout(
    workshop: Workshop,
    answers: dict[str, Answer],
    baseline: str | None = None,
    current: str | None = None,
    robust: RobustAnswer | None = None,
) -> str:
    """The handout page for named ``answers`` (current setting, pinned baseline, snapshots):
    the comparison against ``baseline``, how robust the answer is when ``robust`` (a
    finished "How robust is this?" study) is given, and the charts of ``current`` (default:
    the first)."""
    scenario = workshop.scenario
    current = current or next(iter(answers))
    shown = answers[current]
    table = comparison_table(workshop, answers, baseline)
    reps = min(answer.done for answer in answers.values())
    gap = _svg(plot.gap_map(shown))
    left = _svg(plot.why_they_left(shown))
    breaks = when_promises_break(shown)  # None without a calendar: every hour is alike
    when = (
        f"<h2>When promises break · {html.escape(current)}</h2>\n"
        f'<p class="note">{BREAKS_NOTE}</p>\n<figure>{_svg(breaks)}</figure>\n'
        if breaks is not None
        else ""
    )
    provenance = [
        ("Package version", __version__),
        ("Model version", MODEL_VERSION),
        ("Scenario", f"{scenario.name} (fingerprint {scenario.fingerprint})"),
        ("Simulated time per run", format_duration(workshop.hours)),
        ("Seed", str(workshop.seed)),
        ("Replications", f"{reps} per setting, paired (common random numbers)"),
    ]
    for name, answer in answers.items():
        changed = workshop.overrides(answer.settings)
        text = ", ".join(f"{path} = {value:g}" for path, value in changed.items())
        provenance.append((f"Overrides · {name}", text or "none (the scenario as shipped)"))
    provenance.append(("Command that repeats these numbers", command(workshop, answers)))
    if robust is not None:
        manifest = robust.study.manifest
        provenance.append(
            (
                "Robustness study",
                f"{robust.worlds} worlds ({manifest['design']} design, seed {workshop.seed}) "
                f"× {manifest['reps']} replication(s) × 2 settings, "
                f"{format_duration(workshop.hours)} each",
            )
        )
    provenance.append(("Exported", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")))
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td><code>{html.escape(v)}</code></td></tr>"
        for k, v in provenance
    )
    compared = f" Changes (Δ) are against “{html.escape(baseline)}”." if baseline else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(scenario.name)} · promise-gap handout</title>
<style>{_CSS}</style></head>
<body>
<h1>{html.escape(scenario.description or scenario.name)}</h1>
<p class="note">A simulation of the gap between what the business promises and what it
delivers: {len(answers)} setting(s) compared, each over {reps} replications of
{html.escape(format_duration(workshop.hours))}.</p>
<h2>Settings and results</h2>
<p class="note">Means with their 95% confidence interval in brackets.{compared} Every
setting meets the same customers (paired replications), so a difference whose interval
excludes zero is not luck.</p>
{_table(table)}
{robust_section(robust)}<h2>Where promises meet delivery · {html.escape(current)}</h2>
<figure>{gap}</figure>
<h2>Why they left · {html.escape(current)}</h2>
<p class="note">Customers lost, complaints and criticisms per run, by the touchpoint and
dimension that hurt most.</p>
<figure>{left}</figure>
{when}<h2>Provenance</h2>
<table class="provenance">{rows}</table>
</body></html>
"""
